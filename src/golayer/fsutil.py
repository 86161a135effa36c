"""Small file-system facts shared by every reader (kept below every package)."""

from __future__ import annotations

import os
from pathlib import Path


def inside(path: str | Path, root: str | Path) -> bool:
    """Does ``path``, following every symlink, stay inside ``root``?"""
    try:
        real = os.path.realpath(path)
        base = os.path.realpath(root)
    except (OSError, ValueError):
        return False
    # both are absolute and normal (realpath): a string prefix at a separator is containment
    return real == base or real.startswith(base.rstrip("/") + "/")
