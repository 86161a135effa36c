"""Go release dates and end of support, from the dated table ``go_releases.toml``.

``support(version, today)`` answers "is the Go that built this binary still supported?" for a
``runtime.Version()`` string as buildinfo records it (``go1.22.3``, ``go1.21rc2``,
``go1.20.5 X:boringcrypto``, ``devel go1.24-abcdef``). ``today()`` is the date checks compare with;
set ``GOLAYER_TODAY=YYYY-MM-DD`` (or monkeypatch it) for reproducible runs.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

TABLE = Path(__file__).with_name("go_releases.toml")
_VERSION = re.compile(r"go1(?:\.(\d+))?(?:\.(\d+))?")


@dataclass(frozen=True)
class Release:
    minor: int  # 22 for Go 1.22
    released: _dt.date
    approximate: bool = False

    @property
    def name(self) -> str:
        return f"1.{self.minor}"


@dataclass(frozen=True)
class Support:
    release: str  # "1.22"
    released: _dt.date | None
    eol: _dt.date | None  # None: still supported, no end date known yet
    eol_expected: bool  # eol is a projection (release +1 year), the N+2 release is not in the table
    is_eol: bool
    table_date: _dt.date


@functools.cache
def load() -> tuple[tuple[Release, ...], _dt.date]:
    from golayer.knowledge import load

    raw = load(TABLE.name)
    rels = []
    for r in raw["release"]:
        major, minor = (int(x) for x in str(r["version"]).split("."))
        rels.append(Release(minor, _dt.date.fromisoformat(str(r["released"])), bool(r.get("approximate"))))
    rels.sort(key=lambda r: r.minor)
    return tuple(rels), _dt.date.fromisoformat(str(raw["table_date"]))


def today() -> _dt.date:
    env = os.environ.get("GOLAYER_TODAY")
    if env:
        try:
            return _dt.date.fromisoformat(env.strip())
        except ValueError:
            pass
    return _dt.date.today()


def parse(version: str) -> tuple[int, int] | None:
    """(minor, patch) of a Go version string; None when it names no Go 1.x release."""
    m = _VERSION.search(version or "")
    if not m:
        return None
    return int(m.group(1) or 0), int(m.group(2) or 0)


def eol_date(minor: int) -> tuple[_dt.date | None, bool]:
    """(end-of-support date, whether it is only expected) of Go 1.<minor>."""
    rels, _ = load()
    by = {r.minor: r for r in rels}
    if minor + 2 in by:
        return by[minor + 2].released, False
    if minor in by:
        r = by[minor]
        try:
            return r.released.replace(year=r.released.year + 1), True
        except ValueError:
            return r.released + _dt.timedelta(days=365), True
    if rels and minor < rels[0].minor:
        return rels[0].released, False
    return None, False


def support(version: str, on: _dt.date | None = None) -> Support | None:
    parsed = parse(version)
    if parsed is None:
        return None
    minor, _patch = parsed
    on = on or today()
    rels, table_date = load()
    by = {r.minor: r for r in rels}
    eol, expected = eol_date(minor)
    released = by[minor].released if minor in by else None
    # an expected date gets a month of grace: release days slip
    limit = eol + _dt.timedelta(days=31) if (eol and expected) else eol
    return Support(f"1.{minor}", released, eol, expected, bool(limit and on >= limit), table_date)
