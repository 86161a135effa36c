"""A small in-memory FileTree (golayer.image.model.FileTree) for tests of the binary checks.

``FakeTree`` maps absolute paths to entries; directories are implied by their children.
Symlinks are resolved inside the root exactly as the protocol describes (absolute targets are
relative to the image root, at most 40 hops, loops and escapes yield None).
"""

from __future__ import annotations

import posixpath
from typing import Iterator

from golayer.image.model import Entry


class FakeTree:
    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.data: dict[str, bytes] = {}
        self.reads: list[tuple[str, int | None]] = []  # (path, limit): lets tests bound reads

    # -- building ---------------------------------------------------------------------------
    def _parents(self, path: str, layer: int) -> None:
        d = posixpath.dirname(path)
        while d not in ("/", "") and d not in self.entries:
            self.entries[d] = Entry(d, "dir", 0, 0o755, 0, 0, layer)
            d = posixpath.dirname(d)

    def file(self, path: str, data: bytes = b"", mode: int = 0o755, layer: int = 0,
             category: str | None = None) -> "FakeTree":
        self._parents(path, layer)
        self.entries[path] = Entry(path, "file", len(data), mode, 0, 0, layer, category=category)
        self.data[path] = data
        return self

    def symlink(self, path: str, target: str, layer: int = 0) -> "FakeTree":
        self._parents(path, layer)
        self.entries[path] = Entry(path, "symlink", 0, 0o777, 0, 0, layer, linkname=target)
        return self

    def hardlink(self, path: str, target: str, mode: int = 0o755, layer: int = 0) -> "FakeTree":
        self._parents(path, layer)
        self.entries[path] = Entry(path, "hardlink", 0, mode, 0, 0, layer, linkname=target)
        return self

    def dir(self, path: str, layer: int = 0) -> "FakeTree":
        self._parents(path, layer)
        self.entries[path] = Entry(path, "dir", 0, 0o755, 0, 0, layer)
        return self

    # -- FileTree protocol --------------------------------------------------------------------
    def _walk(self, path: str, follow_last: bool) -> Entry | None:
        parts = [p for p in path.split("/") if p]
        hops = 0
        cur = "/"
        i = 0
        while i < len(parts):
            name = parts[i]
            i += 1
            if name == ".":
                continue
            if name == "..":
                cur = posixpath.dirname(cur) or "/"
                continue
            nxt = posixpath.join(cur, name)
            e = self.entries.get(nxt)
            if e is None:
                return None
            last = i == len(parts)
            if e.type == "symlink" and (not last or follow_last):
                hops += 1
                if hops > 40:
                    return None
                target = e.linkname or ""
                base = "/" if target.startswith("/") else cur
                rest = [p for p in target.split("/") if p]
                parts = rest + parts[i:]
                cur = base
                i = 0
                continue
            cur = nxt
        if cur == "/":
            return Entry("/", "dir", 0, 0o755, 0, 0, 0)
        return self.entries.get(cur)

    def get(self, path: str) -> Entry | None:
        return self._walk(path, follow_last=False)

    def resolve(self, path: str) -> Entry | None:
        return self._walk(path, follow_last=True)

    def read(self, entry: Entry, limit: int | None = None) -> bytes:
        self.reads.append((entry.path, limit))
        path = entry.path
        if entry.type == "hardlink":
            path = entry.linkname or ""
        data = self.data.get(path, b"")
        return data if limit is None else data[:limit]

    def iter(self) -> Iterator[Entry]:
        return iter(list(self.entries.values()))
