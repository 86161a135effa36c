"""A Go tool or dependency is installed at whatever version is newest at build time.

## What it finds
`go install`, `go run` and `go get` of a remote package at a moving version: `@latest`, `@upgrade`,
`@patch`, a branch (`@master`, `@main`, `@HEAD`), or a semver prefix that picks the newest match
(`@v1`, `@v1.2`, `@>=v1.2.0`); and `go get remote/pkg` with no version at all (which means `@upgrade`),
as well as `go get -u`. In GOPATH mode (`GO111MODULE=off`) `go get remote/pkg` fetches the default
branch and is reported too.

A version taken from an `ARG`/`ENV` (`@${LINT_VERSION}`) is resolved as BuildKit would: reported when
its value here is `latest`, a branch name or another moving query, empty, or when it is an `ARG`
declared without a value (nothing in the Dockerfile pins it); `${V:-latest}` defaults count.

Not reported: a full version (`@v1.2.3`, pre-releases, pseudo-versions, a commit hash), local packages
(`./cmd/...`, `.`, `/abs/path`), `go get` with no package arguments, a version from an `ARG`/`ENV` whose value is a
full version (`ARG LINT_VERSION=v1.61.0`), and `go install remote/pkg` / `go run remote/pkg` without `@`: in module mode these
use the version the main module's go.mod requires (and fail outside a module).

## Why it is bad
The image then depends on the day it was built: two builds of the same commit can contain different
tool or dependency versions, the build cache hides which one you got, and a compromised or broken new
release flows straight into your image without review. A fixed version keeps the build reproducible
and changes visible in the Dockerfile's diff.

## Example
Bad:
```dockerfile
RUN go install github.com/swaggo/swag/cmd/swag@latest
```
Good:
```dockerfile
RUN go install github.com/swaggo/swag/cmd/swag@v1.16.3
```

## Fix
No automatic fix: pick the version you have tested (`go list -m -versions MODULE` lists them) and write
it after `@`, or track tools in your go.mod (Go 1.24 `tool` directives) and run `go install tool`.

## References
- https://go.dev/ref/mod#go-install
- https://go.dev/ref/mod#version-queries
- https://go.dev/ref/mod#go-get
"""

from __future__ import annotations

import re
from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile.model import DockerfileModel, is_unknown
from golayer.findings import Finding, Severity

RULE = Rule(
    code="GLD034",
    name="unpinned-go-install",
    severity=Severity.WARNING,
    summary="`go install/get/run pkg@latest` or a remote package without a fixed version",
)

_SEMVER = re.compile(r"^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
_HASH = re.compile(r"^[0-9a-f]{7,40}$")
_PARTIAL = re.compile(r"^v\d+(\.\d+)?$")


def is_local(pkg: str) -> bool:
    p = pkg.split("@", 1)[0]
    return p in (".", "..", "all", "std", "cmd", "tool") or p.startswith(("./", "../", "/", ".\\")) or \
        p.endswith(".go")


def is_remote(pkg: str) -> bool:
    """Looks like an import path on a host (first element has a dot): github.com/x/y, gopkg.in/..."""
    p = pkg.split("@", 1)[0]
    first = p.split("/", 1)[0]
    return "." in first and not is_local(pkg) and not first.startswith("-")


def moving_version(query: str) -> str | None:
    """Why a version query is not a fixed version, or None when it is fixed (or unknowable)."""
    if not query or is_unknown(query) or "$" in query:
        return None
    q = query.strip()
    if _SEMVER.match(q) or _HASH.match(q):
        return None
    if q in ("latest", "upgrade", "patch"):
        return f"@{q} resolves to whatever is newest when the image is built"
    if q == "none":
        return None
    if _PARTIAL.match(q):
        return f"@{q} picks the newest {q}.x release at build time"
    if q.startswith(("<", ">")):
        return f"@{q} is a range: the newest match at build time"
    return f"@{q} is a branch or tag name: it can point elsewhere tomorrow"


_VAR = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _from_variable(query: str, scope: dict[str, str]) -> str | None:
    """Why a version taken from an ARG/ENV (``@${VERSION}``) is not fixed, or None when its value here
    is a fixed version (or golayer cannot tell)."""
    from golayer.dockerfile.build import expand

    m = _VAR.match(query)
    name = m.group(1) if m else None
    raw = scope.get(name) if name else None
    if name and raw is not None and raw == "\x00?${" + name + "}" and query in ("$" + name, "${" + name + "}"):
        return (f"the version comes from ARG {name}, which has no value in the Dockerfile: nothing pins it "
                "(an unset ARG makes the query empty)")
    if name and raw is None and query in ("$" + name, "${" + name + "}"):
        return f"the version comes from ${name}, which is not set here: the query is empty"
    value = expand(query, scope)
    if value.startswith("\x00") or "$" in value:
        return None
    if not value.strip():
        return f"the version comes from {query}, which is empty here"
    why = moving_version(value)
    return f"{query} is {value!r}: {why}" if why else None


def check(model: DockerfileModel) -> Iterator[Finding]:
    for ins in model.runs():
        st = ins.stage
        label = st.label if st is not None else None
        for c in ins.go_commands():
            g = c.go
            if g.sub not in ("install", "get", "run"):
                continue
            gopath_mode = (c.env.get("GO111MODULE") or ins.go.GO111MODULE or "").strip().lower() == "off"
            pkgs = g.packages[:1] if g.sub == "run" else g.packages
            problems: list[tuple[str, str]] = []
            for pkg in pkgs:
                path, at, query = pkg.partition("@")
                if is_unknown(path) or pkg.startswith("\x00") or is_local(pkg) or not is_remote(pkg):
                    continue
                if at and "$" in query:
                    why = _from_variable(query, {**ins.args_in_scope, **c.env})
                    if why:
                        problems.append((pkg, why))
                elif at:
                    why = moving_version(query)
                    if why:
                        problems.append((pkg, why))
                elif g.sub == "get":
                    problems.append((pkg, "go get without a version means @upgrade (the newest release)"
                                     if not gopath_mode else
                                     "go get in GOPATH mode fetches the default branch"))
            if g.sub == "get" and ("-u" in g.flags or any(k.startswith("-u=") for k in g.flags)) and not problems:
                problems.append(("-u", "go get -u upgrades dependencies to their newest releases"))
            for pkg, why in problems:
                yield RULE.finding(
                    f"`go {g.sub} {pkg}` in stage {label}: {why}",
                    line=c.line, end_line=c.line, stage=label,
                    hint="pin a full version, e.g. @v1.2.3",
                    subject=f"{label}:{g.sub}:{pkg}",
                )
