"""Attribute every byte of an image -- visible or hidden -- to exactly one category.

The names are a public contract (JSON ``categories``, ``--forbid-category``)::

    go-build-cache  go-module-cache  go-toolchain  go-source  vcs-metadata  go-env-file
    c-toolchain  package-manager-cache  go-binary  os-base  other

Caches and toolchains are recognised by their *content signature* wherever they live (a custom
``GOCACHE``/``GOMODCACHE``/``GOROOT`` is found as well as the defaults), using every path that
appears in any layer (so a cache deleted later is still recognised in the layer that added it):

* ``go-build-cache``: a directory holding ``README`` and ``trim.txt`` and at least one
  two-hex-digit subdirectory (``00`` .. ``ff``) -- the layout ``go build`` writes to GOCACHE.
* ``go-module-cache``: a directory ``D`` with ``D/cache/download/.../@v/`` -- GOMODCACHE; the
  whole of ``D`` (extracted modules and the download cache) counts.
* ``go-toolchain``: a directory with a ``VERSION`` file, ``src/runtime/`` and ``pkg/tool/`` --
  GOROOT (``/usr/local/go``, ``/usr/lib/go-1.x``, an sdk under ``~/sdk``); the ``go`` and
  ``gofmt`` binaries inside it are toolchain, not ``go-binary``.
* ``go-env-file``: ``.../.config/go/env`` (or ``$XDG_CONFIG_HOME/go/env``, or the config's
  ``GOENV``) and the Go telemetry directory ``.../go/telemetry/`` beside it.
* ``vcs-metadata``: anything inside a ``.git``, ``.hg``, ``.svn`` or ``.bzr`` directory (or a
  ``.git`` file).
* ``package-manager-cache``: apt/dpkg archives and lists, apk/yum/dnf/zypper caches, pip/npm/yarn
  caches.
* ``c-toolchain``: gcc/cc1, binutils, C headers and static libraries (``/usr/lib/gcc``,
  ``/usr/libexec/gcc``, ``/usr/include``, ``/usr/bin/{gcc,cc,c++,g++,cpp,as,ld,...}``).
* ``go-binary``: a Go ELF executable (from :mod:`golayer.image.binaries` when it is available,
  otherwise: ELF magic, an exec bit, and the Go build-ID note ``Go\\0\\0`` in the first 4 KiB).
* ``go-source``: ``*.go``, ``go.mod``, ``go.sum``, ``go.work`` outside the above (and outside
  ``/usr/share`` and ``/usr/lib``, where distributions ship Go files as documentation).
* ``os-base``: the distribution's own files (``/bin``, ``/sbin``, ``/lib*``, ``/usr`` except
  ``/usr/local``, ``/etc``, ``/var/lib/{dpkg,apt,rpm,apk}``, ...).
* ``other``: everything else.

The first matching rule in the order above wins (a ``.go`` file inside the module cache is
``go-module-cache``; a ``.git`` directory inside it too).
"""

from __future__ import annotations

import re
from typing import Iterable

CATEGORIES = ("go-build-cache", "go-module-cache", "go-toolchain", "go-source", "vcs-metadata", "go-env-file",
              "c-toolchain", "package-manager-cache", "go-binary", "os-base", "other")

_HEX2 = [f"{i:02x}" for i in range(256)]
_PKG_CACHE = ("/var/cache/apt/", "/var/lib/apt/lists/", "/var/cache/apk/", "/var/cache/yum/", "/var/cache/dnf/",
              "/var/cache/zypp/", "/var/cache/debconf/", "/root/.cache/pip/", "/root/.npm/", "/usr/local/share/.cache/",
              "/var/cache/ldconfig/", "/var/lib/dnf/", "/var/cache/pacman/")
_C_PREFIX = ("/usr/lib/gcc/", "/usr/libexec/gcc/", "/usr/include/", "/usr/lib/gcc-cross/", "/usr/lib/bfd-plugins/",
             "/usr/local/include/", "/usr/share/gcc/")
_C_BIN = frozenset({"gcc", "cc", "c++", "g++", "cpp", "as", "ld", "ld.bfd", "ld.gold", "gold", "ar", "ranlib",
                    "objdump", "objcopy", "strip", "nm", "readelf", "c89", "c99", "x86_64-linux-gnu-gcc",
                    "x86_64-linux-gnu-cpp", "x86_64-linux-gnu-as", "x86_64-linux-gnu-ld", "x86_64-linux-gnu-ld.bfd",
                    "x86_64-linux-gnu-ld.gold", "x86_64-linux-gnu-ar", "gcov", "lto-dump", "musl-gcc", "clang",
                    "aarch64-linux-gnu-gcc", "aarch64-linux-gnu-ld", "aarch64-linux-gnu-as"})
_OS_PREFIX = ("/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/", "/usr/bin/", "/usr/sbin/", "/usr/lib/",
              "/usr/lib32/", "/usr/lib64/", "/usr/libexec/", "/usr/share/", "/usr/libx32/", "/etc/", "/var/lib/dpkg/",
              "/var/lib/apt/", "/var/lib/rpm/", "/var/lib/apk/", "/var/lib/pam/", "/var/lib/systemd/", "/var/log/",
              "/var/cache/", "/lib/apk/", "/usr/games/", "/var/lib/ucf/", "/var/lib/misc/", "/var/lib/dbus/")
_DOT = re.compile(r"/(\.git|\.hg|\.svn|\.bzr)(?:/|$)|/\.cache/pip/|/\.npm/_cacache/|/\.cache/yarn/|/\.yarn/cache/")
_DISTRO_DATA = ("/usr/share/", "/usr/lib/", "/usr/lib64/")
_SRC_NAMES = frozenset({"go.mod", "go.sum", "go.work", "go.work.sum"})


def _is_go_elf(head: bytes) -> bool:
    return head[:4] == b"\x7fELF" and (b"\x04\x00\x00\x00Go\x00\x00" in head or b"\xff Go buildinf:" in head)


def _signatures_slow(seen: set[str]) -> tuple[set[str], set[str], set[str]]:
    """(build caches, module caches, GOROOTs) testing every path (what ``Categoriser`` finds with
    one string search when no path holds a newline)."""
    build, mod, goroot = set(), set(), set()
    versions = []
    for p in seen:
        if p.endswith("/trim.txt"):
            d = p[:-9]
            if d + "/README" in seen and any(d + "/" + h in seen for h in _HEX2):
                build.add(d)
        elif p.endswith("/VERSION"):
            versions.append(p[:-8])
        if "/cache/download/" in p:
            j = p.find("/cache/download/")
            if j > 0 and "/@v/" in p[j:]:
                mod.add(p[:j])
    if versions:
        parents = {q[: q.rfind("/")] for q in seen}
        parents2 = {q[: q.rfind("/")] for q in parents}
        have = seen | parents | parents2
        for d in versions:
            if d + "/src/runtime" in have and d + "/pkg/tool" in have:
                goroot.add(d)
    return build, mod, goroot


class Categoriser:
    """Built once per image from every path of every layer; then ``category(entry)`` per file."""

    def __init__(self, paths: Iterable[str], env: dict[str, str] | None = None):
        seen = paths if isinstance(paths, set) else set(paths)  # (not kept: the caller may free it)
        build, mod, goroot = set(), set(), set()
        # The signature files are rare: find them by searching all paths joined in one string (a
        # scan in C) instead of testing every path in Python.
        blob = "\n".join(["", *seen, ""])  # (one copy of every path, not two)
        if blob.count("\n") != len(seen) + 1:  # a member name holds a newline: test path by path
            blob = "\n"
            build, mod, goroot = _signatures_slow(seen)
        find = blob.find
        versions = []
        for suffix, out in (("/trim.txt\n", None), ("/VERSION\n", versions)):
            i = find(suffix)
            while i >= 0:
                d = blob[blob.rfind("\n", 0, i) + 1 : i]
                if out is None:
                    if d + "/README" in seen and any(d + "/" + h in seen for h in _HEX2):
                        build.add(d)
                else:
                    out.append(d)
                i = find(suffix, i + 1)
        i = find("/cache/download/")
        while i >= 0:
            start = blob.rfind("\n", 0, i) + 1
            end = find("\n", i)
            p = blob[start:end]
            j = p.find("/cache/download/")
            if j > 0 and "/@v/" in p[j:]:
                mod.add(p[:j])
            i = find("/cache/download/", end)

        def present(x: str) -> bool:
            """``x`` is a path, or the parent or grandparent of one (tars may omit directory entries)."""
            if x in seen:
                return True
            head = "\n" + x + "/"
            i = find(head)
            while i >= 0:
                end = find("\n", i + 1)
                if blob.count("/", i + len(head), end) <= 1:
                    return True
                i = find(head, end)
            return False

        for d in versions:
            if present(d + "/src/runtime") and present(d + "/pkg/tool"):
                goroot.add(d)
        self.roots: list[tuple[str, str]] = []  # (prefix with trailing slash, category), longest first
        for d in build:
            self.roots.append((d + "/", "go-build-cache"))
        for d in mod:
            self.roots.append((d + "/", "go-module-cache"))
        for d in goroot:
            self.roots.append((d + "/", "go-toolchain"))
        env = env or {}
        self.env_files = {"/root/.config/go/env"}
        if env.get("GOENV") and env["GOENV"] != "off":
            self.env_files.add(env["GOENV"])
        xdg = env.get("XDG_CONFIG_HOME")
        if xdg:
            self.env_files.add(xdg.rstrip("/") + "/go/env")
            self.roots.append((xdg.rstrip("/") + "/go/telemetry/", "go-env-file"))
        self.roots.sort(key=lambda r: -len(r[0]))
        self._root_prefixes = tuple(r[0] for r in self.roots)
        self.build_roots = sorted(build)
        self.mod_roots = sorted(mod)
        self.goroots = sorted(goroot)
        self._dirs: dict[str, tuple] = {}  # directory (with its trailing slash) -> _dir_rules()

    def root_of(self, path: str) -> tuple[str, str] | None:
        """(root dir, category) of the signature root holding ``path``, if any."""
        for prefix, cat in self.roots:
            if path.startswith(prefix):
                return prefix[:-1], cat
        return None

    def category(self, path: str, is_go_binary: bool = False) -> str:
        """The first matching rule (module doc). Every prefix a rule tests ends with ``/``, so for a
        path without a dot component it depends on the directory alone: that part is worked out once
        per directory (:meth:`_dir_rules`), only the base name is tested per file."""
        if "/." in path:
            return self._category(path, is_go_binary)
        i = path.rfind("/")
        d = path[: i + 1]
        r = self._dirs.get(d)
        if r is None:
            r = self._dirs[d] = self._dir_rules(d)
        root, early, distro, bindir, usrlib, os_base = r
        if root is not None:
            return root
        if path in self.env_files:
            return "go-env-file"
        if early is not None:
            return early
        if is_go_binary:
            return "go-binary"
        base = path[i + 1 :]
        if (base.endswith(".go") or base in _SRC_NAMES) and not distro:
            return "go-source"
        if (bindir and base in _C_BIN) or (usrlib and (base.endswith(".a") or base.endswith(".o"))):
            return "c-toolchain"
        return "os-base" if os_base else "other"

    def _dir_rules(self, d: str) -> tuple:
        """What the prefix rules say of every file directly in ``d`` (with its trailing slash):
        (signature root category, package-cache / C-toolchain category, distro data dir, binary dir,
        /usr/lib, os-base dir)."""
        root = None
        if self.roots and d.startswith(self._root_prefixes):
            for prefix, cat in self.roots:
                if d.startswith(prefix):
                    root = cat
                    break
        early = None
        if d.startswith(_PKG_CACHE):
            early = "package-manager-cache"
        elif d.startswith(_C_PREFIX):
            early = "c-toolchain"
        return (root, early, d.startswith(_DISTRO_DATA), d.startswith(("/usr/bin/", "/bin/", "/usr/local/bin/")),
                d.startswith("/usr/lib/"), d.startswith(_OS_PREFIX))

    def _category(self, path: str, is_go_binary: bool = False) -> str:
        """:meth:`category` rule by rule (paths with a dot component: env files, VCS, user caches)."""
        if self.roots and path.startswith(self._root_prefixes):
            for prefix, cat in self.roots:
                if path.startswith(prefix):
                    return cat
        if "/." in path:  # every env-file, VCS and user-cache path has a dot directory
            if path in self.env_files or path.endswith("/.config/go/env") or "/.config/go/telemetry/" in path:
                return "go-env-file"
            m = _DOT.search(path)
            if m:
                return "vcs-metadata" if m.group(1) else "package-manager-cache"
        elif path in self.env_files:
            return "go-env-file"
        if path.startswith(_PKG_CACHE):
            return "package-manager-cache"
        if path.startswith(_C_PREFIX):
            return "c-toolchain"
        i = path.rfind("/")
        base = path[i + 1 :]
        if is_go_binary:
            return "go-binary"
        if (base.endswith(".go") or base in _SRC_NAMES) and not path.startswith(_DISTRO_DATA):
            return "go-source"  # (.go files a distribution ships as docs or data stay os-base)
        if (path.startswith(("/usr/bin/", "/bin/", "/usr/local/bin/")) and base in _C_BIN) or \
                (path.startswith("/usr/lib/") and (base.endswith(".a") or base.endswith(".o"))):
            return "c-toolchain"
        if path.startswith(_OS_PREFIX):
            return "os-base"
        return "other"
