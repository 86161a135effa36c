"""Small file-system facts shared by every reader (kept below every package)."""

from __future__ import annotations

import os
from pathlib import Path


def inside(path: str | Path, root: str | Path) -> bool:
    """Does ``path``, following every symlink, stay inside ``root``?"""
    try:
        real = Path(os.path.realpath(path))
        base = Path(os.path.realpath(root))
    except (OSError, ValueError):
        return False
    return real == base or base in real.parents
