"""Flags a full-distro runtime base for an image that only runs a Go binary.

## What it finds
The **target stage** is based (directly or through the stages it derives from) on a
general-purpose distribution — debian, ubuntu, fedora, amazonlinux, UBI, ... — while all it
does is run a Go binary copied from a builder stage:
- at least one `COPY --from=<stage>` brings a binary of a `go build`/`go install`;
- every `RUN` only installs CA certificates/tzdata or does housekeeping (`apt-get update`,
  `useradd`, `mkdir`, `chown`, `chmod`, `ln`, `rm`, `update-ca-certificates`);
- `CMD`/`ENTRYPOINT` are in exec form and start no shell or script; no shell-form
  `HEALTHCHECK`; no shell script copied from the build context.

Not flagged: stages that install other packages (the program may exec them), run scripts, or
use the shell at run time; alpine/busybox (small already); Go toolchain images
(`golang:*`) — `toolchain-in-final-image` reports those; stages that are not the target; bases
unknown to golayer.

## Why it is bad
A static Go binary needs no distribution around it, at most a CA bundle, tzdata and a passwd
entry. Measured: the binary on `scratch` made a **9.4 MB** image and on a distroless-like base
(CA bundle, tzdata, passwd) **11.0 MB**, against **116.6 MB** for the Debian base layer alone.
Every package in the base is also something to patch: scanners report CVEs in libraries the
program never loads, and a shell plus package manager in the image helps an attacker.

## Example
Bad:
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM debian:bookworm
RUN apt-get update && apt-get install -y ca-certificates
COPY --from=build /out/app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
```
Good:
```dockerfile
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
```
(`gcr.io/distroless/base-debian12:nonroot` when the binary is linked against glibc with cgo.)

## Fix
No automatic fix: a different base changes the default user (`nonroot`), removes the shell
and the package manager, and golayer cannot prove the program never execs a tool from the
distribution. The message names the base golayer recommends for the binary's linkage.

## References
- distroless images: https://github.com/GoogleContainerTools/distroless
- Multi-stage builds: https://docs.docker.com/build/building/multi-stage/
- Proof: `tests/lab/test_proof_layers.py::test_multi_stage_final_image_has_none_of_it`
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.dockerfile import final
from golayer.findings import Severity

RULE = Rule(
    code="GLD011",
    name="bloated-runtime-base",
    severity=Severity.WARNING,
    summary="target stage on a full distro image while it only runs a Go binary (+ CA/tzdata)",
)

_OK_PACKAGES = {"ca-certificates", "tzdata", "ca-certificates-bundle"}
_HOUSEKEEPING = {"useradd", "adduser", "groupadd", "addgroup", "mkdir", "chown", "chmod", "ln", "rm",
                 "update-ca-certificates", "true", "apt-get", "apt", "apk", "dnf", "yum", "microdnf",
                 "touch", "chgrp", "usermod"}
_SHELLS = {"sh", "bash", "dash", "ash", "zsh", "busybox"}


def _run_is_housekeeping(ins) -> bool:
    if ins.json_form or not ins.commands:
        return False
    for c in ins.commands:
        if c.package_install is not None:
            pkgs = {p.split("=", 1)[0] for p in c.package_install[1]}
            if not pkgs <= _OK_PACKAGES:
                return False
            continue
        if c.name not in _HOUSEKEEPING:
            return False
        if c.name in ("apt-get", "apt", "apk", "dnf", "yum", "microdnf"):
            sub = [a for a in c.argv[1:] if not a.startswith("-")][:1]
            if sub and sub[0] not in ("update", "clean", "upgrade", "autoremove", "purge", "remove", "del",
                                      "makecache", "--no-cache"):
                return False
    return True


def _runs_shell(ins) -> bool:
    argv = final.exec_argv(ins)
    if argv is None:
        return True
    if not argv:
        return False
    prog = argv[0].rsplit("/", 1)[-1]
    return prog in _SHELLS or prog.endswith(".sh")


def check(model):
    target = model.target
    if target is None or final.image_purpose(model).needs_toolchain:
        return
    base = final.root_base(target)
    if not base.known or not base.is_full_distro or base.is_toolchain:
        return
    if base.family in ("alpine", "busybox"):
        return
    copied = final.binaries_copied_into(model, target)
    if not copied:
        return
    for ins in final.chain_instructions(target):
        if ins.cmd == "RUN" and not _run_is_housekeeping(ins):
            return
        if ins.cmd in ("COPY", "ADD") and not ins.copy_from:
            if any(s.endswith(".sh") or "entrypoint" in s.rsplit("/", 1)[-1].lower() for s in ins.copy_sources):
                return
    proc = final.effective_process(target)
    if proc.entrypoint is None and proc.cmd is None:
        return
    for ins in (proc.entrypoint, proc.cmd if proc.entrypoint is None else None):
        if ins is not None and _runs_shell(ins):
            return
    if proc.healthcheck is not None:
        argv = final.exec_argv(proc.healthcheck)
        if not argv or argv[0].rsplit("/", 1)[-1] not in {b.path.rsplit("/", 1)[-1] for _, b in copied}:
            return  # a shell-form probe, or one that runs a tool of the distribution (curl, wget)
    # linkage of everything the stages we copy from build (a binary golayer could not trace from
    # its COPY still needs its libc): any cgo-on or undecidable build -> the glibc base
    dynamic = False
    for ins in final.chain_instructions(target):
        src = final.source_stage(model, ins)
        for s in final.chain(src) if src is not None else []:
            for r in s.instructions:
                for c in r.go_commands() if r.cmd == "RUN" else []:
                    if c.go.sub in ("build", "install") and final.linkage(c, r).dynamic is not False:
                        dynamic = True
    want = final.runtime_base_for(dynamic)
    fi = final.chain(target)[0].from_instruction
    line = fi.start_line if fi else 1
    names = ", ".join(sorted({b.path for _, b in copied}))
    yield RULE.finding(
        f"stage {target.label} only runs the Go binary {names} but is based on {base.ref}, "
        f"a full distribution: use {want}",
        file=str(model.path), line=line, end_line=fi.end_line if fi else line, stage=target.label,
        hint=f"FROM {want} (keeps CA certificates and tzdata, drops the distribution)",
        subject=f"{target.label} on {base.ref}",
    )
