"""The source tree and Go's GOPATH / module cache / build cache share a directory.

## What it finds
In a stage that runs go commands:

* a `go` command working on the packages of its directory (`go build`, `go test ./...`,
  `go mod download`; WORKDIR followed through `cd` and `go -C`) that runs in a directory equal to the
  effective `GOPATH` (e.g. the official golang image's `WORKDIR /go` kept, or `ENV GOPATH=/workspace`
  with `WORKDIR /workspace`), or in a directory that contains the effective `GOMODCACHE` or `GOCACHE`
  (e.g. `HOME=/app` + `WORKDIR /app`: the build cache is `/app/.cache/go-build`), or one inside them;
* a `COPY`/`ADD` of build-context files whose destination is such a directory.

GOPATH, GOMODCACHE and GOCACHE are the effective values at that point (ENV, ARG, `go env -w`, HOME,
USER and the base image's defaults), not the textbook `/go`. The root directory `/` is not reported.

## Why it is bad
Measured (FACTS): a module whose root is `$GOPATH` still builds (`go mod download`, `go build`,
`go vet ./...` exit 0) but every go command prints `go: warning: ignoring go.mod in $GOPATH /workspace`,
and the module cache (`/workspace/pkg/mod`) now lives inside the source tree. Anything that copies or
walks that tree - `COPY --from=build /workspace /app`, `chown -R`, linters, `go generate` scripts - drags
the downloaded modules (and, with GOCACHE inside, the compile cache: 88 MB for a small service) along.
A later `COPY . /workspace` does not clean it up: COPY merges into existing directories, it never deletes.

## Example
Bad:
```dockerfile
FROM golang:1.22 AS build
COPY . .                      # the image's WORKDIR is /go = GOPATH
RUN go build -o /out/app .
```
Good:
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .
```

## Fix
No automatic fix (moving the source tree changes paths other instructions may rely on): put the
sources in their own directory (`WORKDIR /src`) outside GOPATH, GOMODCACHE and GOCACHE.

## References
- https://go.dev/ref/mod#mod-commands (module-aware mode and GOPATH)
- https://pkg.go.dev/cmd/go#hdr-GOPATH_environment_variable
- https://docs.docker.com/reference/dockerfile/#copy
- Proof: `tests/lab/test_proof_gopath.py::test_go_mod_at_gopath_is_ignored_with_warning`
"""

from __future__ import annotations

import posixpath
from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile import gofacts
from golayer.dockerfile.model import DockerfileModel, GoSettings, Instruction, is_unknown
from golayer.findings import Finding, Severity

RULE = Rule(
    code="GLD031",
    name="cache-path-overlap",
    severity=Severity.WARNING,
    summary="source tree or COPY/WORKDIR destination equal to GOPATH or containing/inside GOMODCACHE/GOCACHE",
)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def overlap(directory: str, go: GoSettings) -> str | None:
    """How ``directory`` (a source tree) overlaps Go's paths, or None."""
    if is_unknown(directory):
        return None
    d = posixpath.normpath(directory)
    if d == "/":
        return None
    gopaths = [p for p in go.GOPATH.split(":") if p and not is_unknown(p)] if not is_unknown(go.GOPATH) else []
    for gp in gopaths:
        if posixpath.normpath(gp) == d:
            return f"is GOPATH ({gp}): go warns \"ignoring go.mod in $GOPATH\" and the module cache " \
                   f"{go.GOMODCACHE} sits inside the source tree"
    for name, value in (("GOMODCACHE", go.GOMODCACHE), ("GOCACHE", go.GOCACHE)):
        if is_unknown(value) or value == "off" or not value.startswith("/"):
            continue
        v = posixpath.normpath(value)
        if _inside(v, d):
            return f"contains {name} ({v}): the cache lives inside the source tree"
        if _inside(d, v):
            return f"is inside {name} ({v})"
    return None


def _runs_go(stage) -> bool:
    return any(any(True for _ in i.go_commands()) for i in stage.instructions if i.cmd == "RUN")


def check(model: DockerfileModel) -> Iterator[Finding]:
    for st in model.stages:
        if not _runs_go(st):
            continue
        seen: set[str] = set()
        for ins in st.instructions:
            where: str | None = None
            what = ""
            if ins.cmd in ("COPY", "ADD") and not ins.copy_from and not ins.heredocs and ins.copy_dest:
                dest = ins.copy_dest
                # a directory destination (or a whole-context copy) is a source tree
                if gofacts.is_whole_context_copy(ins) or _has_dir_source(model, ins):
                    where = dest.rstrip("/") or "/"
                    what = f"{ins.cmd} destination {where} in stage {st.label}"
                    go = gofacts.settings_after(ins)
            elif ins.cmd == "RUN":
                for c in ins.go_commands():
                    if not gofacts.uses_cwd_module(c):
                        continue
                    d = gofacts.command_dir(ins, c)
                    if d is not None and overlap(d, ins.go) is not None:
                        where = d
                        what = f"`go {c.go.sub}` in stage {st.label} runs in {d}, which"
                        go = ins.go
                        break
            if where is None:
                continue
            why = overlap(where, go)
            if why is None or where in seen:
                continue
            seen.add(where)
            yield RULE.finding(
                f"{what} {why}",
                line=ins.start_line, end_line=ins.end_line, stage=st.label,
                hint="keep the sources in their own directory (e.g. WORKDIR /src), outside GOPATH, "
                     "GOMODCACHE and GOCACHE",
                subject=f"{st.label}:{where}",
            )


def _has_dir_source(model: DockerfileModel, ins: Instruction) -> bool:
    """Does the COPY bring a directory of the build context (a source tree, not a single file)?"""
    root = model.context.dir
    for src in ins.copy_sources:
        if is_unknown(src) or any(ch in src for ch in "*?["):
            continue
        try:
            if (root / src.lstrip("/")).is_dir():
                return True
        except (OSError, ValueError):
            continue
    return False
