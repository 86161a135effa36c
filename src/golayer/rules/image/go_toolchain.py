"""A Go toolchain (GOROOT) is in the image.

## What it finds
A directory with a `VERSION` file, `src/runtime/` and `pkg/tool/` -- a Go installation
(`/usr/local/go` in the official images, `/usr/lib/go-1.x` from distribution packages, an SDK
under `~/sdk`) -- visible in the final filesystem or left in a lower layer.

## Why it is bad
A Go program is a self-contained binary; the toolchain that compiled it is not needed to run it.
Measured: the toolchain (`/usr/local/go`) is **226.9 MB** of a 650.6 MB single-stage image,
while the same service on `scratch` is 9.4 MB (11.0 MB on a distroless-like base). It also adds a
compiler to every running container (attack surface) and to every vulnerability scan.

## Example
Bad:
```dockerfile
FROM golang:1.27
COPY . /src
RUN cd /src && go build -o /app .
CMD ["/app"]
```
Good:
```dockerfile
FROM golang:1.27 AS build
COPY . /src
RUN cd /src && CGO_ENABLED=0 go build -o /app .
FROM scratch
COPY --from=build /app /app
CMD ["/app"]
```

## Fix
No automatic fix. Use a multi-stage build whose final stage is `scratch`, distroless or a small
runtime base, and copy only the binary (plus CA certificates / tzdata if it needs them).

## References
- https://docs.docker.com/build/building/multi-stage/
- Proof: `tests/lab/test_proof_layers.py::test_image_analysis_attributes_within_one_percent`
"""

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.rules.image._util import group_findings

RULE = Rule("GLI003", "image-go-toolchain", Severity.WARNING, "a Go toolchain (GOROOT) is stored in the image")


def check(ana):
    yield from group_findings(RULE, ana, "go-toolchain", "Go toolchain",
                              "use a multi-stage build and copy only the binary into a small final stage")
