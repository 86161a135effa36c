"""Go's build cache (GOCACHE) is in the image.

## What it finds
A directory with the layout `go build` writes to its build cache -- `README`, `trim.txt` and
two-hex-digit subdirectories `00` .. `ff` -- in any layer, wherever it lives (the default
`/root/.cache/go-build`, `$XDG_CACHE_HOME/go-build`, or a custom `GOCACHE`). It reports the
bytes visible in the final filesystem and the bytes still stored in lower layers after a later
`rm -rf` (those are shipped to every puller just the same).

## Why it is bad
The build cache is compiler output for every package compiled, useful only to the next build.
Measured: in a single-stage Go image (650.6 MB) the `go build` layer is 97.6 MB, of which the
build cache is **88.0 MB** and the binary only 9.5 MB. Deleting it in a later `RUN` does not help:
the bytes stay in the layer that wrote them.

## Example
Bad:
```dockerfile
FROM golang:1.27
WORKDIR /src
COPY . .
RUN go build -o /app .
```
Good (the cache lives in a BuildKit cache mount, the final image holds only the binary):
```dockerfile
FROM golang:1.27 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .
FROM gcr.io/distroless/static
COPY --from=build /app /app
```

## Fix
No automatic fix (the image is built output). Build in a separate stage and copy only the
binary, or mount the cache with `RUN --mount=type=cache,target=/root/.cache/go-build` (works in
Docker 20.10's built-in BuildKit; edit-one-file rebuilds drop from 12.6-17.2 s to 0.5 s).

## References
- `go help cache`
- https://docs.docker.com/build/cache/optimize/#use-cache-mounts
- Proof: `tests/lab/test_proof_layers.py::test_image_analysis_attributes_within_one_percent`
"""

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.rules.image._util import group_findings

RULE = Rule("GLI001", "image-go-build-cache", Severity.WARNING, "Go's build cache (GOCACHE) is stored in the image")


def check(ana):
    yield from group_findings(RULE, ana, "go-build-cache", "Go build cache",
                              "build in a separate stage or use RUN --mount=type=cache,target=<GOCACHE>")
