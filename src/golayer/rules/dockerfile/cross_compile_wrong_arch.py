"""Flags a builder on the build platform whose `go build` targets the build machine.

## What it finds
A stage on `--platform=$BUILDPLATFORM` (itself or through the stage it derives from) runs
`go build` or `go install` with no `GOARCH` in effect: not from `ENV`, `ARG`, an inline
`GOARCH=... go build`, an `export`, or `go env -w`, and the binary ends up in the image: the
stage itself is in the image, or a `COPY --from` of a stage in the image brings that binary.

Also flagged: a `GOARCH` that comes out empty or from an undeclared platform variable —
`ENV GOARCH=$TARGETARCH` or `GOARCH=$TARGETARCH go build` without `ARG TARGETARCH` in the stage
(a global `ARG TARGETARCH` before the first `FROM` does not count: platform ARGs are only
visible in a stage that declares them, so the variable is empty and Go uses the host's arch).

Not flagged: binaries golayer cannot trace into the image (a code generator or license tool
built for the build machine and run during the build is right to use the host's `GOARCH`); a
`GOARCH` set any way, including literal values (`GOARCH=arm64` is an explicit
choice); builds through `xx-go` (tonistiigi/xx sets the target for you); builds hidden in
scripts or Makefiles (golayer does not see their environment); builder stages without
`--platform=$BUILDPLATFORM` (they run on the target platform, see `cross-compile-emulation`).
`GOOS` is not required: a Linux builder builds Linux binaries, which is what Linux targets need.

## Why it is bad
`--platform=$BUILDPLATFORM` makes the builder run natively on the build machine, so `go build`
defaults to the build machine's `GOARCH`. For `--platform linux/arm64` on an amd64 host the
"arm64" image then ships an amd64 binary: it fails to start with `exec format error`, or runs
slowly under emulation on hosts with binfmt handlers — and `docker buildx` reports success
*(documented; not measured here: the test machine has one architecture)*.

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
after the builder's `FROM` (only the missing `ARG` when `GOARCH` already names an undeclared
platform variable). Unsafe because cross-compiling with cgo needs a C cross-compiler
(Go turns cgo off by default when cross-compiling unless `CC` is set), and because a tool the
stage builds and then runs during the build would now be built for the target.

## References
- Multi-platform builds, cross-compilation: https://docs.docker.com/build/building/multi-platform/
- Automatic platform ARGs: https://docs.docker.com/reference/dockerfile/#automatic-platform-args-in-the-global-scope
- tonistiigi/xx: https://github.com/tonistiigi/xx
"""

from __future__ import annotations

import re

from golayer.catalogue import Rule
from golayer.dockerfile import final
from golayer.findings import Applicability, Edit, Severity

RULE = Rule(
    code="GLD018",
    name="cross-compile-wrong-arch",
    severity=Severity.ERROR,
    summary="builder on $BUILDPLATFORM whose go build does not take GOARCH from TARGETARCH",
    fix=Applicability.UNSAFE,
)


_PLATFORM_REF = re.compile(r"\$\{?(TARGETARCH|TARGETPLATFORM|TARGETOS|TARGETVARIANT)\b")


def goarch_problem(model, ins, cmd) -> tuple[str, list[str]] | None:
    """Why this go command builds for the build machine: (reason, ARGs to declare), or None."""
    if "GOARCH" in cmd.assignments:
        val = cmd.assignments["GOARCH"]
    elif "GOARCH" in cmd.env:
        val = cmd.env["GOARCH"]
    elif ins.go.origin.get("GOARCH") in ("env", "go-env-w"):
        val = ins.go.GOARCH
    else:
        return "sets no GOARCH", []
    stage = ins.stage
    if val == "":
        src = None
        for i in final.chain_instructions(stage):
            if i is ins:
                break
            if i.cmd in ("ENV", "ARG") and any(a.split("=", 1)[0] == "GOARCH" for a in i.args):
                src = i
        where = f" by `{model.content[src.start:src.end].strip()}` (line {src.start_line})" if src else ""
        names = sorted(set(_PLATFORM_REF.findall(model.content[src.start:src.end]))) if src else []
        return (f"gets an empty GOARCH{where}: "
                + (f"{', '.join('$' + n for n in names)} is not declared in this stage" if names
                   else "the variable it comes from is empty"), names)
    def undeclared(value: str) -> list[str]:
        return [n for n in dict.fromkeys(_PLATFORM_REF.findall(value or ""))
                if n not in ins.args_in_scope and n not in cmd.env]

    missing = undeclared(val)
    if missing:
        goos = cmd.assignments.get("GOOS") or cmd.env.get("GOOS") or ""
        also = [n for n in undeclared(goos) if n not in missing]
        return (f"takes GOARCH from {', '.join('$' + n for n in missing)}, which is not declared in stage "
                f"'{stage.label if stage else '?'}' (platform ARGs need an `ARG {missing[0]}` after FROM)",
                [*also, *missing])
    return None


def takes_target_arch(model, ins, cmd) -> bool:
    """True when GOARCH is set (from any source, to a value that is not empty or undeclared)."""
    return goarch_problem(model, ins, cmd) is None


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
        mine = shipped.get(stage.index, set())
        bad = []
        for ins in stage.instructions:
            if ins.cmd != "RUN":
                continue
            for c in ins.go_commands():
                if c.go.sub not in ("build", "install") or c.name != "go":
                    continue
                if (ins.index, id(c)) not in mine and not stage.in_final_image:
                    continue  # not traced into the image: a tool for the build may well be for the host
                problem = goarch_problem(model, ins, c)
                if problem is None:
                    continue
                bad.append((ins, c, problem))
        # one fix per FROM chain root covering every problem of the stage
        need_env = any(not missing for _, _, (_, missing) in bad)
        names: list[str] = []
        for _, _, (_, missing) in bad:
            names += [n for n in missing if n not in names]
        if need_env:
            names = [*names, *(n for n in ("TARGETOS", "TARGETARCH") if n not in names)]
        for ins, c, (reason, missing) in bad:
            fix = None
            root = final.chain(stage)[0]
            if root.index not in done and root.from_instruction is not None:
                done.add(root.index)
                fi = root.from_instruction
                pre = "" if model.content[: fi.end].endswith("\n") else "\n"
                text = f"ARG {' '.join(names)}\n"
                desc = f"declare ARG {' '.join(names)}"
                if need_env:
                    text += "ENV GOOS=$TARGETOS GOARCH=$TARGETARCH\n"
                    desc += " and ENV GOOS=$TARGETOS GOARCH=$TARGETARCH"
                fix = RULE.fixed(desc + f" in stage {root.label}",
                                 [Edit(str(model.path), fi.end, fi.end, pre + text)], unsafe=True)
            yield RULE.finding(
                f"stage {stage.label} is on {final.stage_platform(stage)} but `{c.text.strip()}` {reason}: "
                f"it builds for the build machine, not the target platform",
                file=str(model.path), line=c.line or ins.start_line, end_line=ins.end_line, stage=stage.label,
                hint="ARG TARGETOS TARGETARCH, then GOOS=$TARGETOS GOARCH=$TARGETARCH go build ...",
                fix=fix, subject=f"{stage.label}: {c.text.strip()}",
            )
