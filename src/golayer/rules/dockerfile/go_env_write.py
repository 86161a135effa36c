"""## What it finds

`go env -w NAME=value` in a `RUN` — also inside `&&` chains, heredoc bodies and `sh -c '…'` — in any
stage. golayer names the variables it writes and the file they land in (`$(go env GOENV)`, e.g.
`/root/.config/go/env`).

## Why it is bad

`go env -w` does **not** bloat the image: the file it writes is tens of bytes (an image using it and one
using `ENV` differed by 32,893 bytes, measured). The real costs are that the setting is:

- **invisible** to `docker inspect`, `docker history` and anyone reading the image config: it lives in a
  file under one user's home (`$XDG_CONFIG_HOME/go/env` or `$HOME/.config/go/env`, not `/root/.go/env`);
- **tied to HOME**: after `USER app` or `ENV HOME=…` the go command reads another file and the setting
  silently stops applying;
- **persistent**: it is inherited by every image built `FROM` this stage, where nobody sees it;
- **overridden by the process environment**: an `ENV`/`docker run -e` of the same variable wins, so a
  `go env -w` after an `ENV` of the same name has no effect at all.

Each `RUN` that calls `go` (Go ≥ 1.23) also writes telemetry counters (`~/.config/go/telemetry`, 16 KiB)
into the layer; `GOTELEMETRY=off` stops that. `ENV` is the Dockerfile's own, visible way to set the
go command's environment, and it applies regardless of the user.

## Example

```dockerfile
# bad
FROM golang:1.22 AS build
RUN go env -w GOPROXY=https://goproxy.io,direct GOFLAGS=-mod=mod && go mod download
```

```dockerfile
# good
FROM golang:1.22 AS build
ENV GOPROXY=https://goproxy.io,direct GOFLAGS=-mod=mod
RUN go mod download
```

## Fix

Safe fix: the values go to an `ENV` instruction in the same stage, at the position of the `RUN`
(several `-w` values of one `RUN` are merged into one `ENV`); a `RUN` that did nothing else is replaced, and
otherwise only the `go env -w` command is removed from it and the other commands are kept. No fix is
offered when the command cannot be removed without changing the script (inside `sh -c`, `||`, `if`),
when a value uses a command substitution or an unknown variable, or when the variable is already set by
`ENV`/`ARG` (then the `go env -w` had no effect and turning it into `ENV` would change the build — that
fix is unsafe).

## References

- `go help environment`, `go help env` (GOENV file, precedence of the process environment)
- golayer FACTS: "`go env -w`" (measured image sizes, telemetry counters)
- https://docs.docker.com/reference/dockerfile/#env
- Proof: `tests/lab/test_proof_goenv.py::test_go_env_w_is_a_file_invisible_to_inspect`
- Proof: `tests/lab/test_proof_goenv.py::test_golayer_fix_moves_it_to_env`
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile.model import DockerfileModel, Instruction
from golayer.findings import Applicability, Finding, Fix, Severity
from golayer.rules.dockerfile import _util

RULE = Rule(
    code="GLD001",
    name="go-env-write",
    severity=Severity.WARNING,
    summary="`go env -w` in a RUN: a setting hidden in one user's GOENV file; use ENV",
    fix=Applicability.SAFE,
)


def check(model: DockerfileModel) -> Iterator[Finding]:
    for ins in model.runs():
        writes = [c for c in ins.commands if c.go is not None and c.go.sub == "env -w"]
        if not writes:
            continue
        values: dict[str, str] = {}
        for c in writes:
            values.update(c.go.env_writes)
        names = ", ".join(values) or "(nothing)"
        goenv = ins.go.GOENV
        where = f" in {goenv}" if goenv and not goenv.startswith("\x00") and goenv != "off" else ""
        shadowed = sorted(k for c in writes for k in c.go.env_writes if c.env.get(k))
        msg = (f"`go env -w` sets {names}{where} in stage {ins.stage.label if ins.stage else '?'}: "
               f"invisible to docker inspect and tied to HOME; set it with ENV")
        if shadowed:
            msg += f" ({', '.join(shadowed)} already set by ENV/ARG: this write has no effect)"
        yield RULE.finding(
            msg,
            line=writes[0].line,
            end_line=ins.end_line,
            stage=ins.stage.label if ins.stage else None,
            hint=f"replace it with `ENV {' '.join(f'{k}={v}' for k, v in values.items())}`",
            fix=_fix(model, ins, writes, values, unsafe=bool(shadowed)),
            subject=f"{ins.start_line}:{names}",
        )


# commands that never run the go command (anything else — make, scripts — might)
_NO_GO = {"apt-get", "apt", "apk", "dnf", "yum", "microdnf", "echo", "printf", "mkdir", "cd", "cp", "mv", "rm", "ln",
          "chmod", "chown", "set", "true", ":", "export", "useradd", "adduser", "addgroup", "groupadd", "git", "curl",
          "wget", "tar", "unzip", "ls", "cat", "touch", "update-ca-certificates", "test", "[", "sed", "grep", "tee"}


def _may_run_go(c) -> bool:
    return c.go is not None or c.name not in _NO_GO


def _fix(model: DockerfileModel, ins: Instruction, writes, values: dict[str, str], unsafe: bool) -> Fix | None:
    if not values:
        return None
    scope = {**ins.args_in_scope, **ins.env}
    parts = []
    for k, v in values.items():
        if not _util.known_refs_only(v, scope):
            return None
        ev = _util.env_value(v, model.escape)
        if ev is None:
            return None
        parts.append(f"{k}={ev}")
    env_line = "ENV " + " ".join(parts)
    others = [c for c in ins.commands if not (c.go is not None and c.go.sub == "env -w") and c.name not in _util.TRIVIAL]
    if not others:
        edits = [_util.replace_instruction(model, ins, env_line)]
        desc = f"replace the RUN with `{env_line}`"
    else:
        removal = _util.removal_edits(model, ins, writes)
        if removal is None:
            return None
        idx = [i for i, c in enumerate(ins.commands) if c in writes]
        go_before = any(_may_run_go(c) for c in ins.commands[: idx[0]])
        go_after = any(_may_run_go(c) and c not in writes for c in ins.commands[idx[-1] + 1 :])
        if go_before and not go_after:  # the value only ever applied after this RUN
            after = _util.insert_after(model, ins, env_line)
            if after is None:
                return None
            edits = [after] + removal
            desc = f"move the `go env -w` values to `{env_line}` after the RUN"
        else:
            # go commands before the write would now see the value too: not behaviour-preserving
            unsafe = unsafe or (go_before and go_after)
            edits = [_util.insert_before(model, ins, env_line)] + removal
            desc = f"move the `go env -w` values to `{env_line}` before the RUN"
    return RULE.fixed(desc, edits, unsafe=unsafe)
