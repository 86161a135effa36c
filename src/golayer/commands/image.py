"""``golayer image REF``: account for every byte of a built image and inspect its Go binaries."""

from __future__ import annotations

from typing import Any, Callable, TextIO

import click

from golayer.commands.common import finish, load_config, registry_options, report_options
from golayer.report import Report

GATE_KEYS = ("max-size", "max-wasted", "min-efficiency", "min-dive-efficiency", "forbid-category")


def _gates(ana: Any, gates: dict[str, Any]) -> list:
    from golayer.image.categories import CATEGORIES
    from golayer.rules.image._util import bytes_exact, human
    from golayer.rules.image.gate import RULE
    from golayer.image.units import parse_fraction, parse_size, parse_size_or_percent
    from golayer.errors import UsageError

    out = []
    loc = ana.ref
    if gates.get("max-size") not in (None, ""):
        lim = parse_size(gates["max-size"], "max-size")
        if ana.total_bytes > lim:
            out.append(RULE.finding(f"image is {bytes_exact(ana.total_bytes)}, over the max-size gate of {human(lim)}",
                                    location=loc, bytes=ana.total_bytes, limit=lim, gate="max-size",
                                    subject="max-size"))
    if gates.get("max-wasted") not in (None, ""):
        kind, lim = parse_size_or_percent(gates["max-wasted"], "max-wasted")
        pct = 100.0 * ana.wasted_bytes / ana.total_bytes if ana.total_bytes else 0.0
        if (kind == "bytes" and ana.wasted_bytes > lim) or (kind == "percent" and pct > lim):
            shown = f"{lim:g}%" if kind == "percent" else human(int(lim))
            out.append(RULE.finding(f"{bytes_exact(ana.wasted_bytes)} ({pct:.1f}%) wasted, over the max-wasted gate"
                                    f" of {shown}", location=loc, bytes=ana.wasted_bytes, gate="max-wasted",
                                    subject="max-wasted"))
    for key, value, label in (("min-efficiency", ana.efficiency, "efficiency"),
                              ("min-dive-efficiency", ana.dive_efficiency, "dive efficiency")):
        if gates.get(key) not in (None, ""):
            lim = parse_fraction(gates[key], key)
            if value < lim:
                out.append(RULE.finding(f"{label} is {value:.2%}, under the {key} gate of {lim:.2%}", location=loc,
                                        value=round(value, 6), limit=lim, gate=key, subject=key))
    forbid = gates.get("forbid-category") or []
    if isinstance(forbid, str):
        forbid = [forbid]
    for name in forbid:
        for n in [x.strip() for x in str(name).split(",") if x.strip()]:
            if n not in CATEGORIES:
                raise UsageError(f"forbid-category: unknown category {n!r}; use one of {', '.join(CATEGORIES)}")
            c = ana.categories.get(n, {})
            vis, wasted = c.get("visible_bytes", 0), c.get("wasted_bytes", 0)
            if vis + wasted:
                paths = [g.path for g in getattr(ana, "groups", []) if g.category == n][:3]
                where = f" ({', '.join(paths)})" if paths else ""
                out.append(RULE.finding(f"forbidden category {n} is in the image: {bytes_exact(vis)} visible,"
                                        f" {bytes_exact(wasted)} in lower layers{where}", location=loc,
                                        bytes=vis + wasted, category=n, gate="forbid-category",
                                        subject=f"forbid-category:{n}"))
    return out


def _validate(gates: dict[str, Any], settings: dict[str, Any]) -> None:
    from golayer.errors import UsageError
    from golayer.image.categories import CATEGORIES
    from golayer.image.units import parse_fraction, parse_size, parse_size_or_percent

    if gates.get("max-size") not in (None, ""):
        parse_size(gates["max-size"], "max-size")
    if gates.get("max-wasted") not in (None, ""):
        parse_size_or_percent(gates["max-wasted"], "max-wasted")
    for key in ("min-efficiency", "min-dive-efficiency"):
        if gates.get(key) not in (None, ""):
            parse_fraction(gates[key], key)
    if settings.get("wasted-threshold") is not None:
        parse_size(settings["wasted-threshold"], "wasted-threshold")
    forbid = gates.get("forbid-category") or []
    for name in [forbid] if isinstance(forbid, str) else forbid:
        for n in [x.strip() for x in str(name).split(",") if x.strip()]:
            if n not in CATEGORIES:
                raise UsageError(f"forbid-category: unknown category {n!r}; use one of {', '.join(CATEGORIES)}")
    unknown = set(settings) - set(GATE_KEYS) - {"wasted-threshold", "verify", "platform"}
    if unknown:
        raise UsageError(f"[tool.golayer.image]: unknown setting(s): {', '.join(sorted(unknown))}",
                         hint=f"known: {', '.join(GATE_KEYS + ('wasted-threshold', 'verify', 'platform'))}")


def data_of(ana: Any) -> dict[str, Any]:
    """The JSON contract (docs/image.md)."""
    from golayer.rules.image._util import created_by

    layers = []
    for li in ana.layers:
        layers.append({
            "index": li.index, "digest": li.digest, "created_by": li.created_by, "comment": li.comment,
            "entries": li.entries, "files": li.files, "added_bytes": li.added_bytes, "hidden_bytes": li.hidden_bytes,
            "metadata_only_bytes": li.metadata_only_bytes, "deleted_paths": li.deleted_paths,
            "categories": dict(sorted(li.categories.items(), key=lambda kv: -kv[1])),
            "instruction": created_by(ana, li.index, 200),
        })
    bins = []
    for b in ana.binaries:
        bi = b.buildinfo
        bins.append({
            "path": b.path, "size": b.size, "is_go": b.is_go, "go_version": bi.go_version if bi else None,
            "main_path": bi.path if bi else None, "main_module": (bi.main or {}).get("Path") if bi else None,
            "linkage": b.linkage, "interpreter": b.interpreter, "needed": list(b.needed), "missing": list(b.missing),
            "stripped": b.stripped, "debug_bytes": b.debug_bytes, "symtab_bytes": b.symtab_bytes,
            "trimpath": b.trimpath, "cgo_enabled": bi.setting("CGO_ENABLED") if bi else None,
            "uses_system_roots": b.uses_system_roots, "uses_load_location": b.uses_load_location,
            "embeds_tzdata": b.embeds_tzdata, "error": b.error,
        })
    return {
        "image": {"ref": ana.ref, "source": ana.source_kind, "source_note": getattr(ana, "source_note", None),
                  "platform": ana.platform, "tags": ana.tags,
                  "user": (ana.config.get("config") or {}).get("User") or "",
                  "entrypoint": (ana.config.get("config") or {}).get("Entrypoint"),
                  "cmd": (ana.config.get("config") or {}).get("Cmd")},
        "summary": {
            "total_bytes": ana.total_bytes, "visible_bytes": ana.visible_bytes, "wasted_bytes": ana.wasted_bytes,
            "metadata_only_bytes": ana.metadata_only_bytes, "efficiency": round(ana.efficiency, 6),
            "dive_efficiency": round(ana.dive_efficiency, 6), "dive_wasted_bytes": ana.dive_wasted_bytes,
            "layers": len(ana.layers), "visible_files": ana.visible_files, "seconds": round(ana.seconds, 3),
        },
        "layers": layers,
        "categories": ana.categories,
        "groups": [g.to_json() for g in ana.groups],
        "binaries": bins,
        "problems": list(ana.problems),
    }


def _table(out: TextIO, rows: list[list[str]], align: str) -> None:
    from golayer.report.text import visible

    rows = [[visible(c) for c in r] for r in rows]  # paths and history come from the image: no raw ESC
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        cells = [c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(r, widths, align)]
        out.write("  " + "  ".join(cells).rstrip() + "\n")


def text_section(ana: Any):
    from golayer.rules.image._util import created_by, human
    from golayer.report.text import paint, visible

    def write(out: TextIO, color: bool) -> None:
        head = visible(f"{ana.ref}" + (f" ({ana.platform})" if ana.platform else ""))
        out.write(paint(f"image {head}: {len(ana.layers)} layer{'s' if len(ana.layers) != 1 else ''}, {human(ana.total_bytes)}", "1", color) + "\n")
        if getattr(ana, "source_note", None):
            out.write(f"  {visible(ana.source_note)}\n")
        rows = [["#", "size", "hidden", "files", "created by", "top categories"]]
        for li in ana.layers:
            top = sorted(li.categories.items(), key=lambda kv: -kv[1])[:2]
            tops = ", ".join(f"{k} {human(v)}" for k, v in top if v)
            rows.append([str(li.index), human(li.added_bytes), human(li.hidden_bytes) if li.hidden_bytes else "-",
                         str(li.files), created_by(ana, li.index, 48), tops])
        _table(out, rows, "rrrlll")
        pct = 100.0 * ana.wasted_bytes / ana.total_bytes if ana.total_bytes else 0.0
        meta = f", of which chmod/chown copy-ups {human(ana.metadata_only_bytes)}" if ana.metadata_only_bytes else ""
        exact = f" ({ana.total_bytes:,} bytes)" if ana.total_bytes >= 1000 else ""  # below 1 kB human() is exact
        out.write(f"  total {human(ana.total_bytes)}{exact} · visible {human(ana.visible_bytes)}"
                  f" · wasted {human(ana.wasted_bytes)} ({pct:.1f}%{meta})\n")
        out.write(f"  efficiency {ana.efficiency:.2%} · dive's score {ana.dive_efficiency:.2%}"
                  f" (dive would report {human(ana.dive_wasted_bytes)} wasted)\n")
        cats = [(k, v) for k, v in ana.categories.items() if v["visible_bytes"] or v["wasted_bytes"]]
        if cats:
            out.write("\n")
            rows = [["category", "visible", "wasted"]]
            for k, v in sorted(cats, key=lambda kv: -(kv[1]["visible_bytes"] + kv[1]["wasted_bytes"])):
                rows.append([k, human(v["visible_bytes"]), human(v["wasted_bytes"])])
            _table(out, rows, "lrr")
        if ana.binaries:
            out.write("\n")
            rows = [["binary", "go", "linkage", "interpreter", "missing"]]
            for b in ana.binaries:
                rows.append([b.path, b.buildinfo.go_version if b.buildinfo else ("go" if b.is_go else "-"),
                             b.linkage, b.interpreter or "-", ", ".join(b.missing) or "-"])
            _table(out, rows, "lllll")
        for p in ana.problems[:10]:
            out.write(paint(f"  note: {visible(p)}", "2", color) + "\n")
        if len(ana.problems) > 10:
            out.write(paint(f"  note: … and {len(ana.problems) - 10} more (see --format json)", "2", color) + "\n")
        out.write("\n")

    return write


def run_image(ref: str, cfg: Any, *, platform: str | None = None, html: str | None = None,
              gates: dict[str, Any] | None = None, progress: bool | None | Callable[[str], None] = None,
              verify: bool | None = None) -> Report:
    """Analyse one image and return its report (findings + data + text section). ``progress``: True
    (--progress), False (--no-progress), None (on a terminal), or a callable that takes the states (the
    progress line of the caller, ``golayer check``)."""
    from golayer import catalogue
    from golayer.commands.progress import stepper
    from golayer.image.analyse import analyse

    settings = dict(cfg.section("image"))
    platform = platform or settings.get("platform")
    if verify is None and "verify" in settings:
        verify = bool(settings["verify"])
    merged = {k: settings.get(k) for k in GATE_KEYS}
    for k, v in (gates or {}).items():
        if v not in (None, (), []):
            merged[k] = v
    _validate(merged, settings)  # bad gate values fail before a long analysis, not after
    if callable(progress):
        ana = analyse(ref, platform=platform, progress=progress, verify=verify)
    else:
        prog = stepper(force=bool(progress)) if progress is not False else None
        ana = analyse(ref, platform=platform, progress=prog.step if prog else None, verify=verify)
        if prog:
            prog.step(f"done in {ana.seconds:.2f}s", end=True)
    ana.settings = settings  # type: ignore[attr-defined]
    ana.gate_findings = _gates(ana, merged)  # type: ignore[attr-defined]
    findings = []
    for rule in catalogue.rules("image"):
        if cfg.enabled(rule.name, rule.code):
            findings.extend(rule.check(ana))
    rep = Report(command="image", findings=findings, data=data_of(ana), inputs=[ref])
    rep.objects["analysis"] = ana
    rep.text_sections.append(text_section(ana))
    if html:
        from golayer.report import html as html_mod

        html_mod.write(ana, rep, html)
    return rep


@click.command("image")
@click.argument("ref")
@click.option("--platform", default=None, metavar="OS/ARCH[/VARIANT]", help="Choose an image of a multi-platform index.")
@click.option("--html", "html", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Also write a self-contained HTML report with charts.")
@click.option("--max-size", default=None, metavar="SIZE", help="Gate: fail when the image is bigger (e.g. 200MB).")
@click.option("--max-wasted", default=None, metavar="SIZE|PCT", help="Gate: fail when more bytes (or percent) are wasted.")
@click.option("--min-efficiency", default=None, metavar="RATIO", help="Gate: fail under this visible/total ratio (0.9 or 90%).")
@click.option("--min-dive-efficiency", default=None, metavar="RATIO", help="Gate: fail under this dive score (.dive-ci lowestEfficiency).")
@click.option("--forbid-category", multiple=True, metavar="NAME", help="Gate: fail when this category is present (repeatable).")
@click.option("--progress/--no-progress", default=None, help="Progress on stderr [default: when stderr is a terminal].")
@click.option("--verify/--no-verify", default=None,
              help="Check the sha256 of every layer against its diff_id, also of uncompressed layers in local"
                   " files and of layers read from the Docker daemon's store (read header by header by default)"
                   " [default: only layers that are streamed anyway].")
@registry_options
@report_options
def image(ref: str, platform: str | None, html: str | None, max_size: str | None, max_wasted: str | None,
          min_efficiency: str | None, min_dive_efficiency: str | None, forbid_category: tuple[str, ...],
          progress: bool | None, verify: bool | None, fmt: str, output: str | None, config_path: str | None,
          select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str | None, color: bool | None) -> int:
    """Account for every byte of the built image REF and inspect its Go binaries.

    REF is docker-archive:PATH (docker save output), oci:DIR, oci-archive:PATH, docker:NAME (the
    local daemon), registry:HOST/REPO[:TAG][@DIGEST], containerd:NAME, podman:NAME, or a bare
    path or image name (HOST/REPO:TAG: the daemon if it holds it, else the registry).
    """
    import gc

    cfg = load_config(config_path, select, ignore, fail_on)
    gates = {"max-size": max_size, "max-wasted": max_wasted, "min-efficiency": min_efficiency,
             "min-dive-efficiency": min_dive_efficiency, "forbid-category": list(forbid_category)}
    # The cyclic GC stays paused through the checks and the report too (analyse() pauses it for the
    # analysis): re-enabled in between, its first passes walk every entry of the image (the 299 MB build
    # of docs/benchmarks.md, GOLAYER_JOBS=1, callgrind: 1,504 M -> 1,487 M instructions, -1.2 %).
    was = gc.isenabled()
    gc.disable()
    try:
        rep = run_image(ref, cfg, platform=platform, html=html, gates=gates, progress=progress, verify=verify)
        return finish(rep, cfg, fmt, output, color)
    finally:
        if was:
            gc.enable()
