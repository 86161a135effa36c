"""go.mod asks for a newer Go than the builder image has.

## What it finds
A stage that copies the context's `go.mod` and then runs go commands on the module (build, test,
`mod download`, ...) with a Go toolchain older than go.mod's `go` line - or older than its `toolchain`
line when `GOTOOLCHAIN` lets the go command switch. The builder's Go version is the image tag's
(`golang:1.22.3-alpine`) or `GOLANG_VERSION` from the environment. What happens depends on the
effective `GOTOOLCHAIN` at that go command:

* `local` (the official golang image's setting) or `path`: the build **fails** - reported as an error;
* `auto`, `go1.X+auto` or an explicit `go1.X` that is not the image's: the go command **downloads** a
  toolchain at build time - reported as a warning.

A newer `toolchain` line alone is only a preference: ignored under `local`, so not reported there.
Versions are compared in Go's order (`1.22` < `1.22rc1` < `1.22.0` < `1.22.3`); a tag without a patch
(`golang:1.22`) follows patch releases and satisfies any `1.22.x`. `go install tool@v1.2.3` is judged by
that tool's own go.mod and is not reported; unknown versions keep the rule silent.

## Why it is bad
Measured (FACTS): with go.mod's `go` line newer than the toolchain, under `GOTOOLCHAIN=local` the build
fails with `go.mod requires go >= 1.28.0 (running go 1.27.3; GOTOOLCHAIN=local)`; under `auto` the go
command downloads that toolchain at build time. A download at build time needs network access to the
module proxy, adds a toolchain (~tens of MB) to the layer or cache, and makes the Go version used depend
on go.mod rather than on the image you pinned and scanned.

## Example
Bad (go.mod says `go 1.23.0`):
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
```
Good:
```dockerfile
FROM golang:1.23 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
```

## Fix
No automatic fix: raise the builder image's tag to at least go.mod's version (or lower go.mod's `go`
line if the newer language version is not needed). Keep `GOTOOLCHAIN=local` so a mismatch fails loudly.

## References
- https://go.dev/doc/toolchain
- https://go.dev/ref/mod#go-mod-file-go
- https://hub.docker.com/_/golang
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile import gofacts
from golayer.dockerfile.model import DockerfileModel, is_unknown
from golayer.findings import Finding, Severity

RULE = Rule(
    code="GLD033",
    name="toolchain-download",
    severity=Severity.WARNING,
    summary="go.mod's go/toolchain line is newer than the builder image's Go: a download at build time, "
            "or a failure under GOTOOLCHAIN=local",
)


def _mode(value: str) -> tuple[str, str | None]:
    """GOTOOLCHAIN -> (mode, pinned version): mode is 'local', 'auto', 'path' or 'pinned'."""
    v = (value or "auto").strip()
    name, plus, suffix = v.partition("+")
    if name in ("local", "auto", "path") and not plus:
        return ("auto" if name == "auto" else name), None
    pinned = None if name == "local" else name
    if pinned is not None and gofacts.go_version_key(pinned) is None:
        return "unknown", None
    mode = {"auto": "auto", "path": "path"}.get(suffix, "pinned")
    if not plus:
        return "pinned", pinned
    return mode, pinned


def _remote_only(c) -> bool:
    pk = c.go.packages
    return c.go.sub in ("install", "run", "get") and bool(pk) and all("@" in p for p in pk)


def check(model: DockerfileModel) -> Iterator[Finding]:
    gm = model.context.gomod
    if gm is None or (not gm.go and not gm.toolchain):
        return
    for st in model.stages:
        for ins in st.instructions:
            if ins.cmd != "RUN":
                continue
            cmds = [c for c in ins.go_commands() if c.go.downloads and not _remote_only(c)]
            if not cmds or not gofacts.gomod_copied(ins):
                continue
            have, where = gofacts.builder_go_version(ins)
            if not have:
                continue
            c = cmds[0]
            tc = c.env.get("GOTOOLCHAIN") or ins.go.GOTOOLCHAIN
            if is_unknown(tc):
                continue
            mode, pinned = _mode(tc)
            if mode == "unknown":
                continue
            need_go = gm.go if gm.go and gofacts.version_satisfies(have, gm.go) is False else None
            need_tc = gm.toolchain if gm.toolchain and gofacts.version_satisfies(have, gm.toolchain) is False \
                else None
            if mode == "pinned":
                # GOTOOLCHAIN=go1.X: that exact toolchain runs, downloaded unless it is the image's own
                pk, hk = gofacts.go_version_key(pinned), gofacts.go_version_key(have)
                floating = hk != gofacts.go_version_key(have, floating=True)
                if pk is None or hk is None or (floating and pk[:2] == hk[:2]) or (not floating and pk == hk):
                    continue
                yield RULE.finding(
                    f"GOTOOLCHAIN={tc} makes `go {c.go.sub}` in stage {st.label} download {pinned} at build "
                    f"time (the builder has Go {have}, {where})",
                    line=c.line, end_line=c.line, stage=st.label,
                    hint=f"use a golang:{pinned.removeprefix('go')} builder image and GOTOOLCHAIN=local",
                    subject=f"{st.label}:pinned:{pinned}")
                break
            if need_go and mode in ("local", "path"):
                f = RULE.finding(
                    f"go.mod requires go >= {gm.go} but the builder of stage {st.label} has Go {have} ({where}) "
                    f"and GOTOOLCHAIN={tc}: `go {c.go.sub}` fails",
                    line=c.line, end_line=c.line, stage=st.label,
                    hint=f"use a golang:{gm.go} (or newer) builder image",
                    subject=f"{st.label}:go:{gm.go}")
                yield replace(f, severity=Severity.ERROR)
                break
            if mode == "auto":
                want = need_go
                if need_tc and (not need_go or gofacts.version_satisfies(gm.toolchain, gm.go) is not False):
                    want = gm.toolchain
                if want is None and pinned and gofacts.version_satisfies(have, pinned) is False:
                    want = pinned
                if want:
                    line = "toolchain" if want == gm.toolchain else "go"
                    yield RULE.finding(
                        f"go.mod's {line} line ({want}) is newer than Go {have} of stage {st.label}'s builder "
                        f"({where}); with GOTOOLCHAIN={tc} `go {c.go.sub}` downloads a toolchain at "
                        "build time",
                        line=c.line, end_line=c.line, stage=st.label,
                        hint=f"use a golang:{want.removeprefix('go')} (or newer) builder image and "
                             "GOTOOLCHAIN=local",
                        subject=f"{st.label}:{line}:{want}")
                    break
