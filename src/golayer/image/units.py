"""Byte sizes and percentages as users write them in flags and config: ``200MB``, ``1.5GiB``, ``5%``."""

from __future__ import annotations

import re

from golayer.errors import UsageError

_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9,
          "t": 10**12, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(value: object, what: str) -> int:
    if isinstance(value, bool):
        raise UsageError(f"{what}: expected a size like 200MB, got {value!r}")
    if isinstance(value, (int, float)):
        return int(value)
    m = _RE.match(str(value))
    if not m or m.group(2).lower() not in _UNITS:
        raise UsageError(f"{what}: expected a size like 200MB, 1.5GiB or 123456 (bytes), got {value!r}")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def parse_size_or_percent(value: object, what: str) -> tuple[str, float]:
    """('bytes', n) or ('percent', p)."""
    s = str(value).strip()
    if s.endswith("%"):
        try:
            p = float(s[:-1])
        except ValueError:
            raise UsageError(f"{what}: expected a percentage like 5%, got {value!r}") from None
        return "percent", p
    return "bytes", float(parse_size(value, what))


def parse_fraction(value: object, what: str) -> float:
    """0.9, '90%' -> 0.9."""
    s = str(value).strip()
    try:
        v = float(s[:-1]) / 100 if s.endswith("%") else float(s)
    except ValueError:
        raise UsageError(f"{what}: expected a ratio like 0.9 or 90%, got {value!r}") from None
    if not 0 <= v <= 1:
        raise UsageError(f"{what}: must be between 0 and 1 (or 0% and 100%), got {value!r}")
    return v
