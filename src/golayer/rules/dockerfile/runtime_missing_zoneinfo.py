"""Flags a program that loads time zones shipped on a base without a zone database.

## What it finds
The Go sources in the build context call `time.LoadLocation` (non-test files; `vendor/` and
`testdata/` skipped) and the **target stage** has no time zone database:
- its base has none (`scratch`, `alpine`, busybox — per golayer's base-image knowledge);
- it installs no `tzdata` package, copies nothing with `zoneinfo` in its path, and sets no
  `ZONEINFO`;
- no source file imports `time/tzdata` and no `go build`/`go install` copied into (or run in)
  the target uses `-tags timetzdata` (both embed the database into the binary);
- the target runs a Go binary built in this Dockerfile.

Silent for bases unknown to golayer or whose tzdata status it does not know (debian-slim),
for base images that have it (distroless, the golang images via `$GOROOT/lib/time`), when the
context cannot be read, or is too large to scan quickly (over 2,000 Go files or 16 MB).

Only the programs the image holds count: when every Go binary of the target is built from packages
golayer can place in the context (`go build ./cmd/agent`, `go build example.com/app/cmd/agent` under the
context's module, `go build .` after `cd`), only the files of those packages and of the packages of the
same module they import (transitively) are considered; a `time.LoadLocation` in another program of the
repository (`cmd/server`, a tool under `hack/`) does not make this image fail. When the packages cannot
be placed (`./...`, a variable, another module), every non-test file of the context counts
(`golayer.dockerfile.goreach`).

## Why it is bad
Measured: a static Go binary on `scratch` gets `unknown time zone Europe/Berlin` from
`time.LoadLocation`: Go looks in `$ZONEINFO`, `/usr/share/zoneinfo` and
`$GOROOT/lib/time/zoneinfo.zip`, and none exists in the image. The build succeeds and the
program starts; the error only appears on the code path that converts times, typically as a
500 in production. (`golayer image` confirms it on the built image: `missing-zoneinfo`.)

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
Good (any one of):
```dockerfile
RUN CGO_ENABLED=0 go build -tags timetzdata -o /out/app .
```
```dockerfile
FROM scratch
COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo
COPY --from=build /out/app /app
```
or `FROM gcr.io/distroless/static-debian12:nonroot` (ships tzdata), or `import _ "time/tzdata"`.

## Fix
No automatic fix: embedding (`-tags timetzdata`, +450 KB) and copying the database are both
reasonable and golayer does not choose for you.

## References
- `time.LoadLocation`: https://pkg.go.dev/time#LoadLocation
- `time/tzdata`: https://pkg.go.dev/time/tzdata
- Proof: `tests/lab/test_proof_cgo.py::test_static_binary_on_scratch_fails_load_location`
"""

from __future__ import annotations

import re

from golayer.catalogue import Rule
from golayer.dockerfile import final, goreach
from golayer.findings import Severity

RULE = Rule(
    code="GLD019",
    name="runtime-missing-zoneinfo",
    severity=Severity.WARNING,
    summary="the program calls time.LoadLocation but the target image has no time zone database",
)


def _embeds_tzdata(cmd, ins) -> bool:
    flags = " ".join([*(cmd.go.args if cmd.go else []), cmd.env.get("GOFLAGS") or ins.go.GOFLAGS or ""])
    return bool(re.search(r"-tags[= ]+['\"]?[A-Za-z0-9_.,\s]*\btimetzdata\b", flags))


def check(model):
    target = model.target
    if target is None:
        return
    binaries = [b for _, b in final.binaries_copied_into(model, target)]
    binaries += final.binaries_built_in(model, target)
    if not binaries:
        return
    if final.stage_provides(target, "tzdata") is not False:
        return
    if any(_embeds_tzdata(b.command, b.instruction) for b in binaries):
        return
    src = goreach.binary_source_facts(model)
    if src is None or not src.load_location or src.imports_tzdata:
        return
    base = final.root_base(target)
    fi = final.chain(target)[0].from_instruction
    line = fi.start_line if fi else 1
    where = src.load_location[0] + (f" and {len(src.load_location) - 1} more" if len(src.load_location) > 1 else "")
    yield RULE.finding(
        f"{where} calls time.LoadLocation but stage {target.label} ({base.ref}) has no time zone database: "
        "it fails with `unknown time zone`",
        file=str(model.path), line=line, end_line=fi.end_line if fi else line, stage=target.label,
        hint="build with -tags timetzdata (or import _ \"time/tzdata\"), or COPY /usr/share/zoneinfo from the builder",
        subject=f"{target.label} zoneinfo",
    )
