"""Flags a Go builder stage that compiles under emulation in a multi-platform build.

## What it finds
The Dockerfile shows multi-platform intent — it references `TARGETARCH`, `TARGETPLATFORM`,
`TARGETOS` or `TARGETVARIANT` (`ARG TARGETARCH`, `$TARGETARCH`) — and a stage the build needs
that runs `go build` or `go install` is not on the build machine's platform: its `FROM` (or the
`FROM` of the stage it derives from) has no `--platform=$BUILDPLATFORM`, or has
`--platform=$TARGETPLATFORM`.

Not flagged: builder stages on `--platform=$BUILDPLATFORM` (that they then need
`GOOS`/`GOARCH` from the target is `cross-compile-wrong-arch`); a builder pinned to a literal
platform (`--platform=linux/amd64`: an explicit choice); Dockerfiles that never mention a
target platform; stages the target does not need; stages that are part of the image itself
(the target and its `FROM` ancestors must run on the target platform — moving them to
`$BUILDPLATFORM` would ship the build machine's architecture).

## Why it is bad
With `docker buildx build --platform linux/amd64,linux/arm64`, every stage without
`--platform` is built once per target platform, and the foreign ones run under QEMU user-mode
emulation: the Go compiler, a large CPU-bound program, typically runs many times slower
emulated than natively *(documented)*. Go cross-compiles natively with no emulation at all
(`GOOS`/`GOARCH`), so the builder should run on `$BUILDPLATFORM` and only the output target
another architecture.

## Example
Bad:
```dockerfile
FROM golang:1.22 AS build
ARG TARGETARCH
RUN GOARCH=$TARGETARCH go build -o /out/app .
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
```
Good:
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
```

## Fix
Unsafe fix, offered only when every `go build`/`go install` of the stage already takes
`GOARCH` from the target (else moving the stage would build binaries for the build machine):
add `--platform=$BUILDPLATFORM` to the stage's `FROM`. It is unsafe because everything else
the stage runs (`apt-get install`, code generators, cgo with a C compiler for the build
machine) then also runs for the build platform.

## References
- Multi-platform builds, cross-compilation: https://docs.docker.com/build/building/multi-platform/
- Automatic platform ARGs: https://docs.docker.com/reference/dockerfile/#automatic-platform-args-in-the-global-scope
- Go `GOOS`/`GOARCH`: https://go.dev/doc/install/source#environment
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.dockerfile import final
from golayer.findings import Applicability, Edit, Severity

RULE = Rule(
    code="GLD017",
    name="cross-compile-emulation",
    severity=Severity.WARNING,
    summary="multi-platform intent but the Go builder stage lacks --platform=$BUILDPLATFORM",
    fix=Applicability.UNSAFE,
)


def _compiles(stage) -> list:
    return [(ins, c) for ins in stage.instructions if ins.cmd == "RUN"
            for c in ins.go_commands() if c.go.sub in ("build", "install")]


def check(model):
    ref = final.multi_platform_intent(model)
    if ref is None:
        return
    from golayer.rules.dockerfile.cross_compile_wrong_arch import takes_target_arch

    for stage in model.stages:
        if not stage.needed or stage.in_final_image:
            continue  # the image's own stages must be built for the target platform
        builds = _compiles(stage)
        if not builds:
            continue
        platform = final.stage_platform(stage)
        if platform and "TARGETPLATFORM" not in platform:
            continue
        root = final.chain(stage)[0]
        fi = root.from_instruction
        if fi is None:
            continue
        fix = None
        if platform is None and all(takes_target_arch(model, ins, c) for ins, c in builds):
            raw = model.content[fi.start:fi.end]
            i = raw.upper().find("FROM")
            if i >= 0:
                pos = fi.start + i + 4
                fix = RULE.fixed(
                    f"add --platform=$BUILDPLATFORM to FROM of stage {root.label} (other RUNs then run for the build platform)",
                    [Edit(str(model.path), pos, pos, " --platform=$BUILDPLATFORM")], unsafe=True,
                )
        how = f"--platform={platform}" if platform else "no --platform"
        yield RULE.finding(
            f"stage {stage.label} runs go {builds[0][1].go.sub} under emulation for each target platform "
            f"({how}; the Dockerfile uses {ref})",
            file=str(model.path), line=fi.start_line, end_line=fi.end_line, stage=stage.label,
            hint="FROM --platform=$BUILDPLATFORM ... and GOOS=$TARGETOS GOARCH=$TARGETARCH go build",
            fix=fix, subject=f"stage {stage.label}",
        )
