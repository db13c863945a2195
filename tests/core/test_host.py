import os
import stat

from app.core.host import Host, find_all_on_path, resolve_executable


def _touch(path, executable=True):
    path.write_text("#!/bin/sh\necho hi\n")
    if executable:
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_windows_resolver_picks_cmd_never_ps1_or_bare_file(tmp_path):
    # C05: PATH holds `claude`, `claude.cmd` and `claude.ps1`.
    for name in ("claude", "claude.ps1", "claude.cmd"):
        _touch(tmp_path / name)
    host = Host(system="windows", env={"Path": str(tmp_path)})
    assert resolve_executable("claude", host) == os.path.join(str(tmp_path), "claude.cmd")


def test_windows_resolver_prefers_exe_over_cmd(tmp_path):
    for name in ("node.cmd", "node.exe"):
        _touch(tmp_path / name)
    host = Host(system="windows", env={"PATH": str(tmp_path)})
    assert resolve_executable("node", host).endswith("node.exe")


def test_windows_resolver_finds_nothing_when_only_ps1_exists(tmp_path):
    _touch(tmp_path / "claude.ps1")
    host = Host(system="windows", env={"PATH": str(tmp_path)})
    assert resolve_executable("claude", host) is None


def test_posix_resolver_skips_files_that_are_not_executable(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    _touch(first / "tool", executable=False)
    _touch(second / "tool")
    host = Host(system="linux", env={"PATH": f"{first}:{second}"})
    assert resolve_executable("tool", host) == str(second / "tool")


def test_every_copy_on_path_is_listed_in_order(tmp_path):
    dirs = [tmp_path / n for n in ("one", "two", "three")]
    for d in dirs:
        d.mkdir()
    _touch(dirs[0] / "gemini")
    _touch(dirs[2] / "gemini")
    host = Host(system="linux", env={"PATH": ":".join(map(str, dirs))})
    assert find_all_on_path("gemini", host) == [str(dirs[0] / "gemini"), str(dirs[2] / "gemini")]


def test_path_prepend_keeps_order_and_drops_duplicates():
    host = Host(system="linux", env={"PATH": "/usr/bin:/bin"})
    env = host.with_path_prepended(["/opt/x/bin", "/usr/bin"])
    assert env["PATH"] == "/opt/x/bin:/usr/bin:/bin"


def test_npm_bin_dir_differs_by_system():
    assert Host(system="linux").npm_bin_dir("/p") == "/p/bin"
    assert Host(system="windows").npm_bin_dir("/p") == "/p"


def test_windows_name_with_its_extension_is_found_as_is(tmp_path):
    _touch(tmp_path / "wsl.exe")
    host = Host(system="windows", env={"Path": str(tmp_path)})
    assert resolve_executable("wsl.exe", host) == os.path.join(str(tmp_path), "wsl.exe")


def test_only_linux_without_an_x11_or_wayland_display_has_none():
    assert not Host(system="linux").has_display
    assert not Host(system="linux", env={"DISPLAY": "", "WAYLAND_DISPLAY": ""}).has_display
    assert Host(system="linux", env={"DISPLAY": ":0"}).has_display
    assert Host(system="linux", env={"WAYLAND_DISPLAY": "wayland-0"}).has_display
    assert Host(system="darwin").has_display and Host(system="windows").has_display


def test_a_named_display_must_answer(tmp_path):
    # A DISPLAY left from an SSH session whose X forwarding is gone made Qt abort (exit 134).
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        listening = Host(system="linux", env={"DISPLAY": f"127.0.0.1:{port - 6000}.0"})
        assert listening.display_answers()
    assert not listening.display_answers()  # the same display, once nothing listens
    wayland = tmp_path / "wayland-7"
    env = {"WAYLAND_DISPLAY": "wayland-7", "XDG_RUNTIME_DIR": str(tmp_path)}
    assert not Host(system="linux", env=env).display_answers()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(wayland))
        server.listen()
        assert Host(system="linux", env=env).display_answers()
    assert Host(system="linux", env={"DISPLAY": "odd-form"}).display_answers()  # Qt may read it
    assert Host(system="darwin").display_answers() and Host(system="windows").display_answers()


def test_the_lean_description_has_the_system_and_environment_only(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":7")
    lean, full = Host.current(lean=True), Host.current()
    assert lean.system == full.system and lean.env == full.env
    assert lean.env["DISPLAY"] == ":7" and lean.has_display
    assert (lean.release, lean.version, lean.hostname) == ("", "", "")


def test_sighup_asks_a_command_to_stop_except_on_windows_which_has_none():
    assert Host(system="linux").stop_signals == ("SIGINT", "SIGTERM", "SIGHUP")
    assert Host(system="darwin").stop_signals == ("SIGINT", "SIGTERM", "SIGHUP")
    assert Host(system="windows").stop_signals == ("SIGINT", "SIGTERM")


def test_a_command_line_keeps_each_folder_one_argument_in_the_hosts_shell():
    import shlex

    argv = ["ai-cli-setup", "container", "build", "/tmp/x dir/it's"]
    line = Host(system="linux").command_line(argv)
    assert line == "ai-cli-setup container build '/tmp/x dir/it'\"'\"'s'"
    assert shlex.split(line) == argv
    assert Host(system="darwin").command_line(["a", "/plain"]) == "a /plain"
    windows = Host(system="windows").command_line(["ai-cli-setup", "verify", r"C:\My Box\x"])
    assert windows == r'ai-cli-setup verify "C:\My Box\x"'  # cmd and PowerShell alike
