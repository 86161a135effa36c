"""Flags a cgo-built Go binary copied into an image without the libc it was linked against.

## What it finds
A `COPY --from=<builder>` into a stage of the image brings a binary of a `go build`/`go install`
that ran with cgo effectively on, and the receiving stage's libc does not match the builder's:
- runtime without any libc: `scratch`, `gcr.io/distroless/static*`, `cgr.dev/chainguard/static`;
- glibc builder (Debian-based `golang`, debian, ubuntu) → musl runtime (alpine, busybox:musl);
- musl builder (`golang:*-alpine` + `apk add gcc musl-dev`) → glibc runtime (debian,
  distroless/base, distroless/cc).

cgo is "effectively on" as the Go command decides it: `CGO_ENABLED` from ENV/ARG/inline/
`export`/`go env -w`, else on exactly when a C compiler is present (Debian-based `golang`
images ship gcc; `golang:*-alpine` does not).

Not flagged: `CGO_ENABLED=0`; builds with `-tags netgo,osusergo` or `-ldflags
'-extldflags -static'` (asking for a static binary); distroless `base`/`cc` after a Debian
(glibc) builder; alpine builder and alpine runtime (both musl); a runtime that installs
`gcompat`/`libc6-compat` or copies a loader in; bases unknown to golayer; binaries golayer
cannot trace from the COPY back to a `go build`.

This is a prediction from the Dockerfile. Whether a binary really is dynamic depends on what it
imports (a fmt-only program stays static even with cgo on): the linkage must be read from the
ELF, and `golayer image` does so on the built image (interpreter and NEEDED libraries).

## Why it is bad
Measured: with cgo on (the default in Debian-based `golang` images) a program using `net`'s
resolver or `os/user` links dynamically — ELF interpreter `/lib64/ld-linux-x86-64.so.2`,
NEEDED `libc.so.6`. On `scratch` or a musl root file system the container exits 1 with
`exec /app: no such file or directory` although `/app` exists: the missing file is the
loader. A musl-linked binary likewise needs `/lib/ld-musl-x86_64.so.1`, absent from glibc
images *(documented)*. With `CGO_ENABLED=0` the same program runs.

## Example
Bad:
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /out/app .

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```
Good:
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .
```
or, when the program needs cgo, a runtime with the same libc:
`FROM gcr.io/distroless/base-debian12:nonroot`.

## Fix
Unsafe fix (`--unsafe-fixes`): insert `ENV CGO_ENABLED=0` right after the builder stage's
`FROM`, when cgo is on only by default (golayer does not override an explicit
`CGO_ENABLED=1`). Unsafe because a program that really needs cgo (sqlite3, librdkafka, ...)
then fails to build, and pure-Go `net`/`os/user` behave slightly differently (DNS resolver,
NSS). Changing the runtime base instead is left to you.

## References
- `cgo` and `CGO_ENABLED`: https://pkg.go.dev/cmd/cgo
- Go `net` name resolution (netgo/cgo): https://pkg.go.dev/net#hdr-Name_Resolution
- distroless images and their libc: https://github.com/GoogleContainerTools/distroless
- Proof: `tests/lab/test_proof_cgo.py::test_cgo_binary_without_glibc_fails_with_no_such_file`
- Proof: `tests/lab/test_proof_cgo.py::test_cgo_disabled_binary_starts_on_scratch`
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.dockerfile import final
from golayer.findings import Applicability, Edit, Severity

RULE = Rule(
    code="GLD012",
    name="cgo-libc-mismatch",
    severity=Severity.WARNING,
    summary="a cgo-linked binary is copied into a stage without the matching libc",
    fix=Applicability.UNSAFE,
)

_NAMES = {"none": "no libc", "glibc": "glibc", "musl": "musl", "uclibc": "uClibc"}


def check(model):
    fixed_builders: set[int] = set()
    seen: set[tuple[int, int]] = set()
    for stage in model.stages:
        if not stage.in_final_image:
            continue
        runtime_libc = final.effective_libc(stage)
        if runtime_libc is None:
            continue
        for ins in stage.instructions:
            for b in final.copied_binaries(model, ins):
                key = (ins.index, b.instruction.index)
                if key in seen:
                    continue
                link = final.linkage(b.command, b.instruction)
                if link.dynamic is not True:
                    continue
                build_libc = final.effective_libc(b.stage)
                if build_libc in (None, "none") or build_libc == runtime_libc:
                    continue
                seen.add(key)
                builder = final.chain(b.stage)[0]
                fix = None
                if not final.cgo_explicit(b.command, b.instruction) and builder.index not in fixed_builders:
                    fi = builder.from_instruction
                    if fi is not None:
                        fixed_builders.add(builder.index)
                        pre = "" if model.content[: fi.end].endswith("\n") else "\n"
                        fix = RULE.fixed(
                            f"add ENV CGO_ENABLED=0 to stage {builder.label} (fails to build if the program needs cgo)",
                            [Edit(str(model.path), fi.end, fi.end, pre + "ENV CGO_ENABLED=0\n")], unsafe=True,
                        )
                rt = final.root_base(stage)
                yield RULE.finding(
                    f"{b.path} is built with cgo on ({link.reason}) against {_NAMES.get(build_libc, build_libc)} "
                    f"in stage {b.stage.label} but runs on {rt.ref} ({_NAMES.get(runtime_libc, runtime_libc)}) "
                    f"in stage {stage.label}: linked dynamically (net, os/user or C code) it fails to start with "
                    f"`no such file or directory`",
                    file=str(model.path), line=ins.start_line, end_line=ins.end_line, stage=stage.label,
                    hint="build with CGO_ENABLED=0, or use a runtime base with the builder's libc "
                    "(gcr.io/distroless/base-debian12 for a Debian builder)",
                    fix=fix, subject=f"{b.stage.label}:{b.path} -> {stage.label}",
                )
