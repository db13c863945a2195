"""What goes into a frozen build: names, platform metadata and the trimming rules.

The spec file and the tests both read this module; it imports nothing from
PyInstaller or Qt, so the rules can be checked without building anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

NAME = "ai-cli-setup"
DISPLAY_NAME = "AI CLI Setup"
BUNDLE_ID = "io.github.ai-cli-setup"
COPYRIGHT = "ai-cli-setup contributors, Apache-2.0"

# Qt translation catalogues the wizard loads. app/ui/app.py loads qtbase_<locale>.qm
# for the system's locale (QWizard's Back/Next/Cancel, QLineEdit's menu), so every
# locale of qtbase ships (about 6 MB); Designer's, QML's and the rest are dropped.
# FIXME(i18n): the wizard's own strings are English only; when its .qm files exist,
# ship them from resources/ and narrow this to the locales they cover.
SHIPPED_CATALOGUES = ("qtbase",)

# The other Qt bindings: qasync probes for them at import time, and PyInstaller
# refuses a build that holds two bindings. Neither is ever wanted.
EXCLUDED_MODULES = (
    "PyQt5",
    "PyQt6",
    "PySide2",
    # requests falls back to pyOpenSSL only when Python's ssl lacks SNI, which
    # never happens on 3.11; pyOpenSSL would bring cryptography (14 MB).
    "urllib3.contrib.pyopenssl",
    "OpenSSL",
    "cryptography",
    "tkinter",
    "unittest",
    "pydoc",
    "PySide6.QtNetwork",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPdf",
    "PySide6.QtSvg",
    "PySide6.QtDBus",
)

# Qt libraries the wizard never loads (it uses QtCore, QtGui and QtWidgets).
# Matched against the library's base name without prefix or suffix, e.g.
# "libQt6Qml.so.6" and "Qt6Qml.dll" and "QtQml.framework/..." all give "Qml".
_DROPPED_QT_LIBS = re.compile(
    r"^(EglF[sS]\w*|Qml\w*|Quick\w*|Pdf\w*|VirtualKeyboard\w*|Network|Svg\w*|OpenGL\w*|ShaderTools|"
    r"Designer\w*|Help|Sql|Test|UiTools|Xml|Concurrent|PrintSupport|LabsStyleKit|"
    r"StateMachine\w*|WebSockets|Multimedia\w*)$"
)
_QT_LIB = re.compile(
    r"(?:^|/)(?:lib)?Qt6(?P<mod>\w+?)(?:\.so[.\d]*|\.dll|\.dylib)$"
    r"|(?:^|/)Qt(?P<fw>\w+)\.framework(?:/|$)"
)

# Plugin folders under .../Qt/plugins/ (Windows: .../PySide6/plugins/). Only
# these are kept, and within `platforms` only the listed plugins.
_KEPT_PLUGIN_DIRS = {
    "platforms",  # the windowing system; offscreen is what --self-test uses
    "platformthemes",  # native dialogs and colours (GTK, xdg-desktop-portal)
    "platforminputcontexts",  # input methods (IBus, compose keys)
    "xcbglintegrations",  # xcb needs one to start on X11
    "wayland-decoration-client",
    "wayland-graphics-integration-client",
    "wayland-shell-integration",
    "styles",  # the macOS and Windows native styles
}
_KEPT_PLATFORMS = re.compile(r"(?:lib)?q(xcb|wayland\w*|offscreen|windows|cocoa)\.(so|dll|dylib)$")
# Plugins inside a kept folder that are still not wanted, with the reason.
_DROPPED_PLUGINS = (
    (re.compile(r"qgtk3"), "the GTK theme drags in GTK, cairo and pango (20 MB)"),
    (re.compile(r"adwaita"), "needs QtSvg; Qt falls back to its own window decoration"),
    (re.compile(r"(fullscreen-shell|ivi-shell|wl-shell|qt-shell)"), "compositor-specific shells"),
)
_PLUGIN = re.compile(r"(?:^|/)plugins/(?P<dir>[^/]+)/(?P<file>[^/]+)$")
_TRANSLATION = re.compile(r"(?:^|/)translations/(?P<file>[^/]+\.qm)$")
_KEPT_TRANSLATION = re.compile(
    r"^(" + "|".join(re.escape(name) for name in SHIPPED_CATALOGUES) + r")_\w+\.qm$"
)
# Python extension modules of the excluded Qt modules, if a hook pulls them in.
_DROPPED_BINDINGS = re.compile(r"(?:^|/)PySide6/(Qt\w+)\.(abi3\.so|pyd)$")
_KEPT_BINDINGS = {"QtCore", "QtGui", "QtWidgets"}
# Windows software OpenGL and ANGLE fallbacks: the wizard draws with the raster engine.
_DROPPED_FILES = re.compile(
    r"(?:^|/)(opengl32sw\.dll|d3dcompiler_\d+\.dll|libEGL\.dll|libGLESv2\.dll)$"
)
# qml folders and shader caches from the hooks.
_DROPPED_DIRS = re.compile(r"(?:^|/)PySide6/(Qt/)?qml/")


@dataclass(frozen=True)
class Verdict:
    keep: bool
    reason: str


def judge(dest: str) -> Verdict:
    """Whether a file PyInstaller collected at `dest` belongs in the bundle."""
    path = dest.replace("\\", "/")
    if _DROPPED_DIRS.search(path):
        return Verdict(False, "QML files")
    if _DROPPED_FILES.search(path):
        return Verdict(False, "OpenGL fallback")
    binding = _DROPPED_BINDINGS.search(path)
    if binding and binding.group(1) not in _KEPT_BINDINGS:
        return Verdict(False, f"unused binding {binding.group(1)}")
    lib = _QT_LIB.search(path)
    if lib:
        module = lib.group("mod") or lib.group("fw")
        if _DROPPED_QT_LIBS.match(module):
            return Verdict(False, f"unused Qt library {module}")
    plugin = _PLUGIN.search(path)
    if plugin:
        if plugin.group("dir") not in _KEPT_PLUGIN_DIRS:
            return Verdict(False, f"unused plugin folder {plugin.group('dir')}")
        if plugin.group("dir") == "platforms" and not _KEPT_PLATFORMS.search(plugin.group("file")):
            return Verdict(False, "unused platform plugin")
        for pattern, reason in _DROPPED_PLUGINS:
            if pattern.search(plugin.group("file")):
                return Verdict(False, reason)
    translation = _TRANSLATION.search(path)
    if translation and not _KEPT_TRANSLATION.match(translation.group("file")):
        return Verdict(False, "translations of Qt modules the wizard does not use")
    return Verdict(True, "")


def trim(toc: list[tuple[str, str, str]]) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Split a PyInstaller TOC into what is kept and a log of what was dropped."""
    kept, dropped = [], []
    for entry in toc:
        verdict = judge(entry[0])
        if verdict.keep:
            kept.append(entry)
        else:
            dropped.append(f"{entry[0]}: {verdict.reason}")
    return kept, dropped


def _is_root(dest: str, typecode: str) -> bool:
    """Files loaded by name at run time rather than linked: they anchor the walk."""
    path = dest.replace("\\", "/")
    name = path.rsplit("/", 1)[-1]
    return (
        typecode != "BINARY"
        or _PLUGIN.search(path) is not None
        or re.match(r"(lib)?python\d", name, re.IGNORECASE) is not None
    )


def prune_orphans(
    binaries: list[tuple[str, str, str]], imports_of: Callable[[str], Iterable[str]]
) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Drop shared libraries that only files dropped by `trim` linked against.

    PyInstaller collects a plugin's dependencies before the spec can drop the
    plugin, so its libraries would stay behind. Starting from what Python and
    Qt load by name (extension modules, plugins, libpython), follow the link
    table (`imports_of(src)` gives the names a binary links) and keep only the
    libraries reached.
    """
    by_name: dict[str, list[tuple[str, str, str]]] = {}
    for entry in binaries:
        by_name.setdefault(_base(entry[0]), []).append(entry)
    reached = {entry for entry in binaries if _is_root(entry[0], entry[2])}
    todo = list(reached)
    while todo:
        entry = todo.pop()
        for linked in imports_of(entry[1]):
            for dep in by_name.get(_base(linked), []):
                if dep not in reached:
                    reached.add(dep)
                    todo.append(dep)
    kept = [entry for entry in binaries if entry in reached]
    dropped = [f"{e[0]}: linked only by dropped files" for e in binaries if e not in reached]
    return kept, dropped


def _base(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1].lower()


def info_plist(version: str) -> dict[str, object]:
    """The keys merged into the macOS bundle's Info.plist."""
    return {
        "CFBundleDisplayName": DISPLAY_NAME,
        "CFBundleName": DISPLAY_NAME,
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "NSPrincipalClass": "NSApplication",  # Retina rendering
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,  # follow dark mode
        "LSMinimumSystemVersion": "12.0",  # PySide6 6.8+ wheels need macOS 12
        "NSHumanReadableCopyright": COPYRIGHT,
    }


def version_tuple(version: str) -> tuple[int, int, int, int]:
    numbers = [int(n) for n in re.findall(r"\d+", version)[:4]]
    return tuple(numbers + [0] * (4 - len(numbers)))  # type: ignore[return-value]


def windows_version_info(version: str, exe_name: str) -> str:
    """The Windows version resource, in the text form PyInstaller's `version=` reads."""
    numbers = version_tuple(version)
    strings = {
        "CompanyName": "ai-cli-setup",
        "FileDescription": DISPLAY_NAME,
        "FileVersion": version,
        "InternalName": NAME,
        "LegalCopyright": COPYRIGHT,
        "OriginalFilename": exe_name,
        "ProductName": DISPLAY_NAME,
        "ProductVersion": version,
    }
    table = ",\n".join(f"          StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers},
    prodvers={numbers},
    mask=0x3f,
    flags=0x0,
    OS=0x40004,
    fileType=0x1,
    subtype=0x0,
    date=(0, 0)
  ),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
{table}
      ])
    ]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""
