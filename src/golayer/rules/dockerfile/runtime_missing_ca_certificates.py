"""Flags a program that makes TLS connections shipped on a base without a CA bundle.

## What it finds
The Go sources in the build context make outbound TLS connections — `tls.Dial`/`tls.Client`,
gRPC `credentials.NewTLS`/`NewClientTLSFromCert`, a cloud SDK (`cloud.google.com/go/...`,
`github.com/aws/aws-sdk-go...`, Azure SDK), or an HTTP client call (`http.Get`, `http.Post`,
`http.NewRequest`, `http.Client{...}`, `http.DefaultClient`) in a file that also holds an
`https://` literal — and the **target stage** has no CA certificates:
- its base has none (`scratch`, debian/ubuntu without the `ca-certificates` package, busybox);
- it installs no `ca-certificates` package, copies nothing under `/etc/ssl`/`/etc/pki` or
  named like a CA bundle, and sets no `SSL_CERT_FILE`/`SSL_CERT_DIR`;
- the target runs a Go binary built in this Dockerfile.

Silent for bases with a bundle (distroless, alpine, golang, chainguard), bases unknown to
golayer, programs that only serve (a server needs its own certificate, not the CA bundle),
URLs that come only from configuration (golayer cannot see them), and contexts it cannot read
or that are too large to scan quickly (over 2,000 Go files or 16 MB). Test files, `vendor/` and `testdata/` are skipped.

Only the programs the image holds count, as in runtime-missing-zoneinfo: the files of the packages
its Go binaries are built from and of the module's packages they import (a release tool under `hack/`
that calls an https API is not in the image); the whole context when those cannot be placed.

## Why it is bad
Go's `crypto/x509` reads the system roots from `SSL_CERT_FILE`, `SSL_CERT_DIR` or the usual
bundle paths (`/etc/ssl/certs/ca-certificates.crt`, `/etc/pki/tls/certs/...`). Without one,
every TLS handshake to a public host fails with `x509: certificate signed by unknown
authority` *(documented)*: the image builds and starts, and the first outbound call fails in
production. The measured sizes show the fix costs nothing: the distroless-like base with a CA
bundle, tzdata and passwd made an 11.0 MB image against 9.4 MB on `scratch`.
(`golayer image` checks the built image: `missing-ca-certificates`.)

## Example
Bad:
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```
Good:
```dockerfile
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
```
or `FROM gcr.io/distroless/static-debian12:nonroot`, which ships the bundle.

## Fix
No automatic fix: copying the builder's bundle and switching the base are both reasonable,
and the bundle must come from a stage that has one.

## References
- Go `crypto/x509` system roots on Linux: https://pkg.go.dev/crypto/x509#SystemCertPool
- `SSL_CERT_FILE`/`SSL_CERT_DIR`: https://pkg.go.dev/crypto/x509#hdr-Environment_Variables
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.dockerfile import final, goreach
from golayer.findings import Severity

RULE = Rule(
    code="GLD020",
    name="runtime-missing-ca-certificates",
    severity=Severity.WARNING,
    summary="the program makes TLS client connections but the target image has no CA bundle",
)


def check(model):
    target = model.target
    if target is None:
        return
    if not final.binaries_copied_into(model, target) and not final.binaries_built_in(model, target):
        return
    if final.stage_provides(target, "ca") is not False:
        return
    src = goreach.binary_source_facts(model)
    if src is None or not src.outbound_tls:
        return
    base = final.root_base(target)
    fi = final.chain(target)[0].from_instruction
    line = fi.start_line if fi else 1
    where = src.outbound_tls[0] + (f" and {len(src.outbound_tls) - 1} more" if len(src.outbound_tls) > 1 else "")
    yield RULE.finding(
        f"{where} makes TLS client connections but stage {target.label} ({base.ref}) has no CA bundle: "
        "handshakes fail with `x509: certificate signed by unknown authority`",
        file=str(model.path), line=line, end_line=fi.end_line if fi else line, stage=target.label,
        hint="COPY --from=<builder> /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/, or use a distroless base",
        subject=f"{target.label} ca-certificates",
    )
