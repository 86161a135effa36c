"""Reports a Go binary built from a working tree with uncommitted changes.

## What it finds
Go binaries whose buildinfo records `vcs.modified=true` (Go >= 1.18 stamps VCS state by default
with `-buildvcs=auto` when the source is a git/hg/... checkout and the VCS tool is installed).
The message names the recorded `vcs.revision` and `vcs.time`.

## Why it is bad
The image claims a revision (`vcs.revision`, and the `+dirty` pseudo-version of the main module)
that is *not* what it contains: the build included local edits that exist in no commit, so
nobody can rebuild or audit the shipped code from the repository. In CI it usually means a build
step modified tracked files (generated code, `go mod tidy`, a version file) before `go build`.

## Example
Bad — buildinfo of a binary built after editing `main.go` without committing:
```
build vcs.revision=82162bce0469ec781d58dad50042b51e468d2256
build vcs.modified=true
```
Good: build from a clean checkout (`git status --porcelain` empty), or commit generated files.

## Fix
No automatic fix; build from a clean tree.

## References
- `go help buildvcs`: https://pkg.go.dev/cmd/go#hdr-Build_and_test_caching
- https://pkg.go.dev/runtime/debug#BuildSetting
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.image.lookups import go_binaries
from golayer.rules.image._binaries import extra

RULE = Rule(
    code="GLI027",
    name="binary-dirty-vcs",
    severity=Severity.INFO,
    summary="Go binary was built from a working tree with uncommitted changes (vcs.modified=true)",
)


def check(analysis):
    for b in go_binaries(analysis):
        if b.buildinfo is None or b.buildinfo.setting("vcs.modified") != "true":
            continue
        rev = b.buildinfo.setting("vcs.revision") or "?"
        when = b.buildinfo.setting("vcs.time")
        vcs = b.buildinfo.setting("vcs") or "vcs"
        yield RULE.finding(
            f"{b.path} was built from a {vcs} tree with uncommitted changes (vcs.modified=true, "
            f"vcs.revision={rev}{', vcs.time=' + when if when else ''}): the image contains code "
            f"that is in no commit",
            hint="build from a clean checkout",
            extra=extra(analysis, b, vcs_revision=rev),
        )
