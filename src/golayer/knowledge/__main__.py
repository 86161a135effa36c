"""``python -m golayer.knowledge``: rewrite ``_parsed.py`` from the TOML tables (see golayer.knowledge)."""

import os

from golayer.knowledge import HERE, generated, tables

path = os.path.join(HERE, "_parsed.py")
with open(path, "w", encoding="utf-8") as fh:
    fh.write(generated())
print(f"wrote {path} ({len(tables())} tables)")
