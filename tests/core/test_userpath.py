"""C01/C02: the fix puts the folder on the user's PATH, safely and only once."""

import subprocess
from dataclasses import dataclass, field

import pytest

from app.core.host import Host
from app.core.userpath import REG_EXPAND_SZ, add_to_user_path
from tests.core.test_install import script
from tests.core.test_session_verify import VERSION
from tests.test_cli import cli


@dataclass
class FakeRegistry:
    value: tuple[str, int] | None
    writes: list[tuple[str, int]] = field(default_factory=list)

    def read_path(self):
        return self.value

    def write_path(self, value, kind):
        self.writes.append((value, kind))
        self.value = (value, kind)


WINDOWS = Host(
    system="windows",
    env={"USERPROFILE": r"C:\Users\ada", "APPDATA": r"C:\Users\ada\AppData\Roaming"},
    home=r"C:\Users\ada",
)
NPM = r"C:\Users\ada\AppData\Roaming\npm"


def test_c02_a_long_user_path_is_kept_whole_with_its_variables_and_type():
    # setx would cut this at 1024 characters and expand %USERPROFILE% for good.
    long = ";".join(rf"%USERPROFILE%\tools\t{i:03}" for i in range(80))
    assert len(long) > 1024
    registry = FakeRegistry((long, REG_EXPAND_SZ))
    change = add_to_user_path(NPM, WINDOWS, registry)
    assert change.changed and registry.writes == [(long + ";" + NPM, REG_EXPAND_SZ)]
    # Again: nothing is added twice, whatever the case or a trailing backslash.
    again = add_to_user_path(NPM.upper() + "\\", WINDOWS, registry)
    assert not again.changed and len(registry.writes) == 1


def test_c02_a_folder_already_there_as_a_variable_is_not_added():
    registry = FakeRegistry((r"%APPDATA%\npm;C:\bin", REG_EXPAND_SZ))
    assert not add_to_user_path(NPM, WINDOWS, registry).changed
    assert registry.writes == []


def test_c02_no_user_path_yet_creates_an_expandable_one():
    registry = FakeRegistry(None)
    add_to_user_path(NPM, WINDOWS, registry)
    assert registry.writes == [(NPM, REG_EXPAND_SZ)]


@pytest.mark.parametrize("shell", ["/bin/bash", "/usr/bin/zsh"])
def test_c01_posix_startup_file_gets_one_quoted_line(tmp_path, shell):
    folder = str(tmp_path / "npm global $(touch PWNED) `id` ü") + "/bin"
    host = Host(system="linux", env={"SHELL": shell, "PATH": "/usr/bin:/bin"}, home=str(tmp_path))
    first = add_to_user_path(folder, host)
    second = add_to_user_path(folder, host)
    assert first.changed and not second.changed
    rc = tmp_path / (".zshrc" if "zsh" in shell else ".bashrc")
    text = rc.read_text()
    assert text.count("added by ai-cli-setup") == 1
    # What a new terminal does with it: the folder comes first, nothing else runs.
    out = subprocess.run(
        ["sh", "-c", f'. "{rc}"; printf %s "$PATH"'],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert out.stdout == f"{folder}:/usr/bin:/bin"
    assert not (tmp_path / "PWNED").exists()


def test_a_recorded_machine_is_never_changed(tmp_path):
    home = tmp_path / "recorded-home"
    home.mkdir()
    recorded = Host(system="linux", env={"SHELL": "/bin/bash"}, home=str(home), executables=[])
    assert not add_to_user_path("/opt/x/bin", recorded).changed
    assert list(home.iterdir()) == []


def test_c01_verify_add_to_path_fixes_a_tool_off_path(tmp_path, isolated_home):
    prefix = tmp_path / "prefix"
    script(prefix / "bin" / "gemini", VERSION)
    env = {"SHELL": "/bin/bash", "PATH": "/usr/bin:/bin"}
    args = ("verify", "--tools", "gemini-cli", "--npm-prefix", str(prefix))
    before = cli(*args, env=env)
    assert before.returncode == 0 and "verify --add-to-path" in before.stdout
    result = cli(*args, "--add-to-path", env=env)
    assert result.returncode == 0, result.stderr
    assert f"Added {prefix / 'bin'} to PATH" in result.stdout
    assert str(prefix / "bin") in (isolated_home / ".bashrc").read_text()
