"""## What it finds

A `RUN --mount=type=cache` whose target looks like a Go cache (it ends in `go-build`, `pkg/mod`,
`.cache`, `/go`, …) but is neither the effective GOCACHE nor the effective GOMODCACHE of that `RUN`, nor a
directory containing one of them — in a `RUN` that runs the go command. Typical causes: the cache paths
were copied from another Dockerfile while this one changed `GOPATH`, `GOMODCACHE`, `GOCACHE`, `HOME`,
`XDG_CACHE_HOME` or `USER`; or the official image's `/go/pkg/mod` is mounted on an image whose GOPATH is
`$HOME/go`.

## Why it is bad

The go command never reads or writes the mounted directory: the cache stays cold on every build and the
real cache is written into the layer instead (88 MB of GOCACHE in a 97.6 MB build layer, measured). The
build looks optimised and is not — a rebuild after a one-file edit takes 12.6–17.2 s instead of 0.5 s.

## Example

```dockerfile
# bad: USER changed HOME, GOCACHE is now /home/app/.cache/go-build
FROM golang:1.22 AS build
RUN useradd -m app
USER app
ENV HOME=/home/app
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /tmp/app .
```

```dockerfile
# good
RUN --mount=type=cache,target=/home/app/.cache/go-build,uid=1000 go build -o /tmp/app .
```

## Fix

Safe fix: the mount's `target=` is changed to the effective path of the same kind (GOCACHE for
`go-build`/`.cache` targets, GOMODCACHE for `pkg/mod`-like targets). Mounts whose target is written with
variables golayer cannot resolve are not changed. Mounts owned by another user may also need `uid=`.

## References

- `go help environment` (GOCACHE, GOMODCACHE, GOPATH defaults)
- https://docs.docker.com/reference/dockerfile/#run---mounttypecache
- golayer FACTS: "Go environment defaults", "Build cache semantics"
"""

from __future__ import annotations

import re
from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile.model import DockerfileModel, Instruction, Mount
from golayer.findings import Applicability, Edit, Finding, Severity
from golayer.dockerfile import gofacts

RULE = Rule(
    code="GLD005",
    name="cache-mount-wrong-target",
    severity=Severity.WARNING,
    summary="a Go-looking cache mount that is not on the effective GOCACHE/GOMODCACHE: the cache is never used",
    fix=Applicability.SAFE,
)


def _effective(ins: Instruction) -> dict[str, str]:
    out: dict[str, str] = {}
    for c in ins.commands:
        if c.go is None:
            continue
        gc = gofacts.command_gocache(ins, c)
        mc = gofacts.command_gomodcache(ins, c)
        if gc:
            out.setdefault("GOCACHE", gc)
        if mc:
            out.setdefault("GOMODCACHE", mc)
    return out


def _why(ins: Instruction, kind: str) -> str:
    origin = ins.go.origin.get(kind, "default")
    if kind == "GOCACHE" and origin == "default":
        home = ins.env.get("HOME")
        xdg = ins.env.get("XDG_CACHE_HOME")
        if xdg:
            return f"XDG_CACHE_HOME={xdg}"
        if home:
            return f"HOME={home}"
        return f"USER {ins.user}" if ins.user not in ("root", "0") else "default for root"
    if kind == "GOMODCACHE" and origin != "env":
        return f"GOPATH={ins.go.GOPATH}"
    return f"set by {origin}"


def check(model: DockerfileModel) -> Iterator[Finding]:
    for ins in model.runs():
        if ins.stage is None or not ins.mounts:
            continue
        eff = _effective(ins)
        if not eff:
            continue
        for idx, m in enumerate(ins.mounts):
            if m.type != "cache" or not m.target or m.target.startswith("\x00"):
                continue
            kind = gofacts.go_like_cache(m.target)
            if kind is None or any(gofacts.path_within(p, m.target) for p in eff.values()):
                continue
            want = eff.get(kind)
            stage = ins.stage.label
            if want:
                msg = (f"cache mount {m.target} in stage {stage} is not the effective {kind} {want} "
                       f"({_why(ins, kind)}): the go command never uses it")
            else:
                msg = f"cache mount {m.target} in stage {stage} is not a Go cache of this RUN: the go command never uses it"
            fix = _fix(model, ins, idx, m, want) if want else None
            yield RULE.finding(
                msg, line=ins.start_line, end_line=ins.end_line, stage=stage,
                hint=f"mount the cache at {want}" if want else "mount the cache at the effective GOCACHE/GOMODCACHE",
                fix=fix, subject=f"{ins.start_line}:{m.target}",
            )


_TARGET = re.compile(r"((?:^|,)\s*(?:target|dst|destination)\s*=\s*)([^,]*)", re.IGNORECASE)


def _fix(model: DockerfileModel, ins: Instruction, idx: int, m: Mount, want: str):
    raw_specs = ins.flags.get("--mount", [])
    if idx >= len(raw_specs):
        return None
    spec = raw_specs[idx]
    tm = list(_TARGET.finditer(spec))
    if len(tm) != 1 or "$" in tm[0].group(2):
        return None
    src = model.content[ins.start:ins.end]
    if src.count(spec) != 1:
        return None
    at = src.index(spec)
    s = at + tm[0].start(2)
    e = at + tm[0].end(2)
    from golayer.rules.dockerfile.missing_cache_mount import _masks_earlier_content

    masked = _masks_earlier_content(ins.stage, ins, [want]) if ins.stage is not None else None
    return RULE.fixed(f"mount the cache at {want}" + (f" (unsafe: {masked})" if masked else ""),
                      [Edit(str(model.path), ins.start + s, ins.start + e, want)], unsafe=bool(masked))
