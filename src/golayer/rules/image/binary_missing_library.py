"""Flags a dynamically linked binary that needs a shared library (`DT_NEEDED`) the image does not
contain.

## What it finds
For every dynamic Go binary (and the entrypoint program) whose loader *is* present, golayer looks
for each `DT_NEEDED` library the way the loader does: `DT_RPATH` (when there is no `DT_RUNPATH`),
`LD_LIBRARY_PATH` from the image's `Env`, `DT_RUNPATH` (`$ORIGIN` expanded), the directories of
`/etc/ld.so.conf` and the files it includes, then the default directories (glibc:
`/lib/<multiarch>`, `/usr/lib/<multiarch>`, `/lib64`, `/usr/lib64`, `/lib`, `/usr/lib`; musl:
`/etc/ld-musl-<arch>.path` or `/lib`, `/usr/local/lib`, `/usr/lib`). A candidate of the wrong ELF
class or machine is skipped, as the loader skips it. Symlinks are followed inside the image.

## Why it is bad
The loader aborts before `main` runs: `error while loading shared libraries: libfoo.so.1: cannot
open shared object file: No such file or directory`, exit code 127. A Go binary built with cgo on
a full Debian builder picks up whatever libraries its C dependencies link (`libc.so.6`, and for
SQLite, `libsqlite3.so.0`, etc.); a slim or distroless runtime image often lacks them.

## Example
Bad — a cgo build against `libsqlite3` copied onto `distroless/base` (glibc only):
```
binary-missing-library  /app needs libsqlite3.so.0 (DT_NEEDED): not found in /lib/x86_64-linux-gnu,
/usr/lib/x86_64-linux-gnu, /lib64, /usr/lib64, /lib, /usr/lib
```
Good — install the runtime package in the final stage (`apt-get install libsqlite3-0`) or build
static (`CGO_ENABLED=0` with a pure-Go driver).

## Fix
No automatic fix. Add the library to the final stage, or remove the C dependency / link it
statically.

## References
- `ld.so(8)` search order: https://man7.org/linux/man-pages/man8/ld.so.8.html
- `docs/go-binaries.md`
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.image.binaries import search_dirs
from golayer.rules.image._binaries import extra

RULE = Rule(
    code="GLI021",
    name="binary-missing-library",
    severity=Severity.ERROR,
    summary="dynamic binary needs a shared library (DT_NEEDED) that is not in the image",
)


def check(analysis):
    for b in analysis.binaries:
        if b.interpreter and b.interpreter in b.missing:
            continue  # binary-missing-interpreter already says it cannot start
        libs = [m for m in b.missing if m != b.interpreter]
        if not libs:
            continue
        dirs = search_dirs(b, None, [], analysis.env)
        where = ", ".join(dirs[:8]) + (", ..." if len(dirs) > 8 else "")
        for lib in libs:
            yield RULE.finding(
                f"{b.path} needs {lib} (DT_NEEDED) but it is not in the image (looked in {where} and the "
                f"image's ld.so.conf directories); "
                f"starting it fails with `error while loading shared libraries: {lib}: cannot open "
                f"shared object file: No such file or directory`",
                hint="install the library in the final stage, or build without cgo (CGO_ENABLED=0)",
                extra=extra(analysis, b, library=lib, subject=f"{b.path}:{lib}"),
            )
