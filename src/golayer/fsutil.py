"""Small file-system facts shared by every reader (kept below every package)."""

from __future__ import annotations

import os
import stat
from pathlib import Path


# While golayer.dockerfile.final.batch() runs (files do not change meanwhile): the real path of every
# directory and file resolved so far, shared by the Dockerfiles of the run. None: no batch.
_REAL: dict[str, str] | None = None


def realpath(path: str | Path) -> str:
    """``os.path.realpath(path)``; inside a batch each directory is resolved once for all the paths."""
    return os.path.realpath(path) if _REAL is None else realpath_memo(path, _REAL)


def realpath_memo(path: str | Path, memo: dict[str, str]) -> str:
    """``os.path.realpath(path)``, the resolved directories kept in ``memo``: one ``lstat`` per new path
    component instead of one per component of every path. Paths with ``..`` (resolved after the links
    before them) or a leading ``//`` are left to os.path.realpath."""
    s = os.fspath(path)
    if ".." in s.split("/") or s.startswith("//"):
        return os.path.realpath(s)
    return _resolved(os.path.abspath(s), memo)  # the working directory is a physical path


def _resolved(a: str, memo: dict[str, str]) -> str:
    r = memo.get(a)
    if r is None:
        head, name = os.path.split(a)
        if not name:  # the root
            r = a
        else:
            q = os.path.join(_resolved(head, memo), name)
            try:
                link = stat.S_ISLNK(os.lstat(q).st_mode)
            except OSError:  # as realpath: a component that cannot be read is taken as it is
                link = False
            r = os.path.realpath(q) if link else q
        memo[a] = r
    return r


def inside(path: str | Path, root: str | Path) -> bool:
    """Does ``path``, following every symlink, stay inside ``root``?"""
    try:
        real = realpath(path)
        base = realpath(root)
    except (OSError, ValueError):
        return False
    # both are absolute and normal (realpath): a string prefix at a separator is containment
    return real == base or real.startswith(base.rstrip("/") + "/")
