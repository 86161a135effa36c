"""The whole build context is copied without a .dockerignore that keeps `.git` out.

## What it finds
A `COPY`/`ADD` of the whole build context (`COPY . .`, `COPY ./ /src/`, `ADD . /app`, `COPY * ./`) in a
stage the target needs, when

* the context has no `.dockerignore` (and no `<Dockerfile name>.dockerignore` next to the Dockerfile,
  which BuildKit prefers), or
* the `.dockerignore` in effect does not exclude `.git` and the context has a `.git` entry.

The message names the ignore file golayer read (`<Dockerfile name>.dockerignore` wins over
`.dockerignore`, as in BuildKit) and says which case it is: *no ignore file* or *an ignore file that
lets `.git` in*. It never asks to exclude `.git` from a build that reads it: a stage the target needs
runs `git describe`/`git rev-parse`/`git log`…, builds with `-buildvcs=true` (in the go command or
GOFLAGS), or COPYs `.git` — excluding `.git` would break those builds (the no-ignore-file finding then
only asks for an ignore file for what the build does not need).

It says nothing when the Dockerfile plainly is not built from the context golayer sees: a `COPY`
source (`COPY cmd/app/config.yaml /etc/app/`) does not exist there — the real context is elsewhere,
usually the repository root named by a Makefile or CI script (give it with `--context`) — or the
whole-context copy is followed by a module-mode go build while the context has no `go.mod`, `go.work`
or `.go` file at its top (the module lives in a parent directory), or the context directory holds no
module, package or build file at all (`go.mod`, `package.json`, `pom.xml`, `Makefile`, `.git`, …): a
`tests/` or `deploy/` directory that is really built with the repository root as context.

Exclusion is decided with BuildKit's own pattern rules (`**`, `!` re-includes, the last match wins), so
`.git`, `**/.git`, `.git/` and `.*` all count, and a later `!.git` undoes them.

## Why it is bad
Everything in the context is sent to the builder and lands in the layer: `.git` (often larger than the
sources and containing every past version of every file, including secrets that were "deleted" in a
later commit), local build outputs, editor files, `.env` files. A `COPY . .` whose input includes `.git`
also changes with every commit, fetch or `git gc`, so the layer and every step after it are rebuilt
even when no source file changed.

## Example
Bad: `COPY . .` with no `.dockerignore`.

Good - a `.dockerignore` next to the Dockerfile:
```
.git
**/*_test.go
bin/
.env
```

## Fix
No automatic fix: golayer cannot know which other files your build needs. Add a `.dockerignore` (or
`Dockerfile.dockerignore`) that excludes at least `.git`, or copy only what the build needs
(`COPY go.mod go.sum ./`, `COPY cmd/ cmd/`, ...).

## References
- https://docs.docker.com/build/concepts/context/#dockerignore-files
- https://docs.docker.com/reference/dockerfile/#copy
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile import final, gofacts
from golayer.dockerfile.model import DockerfileModel
from golayer.findings import Finding, Severity

RULE = Rule(
    code="GLD038",
    name="missing-dockerignore",
    severity=Severity.WARNING,
    summary="a whole-context COPY with no .dockerignore, or one that does not exclude `.git`",
)


def _show(path) -> str:
    """A path as the user gave it: relative to the working directory when below it."""
    from pathlib import Path

    try:
        rel = Path(path).resolve().relative_to(Path.cwd().resolve())
        return str(rel) if str(rel) != "." else "."
    except (ValueError, OSError):
        return str(path)


_PROJECT_MARKERS = ("go.mod", "go.work", ".git", "package.json", "pyproject.toml", "requirements.txt", "setup.py",
                    "pom.xml", "build.gradle", "build.gradle.kts", "Cargo.toml", "Gemfile", "composer.json",
                    "Makefile", "CMakeLists.txt", "docker-compose.yml", "compose.yaml", "docker-bake.hcl")


def _looks_like_a_project(d) -> bool:
    """The context directory is the top of something that is built: a module, a package, a build file."""
    try:
        return any((d / m).exists() for m in _PROJECT_MARKERS) or any(d.glob("*.go")) or any(d.glob("*.csproj"))
    except OSError:
        return True


def _has_git(model: DockerfileModel) -> bool:
    try:
        return (model.context.dir / ".git").exists()
    except OSError:
        return False


def check(model: DockerfileModel) -> Iterator[Finding]:
    ctx = model.context
    copy = next((i for i in model.instructions if i.stage is not None and i.stage.needed
                 and gofacts.is_whole_context_copy(i)), None)
    if copy is None:
        return
    if final.context_mismatch(model):
        return  # the Dockerfile is built from another context than the one golayer sees: unknown, silent
    if not _looks_like_a_project(ctx.dir):
        return  # no module, package or build file at the context's top: which directory is sent is unknown
    label = copy.stage.label if copy.stage is not None else None
    src = copy.original.strip()[:60]
    reads_git = final.build_reads_git(model)
    has_git = _has_git(model)
    if ctx.patterns is None:
        looked = f".dockerignore (nor {model.path.name}.dockerignore)"
        if has_git and not reads_git:
            what = "everything in it goes into the layer, .git included"
            hint = "add a .dockerignore that excludes at least .git (or copy only what the build needs)"
        else:
            what = "everything in it goes into the layer"
            hint = ("add a .dockerignore for what the build does not need (keep .git: the build reads it, "
                    f"{reads_git})" if reads_git else
                    "add a .dockerignore for what the build does not need (or copy only what it needs)")
        yield RULE.finding(
            f"`{src}` in stage {label} copies the whole build context {_show(ctx.dir)} and it has no {looked}: "
            f"{what}",
            line=copy.start_line, end_line=copy.end_line, stage=label, hint=hint, subject="no .dockerignore",
        )
        return
    if has_git and not reads_git and not (ctx.excludes(".git") or ctx.excludes(".git/HEAD")):
        name = _show(ctx.dockerignore) if ctx.dockerignore is not None else ".dockerignore"
        yield RULE.finding(
            f"`{src}` in stage {label} copies the whole build context and the ignore file in effect, {name}, "
            "does not exclude .git",
            line=copy.start_line, end_line=copy.end_line, stage=label,
            hint=f"add `.git` to {name}",
            subject=".git not excluded",
        )
