"""The build context: its directory, the ``.dockerignore`` in effect and ``go.mod``.

Pattern semantics follow BuildKit (moby/patternmatcher): patterns are cleaned paths relative to the
context root (a leading ``/`` is dropped), ``*`` and ``?`` do not cross ``/``, ``**`` matches any number
of directories, ``!pattern`` re-includes, the last matching pattern wins, and a pattern that matches a
directory excludes everything below it.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from pathlib import Path

from golayer.dockerfile.model import BuildContext, GoMod
from golayer.limits import read_at_most


def read_dockerignore(text: str) -> list[str]:
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        neg = line.startswith("!")
        if neg:
            line = line[1:].strip()
        line = _clean(line)
        if not line:
            continue
        out.append(("!" if neg else "") + line)
    return out


def _clean(p: str) -> str:
    p = p.replace("\\", "/") if "\\" in p and "/" not in p else p
    p = posixpath.normpath("/" + p.lstrip("/"))[1:] if p not in ("", "/") else "."
    return p or "."


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    out = ["^"]
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                i += 1
                # "**/" matches zero or more directories; "**" at the end matches everything
                if i + 1 < n and pattern[i + 1] == "/":
                    i += 1
                    out.append("(?:.*/)?")
                else:
                    out.append(".*")
            else:
                out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            j = pattern.find("]", i + 1)
            if j == -1:
                out.append(re.escape(ch))
            else:
                cls = pattern[i + 1 : j]
                if cls.startswith("^") or cls.startswith("!"):
                    cls = "^" + cls[1:]
                out.append("[" + cls.replace("\\", "\\\\") + "]")
                i = j
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    try:
        return re.compile("".join(out))
    except re.error:
        return re.compile(re.escape(pattern) + "$")


def _match_one(pattern: str, path: str) -> bool:
    if pattern == ".":
        return True
    rx = _regex(pattern)
    if rx.match(path):
        return True
    # a pattern matching a parent directory excludes the path too
    parts = path.split("/")
    for k in range(len(parts) - 1, 0, -1):
        if rx.match("/".join(parts[:k])):
            return True
    return False


def matches(patterns: list[str], rel_path: str) -> bool:
    """Is ``rel_path`` (relative to the context root) excluded by these .dockerignore patterns?"""
    path = _clean(rel_path)
    if path == ".":
        return False
    excluded = False
    for p in patterns:
        neg = p.startswith("!")
        pat = _clean(p[1:].strip() if neg else p)
        if _match_one(pat, path):
            excluded = not neg
    return excluded


GOMOD_LIMIT = 1 << 20  # a go.mod's directives are at its top; a bigger file is read up to here


def read_gomod_text(path: Path) -> str | None:
    """The first MiB of a go.mod (None when it cannot be read)."""
    try:
        with open(path, "rb") as fh:
            return read_at_most(fh, GOMOD_LIMIT).decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return None


def read_gomod(path: Path) -> GoMod | None:
    text = read_gomod_text(path)
    if text is None:
        return None
    go = toolchain = module = None
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if len(words) >= 2:
            key, val = words[0], words[1].strip('"`')
            if key == "go" and go is None:
                go = val
            elif key == "toolchain" and toolchain is None:
                toolchain = val
            elif key == "module" and module is None:
                module = val
    return GoMod(path=path, go=go, toolchain=toolchain, module=module)


def dockerignore_for(dockerfile: Path | None, context_dir: Path) -> Path | None:
    """The ignore file BuildKit reads: ``<dockerfile-name>.dockerignore`` next to the Dockerfile wins
    over ``<context>/.dockerignore``. A symlink leaving the Dockerfile's directory or the context is
    never read (its target could be any file of the machine)."""
    from golayer.fsutil import inside

    candidates: list[tuple[Path, Path]] = []
    if dockerfile is not None:
        candidates.append((dockerfile.with_name(dockerfile.name + ".dockerignore"), dockerfile.parent))
    candidates.append((context_dir / ".dockerignore", context_dir))
    for f, root in candidates:
        try:
            if f.is_file() and inside(f, root):
                return f
        except OSError:
            continue
    return None


def load_context(dockerfile: Path | None, context_dir: Path | None = None) -> BuildContext:
    """The build context of a Dockerfile: its directory unless ``context_dir`` is given."""
    if context_dir is None:
        context_dir = dockerfile.parent if dockerfile is not None else Path.cwd()
    ignore_file = dockerignore_for(dockerfile, context_dir)
    patterns: list[str] | None = None
    if ignore_file is not None:
        patterns = _batched(("ignore", str(ignore_file)), lambda: _read_ignore_file(ignore_file))
        patterns = list(patterns) if patterns is not None else None
    gomod = None
    if (context_dir / "go.mod").is_file():
        gomod = _batched(("gomod", str(context_dir)), lambda: read_gomod(context_dir / "go.mod"))
    return BuildContext(dir=context_dir, dockerignore=ignore_file, patterns=patterns, gomod=gomod)


def _read_ignore_file(ignore_file: Path) -> list[str] | None:
    try:
        with ignore_file.open("rb") as fh:  # bounded: a huge ignore file is not read whole
            return read_dockerignore(read_at_most(fh, 4 << 20).decode("utf-8", errors="replace"))
    except OSError:
        return None


# While golayer.dockerfile.final.batch() runs (files do not change meanwhile): what was read from the
# contexts (ignore files, go.mod, Go source listings and facts), by (kind, file), shared by the
# Dockerfiles of one run. The per-run cache of file contents (real paths: golayer.fsutil._REAL).
_BATCH: dict | None = None


def _batched(key: tuple, read):
    if _BATCH is None:
        return read()
    if key not in _BATCH:
        _BATCH[key] = read()
    return _BATCH[key]


def exists(ctx: BuildContext, rel_path: str) -> bool:
    """Is this file in the context and not excluded by .dockerignore?"""
    try:
        p = ctx.dir / rel_path
        return p.exists() and not ctx.excludes(rel_path)
    except OSError:
        return False
