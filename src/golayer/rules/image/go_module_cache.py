"""Go's module cache (GOMODCACHE) is in the image.

## What it finds
A directory `D` holding `D/cache/download/<module>/@v/...` -- the layout of Go's module cache
(`/go/pkg/mod` in the official images, `$GOPATH/pkg/mod` elsewhere, or a custom `GOMODCACHE`)
-- in any layer: the extracted module sources under `D` and the download cache. Visible bytes and
bytes left in lower layers after a later deletion are both reported.

## Why it is bad
The module cache holds the full source of every dependency at every version downloaded, plus the
zip files they came from: it is needed to compile, never to run. It also tends to travel with the
source tree: with `GOPATH` set to the project directory the cache lives *inside* it, so `COPY
--from=build /workspace /app` drags it into the final image (measured: `COPY . /workspace` does
not delete the downloaded modules, COPY merges). In multi-stage builds it never reaches the final
image unless the Dockerfile copies it.

## Example
Bad:
```dockerfile
FROM golang:1.27
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /app .
```
Good:
```dockerfile
FROM golang:1.27 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod go build -o /app .
FROM gcr.io/distroless/static
COPY --from=build /app /app
```

## Fix
No automatic fix. Copy only the binary into the final stage, or keep the cache in a
`RUN --mount=type=cache,target=/go/pkg/mod` mount.

## References
- `go help modules` (GOMODCACHE)
- https://go.dev/ref/mod#module-cache
"""

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.rules.image._util import group_findings

RULE = Rule("GLI002", "image-go-module-cache", Severity.WARNING, "Go's module cache (GOMODCACHE) is stored in the image")


def check(ana):
    yield from group_findings(RULE, ana, "go-module-cache", "Go module cache",
                              "copy only the binary into the final stage, or use RUN --mount=type=cache,target=<GOMODCACHE>")
