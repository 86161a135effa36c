"""Run the Dockerfile rules over a model, apply inline pragmas, report unused ones and parse errors.

Pragmas (comments, scoped by parsed instruction, not by line arithmetic):

* ``# golayer ignore=NAME[,NAME]`` suppresses those rules on the next instruction (a comment inside
  a continued instruction applies to that instruction). Before a ``FROM`` it covers the whole stage.
* ``# golayer global ignore=NAME[,NAME]`` suppresses them in the whole file.

Names are rule names or codes; ``all`` matches every rule. A pragma that suppresses nothing is
reported as ``golayer-unused-pragma`` (info).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from golayer.dockerfile.model import DockerfileModel, Instruction
from golayer.dockerfile.parse import split_lines
from golayer.findings import Finding, Severity

PARSE_ERROR = ("golayer-parse-error", "GLX001")
UNUSED_PRAGMA = ("golayer-unused-pragma", "GLX002")
RULE_ERROR = ("golayer-rule-error", "GLX003")
_FROM_LINE = re.compile(r"^[ \t]*FROM(?:[ \t]|$)", re.IGNORECASE | re.MULTILINE)


def _tool_finding(kind: tuple[str, str], severity: Severity, message: str, **kw: Any) -> Finding:
    return Finding(rule=kind[0], code=kind[1], severity=severity, message=message, **kw)


def _matches(name: str, f: Finding) -> bool:
    n = name.strip()
    return n.lower() == "all" or n == f.rule or n.upper() == f.code.upper()


def _target_instruction(model: DockerfileModel, line: int) -> Instruction | None:
    for ins in model.instructions:
        if ins.end_line >= line:
            return ins
    return None


def _scope(model: DockerfileModel, ins: Instruction) -> tuple[int, int]:
    """The lines a pragma on ``ins`` covers: the instruction, or the whole stage for a FROM."""
    if ins.cmd == "FROM" and ins.stage is not None:
        last = ins.stage.instructions[-1] if ins.stage.instructions else ins
        return ins.start_line, last.end_line
    return ins.start_line, ins.end_line


def is_dockerfile(model: DockerfileModel) -> bool:
    """Whether the file parses as a Dockerfile (BuildKit read it and it has a FROM). The content of a file
    that does not -- a credentials file reached through a ``Dockerfile.*`` symlink, say -- is never echoed:
    reports show no source line of it, and its parse errors carry no text from it."""
    return any(ins.cmd == "FROM" for ins in model.instructions)


def content_free(message: str) -> str:
    """A parse error message without the file's words (BuildKit's own messages are kept; the ones that
    quote an instruction word are cut before it)."""
    if message.startswith("unknown instruction"):
        return "unknown instruction (not shown: the file does not parse as a Dockerfile)"
    if message.startswith("cannot understand"):
        return "cannot understand this instruction (not shown: the file does not parse as a Dockerfile)"
    return message


def lint_model(model: DockerfileModel, cfg: Any = None) -> list[Finding]:
    from golayer import catalogue

    file = str(model.path)
    findings: list[Finding] = []
    fatal = bool(model.errors) and not model.stages
    if fatal and not _FROM_LINE.search(model.content or "") and any(
            e.message.startswith("unknown instruction") for e in model.errors):
        # not a Dockerfile at all (a credentials file named Dockerfile.ci...): no FROM and words that
        # are no instruction. Reported without a line and without those words, so no format echoes it
        findings.append(_tool_finding(PARSE_ERROR, Severity.ERROR,
                                      "not a Dockerfile: no FROM instruction and "
                                      + (f"{len(model.errors)} lines that are not Dockerfile instructions"
                                         if len(model.errors) != 1 else "a line that is not a Dockerfile instruction")
                                      + " (content not shown)", file=file,
                                      hint="rename the file if it is not a Dockerfile, or fix it"))
    else:
        for err in model.errors:
            findings.append(_tool_finding(PARSE_ERROR, Severity.ERROR, err.message, file=file, line=err.line,
                                          hint="the Dockerfile cannot be built as written; fix this first"))
    # per-analysis settings ([tool.golayer.lint]) for rules that have options (e.g. runtime-base)
    model.settings = dict(cfg.section("lint")) if cfg is not None and hasattr(cfg, "section") else {}
    enabled: set[str] = set()
    if not fatal:
        for rule in catalogue.rules("dockerfile"):
            if cfg is not None and not cfg.enabled(rule.name, rule.code):
                continue
            enabled.add(rule.name)
            try:
                for f in rule.check(model):
                    if f.file is None:
                        f.file = file
                    findings.append(f)
            except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the others
                if os.environ.get("GOLAYER_STRICT"):
                    raise
                findings.append(_tool_finding(RULE_ERROR, Severity.ERROR,
                                              f"rule {rule.name} failed on this file: {type(exc).__name__}: {exc}",
                                              file=file, line=1,
                                              hint="please report this as a golayer bug"))
    if model.unresolved or any(c.origin for i in model.runs() for c in i.commands):
        _add_origins(model, findings)
    return _apply_pragmas(model, findings, enabled)


_SPAN = re.compile(r"`([^`\n]+)`")


def _add_origins(model: DockerfileModel, findings: list[Finding]) -> None:
    """Say where a go command resolved from a Makefile or script really is: the one place every rule's
    message is rendered (a finding stays on the RUN line; "`go build`" becomes
    "`go build` (Makefile:12, via `make build`)"). The first command of the RUN line that a backquoted
    span of the message names (its text or ``go SUB``) is the one the rule reported, as rules report the
    first command that qualifies."""
    by_line: dict[int, list] = {}
    for ins in model.runs():
        for c in ins.commands:
            by_line.setdefault(c.line, []).append(c)
    used: dict[tuple[str, int | None, str], set[int]] = {}  # a rule reporting two alike commands: one each
    for f in findings:
        if f.rule.startswith("golayer-"):
            continue
        lines = [f.line] + [int(n) for n in re.findall(r"\bline (\d+)", f.message)]
        cmds = [c for ln in dict.fromkeys(lines) for c in by_line.get(ln, [])]
        if not any(c.origin for c in cmds):
            continue

        def sub(m: re.Match[str], f: Finding = f) -> str:
            span = m.group(1).strip()
            hits = [c for c in cmds if span == c.text.strip() or (c.go is not None and span == f"go {c.go.sub}")]
            if not hits:
                return m.group(0)
            seen = used.setdefault((f.rule, f.line, span), set())
            c = next((h for h in hits if id(h) not in seen), hits[0])
            seen.add(id(c))
            if c.origin:
                f.extra.setdefault("origin", c.origin)  # JSON: where the command really is
            return m.group(0) + c.where()

        f.message = _SPAN.sub(sub, f.message)


def _apply_pragmas(model: DockerfileModel, findings: list[Finding], enabled: set[str]) -> list[Finding]:
    from golayer import catalogue

    file = str(model.path)
    used: dict[tuple[int, str], bool] = {}
    scopes: list[tuple[int, str, int, int]] = []  # (pragma line, name, from line, to line)
    for line, names in model.pragmas.items():
        ins = _target_instruction(model, line)
        for n in names:
            used[(line, n)] = False
            if ins is not None:
                lo, hi = _scope(model, ins)
                scopes.append((line, n, lo, hi))
    global_used = {n: False for n in model.global_ignores}
    kept: list[Finding] = []
    for f in findings:
        if f.rule.startswith("golayer-"):
            kept.append(f)
            continue
        suppressed = False
        for n in model.global_ignores:
            if _matches(n, f):
                global_used[n] = True
                suppressed = True
        if f.line is not None:
            for line, n, lo, hi in scopes:
                if lo <= f.line <= hi and _matches(n, f):
                    used[(line, n)] = True
                    suppressed = True
        if not suppressed:
            kept.append(f)

    known = {r.name for r in catalogue.rules("dockerfile")} | {r.code for r in catalogue.rules("dockerfile")}

    def unused(line: int, n: str, glob: bool) -> None:
        what = "global ignore" if glob else "ignore"
        if n.lower() != "all" and n not in known and n.upper() not in known:
            msg = f"pragma `{what}={n}`: no Dockerfile rule is named {n!r}"
        elif n.lower() != "all" and _rule_name(n) not in enabled:
            return  # the rule is not selected in this run: cannot tell
        else:
            msg = f"pragma `{what}={n}` suppresses nothing" + ("" if glob else " on the next instruction")
        kept.append(_tool_finding(UNUSED_PRAGMA, Severity.INFO, msg, file=file, line=line,
                                  hint="remove the pragma (or the rule name from it)"))

    for (line, n), was in used.items():
        if not was:
            unused(line, n, False)
    for n, was in global_used.items():
        if not was:
            line = _global_line(model, n)
            unused(line, n, True)
    return kept


def _rule_name(n: str) -> str:
    from golayer import catalogue

    for r in catalogue.rules("dockerfile"):
        if n in (r.name, r.code) or n.upper() == r.code:
            return r.name
    return n


def _global_line(model: DockerfileModel, name: str) -> int:
    for i, line in enumerate(split_lines(model.content, keepends=False), 1):
        if "golayer" in line and "global" in line and name in line:
            return i
    return 1


def lint_path(path: str | Path, *, content: str | None = None, target: str | None = None,
              build_args: dict[str, str] | None = None, context_dir: str | Path | None = None,
              cfg: Any = None) -> tuple[DockerfileModel, list[Finding]]:
    from golayer.dockerfile.build import build_model

    model = build_model(path, content, target=target, build_args=build_args, context_dir=context_dir)
    return model, lint_model(model, cfg)
