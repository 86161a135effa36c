"""Wording shared by the Go binary rules (not a rule: the leading underscore keeps it out of the
catalogue). Lookups in the image tree are in :mod:`golayer.image.lookups`."""

from __future__ import annotations

from typing import Any

from golayer.image.lookups import layer_of
from golayer.image.model import BinaryInfo, ImageAnalysis


def human(n: int) -> str:
    """1234567 -> '1.23 MB' (decimal units, as docker and dive print sizes)."""
    for unit, div in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= div:
            return f"{n / div:.2f} {unit}"
    return f"{n} B"


def extra(analysis: ImageAnalysis, b: BinaryInfo, **more: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"path": b.path, "layer": layer_of(analysis, b.path), "bytes": b.size,
                           "subject": b.path, "location": b.path}
    out.update(more)
    return out
