"""Find the Go executables in an image's final filesystem and check that they can start there.

``find_binaries(tree, config)`` walks the merged tree once and returns a
:class:`~golayer.image.model.BinaryInfo` for

* every Go ELF executable (full inspection: buildinfo, linkage, ``.gopclntab`` names, sizes), and
* the image's entrypoint program when it is an ELF that is not Go (linkage only matters there:
  a dynamic ``/bin/sh`` or C program whose loader is missing fails the same way).

Then it resolves, *inside the image* and following the image's own symlinks, the program
interpreter (``PT_INTERP``) and every ``DT_NEEDED`` library of each dynamic binary the way the
dynamic loader would search for it, and lists what does not resolve in ``BinaryInfo.missing``.
Nothing from the image is ever executed.

How a file is recognised cheaply: only regular files with an executable bit (or the entrypoint)
are looked at; 4 bytes decide "ELF or not"; the first 16 KiB hold the program headers and, in
every Go binary built with a build ID, the ``Go`` ELF note. Executables without that note (e.g.
``-ldflags=-buildid=``) are read in full only while a byte budget lasts. Files inside a Go
toolchain, build cache or module cache (categories from the categoriser, when it ran first) are
skipped: they are build debris, reported by the category checks, not programs the image runs.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from typing import Any, Iterable

from golayer.errors import GolayerError
from golayer.image.gobinary import MACHINES, go_note, inspect_elf
from golayer.image.model import BinaryInfo, Entry, FileTree

ELF_MAGIC = b"\x7fELF"
# what a FileTree read may raise for one bad member (truncated blob, dangling hardlink, ...):
# that file is skipped, the others are still inspected
_READ_ERRORS = (OSError, ValueError, EOFError, GolayerError)
HEAD_BYTES = 16 * 1024
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SKIP_CATEGORIES = frozenset({"go-toolchain", "go-build-cache", "go-module-cache", "c-toolchain"})
SHARED_LIB = re.compile(r"\.so(\.[0-9]+)*$")

# Limits (overridable through find_binaries' keyword arguments)
MAX_FILE_BYTES = 512 << 20  # one binary larger than this is not read
MAX_TOTAL_BYTES = 2 << 30  # all full reads together
MAX_SCAN_BYTES = 256 << 20  # full reads of executables without a Go note, looking for buildinfo
# distinct (directory, library) lookups while resolving DT_NEEDED of all binaries together
MAX_LIB_LOOKUPS = 200_000


def image_config(config: dict[str, Any] | None) -> dict[str, Any]:
    """The ``config`` object of an image config JSON (accepts the inner object too)."""
    config = config or {}
    inner = config.get("config")
    if isinstance(inner, dict):
        return inner
    return config if any(k in config for k in ("Env", "Entrypoint", "Cmd")) else {}


def image_env(config: dict[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in image_config(config).get("Env") or []:
        k, _, v = str(item).partition("=")
        out[k] = v
    return out


def entrypoint_argv(config: dict[str, Any] | None) -> list[str]:
    cfg = image_config(config)
    ep = cfg.get("Entrypoint") or []
    cmd = cfg.get("Cmd") or []
    argv = list(ep) + list(cmd) if ep else list(cmd)
    return [str(a) for a in argv]


def entrypoint_path(tree: FileTree, config: dict[str, Any] | None) -> tuple[str | None, Entry | None]:
    """(argv[0] as the runtime sees it, the entry it resolves to in the image)."""
    argv = entrypoint_argv(config)
    if not argv or not argv[0]:
        return None, None
    prog = argv[0]
    cfg = image_config(config)
    if prog.startswith("/"):
        return prog, _resolve_file(tree, prog)
    if "/" in prog:  # relative to WorkingDir
        wd = cfg.get("WorkingDir") or "/"
        full = posixpath.normpath(posixpath.join(wd, prog))
        return prog, _resolve_file(tree, full)
    for d in (image_env(config).get("PATH") or DEFAULT_PATH).split(":"):
        if d.startswith("/"):
            e = _resolve_file(tree, posixpath.join(d, prog))
            if e is not None:
                return prog, e
    return prog, None


def _resolve_file(tree: FileTree, path: str) -> Entry | None:
    try:
        e = tree.resolve(path)
    except (OSError, ValueError, RecursionError, GolayerError):
        return None
    if e is None or e.type not in ("file", "hardlink"):
        return None
    return e


def find_binaries(
    tree: FileTree,
    config: dict[str, Any] | None,
    *,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_scan_bytes: int = MAX_SCAN_BYTES,
    skip_categories: Iterable[str] = SKIP_CATEGORIES,
    max_lib_lookups: int = MAX_LIB_LOOKUPS,
) -> list[BinaryInfo]:
    """Every Go binary (and a non-Go ELF entrypoint) with linkage resolved inside the image."""
    skip = frozenset(skip_categories)
    _argv0, ep_entry = entrypoint_path(tree, config)
    ep_path = ep_entry.path if ep_entry is not None else None
    etc_files: list[str] = []
    out: list[BinaryInfo] = []
    facts_of: dict[str, Any] = {}
    total = scanned = 0
    seen_targets: dict[str, BinaryInfo] = {}

    def full_read(e: Entry) -> bytes | None:
        nonlocal total
        if e.size > max_file_bytes or total + e.size > max_total_bytes:
            return None
        data = tree.read(e)
        total += len(data)
        return data

    for e in tree.iter():
        if e.path.startswith("/etc/") and e.type in ("file", "hardlink", "symlink"):
            etc_files.append(e.path)
        if e.type not in ("file", "hardlink"):
            continue
        is_ep = e.path == ep_path
        if not is_ep:
            if e.category in skip or not (e.mode & 0o111) or (e.type == "file" and e.size < 64):
                continue
        try:
            if tree.read(e, 4) != ELF_MAGIC:
                continue
            head = tree.read(e, HEAD_BYTES)
        except _READ_ERRORS:
            continue
        key = e.linkname if e.type == "hardlink" and e.linkname else e.path
        if key in seen_targets and not is_ep:  # another name of a file already inspected
            prev = seen_targets[key]
            if prev.is_go:
                clone = BinaryInfo(**{**prev.__dict__, "path": e.path})
                out.append(clone)
                facts_of[e.path] = facts_of.get(prev.path)
            continue
        size = e.size if e.type == "file" else _target_size(tree, e)
        if go_note(head):
            pass
        elif is_ep:
            pass
        elif SHARED_LIB.search(e.path) or scanned + size > max_scan_bytes:
            continue
        else:
            scanned += size
        data = None
        why = (f"not read in full: {size} bytes exceed the read budget "
               f"(per file {max_file_bytes}, total {max_total_bytes})")
        if size <= max_file_bytes and total + size <= max_total_bytes:
            try:
                data = full_read(e)
            except _READ_ERRORS as exc:
                data, why = None, f"could not read the file from the image: {exc}"
        if data is None:
            info, facts = inspect_elf(head, e.path)
            info.size = size
            noted = go_note(head)
            if noted or is_ep:
                info.is_go = info.is_go or noted
                info.error = why
            else:
                continue
        else:
            info, facts = inspect_elf(data, e.path)
            del data
        seen_targets[key] = info
        if not info.is_go and not is_ep:
            continue
        out.append(info)
        facts_of[e.path] = facts

    env = image_env(config)
    ldconf = _ld_so_conf_dirs(tree, etc_files)
    look = Lookup(tree, max_lib_lookups)
    for info in out:
        facts = facts_of.get(info.path)
        try:
            info.missing = missing_for(tree, info, facts, ldconf, env, look)
        except LookupBudget:
            info.missing = []  # unknown, so silent
            note = (f"library resolution stopped after {max_lib_lookups:,} lookups (search directories x"
                    " needed libraries); missing libraries were not checked")
            info.error = f"{info.error}; {note}" if info.error else note
    out.sort(key=lambda b: b.path)
    return out


def _target_size(tree: FileTree, e: Entry) -> int:
    if e.linkname:
        t = tree.get(e.linkname if e.linkname.startswith("/") else "/" + e.linkname)
        if t is not None:
            return t.size
    return e.size


# -- library resolution ----------------------------------------------------------------------------
def _read_text(tree: FileTree, path: str, limit: int = 64 * 1024) -> str | None:
    e = _resolve_file(tree, path)
    if e is None:
        return None
    try:
        return tree.read(e, limit).decode("utf-8", "replace")
    except _READ_ERRORS:
        return None


def _ld_so_conf_dirs(tree: FileTree, etc_files: list[str]) -> list[str]:
    """Directories listed in /etc/ld.so.conf and the files it includes (glob patterns expanded
    against the image's own /etc)."""
    dirs: list[str] = []
    seen: set[str] = set()

    def parse(path: str, depth: int) -> None:
        if depth > 8 or path in seen:
            return
        seen.add(path)
        text = _read_text(tree, path)
        if text is None:
            return
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("include"):
                for pat in line.split()[1:]:
                    if not pat.startswith("/"):
                        pat = posixpath.join(posixpath.dirname(path), pat)
                    for f in sorted(p for p in etc_files if fnmatch.fnmatchcase(p, pat)):
                        parse(f, depth + 1)
            elif line.startswith("hwcap"):
                continue
            else:
                for d in re.split(r"[\s:,]+", line):
                    if d.startswith("/") and d not in dirs:
                        dirs.append(d.rstrip("/") or "/")

    parse("/etc/ld.so.conf", 0)
    return dirs


def search_dirs(info: BinaryInfo, facts: Any, ldconf: list[str], env: dict[str, str],
                tree: FileTree | None = None) -> list[str]:
    """Directories the dynamic loader named by PT_INTERP searches, in order."""
    origin = posixpath.dirname(info.path)
    bits = getattr(facts, "bits", 64) or 64
    machine = getattr(facts, "machine", 62)
    runpath = list(getattr(facts, "runpath", []) or [])
    rpath = list(getattr(facts, "rpath", []) or [])

    def expand(ds: Iterable[str]) -> list[str]:
        out = []
        for d in ds:
            d = d.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
            if d.startswith("/"):
                out.append(posixpath.normpath(d))
        return out

    dirs: list[str] = []
    if rpath and not runpath:
        dirs += expand(rpath)
    dirs += expand((env.get("LD_LIBRARY_PATH") or "").split(":"))
    dirs += expand(runpath)
    interp = info.interpreter or ""
    if "musl" in interp:
        arch = posixpath.basename(interp)[len("ld-musl-"):].split(".so")[0] if "ld-musl-" in interp else ""
        text = _read_text(tree, f"/etc/ld-musl-{arch}.path") if tree is not None and arch else None
        if text is not None:
            dirs += expand(re.split(r"[\s:]+", text))
        else:
            dirs += ["/lib", "/usr/local/lib", "/usr/lib"]
    else:
        triplet = MACHINES.get(machine, ("", ""))[1]
        if machine == 21 and getattr(facts, "big_endian", False):
            triplet = "powerpc64-linux-gnu"
        dirs += ldconf
        for t in triplet.split(":") if triplet else ():
            dirs += [f"/lib/{t}", f"/usr/lib/{t}"]
        if bits == 64:
            dirs += ["/lib64", "/usr/lib64"]
        dirs += ["/lib", "/usr/lib"]
    seen: set[str] = set()
    return [d for d in dirs if not (d in seen or seen.add(d))]


def _lib_matches(tree: FileTree, e: Entry, facts: Any) -> bool:
    """The loader skips libraries of another ELF class or machine and keeps searching."""
    try:
        head = tree.read(e, 20)
    except _READ_ERRORS:
        return False
    if len(head) < 20 or head[:4] != ELF_MAGIC:
        # linker scripts (libc.so text files) are not loadable either
        return False
    if facts is None:
        return True
    bits = 64 if head[4] == 2 else 32
    order = "big" if head[5] == 2 else "little"
    machine = int.from_bytes(head[18:20], order)
    return bits == (facts.bits or bits) and machine == (facts.machine or machine)


class LookupBudget(Exception):
    """More distinct library lookups than the budget allows."""


class Lookup:
    """Library resolution for one image: every path, directory and (directory, library, ELF class)
    is resolved once, and one binary's answer is shared by every binary with the same interpreter,
    needed list and search path. The work is then bounded by the distinct lookups (``budget``),
    not needed libraries x search directories x binaries."""

    def __init__(self, tree: FileTree, budget: int = MAX_LIB_LOOKUPS):
        self.tree = tree
        self.budget = budget
        self.files: dict[str, Entry | None] = {}
        self.dirs: dict[str, bool] = {}
        self.libs: dict[tuple, bool] = {}
        self.answers: dict[tuple, list[str]] = {}

    def file(self, path: str) -> Entry | None:
        if path not in self.files:
            self.files[path] = _resolve_file(self.tree, path)
        return self.files[path]

    def is_dir(self, d: str) -> bool:
        hit = self.dirs.get(d)
        if hit is None:
            try:
                e = self.tree.resolve(d)
            except (OSError, ValueError, RecursionError, GolayerError):
                e = None
            hit = self.dirs[d] = e is not None and e.type == "dir"
        return hit

    def lib(self, d: str, lib: str, facts: Any) -> bool:
        key = (d, lib, getattr(facts, "bits", None), getattr(facts, "machine", None))
        hit = self.libs.get(key)
        if hit is None:
            if len(self.libs) >= self.budget:
                raise LookupBudget
            e = self.file(posixpath.join(d, lib))
            hit = self.libs[key] = e is not None and _lib_matches(self.tree, e, facts)
        return hit


def missing_for(tree: FileTree, info: BinaryInfo, facts: Any, ldconf: list[str],
                env: dict[str, str], look: Lookup | None = None) -> list[str]:
    """The interpreter and DT_NEEDED libraries of ``info`` that do not resolve in the image."""
    if not info.interpreter and not info.needed:
        return []
    look = look or Lookup(tree)
    dirs = [d for d in search_dirs(info, facts, ldconf, env, tree) if look.is_dir(d)]
    key = (info.interpreter, tuple(info.needed), tuple(dirs), getattr(facts, "bits", None),
           getattr(facts, "machine", None), posixpath.dirname(info.path))
    known = look.answers.get(key)
    if known is not None:
        return list(known)
    missing: list[str] = []
    if info.interpreter:
        if look.file(info.interpreter) is None:
            missing.append(info.interpreter)
    for lib in dict.fromkeys(info.needed):
        if "/" in lib:
            path = lib if lib.startswith("/") else posixpath.join(posixpath.dirname(info.path), lib)
            if look.file(posixpath.normpath(path)) is None:
                missing.append(lib)
            continue
        if any(look.lib(d, lib, facts) for d in dirs):
            continue
        # the interpreter itself satisfies a NEEDED of its own name (ld-linux-*.so.2)
        if info.interpreter and posixpath.basename(info.interpreter) == lib and \
                info.interpreter not in missing:
            continue
        missing.append(lib)
    look.answers[key] = missing
    return list(missing)


def binary_json(b: BinaryInfo) -> dict[str, Any]:
    """The JSON entry of one binary in `golayer image --format json` (``binaries`` list): the
    contract fields ``path``, ``go_version``, ``linkage``, ``interpreter``, ``missing`` first, then
    the details. ``buildinfo`` is exactly what ``go version -m -json`` prints."""
    from golayer.image.gobinary import buildinfo_json

    bi = b.buildinfo
    return {
        "path": b.path,
        "go_version": bi.go_version if bi else None,
        "linkage": b.linkage,
        "interpreter": b.interpreter,
        "missing": list(b.missing),
        "size": b.size,
        "is_go": b.is_go,
        "needed": list(b.needed),
        "stripped": b.stripped,
        "debug_bytes": b.debug_bytes,
        "symtab_bytes": b.symtab_bytes,
        "trimpath": b.trimpath,
        "main_module": (bi.main or {}).get("Path") if bi else None,
        "cgo_enabled": bi.setting("CGO_ENABLED") if bi else None,
        "uses_system_roots": b.uses_system_roots,
        "uses_load_location": b.uses_load_location,
        "embeds_tzdata": b.embeds_tzdata,
        "buildinfo": buildinfo_json(bi) if bi else None,
        "error": b.error,
    }
