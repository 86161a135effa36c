"""The image as a browsable history: every version of every path, and the tree as of any layer.

Built once from an :class:`ImageAnalysis` (nothing is re-read): the visible entries of the final tree and the
file versions that later layers hid. For a selected layer ``N`` there are two views:

* **aggregated** ("the whole image as of layer N"): every version written at or below ``N`` and not yet
  hidden at ``N``;
* **changes** ("this layer's changes only"): versions written by ``N``, plus the paths ``N`` removed.

Each shown node carries a mark — ``added`` (first version of the path), ``modified`` (replaces a lower
version), ``removed`` (a whiteout or a replacement in ``N`` hid it), ``unchanged`` — and ``wasted`` when a later
layer hides it (its bytes stay in the image but nobody sees them).

Cost model (what keeps a 100k-entry image responsive): one pass at start-up records, for every directory, the
per-layer *changes* of what lies below it (bytes and counts that appear and disappear, wasted and changed
entries). Any directory's size, presence and wasted flag at any layer is then a prefix sum over the few layers
that touched it (``bisect``), so listing a directory costs O(children × layers touching them), whatever the
image's size. Children are listed on demand, never materialised for the whole tree. Filters (marks, wasted
only, a category) need one pass over the files per (layer, filter), cached.

Limits of what the analysis records: only regular-file versions are kept once hidden (a hidden directory or
symlink leaves no version of its own; the files below it do), which is what byte accounting needs.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Iterator, NamedTuple

ADDED, MODIFIED, REMOVED, UNCHANGED = "added", "modified", "removed", "unchanged"
MARKS = (ADDED, MODIFIED, REMOVED, UNCHANGED)


class Version(NamedTuple):
    path: str
    type: str  # file | dir | symlink | hardlink | ...
    size: int
    layer: int  # the layer that wrote it
    hidden_at: int | None  # the layer that hid it (None: visible at the end)
    category: str | None


@dataclass(frozen=True)
class Node:
    path: str
    name: str
    is_dir: bool
    size: int  # file bytes (directories: the sum below, in this view)
    mark: str
    wasted: bool  # a later layer hides it (or, for a directory, something below it)
    version: Version | None  # the version shown (None for implicit directories)


def _parent(path: str) -> str:
    i = path.rfind("/")
    return path[:i] if i > 0 else "/"


# per-directory aggregate slots: visible bytes, visible entries, wasted entries (visible now, hidden later),
# changed bytes at exactly that layer, changed entries at exactly that layer
_VB, _VN, _WN, _CB, _CN = range(5)


class _Agg:
    __slots__ = ("deltas", "layers", "cum")

    def __init__(self) -> None:
        self.deltas: dict[int, list[int]] = {}
        self.layers: list[int] | None = None
        self.cum: list[tuple[int, ...]] | None = None

    def add(self, layer: int, slot: int, value: int) -> None:
        d = self.deltas.get(layer)
        if d is None:
            self.deltas[layer] = d = [0, 0, 0, 0, 0]
        d[slot] += value

    def at(self, layer: int) -> tuple[int, int, int, int, int]:
        """(visible bytes, visible entries, wasted entries) summed up to ``layer``; changes at ``layer``."""
        if self.layers is None:
            self.layers = sorted(self.deltas)
            sums = list(accumulate((tuple(self.deltas[x][:3]) for x in self.layers),
                                   lambda a, b: (a[0] + b[0], a[1] + b[1], a[2] + b[2])))
            self.cum = sums
        i = bisect_right(self.layers, layer)
        vb, vn, wn = self.cum[i - 1] if i else (0, 0, 0)
        here = self.deltas.get(layer)
        return vb, vn, wn, (here[_CB] if here else 0), (here[_CN] if here else 0)


class Explorer:
    def __init__(self, ana: Any) -> None:
        self.ana = ana
        self.layers = ana.layers
        versions: dict[str, list[Version]] = {}
        for e in ana.tree.iter():
            if e.path == "/":
                continue
            versions.setdefault(e.path, []).append(Version(e.path, e.type, e.size if e.type == "file" else 0,
                                                           e.layer, None, e.category))
        for path, size, layer, hider, cat in ana.hidden:
            versions.setdefault(path, []).append(Version(path, "file", size, layer, hider, cat))
        kids: dict[str, set[str]] = {"/": set()}
        aggs: dict[str, _Agg] = {"/": _Agg()}
        for path, vs in versions.items():
            if len(vs) > 1:
                vs.sort(key=lambda v: v.layer)
            p = path
            while p != "/":  # register the path with its ancestors
                i = p.rfind("/")
                parent = p[:i] if i > 0 else "/"
                s = kids.get(parent)
                if s is None:
                    kids[parent] = s = set()
                    aggs[parent] = _Agg()
                elif p in s:
                    break
                s.add(p)
                p = parent
            # this path's changes go to its parent only; parents pass them up below (one merge per directory)
            i = path.rfind("/")
            deltas = aggs[path[:i] if i > 0 else "/"].deltas
            written = {v.layer for v in vs} if len(vs) > 1 else None
            for v in vs:
                size = v.size if v.type == "file" else 0
                d = deltas.get(v.layer)
                if d is None:
                    deltas[v.layer] = d = [0, 0, 0, 0, 0]
                d[_VB] += size
                d[_VN] += 1
                d[_CB] += size
                d[_CN] += 1
                if v.hidden_at is not None:
                    d[_WN] += 1
                    h = deltas.get(v.hidden_at)
                    if h is None:
                        deltas[v.hidden_at] = h = [0, 0, 0, 0, 0]
                    h[_VB] -= size
                    h[_VN] -= 1
                    h[_WN] -= 1
                    if written is None or v.hidden_at not in written:  # removed there (not replaced)
                        h[_CN] += 1
        for d in sorted(aggs, key=lambda p: -p.count("/") if p != "/" else 1):  # deepest first, root last
            if d == "/":
                continue
            up = aggs[_parent(d)].deltas
            for layer, vals in aggs[d].deltas.items():
                t = up.get(layer)
                if t is None:
                    up[layer] = list(vals)
                else:
                    for i in range(5):
                        t[i] += vals[i]
        self.versions = versions
        self.kids = kids
        self.aggs = aggs
        self.sorted_paths = sorted(versions)
        self.lower = [p.lower() for p in self.sorted_paths]
        self._filters: dict[tuple, set[str]] = {}
        self.binaries = {b.path: b for b in getattr(ana, "binaries", [])}

    # --- one path ------------------------------------------------------------------------------------
    def state(self, path: str, layer: int, changes: bool) -> tuple[Version, str, bool] | None:
        """(version shown, mark, wasted) of a path in the view, or None when it is not in it."""
        vs = self.versions.get(path)
        if not vs:
            return None
        shown = removed = None
        earlier = written_here = False
        for v in vs:
            if v.layer > layer:
                break
            if v.layer < layer:
                earlier = True
            else:
                written_here = True
            if v.hidden_at is not None and v.hidden_at <= layer:
                if v.hidden_at == layer:
                    removed = v
                continue
            shown = v
        if shown is not None:
            if shown.layer == layer:
                return shown, (MODIFIED if earlier else ADDED), shown.hidden_at is not None
            if changes:
                return None
            return shown, UNCHANGED, shown.hidden_at is not None
        if removed is not None and not written_here:
            return removed, REMOVED, False
        return None

    def node(self, path: str, layer: int, changes: bool) -> Node | None:
        """The node at ``path`` in the view, None when the view does not show it."""
        name = path.rsplit("/", 1)[-1] or "/"
        got = self.state(path, layer, changes)
        agg = self.aggs.get(path)
        if agg is not None:  # a directory (explicit or implicit)
            vb, vn, wn, cb, cn = agg.at(layer)
            present = (cn > 0) if changes else (vn > 0 or cn > 0)
            if got is None and not present:
                return None
            size = cb if changes else vb
            mark = got[1] if got is not None else UNCHANGED
            return Node(path, name, True, size, mark, wn > 0, got[0] if got else None)
        if got is None:
            return None
        v, mark, wasted = got
        return Node(path, name, v.type == "dir", v.size, mark, wasted, v)

    def children(self, path: str, layer: int, changes: bool, *, marks: set[str] | None = None,
                 wasted_only: bool = False, category: str | None = None, by_size: bool = False) -> list[Node]:
        """The children of ``path`` shown in this view and filter, directories first (or biggest first)."""
        out = []
        filtered = marks is not None or wasted_only or bool(category)
        passing = self._passing_dirs(layer, changes, marks, wasted_only, category) if filtered else None
        for k in self.kids.get(path, ()):
            n = self.node(k, layer, changes)
            if n is None:
                continue
            if filtered:
                if n.path in self.aggs:
                    if n.path not in passing:
                        continue
                elif not self._file_passes(n, marks, wasted_only, category):
                    continue
            out.append(n)
        if by_size:
            out.sort(key=lambda n: (-n.size, n.name))
        else:
            out.sort(key=lambda n: (not n.is_dir, n.name))
        return out

    @staticmethod
    def _file_passes(n: Node, marks: set[str] | None, wasted_only: bool, category: str | None) -> bool:
        if marks is not None and n.mark not in marks:
            return False
        if wasted_only and not n.wasted:
            return False
        return not category or (n.version is not None and n.version.category == category)

    def _passing_dirs(self, layer: int, changes: bool, marks: set[str] | None, wasted_only: bool,
                      category: str | None) -> set[str]:
        """Directories with at least one entry below them that passes the filter (one pass, cached)."""
        key = (layer, changes, frozenset(marks) if marks is not None else None, wasted_only, category)
        cached = self._filters.get(key)
        if cached is not None:
            return cached
        dirs: set[str] = set()
        for path in self.versions:
            if path in self.aggs:
                continue
            got = self.state(path, layer, changes)
            if got is None:
                continue
            v, mark, wasted = got
            if marks is not None and mark not in marks or wasted_only and not wasted or \
                    category and v.category != category:
                continue
            p = _parent(path)
            while p not in dirs:
                dirs.add(p)
                if p == "/":
                    break
                p = _parent(p)
        if len(self._filters) > 32:
            self._filters.clear()
        self._filters[key] = dirs
        return dirs

    def search(self, text: str, layer: int, changes: bool, limit: int = 200) -> list[Node]:
        """Paths in the view containing ``text`` (case-insensitive), at most ``limit``, in path order."""
        needle = text.lower()
        out = []
        for p, low in zip(self.sorted_paths, self.lower):
            if needle not in low:
                continue
            n = self.node(p, layer, changes)
            if n is not None:
                out.append(n)
                if len(out) >= limit:
                    break
        return out

    def walk(self, layer: int, changes: bool, **filters: Any) -> Iterator[Node]:
        """Every shown node, depth first (tests and dumps)."""
        stack = ["/"]
        while stack:
            p = stack.pop()
            kids = self.children(p, layer, changes, **filters)
            yield from kids
            stack.extend(n.path for n in reversed(kids) if n.path in self.kids)

    def details(self, path: str) -> dict[str, Any]:
        """Everything known about a path: its versions, and for a binary its buildinfo and linkage."""
        vs = self.versions.get(path, [])
        out: dict[str, Any] = {"path": path, "versions": [
            {"layer": v.layer, "size": v.size, "type": v.type, "category": v.category, "hidden_at": v.hidden_at}
            for v in vs]}
        b = self.binaries.get(path)
        if b is not None:
            bi = b.buildinfo
            out["binary"] = {
                "go": b.is_go, "go_version": bi.go_version if bi else None, "main": bi.path if bi else None,
                "linkage": b.linkage, "interpreter": b.interpreter, "needed": list(b.needed),
                "missing": list(b.missing), "stripped": b.stripped,
                "cgo": bi.setting("CGO_ENABLED") if bi else None,
            }
        return out
