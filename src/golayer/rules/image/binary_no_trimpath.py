"""Reports a Go binary built without `-trimpath`.

## What it finds
Go binaries whose buildinfo (Go >= 1.18 records build settings) has no `-trimpath=true` setting.
Binaries too old to record settings are not reported (unknown).

## Why it is bad
Without `-trimpath` the binary embeds absolute paths of the build machine — the source directory,
`GOPATH`/module cache and `GOROOT` — in its file table, panic stack traces and `runtime.Caller`
results. That leaks the builder's layout (`/home/alice/src/...`, CI workspace names) to everyone
who pulls the image, and makes the binary differ byte-for-byte between machines, so two builds of
the same commit are not reproducible and do not share layer digests. `go build` also records
`-ldflags` in the buildinfo only when `-trimpath` is *not* used (measured: `-ldflags` disappears
from `go version -m` with `-trimpath`), so linker flags such as `-X main.token=...` become
readable by anyone with the image.

## Example
Bad:
```dockerfile
RUN go build -o /app .
```
Good:
```dockerfile
RUN go build -trimpath -o /app .
```

## Fix
No automatic fix for a built image; add `-trimpath` to the `go build` in the Dockerfile (or
`ENV GOFLAGS=-trimpath` in the build stage).

## References
- `go help build` (`-trimpath`): https://pkg.go.dev/cmd/go#hdr-Compile_packages_and_dependencies
- Reproducible builds: https://go.dev/blog/rebuild
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.image.lookups import go_binaries
from golayer.rules.image._binaries import extra

RULE = Rule(
    code="GLI023",
    name="binary-no-trimpath",
    severity=Severity.INFO,
    summary="Go binary built without -trimpath embeds build-machine paths and is not reproducible",
)


def check(analysis):
    for b in go_binaries(analysis):
        if b.trimpath is not False or b.buildinfo is None:
            continue
        ld = b.buildinfo.setting("-ldflags")
        tail = f"; its recorded -ldflags ({ld!r}) are readable with `go version -m`" if ld else ""
        yield RULE.finding(
            f"{b.path} ({b.buildinfo.go_version}) was built without -trimpath: absolute paths of the "
            f"build machine are embedded in it and in its stack traces, and rebuilds are not "
            f"byte-for-byte reproducible{tail}",
            hint="build with: go build -trimpath ...",
            extra=extra(analysis, b, go_version=b.buildinfo.go_version),
        )
