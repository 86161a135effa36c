"""Stack layer records into the final filesystem with OCI semantics, accounting every byte.

Rules applied, per layer, in this order (OCI image spec, "Applying changesets"):

1. ``D/.wh..wh..opq`` (wherever it sits in the layer tar): every child of ``D`` from *lower*
   layers is hidden; children this layer adds survive.
2. ``D/.wh.NAME``: ``D/NAME`` and its whole subtree from lower layers are hidden.
3. Every other member is added: a directory over a directory merges (metadata replaced, children
   kept); anything else over an existing path hides the old entry, and a non-directory over a
   directory hides the directory's whole subtree. Missing parent directories are created
   implicitly; a parent that exists as a non-directory is hidden and replaced by a directory.
   A hardlink points at the entry its target path names at that moment (same or lower layer);
   a hardlink to nothing is kept as a dangling entry and reported, never a crash.

The tree is a flat ``path -> entry`` map plus a ``dir -> children`` index, so a deletion costs
the size of the deleted subtree, never deletions x files: the whole stack is linear in entries.

Accounting (bytes are regular-file content sizes as stored in the layer tars; directories,
links and devices count 0; a hardlink's bytes are its target's):

* ``total_bytes`` = sum over all layers of their files' bytes;
* ``visible_bytes`` = bytes of the files visible at the end (a file hidden by a later layer but
  still reachable through a visible hardlink counts as visible, once);
* ``wasted_bytes`` = ``total_bytes - visible_bytes`` exactly, which is also the sum of every
  hidden file (each hidden file is attributed to the layer that hid it: ``hidden_bytes``);
* ``metadata_only_bytes`` (part of wasted): a lower regular file re-written by a later layer as a
  regular file of the *same size* whose mode, uid or gid changed -- the copy-up that ``chmod``,
  ``chown`` (and ``COPY --chown`` over existing files) leave. Content is not compared: a rewrite
  with the same size and the same mode/owner is counted as a content change.

dive's efficiency score is computed alongside, the way dive computes it (see
:class:`DiveScore` and docs/image.md for where its numbers differ from the exact ones).
"""

from __future__ import annotations

import os
from itertools import compress
from typing import Iterator

from golayer.errors import InputError
from golayer.image.layers import LayerRecord, TEntry
from golayer.image.model import LayerInfo

MAX_HOPS = 40
# Bytes of the paths of directories the layers never list but imply (``a/b/c`` without ``a/b``):
# each costs its whole path, so a few deep members could otherwise make memory quadratic.
MAX_IMPLICIT_BYTES = int(os.environ.get("GOLAYER_MAX_IMPLICIT_DIR_BYTES", str(64 << 20)))
# Entries stacked in all (a layer listed twice counts twice): memory grows with this number.
MAX_STACKED_ENTRIES = int(os.environ.get("GOLAYER_MAX_ENTRIES", str(4_000_000)))


def _parent(p: str) -> str:
    i = p.rfind("/")
    return p[:i] if i > 0 else "/"


class DiveScore:
    """dive's ``filetree.Efficiency``, re-derived from its behaviour (not its code).

    Per layer, every *leaf* of that layer's own tree (a member with no descendant in the same
    layer tar, including whiteout markers, which dive keys by the path they delete) contributes
    its size to ``cumulative[path]`` and to ``minimum[path]`` (the smallest size seen for that
    path). A whiteout's size is 0 when it deletes a file and the size of the deleted subtree when
    it deletes a directory. Opaque markers are ignored. Score = sum(minimum) / sum(cumulative);
    dive's "wasted bytes" = sum of cumulative sizes of paths seen in two or more layers.
    """

    def __init__(self) -> None:
        # path -> its size when seen once (most paths), or [cumulative, minimum, count] from the second time
        self.paths: dict[str, int | list[int]] = {}

    def add(self, path: str, size: int) -> None:
        paths = self.paths
        d = paths.get(path)
        if d is None:
            paths[path] = size
        elif d.__class__ is int:
            paths[path] = [d + size, min(d, size), 2]
        else:
            d[0] += size
            if size < d[1]:
                d[1] = size
            d[2] += 1

    @staticmethod
    def _nonleaf(rec: LayerRecord) -> set[str]:
        """Every ancestor of a member or whiteout path of the layer (immediate parents in one pass,
        then their ancestors from the much smaller set of parents)."""
        parents = {p[: p.rfind("/")] for p in rec.whiteouts}
        parents.update({e.path[: e.path.rfind("/")] for e in rec.members})
        parents.discard("")
        nonleaf = set(parents)
        for q in parents:
            q = q[: q.rfind("/")]
            while q and q not in nonleaf:
                nonleaf.add(q)
                q = q[: q.rfind("/")]
        return nonleaf

    @classmethod
    def leaves(cls, rec: LayerRecord) -> tuple[bytes, bytes]:
        """Which members of a layer are leaves of its own tree (one byte each, in member order), and
        which opaque markers count as a 0-byte leaf: facts of the layer alone, so a worker process
        that parsed the layer works them out there (:mod:`golayer.image.parallel`)."""
        nonleaf = cls._nonleaf(rec)
        present = {e.path for e in rec.members} if rec.opaques else set()
        return (bytes([e.path not in nonleaf for e in rec.members]),
                bytes([o != "/" and o not in nonleaf and o not in present for o in rec.opaques]))

    def layer(self, rec: LayerRecord, whiteout_sizes: dict[str, int]) -> None:
        paths = self.paths
        add = self.add
        # (worked out by the worker that parsed the layer, if one did)
        mask, opaque = rec.dive_leaves if rec.dive_leaves is not None else self.leaves(rec)
        for e in compress(rec.members, mask):
            p = e.path
            if p in paths:
                add(p, e.size)
            else:
                paths[p] = e.size
        for p in rec.whiteouts:
            add(p, whiteout_sizes.get(p, 0))
        # dive drops an opaque marker but keeps its directory node (a 0-byte leaf)
        for o in compress(rec.opaques, opaque):
            add(o, 0)

    def result(self) -> tuple[float, int]:
        mn = cum = wasted = 0
        for d in self.paths.values():
            if d.__class__ is int:
                cum += d
                mn += d
            else:
                c, m, _k = d
                cum += c
                mn += m
                wasted += c
        return (mn / cum if cum else 1.0), wasted


class Tree:
    """The merged filesystem (implements :class:`golayer.image.model.FileTree`)."""

    def __init__(self) -> None:
        root = TEntry("/", "dir", 0, 0o755, 0, 0, -1, None, None)
        self.entries: dict[str, TEntry] = {"/": root}
        self.children: dict[str, set[str]] = {"/": set()}
        self.hidden: list[tuple[TEntry, int, bool]] = []  # (entry, hiding layer, metadata-only)
        self.problems: list[str] = []
        self.dive = DiveScore()
        self.total_bytes = 0
        self.implicit_bytes = 0
        self.stacked = 0
        self._applied: set[int] = set()  # ids of the layer records stacked so far

    # ---- stacking -------------------------------------------------------------------------
    def _hide(self, path: str, layer: int, info: LayerInfo) -> int:
        """Remove ``path`` and its subtree; returns the file bytes hidden."""
        entries = self.entries
        e = entries.pop(path, None)
        if e is None:
            return 0
        sib = self.children.get(_parent(path))
        if sib is not None:
            sib.discard(path)
        total = 0
        stack = [e]
        hidden = self.hidden
        children = self.children
        while stack:
            x = stack.pop()
            if x.type == "file":
                hidden.append((x, layer, False))
                total += x.size
            elif x.type == "dir":
                kids = children.pop(x.path, None)
                if kids:
                    for k in kids:
                        c = entries.pop(k, None)
                        if c is not None:
                            stack.append(c)
        info.hidden_bytes += total
        return total

    def _mkdirs(self, d: str, layer: int, info: LayerInfo) -> None:
        """Make ``d`` (and its parents) directories, hiding non-directories in the way."""
        todo = []
        while True:
            cur = self.entries.get(d)
            if cur is not None and cur.type == "dir":
                break
            todo.append(d)
            if d == "/":
                break
            d = _parent(d)
        self.implicit_bytes += sum(len(x) for x in todo)
        if self.implicit_bytes > MAX_IMPLICIT_BYTES:
            raise InputError(f"layer {layer}: its members imply more than {MAX_IMPLICIT_BYTES} bytes of parent"
                             " directory paths that no layer lists (very deep paths without their directories)",
                             hint="a hostile or broken layer? raise the limit with GOLAYER_MAX_IMPLICIT_DIR_BYTES")
        for d in reversed(todo):
            cur = self.entries.get(d)
            if cur is not None:
                self._hide(d, layer, info)
            e = TEntry(d, "dir", 0, 0o755, 0, 0, layer, None, None)
            self.entries[d] = e
            self.children[d] = set()
            if d != "/":
                self.children[_parent(d)].add(d)

    def _subtree_bytes(self, path: str) -> int:
        """dive's size for a whiteout of ``path``: its subtree's bytes when it is a directory that some
        layer declared (dive gives a directory that only exists implicitly no directory flag: 0)."""
        e = self.entries.get(path)
        if e is None or e.type != "dir" or e.rec is None:
            return 0
        total = 0
        stack = [path]
        entries, children = self.entries, self.children
        while stack:
            for k in children.get(stack.pop(), ()):
                c = entries[k]
                if c.type == "file":
                    total += c.size
                elif c.type == "dir":
                    stack.append(k)
        return total

    def apply(self, index: int, rec: LayerRecord, info: LayerInfo) -> None:
        """Stack ``rec`` as layer ``index``. A record stacked a second time (the same blob listed
        twice in a manifest) is applied again with copies of its entries: like Docker, which
        extracts it once per position, its files count twice and the lower copy is hidden."""
        entries = self.entries
        children = self.children
        self.stacked += len(rec.members) + len(rec.whiteouts)
        if self.stacked > MAX_STACKED_ENTRIES:
            raise InputError(f"layer {index}: the layers hold more than {MAX_STACKED_ENTRIES:,} entries in all",
                             hint="raise the limit with GOLAYER_MAX_ENTRIES (memory grows with it)")
        members = rec.members
        if id(rec) in self._applied:
            members = [e.copy() for e in rec.members]
        self._applied.add(id(rec))
        # 1. opaque directories: hide the lower children
        for d in rec.opaques:
            cur = entries.get(d)
            if cur is not None and cur.type == "dir":
                for k in list(children.get(d, ())):
                    self._hide(k, index, info)
        # 2. whiteouts (dive sizes taken before the deletion)
        wsizes: dict[str, int] = {}
        for p in rec.whiteouts:
            wsizes[p] = self._subtree_bytes(p)
            if p in entries:
                self._hide(p, index, info)
        info.deleted_paths += len(rec.whiteouts)
        # 3. members
        added = files = 0
        hidden = self.hidden
        last = None  # the parent directory of the previous member (tar members come grouped by directory)
        kids: set[str] = set()
        for e in members:
            e.layer = index
            p = e.path
            parent = p[: p.rfind("/")] or "/"
            if parent != last:
                pe = entries.get(parent)
                if pe is None or pe.type != "dir":
                    self._mkdirs(parent, index, info)
                kids = children[parent]
                last = parent
            t = e.type
            old = entries.get(p)
            if old is not None:
                ot = old.type
                if ot == "dir":
                    if t == "dir":
                        entries[p] = e
                        continue
                    self._hide(p, index, info)
                    last = None  # the hidden subtree may hold the cached parent
                else:
                    del entries[p]
                    if ot == "file":
                        meta = (t == "file" and e.size == old.size
                                and (e.mode != old.mode or e.uid != old.uid or e.gid != old.gid))
                        hidden.append((old, index, meta))
                        info.hidden_bytes += old.size
                        if meta:
                            info.metadata_only_bytes += old.size
            entries[p] = e
            kids.add(p)
            if t == "file":
                added += e.size
                files += 1
            elif t == "dir":
                children.setdefault(p, set())
            elif t == "hardlink":
                tgt = entries.get(e.linkname)
                if tgt is not None and tgt.type == "hardlink":
                    tgt = tgt.target
                if tgt is not None and tgt.type == "file":
                    e.target = tgt
                else:
                    self.problems.append(f"layer {index}: hardlink {p} -> {e.linkname} points at no file"
                                         " in this or a lower layer")
        info.added_bytes += added
        info.files += files
        info.entries = rec.entries
        self.total_bytes += added
        self.problems.extend(rec.problems)
        self.dive.layer(rec, wsizes)

    def finish(self) -> tuple[int, int]:
        """(visible_bytes, wasted_bytes); revives hidden files still reachable through hardlinks."""
        visible = 0
        entries = self.entries
        for e in entries.values():
            if e.type == "file":
                visible += e.size
        revive: set[int] = set()
        for e in entries.values():
            if e.type == "hardlink" and e.target is not None and entries.get(e.target.path) is not e.target:
                if id(e.target) not in revive:
                    revive.add(id(e.target))
                    visible += e.target.size
        if revive:
            self.hidden = [h for h in self.hidden if id(h[0]) not in revive]
        return visible, self.total_bytes - visible

    # ---- FileTree protocol ----------------------------------------------------------------
    def _walk(self, path: str, follow_last: bool) -> TEntry | None:
        if not path.startswith("/"):
            path = "/" + path
        comps = [c for c in path.split("/") if c and c != "."]
        hops = 0
        cur = "/"
        i = 0
        entries = self.entries
        while i < len(comps):
            c = comps[i]
            if c == "..":
                if cur == "/":
                    return None  # escapes the root
                cur = _parent(cur)
                i += 1
                continue
            nxt = cur + c if cur == "/" else cur + "/" + c
            e = entries.get(nxt)
            if e is None:
                return None
            last = i == len(comps) - 1
            if e.type == "symlink" and (follow_last or not last):
                hops += 1
                if hops > MAX_HOPS:
                    return None
                tgt = e.linkname or ""
                rest = comps[i + 1 :]
                tcomps = [x for x in tgt.split("/") if x and x != "."]
                if tgt.startswith("/"):
                    cur = "/"
                comps = tcomps + rest
                i = 0
                continue
            if not last and e.type != "dir":
                return None
            cur = nxt
            i += 1
        return entries.get(cur)

    def get(self, path: str) -> TEntry | None:
        e = self.entries.get(path)
        if e is not None and path.startswith("/") and "/./" not in path and "/../" not in path:
            # fast path: exact hit; still honour symlinked parents by checking the parent chain
            q = _parent(path)
            ok = True
            while q != "/":
                pe = self.entries.get(q)
                if pe is None or pe.type != "dir":
                    ok = False
                    break
                q = _parent(q)
            if ok:
                return e
        return self._walk(path, follow_last=False)

    def resolve(self, path: str) -> TEntry | None:
        return self._walk(path, follow_last=True)

    def read(self, entry: TEntry, limit: int | None = None) -> bytes:
        e = entry
        if e.type == "hardlink":
            e = e.target
            if e is None:
                raise InputError(f"{entry.path} is a hardlink to a file that is not in the image")
        if e.type != "file":
            raise InputError(f"{entry.path} is not a regular file ({e.type})")
        n = e.size if limit is None else max(0, min(limit, e.size))
        return e.rec.read(e, n)

    def iter(self) -> Iterator[TEntry]:
        for p, e in self.entries.items():
            if p != "/":
                yield e

    def __len__(self) -> int:
        return len(self.entries) - 1
