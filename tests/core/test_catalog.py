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
