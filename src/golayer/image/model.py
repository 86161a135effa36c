"""The image model every image check reads.

image source (archive / OCI / daemon) -> layer stream (tar headers + data offsets)
-> file tree (OCI whiteout semantics applied, byte accounting) -> analyses (categories,
Go binaries) -> :class:`ImageAnalysis`, which image checks read. Checks never re-read tars.

Paths are absolute and normalised (``/usr/local/bin/app``), never containing ``..``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Protocol


@dataclass(slots=True)
class Entry:
    path: str  # "/usr/local/go/bin/go"
    type: str  # "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo"
    size: int  # content bytes (0 for non-files; hardlinks count 0: their target holds the bytes)
    mode: int
    uid: int
    gid: int
    layer: int  # index of the layer that wrote this (visible) version
    linkname: str | None = None  # symlink target as stored / hardlink target path
    category: str | None = None  # filled by the categoriser (contract names, see categories.py)


class FileTree(Protocol):
    """The final (merged) filesystem of the image."""

    def get(self, path: str) -> Entry | None:
        """The entry at exactly this path; symlinks in the *last* component are not followed,
        symlinks in parent directories are (inside the image root)."""

    def resolve(self, path: str) -> Entry | None:
        """Follow symlinks (absolute targets are relative to the image root; at most 40 hops;
        a loop or a link escaping the root yields None)."""

    def read(self, entry: Entry, limit: int | None = None) -> bytes:
        """The content of a regular file (or a hardlink's target), at most ``limit`` bytes."""

    def iter(self) -> Iterator[Entry]:
        """Every visible entry."""


@dataclass
class LayerInfo:
    index: int
    digest: str  # diff_id (sha256:...)
    created_by: str  # from config.history (empty_layer entries skipped)
    comment: str | None = None
    entries: int = 0  # tar entries
    files: int = 0  # regular files added or replaced
    added_bytes: int = 0  # sum of regular file sizes in this layer's tar
    hidden_bytes: int = 0  # bytes of lower-layer files this layer hides (delete / overwrite / opaque)
    metadata_only_bytes: int = 0  # of hidden_bytes: re-writes with identical size+content (chmod/chown)
    deleted_paths: int = 0  # whiteouts
    categories: dict[str, int] = field(default_factory=dict)  # category -> added bytes in this layer


@dataclass
class BuildInfo:
    """Go buildinfo, matching ``go version -m -json`` field for field."""

    go_version: str  # "go1.22.3"
    path: str | None = None  # main package path
    main: dict[str, Any] | None = None  # {"Path", "Version", "Sum"}
    deps: list[dict[str, Any]] = field(default_factory=list)  # {"Path","Version","Sum","Replace"?}
    settings: list[dict[str, str]] = field(default_factory=list)  # [{"Key","Value"}] in order

    def setting(self, key: str) -> str | None:
        for s in self.settings:
            if s.get("Key") == key:
                return s.get("Value")
        return None

    def has_dep(self, module: str) -> bool:
        return any(d.get("Path") == module for d in self.deps)


@dataclass
class BinaryInfo:
    path: str  # where in the image
    size: int
    is_go: bool
    buildinfo: BuildInfo | None = None
    linkage: str = "static"  # "static" | "dynamic" | "static-pie"
    interpreter: str | None = None  # PT_INTERP
    needed: list[str] = field(default_factory=list)  # DT_NEEDED
    missing: list[str] = field(default_factory=list)  # interpreter / libraries that do not resolve here
    stripped: bool = True  # no .symtab
    debug_bytes: int = 0  # .debug_* / .zdebug_* sections
    symtab_bytes: int = 0
    trimpath: bool | None = None
    functions: set[str] = field(default_factory=set)  # from .gopclntab (may be limited to what checks need)
    uses_system_roots: bool = False  # crypto/x509 system root loading reachable
    uses_load_location: bool = False  # time.LoadLocation
    embeds_tzdata: bool = False  # time/tzdata linked in
    error: str | None = None  # why the binary could not be fully read (truncated ELF, ...)


@dataclass
class ImageAnalysis:
    ref: str  # as the user gave it
    source_kind: str  # "docker-archive" | "oci" | "oci-archive" | "docker" | "registry" | "containerd" | "podman"
    config: dict[str, Any]  # the image config JSON (config.Env, Entrypoint, Cmd, User, ...)
    layers: list[LayerInfo]
    tree: FileTree
    binaries: list[BinaryInfo] = field(default_factory=list)
    total_bytes: int = 0  # sum of all layers' file bytes
    visible_bytes: int = 0  # bytes of files visible in the final filesystem
    wasted_bytes: int = 0  # bytes present in layers but invisible at the end
    metadata_only_bytes: int = 0  # of wasted: chmod/chown copy-ups
    dive_efficiency: float = 1.0
    categories: dict[str, dict[str, int]] = field(default_factory=dict)  # name -> {visible_bytes, wasted_bytes}
    # hidden (wasted) files, for checks: (path, size, layer that wrote it, layer that hid it, category)
    hidden: list[tuple[str, int, int, int, str]] = field(default_factory=list)
    platform: str | None = None

    @property
    def efficiency(self) -> float:
        return self.visible_bytes / self.total_bytes if self.total_bytes else 1.0

    @property
    def env(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for item in (self.config.get("config") or {}).get("Env") or []:
            k, _, v = item.partition("=")
            out[k] = v
        return out
