"""``golayer runtime FILE...``: Go memory and CPU settings against Kubernetes and compose limits.

``golayer check`` uses :func:`discover` and :func:`run_runtime` from here.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO

import click

from golayer.commands.common import finish, load_config, registry_options, report_options
from golayer.config import Config
from golayer.errors import UsageError
from golayer.report import Report

RUNTIME_KEYS = {"gomemlimit-ratio", "gomemlimit-max-ratio", "go-images", "not-go-images", "assume-go"}


def discover(root: Path) -> list[Path]:
    """Kubernetes manifests and compose files below ``root`` (see golayer.runtime.manifests)."""
    from golayer.runtime.manifests import discover as _discover

    return _discover(Path(root))


def _ratio(value: Any, what: str) -> Fraction:
    from golayer.limits import exact_decimal

    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise UsageError(f"{what} must be a number between 0 and 1 (e.g. 0.9), not {value!r}")
    try:  # exponents and digits bounded before exact arithmetic (1e-999999999 is 0, not minutes of work)
        text = repr(value) if isinstance(value, float) else str(value).strip()
        r = exact_decimal(text.rstrip("%"), "ratio") / (100 if text.endswith("%") else 1)
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"{what} must be a number between 0 and 1 (e.g. 0.9), not {value!r}") from None
    if not 0 < r < 1:
        raise UsageError(f"{what} must be between 0 and 1 (exclusive), not {value!r}")
    return r


def _settings(cfg: Config, ratio: str | None) -> tuple[Fraction, Fraction, dict[str, Any]]:
    from golayer.runtime import quantities as q

    section = dict(cfg.section("runtime"))
    unknown = set(section) - RUNTIME_KEYS
    if unknown:
        raise UsageError(f"{cfg.source}: unknown [runtime] setting(s): {', '.join(sorted(unknown))}",
                         hint=f"known: {', '.join(sorted(RUNTIME_KEYS))}")
    for key in ("go-images", "not-go-images"):
        val = section.get(key)
        if val is not None and not (isinstance(val, list) and all(isinstance(v, str) for v in val)):
            raise UsageError(f"{cfg.source}: [runtime] {key} must be a list of image patterns")
    if "assume-go" in section and not isinstance(section["assume-go"], bool):
        raise UsageError(f"{cfg.source}: [runtime] assume-go must be true or false")
    r = q.DEFAULT_GOMEMLIMIT_RATIO
    if ratio is not None:
        r = _ratio(ratio, "--gomemlimit-ratio")
    elif "gomemlimit-ratio" in section:
        r = _ratio(section["gomemlimit-ratio"], "[runtime] gomemlimit-ratio")
    if "gomemlimit-max-ratio" in section:
        mx = _ratio(section["gomemlimit-max-ratio"], "[runtime] gomemlimit-max-ratio")
        if mx <= r:
            raise UsageError(f"gomemlimit-max-ratio ({float(mx):g}) must be above gomemlimit-ratio ({float(r):g})")
    else:
        mx = q.DEFAULT_GOMEMLIMIT_MAX_RATIO if r < q.DEFAULT_GOMEMLIMIT_MAX_RATIO else (r + 1) / 2
    return r, mx, section


def _analyse(ref: str) -> Any:
    try:
        from golayer.image.analyse import analyse  # type: ignore[import-not-found]
    except ImportError:
        raise UsageError("--image needs the image analysis (golayer image), which is not in this build") from None
    return analyse(ref, entrypoint_only=True)  # a registry source may skip layers below the entrypoint


def parse_image_options(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        name, sep, ref = v.partition("=")
        if not sep or not name.strip() or not ref.strip():
            raise UsageError(f"--image {v!r}: use NAME=REF (NAME: a container, service or image name in the "
                             "manifests; REF: docker-archive:PATH, oci:DIR, docker:NAME, ...)")
        out[name.strip()] = ref.strip()
    return out


def run_runtime(paths: list[str], cfg: Config, images: dict[str, Any] | None = None,
                ratio: str | None = None, strict: bool = False, loaded: Any = None,
                docs: list[Any] | None = None, project: Any = None, assume_go: bool | None = None,
                lookup: Any = None, progress: Any = None) -> Report:
    """Load manifests, decide which containers are Go, run the runtime rules.

    ``images`` maps a container/service/image name to an image reference (analysed here) or to an
    already computed ``ImageAnalysis``. With ``strict`` unreadable input is an error (exit 2),
    otherwise it is skipped with a note (``golayer check``). ``loaded`` is manifests already read (the editor
    server passes an open document's text). ``docs`` (golayer.project.ManifestDoc: merged compose
    projects, rendered kustomize/helm output, raw files) replaces ``paths`` when given; ``project`` is
    the golayer.project.Project they came from (builds: which image comes from which Dockerfile; it
    gives the :data:`golayer.runtime.detect.BuildLookup` through
    :func:`golayer.runtime.detect.project_lookup` unless ``lookup`` is given). ``assume_go``
    (``--assume-go``) judges containers of unknown language as Go. ``progress(text)``, when given, is
    told what is being done (golayer check's status line)."""
    from golayer import catalogue
    from golayer.runtime import detect, manifests
    from golayer.runtime.model import RuntimeModel

    r, mx, section = _settings(cfg, ratio)
    if lookup is None and project is not None:
        lookup = detect.project_lookup(project)
    if loaded is None:
        each = None if progress is None else (lambda d, n: progress(f"runtime: read {d}/{n} deployments"))
        loaded = manifests.load_docs(docs, strict=strict, progress=each) if docs is not None else \
            manifests.load_paths(paths, strict=strict)
    model = RuntimeModel(workloads=loaded.workloads, ratio=r, max_ratio=mx, notes=list(loaded.notes))
    if strict and loaded.inputs and not loaded.workloads:
        model.notes.append(f"no Kubernetes workload or compose service found in {', '.join(loaded.inputs)}")
    analyses = {name: (_analyse(ref) if isinstance(ref, str) else ref) for name, ref in (images or {}).items()}
    for name, ana in analyses.items():
        note = getattr(ana, "source_note", None) or ""
        if "only layers" in note:  # say that a registry image was read only down to its entrypoint
            model.notes.append(f"--image {name}: {note}")
    if progress is not None:
        progress(f"runtime: which of {sum(1 for _ in model.containers())} containers are Go")
    detect.classify(model, analyses, section, lookup=lookup, assume_go=assume_go)
    if progress is not None:
        progress("runtime: rules")
    for name in analyses:
        if not any(name in (c.name, c.image, detect.image_name(c.image or "")) for _w, c in model.containers()):
            model.notes.append(f"--image {name}=...: no container, service or image of that name in the manifests")

    findings = []
    for rule in catalogue.rules("runtime"):
        if not cfg.enabled(rule.name, rule.code):
            continue
        if getattr(rule.module, "OPT_IN", False) and not _named(cfg, rule):
            continue
        findings.extend(rule.check(model))
    ignore = {}
    for w in model.workloads:
        ignore.setdefault((w.file, w.ref), set()).update(w.ignore)
    kept = []
    for f in findings:
        ig = ignore.get((f.file, f.extra.get("workload")), set())
        if ig and ({"all", "ALL", f.rule, f.code} & ig or any(f.code.upper().startswith(p.upper()) for p in ig
                                                               if p.upper().startswith("GLR"))):
            continue
        kept.append(f)

    from golayer.rules.runtime.gomaxprocs_cpu_limit import follows_limit

    unknown_cpu = [(w, c) for w, c in model.go_containers() if c.cpu_limit and not c.go.automaxprocs
                   and c.var("GOMAXPROCS") is None and follows_limit(c)[0] is None]
    if unknown_cpu:
        n = len(unknown_cpu)
        model.notes.append(
            f"{n} Go container{'s' if n != 1 else ''} with a CPU limit and an unknown Go version: if built with Go >= 1.25 "
            "from a go.mod that says go >= 1.25, the runtime follows the limit by itself, otherwise GOMAXPROCS is "
            "the node's CPU count; pass --image NAME=REF to let golayer tell (gomaxprocs-cpu-limit)")
    report = Report(command="runtime", findings=kept, inputs=loaded.inputs)
    if project is not None:
        report.objects["project"] = project
    assumed = [(w, c) for w, c in model.containers() if c.go.is_go and c.go.assumed]
    by_key = {(w.file, w.ref, c.name): c for w, c in model.containers()}
    for f in kept:
        c = by_key.get((f.file, f.extra.get("workload"), f.extra.get("container")))
        if c is not None:
            f.extra.setdefault("language", c.go.reason)
    report.data = {
        "gomemlimit_ratio": str(float(r)),
        "gomemlimit_max_ratio": str(float(mx)),
        "containers": [_container_json(model, w, c) for w, c in model.containers()],
        "notes": model.notes,
    }
    report.text_sections.append(lambda out, color: _notes(out, color, model, assumed))
    return report


def _named(cfg: Config, rule: Any) -> bool:
    """An opt-in rule runs only when ``select`` names it (its name, its full code, or ALL; a prefix such
    as ``GLR`` is not enough)."""
    return any(p in ("ALL", "all") or p == rule.name or p.upper() == rule.code.upper() for p in cfg.select)


def _container_json(model: Any, w: Any, c: Any) -> dict[str, Any]:
    from golayer.runtime import quantities as q

    gml = c.var("GOMEMLIMIT")
    parsed = c.gomemlimit()
    gogc, gmp = c.var("GOGC"), c.var("GOMAXPROCS")
    return {
        "workload": w.ref,
        "source": w.source,
        "namespace": w.namespace,
        "container": c.name,
        "init": c.init,
        "image": c.image,
        "file": c.file,
        "line": c.line,
        "memory_limit": c.memory_limit_text,
        "memory_limit_bytes": c.memory_limit,
        "memory_limit_source": c.memory_limit_source,
        "cpu_limit": None if c.cpu_limit is None else _cpus(c.cpu_limit),
        "cpu_limit_millis": None if c.cpu_limit is None else int(c.cpu_limit * 1000),
        "gomemlimit": None if gml is None else gml.value,
        "gomemlimit_source": None if gml is None else gml.source,
        "gomemlimit_bytes": None if parsed is None else parsed.bytes,
        "gomemlimit_valid": None if parsed is None else parsed.valid,
        "recommended_gomemlimit": None if not c.memory_limit or c.memory_limit <= 0
        else q.recommend_gomemlimit(c.memory_limit, model.ratio),
        "gogc": None if gogc is None else gogc.value,
        "gomaxprocs": None if gmp is None else gmp.value,
        "gomaxprocs_follows_cpu_limit": _follows(c),
        "sets_own_gomemlimit": c.sets_own_gomemlimit() if c.go.is_go else None,
        "env_unknown": c.env_unknown,
        "liveness_probe": c.liveness,
        "readiness_probe": c.readiness,
        "is_go": c.go.is_go,
        "go_assumed": c.go.is_go and c.go.assumed,
        "language": c.go.language,
        "language_reason": c.go.reason,
        "go": c.go.to_json(),
    }


def _follows(c: Any) -> bool | None:
    from golayer.rules.runtime.gomaxprocs_cpu_limit import follows_limit

    if not c.go.is_go:
        return None
    if c.go.automaxprocs:
        return True
    return follows_limit(c)[0]


def _cpus(f: Fraction) -> str:
    return str(f.numerator) if f.denominator == 1 else f"{float(f):g}"


def _notes(out: TextIO, color: bool, model: Any, assumed: list) -> None:
    from golayer.report.text import paint, visible

    for n in model.notes:
        out.write(paint("note: ", "36", color) + visible(n) + "\n")
    rows = list(model.containers())
    if rows:
        out.write(paint("containers:", "1", color) + "\n")
        for w, c in rows[:_SHOWN]:
            lang = {"go": "Go", "not-go": "not Go"}.get(c.go.language, "unknown")
            if c.go.assumed:
                lang = "assumed Go"
            why = c.go.reason.split(": ", 1)[1] if c.go.reason.startswith(("Go: ", "not Go: ", "language unknown: ",
                                                                              "assumed Go (--assume-go): ")) \
                else c.go.reason
            out.write(f"  {visible(w.ref)}/{visible(c.name)}: {lang} ({visible(why)})\n")
        if len(rows) > _SHOWN:
            out.write(f"  ... and {len(rows) - _SHOWN} more (all of them in --format json)\n")
    unknown = [(w, c) for w, c in rows if c.go.language == "unknown" and not c.go.assumed]
    if unknown:
        out.write(paint("note: ", "36", color)
                  + f"{len(unknown)} container{'s' if len(unknown) != 1 else ''} of unknown language got no "
                    "Go-specific check: pass --image NAME=REF, set go-images / not-go-images in "
                    "[tool.golayer.runtime], or --assume-go\n")
    if assumed:
        names = [visible(f"{w.ref}/{c.name}") for w, c in assumed]
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        out.write(paint("note: ", "36", color)
                  + f"assumed Go for {len(names)} container{'s' if len(names) != 1 else ''} ({shown}): "
                    "pass --image NAME=REF, or set go-images / not-go-images in [tool.golayer.runtime]\n")


_SHOWN = 20


@click.command("runtime")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--image", "images", multiple=True, metavar="NAME=REF",
              help="Read the Go binary of container/service/image NAME from image REF (repeatable).")
@click.option("--gomemlimit-ratio", "ratio", default=None, metavar="R",
              help="Share of the memory limit recommended for GOMEMLIMIT [default: 0.9, or config].")
@click.option("--assume-go", is_flag=True, default=None,
              help="Judge containers whose language golayer cannot tell as Go programs.")
@click.option("--diff", is_flag=True, help="Print a unified diff of the fixes instead of applying them.")
@click.option("--fix", is_flag=True, help="Apply the fixes with one right answer to the manifests in place.")
@registry_options
@report_options
def runtime(files: tuple[str, ...], images: tuple[str, ...], ratio: str | None, assume_go: bool | None, diff: bool,
            fix: bool, fmt: str, output: str | None, config_path: str | None, select: tuple[str, ...],
            ignore: tuple[str, ...], fail_on: str | None, color: bool | None) -> int:
    """Check Go memory and CPU settings in Kubernetes manifests and compose files.

    FILE may be `-` for standard input: `helm template . | golayer runtime -`.
    """
    cfg = load_config(config_path, select, ignore, fail_on)
    image_opts = parse_image_options(images)
    report = run_runtime(list(files), cfg, images=image_opts, ratio=ratio, strict=True, assume_go=assume_go)
    if diff or fix:
        changed = _fix_files(report, cfg, diff)
        if diff:
            return 1 if changed else 0
        if changed:
            report = run_runtime(list(files), cfg, images=image_opts, ratio=ratio, strict=True, assume_go=assume_go)
            report.fixed = changed
    return finish(report, cfg, fmt, output, color)


def _fix_files(report: Report, cfg: Config, diff: bool) -> int:
    """Apply (or with ``diff`` print) the env fixes of the report's findings; the number of edits."""
    import difflib
    import sys

    from golayer.runtime import fixes

    findings = cfg.apply(list(report.findings))
    total, files = 0, 0
    for name, fx in fixes.plan(findings).items():
        path = Path(name)
        try:
            old = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            click.echo(f"golayer: {name}: not edited: {exc}", err=True)
            continue
        new, n, notes = fixes.apply(old, fx)
        for note in notes:
            click.echo(f"golayer: {note}", err=True)
        if not n or new == old:
            continue
        total += n
        files += 1
        if diff:
            sys.stdout.write("".join(difflib.unified_diff(
                old.splitlines(keepends=True), new.splitlines(keepends=True),
                fromfile=name if name.startswith("/") else f"a/{name}",
                tofile=name if name.startswith("/") else f"b/{name}")))
        else:
            fixes.write_atomic(path, new)
    verb = "would change" if diff else "changed"
    click.echo(f"golayer: {total} fix{'es' if total != 1 else ''} {verb} {files} file{'s' if files != 1 else ''}",
               err=True)
    return total
