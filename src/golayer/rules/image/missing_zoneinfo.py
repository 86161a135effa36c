"""Flags a Go binary that loads named time zones while the image has no zone database and the
binary does not embed one.

## What it finds
Go binaries whose function table (`.gopclntab`) contains `time.LoadLocation` but not the
`time/tzdata` package (`time/tzdata.loadFromEmbeddedTZData`, linked by `import _ "time/tzdata"`
or `-tags timetzdata`; both verified with real Go 1.27.3 builds), in an image where none of Go's
zone sources exist: the `ZONEINFO` directory or zip from the image's `Env`, the Unix directories
`/usr/share/zoneinfo/`, `/usr/share/lib/zoneinfo/`, `/usr/lib/locale/TZ/`, `/etc/zoneinfo`
(`time/zoneinfo_unix.go`), or — for binaries built without `-trimpath`, whose `runtime.GOROOT()`
is the builder's — `$GOROOT/lib/time/zoneinfo.zip` (`GOROOT` from `Env`, else `/usr/local/go`).

## Why it is bad
`time.LoadLocation("Europe/Berlin")` returns `unknown time zone Europe/Berlin` at run time
(golayer's facts: measured on `scratch` with a static binary). Programs usually treat that as
fatal or silently fall back to UTC, shifting every timestamp they compute.

## Example
Bad:
```dockerfile
FROM scratch
COPY --from=build /app /app
```
Good — embed the database (measured with Go 1.27.3: +412 kB, 2.42 MB -> 2.83 MB):
```go
import _ "time/tzdata"
```
or `go build -tags timetzdata`, or copy `/usr/share/zoneinfo` into the final stage.

## Fix
No automatic fix. Embed `time/tzdata`, build with `-tags timetzdata`, or ship a zone database
(`COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo`, or a base with `tzdata`).

## References
- https://pkg.go.dev/time#LoadLocation
- https://pkg.go.dev/time/tzdata
- Proof: `tests/lab/test_proof_cgo.py::test_missing_zoneinfo_flagged`
- Proof: `tests/lab/test_proof_cgo.py::test_static_binary_on_scratch_fails_load_location`
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.image.lookups import files_in_dirs, go_binaries, is_dir, resolve_file
from golayer.rules.image._binaries import extra

RULE = Rule(
    code="GLI026",
    name="missing-zoneinfo",
    severity=Severity.WARNING,
    summary="Go binary calls time.LoadLocation without embedded tzdata and the image has no zoneinfo",
)

ZONE_DIRS = ("/usr/share/zoneinfo", "/usr/share/lib/zoneinfo", "/usr/lib/locale/TZ", "/etc/zoneinfo")


def zone_source(analysis, trimpath: bool | None) -> str | None:
    env = analysis.env
    zi = env.get("ZONEINFO")
    if zi:
        if resolve_file(analysis, zi) is not None:
            return zi
        if is_dir(analysis, zi) and files_in_dirs(analysis, [zi], recursive=True).get(zi):
            return zi
    present = [d for d in ZONE_DIRS if is_dir(analysis, d)]
    if present:
        counts = files_in_dirs(analysis, present, recursive=True)
        for d in present:
            if counts.get(d):
                return d
    if trimpath is not True:
        goroot = env.get("GOROOT") or "/usr/local/go"
        z = goroot.rstrip("/") + "/lib/time/zoneinfo.zip"
        if resolve_file(analysis, z) is not None:
            return z
    return None


def check(analysis):
    for b in go_binaries(analysis):
        if not b.uses_load_location or b.embeds_tzdata:
            continue
        if zone_source(analysis, b.trimpath) is not None:
            continue
        zi = analysis.env.get("ZONEINFO")
        extra_note = f" (ZONEINFO={zi} does not exist in the image)" if zi else ""
        yield RULE.finding(
            f"{b.path} calls time.LoadLocation, does not embed time/tzdata, and the image has no "
            f"zone database (/usr/share/zoneinfo and Go's other sources are absent){extra_note}; "
            f"named zones fail at run time with `unknown time zone`",
            hint='import _ "time/tzdata" (or go build -tags timetzdata), or copy /usr/share/zoneinfo '
                 "into the final stage",
            extra=extra(analysis, b),
        )
