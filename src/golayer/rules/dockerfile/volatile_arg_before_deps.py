"""A per-build value (version, commit, date...) is declared before the module download step.

## What it finds
In a stage, an `ARG` or `ENV` whose name says it changes with every build or release - `VERSION`,
`GIT_COMMIT`, `COMMIT`, `SHA`, `REVISION`, `BUILD_DATE`, `BUILD_TIME`, `BUILD_NUMBER`, `BUILD_ID`,
`SOURCE_DATE_EPOCH`, `VCS_REF`, `GIT_TAG`, CI variables (`CI_*`, `GITHUB_SHA`, `GITHUB_REF*`, ...) and the
like - declared before the stage's dependency step: a `RUN` that fetches modules without needing the
sources (`go mod download`, `go install tool@v1.2.3`) and comes before the sources are copied in and
before the first build of the stage's own code. Names that only end in `_COMMIT`, `_REVISION`,
`_GIT_TAG` ... count for an `ARG` without a default (`ARG UPSTREAM_COMMIT=3f2a…` usually pins a
dependency); an `ENV` counts only when its value refers to a variable (`ENV APP_VERSION=$VERSION`),
since a literal value changes only when the Dockerfile is edited.

A variable that an instruction up to and including the download step uses is not reported: that step
has to re-run for a new value anyway. Only what is declared *in the stage* counts: a global `ARG VERSION` before the first `FROM` is not in
scope of any stage's RUNs until the stage re-declares it. A download that comes after the whole
source tree is copied is not reported (every source change re-runs it anyway), and neither is a
stage without a download step.

## Why it is bad
Measured (FACTS): changing an `ENV` value re-runs every later `RUN` of the stage, in BOTH BuildKit and
the legacy builder, whether or not the command mentions the variable; the same holds for a changed
`--build-arg` value of a declared `ARG`. So `ARG VERSION` or `ARG GIT_COMMIT` declared before
`go mod download` re-runs the download - and every RUN in between, such as `apt-get install` - on
every release, throwing away the point of the go.mod-first layer. (A GOMODCACHE cache mount makes the
re-run cheaper but does not stop it.)

## Example
Bad:
```dockerfile
FROM golang:1.22 AS build
ARG VERSION
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -ldflags "-X main.version=${VERSION}" -o /out/app .
```
Good - declare it right before the step that uses it:
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION
RUN go build -ldflags "-X main.version=${VERSION}" -o /out/app .
```

## Fix
No automatic fix yet: move the `ARG`/`ENV` down to just before the first instruction that uses it
(after the download step). Moving an `ARG` never changes the result of the instructions that do not
use it.

## References
- https://docs.docker.com/build/cache/invalidation/#build-arguments-and-environment-variables
- https://docs.docker.com/reference/dockerfile/#impact-on-build-caching
- Proof: `tests/lab/test_proof_cache.py::test_changed_env_or_build_arg_reruns_later_runs`
"""

from __future__ import annotations

import re
from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile import gofacts
from golayer.dockerfile.model import DockerfileModel
from golayer.findings import Finding, Severity

RULE = Rule(
    code="GLD032",
    name="volatile-arg-before-deps",
    severity=Severity.WARNING,
    summary="ARG/ENV with per-build values (version, commit, date...) declared before the module download step",
)

_EXACT = {
    "VERSION", "COMMIT", "SHA", "REVISION", "REV", "GITCOMMIT", "GITSHA", "BUILDTIME", "BUILDDATE",
    "BUILD_DATE", "BUILD_TIME", "BUILD_TIMESTAMP", "BUILD_NUMBER", "BUILD_ID", "BUILD_VERSION", "BUILD_REF",
    "GIT_COMMIT", "GIT_SHA", "GIT_REV", "GIT_REVISION", "GIT_TAG", "GIT_VERSION", "GIT_DESCRIBE", "GIT_HASH",
    "GIT_BRANCH", "GIT_REF", "GIT_TREE_STATE", "COMMIT_SHA", "COMMIT_HASH", "COMMIT_ID", "SOURCE_COMMIT",
    "SOURCE_DATE_EPOCH", "VCS_REF", "RELEASE", "RELEASE_VERSION", "RELEASE_TAG", "APP_VERSION",
    "IMAGE_TAG", "IMAGE_VERSION", "PROJECT_VERSION", "SERVICE_VERSION", "TIMESTAMP", "DATE", "TAG",
    "SEMVER", "GITHUB_SHA", "GITHUB_REF", "GITHUB_REF_NAME", "GITHUB_RUN_ID", "GITHUB_RUN_NUMBER",
    "BUILDKITE_COMMIT", "BUILDKITE_BUILD_NUMBER", "DRONE_COMMIT", "DRONE_TAG", "TRAVIS_COMMIT", "CIRCLE_SHA1",
    "BITBUCKET_COMMIT", "BUILD_SOURCEVERSION", "LDFLAGS_VERSION",
}
_PREFIX = ("CI_", "GITHUB_RUN", "GITHUB_REF", "BUILDKITE_", "DRONE_", "TRAVIS_", "CIRCLE_")
# suffixes: only for an ARG without a default (X_COMMIT=abc123 is usually a pinned upstream commit)
_SUFFIX = re.compile(r"_(GIT_COMMIT|COMMIT|COMMIT_SHA|GIT_SHA|REVISION|BUILD_DATE|BUILD_TIME|BUILD_NUMBER|"
                     r"GIT_TAG|GIT_VERSION|TIMESTAMP)$")


def volatile(name: str, has_default: bool = False) -> bool:
    """Does this variable name say its value changes with every build or release?"""
    n = name.upper()
    return n in _EXACT or n.startswith(_PREFIX) or (not has_default and bool(_SUFFIX.search(n)))


def _declared(ins) -> list[str]:
    """Per-build variables an ARG/ENV declares. An ENV with a literal value changes only when the
    Dockerfile is edited, so it counts only when its value refers to a variable (an ARG)."""
    out = []
    if ins.cmd == "ARG":
        for a in ins.args:
            name, eq, _ = a.partition("=")
            if name.strip() and volatile(name.strip(), bool(eq)):
                out.append(name.strip())
    elif ins.cmd == "ENV":
        for k, v in zip(ins.args[0::2], ins.args[1::2]):
            if "$" in v and volatile(k, False):
                out.append(k)
    return out


def _uses(ins, name: str) -> bool:
    rx = re.compile(r"\$\{?" + re.escape(name) + r"\b")
    return bool(rx.search(ins.original) or any(rx.search(body) for _, body in ins.heredocs))


def check(model: DockerfileModel) -> Iterator[Finding]:
    for st in model.stages:
        step = gofacts.download_step(st)
        if step is None:
            continue
        what = next((c.go.sub for c in step.go_commands() if c.go.downloads), "download")
        items = st.instructions[: st.instructions.index(step) + 1]
        for pos, ins in enumerate(items[:-1]):
            for name in _declared(ins):
                if any(_uses(x, name) for x in items[pos + 1 :]):
                    continue  # a step up to the download needs the value: it has to re-run anyway
                yield RULE.finding(
                    f"{ins.cmd} {name} is declared in stage {st.label} before `go {what}` (line "
                    f"{step.start_line}): each new value re-runs that step and every RUN after it",
                    line=ins.start_line, end_line=ins.end_line, stage=st.label,
                    hint=f"move `{ins.cmd} {name}` below line {step.start_line}, just before the first "
                         "instruction that uses it",
                    subject=f"{st.label}:{name}",
                )
