"""`-mod=mod` lets go commands rewrite go.mod/go.sum while building.

## What it finds
`-mod=mod` on a go command (`go build -mod=mod ./...`) or in `GOFLAGS`, from any origin: `ENV`, `ARG`,
`go env -w`, an inline `GOFLAGS=-mod=mod go build` or an `export` in a RUN.

## Why it is bad
Since Go 1.16 build commands default to `-mod=readonly`: if go.mod is missing a requirement or go.sum a
checksum, the build stops and says so. `-mod=mod` instead lets the go command resolve what is missing
over the network and update go.mod and go.sum on the fly (and ignore a `vendor/` directory). The image
is then built from a module graph nobody committed or reviewed, and a go.mod/go.sum that is out of date
in the repository goes unnoticed. It also needs network access at build time.

## Example
Bad:
```dockerfile
ENV GOFLAGS=-mod=mod
RUN go build -o /out/app .
```
Good:
```dockerfile
RUN go build -o /out/app .        # -mod=readonly is the default
```

## Fix
No automatic fix: remove `-mod=mod`, run `go mod tidy` in the repository and commit go.mod/go.sum (use
`-mod=vendor` if you vendor on purpose).

## References
- https://go.dev/ref/mod#build-commands
- https://go.dev/ref/mod#go-mod-file-updates
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile import gofacts
from golayer.dockerfile.model import DockerfileModel
from golayer.findings import Finding, Severity

RULE = Rule(
    code="GLD036",
    name="mod-mode-mod",
    severity=Severity.WARNING,
    summary="`-mod=mod` in GOFLAGS or on go commands",
)


def has_mod_mod(goflags: str) -> bool:
    words = goflags.replace("'", " ").replace('"', " ").split()
    for i, w in enumerate(words):
        if w in ("-mod=mod", "--mod=mod"):
            return True
        if w in ("-mod", "--mod") and i + 1 < len(words) and words[i + 1] == "mod":
            return True
    return False


def check(model: DockerfileModel) -> Iterator[Finding]:
    for src in gofacts.setting_sources(model, ("GOFLAGS",)):
        if not has_mod_mod(src.value):
            continue
        label = src.stage.label if src.stage is not None else None
        yield RULE.finding(
            f"{src.describe()} in stage {label}: go commands may rewrite go.mod/go.sum while building",
            line=src.line, end_line=src.line if src.command else src.instruction.end_line, stage=label,
            hint="drop -mod=mod (the default -mod=readonly fails on an untidy go.mod instead)",
            subject=f"GOFLAGS:{src.line}",
        )
    for ins in model.runs():
        label = ins.stage.label if ins.stage is not None else None
        for c in ins.go_commands():
            if c.go.flags.get("-mod") == "mod":
                yield RULE.finding(
                    f"`go {c.go.sub} -mod=mod` in stage {label}: the command may rewrite go.mod/go.sum while "
                    "building",
                    line=c.line, end_line=c.line, stage=label,
                    hint="drop -mod=mod (the default -mod=readonly fails on an untidy go.mod instead)",
                    subject=f"{label}:{c.text}",
                )
