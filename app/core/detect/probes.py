"""The probes: each asks the machine one question and returns a finding.

A probe runs its commands through `ProbeContext.run`, which shares one run
of a command between probes that ask the same thing. Probes never raise on
odd output: the parsers turn it into "unknown", with the evidence kept.
"""

from __future__ import annotations

import asyncio
import ntpath
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from app.core.catalog import Catalog
from app.core.detect import parse
from app.core.detect.facts import Facts, GpuReading
from app.core.detect.model import (
    AppleContainerFinding,
    DockerFinding,
    Evidence,
    Finding,
    GpuAdapter,
    GpuFinding,
    NodeFinding,
    OsFinding,
    PodmanFinding,
    ReachFinding,
    ResourcesFinding,
    ToolFinding,
)
from app.core.engines import installed_node_floor
from app.core.host import Host, find_all_on_path, resolve_executable
from app.core.redact import Redactor
from app.core.runner import Outcome, Runner

COMMAND_TIMEOUT = 15.0
REACH_TIMEOUT = 5.0
DEFAULT_REGISTRY = "https://registry.npmjs.org/"
APPLE_CONTAINER_MIN_MACOS = 26


@dataclass
class ProbeContext:
    """What every probe may use; commands asked twice run once."""

    runner: Runner
    facts: Facts
    catalog: Catalog
    command_timeout: float = COMMAND_TIMEOUT
    # npm prefixes the user chose (--npm-prefix, the last install's): where a CLI
    # missing from PATH may still be installed.
    prefixes: tuple[str, ...] = ()
    _runs: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], asyncio.Task[Outcome]] = field(
        default_factory=dict
    )
    # Commands started and not yet finished, for the "timed out" evidence.
    pending: set[tuple[str, ...]] = field(default_factory=set)

    @property
    def host(self) -> Host:
        return self.runner.host

    def for_probe(self) -> ProbeContext:
        """A view for one probe: same shared runs, its own pending list."""
        return ProbeContext(
            self.runner, self.facts, self.catalog, self.command_timeout, self.prefixes, self._runs
        )

    async def run(self, *argv: str, env: Mapping[str, str] | None = None) -> Outcome:
        """`argv`'s outcome; `env` adds variables to the host's for this command."""
        key = (argv, tuple(sorted((env or {}).items())))
        task = self._runs.get(key)
        if task is None:
            run_env = {**self.host.env, **env} if env else None
            coro = self.runner.run(list(argv), env=run_env, timeout=self.command_timeout)
            task = asyncio.ensure_future(coro)
            self._runs[key] = task
        self.pending.add(argv)
        outcome = await asyncio.shield(task)
        # Not in a `finally`: a probe cancelled for taking too long keeps
        # its unfinished commands listed, as the evidence of what hung.
        self.pending.discard(argv)
        return outcome

    def cancel(self) -> None:
        """Stop every command still running (a probe that timed out left it)."""
        for task in self._runs.values():
            task.cancel()


ProbeFn = Callable[[ProbeContext], Awaitable[Finding]]


@dataclass(frozen=True)
class Probe:
    key: str  # where the finding goes: "node", "tools.claude-code", ...
    name: str
    kind: type[Finding]
    run: ProbeFn


def _version_of(out: Outcome, parser: Callable[[str], str | None]) -> str | None:
    return parser(out.output) if out.ok else None


def _not_found(name: str, out: Outcome) -> str:
    if out.status == "timeout":
        return f"{name}: no answer within {out.duration:.0f} s (timed out)"
    if out.status == "error":
        return f"{name} could not be checked: {out.reason}"
    return f"{name} is not installed"


def _distinct(*outcomes: Outcome) -> list[Outcome]:
    """Each run once, in order: several answers can come from one command."""
    return list({id(out): out for out in outcomes}.values())


def last_line(out: Outcome) -> str | None:
    """The last non-empty line of a successful command (npm prefix -g, brew --prefix)."""
    lines = [line.strip() for line in out.output.splitlines() if line.strip()]
    return lines[-1] if out.ok and lines else None


# npm answers all three in one call (npm 7 and later): each separate `npm`
# call costs a Node.js start-up (~0.2 s of CPU), and detection runs many probes
# at once on machines with few cores.
NPM_SETTINGS = ("npm", "config", "get", "prefix", "registry", "npm-version")
_NPM_ONE_BY_ONE = {
    "prefix": ("npm", "prefix", "-g"),
    "registry": ("npm", "config", "get", "registry"),
    "npm-version": ("npm", "--version"),
}


async def npm_setting(ctx: ProbeContext, key: str) -> tuple[str | None, Outcome]:
    """One of npm's settings, and the run it came from.

    Every probe shares one `npm config get`; an npm too old for it, or a
    recording made before it was asked, answers with the one-key command.
    """
    together = await ctx.run(*NPM_SETTINGS)
    value = parse.npm_settings(together.output).get(key) if together.ok else None
    if value:
        return value, together
    alone = await ctx.run(*_NPM_ONE_BY_ONE[key])
    return last_line(alone), alone


def short_error(error: str) -> str:
    """The gist of a requests error, for a one-line summary."""
    for pattern, gist in (
        (r"TLS check failed", "TLS check failed (a network that inspects TLS needs its CA file)"),
        (r"NameResolution|Name or service not known|getaddrinfo", "the name does not resolve"),
        (r"timed out|Timeout", "no answer in time"),
        (r"refused", "connection refused"),
        (r"ProxyError", "the proxy refused or failed"),
    ):
        if re.search(pattern, error):
            return gist
    return error.splitlines()[0][:120] if error else "unknown error"


def _source(ctx: ProbeContext, path: str | None, npm_prefix: str | None = None) -> str:
    if not path:
        return "unknown"
    return parse.install_source(path, ctx.host.home, npm_prefix, None, ctx.facts.realpath(path))


# --- operating system -------------------------------------------------------


async def probe_os(ctx: ProbeContext) -> OsFinding:
    host = ctx.host
    if host.system == "darwin":
        return await _macos(ctx)
    if host.system == "windows":
        return await _windows(ctx)
    return await _linux(ctx)


async def _macos(ctx: ProbeContext) -> OsFinding:
    sw, translated, arm64 = await asyncio.gather(
        ctx.run("sw_vers"),
        ctx.run("sysctl", "-n", "sysctl.proc_translated"),
        ctx.run("sysctl", "-n", "hw.optional.arm64"),
    )
    facts = parse.sw_vers(sw.output)
    rosetta = bool(parse.sysctl_flag(translated.output)) if translated.ok else False
    machine = ctx.host.machine
    apple_silicon = machine == "arm64" or rosetta or parse.sysctl_flag(arm64.output) is True
    version = facts.get("ProductVersion")
    build = facts.get("BuildVersion")
    name = f"macOS {version}" if version else f"macOS (Darwin {ctx.host.release})"
    arch = "arm64 (Apple silicon)" if apple_silicon else machine or "x86_64"
    summary = f"{name} {build or ''}".strip() + f", {arch}"
    if rosetta:
        summary += "; this program runs under Rosetta (x86_64 emulation)"
    return OsFinding(
        "Operating system",
        True,
        version,
        None,
        summary,
        (Evidence.of(sw), Evidence.of(translated), Evidence.of(arm64)),
        system="darwin",
        build=build,
        arch="arm64" if apple_silicon else machine,
        apple_silicon=apple_silicon,
        rosetta=rosetta,
    )


def windows_name(build: int | None) -> str:
    if build is None:
        return "Windows"
    return "Windows 11" if build >= 22000 else "Windows 10"


async def _windows(ctx: ProbeContext) -> OsFinding:
    # FIXME(windows): virtualization and the "Virtual Machine Platform" feature (C16) are
    # not probed; only whether wsl.exe exists and which distros it lists.
    host = ctx.host
    wsl = await ctx.run("wsl.exe", "-l", "-v")
    number = parse.first_match(r"^\d+\.\d+\.(\d+)", host.version)
    build = int(number) if number else None
    name = windows_name(build)
    arch = (host.env.get("PROCESSOR_ARCHITECTURE") or host.machine or "").lower()
    arch = {"amd64": "x86_64", "arm64": "arm64", "x86": "x86"}.get(arch, arch)
    distros = tuple((n, v) for n, _, v in parse.wsl_list(wsl.output))
    summary = f"{name} (build {host.version or 'unknown'}), {arch}"
    if distros:
        listed = ", ".join(f"{n} (WSL {v})" for n, v in distros)
        summary += f"; WSL distros: {listed}"
    elif wsl.status == "not-found":
        summary += "; WSL is not installed"
    else:
        summary += "; WSL has no distro installed"
    return OsFinding(
        "Operating system",
        True,
        host.version or None,
        None,
        summary,
        (Evidence.fact("Windows version", host.version), Evidence.of(wsl)),
        system="windows",
        build=str(build) if build else None,
        arch=arch,
        wsl_distros=distros,
    )


async def _linux(ctx: ProbeContext) -> OsFinding:
    host = ctx.host
    ldd = await ctx.run("ldd", "--version")
    libc = parse.libc_from_ldd(ldd.output) or host.libc or None
    musl = libc == "musl" or host.os_release.get("ID") == "alpine"
    wsl = parse.wsl_kernel(host.proc_version or host.release)
    distro = host.env.get("WSL_DISTRO_NAME") if wsl else None
    name = host.pretty_name
    arch = host.machine or "unknown"
    summary = f"{name}, {arch}"
    if wsl:
        summary += f"; inside WSL {wsl}" + (f" (distro {distro})" if distro else "")
    if musl:
        summary += "; musl C library (Alpine-style): native glibc builds will not run"
    evidence = [
        Evidence.fact("/etc/os-release PRETTY_NAME", name),
        Evidence.fact("/proc/version", host.proc_version or host.release),
        Evidence.of(ldd),
    ]
    return OsFinding(
        "Operating system",
        True,
        host.os_release.get("VERSION_ID"),
        None,
        summary,
        tuple(evidence),
        system="linux",
        build=host.release or None,
        arch=arch,
        wsl=wsl,
        wsl_distro=distro,
        musl=musl,
    )


# --- package managers, tools, node -------------------------------------------


def _manager_probe(
    name: str, argv: tuple[str, ...], parser: Callable[[str], str | None]
) -> Callable[[ProbeContext], Awaitable[ToolFinding]]:
    async def probe(ctx: ProbeContext) -> ToolFinding:
        out = await ctx.run(*argv)
        version = _version_of(out, parser)
        present = out.status not in ("not-found", "timeout", "error")
        if version:
            summary = f"{name} {version}"
        elif present:
            summary = f"{name} found at {out.executable}, version unknown"
        else:
            summary = _not_found(name, out)
        path = out.executable if present else None
        return ToolFinding(
            name,
            present,
            version,
            path,
            summary,
            (Evidence.of(out),),
            copies=tuple(find_all_on_path(argv[0], ctx.host)) if present else (),
            source=_source(ctx, path),
        )

    return probe


async def probe_brew(ctx: ProbeContext) -> ToolFinding:
    finding = await _manager_probe("Homebrew", ("brew", "--version"), parse.brew_version)(ctx)
    if not finding.present:
        return finding
    prefix = await ctx.run("brew", "--prefix")
    where = last_line(prefix)
    summary = f"{finding.summary} (prefix {where})" if where else finding.summary
    return ToolFinding(
        finding.name,
        True,
        finding.version,
        finding.path,
        summary,
        (*finding.evidence, Evidence.of(prefix)),
        copies=finding.copies,
        source="brew",
    )


async def probe_node(ctx: ProbeContext) -> NodeFinding:
    node, (npm_said, npm), (prefix, prefix_out) = await asyncio.gather(
        ctx.run("node", "--version"),
        npm_setting(ctx, "npm-version"),
        npm_setting(ctx, "prefix"),
    )
    host = ctx.host
    version = _version_of(node, parse.node_version)
    npm_version = parse.bare_version(npm_said or "")
    writable = False
    if prefix:
        target = prefix if host.is_windows else host.join(prefix, "lib", "node_modules")
        writable = ctx.facts.writable(target)
    evidence = [Evidence.of(out) for out in _distinct(node, npm, prefix_out)]
    if prefix:
        evidence.append(Evidence.fact(f"writable {prefix}", writable))
    if version:
        where = f"; npm {npm_version}, global prefix {prefix}" if npm_version else "; npm missing"
        rights = " (writable)" if writable else " (not writable without admin rights)"
        summary = f"Node.js {version}{where}{rights if prefix else ''}"
    elif node.status == "not-found":
        summary = "Node.js is not installed"
    elif node.status in ("timeout", "error"):
        summary = _not_found("Node.js", node)
    else:
        summary = f"Node.js found at {node.executable}, but it did not report a version"
    copies = tuple(find_all_on_path("node", host)) if node.executable else ()
    return NodeFinding(
        name="Node.js",
        present=version is not None,
        version=version,
        path=node.executable,
        summary=summary,
        evidence=tuple(evidence),
        npm_version=npm_version,
        npm_prefix=prefix,
        prefix_writable=writable,
        copies=copies,
        source=_source(ctx, node.executable),
    )


async def probe_git(ctx: ProbeContext) -> ToolFinding:
    out = await ctx.run("git", "--version")
    version = _version_of(out, parse.git_version)
    summary = f"git {version}" if version else _not_found("git", out)
    present = version is not None
    if out.status == "error":
        summary = _not_found("git", out)
    elif out.status == "failed" and re.search(r"xcode-select|xcrun: error", out.output):
        summary = "git needs Apple's Command Line Tools, which are not installed"
    elif out.executable and not version and out.status != "not-found":
        summary = f"git found at {out.executable}, but it did not report a version"
    return ToolFinding(
        "git",
        present,
        version,
        out.executable,
        summary,
        (Evidence.of(out),),
        copies=tuple(find_all_on_path("git", ctx.host)) if out.executable else (),
        source=_source(ctx, out.executable),
    )


def tool_probe(tool_id: str) -> ProbeFn:
    async def probe(ctx: ProbeContext) -> ToolFinding:
        tool = ctx.catalog.tool(tool_id)
        out, (prefix, _) = await asyncio.gather(
            ctx.run(tool.command, *tool.version_args, env=tool.version_env),
            npm_setting(ctx, "prefix"),
        )
        evidence = [Evidence.of(out)]
        on_path = True
        if out.status == "not-found":
            # Installed, but into a folder PATH does not name (C01, C02, C22)?
            hidden = _off_path(ctx, tool.command, prefix)
            if hidden is not None:
                out = await ctx.run(hidden, *tool.version_args, env=tool.version_env)
                on_path = False
                evidence.append(Evidence.of(out))
        version = tool.parse_version(out.output) if out.ok else None
        present = out.status not in ("not-found", "timeout", "error")
        if not present:
            summary = _not_found(tool.name, out)
        elif not on_path:
            folder = (
                ntpath.dirname(out.argv[0]) if ctx.host.is_windows else os.path.dirname(out.argv[0])
            )
            summary = f"{tool.name} {version or ''} is installed in {folder}, which is not on PATH"
            summary = summary.replace("  ", " ")
        elif version:
            summary = f"{tool.name} {version}"
        else:
            summary = f"{tool.name} found at {out.executable}, but it did not report a version"
        copies = tuple(find_all_on_path(tool.command, ctx.host)) if present else ()
        if len(copies) > 1:
            summary += f"; {len(copies)} copies on PATH, the first one runs"
        path = (out.executable or out.argv[0]) if present else None
        return ToolFinding(
            tool.name,
            present,
            version,
            path,
            summary,
            tuple(evidence),
            copies=copies,
            source=_source(ctx, path, prefix) if present else "unknown",
            on_path=on_path,
            node_needed=(installed_node_floor(ctx.host, path, tool.npm_package) or "")
            if present and path
            else "",
        )

    return probe


def _off_path(ctx: ProbeContext, command: str, prefix: str | None) -> str | None:
    """`command` in npm's global prefix, a chosen one or the per-user one, when PATH misses it."""
    host = ctx.host
    prefixes = [p for p in (prefix, *ctx.prefixes, host.default_user_npm_prefix()) if p]
    folders = [host.npm_bin_dir(p) for p in prefixes]
    local_bin = host.join(host.home, ".local", "bin") if host.home else None
    if local_bin and not host.is_windows:
        folders.append(local_bin)  # native installers (Claude Code, uv)
    return resolve_executable(command, host, path=folders)


# --- node managers -----------------------------------------------------------


async def probe_nvm(ctx: ProbeContext) -> ToolFinding:
    host = ctx.host
    if host.is_windows:  # nvm-windows is a real program
        return await _manager_probe("nvm", ("nvm", "version"), parse.manager_version)(ctx)
    folder = host.env.get("NVM_DIR") or host.join(host.home, ".nvm")
    script = host.join(folder, "nvm.sh")
    present = ctx.facts.exists(script)
    summary = f"nvm is installed in {folder}" if present else "nvm is not installed"
    return ToolFinding(
        "nvm",
        present,
        None,
        script if present else None,
        summary,
        (Evidence.fact(f"exists {script}", present),),
        source="native" if present else "unknown",
    )


# --- container runtimes --------------------------------------------------------

_DOCKER_SUMMARY = {
    "absent": "Docker is not installed",
    "cli-only": "Docker client found; no Docker daemon answered",
    "daemon-down": "Docker installed, daemon not reachable",
    "permission-denied": "Docker daemon running, but your user may not use it",
    "starting": "Docker is starting; try again in a moment",
    "running": "Docker is installed and running",
}


def classify_docker(version: Outcome) -> str:
    """The Docker state that `docker version` output (JSON or text) shows."""
    if version.status == "not-found":
        return "absent"
    parsed = parse.docker_json(version.output)
    if parsed is not None and parsed[1] is not None and version.ok:
        return "running"
    if parsed is None and version.ok and re.search(r"^Server:", version.output, re.M):
        return "running"
    problem = parse.docker_problem(version.output)
    if problem:
        return problem
    if parsed is not None or re.search(r"^Client:", version.output, re.M):
        return "daemon-down" if not version.ok else "cli-only"
    return "cli-only"


async def probe_docker(ctx: ProbeContext) -> DockerFinding:
    host = ctx.host
    out, context_out = await asyncio.gather(
        ctx.run("docker", "version", "--format", "{{json .}}"),
        ctx.run("docker", "context", "show"),
    )
    evidence = [Evidence.of(out, limit=20)]
    if out.status == "not-found":
        return DockerFinding(
            "Docker", False, None, None, _DOCKER_SUMMARY["absent"], tuple(evidence)
        )
    parsed = parse.docker_json(out.output)
    version_out = out
    if parsed is None and out.status != "timeout":
        # An old client or an unexpected answer: read the plain text form.
        version_out = await ctx.run("docker", "version")
        evidence.append(Evidence.of(version_out, limit=20))
    if version_out.status not in ("ok", "failed"):
        version_out = out  # the fallback itself did not run: judge the first answer
    state = classify_docker(version_out) if parsed is None else classify_docker(out)
    if out.status == "timeout" and parsed is None:
        state = "daemon-down"
    if parsed is not None:
        client, server = parsed
        client_version = client.get("Version")
        server_version = server.get("Version") if server else None
        context = client.get("Context")
    else:
        text = parse.docker_text(version_out.output)
        client_version, server_version, context = text["client"], text["server"], text["context"]
    if not context and last_line(context_out):
        context = last_line(context_out)
        evidence.append(Evidence.of(context_out))
    summary = _DOCKER_SUMMARY[state]
    if out.status == "timeout":
        summary = "Docker did not answer within its time limit (timed out); daemon not reachable"
    socket = parse.docker_socket(version_out.output)
    if state == "daemon-down" and socket:
        summary += f" (tried {socket})"
    if state == "daemon-down" and host.system in ("windows", "darwin"):
        summary += "; start Docker Desktop and wait until it says it is running"
    relogin = False
    if state == "permission-denied":
        relogin, more = await _relogin_pending(ctx)
        evidence.extend(more)
        if relogin:
            summary += "; you were added to the docker group: log out and back in"
        else:
            summary += "; add yourself to the docker group, then log out and back in"
    return DockerFinding(
        "Docker",
        True,
        client_version if isinstance(client_version, str) else None,
        out.executable,
        summary,
        tuple(evidence),
        state=state,
        context=context if isinstance(context, str) else None,
        docker_host=host.env.get("DOCKER_HOST"),
        server_version=server_version if state == "running" else None,
        relogin_pending=relogin,
    )


async def _relogin_pending(ctx: ProbeContext) -> tuple[bool, list[Evidence]]:
    """In the docker group per /etc/group, but not in this session's groups (C15)."""
    user = ctx.host.env.get("USER") or ctx.host.env.get("LOGNAME") or ""
    groups, members = await asyncio.gather(
        ctx.run("id", "-nG"), ctx.run("getent", "group", "docker")
    )
    evidence = [Evidence.of(groups), Evidence.of(members)]
    configured = bool(user) and user in parse.group_members(members.output)
    active = "docker" in groups.output.split()
    return configured and not active and groups.ok, evidence


async def probe_podman(ctx: ProbeContext) -> PodmanFinding:
    host = ctx.host
    version_out, info = await asyncio.gather(
        ctx.run("podman", "--version"), ctx.run("podman", "info", "--format", "json")
    )
    evidence = [Evidence.of(version_out), Evidence.of(info)]
    if version_out.status == "not-found":
        return PodmanFinding(
            "Podman", False, None, None, "Podman is not installed", tuple(evidence)
        )
    facts = parse.podman_info(info.output) if info.ok else {}
    version = parse.podman_version(version_out.output) or facts.get("version")
    rootless = facts.get("rootless")
    path = version_out.executable
    if info.ok and host.system == "linux":
        mode = {True: "rootless", False: "rootful (as root)", None: "mode unknown"}[rootless]
        return PodmanFinding(
            "Podman",
            True,
            version,
            path,
            f"Podman {version or ''} works, {mode}".replace("  ", " "),
            tuple(evidence),
            state="running",
            rootless=rootless,
        )
    if host.system == "linux":
        last = info.lines[-1].strip() if info.lines else ""
        first = last[:120] + ("…" if len(last) > 120 else "") if last else info.sentence()
        return PodmanFinding(
            "Podman",
            True,
            version,
            path,
            f"Podman is installed but `podman info` failed: {first}",
            tuple(evidence),
            state="error",
            rootless=rootless,
        )
    # The table, not --format json: it is stable across Podman 4 and 5 and
    # all this needs is each machine's name and whether it is "Currently running".
    machines_out = await ctx.run("podman", "machine", "list")
    evidence.append(Evidence.of(machines_out))
    machines = parse.podman_machines(machines_out.output) if machines_out.ok else None
    if info.ok:
        state, summary = "running", f"Podman {version}: its machine is running"
    elif machines == []:
        state, summary = (
            "machine-absent",
            "Podman is installed but has no machine: run `podman machine init`",
        )
    elif machines and any(m["running"] or m["starting"] for m in machines):
        state, summary = (
            "machine-unreachable",
            "The Podman machine runs but does not answer: restart it "
            "(`podman machine stop`, then `podman machine start`)",
        )
    elif machines:
        state, summary = (
            "machine-stopped",
            "The Podman machine is stopped: run `podman machine start`",
        )
    else:
        state, summary = (
            "error",
            f"Podman is installed; its machines could not be listed ({machines_out.sentence()})",
        )
    default = next((m["name"] for m in machines or [] if m["default"]), None)
    name = default or (machines[0]["name"] if machines else None)
    return PodmanFinding(
        "Podman",
        True,
        version,
        path,
        summary,
        tuple(evidence),
        state=state,
        rootless=rootless,
        machine=name,
    )


async def probe_apple_container(ctx: ProbeContext) -> AppleContainerFinding:
    """C19: supported only on Apple silicon with macOS 26, judged from the hardware and OS."""
    name = "Apple container"
    if ctx.host.system != "darwin":
        return AppleContainerFinding(
            name,
            False,
            summary="Apple container runs only on macOS",
            evidence=(Evidence.fact("operating system", ctx.host.system),),
            state="unsupported",
        )
    os_finding = await _macos(ctx)
    major = parse.first_match(r"^(\d+)", os_finding.version or "")
    supported = (
        os_finding.apple_silicon and major is not None and int(major) >= APPLE_CONTAINER_MIN_MACOS
    )
    evidence = list(os_finding.evidence)
    if not supported:
        why = "Apple silicon" if not os_finding.apple_silicon else "macOS 26 or later"
        summary = f"Apple container needs {why}; this Mac has {os_finding.summary}"
        return AppleContainerFinding(
            name, False, summary=summary, evidence=tuple(evidence), state="unsupported"
        )
    version_out = await ctx.run("container", "--version")
    evidence.append(Evidence.of(version_out))
    if version_out.status == "not-found":
        return AppleContainerFinding(
            name,
            False,
            summary="Apple container is not installed (this Mac supports it)",
            evidence=tuple(evidence),
            state="absent",
            supported=True,
        )
    status_out = await ctx.run("container", "system", "status")
    evidence.append(Evidence.of(status_out))
    state = parse.container_status(status_out.output)
    if state == "unknown" and status_out.ok:
        state = "running"
    version = parse.container_version(version_out.output)
    summary = {
        "running": "Apple container is installed and its service is running",
        "stopped": "Apple container is installed, its service is stopped: `container system start`",
        "unknown": "Apple container is installed; its service state is unknown",
    }[state]
    return AppleContainerFinding(
        name,
        True,
        version,
        version_out.executable,
        summary,
        tuple(evidence),
        state=state,
        supported=True,
    )


# --- GPU -----------------------------------------------------------------------

_NVIDIA_QUERY = (
    "nvidia-smi",
    "--query-gpu=name,driver_version,memory.total",
    "--format=csv,noheader,nounits",
)

_GPU_NEXT_STEP = {
    "no-driver": "An NVIDIA GPU is on the PCI bus but no driver is installed: install the driver.",
    "driver-not-loaded": "The NVIDIA driver is installed but not loaded: "
    "reboot, or load the kernel module.",
    "driver-mismatch": "The NVIDIA driver was updated and the old one still runs: reboot.",
    "blocked": "The OS blocks GPU access (WSL policy): update the Windows NVIDIA driver and WSL.",
    "error": "nvidia-smi failed; see its output.",
}


async def _adapters(ctx: ProbeContext) -> tuple[list[GpuAdapter], Outcome | None]:
    system = ctx.host.system
    if system == "linux":
        # FIXME(gpu): `lspci -k` would say which kernel driver is bound; "no driver" is
        # inferred from nvidia-smi being absent while the bus shows an NVIDIA card.
        out = await ctx.run("lspci", "-nn", "-d", "::03xx")
        return parse.lspci(out.output), out
    if system == "windows":
        out = await ctx.run(
            "powershell",
            "-NoProfile",
            "-NonInteractive",
            "-Command",
            "Get-CimInstance Win32_VideoController | "
            "Select-Object Name,AdapterCompatibility,DriverVersion | ConvertTo-Json",
        )
        return parse.cim_video(out.output), out
    if system == "darwin":
        out = await ctx.run("system_profiler", "SPDisplaysDataType")
        return parse.system_profiler_displays(out.output), out
    return [], None


async def probe_gpu(ctx: ProbeContext) -> GpuFinding:
    nvml = await ctx.facts.nvml()
    smi, (adapters, pci) = await asyncio.gather(ctx.run(*_NVIDIA_QUERY), _adapters(ctx))
    evidence = [Evidence.fact("NVML", nvml.status + (f": {nvml.error}" if nvml.error else ""))]
    evidence.append(Evidence.of(smi))
    if pci is not None:
        evidence.append(Evidence.of(pci))
    gpus: list[GpuReading] = list(nvml.gpus) if nvml.status == "ok" else []
    if not gpus and smi.ok:
        gpus = parse.nvidia_csv(smi.output)
    if gpus:
        nvidia = "ok"
    elif smi.status == "not-found":
        nvidia_cards = [a for a in adapters if a.vendor == "nvidia"]
        with_driver = [a for a in nvidia_cards if a.driver]
        if with_driver:  # Windows lists the driver even when nvidia-smi is not on PATH
            card = with_driver[0]
            return GpuFinding(
                "GPU",
                True,
                card.driver,
                None,
                f"{card.name} (driver {card.driver}; nvidia-smi is not on PATH)",
                tuple(evidence),
                state="nvidia",
                nvidia="ok",
                adapters=tuple(adapters),
            )
        nvidia = "no-driver" if nvidia_cards else "missing"
    elif smi.status == "timeout":
        nvidia = "error"
    else:
        nvidia = parse.nvidia_error(smi.output + "\n" + nvml.error)
    if nvidia == "ok":
        first = gpus[0]
        names = ", ".join(g.name for g in gpus)
        return GpuFinding(
            "GPU",
            True,
            first.driver,
            smi.executable,
            f"{names} (NVIDIA driver {first.driver})",
            tuple(evidence),
            state="nvidia",
            nvidia="ok",
            adapters=tuple(adapters),
            memory_mib=first.memory_mib,
        )
    names = ", ".join(a.name for a in adapters)
    if nvidia != "missing":
        summary = _GPU_NEXT_STEP[nvidia]
        if smi.status == "timeout":
            summary = "nvidia-smi did not answer (timed out)"
        return GpuFinding(
            "GPU",
            False,
            None,
            smi.executable,
            summary,
            tuple(evidence),
            state=f"nvidia-{nvidia}",
            nvidia=nvidia,
            adapters=tuple(adapters),
            next_step=_GPU_NEXT_STEP[nvidia],
        )
    if any(a.vendor == "apple" for a in adapters):
        state, summary = "apple", f"Apple silicon GPU ({names}); no NVIDIA GPU"
    elif adapters:
        state, summary = "other", f"{names}; no NVIDIA GPU"
    else:
        state, summary = "none", "No GPU found"
    return GpuFinding(
        "GPU",
        bool(adapters),
        None,
        None,
        summary,
        tuple(evidence),
        state=state,
        nvidia="missing",
        adapters=tuple(adapters),
    )


# --- resources and reachability ---------------------------------------------------


def _gib(value: int | None) -> str:
    return f"{value / 1024**3:.1f} GiB" if value is not None else "unknown"


async def probe_resources(ctx: ProbeContext) -> ResourcesFinding:
    prefix, prefix_out = await npm_setting(ctx, "prefix")
    target = prefix or ctx.host.home
    memory = ctx.facts.memory_total()
    free = ctx.facts.disk_free(target) if target else None
    summary = f"{_gib(memory)} memory; {_gib(free)} free disk at {target}"
    evidence = (
        Evidence.fact("memory total (bytes)", memory),
        Evidence.fact(f"disk free at {target} (bytes)", free),
        Evidence.of(prefix_out),
    )
    return ResourcesFinding(
        "Resources",
        memory is not None,
        None,
        None,
        summary,
        evidence,
        memory_bytes=memory,
        disk_free_bytes=free,
        disk_path=target,
    )


def reach_probe(label: str, url: str | None) -> ProbeFn:
    """`url` None means the npm registry npm is configured with."""

    async def probe(ctx: ProbeContext) -> ReachFinding:
        evidence: list[Evidence] = []
        target = url
        if target is None:
            # Most machines use the public registry: ask it while npm starts.
            guess = asyncio.ensure_future(ctx.facts.reach(DEFAULT_REGISTRY, REACH_TIMEOUT))
            value, config = await npm_setting(ctx, "registry")
            evidence.append(Evidence.of(config))
            value = value or ""
            target = value if value.startswith("http") else DEFAULT_REGISTRY
            if target.rstrip("/") == DEFAULT_REGISTRY.rstrip("/"):
                result = await guess
            else:
                guess.cancel()
                result = await ctx.facts.reach(target, REACH_TIMEOUT)
        else:
            result = await ctx.facts.reach(target, REACH_TIMEOUT)
        # A registry or proxy URL can carry a password: findings show neither.
        mask = Redactor(ctx.host.env)
        target = mask(target)
        via = f" via proxy {mask(result.proxy)}" if result.proxy else ""
        excerpt = f"HTTP {result.status_code}" if result.status_code else mask(result.error)
        evidence.append(
            Evidence(("HEAD", target), result.status_code, excerpt, "ok" if result.ok else "failed")
        )
        if not result.checked:
            summary = f"{label}: not checked ({result.error})"
        elif result.ok:
            summary = f"{label} reachable{via}"
        else:
            summary = f"{label} not reachable{via}: {short_error(mask(result.error))}"
        return ReachFinding(
            label,
            result.ok,
            None,
            None,
            summary,
            tuple(evidence),
            url=target,
            status_code=result.status_code,
            proxy=mask(result.proxy) if result.proxy else None,
            checked=result.checked,
        )

    return probe


def all_probes(catalog: Catalog, host: Host) -> list[Probe]:
    """Every probe detection runs on `host`, in the order findings are shown."""
    managers = {
        "windows": [("winget", "winget", ("winget", "--version"), parse.winget_version)],
        "linux": [
            ("apt", "apt", ("apt", "--version"), parse.apt_version),
            ("dnf", "dnf", ("dnf", "--version"), parse.dnf_version),
        ],
    }.get(host.system, [])
    node_managers = [
        ("fnm", ("fnm", "--version")),
        ("volta", ("volta", "--version")),
        ("asdf", ("asdf", "--version")),
    ]
    probes = [
        Probe("os", "Operating system", OsFinding, probe_os),
        Probe("node", "Node.js", NodeFinding, probe_node),
        Probe("git", "git", ToolFinding, probe_git),
        Probe("docker", "Docker", DockerFinding, probe_docker),
        Probe("podman", "Podman", PodmanFinding, probe_podman),
        Probe("apple_container", "Apple container", AppleContainerFinding, probe_apple_container),
        Probe("gpu", "GPU", GpuFinding, probe_gpu),
        Probe("resources", "Resources", ResourcesFinding, probe_resources),
        Probe("node_managers.nvm", "nvm", ToolFinding, probe_nvm),
    ]
    if not host.is_windows:
        probes.append(Probe("package_managers.brew", "Homebrew", ToolFinding, probe_brew))
    for key, name, argv, parser in managers:
        probes.append(
            Probe(f"package_managers.{key}", name, ToolFinding, _manager_probe(name, argv, parser))
        )
    for key, argv in node_managers:
        probe = _manager_probe(key, argv, parse.manager_version)
        probes.append(Probe(f"node_managers.{key}", key, ToolFinding, probe))
    for tool_id, tool in catalog.tools.items():
        probes.append(Probe(f"tools.{tool_id}", tool.name, ToolFinding, tool_probe(tool_id)))
    for key, label, url in (
        ("npm-registry", "npm registry", None),
        ("nodejs", "nodejs.org", "https://nodejs.org/dist/index.json"),
        ("github", "github.com", "https://github.com/"),
    ):
        probes.append(Probe(f"reach.{key}", label, ReachFinding, reach_probe(label, url)))
    return probes
