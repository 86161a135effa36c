"""See the build that really runs: ``make`` and project scripts called from a RUN, resolved without running them.

A RUN's commands (:mod:`golayer.dockerfile.shell`) that call ``make`` (``-C``, ``-f``, ``VAR=value``,
``$(MAKE)`` recursion), a script of the project (``./build.sh``, ``sh|bash path/x.sh args``; ``sh -c`` is
unwrapped by the shell reader already) are followed into the file - but only when that file is really in
the stage at that RUN: copied from the build context by an earlier ``COPY``/``ADD`` of the stage (or of
the stages it is built ``FROM``), present in the context on disk and not excluded by ``.dockerignore``.

Makefiles are read by :mod:`golayer.dockerfile.make`; each recipe line and each script is split with the
same shell grammar as RUN bodies (scripts: functions run where they are called). The commands found are
inserted after the command that runs them, each with ``origin`` (``Makefile:12``), ``via`` (the RUN's
command, ``make build``), ``cwd`` (the directory it runs in) and the environment it gets (the RUN's, plus
make's exports / the script's ``export`` and assignments). What cannot be followed is recorded in
``Instruction.unresolved`` / ``DockerfileModel.unresolved`` as ``(line, step, reason)`` and never guessed.
"""

from __future__ import annotations

import os
import posixpath
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from golayer.dockerfile import shell
from golayer.fsutil import realpath
from golayer.limits import read_at_most
from golayer.dockerfile.model import UNKNOWN, Command, DockerfileModel, Instruction, Stage, is_unknown

def _make():
    """The make reader, imported only when a RUN calls make (keeps `golayer lint` start-up small)."""
    from golayer.dockerfile import make

    return make


MAX_DEPTH = 8  # make/script nesting
MAX_COMMANDS = 5000  # resolved commands per RUN
MAX_FILE = 1 << 20  # bytes of one Makefile/script
MAX_FUNC_CALLS = 2000
_SYSTEM_DIRS = ("/usr/", "/bin/", "/sbin/", "/lib/", "/etc/", "/proc/", "/dev/")
_MAKES = {"make", "gmake"}


def _shell_script_path(argv: list[str]) -> str | None:
    """The script of ``sh|bash [opts] path args`` (no ``-c``), else None."""
    if not argv or argv[0].rsplit("/", 1)[-1] not in shell.SHELLS:
        return None
    i = 1
    while i < len(argv):
        a = argv[i]
        if a in ("-o", "+o", "-O", "+O") and i + 1 < len(argv):
            i += 2
            continue
        if a == "--":
            return argv[i + 1] if i + 1 < len(argv) else None
        if a.startswith(("-", "+")):
            if "c" in a[1:] and not a.startswith("--"):
                return None
            i += 1
            continue
        return a
    return None


def kind(c: Command) -> tuple[str, str] | None:
    """("make", "") / ("script", path) when this command runs make or a project script."""
    if not c.argv:
        return None
    if c.name in _MAKES:
        return "make", ""
    p = _shell_script_path(c.argv)
    if p is not None:
        return ("script", p) if not is_unknown(p) else ("script?", p)
    a0 = c.argv[0]
    if a0.startswith(("$(", "`")):  # a command substitution names no file
        return None
    if "/" in a0 and not a0.startswith(_SYSTEM_DIRS):
        return ("script", a0) if not is_unknown(a0) else ("script?", a0)
    return None


def wants(commands: list[Command]) -> bool:
    return any(kind(c) is not None for c in commands)


class StageFiles:
    """The files of the build context a stage holds at one RUN (from its context COPY/ADDs)."""

    def __init__(self, model: DockerfileModel, copies: list[Instruction], cache: dict[str, Any]):
        self.ctx = model.context
        self.ctx_given = model.__dict__.get("_context_given") is True
        self.copies = [x for x in copies if x.cmd in ("COPY", "ADD")]
        self.cache = cache
        self.root: str | None = None
        try:
            self.root = realpath(self.ctx.dir)
        except (OSError, ValueError, RuntimeError):
            self.root = None

    def locate(self, path: str) -> tuple[str | None, str]:
        """(context-relative path, "") of the file at container path ``path``, or (None, why not)."""
        why = "no COPY/ADD of the build context puts it into the stage"
        for x in reversed(self.copies):
            dest = x.copy_dest
            if not dest or is_unknown(dest):
                continue
            destdir = dest.rstrip("/") or "/"
            if x.copy_from:
                srcs = [s.rstrip("/").rsplit("/", 1)[-1] for s in x.copy_sources]
                if _within(path, destdir) and (dest.endswith("/") or path == destdir) and (
                        path == destdir or posixpath.basename(path) in srcs or any("*" in s for s in srcs)):
                    return None, f"line {x.start_line} copies it from `{x.copy_from}`, not from the build context"
                continue
            if x.heredocs:
                continue
            srcs = [s for s in x.copy_sources if not is_unknown(s) and "://" not in s and not s.startswith("<<")]
            multi = len(srcs) > 1
            for s in srcs:
                rel = _ctx_rel(s)
                cand = None
                if any(ch in rel for ch in "*?["):
                    d, b = posixpath.split(rel)
                    if not any(ch in d for ch in "*?[") and posixpath.dirname(path) == destdir and fnmatchcase(
                            posixpath.basename(path), b):
                        cand = posixpath.join(d, posixpath.basename(path))
                elif rel == "" or self._is_dir(rel):
                    if _within(path, destdir) and path != destdir:
                        cand = posixpath.join(rel, posixpath.relpath(path, destdir)) if rel else \
                            posixpath.relpath(path, destdir)
                else:
                    target = posixpath.join(destdir, posixpath.basename(rel)) if (dest.endswith("/") or multi) \
                        else destdir
                    if path == target:
                        cand = rel
                if cand is None:
                    continue
                cand = posixpath.normpath(cand)
                if cand.startswith("../"):
                    continue
                if self.ctx.excludes(cand):
                    why = f"`{cand}` is excluded by {self._ignore_name()}"
                    continue
                if not self._is_file(cand):
                    why = f"`{cand}` is not in the build context {self.ctx.dir}" + (
                        "" if self.ctx_given else " (the Dockerfile's directory; `golayer lint --context DIR` for another)")
                    continue
                return cand, ""
        return None, why

    def _ignore_name(self) -> str:
        return self.ctx.dockerignore.name if self.ctx.dockerignore is not None else ".dockerignore"

    def _safe(self, rel: str) -> str | None:
        """The real path of context file ``rel`` when it stays inside the context (once per model)."""
        key = "safe:" + rel
        if key in self.cache:
            return self.cache[key]
        rp: str | None
        try:
            rp = realpath(self.ctx.dir / rel)
        except (OSError, ValueError, RuntimeError):  # NUL in a name, a symlink loop
            rp = None
        root = self.root
        if rp is not None and (root is None or not (rp == root or rp.startswith(root.rstrip("/") + "/"))):
            rp = None
        self.cache[key] = rp
        return rp

    def _is_dir(self, rel: str) -> bool:
        p = self._safe(rel)
        return p is not None and os.path.isdir(p)  # False on OSError/ValueError too

    def _is_file(self, rel: str) -> bool:
        p = self._safe(rel)
        return p is not None and os.path.isfile(p)  # False on OSError/ValueError too

    def read(self, path: str) -> tuple[str | None, str, str]:
        """(text, "", context path) of the file at container path ``path``, or (None, why not, "")."""
        rel, why = self.locate(path)
        if rel is None:
            return None, why, ""
        key = "file:" + rel
        if key not in self.cache:
            p = self._safe(rel)
            text = None
            reason = ""
            try:
                with open(p, "rb") as fh:  # type: ignore[arg-type]
                    data = read_at_most(fh, MAX_FILE + 1)
                if len(data) > MAX_FILE:
                    reason = f"`{rel}` is larger than {MAX_FILE >> 20} MiB"
                else:
                    text = data.decode("utf-8", "replace")
            except (OSError, TypeError, ValueError) as exc:
                reason = f"cannot read `{rel}`: {getattr(exc, 'strerror', None) or exc}"
            self.cache[key] = (text, reason)
        text, reason = self.cache[key]
        return text, reason, rel


def _ctx_rel(src: str) -> str:
    s = posixpath.normpath("/" + src.strip()).lstrip("/")
    return "" if s in ("", ".") else s


def _within(child: str, parent: str) -> bool:
    return child == parent or parent == "/" or child.startswith(parent.rstrip("/") + "/")


def _join(cwd: str | None, p: str) -> str | None:
    if is_unknown(p):
        return None
    if p.startswith("/"):
        return posixpath.normpath(p)
    if cwd is None or is_unknown(cwd):
        return None
    return posixpath.normpath(posixpath.join(cwd, p))


def _short(s: str, n: int = 60) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


class _ScriptWalker(shell._Walker):
    """The RUN walker, with shell functions run where they are called (not where defined)."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.funcs: dict[str, Any] = {}
        self.calls = 0
        self.call_depth = 0
        self.vars: dict[str, str] = {}  # shell variables (not exported) set by plain assignments

    def _value(self, v: str) -> str:
        """A word with the script's known variables expanded (``$GO``, ``${OUT:-bin}``); else as written."""
        if "$" not in v or "$(" in v or "`" in v:
            return v
        from golayer.dockerfile.build import expand

        scope = {**self.vars, **self.env}
        res = expand(v.replace("\\", "\\\\"), scope, quotes=False)
        return v if res.startswith(UNKNOWN) else res

    def walk(self, node: Any) -> None:
        if node.type == "variable_assignment":
            name, value = self.assignment(node)
            if name:
                value = self._value(value)
                self.vars[name] = value
                if name in self.env:
                    self.env[name] = value
            return
        if node.type == "function_definition":
            name = None
            body = None
            for c in node.children:
                if c.type == "word" and name is None:
                    name = c.text.decode("utf-8", "replace")
                elif c.type in ("compound_statement", "subshell", "if_statement", "test_command"):
                    body = c
            if name and body is not None:
                self.funcs[name] = body
            return
        super().walk(node)

    def command(self, node: Any, writes: list[str], heredoc_bodies: list[Any] | None = None) -> None:
        for c in node.children:
            if c.type == "command_name":
                name = c.text.decode("utf-8", "replace")
                body = self.funcs.get(name)
                if body is not None:
                    if self.calls < MAX_FUNC_CALLS and self.call_depth < MAX_DEPTH:
                        self.calls += 1
                        self.call_depth += 1
                        try:
                            if body.type == "subshell":
                                saved = dict(self.env)
                                self.walk(body)
                                self.env.clear()
                                self.env.update(saved)
                            else:
                                for ch in body.children:
                                    if ch.is_named:
                                        self.walk(ch)
                        finally:
                            self.call_depth -= 1
                    return
                break
        n = len(self.out)
        super().command(node, writes, heredoc_bodies)
        if len(self.out) == n + 1:  # expand the script's own variables in the words, then recognise again
            c = self.out[-1]
            argv = [self._value(a) for a in c.argv]
            if argv != c.argv:
                c.argv = argv
                c.go = shell.parse_go(argv)
                c.package_install = shell.parse_package_install(argv)


def split_script_file(text: str, env: dict[str, str]) -> list[Command]:
    """The commands a shell script runs (line = line in the script), functions followed to their calls."""
    out: list[Command] = []
    src = text.encode("utf-8", "replace")
    try:
        tree = shell.parser().parse(src)
    except Exception:  # noqa: BLE001
        return out
    _ScriptWalker(src, lambda b: 1 + src[:b].count(b"\n"), dict(env), False, 0, out).walk(tree.root_node)
    return out


class Resolver:
    def __init__(self, model: DockerfileModel, ins: Instruction, files: StageFiles):
        self.model = model
        self.ins = ins
        self.files = files
        self.unresolved: list[tuple[int, str, str]] = []
        self.count = 0

    def note(self, line: int, step: str, reason: str) -> None:
        strip = str.maketrans("", "", _make().OPEN + _make().CLOSE)
        item = (line, step.translate(strip), reason.translate(strip))
        if item not in self.unresolved and len(self.unresolved) < 100:
            self.unresolved.append(item)

    def expand(self, cmds: list[Command], depth: int, start_cwd: str | None, via: str | None) -> list[Command]:
        """``cmds`` (one shell's commands, in order) with what their make/script calls run inserted."""
        out: list[Command] = []
        cwd = start_cwd
        for c in cmds:
            self.count += 1
            if self.count > MAX_COMMANDS:
                self.note(c.line, _short(c.text), f"more than {MAX_COMMANDS} commands: stopped following")
                return out
            out.append(c)
            if c.cwd is not None:
                here = None if is_unknown(c.cwd) else c.cwd
            else:
                here = cwd
                if c.name in ("cd", "pushd", "popd"):
                    target = c.argv[1] if len(c.argv) > 1 and c.name != "popd" else None
                    cwd = None if target is None or target.startswith(("~", "-")) else _join(cwd, target)
                    continue
            k = kind(c)
            if k is None:
                continue
            v = via or _short(c.text, 50)
            if depth >= MAX_DEPTH:
                self.note(c.line, _short(c.text), f"make/script nesting deeper than {MAX_DEPTH}: not followed")
                continue
            if k[0] == "make":
                out.extend(self.make(c, here, depth, v))
            elif k[0] == "script":
                out.extend(self.script(c, k[1], here, depth, v))
            else:
                self.note(c.line, _short(c.text), f"the script path `{k[1]}` is not known statically")
        return out

    def _where(self, c: Command) -> str:
        return f"{c.origin}: " if c.origin else ""

    def shell_words(self, c: Command) -> list[str]:
        """The command's words with the shell's ``$VAR``/``${VAR}`` expanded from its environment (the RUN's
        ARG/ENV, exports); a reference to a value not known statically stays as written, marked unresolved."""
        from golayer.dockerfile.build import expand

        scope = {k: UNKNOWN + "${" + k + "}" for k, v in self.ins.args_in_scope.items() if is_unknown(v)}
        scope.update(c.env)
        out = []
        for a in c.argv:
            if "$" not in a:
                out.append(a)
                continue
            v = UNKNOWN if "$(" in a or "`" in a else expand(a.replace("\\", "\\\\"), scope, quotes=False)
            if v.startswith(UNKNOWN):
                m = re.match(r"^([A-Za-z_][A-Za-z0-9_.]*=)(.*)$", a, re.S)  # VAR=value: only the value is unknown
                v = m.group(1) + _make().OPEN + m.group(2) + _make().CLOSE if m else \
                    _make().OPEN + a + _make().CLOSE
            out.append(v)
        return out

    def make(self, c: Command, cwd: str | None, depth: int, via: str) -> list[Command]:
        inv = _make().parse_invocation(self.shell_words(c))
        step = _short(c.text)
        if inv.problem:
            self.note(c.line, step, self._where(c) + inv.problem)
            return []
        if inv.dry_run:
            return []
        d = cwd if inv.directory is None else _join(cwd, inv.directory)
        if d is None:
            self.note(c.line, step, self._where(c) + "the directory make runs in is not known statically")
            return []
        names = inv.files or ["GNUmakefile", "makefile", "Makefile"]
        text = None
        rel = ""
        why = ""
        for nm in names:
            p = _join(d, nm)
            if p is None:
                why = f"the Makefile name `{nm}` is not known statically"
                break
            t, w, r = self.files.read(p)
            if t is not None:
                text, rel = t, r
                break
            if inv.files or nm == "Makefile":
                why = w if not why or inv.files else why
                if not inv.files:
                    why = w
        if text is None:
            what = f"`{inv.files[0]}`" if inv.files else "no GNUmakefile, makefile or Makefile"
            self.note(c.line, step, self._where(c) + f"{what} in {d} at this point: " + (why or "not in the stage"))
            return []
        rels: dict[str, str] = {}

        def read(name: str) -> tuple[str | None, str]:
            cands = [name] if name.startswith("/") else [posixpath.join(d, name)] + [
                posixpath.join(_join(d, inc) or d, name) for inc in inv.includes]
            last = ""
            for pth in cands:
                t, w, r = self.files.read(posixpath.normpath(pth))
                if t is not None:
                    rels[name] = r
                    return t, ""
                last = w
            return None, last

        env = dict(c.env)
        cmdline = _makeflags_vars(env.get("MAKEFLAGS", ""))
        cmdline.update(inv.cmdline)
        if cmdline:
            env["MAKEFLAGS"] = " -- " + " ".join(f"{k}={v.replace(' ', chr(92) + ' ')}" for k, v in cmdline.items())
        m = _make().Make(read, d, env, cmdline, inv.env_overrides)
        mf_name = inv.files[0] if inv.files else posixpath.basename(rel)
        rels[mf_name] = rel
        try:
            m.parse(text, mf_name)
            plan = m.run(inv.goals, env)
        except _make().Limit as exc:
            self.note(c.line, step, f"{rel}: {exc}: stopped reading")
            return []
        except RecursionError:
            self.note(c.line, step, f"{rel}: nests too deeply: stopped reading")
            return []
        for where, reason in m.unresolved + plan.unresolved:
            fname, _, ln = where.partition(":")
            loc = f"{rels.get(fname, fname)}:{ln}" if ln.isdigit() else where
            self.note(c.line, f"{step} ({loc})" if loc != step else step, reason)
        out: list[Command] = []
        for rl in plan.lines:
            origin_file = rels.get(rl.file, rl.file)
            base_line = rl.line
            def line_of(off: int, _t: bytes = rl.text.encode(), _b: int = base_line, _m: list = rl.line_map) -> int:
                k = _t[:off].count(b"\n")
                return _m[min(k, len(_m) - 1)] if _m else _b + k

            cmds = shell.split_script(rl.text, line_of, rl.env)
            cur: str | None = d
            for sc in cmds:
                sc.origin = f"{origin_file}:{sc.line}"
                sc.via = via
                sc.cwd = cur if cur is not None else UNKNOWN + "cwd"
                if rl.unresolved and sc.argv and any(r in sc.argv[0] for r in rl.unresolved):
                    self.note(c.line, f"{step} ({sc.origin})", _make().unresolved_reason(rl.unresolved[0]))
                if sc.name == "cd":
                    t = sc.argv[1] if len(sc.argv) > 1 else None
                    cur = None if t is None or t.startswith(("~", "-")) else _join(cur, t)
                sc.line = c.line
            out.extend(self.expand(cmds, depth + 1, d, via))
            if rl.unresolved and not cmds:
                self.note(c.line, f"{step} ({origin_file}:{rl.line})", _make().unresolved_reason(rl.unresolved[0]))
        return out

    def script(self, c: Command, path: str, cwd: str | None, depth: int, via: str) -> list[Command]:
        step = _short(c.text)
        p = _join(cwd, path)
        if p is None:
            self.note(c.line, step, self._where(c) + f"the directory `{path}` runs in is not known statically")
            return []
        text, why, rel = self.files.read(p)
        if text is None:
            if not path.endswith(".sh") and c.argv[0] == path:
                return []  # a program (built or installed in the stage, a tool), not a project script
            self.note(c.line, step, self._where(c) + why + f" ({p})")
            return []
        if "\x00" in text[:4096] or text.startswith("\x7fELF"):
            return []  # a binary copied from the context: a program, not a script
        first = text.split("\n", 1)[0]
        if first.startswith("#!") and not re.search(r"\b(sh|bash|ash|dash|ksh|mksh|zsh)\b", first):
            self.note(c.line, step, f"`{rel}` is not a shell script ({_short(first[2:].strip(), 40)})")
            return []
        cmds = split_script_file(text, c.env)
        cur: str | None = cwd
        for sc in cmds:
            sc.origin = f"{rel}:{sc.line}"
            sc.via = via
            sc.cwd = cur if cur is not None else UNKNOWN + "cwd"
            if sc.name in ("cd", "pushd"):
                t = sc.argv[1] if len(sc.argv) > 1 else None
                cur = None if t is None or t.startswith(("~", "-")) or is_unknown(t) else _join(cur, t)
            sc.line = c.line
        return self.expand(cmds, depth + 1, cwd, via)


def _makeflags_vars(flags: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if " -- " not in " " + flags:
        return out
    tail = (" " + flags).split(" -- ", 1)[1]
    for w in re.split(r"(?<!\\) ", tail):
        k, eq, v = w.partition("=")
        if eq and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", k):
            out[k] = v.replace("\\ ", " ")
    return out


def chain_copies(stage: Stage, ins: Instruction) -> list[Instruction]:
    """The instructions of the stage's FROM chain up to (not including) ``ins``, in build order."""
    chain: list[Stage] = []
    s: Stage | None = stage
    while s is not None and s not in chain:
        chain.append(s)
        s = s.base_stage
    out: list[Instruction] = []
    for st in reversed(chain):
        for x in st.instructions:
            if x is ins:
                return out
            out.append(x)
    return out


def resolve_run(model: DockerfileModel, stage: Stage, ins: Instruction) -> None:
    """Follow the make/script calls of one RUN into the files the stage holds (see the module doc)."""
    if str(model.path) == "-" and model.__dict__.get("_context_given") is not True:
        for c in ins.commands:
            if kind(c) is not None:
                ins.unresolved.append((c.line, _short(c.text), "standard input has no build context"))
        model.unresolved.extend(ins.unresolved)
        return
    cache = model.__dict__.setdefault("_resolve_cache", {})
    files = StageFiles(model, chain_copies(stage, ins), cache)
    r = Resolver(model, ins, files)
    cwd = None if is_unknown(ins.workdir) else ins.workdir
    try:
        ins.commands = r.expand(ins.commands, 0, cwd, None)
    except RecursionError:
        r.note(ins.start_line, "RUN", "nests too deeply: stopped following")
    ins.unresolved.extend(r.unresolved)
    model.unresolved.extend(r.unresolved)
