"""Version-control metadata (.git, .hg, .svn) is in the image.

## What it finds
A `.git` (or `.hg`, `.svn`, `.bzr`) directory or `.git` file in any layer, with its bytes --
visible at the end or left behind in a lower layer after a later deletion.

## Why it is bad
`.git` holds the project's complete history -- every file ever committed, including secrets that
were "removed" later -- and often credentials in `.git/config` remote URLs. `COPY . .` copies it
unless `.dockerignore` excludes it. Deleting it in a later layer does not remove it from the
layer that copied it.

## Example
Bad (no `.dockerignore`):
```dockerfile
FROM golang:1.27
COPY . /src
```
Good: a `.dockerignore` with
```
.git
```
or a multi-stage build that copies only the binary. To embed VCS information in the binary,
build with the repository present in the *build* stage only (`go build` records `vcs.*` settings).

## Fix
No automatic fix. Add `.git` to `.dockerignore` and rebuild; see also the lint rules about
`COPY . .` without `.dockerignore`.

## References
- https://docs.docker.com/build/concepts/context/#dockerignore-files
"""

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.rules.image._util import group_findings

RULE = Rule("GLI005", "image-vcs-metadata", Severity.WARNING, "version-control metadata (.git and friends) is stored in the image")


def check(ana):
    yield from group_findings(RULE, ana, "vcs-metadata", "VCS metadata",
                              "add .git to .dockerignore, or copy only the binary into the final stage")
