"""Options every reporting command shares, and the one way a command ends."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import click

from golayer import config as config_mod
from golayer.findings import Severity, exit_code
from golayer.report import FORMATS, Report, render


def report_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--format/--output/--config/--select/--ignore/--fail-on/--color."""
    opts = [
        click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
                     help="Output format."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
                     help="Write the report to FILE instead of standard output."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                     help="Config file (default: .golayer.toml or pyproject.toml [tool.golayer], searched upwards)."),
        click.option("--select", multiple=True, metavar="RULE",
                     help="Only these rules (names, codes or code prefixes; repeatable or comma-separated)."),
        click.option("--ignore", multiple=True, metavar="RULE", help="Skip these rules (repeatable or comma-separated)."),
        click.option("--fail-on", type=click.Choice(["info", "warning", "error"]), default=None,
                     help="Exit 1 when a finding is at or above this severity [default: info, or config]."),
        click.option("--color/--no-color", default=None, help="Colour the text output [default: when a terminal]."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return adoption_options(fn)


def adoption_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--baseline/--write-baseline/--changed-since: read by :func:`finish` from the click context, so the
    command functions need no extra parameters."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        for key in ("baseline", "write_baseline", "changed_since"):
            ctx.meta[f"golayer.{key}"] = kwargs.pop(key, None)
        return fn(*args, **kwargs)

    opts = [
        click.option("--baseline", type=click.Path(dir_okay=False), default=None, metavar="FILE",
                     help="Report only findings that are not in this baseline (written by --write-baseline)."),
        click.option("--write-baseline", type=click.Path(dir_okay=False), default=None, metavar="FILE",
                     help="Record today's findings in FILE as the accepted baseline (the report is still shown)."),
        click.option("--changed-since", default=None, metavar="REF",
                     help="Only findings in files changed since the git ref REF (plus untracked files)."),
    ]
    for opt in reversed(opts):
        wrapper = opt(wrapper)
    return wrapper


def registry_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--ca-file/--insecure-registry/--username/--password-stdin for image references read from a registry."""
    opts = [
        click.option("--ca-file", default=None, metavar="PEM",
                     help="Trust this CA (besides the system's) for registry TLS [env GOLAYER_REGISTRY_CA_FILE]."),
        click.option("--insecure-registry", "insecure_registries", multiple=True, metavar="HOST[:PORT]",
                     help="Allow plain HTTP / unverified TLS to this registry (loopback always may use HTTP)."),
        click.option("--username", default=None, metavar="USER",
                     help="Registry user [env GOLAYER_REGISTRY_USERNAME]; default: the docker CLI's credentials."),
        click.option("--password-stdin", is_flag=True,
                     help="Read the registry password for --username from stdin [or env GOLAYER_REGISTRY_PASSWORD]."),
        click.option("--namespace", default=None, metavar="NS",
                     help="containerd namespace for containerd:NAME [default: k8s.io, then default]."),
        click.option("--containerd-root", default=None, metavar="DIR",
                     help="containerd's root directory [default: /var/lib/containerd; env GOLAYER_CONTAINERD_ROOT]."),
        click.option("--cache", "blob_cache", default=None, metavar="DIR", type=click.Path(file_okay=False),
                     help="Keep verified registry blobs in DIR and reuse them [default: nothing is written]."),
    ]
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kw: Any) -> Any:
        apply_registry_options(kw.pop("ca_file"), kw.pop("insecure_registries"), kw.pop("username"),
                               kw.pop("password_stdin"), kw.pop("namespace"), kw.pop("containerd_root"),
                               kw.pop("blob_cache"))
        return fn(*args, **kw)

    for opt in reversed(opts):
        wrapper = opt(wrapper)
    return wrapper


def apply_registry_options(ca_file: str | None, insecure: tuple[str, ...], username: str | None,
                           password_stdin: bool, namespace: str | None = None,
                           containerd_root: str | None = None, cache: str | None = None) -> None:
    """Hand the source options to the registry/containerd sources (imported only when an option is given)."""
    rem = sys.modules.get("golayer.image.remote")
    if namespace or containerd_root or rem is not None:
        from golayer.image import remote

        remote.configure(namespace=namespace, containerd_root=containerd_root)
    if not (ca_file or insecure or username or password_stdin or cache):
        reg = sys.modules.get("golayer.image.registry")
        if reg is not None:  # an earlier command in this process (tests, an embedding program) set some
            reg.configure()
        return
    password = None
    if password_stdin:
        from golayer.errors import UsageError

        if sys.stdin is None or (hasattr(sys.stdin, "isatty") and sys.stdin.isatty()):
            raise UsageError("--password-stdin: pipe the password to standard input")
        password = sys.stdin.read().rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: standard input is empty")
    from golayer.image import registry

    registry.configure(ca_file=ca_file, insecure=insecure, username=username, password=password, cache=cache)


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _known_rules(flag: str, patterns: list[str]) -> None:
    """A --select/--ignore value that matches no rule is a typo: an error, not a silent no-op."""
    from golayer import catalogue
    from golayer.errors import UsageError

    rules = catalogue.rules()
    for p in patterns:
        if p in ("ALL", "all") or p.startswith("golayer-") or p.upper().startswith("GLX"):
            continue
        if not any(p == r.name or r.code.upper().startswith(p.upper()) for r in rules):
            raise UsageError(f"{flag} {p}: no rule has this name, code or code prefix",
                             hint="`golayer rules` lists them")


def load_config(config_path: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
                fail_on: str | None, start: Path | None = None) -> config_mod.Config:
    cfg = config_mod.load(config_path, start=start)
    # names in the file are checked too (only when the file names rules, so a plain run stays fast)
    for key, names in (("select", cfg.select), ("ignore", cfg.ignore), ("severity", list(cfg.severity))):
        if names:
            _known_rules(f"{cfg.source}: {key}", names)
    if select:
        cfg.select = _split(select)
        _known_rules("--select", cfg.select)
    if ignore:
        cfg.ignore = cfg.ignore + _split(ignore)
        _known_rules("--ignore", _split(ignore))
    if fail_on:
        cfg.fail_on = Severity.parse(fail_on)
    return cfg


def _adopt(report: Report) -> None:
    """Apply --changed-since, --write-baseline and --baseline (in that order) to the findings."""
    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    ref, write, base = (meta.get(f"golayer.{k}") for k in ("changed_since", "write_baseline", "baseline"))
    if not (ref or write or base):
        return
    from golayer import adoption

    if ref:
        report.findings = adoption.only_changed(report.findings, adoption.changed_files(ref))
    if write:
        adoption.write_baseline(write, report.findings)
    if base:
        known = adoption.read_baseline(base)
        before = len(report.findings)
        report.findings = [f for f in report.findings if f.fingerprint() not in known]
        report.data.setdefault("baseline", {"file": base, "suppressed": before - len(report.findings)})


def finish(report: Report, cfg: config_mod.Config, fmt: str, output: str | None, color: bool | None) -> int:
    """Apply config to the findings, render, and return the exit code."""
    report.findings = cfg.apply(report.findings)
    report.fail_on = cfg.fail_on
    _adopt(report)
    if output:  # rendered first, then written atomically; never over one of the inputs
        import io

        from golayer.limits import atomic_write, input_paths

        buf = io.StringIO()
        render(report, fmt, buf, color=False if color is None else color)
        atomic_write(output, buf.getvalue(), inputs=input_paths(report))
    else:
        render(report, fmt, sys.stdout, color=color)
    return exit_code(report.findings, cfg.fail_on)
