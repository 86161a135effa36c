"""Go module checksum verification is turned off (or modules may be fetched without TLS).

## What it finds
A Go setting given a value by the Dockerfile - `ENV`, `ARG` (default or `--build-arg`), `go env -w`,
an inline `VAR=x go ...` or an `export` inside a `RUN` - that switches off the checksum database
(`sum.golang.org`) for every module, or lets modules be fetched insecurely:

* `GOSUMDB=off`;
* `GONOSUMDB` (or `GOPRIVATE`, which is GONOSUMDB's default) with a pattern that matches every module
  path (`*`, `*/*`, `*/*/*`) or every module of a public host (`github.com`, `gitlab.com/*`, `gopkg.in`);
* any `GOINSECURE` value (modules matching it are fetched over plain HTTP / unverified TLS);
* `-insecure` in `GOFLAGS`.

A narrow private pattern such as `GOPRIVATE=github.com/myorg/*` is what GOPRIVATE is for and is not
reported. Values that come from the base image or cannot be resolved (an `ARG` without a default)
are not reported.

## Why it is bad
The checksum database is what makes `go mod download` refuse a module whose content differs from what
everyone else got for that version. Turning it off in the image build is a supply-chain weakening,
not a "hardening" or a speed-up (FACTS: `GOSUMDB=off`, `GONOSUMDB=*`, `GOINSECURE` and
`GOFLAGS=-insecure` turn off checksum-database verification of downloaded modules). Details golayer
checked in the Go 1.27.3 sources:

* The go command uses the database for a module unless `GOSUMDB=off` or the module path matches
  `GONOSUMDB`; `GONOSUMDB` defaults to `GOPRIVATE` when it is not set (`cfg.go`:
  `EnvOrAndChanged("GONOSUMDB", GOPRIVATE)`). A pattern with N slashes is matched against the first
  N+1 path elements, so `*` matches every module path and `*/*` every path with two or more elements.
* `GOINSECURE` makes direct fetches of matching modules use `web.Insecure` (HTTP allowed, TLS not
  verified). It does not by itself skip the checksum database, but a module fetched that way is
  only as trustworthy as the network path.
* `go get -insecure` is rejected by current Go ("-insecure flag is no longer supported; use
  GOINSECURE instead"); on the old versions that accepted it, it skipped both TLS and checksum checks.
* `GONOSUMCHECK` is not read by the go command at all (absent from the Go 1.27.3 binary and sources),
  so golayer does not report it.

## Example
Bad:
```dockerfile
FROM golang:1.22 AS build
ENV GOPRIVATE=* GOSUMDB=off
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
```
Good - only your own modules skip the public proxy and checksum database, private access comes from a
build secret:
```dockerfile
FROM golang:1.22 AS build
ENV GOPRIVATE=github.com/myorg/*
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=secret,id=netrc,target=/root/.netrc go mod download
```

## Fix
No automatic fix: which module paths are really private is a decision only you can make. Narrow the
pattern to your organisation's module prefix, remove `GOSUMDB=off`, `GOINSECURE` and `-insecure`, and,
if you run your own checksum database or proxy, point `GOSUMDB`/`GOPROXY` at it instead.

## References
- https://go.dev/ref/mod#private-module-privacy
- https://go.dev/ref/mod#checksum-database
- https://go.dev/ref/mod#environment-variables
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile import gofacts
from golayer.dockerfile.model import DockerfileModel, is_unknown
from golayer.findings import Finding, Severity

RULE = Rule(
    code="GLD030",
    name="checksum-db-disabled",
    severity=Severity.WARNING,
    summary="GOSUMDB=off, GONOSUMDB/GOPRIVATE covering every module, GOINSECURE or GOFLAGS=-insecure",
)

_NAMES = ("GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GOINSECURE", "GOFLAGS")


def _problem(src: gofacts.SettingSource) -> str | None:
    name, value = src.name, src.value
    if is_unknown(value):
        return None
    v = value.strip().strip("'\"")
    if name == "GOSUMDB":
        if v.lower() == "off":
            return "turns the checksum database off for every module"
        return None
    if name in ("GONOSUMDB", "GOPRIVATE"):
        cover = gofacts.glob_list_covers(v)
        if cover is None:
            return None
        if name == "GOPRIVATE":
            nosum = src.command.env.get("GONOSUMDB") if src.command is not None else None
            if not nosum:
                at = src.instruction.go if src.how in ("inline", "export") else gofacts.settings_after(src.instruction)
                nosum = at.GONOSUMDB
            if nosum:
                return None  # GONOSUMDB is set: GOPRIVATE no longer decides what skips the checksum database
        kind, what = cover
        scope = "every module path" if kind == "all" else f"every module on {what}"
        extra = " (GOPRIVATE also sends them around the proxy)" if name == "GOPRIVATE" else ""
        return f"matches {scope}: none of them is checked against the checksum database{extra}"
    if name == "GOINSECURE":
        if not v:
            return None
        cover = gofacts.glob_list_covers(v)
        scope = ("every module" if cover and cover[0] == "all" else
                 f"every module on {cover[1]}" if cover else "modules matching it")
        return f"lets {scope} be fetched over plain HTTP or unverified TLS"
    if name == "GOFLAGS":
        words = v.split()
        if any(w in ("-insecure", "--insecure") or w.startswith(("-insecure=", "--insecure=")) and
               not w.endswith(("=false", "=0")) for w in words):
            return "asks go get to skip TLS and checksum verification (current Go rejects the flag)"
    return None


def check(model: DockerfileModel) -> Iterator[Finding]:
    seen: set[tuple[int, str, str]] = set()
    for src in gofacts.setting_sources(model, _NAMES):
        why = _problem(src)
        if why is None:
            continue
        key = (src.line, src.name, src.value)
        if key in seen:
            continue
        seen.add(key)
        stage = src.stage.label if src.stage is not None else None
        yield RULE.finding(
            f"{src.describe()} in stage {stage} {why}",
            line=src.line, end_line=src.line if src.command else src.instruction.end_line, stage=stage,
            hint="narrow GOPRIVATE/GONOSUMDB to your own module prefix (e.g. github.com/myorg/*) and drop "
                 "GOSUMDB=off/GOINSECURE/-insecure",
            subject=f"{src.name}={src.value}",
        )
