"""Which Go sources of the build context end up in the image's binaries.

:func:`golayer.dockerfile.final.go_source_facts` scans every non-test Go file of the context. A
repository often holds several programs (``cmd/server``, ``cmd/agent``, tools under ``hack/``) and
a Dockerfile builds one of them: a ``time.LoadLocation`` call in the server says nothing about the
agent's image. :func:`binary_source_facts` narrows the facts that make findings — files calling
``time.LoadLocation`` and files making TLS client connections — to the packages the binaries in the
target stage are built from and the packages of the same module they import, transitively.

It narrows only when every Go binary of the target is known: each ``go build``/``go install`` that
produces one names its packages as ``.``, ``./dir``, a file list, or an import path under the
context's module (``go.mod`` at the context root), runs in a directory that a ``COPY`` of the
whole context put there, and each package directory exists and holds Go files. Otherwise the
whole-context facts stand (unknown means no narrowing, never a guess). Imports are read from
``import`` declarations of each package's non-test files, whatever their build constraints (a
file for another OS counts: narrowing keeps more, never less, than the binary holds). Packages of
other modules (a nested ``go.mod``, ``replace`` directives) are not followed; their files are
dropped from the narrowed lists, which can only remove findings.
"""

from __future__ import annotations

import os
import posixpath
import re
from typing import Any

from golayer.dockerfile.model import DockerfileModel, is_unknown
from golayer.limits import read_at_most

_MAX_PACKAGES = 2000
_MAX_READ = 256 * 1024  # imports are at the top of a file
_IMPORT_BLOCK = re.compile(rb'(?m)^import\s*\((.*?)\)', re.S)
_IMPORT_ONE = re.compile(rb'(?m)^import\s+(?:[\w.]+\s+)?"([^"\n]+)"')
_QUOTED = re.compile(rb'"([^"\n]+)"')


def _imports(path: str) -> frozenset[str]:
    """The import paths of one Go file (once per run inside ``final.batch``)."""
    from golayer.dockerfile.context import _batched

    return _batched(("goimports", path), lambda: _read_imports(path))


_DECLS = (b"\nfunc ", b"\ntype ", b"\nvar ", b"\nconst ")


def _read_imports(path: str) -> frozenset[str]:
    try:
        with open(path, "rb") as fh:
            data = read_at_most(fh, _MAX_READ)
    except OSError:
        return frozenset()
    # Go puts every import before the first declaration: only that head is searched
    ends = [i for i in (data.find(d) for d in _DECLS) if i >= 0]
    if ends:
        data = data[:min(ends)]
    out: set[str] = set()
    for m in _IMPORT_BLOCK.finditer(data):
        for line in m.group(1).split(b"\n"):
            line = line.split(b"//", 1)[0]
            q = _QUOTED.search(line)
            if q:
                out.add(q.group(1).decode("utf-8", "replace"))
    for m in _IMPORT_ONE.finditer(data):
        out.add(m.group(1).decode("utf-8", "replace"))
    return frozenset(out)


def _package_dirs(model: DockerfileModel, module: str | None) -> list[str] | None:
    """Context-relative directories of the main packages of the target's Go binaries, or None."""
    from golayer.dockerfile import final, gofacts

    target = model.target
    if target is None:
        return None
    binaries = [b for _, b in final.binaries_copied_into(model, target)] + final.binaries_built_in(model, target)
    if not binaries:
        return None
    out: list[str] = []
    for b in binaries:
        cmd, ins = b.command, b.instruction
        if cmd.go is None:
            return None
        cwd = gofacts.command_dir(ins, cmd)
        if cwd is None:
            return None
        base = final._context_path_in(b.stage, cwd)
        pkgs = [p for p in cmd.go.packages if p] or ["."]
        if all(p.endswith(".go") for p in pkgs):  # `go build main.go util.go`: the files' package
            dirs = {posixpath.dirname(p) or "." for p in pkgs}
            pkgs = sorted(d if d.startswith(("/", ".")) else "./" + d for d in dirs)
        for p in pkgs:
            if is_unknown(p) or "$" in p or "..." in p or "@" in p or p.endswith(".go"):
                return None
            if p.startswith("/"):
                rel = final._context_path_in(b.stage, p)
                if rel is None:
                    return None
            elif p == "." or p.startswith(("./", "../")):
                if base is None:
                    return None
                rel = posixpath.normpath(posixpath.join(base, p)) if base else posixpath.normpath(p)
                if rel == ".":
                    rel = ""
                if rel.startswith(".."):
                    return None
            elif module and (p == module or p.startswith(module + "/")):
                rel = p[len(module) + 1:] if p != module else ""
            else:
                return None
            out.append(rel)
    return sorted(set(out))


def reachable_dirs(model: DockerfileModel) -> set[str] | None:
    """Context-relative directories ("" = root) of every package of the context's module that the
    target's Go binaries are built from, or None when that cannot be known (see the module doc)."""
    if "_go_reach" in model.__dict__:
        return model.__dict__["_go_reach"]
    got = _reachable(model)
    model.__dict__["_go_reach"] = got
    return got


def _reachable(model: DockerfileModel) -> set[str] | None:
    from golayer.dockerfile import final

    ctx = getattr(model.context, "dir", None)
    if ctx is None:
        return None
    module = model.context.gomod.module if model.context.gomod else None
    starts = _package_dirs(model, module)
    if not starts:
        return None
    root = str(ctx)
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        files = final.go_dir(os.path.join(root, rel) if rel else root)[1]
        if not files:
            if rel in starts:
                return None  # a main package golayer cannot see: unknown
            continue
        seen.add(rel)
        if len(seen) > _MAX_PACKAGES:
            return None
        if not module:
            continue
        for f in files:
            for imp in _imports(f):
                if imp.startswith(module + "/"):
                    todo.append(imp[len(module) + 1:])
    return seen


class _Narrowed:
    """A view of a context's GoSourceFacts whose ``load_location`` and ``outbound_tls`` keep only files
    of the target's packages; everything else is the context's. Narrowing is worked out only when a
    rule reads a list that is not empty, so a rule reading one fact costs no more than before."""

    def __init__(self, src: Any, model: DockerfileModel) -> None:
        self._src = src
        self._model = model
        self.files = src.files
        self.imports_tzdata = src.imports_tzdata

    # the context's facts, read through (some are computed lazily: reading them here would compute them)
    @property
    def imports_c(self) -> list[str]:
        return self._src.imports_c

    @property
    def cgo_modules(self) -> list[str]:
        return self._src.cgo_modules

    def _narrow(self, rels: list[str]) -> list[str]:
        if not rels:
            return rels
        dirs = reachable_dirs(self._model)
        if dirs is None:
            return rels
        return [r for r in rels if posixpath.dirname(r) in dirs]

    @property
    def load_location(self) -> list[str]:
        return self._narrow(self._src.load_location)

    @property
    def outbound_tls(self) -> list[str]:
        return self._narrow(self._src.outbound_tls)

    @property
    def opened_files(self) -> list[tuple[str, str]]:
        return self._src.opened_files


def binary_source_facts(model: DockerfileModel) -> Any:
    """:func:`~golayer.dockerfile.final.go_source_facts` with ``load_location`` and ``outbound_tls``
    narrowed to the packages of the target's binaries (unchanged when those are unknown); None when
    the context has no scannable Go sources."""
    from golayer.dockerfile import final

    src = final.go_source_facts(model)
    if src is None:
        return None
    got = model.__dict__.get("_binary_source_facts")
    if got is None:
        got = model.__dict__["_binary_source_facts"] = _Narrowed(src, model)
    return got
