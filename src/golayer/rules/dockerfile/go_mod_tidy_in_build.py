"""The image build rewrites go.mod/go.sum (`go mod tidy`, `go get`, `go mod edit`).

## What it finds
After go.mod has been copied from the build context into the stage:

* `go mod tidy` (but not `go mod tidy -diff`, which only reports);
* `go get ...` in module mode (it adds or changes requirements);
* `go mod edit` with an editing flag (`-require`, `-replace`, `-go`, `-droprequire`, ...; `-json` and
  `-print` only read).

`go get` in GOPATH mode (`GO111MODULE=off`) and `go install pkg@version` do not touch go.mod and are
not reported here (see `unpinned-go-install` for moving versions).

## Why it is bad
The binary in the image is then built from a module graph that nobody committed or reviewed: the
go.mod/go.sum in your repository say one thing, the image was built from another. `go mod tidy` and
`go get` resolve versions over the network at build time (no proxy or checksum-database answer, no
build), so the same commit can build differently on different days, and `go.sum` entries added in the
build were never seen by code review or by `go mod verify` in CI.

## Example
Bad:
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go mod tidy && go build -o /out/app .
```
Good - tidy in the repository, let CI check it, build what was committed:
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -mod=readonly -o /out/app .
```

## Fix
No automatic fix: run `go mod tidy` in the repository and commit go.mod/go.sum; in CI, fail when
`go mod tidy -diff` reports a difference. Remove the command from the Dockerfile.

## References
- https://go.dev/ref/mod#go-mod-tidy
- https://go.dev/ref/mod#go-get
- https://go.dev/ref/mod#build-commands (-mod=readonly is the default)
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile import gofacts
from golayer.dockerfile.model import DockerfileModel
from golayer.findings import Finding, Severity

RULE = Rule(
    code="GLD035",
    name="go-mod-tidy-in-build",
    severity=Severity.WARNING,
    summary="`go mod tidy` / `go get` changing go.mod during the image build",
)

_EDIT_READ_ONLY = {"-json", "-print", "-fmt"}


def _what(c, gopath_mode: bool) -> str | None:
    g = c.go
    if g.sub == "mod tidy":
        if "-diff" in g.flags:
            return None
        return "`go mod tidy` rewrites go.mod and go.sum"
    if g.sub == "get" and not gopath_mode:
        return f"`go get {' '.join(g.packages) or ''}`".replace(" `", "`").rstrip() + \
            " may add or change requirements in go.mod"
    if g.sub == "mod edit":
        edits = [k for k in g.flags if k not in _EDIT_READ_ONLY]
        if edits and not any(k in g.flags for k in ("-json", "-print")):
            return f"`go mod edit {edits[0]}` rewrites go.mod"
    return None


def check(model: DockerfileModel) -> Iterator[Finding]:
    for ins in model.runs():
        st = ins.stage
        if st is None or not gofacts.gomod_copied(ins):
            continue
        for c in ins.go_commands():
            gopath_mode = (c.env.get("GO111MODULE") or ins.go.GO111MODULE or "").strip().lower() == "off"
            what = _what(c, gopath_mode)
            if what is None:
                continue
            yield RULE.finding(
                f"{what} in stage {st.label}: the image is not built from the "
                "committed module graph",
                line=c.line, end_line=c.line, stage=st.label,
                hint="run it in the repository, commit go.mod/go.sum, and check with `go mod tidy -diff` in CI",
                subject=f"{st.label}:{c.go.sub}:{c.text}",
            )
