"""Where the fetched real-world corpus lives and which of its files are Dockerfiles.

The corpus is a set of public Go repositories (bench/corpus-repos.txt: `owner/name commit` per line),
each checked out as `<corpus dir>/<owner>+<name>/`. The corpus dir is `$GOLAYER_CORPUS_DIR`, else
`$XDG_CACHE_HOME/golayer/corpus`, else `~/.cache/golayer/corpus`. `scripts/fetch-corpus` fills it.
Nothing here is ever committed to the repository.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOS_LIST = HERE / "corpus-repos.txt"
_DOCKERFILE = re.compile(r"^(Dockerfile|Containerfile)([.\-_].+)?$|.+\.(Dockerfile|dockerfile|Containerfile)$")
_SKIP = {"vendor", "node_modules", "third_party", ".git"}
PER_REPO = 25


def corpus_dir() -> Path:
    env = os.environ.get("GOLAYER_CORPUS_DIR")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "golayer" / "corpus"


def repos(listed_only: bool = True) -> list[tuple[str, str, Path]]:
    """(owner/name, commit, directory) of the listed repositories present in the corpus dir."""
    d = corpus_dir()
    out = []
    if not REPOS_LIST.is_file():
        return out
    for line in REPOS_LIST.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, commit = line.partition(" ")
        p = d / name.replace("/", "+")
        if p.is_dir():
            out.append((name, commit.strip(), p))
    return out


def dockerfiles(repo_dir: Path, limit: int = PER_REPO) -> list[Path]:
    """The repository's Dockerfiles (Dockerfile, Containerfile, Dockerfile.*, *.Dockerfile), sorted,
    outside vendor/, node_modules/ and third_party/, at most ``limit``."""
    found = []
    for root, dirs, names in os.walk(repo_dir):
        dirs[:] = sorted(x for x in dirs if x not in _SKIP)
        for n in sorted(names):
            if _DOCKERFILE.match(n) and not n.endswith(".dockerignore"):
                p = Path(root) / n
                if p.is_file():
                    found.append(p)
    return sorted(found)[:limit]


def all_dockerfiles() -> list[Path]:
    return [p for _, _, d in repos() for p in dockerfiles(d)]
