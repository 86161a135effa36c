"""``docker build`` command lines in Makefiles, shell scripts and GitHub workflows, goreleaser
``dockers:`` and Woodpecker/Drone docker plugin steps: which image name is built from which Dockerfile
(nothing is executed).

A line (continuations joined) holding ``docker build``, ``docker buildx build``, ``docker image
build`` or ``podman build`` is split like a shell would split it; ``-t/--tag``, ``-f/--file``,
``--target`` and ``--build-arg K=V`` are read, the last plain word is the context. A value that
still holds a variable (``$(IMAGE)``, ``${TAG}``) is unknown: such a tag is dropped, and a
context or Dockerfile that is unknown drops the whole line. Paths are relative to the directory
make runs in (the Makefile's) or, for scripts and workflows, to the repository root; a line whose
Dockerfile does not exist there is ignored (never guessed). A ``*.mk`` file is included by another
Makefile, so its paths are tried from the root first.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

MAX_BYTES = 2 * 1024 * 1024
_BUILD = re.compile(r"\b(?:docker|podman)\s+(?:buildx\s+build|image\s+build|build)\b")


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    buf, start = "", 0
    for i, raw in enumerate(text.splitlines(), 1):
        if not buf:
            start = i
        if raw.rstrip().endswith("\\"):
            buf += raw.rstrip()[:-1] + " "
            continue
        buf += raw
        out.append((start, buf))
        buf = ""
    if buf:
        out.append((start, buf))
    return out


def _unknown(v: str) -> bool:
    return "$" in v or "`" in v or "{{" in v


def parse_command(cmd: str) -> dict[str, Any] | None:
    m = _BUILD.search(cmd)
    if not m:
        return None
    rest = cmd[m.end():]
    rest = re.split(r"\s(?:&&|\|\||;|\|)\s|;\s*$", rest)[0]
    try:
        words = shlex.split(rest, comments=True)
    except ValueError:
        return None
    tags: list[str] = []
    dockerfile = target = None
    args: dict[str, str] = {}
    plain: list[str] = []
    with_value = {"-t", "--tag", "-f", "--file", "--target", "--build-arg", "--platform", "--label", "--secret",
                  "--ssh", "--cache-from", "--cache-to", "--output", "-o", "--progress", "--network", "--iidfile",
                  "--metadata-file", "--builder", "--build-context", "--attest", "--provenance", "--sbom",
                  "--add-host", "--shm-size", "--ulimit", "-m", "--memory", "--cgroup-parent", "--isolation"}
    i = 0
    while i < len(words):
        w = words[i]
        val = None
        if w.startswith("--") and "=" in w:
            w, val = w.split("=", 1)
        elif w in with_value and i + 1 < len(words):
            val = words[i + 1]
            i += 1
        elif w.startswith("-t") and len(w) > 2:
            w, val = "-t", w[2:]
        elif w.startswith("-f") and len(w) > 2:
            w, val = "-f", w[2:]
        i += 1
        if w in ("-t", "--tag") and val is not None:
            if not _unknown(val):
                tags.append(val)
        elif w in ("-f", "--file") and val is not None:
            dockerfile = val
        elif w == "--target" and val is not None:
            target = val
        elif w == "--build-arg" and val is not None and "=" in val:
            k, _, v = val.partition("=")
            if not _unknown(v):
                args[k] = v
        elif not w.startswith("-") and val is None:
            plain.append(w)
    if not plain:
        return None
    ctx = plain[-1]
    if _unknown(ctx) or ctx == "-" or re.match(r"^(?:[a-z]+://|git@)", ctx):
        return None
    if dockerfile is not None and (_unknown(dockerfile) or dockerfile == "-"):
        return None
    if target is not None and _unknown(target):
        target = None
    return {"context": ctx, "dockerfile": dockerfile, "target": target, "args": args, "tags": tuple(tags)}


def _text_with(path: Path, pattern: re.Pattern) -> str | None:
    """The file's text (at most MAX_BYTES) when ``pattern`` occurs in it, else None."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return text if pattern.search(text) else None


def _bases(path: Path, root: Path, kind: str) -> list[Path]:
    """Directories relative paths on its lines may start from, likeliest first: make runs in the Makefile's
    directory; a *.mk is included from elsewhere (usually the root Makefile); scripts and CI run at the root."""
    return [path.parent, root] if kind == "make" and not path.name.endswith(".mk") else [root, path.parent]


def scan(path: Path, root: Path, kind: str) -> list[dict[str, Any]]:
    """Builds named by the ``docker build`` lines of one file."""
    text = _text_with(path, _BUILD)
    if text is None:
        return []
    out = []
    bases = _bases(path, root, kind)
    for line, cmd in _lines(text):
        got = parse_command(cmd)
        if got is None:
            continue
        for base in bases:
            ctx = base / got["context"]
            df = (base / got["dockerfile"]) if got["dockerfile"] else ctx / "Dockerfile"
            if ctx.is_dir() and df.is_file():
                out.append({**got, "context": ctx, "dockerfile": df, "line": line,
                            "origin": f"{_rel(path, root)}:{line} docker build"})
                break
    return out


def goreleaser(path: Path, root: Path) -> list[dict[str, Any]]:
    """goreleaser ``dockers:`` entries: image templates <-> Dockerfile. goreleaser builds them in a
    directory holding only the built binaries and ``extra_files``: the context is not the repository."""
    try:
        from golayer.runtime.manifests import _parse_docs, read_text

        _name, text = read_text(str(path))
        docs = _parse_docs(text, str(path), 0)
    except Exception:  # noqa: BLE001 - a file we cannot read names no builds
        return []
    out = []
    doc = docs[0] if docs else None
    items = doc.get("dockers") if isinstance(doc, dict) else None
    for d in items if isinstance(items, list) else []:
        if not isinstance(d, dict):
            continue
        df = d.get("dockerfile") or "Dockerfile"
        tags = []
        for t in d.get("image_templates") or []:
            if isinstance(t, str):
                # `{{ .Version }}`-style tags: keep the name with an unknown tag out; the name alone matches
                name = t.split("{{", 1)[0].rstrip(":")
                if name and not _unknown(name) and "{{" not in t.split(":")[0]:
                    tags.append(name)
        p = root / str(df)
        if p.is_file():
            out.append({"context": None, "dockerfile": p, "target": None, "args": {}, "tags": tuple(tags),
                        "line": getattr(d, "line", 0) + 1,
                        "origin": f"{_rel(path, root)}:{getattr(d, 'line', 0) + 1} goreleaser dockers"})
    return out


def _rel(p: Path, root: Path) -> str:
    try:
        return str(p.relative_to(root))
    except ValueError:
        return str(p)


_COMPOSE = re.compile(r"\b(?:docker\s+compose|docker-compose|podman-compose|podman\s+compose)\b")


def compose_lists(path: Path, root: Path, kind: str) -> list[list[Path]]:
    """``docker compose -f A -f B ...`` lines with two or more literal files that exist: the merged
    projects a repository's own Makefiles, scripts and workflows run."""
    text = _text_with(path, _COMPOSE)
    if text is None:
        return []
    out = []
    bases = _bases(path, root, kind)
    for _line, cmd in _lines(text):
        m = _COMPOSE.search(cmd)
        if not m:
            continue
        rest = re.split(r"\s(?:&&|\|\||;|\|)\s|;\s*$", cmd[m.end():])[0]
        try:
            words = shlex.split(rest, comments=True)
        except ValueError:
            continue
        files: list[str] = []
        i = 0
        while i < len(words):
            w = words[i]
            if w in ("-f", "--file") and i + 1 < len(words):
                files.append(words[i + 1])
                i += 2
                continue
            if w.startswith("--file="):
                files.append(w.split("=", 1)[1])
            elif not w.startswith("-"):
                break  # the subcommand: options after it are its own
            i += 1
        if len(files) < 2 or any(_unknown(f) or f == "-" for f in files):
            continue
        for base in bases:
            paths = [base / f for f in files]
            if all(p.is_file() for p in paths):
                out.append(paths)
                break
    return out


# Plugins whose build command and defaults golayer knows, read from their sources: each runs
# `docker [buildx] build -f <dockerfile> <context>` in the step's working directory, with
# `dockerfile` defaulting to "Dockerfile" and `context` to "." (woodpeckerci/plugin-docker-buildx
# cmd/docker-buildx/config.go and plugin/docker.go; drone-plugins/drone-docker cmd/drone-docker/main.go).
_PLUGINS = {
    "woodpeckerci/plugin-docker-buildx": "woodpecker docker-buildx",
    "codeberg.org/woodpecker-plugins/docker-buildx": "woodpecker docker-buildx",
    "plugins/docker": "drone docker",
}


def _plugin(image: Any) -> str | None:
    """Which known docker plugin a step's ``image`` is (any tag or digest; Docker Hub spelled either way)."""
    if not isinstance(image, str) or not image.strip() or _unknown(image):
        return None
    from golayer.knowledge.bases import parse_ref

    return _PLUGINS.get(parse_ref(image).repo)


def _steps(doc: Any) -> list[tuple[str, Any, int]]:
    """(name, step, 0-based line) of a Woodpecker (``steps:`` as a mapping or a list; older
    ``pipeline:``) or Drone (``steps:`` list of a ``kind: pipeline`` document) pipeline document."""
    if not isinstance(doc, dict):
        return []
    out: list[tuple[str, Any, int]] = []
    for key in ("steps", "pipeline"):
        steps = doc.get(key)
        if isinstance(steps, dict):
            lines = getattr(steps, "key_lines", None) or {}
            out += [(str(k), v, lines.get(k, getattr(v, "line", 0))) for k, v in steps.items()]
        elif isinstance(steps, list):
            out += [(str(s.get("name", "")) if isinstance(s, dict) else "", s, getattr(s, "line", 0)) for s in steps]
    return out


def _words(v: Any) -> list[str] | None:
    """A setting that is a list or a comma-separated string (how both CIs pass lists to plugins)."""
    if isinstance(v, list):
        return [str(x) for x in v if isinstance(x, (str, int, float))]
    if isinstance(v, (str, int, float)):
        return [w.strip() for w in str(v).split(",") if w.strip()]
    return None


def pipelines(path: Path, root: Path) -> list[dict[str, Any]]:
    """Image builds of a Woodpecker or Drone pipeline file: steps running a docker build plugin. Paths
    are relative to the step's working directory (the repository root, or Woodpecker's ``directory:``);
    a context, Dockerfile or working directory that holds a variable is unknown: the step is skipped."""
    try:
        from golayer.runtime.manifests import _parse_docs, read_text

        _name, text = read_text(str(path))
        docs = _parse_docs(text, str(path), 0)
    except Exception:  # noqa: BLE001 - a file we cannot read names no builds
        return []
    out = []
    for doc in docs:
        for name, step, line0 in _steps(doc):
            if not isinstance(step, dict):
                continue
            plugin = _plugin(step.get("image"))
            settings = step.get("settings")
            if plugin is None:
                continue
            settings = settings if isinstance(settings, dict) else {}
            ctx_s, df_s, wd = settings.get("context", "."), settings.get("dockerfile", "Dockerfile"), step.get("directory", ".")
            if not all(isinstance(v, str) and v and not _unknown(v) for v in (ctx_s, df_s, wd)):
                continue
            base = root / wd
            if not (base / ctx_s).is_dir():
                continue  # a context the checkout does not hold (made by an earlier step): unknown
            target = settings.get("target")
            target = target if isinstance(target, str) and target and not _unknown(target) else None
            args: dict[str, str] = {}
            for a in _words(settings.get("build_args")) or []:
                k, eq, v = a.partition("=")
                if eq and k and not _unknown(v):
                    args[k] = v
            repos = [r for r in _words(settings.get("repo")) or [] if not _unknown(r)]
            line = line0 + 1
            out.append({"context": base / ctx_s, "dockerfile": base / df_s, "target": target, "args": args,
                        "tags": tuple(repos), "line": line,
                        "origin": f"{_rel(path, root)}:{line} {plugin} step {name}".rstrip()})
    return out
