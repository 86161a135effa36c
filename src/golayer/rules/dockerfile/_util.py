"""Helpers shared by Dockerfile rules (not a rule: modules starting with _ are skipped)."""

from __future__ import annotations

import re

from golayer.dockerfile.model import Command, DockerfileModel, Instruction
from golayer.findings import Edit

_PLAIN = re.compile(r"^[A-Za-z0-9_./:,=@+%-]*$")
_SEP_RIGHT = re.compile(r"[ \t]*(?:&&|;)[ \t]*(?:\\\r?\n[ \t]*)?")
_SEP_LEFT = re.compile(r"[ \t]*(?:&&|;)[ \t]*(?:\\\r?\n[ \t]*)?[ \t]*$")
TRIVIAL = {"set", "true", ":"}


def env_value(value: str, escape: str = "\\") -> str | None:
    """``value`` written for an ENV instruction (quoted when needed); None when it cannot be written safely."""
    if _PLAIN.match(value) and value:
        return value
    if any(ch in value for ch in ("\n", "`", "$(")) or "\x00" in value:
        return None
    if escape != "\\" and ('"' in value or "\\" in value):
        return None
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def line_indent(model: DockerfileModel, ins: Instruction) -> str:
    text = model.content[ins.start:ins.end]
    return text[: len(text) - len(text.lstrip(" \t"))]


def newline_of(model: DockerfileModel, ins: Instruction) -> str:
    text = model.content[ins.start:ins.end]
    return "\r\n" if "\r\n" in text else "\n"


def _spans(model: DockerfileModel, ins: Instruction, cmd: Command):
    """(text start, text end, right-removal end or None, left-removal start or None, whole-line span or None)
    as absolute offsets, or None when the command's text cannot be located unambiguously."""
    src = model.content[ins.start:ins.end]
    text = cmd.text
    if cmd.origin or not text or src.count(text) != 1:  # a command of a Makefile/script is not in this file
        return None
    a = src.index(text)
    b = a + len(text)
    before, after = src[:a], src[b:]
    line = None
    line_start = before.rfind("\n") + 1
    if cmd.heredoc and not before[line_start:].strip() and (after.startswith("\n") or after.startswith("\r\n")):
        line = (ins.start + line_start, ins.start + b + (2 if after.startswith("\r\n") else 1))
    right = left = None
    m = _SEP_RIGHT.match(after)
    if m and _left_is_start(before):
        right = ins.start + b + m.end()
    ml = _SEP_LEFT.search(before)
    if ml and _right_is_end(after):
        left = ins.start + ml.start()
    return ins.start + a, ins.start + b, right, left, line


def removal_edits(model: DockerfileModel, ins: Instruction, remove: list[Command]) -> list[Edit] | None:
    """Edits deleting these commands from a RUN (with the separators joining them), or None when that is
    not provably safe: the RUN is re-parsed and must still run exactly the other commands, in order."""
    info = []
    for c in remove:
        sp = _spans(model, ins, c)
        if sp is None:
            return None
        info.append(sp)
    info.sort()
    chosen: list[list[int]] = []
    use_left = [False] * len(info)
    for i, (a, b, right, left, line) in enumerate(info):
        if line is None and right is None:
            if left is None:
                return None
            use_left[i] = True
            j = i - 1  # contiguous removed commands before it switch to their left separators too
            while j >= 0 and info[j][2] == a and info[j][3] is not None:
                use_left[j] = True
                j -= 1
    for i, (a, b, right, left, line) in enumerate(info):
        if line is not None:
            chosen.append([line[0], line[1]])
        elif use_left[i]:
            chosen.append([left, b])
        else:
            chosen.append([a, right])
    chosen.sort()
    merged: list[list[int]] = []
    for s, e in chosen:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    edits = [Edit(file=str(model.path), start=s, end=e, text="") for s, e in merged]
    if not _still_runs(model, ins, edits, remove):
        return None
    return edits


def _still_runs(model: DockerfileModel, ins: Instruction, edits: list[Edit], removed: list[Command]) -> bool:
    from golayer.dockerfile import shell
    from golayer.findings import apply_edits

    try:
        from golayer.dockerfile.parse import parse_string, split_lines

        shifted = [Edit(e.file, e.start - ins.start, e.end - ins.start, e.text) for e in edits]
        new_src = apply_edits(model.content[ins.start:ins.end], shifted)
        cmds = parse_string(("# escape=`\n" if model.escape == "`" else "") + new_src)
        if len(cmds) != 1 or cmds[0].cmd.upper() != "RUN":
            return False
        c = cmds[0]
        lines = split_lines(new_src)
        got = shell.run_commands(tuple(c.value), bool(c.json), [(h.name, h.content) for h in c.heredocs or ()],
                                 c.original, lines, 1, {}, model.escape)
    except Exception:  # noqa: BLE001
        return False
    ids = {id(r) for r in removed}
    want = [c.argv for c in ins.commands if id(c) not in ids and not c.origin]
    return [c.argv for c in got] == want


def _left_is_start(before: str) -> bool:
    """The command starts a list: after the RUN keyword/flags, '&&', ';', or a line break."""
    t = before.rstrip(" \t")
    if t.endswith("\\\n") or t.endswith("\\\r\n"):
        t = t[: t.rfind("\\")].rstrip(" \t")
    if t.endswith("&&") or t.endswith(";") or t.endswith("\n"):
        return True
    # right after "RUN" and its flags
    return re.fullmatch(r"\s*RUN(\s+--\S+)*\s*", t + " ", re.IGNORECASE | re.DOTALL) is not None


def _right_is_end(after: str) -> bool:
    t = after.lstrip(" \t")
    return t == "" or t.startswith("\n") or t.startswith("\r\n") or t.startswith("&&") or t.startswith(";")


def replace_instruction(model: DockerfileModel, ins: Instruction, text: str) -> Edit:
    """Replace the whole instruction (keeping its indentation and final newline)."""
    src = model.content[ins.start:ins.end]
    nl = "\r\n" if src.endswith("\r\n") else ("\n" if src.endswith("\n") else "")
    return Edit(file=str(model.path), start=ins.start, end=ins.end, text=line_indent(model, ins) + text + nl)


def insert_before(model: DockerfileModel, ins: Instruction, text: str) -> Edit:
    return Edit(file=str(model.path), start=ins.start, end=ins.start,
                text=line_indent(model, ins) + text + newline_of(model, ins))


def insert_after(model: DockerfileModel, ins: Instruction, text: str) -> Edit | None:
    """An edit adding a line after the instruction; None when the instruction ends in a dangling line
    continuation (anything appended would become part of it)."""
    src = model.content[ins.start:ins.end]
    if src.rstrip("\r\n").endswith(model.escape):
        return None
    nl = newline_of(model, ins)
    lead = "" if src.endswith("\n") else nl
    return Edit(file=str(model.path), start=ins.end, end=ins.end, text=lead + line_indent(model, ins) + text + nl)


def known_refs_only(value: str, scope: dict[str, str]) -> bool:
    """Every $NAME / ${NAME} in value is a variable the Dockerfile knows at this point."""
    for m in re.finditer(r"\$(\{)?([A-Za-z_][A-Za-z0-9_]*)", value):
        if m.group(2) not in scope:
            return False
    return "$(" not in value and "`" not in value


def run_flag_insert(model: DockerfileModel, ins: Instruction, flags_text: str) -> Edit | None:
    """An edit inserting ``flags_text`` (e.g. '--mount=type=cache,target=/x ') right after the RUN keyword."""
    src = model.content[ins.start:ins.end]
    m = re.match(r"[ \t]*RUN[ \t]+", src, re.IGNORECASE)
    if not m:
        return None
    return Edit(file=str(model.path), start=ins.start + m.end(), end=ins.start + m.end(), text=flags_text)


def cache_mount_flag(path: str) -> str:
    return f"--mount=type=cache,target={path}"
