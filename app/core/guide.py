"""The shipped guide read as data, and what differs between it and the catalog.

`read_guide` parses the markdown into headings, tables, bullet lists and the
commands in its shell blocks. `drift` compares that with the catalog both
ways: every install command and Recommendation Summary cell of the guide
must be in the catalog, and every catalog method that cites the guide must
still be found there. Each problem is one readable line.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.core.catalog import Action, Catalog, Item, fill
from app.core.resources import resource_path

GUIDE_FILE = "installing-ai-clis.md"
# FIXME(containers): Dockerfile and compose blocks are not compared here; the
# container set-up that generates them (issue 7) should check its own drift.
SHELL_BLOCKS = ("bash", "sh", "powershell", "")

# A command is an install command when it starts with one of these (after
# sudo); anything else in a shell block (docker run, ls, mkdir, ...) is an
# example of use, not a way to install, and is left alone.
INSTALL_PREFIXES: tuple[tuple[str, ...], ...] = (
    ("brew",), ("winget",), ("npm",), ("npx",), ("apt",), ("apt-get",), ("dnf",),
    ("usermod",), ("nvidia-ctk",), ("systemctl",), ("tar",), ("mv",), ("xcode-select",),
    ("wsl",), ("container", "system"), ("podman", "machine", "init"),
    ("podman", "machine", "start"), ("docker", "desktop"), ("docker", "model"),
)  # fmt: skip
_PACKAGE_VERBS = ("install", "upgrade")
# What the guide writes where the catalog has a placeholder.
_GUIDE_VALUES = {
    "home": "~",
    "user": "$USER",
    "npm_prefix": "~/.npm-global",
    "npm_bin": "~/.npm-global/bin",
    "node_major": "20",
}


@dataclass(frozen=True)
class GuideCommand:
    line: int
    headings: tuple[str, ...]
    text: str

    @property
    def where(self) -> str:
        return f"line {self.line} ({' > '.join(self.headings[-2:])})"


@dataclass(frozen=True)
class GuideTable:
    line: int
    heading: str
    index: int
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Guide:
    headings: tuple[str, ...]
    tables: tuple[GuideTable, ...]
    lists: dict[tuple[str, str], tuple[str, ...]]  # (heading, lead) -> entries
    bullets: frozenset[str]
    commands: tuple[GuideCommand, ...]

    def table(self, heading: str, index: int = 0) -> GuideTable | None:
        for table in self.tables:
            if table.heading == heading and table.index == index:
                return table
        return None


def guide_path() -> Path:
    return resource_path("guide", GUIDE_FILE)


def plain(text: str) -> str:
    """A markdown cell or bullet as text: emphasis and backticks removed."""
    return re.sub(r"\*\*|`", "", text).strip()


def _is_rule(lines: list[str]) -> bool:
    """Whether the line under a table header is its |---|---| rule."""
    return bool(lines) and re.match(r"^\|[-| :]+\|$", lines[0]) is not None


def _cells(line: str) -> tuple[str, ...]:
    return tuple(plain(c) for c in line.strip().strip("|").split("|"))


def read_guide(text: str) -> Guide:
    lines = text.splitlines()
    stack: list[tuple[int, str]] = []
    tables: list[GuideTable] = []
    lists: dict[tuple[str, str], list[str]] = {}
    bullets: set[str] = set()
    commands: list[GuideCommand] = []
    headings: list[str] = []
    per_heading: dict[str, int] = {}
    lead = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        path = tuple(h for _, h in stack)
        heading = path[-1] if path else ""
        if line.startswith("```"):
            language = line[3:].strip().lower()
            start = i + 1
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                i += 1
            if language in SHELL_BLOCKS:
                commands.extend(_block_commands(lines[start:i], start + 1, path))
            i += 1
            continue
        if match := re.match(r"^(#{1,6})\s+(.*)$", line):
            level, title = len(match.group(1)), plain(match.group(2))
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
            headings.append(title)
            lead = ""
        elif line.startswith("|") and _is_rule(lines[i + 1 : i + 2]):
            columns = _cells(line)
            rows = []
            j = i + 2
            while j < len(lines) and lines[j].startswith("|"):
                rows.append(_cells(lines[j]))
                j += 1
            index = per_heading.get(heading, 0)
            per_heading[heading] = index + 1
            tables.append(GuideTable(i + 1, heading, index, columns, tuple(rows)))
            for k in range(i, j):
                spans = re.findall(r"`([^`]+)`", lines[k])
                commands.extend(_inline_commands(spans, k + 1, path))
            i = j
            continue
        elif line.startswith("- "):
            entry = plain(line[2:])
            bullets.add(entry)
            lists.setdefault((heading, lead), []).append(entry)
        elif line.strip():
            lead = plain(line)
            commands.extend(_inline_commands(re.findall(r"`([^`]+)`", line), i + 1, path))
        i += 1
    return Guide(
        tuple(headings),
        tuple(tables),
        {k: tuple(v) for k, v in lists.items()},
        frozenset(bullets),
        tuple(commands),
    )


def _block_commands(
    block: list[str], first_line: int, path: tuple[str, ...]
) -> Iterator[GuideCommand]:
    pending, start = "", first_line
    for offset, raw in enumerate(block):
        line = raw.strip()
        if not pending:
            start = first_line + offset
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text, pending = pending + line, ""
        for part in text.split(" && "):
            if _is_install(_tokens(part)):
                yield GuideCommand(start, path, part.strip())


def _inline_commands(
    spans: Iterable[str], line: int, path: tuple[str, ...]
) -> Iterator[GuideCommand]:
    for span in spans:
        tokens = _tokens(span)
        managers = ("brew", "winget", "npm", "apt", "apt-get", "dnf")
        if tokens[:1] and tokens[0] in managers and tokens[1:2] and tokens[1] in _PACKAGE_VERBS:
            yield GuideCommand(line, path, span.strip())


def _tokens(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _unsudo(tokens: list[str]) -> tuple[list[str], bool]:
    if tokens[:1] == ["sudo"]:
        rest = tokens[1:]
        while rest and rest[0].startswith("-"):
            rest = rest[1:]
        return rest, True
    return tokens, False


def _is_install(tokens: list[str]) -> bool:
    if "|" in tokens:
        return _pipe_form(tokens) is not None
    if tokens[:1] in (["echo"], ["export"]):
        return True
    if tokens[:1] == ["powershell"]:
        return True
    tokens, _ = _unsudo(tokens)
    if tokens and tokens[-1] == "--version":
        return True
    return any(tuple(tokens[: len(p)]) == p for p in INSTALL_PREFIXES)


# ---------------------------------------------------------------- forms


@dataclass(frozen=True)
class Form:
    """A command reduced to what it means, comparable across guide and catalog."""

    kind: str  # package | script | argv | path | apt-key | apt-list | extract | move
    key: tuple[str, ...]
    packages: frozenset[str] = frozenset()
    admin: bool = False


def _manager(tokens: list[str]) -> str:
    name = {"apt-get": "apt"}.get(tokens[0], tokens[0])
    if name == "brew" and "--cask" in tokens:
        return "brew-cask"
    if name == "brew" and tokens[1] == "upgrade":
        return "brew*"  # `brew upgrade` serves formulae and casks alike
    return name


def _package_name(name: str) -> str:
    """`@openai/codex@latest` -> `@openai/codex`."""
    head, sep, _tag = name[1:].partition("@")
    return (name[0] + head) if sep else name


def command_form(text: str) -> Form | None:
    """What a guide command means, or None when it is not an install command."""
    tokens = _tokens(text)
    if not tokens:
        return None
    if tokens[0] == "powershell" and ("-c" in tokens or "-Command" in tokens):
        flag = "-c" if "-c" in tokens else "-Command"
        return command_form(tokens[tokens.index(flag) + 1])
    if "|" in tokens:
        return _pipe_form(tokens)
    if tokens[0] == "echo" and ">>" in tokens:
        return command_form(tokens[1])
    if tokens[0] == "export":
        value = tokens[1].partition("=")[2]
        folder = value.split(":")[0].replace("$HOME", "~")
        return Form("path", (folder,))
    tokens, sudo = _unsudo(tokens)
    if (
        tokens[0] in ("brew", "winget", "npm", "apt", "apt-get", "dnf")
        and tokens[1:2]
        and (tokens[1] in _PACKAGE_VERBS)
    ):
        names = [t for t in tokens[2:] if not t.startswith("-")]
        packages = frozenset(_package_name(n) for n in names)
        return Form("package", (_manager(tokens),), packages, sudo)
    if tokens[0] == "tar":
        return Form("extract", (tokens[-1],), admin=sudo)
    if tokens[0] == "mv":
        return Form("move", (tokens[1], tokens[2].rstrip("/")), admin=sudo)
    return Form("argv", tuple(tokens), admin=sudo)


def _pipe_form(tokens: list[str]) -> Form | None:
    segments: list[list[str]] = [[]]
    for token in tokens:
        if token == "|":
            segments.append([])
        else:
            segments[-1].append(token)
    url = next((t for t in segments[0] if t.startswith("http")), "")
    last, sudo = _unsudo(segments[-1])
    if segments[0][:1] == ["irm"] and last[:1] == ["iex"]:
        return Form("script", (url, "powershell"))
    if last[:1] in (["sh"], ["bash"]):
        return Form("script", (url, last[0]), admin=sudo)
    if last[:1] == ["gpg"]:
        return Form("apt-key", (url, last[last.index("-o") + 1]), admin=sudo)
    if last[:1] == ["tee"]:
        return Form("apt-list", (url, last[1]), admin=sudo)
    return None


def action_forms(action: Action) -> list[Form]:
    """The guide-comparable forms of one catalog action."""
    if action.kind == "package":
        return [Form("package", (action.manager,), frozenset(action.packages), action.admin)]
    if action.kind == "script":
        url = fill(action.url, _GUIDE_VALUES)
        return [Form("script", (url, action.interpreter), admin=action.admin)]
    if action.kind == "command":
        return [Form("argv", action.argv(_GUIDE_VALUES), admin=action.admin)]
    if action.kind == "path":
        return [Form("path", (fill(action.dir, _GUIDE_VALUES),))]
    if action.kind == "apt-repo":
        return [
            Form("apt-key", (action.key_url, action.keyring), admin=True),
            Form("apt-list", (action.list_url, action.list_file), admin=True),
        ]
    if action.kind == "archive":
        return [
            Form("extract", tuple(action.assets.values()), admin=action.admin),
            Form("move", (action.binary, action.dest), admin=action.admin),
        ]
    return []


def _matches(guide: Form, form: Form) -> bool:
    if guide.kind != form.kind:
        return False
    if guide.admin and not form.admin:
        return False  # the guide uses sudo: the catalog must ask for admin rights
    if guide.kind == "package":
        same = guide.key == form.key or (guide.key == ("brew*",) and "brew" in form.key[0])
        return same and guide.packages <= form.packages
    if guide.kind == "extract":
        return any(fnmatch.fnmatch(asset, guide.key[0]) for asset in form.key)
    return guide.key == form.key


def _item_forms(item: Item) -> Iterator[tuple[str, Form]]:
    for method in item.methods():
        for action in method.actions:
            for form in action_forms(action):
                yield method.id, form
    for argv in {item.verify_argv(), item.version_argv()}:
        yield f"{item.id} (verify)", Form("argv", tuple(argv))


def drift(catalog: Catalog, guide: Guide) -> list[str]:
    """Every difference between guide and catalog, one readable line each."""
    problems: list[str] = []
    forms = [pair for item in catalog.items.values() for pair in _item_forms(item)]
    for command in guide.commands:
        form = command_form(command.text)
        if form is None:
            problems.append(f"guide {command.where}: cannot read `{command.text}`")
        elif not any(_matches(form, f) for _, f in forms):
            problems.append(f"guide {command.where}: `{command.text}` is not in the catalog")
    problems.extend(_methods_in_guide(catalog, guide))
    problems.extend(_summary_drift(catalog, guide))
    problems.extend(_tables_drift(catalog, guide))
    problems.extend(_builtin_drift(catalog, guide))
    return problems


def _builtin_drift(catalog: Catalog, guide: Guide) -> Iterator[str]:
    """The guide's two Windows tables: what comes with Windows and what does not."""
    by_name = {item.name: item for item in catalog.items.values()}
    for index, builtin in ((0, True), (1, False)):
        table = guide.table("Windows Built-in Tools", index)
        if table is None:
            yield f"guide: table {index} under 'Windows Built-in Tools' is gone"
            continue
        for row in table.rows:
            item = by_name.get(row[0])
            if item is None:
                yield f"guide line {table.line}: {row[0]!r} is not a catalog item name"
            elif ("windows" in getattr(item, "builtin", ())) != builtin:
                said = "pre-installed" if builtin else "not pre-installed"
                yield f"catalog item {item.id}: the guide says it is {said} on Windows"


def _methods_in_guide(catalog: Catalog, guide: Guide) -> Iterator[str]:
    """A method that cites the guide must still be there, under that heading."""
    for step_id, method in catalog.steps.items():
        if not method.guide:
            continue
        if method.guide not in guide.headings:
            yield f"catalog step {step_id}: guide heading {method.guide!r} is gone"
            continue
        here = [command_form(c.text) for c in guide.commands if method.guide in c.headings]
        for action in method.actions:
            for form in action_forms(action):
                if not _found_under(form, [f for f in here if f is not None]):
                    yield (
                        f"catalog step {step_id}: `{action.describe()}` is not under "
                        f"{method.guide!r} in the guide"
                    )


def _found_under(form: Form, guide_forms: list[Form]) -> bool:
    if form.kind == "package":
        offered = frozenset().union(
            *(g.packages for g in guide_forms if g.kind == "package" and g.key == form.key)
        )
        return bool(offered) and form.packages <= offered
    return any(
        _matches(g, form) or (g.kind == form.kind and g.key == form.key) for g in guide_forms
    )


def _summary_drift(catalog: Catalog, guide: Guide) -> Iterator[str]:
    table = guide.table("Recommendation Summary")
    if table is None:
        yield "guide: the Recommendation Summary table is gone"
        return
    systems = {"macOS": "macos", "Windows": "windows", "Linux": "linux"}
    by_name = {s.name: s for s in catalog.scenarios.values()}
    for row in table.rows:
        scenario = by_name.get(row[0])
        if scenario is None:
            yield f"guide line {table.line}: scenario {row[0]!r} is not in the catalog"
            continue
        for column, text in zip(table.columns[1:], row[1:], strict=True):
            cell = scenario.cells[systems[column]]
            if cell.text != text:
                yield (
                    f"Recommendation Summary, {row[0]} / {column}: the guide says "
                    f"{text!r}, the catalog {cell.text!r}"
                )
    named = {row[0] for row in table.rows}
    for scenario in catalog.scenarios.values():
        if scenario.name not in named:
            yield f"catalog scenario {scenario.id}: {scenario.name!r} is not in the guide"
        for os_name, cell in scenario.cells.items():
            yield from _cell_consistency(catalog, scenario.id, os_name, cell.text, cell.options)
        for reason in (r.text for r in scenario.why):
            if reason not in guide.bullets:
                yield f"catalog scenario {scenario.id}: reason {reason!r} is not in the guide"


def _cell_consistency(
    catalog: Catalog, scenario_id: str, os_name: str, text: str, options: tuple[str, ...]
) -> Iterator[str]:
    """The structured options must say what the cell's words say."""
    parts = [] if text == "N/A" else text.split(" or ")
    where = f"catalog scenario {scenario_id} / {os_name}"
    if len(parts) != len(options):
        yield f"{where}: {text!r} names {len(parts)} choices, the catalog {len(options)}"
        return
    for part, option_id in zip(parts, options, strict=True):
        option = catalog.options[option_id]
        if not any(alias in part for alias in option.aliases):
            yield f"{where}: option {option_id} does not fit {part!r}"


def _tables_drift(catalog: Catalog, guide: Guide) -> Iterator[str]:
    for table in catalog.tables.values():
        found = guide.table(table.heading, table.index)
        if found is None:
            yield f"catalog table {table.id}: no table {table.index} under {table.heading!r}"
            continue
        if found.columns != table.columns:
            yield f"catalog table {table.id}: columns {table.columns} != guide {found.columns}"
        for mine, theirs in zip(table.rows, found.rows, strict=False):
            if mine != theirs:
                yield f"catalog table {table.id}: row {mine} != guide {theirs}"
        if len(table.rows) != len(found.rows):
            yield (
                f"catalog table {table.id}: {len(table.rows)} rows, "
                f"the guide (line {found.line}) {len(found.rows)}"
            )
    for glist in catalog.lists.values():
        entries = guide.lists.get((glist.heading, glist.lead))
        if entries is None:
            yield f"catalog list {glist.id}: {glist.lead!r} under {glist.heading!r} is gone"
        elif entries != glist.entries:
            missing = sorted(set(entries) ^ set(glist.entries))
            yield f"catalog list {glist.id}: differs from the guide: {missing}"
