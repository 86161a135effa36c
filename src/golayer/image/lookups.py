"""Lookups in an analysed image that several image rules read: where a path is (its layer, the file a
path or symlink resolves to, whether it is a directory), the entrypoint's file, how many files a
directory holds, the Go binaries. A broken tree answers "unknown" (None, False, 0) instead of
stopping the other rules."""

from __future__ import annotations

import posixpath
from typing import Iterable

from golayer.image.model import BinaryInfo, Entry, ImageAnalysis


def layer_of(analysis: ImageAnalysis, path: str) -> int | None:
    try:
        e = analysis.tree.get(path)
    except Exception:  # a broken tree must not stop the other checks
        return None
    return e.layer if e is not None else None


def entrypoint_argv0(analysis: ImageAnalysis) -> tuple[str | None, str | None]:
    """(argv[0] as configured, path of the file it resolves to) of the image's entrypoint."""
    from golayer.image.binaries import entrypoint_path

    try:
        argv0, e = entrypoint_path(analysis.tree, analysis.config)
    except Exception:
        return None, None
    return argv0, (e.path if e is not None else None)


def resolve_file(analysis: ImageAnalysis, path: str) -> Entry | None:
    try:
        e = analysis.tree.resolve(path)
    except Exception:
        return None
    if e is None or e.type not in ("file", "hardlink"):
        return None
    return e


def is_dir(analysis: ImageAnalysis, path: str) -> bool:
    try:
        e = analysis.tree.resolve(path)
    except Exception:
        return False
    return e is not None and e.type == "dir"


def files_in_dirs(analysis: ImageAnalysis, dirs: Iterable[str], recursive: bool = False,
                  limit: int = 1) -> dict[str, int]:
    """How many regular files (or symlinks to files) sit in each of ``dirs`` (resolved through
    the image's symlinks), counting up to ``limit`` per directory."""
    real: dict[str, str] = {}
    for d in dirs:
        e = None
        try:
            e = analysis.tree.resolve(d)
        except Exception:
            pass
        if e is not None and e.type == "dir":
            real[e.path.rstrip("/") or "/"] = d
    counts = {d: 0 for d in dirs}
    if not real:
        return counts
    for e in analysis.tree.iter():
        if e.type not in ("file", "hardlink", "symlink"):
            continue
        parent = posixpath.dirname(e.path)
        owner = real.get(parent)
        if owner is None and recursive:
            for r, d in real.items():
                if e.path.startswith(r + "/"):
                    owner = d
                    break
        if owner is None or counts[owner] >= limit:
            continue
        if e.type == "symlink" and resolve_file(analysis, e.path) is None:
            continue
        counts[owner] += 1
        if all(c >= limit for c in counts.values()):
            break
    return counts


def go_binaries(analysis: ImageAnalysis) -> list[BinaryInfo]:
    return [b for b in analysis.binaries if b.is_go]
