"""Helpers shared by Dockerfile rules (not a rule: modules starting with _ are skipped)."""

from __future__ import annotations

import re

from golayer.dockerfile.model import Command, DockerfileModel, Instruction, is_unknown
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


def path_is(value: str | None, path: str | None) -> bool:
    """Two container paths are the same (both known)."""
    if value is None or path is None or is_unknown(value) or is_unknown(path):
        return False
    return value.rstrip("/") == path.rstrip("/") or (value == "/" and path == "/")


def path_within(child: str | None, parent: str | None) -> bool:
    if child is None or parent is None or is_unknown(child) or is_unknown(parent):
        return False
    c = child.rstrip("/") or "/"
    p = parent.rstrip("/") or "/"
    return c == p or p == "/" or c.startswith(p + "/")


# ---------------------------------------------------------------------------------------------- Go caches

def _resolve_home_refs(value: str, env: dict[str, str]) -> str:
    """Resolve ~, $HOME, ${HOME}, $(go env GOCACHE)-style references the rules care about."""
    import posixpath

    home = env.get("HOME", "")
    v = value
    if v.startswith("~/") or v == "~":
        v = home + v[1:]
    for ref in ("${HOME}", "$HOME"):
        v = v.replace(ref, home)
    for name in ("GOCACHE", "GOMODCACHE", "GOPATH"):
        for ref in (f"$(go env {name})", f"`go env {name}`", "${" + name + "}", "$" + name):
            if ref in v and env.get(name):
                v = v.replace(ref, env[name])
    if "$" in v or "`" in v or not v.startswith("/"):
        return value
    return posixpath.normpath(v)


def cache_path_known(ins: Instruction, cmd, kind: str) -> bool:
    """Is the effective cache path something golayer knows rather than Go's default under a HOME/GOPATH
    it cannot see? Known: a known base image (its ENV and user are data), or the value (or the HOME/
    GOPATH/XDG_CACHE_HOME it derives from) given by the Dockerfile, the command, or its Makefile/script."""
    st = ins.stage
    root = _root_base(st) if st is not None else None
    if root is not None and root.known:
        return True
    given = ("env", "arg", "go-env-w")
    o = ins.go.origin.get(kind, "default")
    if o in given or any(o == f"GOPATH ({g})" for g in given):
        return True
    names = ("GOCACHE", "XDG_CACHE_HOME", "HOME") if kind == "GOCACHE" else ("GOMODCACHE", "GOPATH", "HOME")
    for n in names:
        if n in cmd.assignments or n in ins.env or n in ins.args_in_scope:
            return True
        if cmd.origin and cmd.env.get(n) and cmd.env.get(n) != ins.env.get(n) and n != "HOME":
            return True
    return False


def _root_base(stage):
    from golayer.dockerfile import final

    return final.chain(stage)[0].base_image


def command_gocache(ins: Instruction, cmd: Command) -> str | None:
    """The GOCACHE a command uses (inline/export overrides of GOCACHE/HOME/XDG_CACHE_HOME honoured);
    None when unknown or off, or when it would be Go's default under a HOME of an unknown base image."""
    import posixpath

    if not cache_path_known(ins, cmd, "GOCACHE"):
        return None
    env = cmd.env
    if env.get("GOCACHE") and env.get("GOCACHE") != ins.env.get("GOCACHE"):
        v = env["GOCACHE"]
    elif env.get("XDG_CACHE_HOME") and env.get("XDG_CACHE_HOME") != ins.env.get("XDG_CACHE_HOME"):
        v = posixpath.join(env["XDG_CACHE_HOME"], "go-build")
    elif "HOME" in cmd.assignments and not env.get("GOCACHE") and not env.get("XDG_CACHE_HOME"):
        v = posixpath.join(cmd.assignments["HOME"], ".cache", "go-build")
    elif (ins.go.origin.get("GOCACHE") == "default" and not env.get("GOCACHE") and not env.get("XDG_CACHE_HOME")
          and env.get("HOME", "").startswith("/")):  # HOME as this command sees it (export in make/a script)
        v = posixpath.join(env["HOME"], ".cache", "go-build")
    else:
        v = ins.go.GOCACHE
    if v is None or is_unknown(v) or v == "off" or not v.startswith("/"):
        return None
    return posixpath.normpath(v)


def command_gomodcache(ins: Instruction, cmd: Command) -> str | None:
    """The GOMODCACHE a command uses; None when unknown (see :func:`command_gocache`)."""
    import posixpath

    if not cache_path_known(ins, cmd, "GOMODCACHE"):
        return None
    env = cmd.env
    if env.get("GOMODCACHE") and env.get("GOMODCACHE") != ins.env.get("GOMODCACHE"):
        v = env["GOMODCACHE"]
    elif env.get("GOPATH") and env.get("GOPATH") != ins.env.get("GOPATH") and not env.get("GOMODCACHE"):
        v = posixpath.join(env["GOPATH"].split(":")[0], "pkg", "mod")
    elif (ins.go.origin.get("GOMODCACHE") == "default" and not env.get("GOMODCACHE") and not env.get("GOPATH")
          and env.get("HOME", "").startswith("/")):  # HOME as this command sees it (export in make/a script)
        v = posixpath.join(env["HOME"], "go", "pkg", "mod")
    else:
        v = ins.go.GOMODCACHE
    if v is None or is_unknown(v) or not v.startswith("/"):
        return None
    return posixpath.normpath(v)


def covered(ins: Instruction, path: str, types: tuple[str, ...] = ("cache",)) -> bool:
    """A mount of one of these types sits on ``path`` or on a directory containing it."""
    return any(m.type in types and m.target and path_within(path, m.target) for m in ins.mounts)


def vendor_mode(model: DockerfileModel, ins: Instruction, cmd: Command) -> bool:
    """Builds from vendor/ (no module downloads): -mod=vendor, or a vendor/modules.txt in the context."""
    flags = " ".join(filter(None, [cmd.env.get("GOFLAGS", ""), ins.go.GOFLAGS]))
    if cmd.go is not None and cmd.go.flags.get("-mod") == "vendor":
        return True
    if "-mod=vendor" in flags:
        return True
    if cmd.go is not None and cmd.go.flags.get("-mod") == "mod" or "-mod=mod" in flags:
        return False
    try:
        return (model.context.dir / "vendor" / "modules.txt").is_file()
    except OSError:
        return False


_GO_LIKE = ("go-build", "pkg/mod", "/.cache", "gocache", "gomodcache", "go-cache", "gomod", "/go")


def go_like_cache(target: str) -> str | None:
    """'GOCACHE' / 'GOMODCACHE' when a mount target looks like a Go cache, else None."""
    t = target.rstrip("/").lower()
    if t.endswith("go-build") or t.endswith("/.cache") or t.endswith("gocache") or t.endswith("go-cache") \
            or "/.cache/" in t + "/" and "go" in t:
        return "GOCACHE"
    if t.endswith("pkg/mod") or t.endswith("gomodcache") or t.endswith("/gomod") or t.endswith("/mod") \
            or t.endswith("/go") or t.endswith("/gopath"):
        return "GOMODCACHE"
    return None


def run_flag_insert(model: DockerfileModel, ins: Instruction, flags_text: str) -> Edit | None:
    """An edit inserting ``flags_text`` (e.g. '--mount=type=cache,target=/x ') right after the RUN keyword."""
    src = model.content[ins.start:ins.end]
    m = re.match(r"[ \t]*RUN[ \t]+", src, re.IGNORECASE)
    if not m:
        return None
    return Edit(file=str(model.path), start=ins.start + m.end(), end=ins.start + m.end(), text=flags_text)


def cache_mount_flag(path: str) -> str:
    return f"--mount=type=cache,target={path}"
