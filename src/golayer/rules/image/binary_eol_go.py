"""Reports a Go binary built with a Go release that is past its end of support.

## What it finds
The Go version recorded in each binary's buildinfo (`go1.22.3`) is compared with golayer's dated
release table (`golayer/knowledge/go_releases.toml`): Go supports the two most recent major
releases, so Go 1.N reaches end of support on the day Go 1.(N+2) is released. When the table does
not yet know Go 1.(N+2), golayer expects end of support one year after Go 1.N's release (Go ships
a major release every February and August) and says that it is an expectation. "Today" is the
machine's date, or `GOLAYER_TODAY=YYYY-MM-DD` for reproducible CI runs.

## Why it is bad
The Go runtime and standard library (`net/http`, `crypto/tls`, `crypto/x509`, `archive/zip`, ...)
are compiled *into* the binary. Security fixes for them ship only as minor releases of supported
major versions; a binary built with an unsupported Go keeps its vulnerabilities until it is
rebuilt with a newer toolchain, no matter how often the base image is updated.

## Example
Bad (checked on 2026-11-28): a binary built with `go1.24.5` — Go 1.24 reached end of support on
2026-02-11, when Go 1.26 was released.
Good: rebuild with a supported release (Go 1.26 or 1.27 on that date):
```dockerfile
FROM golang:1.27-bookworm AS build
```

## Fix
No automatic fix: bump the builder image / `go` toolchain and rebuild.

## References
- Release policy: https://go.dev/doc/devel/release#policy
- `golayer/knowledge/go_releases.toml` (dates and sources)
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.image.lookups import go_binaries
from golayer.rules.image._binaries import extra
from golayer.knowledge import go_releases

RULE = Rule(
    code="GLI024",
    name="binary-eol-go",
    severity=Severity.WARNING,
    summary="Go binary built with a Go release past its end of support (no more security fixes)",
)


def check(analysis):
    today = go_releases.today()
    for b in go_binaries(analysis):
        if b.buildinfo is None or not b.buildinfo.go_version:
            continue
        sup = go_releases.support(b.buildinfo.go_version, today)
        if sup is None or not sup.is_eol or sup.eol is None:
            continue
        if sup.eol_expected:
            when = (f"is expected to have reached end of support around {sup.eol.isoformat()} "
                    f"(golayer's release table is dated {sup.table_date.isoformat()})")
        else:
            when = (f"reached end of support on {sup.eol.isoformat()}, when Go 1."
                    f"{int(sup.release.split('.')[1]) + 2} was released")
        yield RULE.finding(
            f"{b.path} was built with {b.buildinfo.go_version}: Go {sup.release} {when}; the runtime "
            f"and standard library compiled into it get no more security fixes",
            hint="rebuild with a supported Go release",
            extra=extra(analysis, b, go_version=b.buildinfo.go_version, release=sup.release,
                        eol=sup.eol.isoformat(), eol_expected=sup.eol_expected),
        )
