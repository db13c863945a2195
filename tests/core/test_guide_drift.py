"""The shipped guide and the catalog say the same thing, and the check can tell when not."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from app.core.catalog import default_catalog, load_catalog
from app.core.guide import command_form, drift, guide_path, read_guide
from app.core.resources import resource_path

SHARED_GUIDE = Path("/work/shared/guide/installing-ai-clis.md")


@pytest.fixture(scope="module")
def text() -> str:
    return guide_path().read_text(encoding="utf-8")


def test_shipped_guide_and_catalog_agree(text):
    assert drift(default_catalog(), read_guide(text)) == []


def test_the_guide_is_shipped_with_its_cc_by_attribution():
    notice = (resource_path("guide") / "NOTICE.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in notice
    assert "Torbjörn E. M. Nordling" in notice
    assert "creativecommons.org/licenses/by/4.0" in notice


@pytest.mark.skipif(not SHARED_GUIDE.exists(), reason="the shared guide is not on this machine")
def test_shipped_copy_is_the_shared_guide(text):
    assert text == SHARED_GUIDE.read_text(encoding="utf-8")


def test_the_parser_finds_the_guides_install_commands(text):
    commands = {c.text for c in read_guide(text).commands}
    assert "winget install Git.Git" in commands  # from a table cell
    assert "sudo dnf install nodejs" in commands
    assert (
        'powershell -ExecutionPolicy ByPass -c "irm https://astral.sh/uv/install.ps1 | iex"'
        in commands
    )
    assert "sudo apt-get install -y nvidia-container-toolkit" in commands  # split at &&
    assert "brew upgrade claude-code" in commands  # inline code in a note
    assert not any(c.startswith(("docker run", "docker build", "mkdir")) for c in commands)
    assert len(commands) >= 55


@pytest.mark.parametrize(
    ("line", "kind", "key"),
    [
        (
            "curl -LsSf https://astral.sh/uv/install.sh | sh",
            "script",
            ("https://astral.sh/uv/install.sh", "sh"),
        ),
        (
            "irm https://claude.ai/install.ps1 | iex",
            "script",
            ("https://claude.ai/install.ps1", "powershell"),
        ),
        (
            "curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash -",
            "script",
            ("https://deb.nodesource.com/setup_20.x", "bash"),
        ),
        ("brew install --cask docker", "package", ("brew-cask",)),
        ("sudo usermod -aG docker $USER", "argv", ("usermod", "-aG", "docker", "$USER")),
        ('export PATH="$HOME/.claude/bin:$PATH"', "path", ("~/.claude/bin",)),
    ],
)
def test_command_forms(line, kind, key):
    form = command_form(line)
    assert form is not None
    assert (form.kind, form.key) == (kind, key)


def test_a_curl_pipe_is_a_script_with_admin_only_when_the_guide_uses_sudo():
    assert command_form("curl -fsSL https://x/setup | sudo -E bash -").admin
    assert not command_form("curl -fsSL https://x/install.sh | bash").admin


# ---- the checker fails, and says where, when either side changes


def mutated(text: str, old: str, new: str) -> str:
    assert old in text, f"the guide no longer contains {old!r}; update this test"
    return text.replace(old, new)


def test_a_changed_install_command_in_the_guide_is_named(text):
    guide = read_guide(mutated(text, "winget install Git.Git", "winget install Git.Git.Beta"))
    problems = drift(default_catalog(), guide)
    assert any("`winget install Git.Git.Beta` is not in the catalog" in p for p in problems)
    assert any(p.startswith("catalog step git.winget:") for p in problems), problems


def test_a_new_install_command_in_the_guide_is_named(text):
    block = "### Common Issues\n\n```bash\nsudo dnf install podman-desktop\n```\n"
    guide = read_guide(mutated(text, "### Common Issues\n", block))
    problems = drift(default_catalog(), guide)
    assert problems == [
        p for p in problems if "`sudo dnf install podman-desktop` is not in the catalog" in p
    ]
    assert len(problems) == 1


def test_a_sudo_in_the_guide_needs_admin_in_the_catalog(text):
    guide = read_guide(mutated(text, "container system start", "sudo container system start"))
    problems = drift(default_catalog(), guide)
    assert any("`sudo container system start` is not in the catalog" in p for p in problems)


def test_a_removed_install_command_shows_as_a_catalog_step_missing_from_the_guide(text):
    guide = read_guide(mutated(text, "sudo dnf install nodejs\n", "\n"))
    problems = drift(default_catalog(), guide)
    assert any(
        p.startswith("catalog step node.dnf:") and "dnf install -y nodejs" in p for p in problems
    )


def test_a_changed_summary_cell_is_named(text):
    row = "| **Kubernetes workflows** | Podman Desktop | Podman Desktop | podman |"
    guide = read_guide(mutated(text, row, row.replace("| podman |", "| docker |")))
    problems = drift(default_catalog(), guide)
    assert problems == [
        "Recommendation Summary, Kubernetes workflows / Linux: the guide says 'docker', "
        "the catalog 'podman'"
    ]


def test_a_new_scenario_row_is_named(text):
    row = "| **Kubernetes workflows** | Podman Desktop | Podman Desktop | podman |"
    guide = read_guide(
        mutated(text, row, row + "\n| **Robotics** | Docker Desktop | Docker Desktop | podman |")
    )
    problems = drift(default_catalog(), guide)
    assert any("scenario 'Robotics' is not in the catalog" in p for p in problems)


def test_a_changed_comparison_table_is_named(text):
    guide = read_guide(
        mutated(text, "| **Rootless GPU** | Supported |", "| **Rootless GPU** | Unsupported |")
    )
    problems = drift(default_catalog(), guide)
    assert len(problems) == 1 and problems[0].startswith("catalog table gpu-access: row")


def test_a_changed_apple_container_list_is_named(text):
    guide = read_guide(mutated(text, "- You need production stability (pre-1.0 software)\n", ""))
    problems = drift(default_catalog(), guide)
    assert any(p.startswith("catalog list apple-container-avoid") for p in problems)


def test_a_changed_catalog_shows_against_the_guide(tmp_path, text):
    folder = tmp_path / "catalog"
    shutil.copytree(resource_path("catalog"), folder)
    path = folder / "prerequisites.toml"
    path.write_text(path.read_text().replace('"OpenJS.NodeJS.LTS"', '"OpenJS.NodeJS"'))
    problems = drift(load_catalog(folder), read_guide(text))
    missing = [p for p in problems if "is not in the catalog" in p]
    assert [re.search(r"`(.*)`", p).group(1) for p in missing] == [
        "winget install OpenJS.NodeJS.LTS",
        "winget install OpenJS.NodeJS.LTS",
    ]


def test_cell_words_and_options_must_agree(tmp_path, text):
    folder = tmp_path / "catalog"
    shutil.copytree(resource_path("catalog"), folder)
    path = folder / "recommendations.toml"
    source = path.read_text()
    old = 'linux = { text = "podman", options = ["podman"] }\n\n[[scenario]]\nid = "server"'
    assert old in source
    path.write_text(
        source.replace(old, old.replace('options = ["podman"]', 'options = ["docker"]'))
    )
    problems = drift(load_catalog(folder), read_guide(text))
    assert problems == ["catalog scenario kubernetes / linux: option docker does not fit 'podman'"]


def test_a_tool_the_guide_moves_to_pre_installed_is_named(text):
    row = "| **Git** | `winget install Git.Git` |"
    extra = "| **Git** | Pre-installed | Comes with Windows now |\n"
    anchor = "| **OpenSSH Client** |"
    guide = read_guide(mutated(mutated(text, row + "\n", ""), anchor, extra + anchor))
    problems = drift(default_catalog(), guide)
    assert "catalog item git: the guide says it is pre-installed on Windows" in problems
