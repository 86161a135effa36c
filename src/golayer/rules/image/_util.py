"""Shared wording for image checks: byte counts, layer descriptions, group findings."""

from __future__ import annotations

from typing import Any, Iterator


def human(n: int) -> str:
    """Decimal units, as docker and dive print them: 88.0 MB."""
    for unit, k in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if abs(n) >= k:
            return f"{n / k:.1f} {unit}"
    return f"{n} B"


def bytes_exact(n: int) -> str:
    return f"{human(n)} ({n:,} bytes)"


def created_by(ana: Any, index: int, width: int = 60) -> str:
    if index < 0 or index >= len(ana.layers):
        return "?"
    cb = " ".join((ana.layers[index].created_by or "").split())
    for pre in ("/bin/sh -c #(nop) ", "/bin/sh -c "):
        if cb.startswith(pre):
            cb = cb[len(pre):] if pre.endswith("#(nop) ") else "RUN " + cb[len(pre):]
    if len(cb) > width:
        cb = cb[: width - 1] + "…"
    return cb or "(no history)"


def layer_desc(ana: Any, index: int) -> str:
    return f"layer {index} ({created_by(ana, index)})"


def _files(n: int) -> str:
    return f"{n:,} file" + ("" if n == 1 else "s")


def group_findings(rule: Any, ana: Any, category: str, what: str, hint: str,
                   min_bytes: int = 1) -> Iterator[Any]:
    """One finding per group (root dir) of ``category``: visible copies and copies only in lower layers."""
    for g in getattr(ana, "groups", []):
        if g.category != category or g.visible_bytes + g.wasted_bytes < min_bytes:
            continue
        first = min(g.layers) if g.layers else -1
        layers = ", ".join(str(i) for i in sorted(g.layers))
        if g.visible_bytes:
            msg = (f"{what} {g.path} ships in the image: {human(g.visible_bytes)} ({g.visible_bytes:,} bytes,"
                   f" {_files(g.files)}), added by {layer_desc(ana, first)}")
            if g.wasted_bytes:
                msg += f"; another {bytes_exact(g.wasted_bytes)} of it is hidden in lower layers"
        else:
            msg = (f"{what} {g.path} was deleted by a later layer but its {human(g.wasted_bytes)}"
                   f" ({g.wasted_bytes:,} bytes, {_files(g.files)}) remain in {layer_desc(ana, first)}: deleting in a later layer"
                   " does not shrink the image")
        yield rule.finding(msg, hint=hint, location=ana.ref, layer=first, layers=sorted(g.layers), path=g.path,
                           bytes=g.visible_bytes + g.wasted_bytes, visible_bytes=g.visible_bytes,
                           wasted_bytes=g.wasted_bytes, subject=f"{g.path}@{layers}")
