"""`GOTOOLCHAIN=auto` in a builder lets go.mod download a toolchain at build time.

## What it finds
`GOTOOLCHAIN` given an automatic-switching value - `auto`, `local+auto` or `go1.X.Y+auto` - by an `ENV`,
an `ARG`, `go env -w`, an inline `GOTOOLCHAIN=auto go build` or an `export` in a stage that runs go
commands. Values from the base image are not reported (the official golang image sets `local`), nor
are `local`, `path` or a fixed `go1.X.Y` (see `toolchain-download` for a fixed version that differs
from the image's).

## Why it is bad
Measured (FACTS): under `auto`, when go.mod's `go` line is newer than the image's Go, the go command
downloads that toolchain at build time; a newer `toolchain` line alone - only a preference, ignored
under `local` - is downloaded too. With `auto` in the Dockerfile, the Go version that compiles your
image is chosen by whatever go.mod says at build time, not by the builder image you pinned and scanned,
and the build needs network access to the module proxy for it. With `local` a go.mod that needs a newer
Go fails loudly ("go.mod requires go >= … (running go …; GOTOOLCHAIN=local)") and you bump the image.

## Example
Bad:
```dockerfile
FROM golang:1.22 AS build
ENV GOTOOLCHAIN=auto
RUN go build -o /out/app .
```
Good:
```dockerfile
FROM golang:1.23 AS build
RUN go build -o /out/app .          # GOTOOLCHAIN=local from the image
```

## Fix
No automatic fix: remove the setting (or set `GOTOOLCHAIN=local`) and choose the builder image's tag to
match go.mod's `go`/`toolchain` line.

## References
- https://go.dev/doc/toolchain#select
- https://hub.docker.com/_/golang
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile import gofacts
from golayer.dockerfile.model import DockerfileModel, is_unknown
from golayer.findings import Finding, Severity

RULE = Rule(
    code="GLD039",
    name="gotoolchain-auto",
    severity=Severity.WARNING,
    summary="GOTOOLCHAIN=auto (or +auto) in a builder: go.mod can make the build download a toolchain",
)


def is_auto(value: str) -> bool:
    v = value.strip().strip("'\"")
    return not is_unknown(v) and (v == "auto" or v.endswith("+auto"))


def check(model: DockerfileModel) -> Iterator[Finding]:
    runs_go = {st.index for st in model.stages
               if any(True for i in st.instructions if i.cmd == "RUN" for _ in i.go_commands())}
    # a setting inherited by a stage built FROM this one counts for that stage's go commands too: children
    # come after the stage they are built FROM, so one pass from the last stage reaches every ancestor
    for st in reversed(model.stages):
        if st.index in runs_go and st.base_stage is not None and st.base_stage.index < st.index:
            runs_go.add(st.base_stage.index)
    for src in gofacts.setting_sources(model, ("GOTOOLCHAIN",)):
        if not is_auto(src.value) or src.stage is None or src.stage.index not in runs_go:
            continue
        yield RULE.finding(
            f"{src.describe()} in stage {src.stage.label}: a go.mod asking for a newer Go makes the build "
            "download that toolchain instead of failing",
            line=src.line, end_line=src.line if src.command else src.instruction.end_line, stage=src.stage.label,
            hint="drop it (the golang image sets GOTOOLCHAIN=local) and match the image tag to go.mod",
            subject=f"GOTOOLCHAIN {src.line}",
        )
