"""## What it finds

A `RUN` in a builder stage — a stage the target needs (through `FROM`, `COPY --from` or
`RUN --mount=from=`) that is not itself part of the image — that downloads modules (`go mod download`,
`go get`, `go mod tidy`, or a compile that is not from `vendor/`) without a cache mount on the effective
GOMODCACHE, or compiles (`go build`, `install`, `test`, `generate`, `run`, `vet`) without a cache mount on
the effective GOCACHE. A compile with `-a` rebuilds every package whatever the cache holds, so it gets no
GOCACHE advice (only the module cache, when it downloads).

Effective paths follow the model: GOMODCACHE = `$GOMODCACHE` or the first `GOPATH` entry + `/pkg/mod`
(`/go/pkg/mod` in the golang image), GOCACHE = `$GOCACHE`, `$XDG_CACHE_HOME/go-build` or
`$HOME/.cache/go-build`. A cache (or bind) mount on the path or on a directory containing it counts.
Go commands a `RUN` runs through `make` or a project script count as that `RUN`'s (see docs/lint.md, "make
and script resolution"); the finding names where they are (`Makefile:12, via make build`).
On a base image golayer does not know, Go's default paths under its HOME/GOPATH are not guessed: the `RUN`
is reported only when it has no cache mount at all, without a path.
Stages in the image are left to `build-cache-in-layer`; a mount that looks like a Go cache but sits on the
wrong path is left to `cache-mount-wrong-target`. Stages the target does not need are not reported.

## Why it is bad

Without a cache mount, every change to the sources (or to anything before the `RUN`) rebuilds from an
empty cache. In golayer's reference build (a small net/http service, docs/measurements.md) the edit-one-file rebuild of the `go build` step: **12.6–17.2 s without a GOCACHE cache
mount, 0.5 s with a warm one** (0.7 s for the whole rebuild). A GOMODCACHE mount likewise keeps downloaded
modules across builds even when `go.mod` changes. `RUN --mount=type=cache` works in Docker 20.10's
built-in BuildKit without a `# syntax=` line.

## Example

```dockerfile
# bad
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /app .
FROM scratch
COPY --from=build /app /app
```

```dockerfile
# good
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\
    go build -o /app .
FROM scratch
COPY --from=build /app /app
```

## Fix

Safe fix: `--mount=type=cache,target=<effective path>` is added to the `RUN` for each missing cache. The
builder stage's output (the binary) is unchanged; only the caches move out of the layer. The fix is
unsafe (`--unsafe-fixes`) when the cache directories are used later — a stage in the image is built
`FROM` this one, or a `COPY --from` takes them — or when the mount would hide content an earlier `COPY`
put there (a cache mount masks the directory). The legacy (non-BuildKit) builder rejects `--mount`.
No fix where the path is not known (an unknown base image whose HOME/GOPATH golayer cannot see, unless the
Dockerfile, the command, its Makefile or script sets GOCACHE/GOMODCACHE/GOPATH/HOME): a mount on a guessed
path would change nothing. The fix always goes on the `RUN` that compiles, also when the compile runs
through make or a script, at the path the go command there uses (an `export HOME`/`GOCACHE` in the
Makefile or script is honoured).

## References

- https://docs.docker.com/build/cache/optimize/#use-cache-mounts
- https://docs.docker.com/reference/dockerfile/#run---mounttypecache
- golayer FACTS: "Build cache semantics"
- Proof: `tests/lab/test_proof_cache.py::test_cache_mount_cuts_edit_rebuild_of_go_build_5x`
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile import final, gofacts
from golayer.dockerfile.model import DockerfileModel, Instruction
from golayer.findings import Applicability, Finding, Severity
from golayer.rules.dockerfile import _util

RULE = Rule(
    code="GLD004",
    name="missing-cache-mount",
    severity=Severity.INFO,
    summary="a builder stage downloads modules or compiles without cache mounts on the effective GOMODCACHE/GOCACHE",
    fix=Applicability.SAFE,
)


def wrong_kinds(ins: Instruction) -> set[str]:
    """Kinds of Go cache ('GOCACHE'/'GOMODCACHE') for which the RUN has a Go-looking cache mount on a
    path that is not the effective one (reported by cache-mount-wrong-target)."""
    out: set[str] = set()
    eff = [p for p in (ins.go.GOCACHE, ins.go.GOMODCACHE) if p]
    for m in ins.mounts:
        if m.type != "cache" or not m.target or m.target.startswith("\x00"):
            continue
        kind = gofacts.go_like_cache(m.target)
        if kind and not any(gofacts.path_within(p, m.target) for p in eff):
            out.add(kind)
    return out


def needs(model: DockerfileModel, ins: Instruction) -> dict[str, tuple[str | None, str]]:
    """Missing caches of this RUN: kind -> (path, what the RUN does); path None when the base image's
    path is not known (then only reported when the RUN has no cache mount at all)."""
    missing: dict[str, tuple[str | None, str]] = {}
    any_mount = any(m.type in ("cache", "bind") for m in ins.mounts)
    for c in ins.commands:
        if c.go is None:
            continue
        for kind, uses, path_of in (
                ("GOMODCACHE", c.go.downloads and not (c.go.compiles and gofacts.vendor_mode(model, ins, c)),
                 gofacts.command_gomodcache),
                # `go build -a` rebuilds every package: no cache helps it
                ("GOCACHE", c.go.compiles and "-a" not in c.go.flags, gofacts.command_gocache)):
            if not uses or kind in missing:
                continue
            if not gofacts.cache_path_known(ins, c, kind):
                if not any_mount:
                    missing[kind] = (None, f"go {c.go.sub}")
            else:
                p = path_of(ins, c)
                if p and not gofacts.covered(ins, p, ("cache", "bind")):
                    missing[kind] = (p, f"go {c.go.sub}")
    for k in wrong_kinds(ins):
        missing.pop(k, None)
    return missing


def _cache_used_later(model: DockerfileModel, stage, paths: list[str]) -> str | None:
    """Why moving these caches out of the stage's layers could change the build: a stage in the image
    built FROM it, or a COPY --from that takes the cache directories (the earliest stage that does)."""
    child = model.image_child(stage)
    for ins in model.copies_from(stage):
        if child is not None and child.index <= ins.stage.index:
            break
        for src in ins.copy_sources:
            src = src if src.startswith("/") else "/" + src
            if any(gofacts.path_within(p, src) or gofacts.path_within(src, p) for p in paths):
                return f"line {ins.start_line} copies {src} from stage {stage.label}"
    if child is not None:
        return f"stage {child.label} (in the image) is built FROM stage {stage.label}"
    return None


def _masks_earlier_content(stage, ins: Instruction, paths: list[str]) -> str | None:
    """A cache mount hides what the directory held: content COPY'd there earlier in the stage (or the
    stages it is built FROM) would vanish for this RUN."""
    hits = [prev for prev in (_first_copy_into(stage, p) for p in paths) if prev is not None and prev.index < ins.index]
    if not hits:
        return None
    prev = min(hits, key=lambda i: i.index)
    return f"line {prev.start_line} copies into {prev.copy_dest}, which the mount would hide"


def _first_copy_into(stage, path: str) -> Instruction | None:
    """The first COPY/ADD of the stage's FROM chain (root first; its instructions are in file order) whose
    content a mount on ``path`` would hide; memoised per stage and path, so every RUN costs O(1)."""
    memo = stage.__dict__.setdefault("_first_copy_into", {})
    if path not in memo:
        hit = None
        for s in final.chain(stage):
            m = s.__dict__.setdefault("_first_copy_into", {})
            if path in m:
                hit = m[path]
                continue
            if hit is None:
                for prev in s.instructions:
                    if prev.cmd not in ("COPY", "ADD") or not prev.copy_dest:
                        continue
                    dest = prev.copy_dest
                    if gofacts.path_within(dest, path) or (prev.copy_from and gofacts.path_within(path, dest)):
                        hit = prev
                        break
            m[path] = hit
    return memo[path]


def check(model: DockerfileModel) -> Iterator[Finding]:
    for stage in model.stages:
        if not stage.needed or stage.in_final_image:
            continue
        for ins in stage.instructions:
            if ins.cmd != "RUN" or not ins.commands:
                continue
            missing = needs(model, ins)
            if not missing:
                continue
            what = ", ".join(f"{k} {p}" if p else k for k, (p, _) in missing.items())
            does = "`, `".join(dict.fromkeys(w for _, w in missing.values()))
            line = next((c.line for c in ins.commands if c.go is not None), ins.start_line)
            paths = [p for p, _ in missing.values() if p]
            unknown_base = len(paths) < len(missing)
            fix = None
            flags = " ".join(_util.cache_mount_flag(p) for p in paths)
            if not unknown_base:  # a mount on a guessed path would change nothing: no fix then
                edit = _util.run_flag_insert(model, ins, flags + " ")
                used = _cache_used_later(model, stage, paths) or _masks_earlier_content(stage, ins, paths)
                if edit is not None:
                    fix = RULE.fixed(f"add `{flags}` to the RUN" + (f" (unsafe: {used})" if used else ""), [edit],
                                     unsafe=bool(used))
            if unknown_base:
                root = gofacts.stage_chain(stage)[0].base_image.ref
                yield RULE.finding(
                    f"`{does}` in builder stage {stage.label} runs without any cache mount ({what}): every rebuild "
                    f"starts from empty caches; golayer does not know where the base image {root} keeps them",
                    line=line, end_line=ins.end_line, stage=stage.label,
                    hint="add `--mount=type=cache,target=<path>` for the paths `go env GOCACHE GOMODCACHE` prints "
                         "in this image",
                    subject=f"{ins.start_line}:{what}",
                )
                continue
            yield RULE.finding(
                f"`{does}` in builder stage {stage.label} runs without a cache mount on {what}: " + (
                    "every rebuild of this step compiles every package from a cold cache" if "GOCACHE" in missing else
                    "every time this step re-runs, all modules are downloaded again"),
                line=line, end_line=ins.end_line, stage=stage.label,
                hint=f"add `{flags}` to the RUN",
                fix=fix,
                subject=f"{ins.start_line}:{what}",
            )
