"""Flags a builder on the build platform whose `go build` targets the build machine.

## What it finds
A stage on `--platform=$BUILDPLATFORM` (itself or through the stage it derives from) runs
`go build` or `go install` with no `GOARCH` in effect: not from `ENV`, `ARG`, an inline
`GOARCH=... go build`, an `export`, or `go env -w`, and the binary ends up in a stage that is
in the image (or the stage is needed and golayer cannot tell which of its binaries are copied).

Not flagged: a `GOARCH` set any way, including literal values (`GOARCH=arm64` is an explicit
choice); builds through `xx-go` (tonistiigi/xx sets the target for you); builds hidden in
scripts or Makefiles (golayer does not see their environment); builder stages without
`--platform=$BUILDPLATFORM` (they run on the target platform, see `cross-compile-emulation`).
`GOOS` is not required: a Linux builder builds Linux binaries, which is what Linux targets need.

## Why it is bad
`--platform=$BUILDPLATFORM` makes the builder run natively on the build machine, so `go build`
defaults to the build machine's `GOARCH`. For `--platform linux/arm64` on an amd64 host the
"arm64" image then ships an amd64 binary: it fails to start with `exec format error`, or runs
slowly under emulation on hosts with binfmt handlers — and `docker buildx` reports success.

## Example
Bad:
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .
```
Good:
```dockerfile
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
```

## Fix
Unsafe fix: insert `ARG TARGETOS TARGETARCH` and `ENV GOOS=$TARGETOS GOARCH=$TARGETARCH` right
after the builder's `FROM`. Unsafe because cross-compiling with cgo needs a C cross-compiler
(Go turns cgo off by default when cross-compiling unless `CC` is set), and because a tool the
stage builds and then runs during the build would now be built for the target.

## References
- Multi-platform builds, cross-compilation: https://docs.docker.com/build/building/multi-platform/
- Automatic platform ARGs: https://docs.docker.com/reference/dockerfile/#automatic-platform-args-in-the-global-scope
- tonistiigi/xx: https://github.com/tonistiigi/xx
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.dockerfile import final
from golayer.dockerfile.model import is_unknown
from golayer.findings import Applicability, Edit, Severity

RULE = Rule(
    code="GLD018",
    name="cross-compile-wrong-arch",
    severity=Severity.ERROR,
    summary="builder on $BUILDPLATFORM whose go build does not take GOARCH from TARGETARCH",
    fix=Applicability.UNSAFE,
)


def takes_target_arch(model, ins, cmd) -> bool:
    """True when GOARCH is set for this go command (any source): the build is not for the host."""
    if "GOARCH" in cmd.assignments or "GOARCH" in cmd.env:
        return True
    if ins.go.origin.get("GOARCH") in ("env", "go-env-w"):
        return True
    return False


def _uses_xx(stage) -> bool:
    for ins in final.chain_instructions(stage):
        for c in ins.commands:
            if c.name.startswith("xx-"):
                return True
    return False


def check(model):
    shipped = {}
    for s in model.stages:
        if s.in_final_image:
            for copy_ins, b in final.binaries_copied_into(model, s):
                shipped.setdefault(b.stage.index, set()).add((b.instruction.index, id(b.command)))
    done: set[int] = set()
    for stage in model.stages:
        if not (stage.needed or stage.is_target) or not final.on_build_platform(stage):
            continue
        if _uses_xx(stage):
            continue
        mine = shipped.get(stage.index)
        bad = []
        for ins in stage.instructions:
            if ins.cmd != "RUN":
                continue
            for c in ins.go_commands():
                if c.go.sub not in ("build", "install") or c.name != "go":
                    continue
                if mine is not None and (ins.index, id(c)) not in mine:
                    continue
                if mine is None and not stage.in_final_image and not stage.needed:
                    continue
                if takes_target_arch(model, ins, c):
                    continue
                bad.append((ins, c))
        for ins, c in bad:
            fix = None
            root = final.chain(stage)[0]
            if root.index not in done and root.from_instruction is not None:
                done.add(root.index)
                fi = root.from_instruction
                pre = "" if model.content[: fi.end].endswith("\n") else "\n"
                fix = RULE.fixed(
                    f"declare ARG TARGETOS TARGETARCH and ENV GOOS=$TARGETOS GOARCH=$TARGETARCH in stage '{root.label}'",
                    [Edit(str(model.path), fi.end, fi.end,
                          pre + "ARG TARGETOS TARGETARCH\nENV GOOS=$TARGETOS GOARCH=$TARGETARCH\n")],
                    unsafe=True,
                )
            yield RULE.finding(
                f"stage '{stage.label}' is on {final.stage_platform(stage)} but `{c.text.strip()}` sets no GOARCH: "
                f"it builds for the build machine, not the target platform",
                file=str(model.path), line=c.line or ins.start_line, end_line=ins.end_line, stage=stage.label,
                hint="ARG TARGETOS TARGETARCH, then GOOS=$TARGETOS GOARCH=$TARGETARCH go build ...",
                fix=fix, subject=f"{stage.label}: {c.text.strip()}",
            )
