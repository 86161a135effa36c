"""## What it finds

A `RUN` in a builder stage — a stage the target needs (through `FROM`, `COPY --from` or
`RUN --mount=from=`) that is not itself part of the image — that downloads modules (`go mod download`,
`go get`, `go mod tidy`, or a compile that is not from `vendor/`) without a cache mount on the effective
GOMODCACHE, or compiles (`go build`, `install`, `test`, `generate`, `run`, `vet`) without a cache mount on
the effective GOCACHE.

Effective paths follow the model: GOMODCACHE = `$GOMODCACHE` or the first `GOPATH` entry + `/pkg/mod`
(`/go/pkg/mod` in the golang image), GOCACHE = `$GOCACHE`, `$XDG_CACHE_HOME/go-build` or
`$HOME/.cache/go-build`. A cache (or bind) mount on the path or on a directory containing it counts.
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

## References

- https://docs.docker.com/build/cache/optimize/#use-cache-mounts
- https://docs.docker.com/reference/dockerfile/#run---mounttypecache
- golayer FACTS: "Build cache semantics"
- Proof: `tests/lab/test_proof_cache.py::test_cache_mount_cuts_edit_rebuild_of_go_build_5x`
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile.model import DockerfileModel, Instruction
from golayer.findings import Applicability, Finding, Severity
from golayer.rules import _util

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
        kind = _util.go_like_cache(m.target)
        if kind and not any(_util.path_within(p, m.target) for p in eff):
            out.add(kind)
    return out


def needs(model: DockerfileModel, ins: Instruction) -> dict[str, tuple[str, str]]:
    """Missing caches of this RUN: kind -> (path, what the RUN does)."""
    missing: dict[str, tuple[str, str]] = {}
    for c in ins.commands:
        if c.go is None:
            continue
        if c.go.downloads and not (c.go.compiles and _util.vendor_mode(model, ins, c)):
            p = _util.command_gomodcache(ins, c)
            if p and not _util.covered(ins, p, ("cache", "bind")) and "GOMODCACHE" not in missing:
                missing["GOMODCACHE"] = (p, f"go {c.go.sub}")
        if c.go.compiles:
            p = _util.command_gocache(ins, c)
            if p and not _util.covered(ins, p, ("cache", "bind")) and "GOCACHE" not in missing:
                missing["GOCACHE"] = (p, f"go {c.go.sub}")
    for k in wrong_kinds(ins):
        missing.pop(k, None)
    return missing


def _cache_used_later(model: DockerfileModel, stage, paths: list[str]) -> str | None:
    """Why moving these caches out of the stage's layers could change the build: a stage in the image
    built FROM it, or a COPY --from that takes the cache directories."""
    for s in model.stages:
        b = s.base_stage
        while b is not None:
            if b is stage and s.in_final_image:
                return f"stage {s.label} (in the image) is built FROM stage {stage.label}"
            b = b.base_stage
        for ins in s.instructions:
            if ins.copy_from is None or model.stage(ins.copy_from) is not stage:
                continue
            for src in ins.copy_sources:
                src = src if src.startswith("/") else "/" + src
                if any(_util.path_within(p, src) or _util.path_within(src, p) for p in paths):
                    return f"line {ins.start_line} copies {src} from stage {stage.label}"
    return None


def _masks_earlier_content(stage, ins: Instruction, paths: list[str]) -> str | None:
    """A cache mount hides what the directory held: content COPY'd there earlier in the stage (or the
    stages it is built FROM) would vanish for this RUN."""
    chain = []
    s = stage
    while s is not None:
        chain = s.instructions + chain
        s = s.base_stage
    for prev in chain:
        if prev is ins:
            break
        if prev.cmd not in ("COPY", "ADD") or not prev.copy_dest:
            continue
        dest = prev.copy_dest
        for p in paths:
            if _util.path_within(dest, p) or (prev.copy_from and _util.path_within(p, dest)):
                return f"line {prev.start_line} copies into {dest}, which the mount would hide"
    return None


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
            what = ", ".join(f"{k} {p}" for k, (p, _) in missing.items())
            does = "`, `".join(dict.fromkeys(w for _, w in missing.values()))
            line = next((c.line for c in ins.commands if c.go is not None), ins.start_line)
            flags = " ".join(_util.cache_mount_flag(p) for p, _ in missing.values())
            edit = _util.run_flag_insert(model, ins, flags + " ")
            paths = [p for p, _ in missing.values()]
            used = _cache_used_later(model, stage, paths) or _masks_earlier_content(stage, ins, paths)
            fix = None
            if edit is not None:
                fix = RULE.fixed(f"add `{flags}` to the RUN" + (f" (unsafe: {used})" if used else ""), [edit],
                                 unsafe=bool(used))
            yield RULE.finding(
                f"`{does}` in builder stage {stage.label} runs without a cache mount on {what}: " + (
                    "every rebuild of this step compiles every package from a cold cache" if "GOCACHE" in missing else
                    "every time this step re-runs, all modules are downloaded again"),
                line=line, end_line=ins.end_line, stage=stage.label,
                hint=f"add `{flags}` to the RUN",
                fix=fix,
                subject=f"{ins.start_line}:{what}",
            )
