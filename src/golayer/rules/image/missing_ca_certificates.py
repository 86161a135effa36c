"""Flags a Go binary that verifies TLS certificates against the system roots while the image has
no CA bundle where Go looks for one.

## What it finds
Go binaries whose function table (`.gopclntab`, present even after `-s -w`) contains
`crypto/x509.loadSystemRoots`, `systemRootsPool` or `initSystemRoots` — linked whenever the
program can verify a certificate chain without its own `RootCAs` (any `net/http` client doing
HTTPS, `tls.Dial`, `x509.SystemCertPool`). On Linux, Go's `crypto/x509` (`root_linux.go`, Go
1.27) reads the first existing file of `/etc/ssl/certs/ca-certificates.crt`,
`/etc/pki/tls/certs/ca-bundle.crt`, `/etc/ssl/ca-bundle.pem`, `/etc/pki/tls/cacert.pem`,
`/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem`, `/etc/ssl/cert.pem`, plus every file in
`/etc/ssl/certs` and `/etc/pki/tls/certs`; `SSL_CERT_FILE` replaces the file list and
`SSL_CERT_DIR` (colon-separated) the directories. golayer reports the binary when none of these
resolve to a file in the image (following its symlinks), taking `SSL_CERT_FILE`/`SSL_CERT_DIR`
from the image's `Env`.

## Why it is bad
Every HTTPS request to a public host then fails at run time with
`tls: failed to verify certificate: x509: certificate signed by unknown authority`. `scratch`
contains no CA bundle; a multi-stage build that copies only the binary onto it has none
*(documented; golayer's facts: "TLS to public hosts needs a CA bundle or SSL_CERT_FILE")*. The
distroless-like base in golayer's measurements (CA bundle, tzdata, passwd) costs 1.6 MB over
`scratch` (9.4 MB -> 11.0 MB).

## Example
Bad:
```dockerfile
FROM scratch
COPY --from=build /app /app
```
Good:
```dockerfile
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /app /app
```
or use `gcr.io/distroless/static-debian12`, which ships the bundle.

## Fix
No automatic fix. Copy a CA bundle into the final stage, use a base that has one, or set
`SSL_CERT_FILE` to a bundle you ship. If the program only talks to services with a private CA
that it loads itself (`RootCAs`), suppress the finding for that image.

## References
- Go's search list: `$GOROOT/src/crypto/x509/root_linux.go`, `root.go` (`SSL_CERT_FILE`, `SSL_CERT_DIR`)
- https://pkg.go.dev/crypto/x509#SystemCertPool
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.image.lookups import files_in_dirs, go_binaries, resolve_file
from golayer.rules.image._binaries import extra

RULE = Rule(
    code="GLI025",
    name="missing-ca-certificates",
    severity=Severity.WARNING,
    summary="Go binary uses the system TLS roots but the image has no CA bundle where Go looks",
)

# crypto/x509 root_linux.go (Go 1.27.3): files (first one found wins) and directories (all read)
CERT_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
)
CERT_DIRS = ("/etc/ssl/certs", "/etc/pki/tls/certs")


def ca_source(analysis) -> tuple[str | None, str]:
    """(where the roots would come from, or None; what was looked at)."""
    env = analysis.env
    files = [env["SSL_CERT_FILE"]] if env.get("SSL_CERT_FILE") else list(CERT_FILES)
    dirs = [d for d in env["SSL_CERT_DIR"].split(":") if d] if env.get("SSL_CERT_DIR") else list(CERT_DIRS)
    for f in files:
        e = resolve_file(analysis, f)
        if e is not None and (e.size > 0 or e.type == "hardlink"):
            return f, ""
    counts = files_in_dirs(analysis, dirs)
    for d in dirs:
        if counts.get(d):
            return d, ""
    looked = []
    looked.append(f"SSL_CERT_FILE={env['SSL_CERT_FILE']}" if env.get("SSL_CERT_FILE")
                  else f"{len(CERT_FILES)} bundle paths incl. {CERT_FILES[0]}")
    looked.append(f"SSL_CERT_DIR={env['SSL_CERT_DIR']}" if env.get("SSL_CERT_DIR") else ", ".join(CERT_DIRS))
    return None, "; ".join(looked)


def check(analysis):
    users = [b for b in go_binaries(analysis) if b.uses_system_roots]
    if not users:
        return
    found, looked = ca_source(analysis)
    if found is not None:
        return
    for b in users:
        yield RULE.finding(
            f"{b.path} verifies TLS certificates against the system roots (crypto/x509.loadSystemRoots "
            f"is linked) but the image has no CA certificates where Go looks ({looked}); HTTPS calls "
            f"will fail with `x509: certificate signed by unknown authority`",
            hint="COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ (or use a base "
                 "with ca-certificates, or set SSL_CERT_FILE)",
            extra=extra(analysis, b, looked=looked),
        )
