"""## What it finds

A go command that runs after `go env -w` wrote settings, but reads a *different* GOENV file — because
`USER`, `HOME`, `XDG_CONFIG_HOME` or `GOENV` changed in between (also across `FROM <stage>`), or
`GOENV=off` — so the written settings silently do not apply to it. golayer names the settings, the file
they were written to (and by which line) and the file the go command reads instead. Settings that the
process environment (`ENV`, `ARG`, inline `VAR=x`) sets anyway are not counted.

## Why it is bad

`go env -w` stores values in `$(go env GOENV)` = `$XDG_CONFIG_HOME/go/env` or `$HOME/.config/go/env` of
the user running it. After `USER app` (or `ENV HOME=/home/app`) the go command reads
`/home/app/.config/go/env` instead: a `GOPRIVATE`, `GOPROXY`, `GOFLAGS` or `GONOSUMDB` written for root
is simply gone, with no error — private modules go to the public proxy, flags are dropped. The settings
are also invisible to `docker inspect`, so nothing in the image explains why the build behaves
differently. `ENV` applies to every user.

## Example

```dockerfile
# bad: GOPRIVATE was written for root; the build runs as app
FROM golang:1.22 AS build
RUN go env -w GOPRIVATE=example.com/*
RUN useradd -m app
USER app
RUN go build -o /tmp/app .
```

```dockerfile
# good
FROM golang:1.22 AS build
ENV GOPRIVATE=example.com/*
RUN useradd -m app
USER app
RUN go build -o /tmp/app .
```

## Fix

No automatic fix here: the fix belongs to the `go env -w` itself (`go-env-write` turns it into `ENV`,
safely, which makes this finding disappear too).

## References

- `go help environment` (GOENV, per-user configuration file)
- golayer FACTS: "`go env -w`" (tied to one user's HOME, lost after `USER`/`HOME` changes)
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile.build import goenv_path
from golayer.dockerfile.model import DockerfileModel, is_unknown
from golayer.findings import Finding, Severity
from golayer.dockerfile import final

RULE = Rule(
    code="GLD007",
    name="go-env-file-not-read",
    severity=Severity.WARNING,
    summary="settings written by `go env -w` do not apply to a later go command (USER/HOME/GOENV changed)",
    fix=None,
)


def check(model: DockerfileModel) -> Iterator[Finding]:
    for stage in model.stages:
        if not stage.needed:
            continue
        # GOENV path -> {name: (value, line)} written so far along the FROM chain (the ancestors' writes are
        # memoised per stage: each stage's instructions are read once however long the chain)
        parent = final.chain(stage)[-2] if len(final.chain(stage)) > 1 else None
        files = {k: dict(v) for k, v in _writes_after(parent).items()} if parent is not None else {}
        reported: set[tuple[str, str]] = set()
        for ins in stage.instructions:
            if ins.cmd != "RUN":
                continue
            for c in ins.commands:
                if c.go is None:
                    continue
                here = goenv_path(c.env, ins.user, stage.base_image)
                if c.go.sub in ("env -w", "env -u"):
                    _record(files, here, c)
                    continue
                if here is not None and is_unknown(here):
                    continue
                for path, written in files.items():
                    if path == here or not written:
                        continue
                    lost = {k: vl for k, vl in written.items() if not c.env.get(k)}
                    if not lost or (path, here or "off") in reported:
                        continue
                    reported.add((path, here or "off"))
                    first_line = min(line for _, line in lost.values())
                    names = ", ".join(lost)
                    reads = f"reads {here}" if here else "runs with GOENV=off"
                    why = ("GOENV=off" if here is None else
                           f"USER {ins.user}" if ins.user != "root" and not c.env.get("HOME") else
                           f"HOME={c.env.get('HOME')}")
                    yield RULE.finding(
                        f"`go {c.go.sub}` in stage {stage.label} {reads} ({why}), but `go env -w` (line "
                        f"{first_line}) wrote {names} to {path}: those settings do not apply",
                        line=c.line, end_line=ins.end_line, stage=stage.label,
                        hint=f"set {names} with ENV instead of `go env -w`",
                        subject=f"{path}->{here}",
                    )


def _record(files: dict[str, dict[str, tuple[str, int]]], here: str | None, c) -> None:
    """Apply one `go env -w/-u` to the GOENV files it writes."""
    if here is None or is_unknown(here):
        return
    f = files.setdefault(here, {})
    for k, v in c.go.env_writes.items():
        f[k] = (v, c.line)
    for k in c.go.env_unsets:
        f.pop(k, None)


def _writes_after(stage) -> dict[str, dict[str, tuple[str, int]]]:
    """The GOENV files written by `go env -w/-u` along the stage's whole FROM chain (memoised; read-only)."""
    def step(prev: dict[str, dict[str, tuple[str, int]]], s) -> dict[str, dict[str, tuple[str, int]]]:
        got = {k: dict(v) for k, v in prev.items()}
        for ins in s.instructions:
            if ins.cmd == "RUN":
                for c in ins.commands:
                    if c.go is not None and c.go.sub in ("env -w", "env -u"):
                        _record(got, goenv_path(c.env, ins.user, s.base_image), c)
        return got

    return final.memo_along_chain(stage, "_goenv_writes", step, {})
