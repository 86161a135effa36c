"""Well-known container images and their language, from ``images.toml``.

``lookup("docker.io/library/redis:7")`` -> :class:`KnownImage` (``go=False``, ``what="Redis… (C/C++)"``);
an image not listed gives ``None`` — unknown, and golayer says so instead of guessing.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("images.toml")
_HUB = {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}


@dataclass(frozen=True)
class KnownImage:
    go: bool
    what: str
    pattern: str  # the entry's pattern that matched
    sets_gomemlimit: str | None = None  # the program sets GOMEMLIMIT itself by default (why)


def normalise(ref: str) -> tuple[str, str]:
    """``docker.io/library/nginx:1.27@sha256:..`` -> ("nginx", "1.27"): lower-case repository
    without Docker Hub prefixes (mirrors keeping ``.../library/NAME`` count as Docker Hub), and the
    tag ("latest" when absent, "" with only a digest)."""
    ref = ref.strip()
    digest = ""
    if "@" in ref:
        ref, _, digest = ref.partition("@")
    name, tag = ref, ""
    slash, colon = ref.rfind("/"), ref.rfind(":")
    if colon > slash:
        name, tag = ref[:colon], ref[colon + 1:]
    parts = name.lower().split("/")
    if len(parts) > 1 and parts[0] in _HUB:
        parts = parts[1:]
    if parts and parts[0] == "library" and len(parts) > 1:
        parts = parts[1:]
    elif len(parts) > 2 and "library" in parts[1:-1] and ("." in parts[0] or ":" in parts[0]):
        parts = parts[parts.index("library", 1) + 1:]  # mirror.gcr.io/library/nginx, .../docker/library/nginx
    return "/".join(parts), tag or ("" if digest else "latest")


@lru_cache(maxsize=1)
def entries() -> list[dict[str, Any]]:
    from golayer.knowledge import load

    data = load(DATA.name)
    out = []
    for e in data.get("image", []):
        out.append({"repos": [str(r).lower() for r in e["repos"]], "tags": [str(t) for t in e.get("tags", [])],
                    "go": bool(e["go"]), "what": str(e["what"]), "examples": [str(x) for x in e.get("examples", [])],
                    "sets_gomemlimit": e.get("sets-gomemlimit")})
    return out


@lru_cache(maxsize=1)
def _screen() -> tuple[frozenset[str], list[tuple[str, str, str]]]:
    """The entries' repository globs for a quick "is it in any entry?" test: literal names, and for
    each glob the literal text before its first and after its last wildcard (necessary conditions,
    tested with str methods before the glob itself). Most images of a project are its own."""
    from golayer.knowledge import glob_bounds

    literal: set[str] = set()
    globs: list[tuple[str, str, str]] = []
    for e in entries():
        for p in e["repos"]:
            bounds = glob_bounds(p)
            if bounds is None:
                literal.add(p)
            else:
                globs.append((*bounds, p))
    return frozenset(literal), globs


@lru_cache(maxsize=1)
def _globs_by_first() -> dict[str, list[tuple[str, str, str]]]:
    """The globs of :func:`_screen` by the first character of their literal head ("" when they start
    with a wildcard)."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for g in _screen()[1]:
        out.setdefault(g[0][:1], []).append(g)
    return out


def _in_some_entry(repo: str) -> bool:
    if repo in _screen()[0]:
        return True
    by_first = _globs_by_first()
    return any(repo.startswith(head) and repo.endswith(tail) and fnmatch.fnmatchcase(repo, p)
               for first in ("", repo[:1]) for head, tail, p in by_first.get(first, ()))


@lru_cache(maxsize=4096)
def lookup(ref: str | None) -> KnownImage | None:
    """The first entry whose repository (and tag, when the entry names tags) globs match."""
    if not ref or "$" in ref:
        return None  # an uninterpolated variable: the real name is unknown
    repo, tag = normalise(ref)
    if not repo:
        return None
    if not _in_some_entry(repo):
        return None
    from golayer.knowledge import glob_match

    for e in entries():
        for pat in e["repos"]:
            if glob_match(repo, pat):
                if e["tags"] and not any(glob_match(tag, t) for t in e["tags"]):
                    break
                return KnownImage(go=e["go"], what=e["what"], pattern=pat, sets_gomemlimit=e["sets_gomemlimit"])
    return None
