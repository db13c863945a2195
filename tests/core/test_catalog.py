import pytest

from app.core.catalog import CatalogError, default_catalog, load_catalog

GOOD_SIGNATURES = '[[signature]]\nid = "x"\npattern = "x"\nexplanation = "e"\nfix = "f"\n'
GOOD_TOOL = """
[tools.demo]
name = "Demo"
command = "demo"
npm_package = "@demo/cli"
version_pattern = '^(\\d+\\.\\d+\\.\\d+)$'
node_min = "20"
node_floor = "18"
sign_in = "Run demo."
"""


def write(folder, tools=GOOD_TOOL, signatures=GOOD_SIGNATURES):
    (folder / "tools.toml").write_text(tools)
    (folder / "troubleshooting.toml").write_text(signatures)
    return folder


def test_shipped_catalog_loads_and_uses_the_scoped_codex_package():
    catalog = default_catalog()
    assert set(catalog.tools) == {"claude-code", "gemini-cli", "codex-cli"}
    assert catalog.tool("codex-cli").npm_package == "@openai/codex"


@pytest.mark.parametrize(
    ("tool_id", "output", "version"),
    [
        ("claude-code", "2.1.220 (Claude Code)\n", "2.1.220"),
        ("gemini-cli", "0.25.1\n", "0.25.1"),
        ("gemini-cli", "unknown\n", None),
        ("codex-cli", "codex-cli 0.114.0\n", "0.114.0"),
        ("codex-cli", "Error: Missing optional dependency @openai/codex-win32-x64.", None),
    ],
)
def test_version_patterns_read_real_outputs(tool_id, output, version):
    assert default_catalog().tool(tool_id).parse_version(output) == version


def test_a_valid_folder_loads(tmp_path):
    catalog = load_catalog(write(tmp_path))
    assert catalog.tool("demo").node_floor == "18"


def test_unknown_key_is_an_error_naming_file_and_key(tmp_path):
    write(tmp_path, tools=GOOD_TOOL + 'install_script = "curl | sh"\n')
    with pytest.raises(CatalogError) as err:
        load_catalog(tmp_path)
    assert err.value.key == "tools.demo.install_script"
    assert err.value.file.endswith("tools.toml")
    assert "unknown key" in str(err.value)


def test_missing_key_is_an_error(tmp_path):
    write(tmp_path, tools=GOOD_TOOL.replace('command = "demo"\n', ""))
    with pytest.raises(CatalogError, match=r"tools\.demo\.command: required key is missing"):
        load_catalog(tmp_path)


def test_bad_toml_is_an_error(tmp_path):
    write(tmp_path, tools="[tools.demo\nname=")
    with pytest.raises(CatalogError, match="not valid TOML"):
        load_catalog(tmp_path)


def test_bad_regular_expression_is_an_error(tmp_path):
    write(tmp_path, signatures=GOOD_SIGNATURES.replace('pattern = "x"', 'pattern = "(unclosed"'))
    with pytest.raises(CatalogError, match="bad regular expression"):
        load_catalog(tmp_path)


def test_diagnose_finds_eacces_and_ebadengine_in_npm_output():
    text = "npm warn EBADENGINE Unsupported engine\nnpm error code EACCES\n"
    ids = [sig.id for sig in default_catalog().diagnose(text)]
    assert ids[:2] == ["npm-eacces", "npm-ebadengine"]


# ---- the whole catalog: every tool and prerequisite the guide names

GUIDE_ITEMS = {
    "claude-code", "gemini-cli", "codex-cli", "git", "gh", "node", "python", "uv",
    "powershell-5", "powershell-7", "winget", "curl", "tar", "openssh", "homebrew",
    "docker-engine", "docker-desktop", "podman", "podman-desktop", "apple-container",
    "docker-compose", "docker-model-runner", "nvidia-container-toolkit",
}  # fmt: skip


def test_every_item_the_guide_names_is_in_the_catalog():
    catalog = default_catalog()
    assert set(catalog.items) >= GUIDE_ITEMS
    assert set(catalog.tools) == {"claude-code", "gemini-cli", "codex-cli"}
    assert not set(catalog.tools) & set(catalog.prerequisites)


def test_every_item_can_be_installed_or_is_builtin_on_each_of_its_systems():
    catalog = default_catalog()
    for item in catalog.items.values():
        platforms = getattr(item, "platforms", ("windows", "macos", "linux"))
        for os_name in platforms:
            ok = item.methods_for(os_name) or os_name in getattr(item, "builtin", ())
            assert ok, f"{item.id} has no install method for {os_name}"


@pytest.mark.parametrize(
    ("step_id", "argv"),
    [
        ("git.winget", ("winget", "install", "--id", "Git.Git", "--exact",
                        "--accept-package-agreements", "--accept-source-agreements")),
        ("docker-desktop.brew", ("brew", "install", "--cask", "docker")),
        ("node.dnf", ("dnf", "install", "-y", "nodejs")),
        ("gemini-cli.npm", ("npm", "install", "-g", "@google/gemini-cli")),
        ("podman.apt", ("apt-get", "install", "-y", "podman", "podman-compose")),
    ],
)  # fmt: skip
def test_install_methods_are_argument_lists(step_id, argv):
    (action,) = [a for a in default_catalog().step(step_id).actions if a.kind == "package"]
    assert action.argv() == argv


def test_piped_install_scripts_are_script_actions_never_shell_strings():
    catalog = default_catalog()
    uv = catalog.step("uv.script").actions[0]
    assert (uv.kind, uv.url, uv.interpreter) == ("script", "https://astral.sh/uv/install.sh", "sh")
    assert uv.script_argv("/tmp/x.sh") == ("sh", "/tmp/x.sh")
    ps = catalog.step("claude-code.native-windows").actions[0]
    assert ps.script_argv("C:\\t\\i.ps1")[-2:] == ("-File", "C:\\t\\i.ps1")
    with pytest.raises(ValueError):
        uv.argv()
    for method in catalog.steps.values():
        for action in method.actions:
            if action.runnable:
                argv = action.argv({"user": "u", "home": "/h", "npm_prefix": "/p"})
                assert "|" not in argv and not any(";" in part for part in argv), method.id
                assert argv[0] not in ("sh", "bash", "sudo", "powershell"), method.id


@pytest.mark.parametrize(
    ("step_id", "argv"),
    [
        ("node.winget", ("winget", "upgrade", "--id", "OpenJS.NodeJS.LTS", "--exact",
                         "--accept-package-agreements", "--accept-source-agreements")),
        ("node.brew", ("brew", "upgrade", "node")),
        ("node.dnf", ("dnf", "upgrade", "-y", "nodejs")),
        ("codex-cli.npm", ("npm", "install", "-g", "@openai/codex@latest")),
        ("docker-desktop.brew", ("brew", "upgrade", "--cask", "docker")),
    ],
)  # fmt: skip
def test_package_actions_know_how_to_upgrade(step_id, argv):
    (action,) = [a for a in default_catalog().step(step_id).actions if a.kind == "package"]
    assert action.argv(upgrade=True) == argv


def test_method_for_picks_the_preferred_method_this_machine_can_run():
    git = default_catalog().item("git")
    assert git.method_for("linux", ("fedora",), {"dnf"}).id == "git.dnf"
    assert git.method_for("linux", ("ubuntu", "debian"), {"apt"}).id == "git.apt"
    assert git.method_for("linux", ("alpine",), {"apk"}) is None
    assert git.method_for("macos", (), {"brew"}).id == "git.brew"
    assert git.method_for("macos", (), set()).id == "git.xcode-clt"  # no Homebrew here
    uv = default_catalog().item("uv")
    assert uv.method_for("linux", ("ubuntu",), set()).id == "uv.script"  # no manager needed


def test_flags_for_admin_relogin_and_reboot():
    catalog = default_catalog()
    docker = catalog.step("docker-engine.apt")
    assert docker.admin and docker.relogin and not docker.reboot
    assert docker.actions[2].argv({"user": "ana"}) == ("usermod", "-aG", "docker", "ana")
    assert catalog.step("wsl.install").reboot
    assert not catalog.step("node.brew").admin
    assert catalog.step("node.nodesource").actions[0].admin


def test_where_binaries_land_and_how_to_verify():
    catalog = default_catalog()
    assert "{home}/.local/bin" in catalog.item("uv").bin_dirs["linux"]
    assert catalog.item("docker-model-runner").verify_argv() == ("docker", "model", "list")
    assert catalog.item("git").verify_argv() == ("git", "--version")
    assert catalog.item("python").command_on("windows") == "python"


@pytest.mark.parametrize(
    ("item_id", "output", "version"),
    [
        ("git", "git version 2.39.3 (Apple Git-146)", "2.39.3"),
        ("git", "git version 2.47.1.windows.1", "2.47.1"),
        ("uv", "uv 0.1.20 (ea8fc8280 2024-03-13)", "0.1.20"),
        ("node", "v12.22.9", "12.22.9"),
        ("winget", "v1.12.350", "1.12.350"),
        ("homebrew", "Homebrew >=4.3.0 (shallow or no git repository)", "4.3.0"),
        (
            "apple-container",
            "container CLI version 0.4.1 (build: release, commit: 4ac18b5)",
            "0.4.1",
        ),
        ("apple-container", "container CLI version  (build: release, commit: )", None),
        ("docker-desktop", "Server: Docker Desktop 4.43.0 (198134)", "4.43.0"),
    ],
)
def test_prerequisite_version_patterns_read_real_outputs(item_id, output, version):
    assert default_catalog().item(item_id).parse_version(output) == version


def test_gpu_flags_and_licences_agree_with_the_guide_tables():
    catalog = default_catalog()
    gpu = catalog.tables["gpu-access"]
    flags = " ".join(catalog.item("docker-engine").gpu_flags)
    assert gpu.cell("Linux GPU Support", "Docker") == f"{flags} flag"
    flags = " ".join(catalog.item("podman").gpu_flags)
    assert gpu.cell("Linux GPU Support", "Podman") == f"{flags} flag"
    versus = catalog.tables["docker-desktop-vs-engine"]
    assert catalog.item("docker-desktop").licence == versus.cell("License", "Docker Desktop")
    assert catalog.item("docker-engine").licence == versus.cell("License", "docker (Docker Engine)")


@pytest.mark.parametrize(
    ("case", "output", "signature", "step"),
    [
        ("C06", "npm error code EACCES\nnpm error syscall mkdir", "npm-eacces", "node.user-prefix"),
        ("C07", "SyntaxError: Unexpected token '.'", "node-too-old-syntax", "node"),
        ("C08", "npm warn EBADENGINE Unsupported engine", "npm-ebadengine", "node"),
        ("C11", "npm error code SELF_SIGNED_CERT_IN_CHAIN", "tls-intercepted", ""),
        (
            "C11",
            "npm error code E404\nnpm error 404 Not Found - GET https://npm.corp.example/@openai%2fcodex - Not found",
            "npm-custom-registry",
            "",
        ),
        (
            "C12",
            "Error: Missing optional dependency @openai/codex-win32-x64. Reinstall Codex",
            "codex-missing-optional",
            "codex-cli.npm",
        ),
        (
            "C14",
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
            "docker-daemon-down",
            "docker-engine.start",
        ),
        (
            "C15",
            "Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock",
            "docker-socket-permission",
            "docker-engine.group",
        ),
        ("C16", "HCS_E_HYPERV_NOT_INSTALLED", "virtualization-missing", "wsl.install"),
        (
            "C17",
            "Error: podman-machine-default: VM does not exist",
            "podman-machine-missing",
            "podman.machine-init",
        ),
        (
            "C17",
            "Cannot connect to Podman. Please verify your connection",
            "podman-machine-stopped",
            "podman.machine-start",
        ),
        (
            "C18",
            'docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].',
            "gpu-device-driver",
            "nvidia-container-toolkit.docker",
        ),
        (
            "C19",
            'Error: internalError: "failed to list containers" (cause: "interrupted: "XPC connection error: Connection invalid"")',
            "apple-container-stopped",
            "apple-container.start",
        ),
        (
            "C24",
            "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
            "nvidia-driver-not-loaded",
            "",
        ),
        (
            "C24",
            "Failed to initialize NVML: Driver/library version mismatch",
            "nvidia-version-mismatch",
            "",
        ),
        (
            "C24",
            "Failed to initialize NVML: GPU access blocked by the operating system",
            "nvidia-wsl-blocked",
            "",
        ),
    ],
)
def test_cases_map_to_a_signature_with_a_fix(case, output, signature, step):
    catalog = default_catalog()
    found = catalog.diagnose(output)
    assert found, f"{case}: nothing matched"
    assert found[0].id == signature
    assert found[0].step == step
    assert case in found[0].cases
    if step:
        assert step in catalog.steps or step in catalog.items


def test_the_public_registry_is_not_a_custom_registry():
    text = "npm error 404 Not Found - GET https://registry.npmjs.org/@openai%2fcodx - Not found"
    assert "npm-custom-registry" not in [s.id for s in default_catalog().diagnose(text)]


# ---- malformed files fail at load, naming file, key and reason


@pytest.fixture
def full(tmp_path):
    """A copy of the shipped catalog to break."""
    import shutil

    from app.core.resources import resource_path

    folder = tmp_path / "catalog"
    shutil.copytree(resource_path("catalog"), folder)
    return folder


def edit(folder, name, old, new):
    path = folder / name
    text = path.read_text()
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("name", "old", "new", "key", "reason"),
    [
        ("prerequisites.toml", 'id = "git.winget"\n', 'id = "git.winget"\nsudo = true\n',
         "prerequisites.git.install[0].sudo", "unknown key"),
        ("tools.toml", 'GEMINI_CLI_NO_RELAUNCH = "true"', 'PATH = "/tmp/evil"',
         "tools.gemini-cli.version_env.PATH", "not an environment variable name"),
        ("tools.toml", 'GEMINI_CLI_NO_RELAUNCH = "true"', 'gemini_cli_no_relaunch = "true"',
         "tools.gemini-cli.version_env.gemini_cli_no_relaunch", "not an environment variable"),
        ("tools.toml", 'GEMINI_CLI_NO_RELAUNCH = "true"', "GEMINI_CLI_NO_RELAUNCH = 1",
         "tools.gemini-cli.version_env.GEMINI_CLI_NO_RELAUNCH", ""),
        ("prerequisites.toml", 'manager = "winget", packages = ["Git.Git"]',
         'manager = "chocolatey", packages = ["git"]',
         "prerequisites.git.install[0].actions[0].manager", "'chocolatey' is not one of"),
        ("prerequisites.toml", '{ kind = "package", manager = "brew", packages = ["node"] }',
         '{ kind = "shell", run = "brew install node" }',
         "prerequisites.node.install[0].actions[0].kind", "'shell' is not one of"),
        ("prerequisites.toml", 'manager = "brew", packages = ["node"]',
         'manager = "brew", packages = ["node"], admin = true',
         "prerequisites.node.install[0].actions[0].admin", "Homebrew never runs as root"),
        ("prerequisites.toml", 'argv = ["usermod", "-aG", "docker", "{user}"], admin = true, relogin = true },\n]',
         'argv = ["sudo", "usermod", "-aG", "docker", "{user}"], relogin = true },\n]',
         "prerequisites.docker-engine.install[0].actions[2].argv", "set admin = true"),
        ("prerequisites.toml", '"{npm_prefix}"] }', '"{username}"] }',
         "prerequisites.node.setup[0].actions[0].argv[4]", "unknown placeholder {username}"),
        ("prerequisites.toml", 'os = ["windows"]\nrecommended = ["windows"]\nguide = "Windows Built-in Tools"\ndownload_mb = 65\nactions = [{ kind = "package", manager = "winget", packages = ["Git.Git"] }]',
         'os = ["windows"]\nrecommended = ["linux"]\nguide = "Windows Built-in Tools"\ndownload_mb = 65\nactions = [{ kind = "package", manager = "winget", packages = ["Git.Git"] }]',
         "prerequisites.git.install[0].recommended[0]", "'linux' is not one of windows"),
        ("prerequisites.toml", 'id = "git.apt"', 'id = "apt-git"',
         "prerequisites.git.install[3].id", "starts with 'git.'"),
        ("prerequisites.toml", "setup_{node_major}.x", "setup_{node}.x",
         "prerequisites.node.install[1].actions[0].url", "unknown placeholder {node}"),
        ("prerequisites.toml", 'download_mb = 65\n', 'download_mb = -65\n',
         "prerequisites.git.install[0].download_mb", "expected a whole number"),
        ("prerequisites.toml", 'note = "Not in the guide: macOS\'s /usr/bin/git asks for these tools."\n', "",
         "prerequisites.git.install[2].note", "says why in a note"),
        ("prerequisites.toml", 'id = "git.apt"', 'id = "git.winget"', "git.winget", "duplicate step id"),
        ("prerequisites.toml", 'requires_items = ["docker-desktop"]', 'requires_items = ["docker-dekstop"]',
         "prerequisites.docker-model-runner.requires_items", "unknown item 'docker-dekstop'"),
        ("prerequisites.toml", "version_pattern = '^git version", "version_pattern = '(^git version",
         "prerequisites.git.version_pattern", "bad regular expression"),
        ("prerequisites.toml", 'kind = "included", item = "docker-desktop"', 'kind = "included", item = "docker-desk"',
         "docker-compose.desktop.actions[0].item", "unknown item 'docker-desk'"),
        ("troubleshooting.toml", 'step = "node.user-prefix"', 'step = "node.user-prefx"',
         "signature[0].step", "unknown step 'node.user-prefx'"),
        ("troubleshooting.toml", 'id = "npm-ebadengine"', 'id = "npm-eacces"',
         "signature[1].id", "duplicate id 'npm-eacces'"),
        ("recommendations.toml", 'items = ["podman-desktop"]', 'items = ["podman-desktp"]',
         "options.podman-desktop.items", "unknown item 'podman-desktp'"),
        ("recommendations.toml", 'setup = ["apple-container.start"]', 'setup = ["apple-container.go"]',
         "options.apple-container.setup", "unknown step 'apple-container.go'"),
        ("recommendations.toml", 'windows = { text = "Podman Desktop", options = ["podman-desktop"] }',
         'windows = { text = "Podman Desktop", options = ["podman-desktp"] }',
         "scenario[4].windows.options[0]", "'podman-desktp' is not one of"),
        ("recommendations.toml", 'id = "kubernetes"\nname = "Kubernetes workflows"\nmacos',
         'id = "kubernetes"\nname = "Kubernetes workflows"\nmacOS',
         "scenario[7].macOS", "unknown key"),
        ("tables.toml", '["Native Performance", "Excellent", "Excellent"]', '["Native Performance", "Excellent"]',
         "table[2].rows[1]", "2 cells for 3 columns"),
        ("tables.toml", 'id = "platform-linux"', 'id = "platform-macos"',
         "table[2].id", "duplicate id 'platform-macos'"),
        ("prerequisites.toml", 'requires_gpu = "nvidia"', 'requires_gpu = "cuda"',
         "prerequisites.nvidia-container-toolkit.requires_gpu", "'cuda' is not one of none, nvidia"),
        ("tables.toml", 'lead = "Use Apple Container when:"', 'lede = "Use Apple Container when:"',
         "list[0].lede", "unknown key"),
        ("recommendations.toml", '{ os = "macos", text = "Docker Model Runner',
         '{ os = "darwin", text = "Docker Model Runner',
         "scenario[11].why[2].os", "'darwin' is not one of windows, macos, linux"),
        ("recommendations.toml", '{ os = "linux", text = "On Linux',
         '{ system = "linux", text = "On Linux', "scenario[11].why[3].system", "unknown key"),
    ],
)  # fmt: skip
def test_a_broken_catalog_names_file_key_and_reason(full, name, old, new, key, reason):
    edit(full, name, old, new)
    with pytest.raises(CatalogError) as err:
        load_catalog(full)
    assert err.value.file.endswith(name)
    assert err.value.key == key
    assert reason in err.value.reason


def test_a_typo_in_a_catalog_file_fails_to_load(full):
    edit(
        full,
        "tools.toml",
        'npm_package = "@google/gemini-cli"',
        'npm_pakage = "@google/gemini-cli"',
    )
    with pytest.raises(
        CatalogError, match=r"tools\.toml: tools\.gemini-cli\.npm_pakage: unknown key"
    ):
        load_catalog(full)


def test_the_copy_of_the_shipped_catalog_loads(full):
    catalog = load_catalog(full)
    assert catalog.scenario("kubernetes").cells["linux"].options == ("podman",)


# Verbatim samples from shared/research/real-outputs.md (sections 3 and 4).
PODMAN_MAC_DOWN = """podman info
OS: darwin/arm64
provider: applehv
version: 5.0.3

Cannot connect to Podman. Please verify your connection to the Linux system using `podman system connection list`, or try `podman machine init` and `podman machine start` to manage a new Linux VM
Error: unable to connect to Podman socket: Get "http://d/v5.0.3/libpod/_ping": ssh: rejected: connect failed (open failed)
"""
PODMAN_WINDOWS_DOWN = """OS: windows/amd64
provider: wsl
version: 5.2.0

Cannot connect to Podman. Please verify your connection to the Linux system using `podman system connection list`, or try `podman machine init` and `podman machine start` to manage a new Linux VM
Error: unable to connect to Podman socket: failed to connect: dial tcp 127.0.0.1:<port>: connectex: No connection could be made because the target machine actively refused it.
"""
DOCKER_ON_PODMAN_PIPE = """Client:
 Version:           27.2.1
 Context:           default
error during connect: Get "http://%2F%2F.%2Fpipe%2Fpodman-machine-default/v1.47/version": open //./pipe/podman-machine-default: The system cannot find the file specified.
"""
DOCKER_WINDOWS_DOWN = """ OS/Arch:           windows/amd64
error during connect: Get http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.39/version: open //./pipe/docker_engine: The system cannot find the file specified. In the default daemon configuration on Windows, the docker client must be run elevated to connect. This error may also indicate that the docker daemon is not running.
"""
PODMAN_NO_MACHINE = "H:\\>podman machine start\nError: podman-machine-default: VM does not exist\n"


@pytest.mark.parametrize(
    ("output", "first"),
    [
        (PODMAN_MAC_DOWN, "podman-machine-stopped"),
        (PODMAN_WINDOWS_DOWN, "podman-machine-stopped"),
        (DOCKER_ON_PODMAN_PIPE, "podman-machine-stopped"),
        (DOCKER_WINDOWS_DOWN, "docker-daemon-down"),
        (PODMAN_NO_MACHINE, "podman-machine-missing"),
    ],
)
def test_real_outputs_get_the_most_specific_signature_first(output, first):
    assert default_catalog().diagnose(output)[0].id == first


def test_every_failure_case_of_the_brief_has_a_signature():
    covered = {case for sig in default_catalog().signatures for case in sig.cases}
    wanted = {"C06", "C07", "C08", "C11", "C12", "C14", "C15", "C16", "C17", "C18", "C19", "C24"}
    assert wanted <= covered


# The guide gives these only for Debian and Ubuntu (apt); no dnf method is made up.
APT_ONLY = {"docker-engine", "docker-compose", "nvidia-container-toolkit"}


@pytest.mark.parametrize("family", [("debian",), ("ubuntu", "debian"), ("fedora",), ("rhel",)])
def test_linux_families_have_a_method_for_each_linux_item(family):
    catalog = default_catalog()
    for item in catalog.items.values():
        if "linux" not in getattr(item, "platforms", ("linux",)):
            continue
        if "linux" in getattr(item, "builtin", ()) or (
            item.id in APT_ONLY and family[-1] != "debian"
        ):
            continue
        assert item.methods_for("linux", family), f"{item.id}: no method for {family[0]}"


def test_items_and_scenarios_turn_into_json():
    import json

    from app.commands.common import jsonable

    catalog = default_catalog()
    for value in [*catalog.items.values(), *catalog.scenarios.values(), *catalog.signatures]:
        json.dumps(jsonable(value))


def test_an_unreadable_catalog_file_is_a_catalog_error(full):
    (full / "tables.toml").unlink()
    (full / "tables.toml").mkdir()  # read fails with an OSError, even for root
    with pytest.raises(CatalogError) as err:
        load_catalog(full)
    assert err.value.file.endswith("tables.toml")
    assert err.value.reason.startswith("cannot be read")


def test_a_catalog_file_that_is_not_utf8_is_a_catalog_error(full):
    (full / "tools.toml").write_bytes(b"\xff\xfe[tools]\n")
    with pytest.raises(CatalogError, match="not valid TOML"):
        load_catalog(full)


def test_a_registry_500_from_npm_is_not_docker_starting():
    npm = (
        "npm error code E500\n"
        "npm error 500 Internal Server Error - GET https://registry.npmjs.org/@google%2fgemini-cli"
    )
    assert "docker-starting" not in [sig.id for sig in default_catalog().diagnose(npm)]
    docker = (
        "request returned 500 Internal Server Error for API route and version "
        "http://%2F%2F.%2Fpipe%2FdockerDesktopLinuxEngine/v1.45/version, check if the server "
        "supports the requested API version"
    )
    assert default_catalog().diagnose(docker)[0].id == "docker-starting"
