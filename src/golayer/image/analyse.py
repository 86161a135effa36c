"""``analyse(ref)``: source -> layers -> tree + accounting -> Go binaries -> categories.

The result (:class:`Analysis`, an :class:`~golayer.image.model.ImageAnalysis`) is what every
image check reads; nothing downstream re-reads a tar except through ``tree.read``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from golayer.errors import InputError
from golayer.image.model import BinaryInfo, ImageAnalysis, LayerInfo


# Executables without the Go build-ID note are read in full (looking for Go buildinfo) only up to
# this many bytes in total: on a Debian + gcc image the 359 non-Go ELF programs cost 1.3 s of
# scanning for nothing. Go binaries with their note (every normal `go build`) are always found.
SCAN_BYTES = 2 << 20


@dataclass
class Group:
    """Bytes of one category under one root (a GOCACHE dir, a .git dir, a module...)."""

    category: str
    path: str
    visible_bytes: int = 0
    wasted_bytes: int = 0
    files: int = 0
    layers: set[int] = field(default_factory=set)

    def to_json(self) -> dict[str, Any]:
        return {"category": self.category, "path": self.path, "visible_bytes": self.visible_bytes,
                "wasted_bytes": self.wasted_bytes, "files": self.files, "layers": sorted(self.layers)}


@dataclass
class Analysis(ImageAnalysis):
    problems: list[str] = field(default_factory=list)  # hostile/odd entries, dangling hardlinks
    groups: list[Group] = field(default_factory=list)
    hidden_entries: list[Any] = field(default_factory=list)  # TEntry, aligned with ``hidden``
    dive_wasted_bytes: int = 0
    tags: list[str] = field(default_factory=list)
    visible_files: int = 0
    seconds: float = 0.0
    binaries_available: bool = False
    source_note: str | None = None  # where a HOST/REPO reference was read from (daemon or registry)

    def close(self) -> None:
        closer = getattr(self, "_loaded", None)
        if closer is not None:
            closer.close()


def _group_path(cat: str, path: str, cz, go_mod_dirs: set[str]) -> str:
    if cat in ("go-build-cache", "go-module-cache", "go-toolchain"):
        r = cz.root_of(path)
        if r:
            return r[0]
    if cat == "vcs-metadata":
        for v in ("/.git", "/.hg", "/.svn", "/.bzr"):
            i = path.find(v + "/")
            if i >= 0:
                return path[: i + len(v)]
        return path
    if cat == "go-env-file":
        i = path.find("/go/telemetry/")
        return path[: i + 13] if i >= 0 else path
    if cat == "go-source":
        d = path.rsplit("/", 1)[0] or "/"
        q = d
        while q:
            if q in go_mod_dirs:
                return q
            q = q.rsplit("/", 1)[0]
        return d
    return path


def _head(e) -> bytes:
    rec = e.rec
    if rec is None:
        return b""
    if rec.seekable:
        return rec.read(e, min(4096, e.size))
    data = rec.captured.get(e.off)
    if data is None:
        data = rec.heads.get(e.off)
    return data[:4096] if data is not None else b""


def analyse(ref: str, *, platform: str | None = None, progress: Callable[[str], None] | None = None,
            verify: bool | None = None, entrypoint_only: bool = False) -> Analysis:
    """Analyse the image ``ref`` (see :func:`_analyse`). The cyclic garbage collector is paused
    meanwhile: an analysis allocates one long-lived object per tar entry and few cycles, and the
    collector's repeated passes over 10^5 young entries cost ~10 % of the time, for nothing."""
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        return _analyse(ref, platform=platform, progress=progress, verify=verify, entrypoint_only=entrypoint_only)
    finally:
        if was:
            gc.enable()


def _analyse(ref: str, *, platform: str | None = None, progress: Callable[[str], None] | None = None,
             verify: bool | None = None, entrypoint_only: bool = False) -> Analysis:
    """Analyse the image ``ref``. ``verify``: None checks diff_ids of streamed layers only (see
    :mod:`golayer.image.sources`), True of every layer, False of none. ``entrypoint_only``: a
    registry source may fetch only the top layers down to the one holding the entrypoint binary
    (for ``runtime --image``; the byte accounting then covers those layers only)."""
    from golayer.image import sources
    from golayer.image.categories import CATEGORIES, Categoriser, _is_go_elf
    from golayer.image.tree import Tree

    t0 = time.perf_counter()
    loaded = sources.load(ref, platform=platform, verify=verify, progress=progress, entrypoint_only=entrypoint_only)
    first = getattr(loaded, "first_layer", 0)  # > 0 when only the top layers were fetched
    config = loaded.config
    history = [h for h in (config.get("history") or []) if isinstance(h, dict) and not h.get("empty_layer")]
    diff_ids = (config.get("rootfs") or {}).get("diff_ids") or []
    tree = Tree()
    infos: list[LayerInfo] = []
    try:  # (layers that worker processes parse arrive while the lower ones are stacked)
        for i, rec in enumerate(loaded.layers):
            h = history[first + i] if first + i < len(history) else {}
            info = LayerInfo(index=i, digest=(diff_ids[first + i] if first + i < len(diff_ids) else rec.digest) or "",
                             created_by=str(h.get("created_by") or ""), comment=h.get("comment"))
            tree.apply(i, rec, info)
            infos.append(info)
    except InputError:
        finish = getattr(loaded.layers, "finish", None)
        if finish is not None:
            finish()  # a layer that fails to parse is reported before an error of the stacking, as serially
        raise
    if progress:
        progress(f"stacked {len(infos)} layers, {len(tree)} paths")
    visible, wasted = tree.finish()

    ana = Analysis(ref=ref, source_kind=loaded.kind, config=config, layers=infos, tree=tree,
                   total_bytes=tree.total_bytes, visible_bytes=visible, wasted_bytes=wasted,
                   platform=loaded.platform, tags=loaded.tags)
    ana.source_note = getattr(loaded, "note", None)
    ana._loaded = loaded  # type: ignore[attr-defined]  # keeps the blob fds for tree.read
    ana.problems = list(tree.problems)
    ana.metadata_only_bytes = sum(x.metadata_only_bytes for x in infos)
    ana.dive_efficiency, ana.dive_wasted_bytes = tree.dive.result()

    # categories by path and content signature first (the binary finder skips toolchains and caches)
    env = ana.env
    all_paths = {e.path for rec in loaded.layers for e in rec.members}
    cz = Categoriser(all_paths, env)
    go_mod_dirs = {p[:-7] for p in all_paths if p.endswith("/go.mod")}
    del all_paths  # ~50 bytes per entry: freed before the binaries are read
    for e in tree.entries.values():
        if e.type in ("file", "hardlink"):
            e.category = cz.category(e.path, False)

    # Go binaries (the gobinary module, when present in this build)
    go_paths: set[str] = set()
    try:
        from golayer.image.binaries import find_binaries  # type: ignore[import-not-found]
    except ImportError:
        find_binaries = None
    if find_binaries is not None:
        ana.binaries_available = True
        if progress:
            progress("inspecting binaries")
        try:
            bins: list[BinaryInfo] = list(find_binaries(tree, config, max_scan_bytes=SCAN_BYTES))
        except Exception as exc:  # a bug there must not hide the byte accounting
            ana.problems.append(f"binary inspection failed: {type(exc).__name__}: {exc}")
            bins = []
        ana.binaries = bins
        go_paths = {b.path for b in bins if b.is_go}

    cats: dict[str, dict[str, int]] = {c: {"visible_bytes": 0, "wasted_bytes": 0} for c in CATEGORIES}
    groups: dict[tuple[str, str], Group] = {}
    signature = ("go-build-cache", "go-module-cache", "go-toolchain", "go-source", "vcs-metadata", "go-env-file")
    fallback = ("other", "os-base", "go-source")  # categories a Go binary outranks

    def is_go(e, visible_entry: bool) -> bool:
        if visible_entry and find_binaries is not None:
            return e.path in go_paths
        if not (e.mode & 0o111) or e.size < 1024:
            return False
        return _is_go_elf(_head(e))

    def count(e, cat: str, field: str) -> None:
        """Add a file's bytes to its category, its layer's categories and its signature group."""
        cats[cat][field] += e.size
        lc = infos[e.layer].categories
        lc[cat] = lc.get(cat, 0) + e.size
        if cat in signature:
            key = (cat, _group_path(cat, e.path, cz, go_mod_dirs))
            g = groups.get(key) or groups.setdefault(key, Group(*key))
            setattr(g, field, getattr(g, field) + e.size)
            g.files += 1
            g.layers.add(e.layer)

    nfiles = 0
    layer_cats = [li.categories for li in infos]
    sig = frozenset(signature)
    dir_groups: dict[str, dict[str, Group]] = {c: {} for c in signature}
    for e in tree.entries.values():
        t = e.type
        if t != "file":
            if t == "hardlink" and e.path in go_paths:
                e.category = cz.category(e.path, True)
            continue
        nfiles += 1
        cat = e.category
        if cat in fallback and (e.path in go_paths if find_binaries is not None else is_go(e, True)):
            cat = e.category = cz.category(e.path, True)
        size = e.size  # count() inline
        cats[cat]["visible_bytes"] += size
        lc = layer_cats[e.layer]
        lc[cat] = lc.get(cat, 0) + size
        if cat in sig:
            # A signature group is a directory prefix of the file (a root, a .git dir, a module dir)
            # and then the same for every file of that directory and category, or the file itself
            # (a file named .git, a go env file): looked up once per (category, directory).
            p = e.path
            by_dir = dir_groups[cat]
            d = p[: p.rfind("/")]
            g = by_dir.get(d)
            if g is None:
                key = (cat, _group_path(cat, p, cz, go_mod_dirs))
                g = groups.get(key) or groups.setdefault(key, Group(*key))
                if key[1] != p:
                    by_dir[d] = g
            g.visible_bytes += size
            g.files += 1
            g.layers.add(e.layer)
    ana.visible_files = nfiles
    for e, hider, meta in tree.hidden:
        cat = cz.category(e.path, False)
        if cat in fallback and is_go(e, False):
            cat = cz.category(e.path, True)
        e.category = cat
        count(e, cat, "wasted_bytes")
        ana.hidden.append((e.path, e.size, e.layer, hider, cat))
        ana.hidden_entries.append(e)
    ana.categories = cats
    ana.groups = sorted(groups.values(), key=lambda g: (-(g.visible_bytes + g.wasted_bytes), g.path))
    ana.seconds = time.perf_counter() - t0
    return ana

