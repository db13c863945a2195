"""What the frozen build keeps and drops (packaging/bundle.py), checked without building."""

from pathlib import Path

import pytest

from tests.packaging.conftest import load_script

bundle = load_script("bundle")

KEPT = [
    "PySide6/Qt/lib/libQt6Core.so.6",
    "PySide6/Qt/lib/libQt6Gui.so.6",
    "PySide6/Qt/lib/libQt6Widgets.so.6",
    "PySide6/Qt/lib/libQt6DBus.so.6",  # the xcb platform plugin links it
    "PySide6/Qt/lib/libQt6XcbQpa.so.6",
    "PySide6/Qt/lib/libicudata.so.73",
    "PySide6/Qt/plugins/platforms/libqxcb.so",
    "PySide6/Qt/plugins/platforms/libqwayland.so",
    "PySide6/Qt/plugins/platforms/libqoffscreen.so",
    "PySide6\\plugins\\platforms\\qwindows.dll",
    "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
    "PySide6\\plugins\\styles\\qmodernwindowsstyle.dll",
    "PySide6/Qt/plugins/xcbglintegrations/libqxcb-glx-integration.so",
    "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
    "PySide6/Qt/translations/qtbase_en.qm",
    "PySide6/Qt/translations/qtbase_de.qm",  # app/ui/app.py loads the system locale's
    "PySide6/Qt/translations/qtbase_pt_BR.qm",
    "PySide6/QtWidgets.abi3.so",
    "PySide6\\QtCore.pyd",
    "PySide6\\Qt6Widgets.dll",
    "PySide6/Qt/lib/QtWidgets.framework/Versions/A/QtWidgets",
    "resources/catalog/tools.toml",
    "resources/icons/app.png",
    "libpython3.11.so.1.0",
]

DROPPED = [
    "PySide6/Qt/lib/libQt6Qml.so.6",
    "PySide6/Qt/lib/libQt6QmlModels.so.6",
    "PySide6/Qt/lib/libQt6Quick.so.6",
    "PySide6/Qt/lib/libQt6Network.so.6",
    "PySide6/Qt/lib/libQt6Pdf.so.6",
    "PySide6/Qt/lib/libQt6EglFSDeviceIntegration.so.6",
    "PySide6\\Qt6Qml.dll",
    "PySide6\\Qt6Quick.dll",
    "PySide6/Qt/lib/QtQuick.framework/Versions/A/QtQuick",
    "PySide6/QtQml.abi3.so",
    "PySide6\\QtNetwork.pyd",
    "PySide6/Qt/qml/QtQuick/Controls/qmldir",
    "PySide6/Qt/plugins/platforms/libqvnc.so",
    "PySide6/Qt/plugins/platforms/libqeglfs.so",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    "PySide6/Qt/plugins/imageformats/libqjpeg.so",
    "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
    "PySide6/Qt/plugins/sqldrivers/libqsqlite.so",
    "PySide6/Qt/plugins/wayland-decoration-client/libadwaita.so",
    "PySide6/Qt/translations/qtdeclarative_en.qm",
    "PySide6/Qt/translations/qt_help_de.qm",
    "PySide6/Qt/translations/designer_fr.qm",
    "PySide6\\opengl32sw.dll",
]


@pytest.mark.parametrize("dest", KEPT)
def test_what_the_wizard_uses_is_kept(dest):
    assert bundle.judge(dest).keep, bundle.judge(dest).reason


@pytest.mark.parametrize("dest", DROPPED)
def test_what_it_never_loads_is_dropped_with_a_reason(dest):
    verdict = bundle.judge(dest)
    assert not verdict.keep
    assert verdict.reason


def test_trim_reports_each_dropped_file():
    toc = [(d, "/src/" + d, "BINARY") for d in ("libQt6Qml.so.6", "libQt6Core.so.6")]
    kept, dropped = bundle.trim(toc)
    assert [e[0] for e in kept] == ["libQt6Core.so.6"]
    assert dropped == ["libQt6Qml.so.6: unused Qt library Qml"]


def test_libraries_only_dropped_plugins_linked_are_pruned():
    binaries = [
        ("PySide6/QtWidgets.abi3.so", "src/QtWidgets", "EXTENSION"),
        ("PySide6/Qt/lib/libQt6Widgets.so.6", "src/libQt6Widgets.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6Core.so.6", "src/libQt6Core.so.6", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "src/libqxcb.so", "BINARY"),
        ("libxcb-icccm.so.4", "src/libxcb-icccm.so.4", "BINARY"),
        # linked only by libqgtk3.so, which trim() already dropped:
        ("libgtk-3.so.0", "src/libgtk-3.so.0", "BINARY"),
        ("libcairo.so.2", "src/libcairo.so.2", "BINARY"),
        ("libpython3.11.so.1.0", "src/libpython3.11.so.1.0", "BINARY"),
    ]
    links = {
        "src/QtWidgets": ["libQt6Widgets.so.6"],
        "src/libQt6Widgets.so.6": ["libQt6Core.so.6", "libc.so.6"],
        "src/libqxcb.so": ["/usr/lib/x86_64-linux-gnu/libxcb-icccm.so.4"],
        "src/libgtk-3.so.0": ["libcairo.so.2"],
    }
    kept, dropped = bundle.prune_orphans(binaries, lambda src: links.get(src, []))
    assert {e[0] for e in kept} == {
        "PySide6/QtWidgets.abi3.so",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "libxcb-icccm.so.4",
        "libpython3.11.so.1.0",
    }
    assert sorted(dropped) == [
        "libcairo.so.2: linked only by dropped files",
        "libgtk-3.so.0: linked only by dropped files",
    ]


def test_the_other_qt_bindings_are_excluded():
    assert {"PyQt5", "PyQt6", "PySide2"} <= set(bundle.EXCLUDED_MODULES)


def test_macos_info_plist_asks_for_retina_and_carries_the_version():
    plist = bundle.info_plist("1.2.3")
    assert plist["NSPrincipalClass"] == "NSApplication"
    assert plist["CFBundleShortVersionString"] == "1.2.3"


def _pyinstaller_version_classes() -> dict[str, list[str]]:
    """Class name -> __init__ parameters in PyInstaller's versioninfo module.

    Read from its source: the module itself imports only on Windows.
    """
    import ast
    import importlib.util

    spec = importlib.util.find_spec("PyInstaller")
    if spec is None:
        pytest.skip(
            "PyInstaller is not installed (it comes with the dev extra: pip install -e '.[dev]')"
        )
    source = spec.submodule_search_locations[0]
    tree = ast.parse((Path(source) / "utils" / "win32" / "versioninfo.py").read_text())
    classes = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    classes[node.name] = [a.arg for a in item.args.args[1:]]
    return classes


def test_windows_version_resource_is_what_pyinstaller_reads():
    classes = _pyinstaller_version_classes()
    calls = []

    def constructor(name):
        def build(*args, **kwargs):
            params = classes[name]
            assert len(args) <= len(params), f"{name} takes {params}"
            assert set(kwargs) <= set(params), f"{name} takes {params}, got {sorted(kwargs)}"
            calls.append((name, args, kwargs))
            return name

        return build

    text = bundle.windows_version_info("0.1.2", "ai-cli-setup.exe")
    # PyInstaller loads a version file with eval() in that module's namespace.
    assert eval(text, {name: constructor(name) for name in classes}) == "VSVersionInfo"
    fixed = next(kw for name, _a, kw in calls if name == "FixedFileInfo")
    assert fixed["filevers"] == (0, 1, 2, 0)
    strings = {a[0]: a[1] for name, a, _kw in calls if name == "StringStruct"}
    assert strings["OriginalFilename"] == "ai-cli-setup.exe"
    assert strings["ProductVersion"] == "0.1.2"


def test_windows_manifest_runs_as_invoker():
    text = (bundle.REPO / "packaging" / "windows.manifest").read_text(encoding="utf-8")
    assert 'level="asInvoker"' in text
    assert "requireAdministrator" not in text


@pytest.mark.parametrize("name", ["app.png", "app.ico", "app.icns"])
def test_icons_are_where_resource_path_finds_them(name):
    from app.core.resources import resource_path

    data = resource_path("icons", name).read_bytes()
    magic = {"app.png": b"\x89PNG", "app.ico": b"\x00\x00\x01\x00", "app.icns": b"icns"}
    assert data.startswith(magic[name])
