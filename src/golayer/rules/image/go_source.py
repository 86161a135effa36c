"""Go source code is in the image.

## What it finds
`*.go`, `go.mod`, `go.sum` and `go.work` files outside the module cache and the toolchain, grouped
by the module directory (the nearest directory with a `go.mod`), visible in the final filesystem
or left in lower layers.

## Why it is bad
A compiled Go program does not read its sources at run time. Shipping them enlarges the image,
discloses the code (and whatever comments and test fixtures hold) to everyone who can pull the
image, and usually means the whole build context -- including files that were never meant to be
shipped -- was copied into the final stage.

## Example
Bad:
```dockerfile
FROM golang:1.27
WORKDIR /src
COPY . .
RUN go build -o /app .
```
Good:
```dockerfile
FROM golang:1.27 AS build
WORKDIR /src
COPY . .
RUN go build -o /app .
FROM gcr.io/distroless/static
COPY --from=build /app /app
```

## Fix
No automatic fix. Build in a separate stage and copy only the binary (and any assets it really
reads, e.g. with `//go:embed` they are already inside the binary).

## References
- https://docs.docker.com/build/building/multi-stage/
"""

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.rules.image._util import group_findings

RULE = Rule("GLI004", "image-go-source", Severity.INFO, "Go source files are stored in the image")


def check(ana):
    yield from group_findings(RULE, ana, "go-source", "Go source",
                              "copy only the built binary into the final stage")
