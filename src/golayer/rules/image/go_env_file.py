"""A Go environment file (`go env -w`) or Go telemetry data is in the image.

## What it finds
The file `go env -w` writes, `$(go env GOENV)` = `os.UserConfigDir()/go/env` (e.g.
`/root/.config/go/env`, or under `$XDG_CONFIG_HOME`), and the Go telemetry directory
`.../go/telemetry/` that every `go` command run in a `RUN` writes (Go >= 1.23).

## Why it is bad
Not for its size: measured, the env file is tens of bytes (an image with `go env -w` and one with
`ENV` differ by 32,893 bytes) -- it does **not** bloat images, whatever blog posts say. What it
costs: the settings in it are invisible to `docker inspect`, tied to one user's `HOME` (lost after
`USER` or `HOME` changes), and persist into every image built on this stage. The telemetry
counters (`~/.config/go/telemetry/local/*.count`, 16 KiB each) are build-host noise in the layer.
`GOTELEMETRY=off` (or `go telemetry off`) stops them.

## Example
Bad:
```dockerfile
FROM golang:1.27
RUN go env -w GOPRIVATE=example.com/* GOFLAGS=-mod=mod
```
Good:
```dockerfile
FROM golang:1.27
ENV GOPRIVATE=example.com/* GOFLAGS=-mod=mod GOTELEMETRY=off
```

## Fix
No automatic fix here (the lint rule for `go env -w` offers one on the Dockerfile): use `ENV`
instead of `go env -w`, set `GOTELEMETRY=off`, and keep build stages out of the final image.

## References
- `go help environment` (GOENV)
- https://go.dev/doc/telemetry
- Proof: `tests/lab/test_proof_goenv.py::test_go_env_w_is_a_file_invisible_to_inspect`
"""

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.rules.image._util import group_findings

RULE = Rule("GLI006", "image-go-env-file", Severity.INFO, "a `go env -w` file or Go telemetry data is stored in the image")


def check(ana):
    yield from group_findings(RULE, ana, "go-env-file", "Go env file / telemetry",
                              "use ENV instead of `go env -w`, and set GOTELEMETRY=off in build stages")
