"""Each probe against scripted answers taken from real machines."""

import asyncio
import http.server
import threading
from typing import ClassVar

import pytest

from app.core.catalog import default_catalog
from app.core.detect import detect
from app.core.detect.facts import GpuReading, NvmlReading, Reach, http_reach, proxy_for
from app.core.detect.probes import (
    ProbeContext,
    all_probes,
    probe_apple_container,
    probe_gpu,
    probe_node,
    probe_nvm,
    probe_os,
    probe_podman,
    probe_resources,
    reach_probe,
    tool_probe,
)
from app.core.host import Host
from tests.fakes import FakeFacts, ScriptedRunner, linux_host

SMI = (
    "nvidia-smi",
    "--query-gpu=name,driver_version,memory.total",
    "--format=csv,noheader,nounits",
)


def mac_host(machine="arm64"):
    return Host(
        system="darwin",
        release="24.6.0",
        machine=machine,
        env={"PATH": "/usr/bin"},
        home="/Users/u",
    )


def run_probe(run_async, probe, runner, facts=None):
    return run_async(probe(ProbeContext(runner, facts or FakeFacts(), default_catalog())))


# --- operating system ---


def test_macos_under_rosetta_is_apple_silicon(run_async):
    runner = ScriptedRunner(mac_host(machine="x86_64"))
    runner.on(
        "sw_vers", output="ProductName:\tmacOS\nProductVersion:\t14.5\nBuildVersion:\t23F79\n"
    )
    runner.on("sysctl", "-n", "sysctl.proc_translated", output="1\n")
    runner.on("sysctl", "-n", "hw.optional.arm64", output="1\n")
    finding = run_probe(run_async, probe_os, runner)
    assert (finding.version, finding.build) == ("14.5", "23F79")
    assert finding.apple_silicon and finding.rosetta and finding.arch == "arm64"
    assert "Rosetta" in finding.summary


def test_intel_mac_is_not_apple_silicon(run_async):
    runner = ScriptedRunner(mac_host(machine="x86_64"))
    runner.on(
        "sw_vers",
        output="ProductName:    Mac OS X\nProductVersion: 10.15.5\nBuildVersion:   19F101\n",
    )
    runner.on("sysctl", "-n", "sysctl.proc_translated", output="", exit_code=1)
    runner.on("sysctl", "-n", "hw.optional.arm64", output="", exit_code=1)
    finding = run_probe(run_async, probe_os, runner)
    assert finding.version == "10.15.5"
    assert not finding.apple_silicon and not finding.rosetta


@pytest.mark.parametrize(
    ("proc_version", "wsl"),
    [
        ("Linux version 5.15.153.1-microsoft-standard-WSL2 (root@x) #1 SMP", 2),
        ("Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com) #1237-Microsoft", 1),
        ("Linux version 6.1.0-21-amd64 (debian-kernel@lists.debian.org)", 0),
    ],
)
def test_wsl_version_comes_from_the_kernel_string(run_async, proc_version, wsl):
    base = linux_host(WSL_DISTRO_NAME="Ubuntu")
    host = Host(system="linux", env=base.env, os_release=base.os_release, proc_version=proc_version)
    finding = run_probe(run_async, probe_os, ScriptedRunner(host))
    assert finding.wsl == wsl
    assert finding.wsl_distro == ("Ubuntu" if wsl else None)


def test_musl_is_read_from_ldd(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("ldd", "--version", output="musl libc (x86_64)\nVersion 1.2.5\n", exit_code=1)
    finding = run_probe(run_async, probe_os, runner)
    assert finding.musl is True
    assert any(e.argv == ("ldd", "--version") for e in finding.evidence)


@pytest.mark.parametrize(
    ("version", "name"), [("10.0.22631", "Windows 11"), ("10.0.19045", "Windows 10")]
)
def test_windows_10_and_11_are_told_apart_by_build(run_async, version, name):
    host = Host(system="windows", version=version, machine="AMD64", env={"Path": "C:\\Windows"})
    runner = ScriptedRunner(host)
    runner.on(
        "wsl.exe",
        "-l",
        "-v",
        output="Windows Subsystem for Linux has no installed distributions.\n\nError code: Wsl/WSL_E_DEFAULT_DISTRO_NOT_FOUND",
        exit_code=1,
    )
    finding = run_probe(run_async, probe_os, runner)
    assert finding.summary.startswith(name)
    assert finding.build == version.split(".")[-1]
    assert finding.wsl_distros == ()
    assert "no distro" in finding.summary


# --- tools, node, package and node managers ---


def test_tool_lists_every_copy_on_path_and_who_installed_it(run_async, tmp_path):
    first, second = tmp_path / "npm-global" / "bin", tmp_path / "usr-bin"
    for folder in (first, second):
        folder.mkdir(parents=True)
        exe = folder / "gemini"
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    host = Host(system="linux", env={"PATH": f"{first}:{second}"}, home=str(tmp_path))
    runner = ScriptedRunner(host)
    runner.on("gemini", "--version", output="0.25.1\n")
    runner.on("npm", "prefix", "-g", output=str(tmp_path / "npm-global") + "\n")
    finding = run_probe(run_async, tool_probe("gemini-cli"), runner)
    assert finding.version == "0.25.1"
    assert finding.copies == (str(first / "gemini"), str(second / "gemini"))
    assert "2 copies on PATH" in finding.summary
    assert finding.source == "npm"


@pytest.mark.parametrize(
    ("path", "real", "source"),
    [
        (
            "/usr/local/bin/claude",
            "/usr/local/lib/node_modules/@anthropic-ai/claude-code/cli.js",
            "npm",
        ),
        ("/usr/local/bin/node", "/usr/local/Cellar/node/22.1.0/bin/node", "brew"),
        ("/opt/homebrew/bin/gemini", None, "brew"),
        ("C:\\Users\\u\\AppData\\Local\\Microsoft\\WinGet\\Links\\uv.exe", None, "winget"),
        ("C:\\Users\\u\\AppData\\Roaming\\npm\\codex.cmd", None, "npm"),
        ("/home/u/.local/bin/claude", "/home/u/.local/share/claude/versions/2.0.61", "native"),
        ("/usr/bin/git", None, "system"),
        ("C:\\Program Files\\nodejs\\node.exe", None, "native"),
        ("/home/u/.nvm/versions/node/v22.19.0/bin/node", None, "nvm"),
    ],
)
def test_install_source_from_the_path(path, real, source):
    from app.core.detect.parse import install_source

    home = "C:\\Users\\u" if path.startswith("C:") else "/home/u"
    assert install_source(path, home, None, None, real) == source


def test_node_prefix_not_writable_is_said(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("node", "--version", output="v20.20.2\n")
    runner.on("npm", "--version", output="10.8.2\n")
    runner.on("npm", "prefix", "-g", output="/usr/local\n")
    finding = run_probe(run_async, probe_node, runner, FakeFacts())
    assert finding.npm_prefix == "/usr/local" and finding.prefix_writable is False
    assert "not writable" in finding.summary
    facts = FakeFacts(writable_paths={"/usr/local/lib/node_modules"})
    assert run_probe(run_async, probe_node, runner, facts).prefix_writable is True


NPM_TOGETHER = ("npm", "config", "get", "prefix", "registry", "npm-version")


def test_one_npm_call_answers_every_probe_that_asks_npm(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("node", "--version", output="v22.11.0\n")
    runner.on(
        *NPM_TOGETHER,
        output="npm warn config something odd\nprefix=/opt/npm\n"
        "registry=https://npm.example.corp/\nnpm-version=11.4.2\n",
    )
    facts = FakeFacts(
        reachable={"https://npm.example.corp/": Reach("https://npm.example.corp/", True, 200)}
    )
    detection = run_async(detect(runner, default_catalog(), facts))
    assert (detection.node.npm_version, detection.node.npm_prefix) == ("11.4.2", "/opt/npm")
    assert detection.resources.disk_path == "/opt/npm"
    assert detection.reach["npm-registry"].url == "https://npm.example.corp/"
    npm_calls = [argv for argv in runner.calls if argv[0] == "npm"]
    assert npm_calls == [NPM_TOGETHER]


def test_an_npm_without_a_setting_is_asked_for_it_alone(run_async):
    # npm 6 knows no `npm-version` setting; a recording made before the
    # combined call was asked has none of it.
    runner = ScriptedRunner(linux_host())
    runner.on("node", "--version", output="v20.20.2\n")
    runner.on(
        *NPM_TOGETHER,
        output="prefix=/usr/local\nregistry=https://registry.npmjs.org/\nnpm-version=undefined\n",
    )
    runner.on("npm", "--version", output="6.14.18\n")
    finding = run_probe(run_async, probe_node, runner, FakeFacts())
    assert (finding.npm_version, finding.npm_prefix) == ("6.14.18", "/usr/local")
    assert ("npm", "prefix", "-g") not in runner.calls
    assert [e.argv for e in finding.evidence[:3]] == [
        ("node", "--version"),
        ("npm", "--version"),
        NPM_TOGETHER,
    ]


def test_reach_checks_the_public_registry_while_npm_starts(run_async):
    gate = asyncio.Event()
    runner = ScriptedRunner(linux_host())
    runner.on(
        *NPM_TOGETHER, output="prefix=/usr\nregistry=https://registry.npmjs.org/\n", gate=gate
    )
    asked: list[str] = []

    class Facts(FakeFacts):
        async def reach(self, url, timeout):
            asked.append(url)
            gate.set()  # npm answers only once the registry was asked
            return Reach(url, True, 200)

    probe = reach_probe("npm registry", None)
    ctx = ProbeContext(runner, Facts(), default_catalog())
    # Asked one after the other, npm would wait for a check that never starts.
    finding = run_async(asyncio.wait_for(probe(ctx), 10))
    assert finding.present and asked == ["https://registry.npmjs.org/"]


@pytest.mark.parametrize(
    ("argv", "output", "version"),
    [
        (("winget", "--version"), "v1.12.350\n", "1.12.350"),
        (("brew", "--version"), "Homebrew >=4.3.0 (shallow or no git repository)\n", "4.3.0"),
        (("apt", "--version"), "apt 2.6.1 (amd64)\n", "2.6.1"),
        (("dnf", "--version"), "dnf5 version 5.1.15\ndnf5 plugin API version 2.0\n", "5.1.15"),
        (("dnf", "--version"), "4.14.0\n  Installed: dnf-0:4.14.0-1.fc38.noarch\n", "4.14.0"),
        (("fnm", "--version"), "fnm 1.37.1\n", "1.37.1"),
        (("volta", "--version"), "2.0.1\n", "2.0.1"),
        (("asdf", "--version"), "asdf version 0.16.7\n", "0.16.7"),
    ],
)
def test_package_and_node_manager_versions(run_async, argv, output, version):
    host = Host(system="windows" if argv[0] == "winget" else "linux", env={"PATH": "/usr/bin"})
    runner = ScriptedRunner(host)
    runner.on(*argv, output=output)
    probes = {p.name: p for p in all_probes(default_catalog(), host)}
    name = {"brew": "Homebrew"}.get(argv[0], argv[0])
    finding = run_probe(run_async, probes[name].run, runner)
    assert finding.present and finding.version == version


def test_nvm_is_found_from_its_folder(run_async):
    host = linux_host(NVM_DIR="/home/user/.nvm")
    facts = FakeFacts(existing={"/home/user/.nvm/nvm.sh"})
    assert run_probe(run_async, probe_nvm, ScriptedRunner(host), facts).present
    assert not run_probe(run_async, probe_nvm, ScriptedRunner(host), FakeFacts()).present


# --- container runtimes ---

PODMAN_DOWN_MAC = """OS: darwin/arm64
provider: applehv
version: 5.0.3

Cannot connect to Podman. Please verify your connection to the Linux system using `podman system connection list`, or try `podman machine init` and `podman machine start` to manage a new Linux VM
Error: unable to connect to Podman socket: Get "http://d/v5.0.3/libpod/_ping": ssh: rejected: connect failed (open failed)"""
TABLE_HEADER = "NAME                    VM TYPE     CREATED      LAST UP      CPUS        MEMORY      DISK SIZE"


@pytest.mark.parametrize(
    ("machines", "state"),
    [
        (TABLE_HEADER, "machine-absent"),
        (
            "NAME                     VM TYPE     CREATED     LAST UP     CPUS        MEMORY      DISK SIZE\n"
            "podman-machine-default*  qemu        5 days ago  5 days ago  1           2.147GB     107.4GB",
            "machine-stopped",
        ),
        (
            TABLE_HEADER
            + "\npodman-machine-default  wsl         38 minutes ago  Currently running  12          603.3MB     703.6MB",
            "machine-unreachable",
        ),
    ],
)
def test_podman_machine_states_on_macos(run_async, machines, state):
    runner = ScriptedRunner(mac_host())
    runner.on("podman", "--version", output="podman version 5.0.3\n")
    runner.on("podman", "info", output=PODMAN_DOWN_MAC, exit_code=125)
    runner.on("podman", "machine", "list", output=machines)
    finding = run_probe(run_async, probe_podman, runner)
    assert finding.state == state
    assert finding.version == "5.0.3"
    # C17: each state with its own next step (init, start, restart).
    step = {
        "machine-absent": "`podman machine init`",
        "machine-stopped": "`podman machine start`",
        "machine-unreachable": "restart it",
    }[state]
    assert step in finding.summary


def test_podman_running_machine_and_linux_rootless(run_async):
    runner = ScriptedRunner(mac_host())
    runner.on("podman", "--version", output="podman version 5.2.0\n")
    runner.on(
        "podman",
        "info",
        output='{"host": {"security": {"rootless": true}}, "version": {"Version": "5.2.0"}}',
    )
    runner.on(
        "podman",
        "machine",
        "list",
        output=TABLE_HEADER + "\nm  wsl  1 day ago  Currently running  2  2GB  10GB",
    )
    assert run_probe(run_async, probe_podman, runner).state == "running"
    linux = ScriptedRunner(linux_host())
    linux.on("podman", "--version", output="podman version 2.0.6\n")
    linux.on("podman", "info", output='{"host": {"rootless": true, "os": "linux"}}')
    finding = run_probe(run_async, probe_podman, linux)
    assert (finding.state, finding.rootless) == ("running", True)
    assert "rootless" in finding.summary


def _mac_with(version, arm64="1"):
    runner = ScriptedRunner(mac_host(machine="arm64" if arm64 == "1" else "x86_64"))
    runner.on(
        "sw_vers", output=f"ProductName:\tmacOS\nProductVersion:\t{version}\nBuildVersion:\t25A1\n"
    )
    runner.on("sysctl", "-n", "sysctl.proc_translated", output="0\n")
    runner.on(
        "sysctl", "-n", "hw.optional.arm64", output=arm64 + "\n", exit_code=0 if arm64 == "1" else 1
    )
    runner.on(
        "container",
        "--version",
        output="container CLI version 0.4.1 (build: release, commit: 4ac18b5)\n",
    )
    return runner


def test_apple_container_needs_apple_silicon_and_macos_26_whatever_binary_exists(run_async):
    # C19: the binary is present on both, but the hardware or OS rules it out.
    intel = run_probe(run_async, probe_apple_container, _mac_with("26.0", arm64="0"))
    assert (intel.state, intel.supported) == ("unsupported", False)
    assert "Apple silicon" in intel.summary
    old = run_probe(run_async, probe_apple_container, _mac_with("15.7.1"))
    assert old.state == "unsupported" and "macOS 26" in old.summary


@pytest.mark.parametrize(
    ("status_output", "code", "state"),
    [
        (
            'Error: internalError: "failed to list containers" (cause: "interrupted: "XPC connection error: Connection invalid"")',
            1,
            "stopped",
        ),
        ("apiserver is not running and not registered with launchd", 1, "stopped"),
        ("apiserver is running", 0, "running"),
    ],
)
def test_apple_container_service_state(run_async, status_output, code, state):
    runner = _mac_with("26.1")
    runner.on("container", "system", "status", output=status_output, exit_code=code)
    finding = run_probe(run_async, probe_apple_container, runner)
    assert (finding.state, finding.supported, finding.version) == (state, True, "0.4.1")
    if state == "stopped":  # C19: "installed, service stopped", with the start action
        assert "`container system start`" in finding.summary


# --- GPU (C24) ---


@pytest.mark.parametrize(
    ("output", "code", "state", "step"),
    [
        (
            "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
            9,
            "nvidia-driver-not-loaded",
            "not loaded",
        ),
        (
            "Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 570.124",
            18,
            "nvidia-driver-mismatch",
            "reboot",
        ),
        (
            "Failed to initialize NVML: GPU access blocked by the operating system\nFailed to properly shut down NVML: GPU access blocked by the operating system",
            255,
            "nvidia-blocked",
            "WSL",
        ),
        (
            "Failed to initialize NVML: N/A\nFailed to properly shut down NVML: N/A",
            255,
            "nvidia-error",
            "output",
        ),
    ],
)
def test_nvidia_error_states_each_with_a_next_step(run_async, output, code, state, step):
    runner = ScriptedRunner(linux_host())
    runner.on(*SMI, output=output, exit_code=code)
    finding = run_probe(run_async, probe_gpu, runner)
    assert finding.state == state
    assert step in finding.next_step
    assert any(e.argv == SMI and e.exit_code == code for e in finding.evidence)


def test_nvidia_ok_from_csv_and_missing_when_nothing_answers(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on(*SMI, output="NVIDIA GeForce RTX 4090, 580.95.05, 24564\n")
    finding = run_probe(run_async, probe_gpu, runner)
    assert (finding.state, finding.version, finding.memory_mib) == ("nvidia", "580.95.05", 24564)
    assert "NVIDIA GeForce RTX 4090" in finding.summary
    empty = run_probe(run_async, probe_gpu, ScriptedRunner(linux_host()))
    assert (empty.state, empty.nvidia, empty.present) == ("none", "missing", False)


def test_nvml_answer_is_preferred_to_nvidia_smi(run_async):
    facts = FakeFacts(
        nvml_reading=NvmlReading("ok", (GpuReading("NVIDIA A40", "550.127.05", 46068),))
    )
    finding = run_probe(run_async, probe_gpu, ScriptedRunner(linux_host()), facts)
    assert finding.state == "nvidia" and finding.summary.startswith("NVIDIA A40")


def test_gpu_on_the_pci_bus_without_a_driver_is_said_so(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on(
        "lspci", output="0000:5a:00.0 3D controller: NVIDIA Corporation Device 1db6 (rev a1)\n"
    )
    finding = run_probe(run_async, probe_gpu, runner)
    assert (finding.state, finding.nvidia) == ("nvidia-no-driver", "no-driver")
    assert "install the driver" in finding.next_step


def test_amd_and_intel_adapters_from_lspci_and_cim(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on(
        "lspci",
        output="00:13.0 Non-VGA unclassified device: Intel Corporation Sensor Hub (rev 31)\n"
        "01:00.0 VGA compatible controller: Advanced Micro Devices, Inc. [AMD/ATI] Ellesmere [Radeon Pro WX 5100] (prog-if 00 [VGA controller])\n",
    )
    finding = run_probe(run_async, probe_gpu, runner)
    assert finding.state == "other"
    assert [a.vendor for a in finding.adapters] == ["amd"]
    windows = ScriptedRunner(Host(system="windows", env={"Path": "C:\\Windows"}))
    windows.on(
        "powershell",
        output='[{"Name": "NVIDIA GeForce RTX 2080 SUPER", "AdapterCompatibility": "NVIDIA"}, {"Name": "Intel(R) UHD Graphics 630", "AdapterCompatibility": "Intel Corporation"}]',
    )
    finding = run_probe(run_async, probe_gpu, windows)
    assert [a.vendor for a in finding.adapters] == ["nvidia", "intel"]
    assert finding.state == "nvidia-no-driver"  # an NVIDIA card, and no nvidia-smi


# --- resources and reachability ---


def test_resources_are_measured_where_installs_land(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("npm", "prefix", "-g", output="/opt/npm\n")
    facts = FakeFacts(memory=8 * 1024**3, free={"/opt/npm": 20 * 1024**3})
    finding = run_probe(run_async, probe_resources, runner, facts)
    assert (finding.memory_bytes, finding.disk_free_bytes, finding.disk_path) == (
        8 * 1024**3,
        20 * 1024**3,
        "/opt/npm",
    )
    assert finding.summary == "8.0 GiB memory; 20.0 GiB free disk at /opt/npm"


def test_reach_uses_the_registry_npm_is_configured_with(run_async):
    runner = ScriptedRunner(linux_host())
    runner.on("npm", "config", "get", "registry", output="https://npm.example.corp/\n")
    facts = FakeFacts(
        reachable={
            "https://npm.example.corp/": Reach(
                "https://npm.example.corp/", True, 200, proxy="http://proxy:3128"
            )
        }
    )
    finding = run_probe(run_async, reach_probe("npm registry", None), runner, facts)
    assert finding.present and finding.url == "https://npm.example.corp/"
    assert "via proxy http://proxy:3128" in finding.summary


def test_proxy_variables_and_no_proxy_are_honoured():
    env = {"HTTPS_PROXY": "http://proxy:3128", "no_proxy": "localhost,.corp.example"}
    assert proxy_for("https://registry.npmjs.org/", env) == "http://proxy:3128"
    assert proxy_for("https://npm.corp.example/", env) is None
    assert proxy_for("http://registry.npmjs.org/", env) is None  # no HTTP_PROXY set


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_HEAD(self):
        _ProxyHandler.seen.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_http_reach_goes_through_the_hosts_proxy():
    """A local server plays the proxy: the request for an unresolvable host reaches it."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _ProxyHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {"HTTP_PROXY": f"http://127.0.0.1:{server.server_port}"}
        result = http_reach("http://registry.invalid/", 5.0, env)
        assert result.ok and result.status_code == 200
        assert _ProxyHandler.seen == ["http://registry.invalid/"]
        direct = http_reach("http://127.0.0.1:9/", 2.0, {})
        assert not direct.ok and direct.error
    finally:
        server.shutdown()
        server.server_close()


def test_cli_in_the_npm_prefix_but_not_on_path_is_found_and_said_so(run_async, tmp_path):
    # C01: npm put the CLI in <prefix>/bin, which PATH does not name.
    bin_dir = tmp_path / "prefix" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "claude").write_text("#!/bin/sh\n")
    (bin_dir / "claude").chmod(0o755)
    host = Host(system="linux", env={"PATH": "/nonexistent"}, home=str(tmp_path / "home"))
    runner = ScriptedRunner(host)
    runner.on("npm", "prefix", "-g", output=str(tmp_path / "prefix") + "\n")
    runner.on(str(bin_dir / "claude"), "--version", output="2.1.197 (Claude Code)\n")
    finding = run_probe(run_async, tool_probe("claude-code"), runner)
    assert finding.present and finding.on_path is False
    assert finding.version == "2.1.197"
    assert finding.summary == f"Claude Code 2.1.197 is installed in {bin_dir}, which is not on PATH"
    assert [e.argv[0] for e in finding.evidence] == ["claude", str(bin_dir / "claude")]


def test_a_network_that_inspects_tls_is_named(tmp_path):
    """C11: a server whose certificate nobody trusts, as a TLS-inspecting proxy presents."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = http.server.HTTPServer(("127.0.0.1", 0), _ProxyHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = http_reach(f"https://127.0.0.1:{server.server_port}/", 5.0, {})
        assert not result.ok
        assert result.error.startswith("TLS check failed (a network that inspects TLS")
        trusted = http_reach(
            f"https://127.0.0.1:{server.server_port}/", 5.0, {"SSL_CERT_FILE": str(cert)}
        )
        assert trusted.ok  # the organisation's CA file, named the usual way, is honoured
    finally:
        server.shutdown()
        server.server_close()


def test_a_proxy_or_registry_password_never_reaches_the_finding(run_async):
    """Found by `HTTPS_PROXY=http://user:pw@127.0.0.1:9 ai-cli-setup detect` printing pw."""
    registry = "https://ci:regpass99@npm.example.corp/"
    runner = ScriptedRunner(linux_host())
    runner.on("npm", "config", "get", "registry", output=registry + "\n")
    proxy = "http://alice:s3cretpw@proxy:3128"
    error = f"ProxyError: cannot connect to proxy {proxy}"
    facts = FakeFacts(reachable={registry: Reach(registry, False, None, error, proxy)})
    finding = run_probe(run_async, reach_probe("npm registry", None), runner, facts)
    shown = repr(finding)
    assert "s3cretpw" not in shown and "regpass99" not in shown
    assert "via proxy http://[redacted]@proxy:3128" in finding.summary


def test_garbled_podman_info_makes_a_one_line_summary(run_async):
    """Seen with a podman printing 3 KB of random bytes: a 4,600-character summary line."""
    runner = ScriptedRunner(linux_host())
    runner.on("podman", "--version", output="podman version 4.3.1\n")
    runner.on("podman", "info", output="\ufffd\x1b[31m" + "絢" * 4000, exit_code=125)
    finding = run_probe(run_async, probe_podman, runner)
    assert finding.state == "error"
    assert len(finding.summary) < 200 and "\n" not in finding.summary


def test_a_tools_version_probe_gets_its_own_settings(run_async, tmp_path):
    import sys

    from app.core.runner import ProcessRunner

    seen = tmp_path / "seen"
    gemini = tmp_path / "bin" / "gemini"
    gemini.parent.mkdir()
    gemini.write_text(
        f"#!{sys.executable}\nimport os\n"
        f"open({str(seen)!r}, 'w').write(os.environ.get('GEMINI_CLI_NO_RELAUNCH', '-'))\n"
        "print('0.61.0')\n"
    )
    gemini.chmod(0o755)
    host = Host(system="linux", env={"PATH": str(gemini.parent)}, home=str(tmp_path))
    finding = run_probe(run_async, tool_probe("gemini-cli"), ProcessRunner(host))
    assert (finding.present, finding.version) == (True, "0.61.0")
    assert seen.read_text() == "true"
