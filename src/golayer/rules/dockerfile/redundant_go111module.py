"""## What it finds

`GO111MODULE` set in a Dockerfile: by `ENV`, by an `ARG` default, inline (`GO111MODULE=on go build`),
by `export`, or by `go env -w`. `GO111MODULE=on` is reported as information (it is the default);
`GO111MODULE=off` and `GO111MODULE=auto` are warnings.

## Why it is bad

Module mode has been the default since Go 1.16 (`GO111MODULE=on` is what an empty value means), so `=on`
is noise that suggests the build depends on it, and it is copied from Dockerfile to Dockerfile long
after its meaning has gone. `=off` is worse: it switches the go command to GOPATH mode, where `go.mod` and
`go.sum` are ignored — dependencies are neither pinned nor verified against the checksum database.
`=auto` makes the mode depend on whether the working directory is inside a module.

Images whose tag says Go older than 1.16 (`golang:1.15`) are not reported for `=on`.

## Example

```dockerfile
# bad
FROM golang:1.22
ENV GO111MODULE=on CGO_ENABLED=0
RUN GO111MODULE=on go build -o /app .
```

```dockerfile
# good
FROM golang:1.22
ENV CGO_ENABLED=0
RUN go build -o /app .
```

## Fix

Safe fix for `GO111MODULE=on` in `ENV` (the pair is removed; an `ENV` that set nothing else is removed),
in an `ARG` default (the `ARG` line when it declares nothing else) and as an inline `GO111MODULE=on`
prefix of a command. No automatic fix for `off`/`auto`: moving to module mode may need a `go.mod`.

## References

- Go 1.16 release notes: "Module-aware mode is enabled by default"
- `go help modules`, `go help environment`
"""

from __future__ import annotations

import re
from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile.model import DockerfileModel, Instruction
from golayer.dockerfile.parse import split_lines
from golayer.findings import Applicability, Edit, Finding, Severity

RULE = Rule(
    code="GLD002",
    name="redundant-go111module",
    severity=Severity.INFO,
    summary="GO111MODULE=on is the default since Go 1.16; =off/auto turn module mode off or make it depend on the directory",
    fix=Applicability.SAFE,
)

VAR = "GO111MODULE"


def _old_go(ins: Instruction) -> bool:
    if ins.stage is None:
        return False
    v = ins.stage.base_image.go_version
    if not v:
        return False
    try:
        major, minor = (int(x) for x in v.split(".")[:2])
    except ValueError:
        return False
    return (major, minor) < (1, 16)


def check(model: DockerfileModel) -> Iterator[Finding]:
    for ins in model.instructions:
        if ins.stage is None:
            continue
        if ins.cmd == "ENV":
            vals = ins.args
            for k, v in zip(vals[0::2], vals[1::2]):
                if k == VAR:
                    yield from _report(model, ins, v.strip("\"'"), "ENV", ins.start_line, _env_fix(model, ins))
        elif ins.cmd == "ARG":
            for a in ins.args:
                name, eq, v = a.partition("=")
                if name.strip() == VAR and eq:
                    yield from _report(model, ins, v.strip("\"'"), "an ARG default", ins.start_line,
                                       _arg_fix(model, ins))
        elif ins.cmd == "RUN":
            for c in ins.commands:
                if VAR in c.assignments:
                    yield from _report(model, ins, c.assignments[VAR], "an inline assignment", c.line,
                                       _inline_fix(model, ins, c))
                elif c.argv[:1] == ["export"] and any(a.startswith(VAR + "=") for a in c.argv[1:]):
                    v = next(a for a in c.argv[1:] if a.startswith(VAR + "=")).split("=", 1)[1]
                    yield from _report(model, ins, v, "export", c.line, None)
                elif c.go is not None and c.go.sub == "env -w" and VAR in c.go.env_writes:
                    yield from _report(model, ins, c.go.env_writes[VAR], "go env -w", c.line, None)


def _report(model: DockerfileModel, ins: Instruction, value: str, how: str, line: int, fix) -> Iterator[Finding]:
    v = value.strip().lower()
    stage = ins.stage.label if ins.stage else None
    if v == "on":
        if _old_go(ins):
            return
        yield RULE.finding(
            f"GO111MODULE=on in {how} (stage {stage}) is the default since Go 1.16: remove it",
            line=line, end_line=ins.end_line if line == ins.start_line else line, stage=stage,
            hint="delete the setting; module mode is already on",
            fix=fix, subject=f"{line}:{how}:on")
    elif v in ("off", "auto"):
        f = RULE.finding(
            f"GO111MODULE={v} in {how} (stage {stage}): "
            + ("GOPATH mode ignores go.mod and go.sum — dependencies are neither pinned nor verified"
               if v == "off" else "module mode then depends on the working directory"),
            line=line, end_line=ins.end_line if line == ins.start_line else line, stage=stage,
            hint="build in module mode: remove GO111MODULE and make sure the source has a go.mod",
            subject=f"{line}:{how}:{v}")
        f.severity = Severity.WARNING
        yield f


_PAIR = re.compile(r"(?P<pre>[ \t]+(?:\\\r?\n[ \t]*)?)?GO111MODULE=(?:on|\"on\"|'on')(?=\s|$)(?P<post>[ \t]*(?:\\\r?\n[ \t]*)?)",
                   re.IGNORECASE)


def _shadows_other_value(ins: Instruction) -> bool:
    """Without this setting, would another value (an earlier ENV/ARG, the image, go env -w) apply?"""
    return ins.go.GO111MODULE.strip().lower() not in ("", "on")


def _env_fix(model: DockerfileModel, ins: Instruction):
    if _shadows_other_value(ins):
        return None
    pairs = list(zip(ins.args[0::2], ins.args[1::2]))
    if len(pairs) == 1:
        return RULE.fixed("remove the ENV instruction", [_delete_instruction(model, ins)])
    src = model.content[ins.start:ins.end]
    ms = list(_PAIR.finditer(src))
    if len(ms) != 1:
        return None
    m = ms[0]
    # keep one separator: drop the text and the whitespace after it (or before it when it is last)
    if m.group("post") and src[m.end():].strip():
        s, e = m.start() + len(m.group("pre") or ""), m.end()
    else:
        s, e = m.start(), m.end() - len(m.group("post") or "")
    new_src = src[:s] + src[e:]
    if not _same_env(model, ins, new_src):
        return None
    return RULE.fixed("remove GO111MODULE=on from the ENV", [Edit(str(model.path), ins.start + s, ins.start + e, "")])


def _same_env(model: DockerfileModel, ins: Instruction, new_src: str) -> bool:
    try:
        from golayer.dockerfile.parse import parse_string

        cmds = parse_string(("# escape=`\n" if model.escape == "`" else "") + new_src)
    except Exception:  # noqa: BLE001
        return False
    if len(cmds) != 1:
        return False
    want = [(k, v) for k, v in zip(ins.args[0::2], ins.args[1::2]) if k != VAR]
    got = list(zip(cmds[0].value[0::2], cmds[0].value[1::2]))
    return got == want


def _delete_instruction(model: DockerfileModel, ins: Instruction) -> Edit:
    return Edit(str(model.path), ins.start, ins.end, "")


def _arg_fix(model: DockerfileModel, ins: Instruction):
    if _shadows_other_value(ins) or ins.env.get(VAR):
        return None
    if len(ins.args) != 1:
        return None
    return RULE.fixed("remove the ARG instruction", [_delete_instruction(model, ins)])


def _inline_fix(model: DockerfileModel, ins: Instruction, cmd):
    if cmd.origin or cmd.assignments.get(VAR, "").lower() != "on" or _shadows_other_value(ins):
        return None
    src = model.content[ins.start:ins.end]
    base = 0
    if cmd.text and src.count(cmd.text) == 1:  # look inside this command only
        base = src.index(cmd.text)
        region = cmd.text
    else:
        region = src
    ms = list(re.finditer(r"GO111MODULE=(?:on|\"on\"|'on')[ \t]+", region))
    if len(ms) != 1:
        return None
    m = ms[0]
    s, e = base + m.start(), base + m.end()
    new_src = src[:s] + src[e:]
    if not _same_commands(model, ins, new_src, cmd):
        return None
    return RULE.fixed("remove the inline GO111MODULE=on", [Edit(str(model.path), ins.start + s, ins.start + e, "")])


def _same_commands(model: DockerfileModel, ins: Instruction, new_src: str, cmd) -> bool:
    from golayer.dockerfile import shell

    try:
        from golayer.dockerfile.parse import parse_string

        cmds = parse_string(("# escape=`\n" if model.escape == "`" else "") + new_src)
        if len(cmds) != 1:
            return False
        c = cmds[0]
        got = shell.run_commands(tuple(c.value), bool(c.json), [(h.name, h.content) for h in c.heredocs or ()],
                                 c.original, split_lines(new_src), 1, {}, model.escape)
    except Exception:  # noqa: BLE001
        return False
    want = [(c.argv, {k: v for k, v in c.assignments.items() if k != VAR or c is not cmd}) for c in ins.commands]
    return [(c.argv, c.assignments) for c in got] == want
