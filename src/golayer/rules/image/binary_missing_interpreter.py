"""Flags a dynamically linked binary whose program interpreter (`PT_INTERP`, the dynamic loader
such as `/lib64/ld-linux-x86-64.so.2` or `/lib/ld-musl-x86_64.so.1`) does not exist in the image.

## What it finds
Every Go binary in the final filesystem, and the image's entrypoint program, is read as ELF. When
it has a `PT_INTERP` program header, golayer looks that path up *inside the image*, following the
image's own symlinks (`/lib64 -> usr/lib64`, `ld-linux-x86-64.so.2 -> ...`). If it does not resolve
to a file, the binary cannot start in this image.

## Why it is bad
The kernel has to load the interpreter before the program; when it is missing, `execve` fails with
`ENOENT` and the container exits immediately with a message that points at the *program*, not at
the loader: `exec /app: no such file or directory`, although `/app` is there. Measured (golayer's
facts, Docker 20.10, Go 1.27.3): a cgo-enabled build of a program importing `net` or `os/user` is
a dynamic ELF with interpreter `/lib64/ld-linux-x86-64.so.2` and `NEEDED libc.so.6`; on `scratch`
or on an Alpine (musl) rootfs the container exits 1 with exactly that message, while the same
program built with `CGO_ENABLED=0` runs. Since Go 1.20 cgo is on by default whenever `gcc` is on
the builder's PATH (every `golang:*-bookworm` image), so this happens without anyone asking for
cgo. A `-buildmode=pie` build is dynamic too, even with cgo off (it needs the loader for
relocation). A musl-linked binary (Alpine builder with gcc) needs `/lib/ld-musl-x86_64.so.1` and
fails the same way on glibc images.

## Example
Bad — cgo on in the builder, `scratch` at the end:
```dockerfile
FROM golang:1.27-bookworm AS build
WORKDIR /src
COPY . .
RUN go build -o /app .
FROM scratch
COPY --from=build /app /app
ENTRYPOINT ["/app"]
```
```
binary-missing-interpreter  /app: dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2,
needs libc.so.6) but /lib64/ld-linux-x86-64.so.2 is not in the image ...
```
Good — a static binary:
```dockerfile
RUN CGO_ENABLED=0 go build -o /app .
```

## Fix
No automatic fix (the right answer depends on whether the program needs cgo). Build with
`CGO_ENABLED=0` (or `-tags netgo,osusergo` when cgo is only pulled in by `net`/`os/user`), or
ship a base image that has the loader and libraries the binary names (a glibc base such as
`gcr.io/distroless/base-debian12` or `debian:bookworm-slim` for glibc; `alpine` for musl).

## References
- ELF `PT_INTERP`: https://refspecs.linuxfoundation.org/elf/gabi4+/ch5.dynamic.html#interpreter
- cgo default: https://go.dev/doc/go1.20#cgo
- `docs/go-binaries.md` (how golayer reads and resolves it)
- Proof: `tests/lab/test_proof_cgo.py::test_image_analysis_predicts_missing_interpreter`
- Proof: `tests/lab/test_proof_cgo.py::test_cgo_binary_without_glibc_fails_with_no_such_file`
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.image.lookups import entrypoint_argv0
from golayer.rules.image._binaries import extra

RULE = Rule(
    code="GLI020",
    name="binary-missing-interpreter",
    severity=Severity.ERROR,
    summary="dynamic binary whose ELF interpreter (dynamic loader) is not in the image: it cannot start",
)


def libc_of(interp: str) -> str:
    return "musl" if "musl" in interp else ("glibc" if "ld-linux" in interp or "ld64" in interp else "its libc")


def check(analysis):
    argv0, ep_path = entrypoint_argv0(analysis)
    for b in analysis.binaries:
        interp = b.interpreter
        if not interp or interp not in b.missing:
            continue
        shown = argv0 if (ep_path == b.path and argv0) else b.path
        needs = f", needs {', '.join(b.needed)}" if b.needed else ""
        what = "entrypoint " if ep_path == b.path else ""
        libc = libc_of(interp)
        hint = ("build it static: CGO_ENABLED=0 go build (or -tags netgo,osusergo when only net/os/user "
                f"pull in cgo), or use a base image with {libc}") if b.is_go else \
            f"use a base image that provides {interp} ({libc})"
        yield RULE.finding(
            f"{what}{b.path}: dynamically linked (interpreter {interp}{needs}) but {interp} is not in "
            f"the image; starting it fails with `exec {shown}: no such file or directory` although "
            f"the file exists",
            hint=hint,
            extra=extra(analysis, b, interpreter=interp, needed=list(b.needed), libc=libc),
        )
