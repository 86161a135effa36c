"""Facts about what ends up in (and runs from) the final image, shared by the rules.

Several rules need the same derived facts: which stage built the binaries copied into the
target, whether cgo was effectively on for that build, which libc a stage offers, whether a
stage has a ``/bin/sh`` and which shell it is, what the effective CMD/ENTRYPOINT is, who the
effective user is, how to turn a shell-form command into exec form. They are computed here,
once, so two rules never answer the same question differently. Everything reads the
:mod:`golayer.dockerfile.model` only; unknowns come back as ``None`` and rules stay silent.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Callable, Iterator

from golayer.limits import read_path_at_most
from golayer.dockerfile.model import (
    BaseImage,
    Command,
    DockerfileModel,
    Instruction,
    Stage,
    is_unknown,
)

# --------------------------------------------------------------------------- stage chains


def chain(stage: Stage) -> list[Stage]:
    """The stage and its ancestors through ``FROM <stage>``, root first (computed once per stage;
    do not modify the list)."""
    hit = stage.__dict__.get("_chain")
    if hit is None:
        hit = stage.__dict__["_chain"] = _chain(stage)
    return hit


def _chain(stage: Stage) -> list[Stage]:
    parent = stage.base_stage
    if parent is not None:
        up = parent.__dict__.get("_chain")
        if up is not None and parent.index < stage.index:  # the parent's chain (a C-level copy)
            return up + [stage]
    out: list[Stage] = []
    s: Stage | None = stage
    seen: set[int] = set()
    while s is not None and s.index not in seen:
        seen.add(s.index)
        out.append(s)
        s = s.base_stage
    return out[::-1]


def chain_instructions(stage: Stage) -> Iterator[Instruction]:
    """Every instruction (after FROM) of the stage and its FROM ancestors, in build order."""
    for s in chain(stage):
        yield from s.instructions


def root_base(stage: Stage) -> BaseImage:
    """Knowledge about the image at the root of the stage's FROM chain."""
    return chain(stage)[0].base_image


def is_scratch(base: BaseImage) -> bool:
    return base.ref.strip().lower() == "scratch" or (base.known and base.family == "scratch")


def stage_platform(stage: Stage) -> str | None:
    """The ``FROM --platform`` in effect for a stage (a child stage inherits its parent's); folded along
    the chain once per stage."""
    return memo_along_chain(stage, "_platform_in_effect", lambda up, s: (s.platform or up[0],), (None,))[0]


# --------------------------------------------------------------------------- shells

_DASH_FAMILIES = {"debian", "ubuntu", "golang"}
_BASH_FAMILIES = {"amazonlinux", "fedora", "ubi", "ubi-minimal", "rhel", "centos", "rockylinux",
                  "almalinux", "oraclelinux", "opensuse"}
_BUSYBOX_FAMILIES = {"alpine", "busybox", "chainguard", "wolfi", "distroless"}


def _copies_a_shell(ins: Instruction) -> bool:
    if ins.cmd not in ("COPY", "ADD"):
        return False
    dest = (ins.copy_dest or "").rstrip("/")
    srcs = [s.rstrip("/") for s in ins.copy_sources]
    # a shell binary, a whole bin directory of another image, or anything written to /bin/sh
    return dest in ("/bin/sh", "/busybox") or any(
        s.rsplit("/", 1)[-1] in ("sh", "busybox", "bash", "dash", "ash")
        or s in ("/bin", "/usr/bin", "/busybox", "")
        for s in srcs
    )


def _first_shell_change(stage: Stage) -> Instruction | None:
    """The first instruction of the stage's FROM chain that makes /bin/sh unknowable (a SHELL, or a
    shell COPY'd in); folded along the chain once per stage, so asking before every instruction of
    every stage stays linear."""
    def step(up: tuple[Instruction | None], s: Stage) -> tuple[Instruction | None]:
        if up[0] is not None:
            return up
        return (next((i for i in s.instructions if i.cmd == "SHELL" or _copies_a_shell(i)), None),)

    return memo_along_chain(stage, "_first_shell_change", step, (None,))[0]


def _before(stage: Stage, ins: Instruction, before: Instruction | None) -> bool:
    """Is ``ins`` (an instruction of the stage's chain) built before ``before``? Chain instructions are in
    file order (a FROM names an earlier stage); ``before`` outside the chain means the whole chain."""
    if before is None or before.stage is None:
        return True
    in_chain = any(s is before.stage for s in chain(stage))
    return not in_chain or ins.index < before.index


def has_shell(stage: Stage, before: Instruction | None = None) -> bool | None:
    """Does ``/bin/sh`` (the default SHELL) exist for instructions of this stage?

    ``None`` when golayer cannot tell: unknown base, a ``SHELL`` instruction (another
    interpreter we cannot check), or a shell COPY'd in.
    """
    first = _first_shell_change(stage)
    if first is not None and _before(stage, first, before):
        return None
    base = root_base(stage)
    if is_scratch(base):
        return False
    if not base.known:
        return None
    if base.family == "distroless":
        # no distroless variant has /bin/sh: the :debug shell is /busybox/sh (distroless#419)
        return False
    return base.has_shell


def busybox_debug_shell(stage: Stage) -> bool:
    """A distroless :debug base: a shell exists, but at /busybox/sh, not /bin/sh."""
    base = root_base(stage)
    return base.known and base.family == "distroless" and "debug" in base.ref.rsplit(":", 1)[-1]


def shell_kind(stage: Stage) -> str | None:
    """Which ``/bin/sh`` the stage has: "dash", "busybox", "bash", or None (none/unknown).

    dash keeps ``sh -c`` as PID 1 even for one simple command (measured); busybox sh and bash
    exec a single simple command, so the program becomes PID 1.
    """
    if has_shell(stage) is not True:
        return None
    base = root_base(stage)
    fam = (base.family or "").lower()
    if base.libc == "musl" or fam in _BUSYBOX_FAMILIES:
        return "busybox"
    if fam in _DASH_FAMILIES:
        return "dash"
    if fam in _BASH_FAMILIES:
        return "bash"
    return None


# --------------------------------------------------------------------------- the process


@dataclass
class Process:
    """What the image runs: the effective ENTRYPOINT, CMD and HEALTHCHECK instructions."""

    entrypoint: Instruction | None
    cmd: Instruction | None
    healthcheck: Instruction | None


def effective_process(stage: Stage) -> Process:
    """The ENTRYPOINT/CMD/HEALTHCHECK a container of this stage's image runs with.

    Follows Docker: the last one wins; an ENTRYPOINT resets a CMD inherited from a parent
    stage (but not a CMD of its own stage); ``HEALTHCHECK NONE`` clears.
    """
    ep = cmd = hc = None
    for s in chain(stage):
        cmd_set_here = False
        for ins in s.instructions:
            if ins.cmd == "ENTRYPOINT":
                ep = ins
                if not cmd_set_here:
                    cmd = None
            elif ins.cmd == "CMD":
                cmd = ins
                cmd_set_here = True
            elif ins.cmd == "HEALTHCHECK":
                hc = None if [a.upper() for a in ins.args[:1]] == ["NONE"] else ins
    return Process(ep, cmd, hc)


def command_text(ins: Instruction) -> str:
    """The command of a CMD/ENTRYPOINT/RUN/HEALTHCHECK as written (shell form: the script)."""
    args = list(ins.args)
    if ins.cmd == "HEALTHCHECK" and args and args[0].upper() == "CMD":
        args = args[1:]
    if ins.json_form:
        return " ".join(args)
    return " ".join(args)


def exec_argv(ins: Instruction) -> list[str] | None:
    """argv of an exec-form (JSON) CMD/ENTRYPOINT/HEALTHCHECK CMD/RUN, else None."""
    if not ins.json_form:
        return None
    args = list(ins.args)
    if ins.cmd == "HEALTHCHECK" and args and args[0].upper() == "CMD":
        args = args[1:]
    return args


def is_shell_form(ins: Instruction) -> bool:
    if ins.cmd == "HEALTHCHECK":
        return bool(ins.args) and ins.args[0].upper() == "CMD" and not ins.json_form
    return not ins.json_form


# ---- shell words

_PLAIN_CHARS = re.compile(r"[A-Za-z0-9_./:=,@%+\-]")
_SHELL_WORDS = {"if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case",
                "esac", "function", "{", "}", "!", "[[", "]]", "cd", "export", "set", "unset",
                ".", "source", "trap", "ulimit", "umask", "eval", "alias", "read", "shift",
                "local", "wait", "exit", "return", "exec", "[", "test", "echo", "printf"}


def plain_words(text: str) -> list[str] | None:
    """Split a shell command into words when no shell feature is involved, else None.

    Plain: words of ``[A-Za-z0-9_./:=,@%+-]`` separated by blanks, optionally quoted (quotes
    without ``$``, backquote or backslash inside); no operators, redirections, globs,
    expansions, comments, assignments in front, or shell builtins/keywords.
    """
    words: list[str] = []
    cur: list[str] = []
    in_word = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t":
            if in_word:
                words.append("".join(cur))
                cur, in_word = [], False
            i += 1
            continue
        if c in "'\"":
            j = text.find(c, i + 1)
            if j < 0:
                return None
            inner = text[i + 1 : j]
            if any(ch in inner for ch in "$`\\\n") or (c == "'" and "\n" in inner):
                return None
            cur.append(inner)
            in_word = True
            i = j + 1
            continue
        if c == "~" and not in_word:
            return None
        if c != "~" and not _PLAIN_CHARS.fullmatch(c):
            return None
        cur.append(c)
        in_word = True
        i += 1
    if in_word:
        words.append("".join(cur))
    if not words:
        return None
    first = words[0]
    if "=" in first or first in _SHELL_WORDS:
        return None
    return words


def simple_command(text: str) -> bool:
    """One simple command (busybox sh / bash would exec it): no control operators, pipes,
    subshells, redirections, background jobs, newlines or leading compound keywords."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            j = text.find("'", i + 1)
            if j < 0:
                return False
            i = j + 1
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c in ";&|<>()\n`" or (c == "#" and (i == 0 or text[i - 1] in " \t")):
            return False
        i += 1
    first = text.strip().split(None, 1)[0] if text.strip() else ""
    return first not in _SHELL_WORDS or first == "exec" or first == "echo" or first == "printf"


def starts_with_exec(text: str) -> bool:
    return text.strip().split(None, 1)[:1] == ["exec"]


_TAIL_EXEC = re.compile(r"(?:&&|;|\n)\s*exec\s+[^;&|<>()`\n]+$")


def ends_with_exec(text: str) -> bool:
    """A script whose last step is ``… && exec prog args`` (or after ``;``/a newline): the shell
    replaces itself with the program, which becomes PID 1 and gets the signals."""
    return bool(_TAIL_EXEC.search(text.strip()))


def single_line(model: DockerfileModel, ins: Instruction) -> bool:
    raw = model.content[ins.start : ins.end]
    return "\n" not in raw.rstrip("\r\n")


def exec_form_edit(model: DockerfileModel, ins: Instruction, words: list[str] | None = None):
    """An Edit turning a one-line shell-form CMD/ENTRYPOINT/RUN/HEALTHCHECK CMD into exec form.

    ``None`` when the command is not plain words (see :func:`plain_words`), the instruction
    spans several lines, or the command text cannot be located exactly.
    """
    from golayer.findings import Edit

    if ins.json_form or not single_line(model, ins) or ins.heredocs:
        return None
    text = command_text(ins)
    words = words if words is not None else plain_words(text)
    if not words:
        return None
    raw = model.content[ins.start : ins.end]
    body = raw.rstrip("\r\n")
    stripped = body.rstrip()
    if not stripped.endswith(text.rstrip()):
        return None
    cut = ins.start + len(stripped) - len(text.rstrip())
    import json  # only for this fix: not on every lint's start-up

    return Edit(str(model.path), cut, ins.start + len(stripped), json.dumps(words))


# --------------------------------------------------------------------------- users

_ROOT_USERS = {"root", "0"}


def effective_user(stage: Stage) -> tuple[str | None, Instruction | None]:
    """(user, the USER instruction that set it) for a container of this stage's image.

    With no USER in the chain the base image's default user is returned with ``None`` as
    instruction; an unknown base gives (None, None). A USER with an unresolved variable gives
    (None, that instruction).
    """
    last = None
    for ins in chain_instructions(stage):
        if ins.cmd == "USER":
            last = ins
    if last is not None:
        value = " ".join(last.args).strip()
        if not value or "$" in value or is_unknown(value):
            return None, last
        return value, last
    base = root_base(stage)
    if is_scratch(base):
        return "root", None
    if not base.known:
        return None, None
    return base.default_user, None


def is_root_user(user: str | None) -> bool:
    if user is None:
        return False
    return user.split(":", 1)[0].strip() in _ROOT_USERS


# --------------------------------------------------------------------------- go builds


@dataclass
class BuiltBinary:
    """A binary a ``go build``/``go install`` produces."""

    stage: Stage
    instruction: Instruction
    command: Command
    path: str  # absolute output path (may be a glob pattern "dir/*" when the name is unknown)
    exact: bool  # the path is certain (``-o file``, ``go install pkg``)


def _gopath_bin(cmd: Command, ins: Instruction) -> str:
    gobin = cmd.env.get("GOBIN") or ins.env.get("GOBIN")
    if gobin and not is_unknown(gobin):
        return gobin
    gopath = (cmd.env.get("GOPATH") or ins.go.GOPATH or "/root/go").split(":")[0]
    return posixpath.join(gopath, "bin")


def _pkg_binary_name(pkg: str, model: DockerfileModel, workdir: str) -> str | None:
    pkg = pkg.split("@", 1)[0].rstrip("/")
    if not pkg or "..." in pkg or pkg.endswith(".go"):
        return None
    if pkg in (".", "./"):
        mod = model.context.gomod.module if model.context.gomod else None
        if mod:
            pkg = mod
        else:
            return posixpath.basename(workdir.rstrip("/")) or None
    parts = [p for p in pkg.split("/") if p not in (".", "")]
    if not parts:
        return None
    name = parts[-1]
    if re.fullmatch(r"v\d+", name) and len(parts) > 1 and "." in parts[0]:
        name = parts[-2]
    return name


def _abs(path: str, workdir: str) -> str:
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(workdir or "/", path))


def binaries_of_command(model: DockerfileModel, ins: Instruction, cmd: Command,
                        cwd: str | None = "") -> list[BuiltBinary]:
    """Outputs of one go build/install; ``cwd`` is the directory after ``cd`` s earlier in the
    same RUN ("" = the WORKDIR, None = unknown: relative outputs are then not guessed)."""
    go = cmd.go
    if go is None or go.sub not in ("build", "install"):
        return []
    if cwd is None:
        o = go.flags.get("-o")
        if go.sub == "install" or not o or not o.startswith("/"):
            return [] if go.sub != "install" else [
                BuiltBinary(ins.stage, ins, cmd, posixpath.join(_gopath_bin(cmd, ins), "*"), False)]
    workdir = cwd or ins.workdir or "/"
    stage = ins.stage
    pkgs = [p for p in go.packages if p]
    if go.sub == "install":
        d = _gopath_bin(cmd, ins)
        names = [_pkg_binary_name(p, model, workdir) for p in (pkgs or ["."])]
        out = []
        for nm in names:
            if nm is None:
                out.append(BuiltBinary(stage, ins, cmd, posixpath.join(d, "*"), False))
            else:
                out.append(BuiltBinary(stage, ins, cmd, posixpath.join(d, nm), True))
        return out
    o = go.flags.get("-o")
    if o:
        if is_unknown(o):
            return []
        path = _abs(o, workdir)
        if o.endswith("/") or len(pkgs) > 1 or any("..." in p for p in pkgs):
            return [BuiltBinary(stage, ins, cmd, posixpath.join(path, "*"), False)]
        return [BuiltBinary(stage, ins, cmd, path, True)]
    if len(pkgs) > 1 or any("..." in p for p in pkgs):
        return []  # several packages without -o: go build only checks they compile
    name = _pkg_binary_name(pkgs[0] if pkgs else ".", model, workdir)
    if name is None:
        return []
    return [BuiltBinary(stage, ins, cmd, _abs(name, workdir), False)]


def binaries_built_in(model: DockerfileModel, stage: Stage, ancestors: bool = True) -> list[BuiltBinary]:
    """Binaries produced by go build/install in the stage (and its FROM ancestors). Each stage's own
    binaries are found once, and each stage's list with its ancestors' is its parent's list plus its own
    (rules ask for every COPY --from of every stage: lint stays linear in stages). Read-only: do not mutate."""
    if not ancestors:
        return _own_binaries(model, stage)
    return _along_chain(stage, "_chain_binaries", lambda s: _own_binaries(model, s))


def _along_chain(stage: Stage, key: str, own: Callable[[Stage], list]) -> list:
    """``own(s)`` of every stage of the FROM chain, root first, memoised per stage under ``key`` as the
    parent's list plus the stage's own."""
    return memo_along_chain(stage, key, lambda prev, s: prev + own(s) if prev else list(own(s)), [])


def memo_along_chain(stage: Stage, key: str, step: Callable[[Any, Stage], Any], start: Any) -> Any:
    """A value folded along the stage's FROM chain (root first): ``step(parent's value, stage)``, memoised per
    stage under ``key``. With the parent's value known (stages are visited in order), one step; otherwise the
    chain is folded from its root without recursion (chains may be thousands of stages long). ``step`` must
    not modify the value it is given."""
    hit = stage.__dict__.get(key)
    if hit is not None:
        return hit
    parent = stage.base_stage
    if parent is not None and key in parent.__dict__:
        value = step(parent.__dict__[key], stage)
        stage.__dict__[key] = value
        return value
    value = start
    for s in chain(stage):
        got = s.__dict__.get(key)
        if got is None:
            got = step(value, s)
            s.__dict__[key] = got
        value = got
    return value


def _own_binaries(model: DockerfileModel, s: Stage) -> list[BuiltBinary]:
    hit = s.__dict__.get("_own_binaries")
    if hit is not None:
        return hit
    out: list[BuiltBinary] = []
    for ins in s.instructions:
        if ins.cmd != "RUN":
            continue
        cwd: str | None = ""
        for cmd in ins.commands:
            if cmd.origin:  # resolved from make/a script: runs in its own directory
                if cmd.name != "cd":
                    out.extend(binaries_of_command(model, ins, cmd, None if is_unknown(cmd.cwd or "$")
                                                   else cmd.cwd))
                continue
            if cmd.name == "cd":
                dest = cmd.argv[1] if len(cmd.argv) > 1 else None
                if dest is None or is_unknown(dest) or dest.startswith("-"):
                    cwd = None
                elif cwd is not None:
                    cwd = _abs(dest, cwd or ins.workdir or "/")
                continue
            out.extend(binaries_of_command(model, ins, cmd, cwd))
    s.__dict__["_own_binaries"] = out
    return out


def _covers(source: str, binary: BuiltBinary) -> bool:
    # COPY --from sources are paths from the root of the source stage, whatever its WORKDIR
    source = source if source.startswith("/") else "/" + source
    src = posixpath.normpath(source) if source not in ("", "/") else "/"
    path = binary.path
    if src == "/":
        return True
    if path == src or path.startswith(src.rstrip("/") + "/"):
        return True
    if any(ch in src for ch in "*?["):
        if fnmatchcase(path, src) or fnmatchcase(posixpath.dirname(path), src):
            return True
    if path.endswith("/*") and posixpath.dirname(src) == path[:-2]:
        return True
    return False


def source_stage(model: DockerfileModel, ins: Instruction) -> Stage | None:
    """The stage a ``COPY --from`` reads (None for the context or an external image)."""
    if ins.cmd not in ("COPY", "ADD") or not ins.copy_from:
        return None
    return model.stage(ins.copy_from)


def copied_binaries(model: DockerfileModel, ins: Instruction) -> list[BuiltBinary]:
    """Go binaries built in the source stage of a ``COPY --from`` that this COPY brings along."""
    src = source_stage(model, ins)
    if src is None:
        return []
    built = binaries_built_in(model, src)
    return [b for b in built if any(_covers(s, b) for s in ins.copy_sources)]


def binaries_copied_into(model: DockerfileModel, stage: Stage) -> list[tuple[Instruction, BuiltBinary]]:
    """(COPY instruction, binary) for every Go binary copied into the stage or its ancestors (memoised along
    the FROM chain like :func:`binaries_built_in`; read-only)."""
    return _along_chain(stage, "_chain_copied", lambda s: [(ins, b) for ins in s.instructions
                                                            for b in copied_binaries(model, ins)])


# --------------------------------------------------------------------------- cgo and linkage


@dataclass
class Linkage:
    cgo: bool | None  # cgo effectively on for that go command (None: cannot tell)
    static_declared: bool  # -tags netgo,osusergo or -extldflags -static: likely a static ELF
    reason: str

    @property
    def dynamic(self) -> bool | None:
        """Likely dynamically linked against the builder's libc (cgo on, nothing static asked)."""
        if self.cgo is None:
            return None
        return self.cgo and not self.static_declared


def _all_flags(cmd: Command, ins: Instruction) -> str:
    goflags = cmd.env.get("GOFLAGS") or ins.go.GOFLAGS or ""
    return " ".join([*cmd.go.args, goflags]) if cmd.go else goflags


def linkage(cmd: Command, ins: Instruction) -> Linkage:
    val = cmd.assignments.get("CGO_ENABLED")
    if val is None:
        val = cmd.env.get("CGO_ENABLED")
    cgo: bool | None
    if val is not None and not is_unknown(val):
        cgo = val.strip() == "1"
        reason = f"CGO_ENABLED={val.strip()}"
    elif val is not None:
        cgo, reason = None, f"CGO_ENABLED={val}"
    else:
        cgo = ins.go.CGO_ENABLED
        reason = ins.go.cgo_reason or ("cgo on" if cgo else "cgo off" if cgo is False else "cgo unknown")
    flags = _all_flags(cmd, ins)
    tags: set[str] = set()
    for m in re.finditer(r"-tags[= ]+['\"]?([A-Za-z0-9_.,\s]+)", flags):
        tags |= {t for t in re.split(r"[,\s]+", m.group(1)) if t}
    static = ("netgo" in tags and "osusergo" in tags) or bool(
        re.search(r"-extldflags[= ]*['\"]*[^'\"]*-static", flags)
    )
    return Linkage(cgo, static, reason)


def cgo_explicit(cmd: Command, ins: Instruction) -> bool:
    """CGO_ENABLED set explicitly (ENV/ARG/inline/export or go env -w) for this command."""
    if "CGO_ENABLED" in cmd.assignments or "CGO_ENABLED" in cmd.env:
        return True
    return ins.go.origin.get("CGO_ENABLED") in ("env", "go-env-w")


_GLIBC_COMPAT = {"gcompat", "libc6-compat"}


def effective_libc(stage: Stage) -> str | None:
    """The libc a binary finds at run time in this stage: none/glibc/musl/uclibc, or None."""
    base = root_base(stage)
    if is_scratch(base):
        libc = "none"
    elif not base.known or not base.libc:
        return None
    else:
        libc = base.libc
    if memo_along_chain(stage, "_loader_along", lambda prev, s: prev or _brings_own_loader(s), False):
        return None
    return libc


def _brings_own_loader(s: Stage) -> bool:
    """The stage installs a glibc compatibility layer on musl or copies a loader/libc in by hand (then
    linkage must be checked in the image). Asked once per stage, through memo_along_chain."""
    return any(any(c.package_install and set(c.package_install[1]) & _GLIBC_COMPAT for c in ins.commands) or (
               ins.cmd in ("COPY", "ADD") and any("ld-linux" in x or "libc.so" in x or "ld-musl" in x
                                                  for x in ins.copy_sources))
               for ins in s.instructions)


def runtime_base_for(dynamic: bool | None, scratch: bool = False) -> str:
    """The minimal runtime base golayer recommends for a Go binary of that linkage."""
    if dynamic:
        return "gcr.io/distroless/base-debian12:nonroot"
    if scratch:
        return "scratch"
    return "gcr.io/distroless/static-debian12:nonroot"


# --------------------------------------------------------------------------- toolchains

_GO_PACKAGES = re.compile(r"^(golang|golang-go|golang-\d+(\.\d+)*(-go)?|go|go\d+(\.\d+)*|golang-bin)$")
_GO_TARBALL = re.compile(
    r"(^|/)go\d+(\.\d+)*(rc\d+|beta\d+)?\.[a-z]+-[a-z0-9]+\.tar\.gz\b"
    # Go's download hosts, also with unresolved ${GO_VERSION}/${ARCH} in the file name
    r"|(go\.dev/dl|dl\.google\.com/go|golang\.org/dl|storage\.googleapis\.com/golang)/go[^/\s]*\.tar\.gz")


def go_installs(ins: Instruction) -> list[str]:
    """How this instruction installs a Go toolchain: ["apt-get install golang", ...]."""
    out: list[str] = []
    if ins.cmd == "RUN":
        for c in ins.commands:
            if c.package_install:
                mgr, pkgs = c.package_install
                go = [p.split("=", 1)[0] for p in pkgs if _GO_PACKAGES.match(p.split("=", 1)[0])]
                if go:
                    out.append(f"{mgr} install {' '.join(go)}")
            elif any(_GO_TARBALL.search(w) for w in c.argv) and c.name in ("curl", "wget", "tar", "aria2c"):
                url = next(w for w in c.argv if _GO_TARBALL.search(w))
                out.append(f"download of {url.rsplit('/', 1)[-1]}")
    elif ins.cmd == "ADD":
        for s in ins.copy_sources:
            if _GO_TARBALL.search(s):
                out.append(f"ADD of {s.rsplit('/', 1)[-1]}")
    elif ins.cmd == "COPY" and ins.copy_from:
        for s in ins.copy_sources:
            if s.rstrip("/") in ("/usr/local/go", "/usr/lib/go", "/usr/local/go/bin/go"):
                out.append(f"COPY of {s} from {ins.copy_from}")
    return out


def is_toolchain_base(stage: Stage) -> bool:
    base = root_base(stage)
    return base.known and base.is_toolchain


# --------------------------------------------------------------------------- platforms

_TARGET_REF = re.compile(r"\$\{?(TARGETARCH|TARGETPLATFORM|TARGETOS|TARGETVARIANT)\b")


def multi_platform_intent(model: DockerfileModel) -> str | None:
    """The first TARGET* platform variable the Dockerfile references ($TARGETARCH ...)."""
    m = _TARGET_REF.search(model.content)
    if m:
        return m.group(1)
    for ins in model.instructions:
        if ins.cmd == "ARG":
            for a in ins.args:
                name = a.split("=", 1)[0]
                if name in ("TARGETARCH", "TARGETPLATFORM", "TARGETOS", "TARGETVARIANT"):
                    return name
    return None


def on_build_platform(stage: Stage) -> bool:
    p = stage_platform(stage)
    return bool(p) and "BUILDPLATFORM" in p


# --------------------------------------------------------------------------- Go sources in the context

# substring tests (memchr-fast), not regexes: a scan must stay cheap on big contexts
_LOADLOC = (b"LoadLocation(",)
_TZDATA_IMPORT = (b'"time/tzdata"',)
# `import "C"`, alone or as a line of an import block: the package needs cgo
_IMPORT_C = re.compile(rb'(?m)^\s*import\s+"C"|^\s*"C"\s*$')
# well-known modules that only build with cgo (their pure-Go fallbacks do not exist)
CGO_MODULES = ("github.com/mattn/go-sqlite3", "github.com/confluentinc/confluent-kafka-go",
               "github.com/DataDog/zstd", "github.com/google/gopacket/pcap", "github.com/tecbot/gorocksdb",
               "github.com/linxGnu/grocksdb", "github.com/miekg/pkcs11", "github.com/go-gl/")
# outbound TLS: a TLS dial, a gRPC TLS credential, a cloud SDK, or an HTTP client call in a file
# that also has an https:// literal
_TLS_DIAL = (b"tls.Dial(", b"tls.DialWithDialer(", b"tls.Client(", b"credentials.NewClientTLSFromCert(",
             b"credentials.NewTLS(", b'"cloud.google.com/go/', b'"github.com/aws/aws-sdk-go',
             b'"github.com/Azure/azure-sdk-for-go/')
_HTTP_CLIENT = (b"http.Get(", b"http.Post(", b"http.PostForm(", b"http.Head(", b"http.NewRequest(",
                b"http.NewRequestWithContext(", b"http.DefaultClient", b"http.Client{")
_HTTPS_LITERAL = (b'"https://', b"`https://")
# an https:// URL passed to a call (`http.Get("https://…")`, `NewRequest("GET", "https://…")`), not one only
# named in a constant or a message (`const DocsURL = "https://…"`: a link shown to users, no connection)
_HTTPS_ARG = re.compile(rb'(?m)^(?!\s*//)[^\n]*[(,]\s*["`]https://')


def _has(data: bytes, needles: tuple[bytes, ...]) -> bool:
    return any(n in data for n in needles)


_OPENS = re.compile(rb'(?:\bos\.(?:Open|ReadFile|OpenFile)|\btemplate\.(?:ParseFiles|ParseGlob|Must\(template\.ParseFiles)'
                    rb'|\bhttp\.Dir|\bgodotenv\.(?:Load|Overload|Read)|\bviper\.SetConfigFile)\(\s*"([^"\n]{1,200})"')
_GODOTENV_BARE = re.compile(rb"\bgodotenv\.(?:Load|Overload)\(\s*\)")


def _opened(data: bytes) -> list[str]:
    out = []
    for m in _OPENS.finditer(data):
        path = m.group(1).decode("utf-8", "replace")
        if path.startswith("/") or "://" in path or "%" in path or not path.strip():
            continue
        out.append(path)
    if _GODOTENV_BARE.search(data):
        out.append(".env")
    return out


_SKIP_DIRS = {"vendor", "testdata", "node_modules", "third_party", "examples", "example", "docs"}
_MAX_GO_FILES = 2000
_MAX_GO_BYTES = 16 * 1024 * 1024
_MAX_GO_FILE_READ = 4 * 1024 * 1024


class GoSourceFacts:
    """What the Go sources of the build context do (non-test files, vendor/testdata skipped).

    ``files``, ``load_location`` and ``imports_tzdata`` come from the one read of every file that
    decides whether the context is scanned at all (cheap substring tests). ``outbound_tls``,
    ``opened_files`` and ``imports_c`` (one rule, under rare conditions, reads it: its scan for ``"C"`` was
    the costliest of the cheap ones) are computed the first time a rule reads them (each
    file read again then; within a :class:`batch` once per file for every context that holds it).
    Results are the same as computing everything at once (tests/lint/test_parallel_parity.py)."""

    def __init__(self, files: int, load_location: list[str], imports_tzdata: bool,
                 outbound_tls: list[str] | None = None, imports_c: list[str] | None = None,
                 cgo_modules: list[str] | None = None, opened_files: list[tuple[str, str]] | None = None,
                 paths: list[tuple[str, str]] | None = None) -> None:
        self.files = files
        self.load_location = load_location  # context-relative paths of files calling LoadLocation(
        self.imports_tzdata = imports_tzdata  # some file imports "time/tzdata" (embeds the zone database)
        self._imports_c = imports_c  # files with `import "C"` (need cgo); None: found when first read
        self.cgo_modules = cgo_modules if cgo_modules is not None else []  # go.mod requirements needing cgo
        self._paths = paths or []  # (absolute path, context-relative path) of every scanned file, in order
        self._tls = outbound_tls
        self._opened = opened_files

    @property
    def outbound_tls(self) -> list[str]:
        """Files that make TLS client connections."""
        if self._tls is None:
            self._tls = [rel for p, rel in self._paths if _lazy_fact(p, "tls")]
        return self._tls

    @property
    def imports_c(self) -> list[str]:
        """Files with ``import "C"`` (they need cgo)."""
        if self._imports_c is None:
            self._imports_c = [rel for p, rel in self._paths if _lazy_fact(p, "cgo")]
        return self._imports_c

    @property
    def opened_files(self) -> list[tuple[str, str]]:
        """Relative paths the program may open at run time, with the Go file that names them:
        os.Open/ReadFile/OpenFile, template.ParseFiles/ParseGlob, http.Dir, godotenv.Load (".env" when bare)."""
        if self._opened is None:
            out: list[tuple[str, str]] = []
            for p, rel in self._paths:
                out += [(f, rel) for f in _lazy_fact(p, "opened")]
            self._opened = out
        return self._opened

    def _key(self) -> tuple:
        return (self.files, self.load_location, self.imports_tzdata, self.outbound_tls, self.imports_c,
                self.cgo_modules, self.opened_files)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoSourceFacts) and self._key() == other._key()

    def __repr__(self) -> str:
        return "GoSourceFacts(files={!r}, load_location={!r}, imports_tzdata={!r}, outbound_tls={!r}, " \
               "imports_c={!r}, cgo_modules={!r}, opened_files={!r})".format(*self._key())


class batch:
    """``with final.batch():`` - while linting a batch of files (which do not change meanwhile), scan
    each build context's Go sources once, not once per Dockerfile that shares the context. Everything
    read once per run (sources, Go files, listings, ignore files, go.mod) shares one cache,
    :func:`golayer.dockerfile.context._batched`; real paths are resolved one directory at a time, each
    once (:func:`golayer.fsutil.realpath`)."""

    def __enter__(self) -> "batch":
        from golayer import fsutil
        from golayer.dockerfile import context

        self._prev = context._BATCH
        self._prev_real = fsutil._REAL
        if context._BATCH is None:
            context._BATCH = {}
        if fsutil._REAL is None:  # real paths too (fsutil.realpath)
            fsutil._REAL = {}
        return self

    def __exit__(self, *exc: object) -> None:
        from golayer import fsutil
        from golayer.dockerfile import context

        context._BATCH = self._prev
        fsutil._REAL = self._prev_real


# every needle of _OPENS / _GODOTENV_BARE contains one of these: a file without them opens nothing
_OPEN_HINTS = (b"os.Open", b"os.ReadFile", b"template.Parse", b"http.Dir", b"godotenv.", b"viper.SetConfigFile")
_TLS_HINTS = (b"tls.", b"credentials.New", b'"cloud.google.com/go/', b'"github.com/aws/aws-sdk-go',
              b'"github.com/Azure/azure-sdk-for-go/')


def _tls_client(data: bytes) -> bool:
    """Makes TLS client connections: a TLS dial/credential/cloud SDK, or an HTTP client call with an https://
    URL passed to a call. (The substring pre-tests only skip work: every needle contains one of them.)"""
    if _has(data, _TLS_HINTS) and _has(data, _TLS_DIAL):
        return True
    return (b"https://" in data and _has(data, _HTTPS_LITERAL) and b"http." in data and _has(data, _HTTP_CLIENT)
            and _HTTPS_ARG.search(data) is not None)


def _lazy_fact(p: str, what: str) -> Any:
    from golayer.dockerfile.context import _batched

    return _batched(("gofact", p, what), lambda: _read_lazy_fact(p, what))


def _read_lazy_fact(p: str, what: str) -> Any:
    try:
        data = read_path_at_most(p, _MAX_GO_FILE_READ)
    except OSError:  # gone since the scan (files are not expected to change during a run)
        data = b""
    if what == "tls":
        got: Any = _tls_client(data)
    elif what == "cgo":
        got = b'"C"' in data and _IMPORT_C.search(data) is not None
    else:
        got = tuple(_opened(data)) if _has(data, _OPEN_HINTS) else ()
    return got


def _file_facts(p: str) -> tuple[int, bool, bool]:
    """(bytes read, calls LoadLocation, imports time/tzdata) of one Go file."""
    data = read_path_at_most(p, _MAX_GO_FILE_READ)
    return len(data), _has(data, _LOADLOC), _has(data, _TZDATA_IMPORT)


def go_dir(top: str) -> tuple[list[str], list[str]]:
    """(subdirectories a source scan walks, non-test Go files) of one directory, in directory order: hidden
    and _SKIP_DIRS directories and symlinks left out. Listed once per :class:`batch`."""
    from golayer.dockerfile.context import _batched

    return _batched(("godir", top), lambda: _list_go_dir(top))


def _list_go_dir(top: str) -> tuple[list[str], list[str]]:
    import os

    dirs: list[str] = []
    gofiles: list[str] = []
    try:
        with os.scandir(top) as it:
            for e in it:
                try:
                    is_dir = e.is_dir()
                except OSError:
                    is_dir = False
                name = e.name
                if is_dir:
                    if not name.startswith(".") and name not in _SKIP_DIRS and not e.is_symlink():
                        dirs.append(os.path.join(top, name))
                elif name.endswith(".go") and not name.endswith("_test.go") and not e.is_symlink():
                    gofiles.append(os.path.join(top, name))
    except OSError:  # as os.walk: a directory that cannot be listed (to its end) contributes nothing
        dirs, gofiles = [], []
    return dirs, gofiles


def _go_files(d: str) -> list[str]:
    """The non-test Go files below ``d`` in os.walk's order (top-down, directory order), hidden and
    _SKIP_DIRS directories and symlinks skipped; raises StopIteration past _MAX_GO_FILES."""
    paths: list[str] = []

    def walk(top: str) -> None:
        dirs, gofiles = go_dir(top)
        paths.extend(gofiles)
        if len(paths) > _MAX_GO_FILES:
            raise StopIteration
        for x in dirs:
            walk(x)

    walk(d)
    return paths


def go_source_facts(model: DockerfileModel) -> GoSourceFacts | None:
    """Scan the context's Go sources once per model (once per context inside :class:`batch`); None
    when there is no readable context or it is too large to scan quickly (rules then stay silent)."""
    from golayer.dockerfile.context import _batched

    d = getattr(model.context, "dir", None)
    if d is None:
        return None
    cached = model.__dict__.get("_go_source_facts", False)
    if cached is not False:
        return cached
    facts = _batched(("gosources", str(d)), lambda: _scan_go_sources(d))
    model.__dict__["_go_source_facts"] = facts  # once per model: rules share one scan
    return facts


def _scan_go_sources(d: Any) -> GoSourceFacts | None:
    """The Go source facts of context directory ``d`` (see :func:`go_source_facts`)."""
    import os

    from golayer.dockerfile.context import _batched

    facts: GoSourceFacts | None = GoSourceFacts(0, [], False)  # imports_c, TLS, opened files: when a rule asks
    total = 0
    try:
        if not d.is_dir():
            facts = None
        else:
            # list first, read after: a context over the file limit is given up before reading anything
            paths = _go_files(str(d))
            facts.files = len(paths)
            ds = str(d)
            under = ds.rstrip("/") + "/"  # every listed path is os.path.join(ds, ...) of plain entry names
            for p in paths:
                # nested contexts of one batch share their files' facts
                size, loadloc, tzdata = _batched(("gofile", p), lambda: _file_facts(p))
                total += size
                if total > _MAX_GO_BYTES:
                    raise StopIteration
                # its relpath is the tail (os.path.relpath normalises both paths again: ~10 us a file)
                rel = (p[len(under):] if p.startswith(under) else os.path.relpath(p, ds)).replace(os.sep, "/")
                facts._paths.append((p, rel))
                if loadloc:
                    facts.load_location.append(rel)
                if tzdata:
                    facts.imports_tzdata = True
            gomod = d / "go.mod"
            if facts is not None and gomod.is_file():
                from golayer.dockerfile.context import read_gomod_text

                text = read_gomod_text(gomod) or ""
                facts.cgo_modules = [m for m in CGO_MODULES if m in text]
    except StopIteration:
        facts = None
    except OSError:
        facts = None
    return facts


def stage_provides(stage: Stage, what: str) -> bool | None:
    """Does the stage chain provide "tzdata" or "ca" (base knowledge, packages, copies, ENV)?

    True/False, or None when the base is unknown to golayer."""
    base = root_base(stage)
    have = base.has_tzdata if what == "tzdata" else base.has_ca
    pkgs = {"tzdata"} if what == "tzdata" else {"ca-certificates", "ca-certificates-bundle"}
    marks = ("zoneinfo",) if what == "tzdata" else ("ca-certificates", "/etc/ssl", "/etc/pki", "cacert")
    envs = ("ZONEINFO",) if what == "tzdata" else ("SSL_CERT_FILE", "SSL_CERT_DIR")
    for ins in chain_instructions(stage):
        for c in ins.commands:
            if c.package_install and set(p.split("=", 1)[0] for p in c.package_install[1]) & pkgs:
                return True
        if ins.cmd in ("COPY", "ADD") and any(
            any(m in s for m in marks) for s in [*ins.copy_sources, ins.copy_dest or ""]
        ):
            return True
        if ins.cmd == "ENV" and any(e in ins.args for e in envs):
            return True
    if is_scratch(base):
        return False
    if not base.known or have is None:
        return None
    return bool(have)


# --------------------------------------------------------------------------- what the image is for

_PRIV_DROP = {"su-exec", "gosu", "setpriv", "s6-setuidgid", "runuser", "chpst", "setuidgid", "s6-applyuidgid",
              "suexec", "dumb-init-su"}


@dataclass(frozen=True)
class Purpose:
    """What the target image is for, as far as the Dockerfile says.

    ``needs_toolchain``: its job needs the Go toolchain (a development/CI/debug image, or its
    ENTRYPOINT/CMD runs `go` or a tool that runs the go command); ``why`` says which fact decided.
    ``runs_program``: the Dockerfile sets an ENTRYPOINT or CMD for it (a base image's own default
    ``sh``/``bash`` CMD is not a program of the image).
    """

    needs_toolchain: bool
    why: str
    runs_program: bool


def _purpose_data() -> tuple[frozenset[str], frozenset[str]]:
    global _PURPOSE_DATA
    if _PURPOSE_DATA is None:
        from golayer.knowledge import load

        data = load("purpose.toml")
        _PURPOSE_DATA = (frozenset(data.get("toolchain_programs", [])), frozenset(data.get("dev_words", [])))
    return _PURPOSE_DATA


_PURPOSE_DATA: tuple[frozenset[str], frozenset[str]] | None = None
_WORD_SPLIT = re.compile(r"[.\-_/]+")


def _dev_word(name: str | None) -> str | None:
    if not name:
        return None
    _, words = _purpose_data()
    for w in _WORD_SPLIT.split(name.lower()):
        if w in words:
            return w
    return None


def process_words(ins: Instruction) -> list[str]:
    """The words of a CMD/ENTRYPOINT (exec form: its argv; shell form: its blank-separated words,
    quotes and shell operators stripped): enough to see which programs it names."""
    if ins.json_form:
        words: list[str] = []
        for a in ins.args:
            words.extend(a.split()) if " " in a else words.append(a)
        return words
    return [w.strip("'\"();&|") for w in command_text(ins).split()]


def _programs(stage: Stage) -> list[str]:
    proc = effective_process(stage)
    out: list[str] = []
    for ins in (proc.entrypoint, proc.cmd):
        if ins is not None:
            out += [posixpath.basename(w) for w in process_words(ins) if w]
    return out


def image_purpose(model: DockerfileModel) -> Purpose:
    """Is the target image meant to carry the Go toolchain? One decision every rule reads
    (toolchain-in-final-image, bloated-runtime-base, runs-as-root ...), in this order:

    1. its ENTRYPOINT/CMD, or the entrypoint script from the build context it runs, names ``go`` or a
       tool that runs the go command (``toolchain_programs`` in knowledge/purpose.toml);
    2. the target stage's name is a development word (dev, test, ci, debug, lint, builder, ...);
    3. the Dockerfile's file name, or a directory of its path inside the project, is (``Dockerfile.dev``,
       ``dev.Dockerfile``, ``Dockerfile-ci``, ``test/e2e/Dockerfile``, ``.devcontainer/Dockerfile``);
    4. the Dockerfile sets no ENTRYPOINT/CMD for it, or one that only starts an interactive shell
       (``CMD ["/bin/sh"]``): a toolchain/builder/tools image others run commands in.
    """
    cached = model.__dict__.get("_purpose")
    if cached is not None:
        return cached
    target = model.target
    tools, _ = _purpose_data()
    runs = False
    why = ""
    if target is not None:
        proc = effective_process(target)
        runs = proc.entrypoint is not None or proc.cmd is not None
        hit = next((w for w in _programs(target) if w in tools), None)
        if hit is None:
            for src, text in entry_scripts(model, target):
                hit = next((w for w in _script_programs(text) if w in tools), None)
                if hit:
                    hit = f"{hit}` (in {src}"
                    break
        if hit:
            why = f"its ENTRYPOINT/CMD runs `{hit}`, which needs the Go toolchain" + (")" if " (in " in hit else "")
        elif _dev_word(target.name):
            why = f"the target stage is named {target.name} (a development/CI image)"
    if not why:
        name = model.path.name
        stem = re.sub(r"(?i)(^|[.\-_])(docker|container)file($|[.\-_])", ".", name)
        dirs = _own_dirs(model.path)
        if _dev_word(stem):
            why = f"the file is named {name} (a development/CI image)"
        elif any(_dev_word(d) for d in dirs):
            d = next(d for d in reversed(dirs) if _dev_word(d))
            why = f"the file is in {d}/ (a development/CI image)"
        elif target is not None and not runs:
            why = "it sets no ENTRYPOINT/CMD: a toolchain or builder image that others run their commands in"
        elif target is not None and _only_a_shell(effective_process(target)):
            why = "its ENTRYPOINT/CMD only starts a shell: a tools image that others run their commands in"
    p = Purpose(bool(why), why, runs)
    model.__dict__["_purpose"] = p
    return p


_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_SHELL_FLAGS = {"-l", "-i", "--login", "-il", "-li"}


def _only_a_shell(proc: Process) -> bool:
    """ENTRYPOINT/CMD together run nothing but an interactive shell (``CMD ["/bin/sh"]``, ``CMD bash -l``):
    no script, no ``-c``, no program of the image's own."""
    words: list[str] = []
    for ins in (proc.entrypoint, proc.cmd):
        if ins is None:
            continue
        args = list(ins.args) if ins.json_form else " ".join(ins.args).split()
        words += args
    if not words or words[0].rsplit("/", 1)[-1] not in _SHELLS:
        return False
    return all(w in _SHELL_FLAGS for w in words[1:])


def _own_dirs(path) -> list[str]:
    """The directories a Dockerfile sits in inside the project being analysed: only the part of its
    path below the working directory counts (never the machine's /home/ci/... or /tmp)."""
    import os
    from pathlib import Path

    p = Path(path)
    parts = p.parts
    if p.is_absolute():
        cwd = os.getcwd()
        if cwd == "/":
            return []
        here = Path(cwd).parts
        if parts[:len(here)] != here:  # not below the working directory
            return []
        parts = parts[len(here):]
    return [d for d in parts[:-1] if d not in (".", "..")]


def entry_scripts(model: DockerfileModel, stage: Stage) -> list[tuple[str, str]]:
    """(context path, text) of the scripts the ENTRYPOINT/CMD runs that the stage COPYs from the build
    context (``COPY entrypoint.sh /usr/local/bin/`` + ``ENTRYPOINT ["entrypoint.sh"]``)."""
    proc = effective_process(stage)
    scripts = [w for ins in (proc.entrypoint, proc.cmd) if ins is not None for w in process_words(ins)
               if w.endswith(".sh") or any(k in w.lower() for k in ("entrypoint", "docker-init", "start", "run"))]
    ctx = getattr(model.context, "dir", None)
    if not scripts or ctx is None:
        return []
    out: list[tuple[str, str]] = []
    for ins in chain_instructions(stage):
        if ins.cmd not in ("COPY", "ADD") or not ins.copy_dest:
            continue
        from_stage = model.stage(ins.copy_from) if ins.copy_from else None
        if ins.copy_from and from_stage is None:
            continue
        for src in ins.copy_sources:
            if "$" in src or any(ch in src for ch in "*?[") or "://" in src:
                continue
            dest = _abs(ins.copy_dest, ins.workdir or "/")
            base = posixpath.basename(src.rstrip("/"))
            if not any(sc == dest or posixpath.basename(sc) == base for sc in scripts):
                continue
            if from_stage is not None:
                src = _context_path_in(from_stage, src) or ""
            elif src.startswith("/"):
                continue
            if not src:
                continue
            try:
                p = ctx / src.removeprefix("./")
                if p.is_file() and p.stat().st_size <= 256 * 1024:
                    out.append((src.removeprefix("./"), p.read_text("utf-8", errors="replace")))
            except OSError:
                continue
    return out


def _context_path_in(stage: Stage, path: str) -> str | None:
    """The build-context path a file or directory at ``path`` of ``stage`` came from, when the stage copied
    the whole context there or above it (``COPY . /src`` then ``/src/script/entrypoint.sh``; ``/src`` itself
    is ""), else None."""
    path = posixpath.normpath(path if path.startswith("/") else "/" + path)
    for ins in chain_instructions(stage):
        if ins.cmd not in ("COPY", "ADD") or ins.copy_from or not ins.copy_dest:
            continue
        if any(posixpath.normpath("/" + s.strip()) == "/" for s in ins.copy_sources if "$" not in s):
            d = _abs(ins.copy_dest, ins.workdir or "/").rstrip("/")
            if path == (d or "/"):
                return ""  # the directory the context was copied to: the context's root
            if path.startswith(d + "/"):
                return path[len(d) + 1:]
    return None


def unread_entry_script(model: DockerfileModel, stage: Stage) -> str | None:
    """The script the ENTRYPOINT/CMD starts (``*.sh``, ``*entrypoint*``) when golayer cannot read it
    (copied from a context it does not see, from an image, or built in a stage): what it does, e.g.
    dropping root, is unknown."""
    proc = effective_process(stage)
    ins = proc.entrypoint or proc.cmd
    if ins is None:
        return None
    words = process_words(ins)
    if not words:
        return None
    first = words[0]
    if posixpath.basename(first) in ("tini", "dumb-init", "catatonit") or first in ("/sbin/tini", "/usr/bin/tini"):
        rest = [w for w in words[1:] if not w.startswith("-")]
        first = rest[0] if rest else ""
    name = posixpath.basename(first).lower()
    if not (name.endswith(".sh") or "entrypoint" in name or name.startswith("docker-init")):
        return None
    return None if entry_scripts(model, stage) else first


def _script_programs(text: str) -> list[str]:
    words = []
    for line in text.splitlines():
        line = line.split("#", 1)[0] if not line.lstrip().startswith("#!") else ""
        words += [posixpath.basename(w.strip("'\"();&|`")) for w in line.split()]
    return words


def drops_privileges(model: DockerfileModel, stage: Stage) -> str | None:
    """The program that makes the container's entrypoint drop root (gosu, su-exec, setpriv,
    s6-setuidgid, runuser, ``chroot --userspec``), named in the ENTRYPOINT/CMD or in an entrypoint
    script of the build context that the stage COPYs; None when none is seen."""
    hit = next((w for w in _programs(stage) if w in _PRIV_DROP), None)
    if hit:
        return hit
    for src, text in entry_scripts(model, stage):
        m = _DROP_IN_SCRIPT.search(text)
        if m:
            return f"{m.group(1).split()[0]} in {src}"
    return None


_DROP_IN_SCRIPT = re.compile(r"(?m)^[^#\n]*\b(su-exec|gosu|setpriv|s6-setuidgid|runuser|chpst|setuidgid|"
                             r"chroot\s+--userspec|su\s+-s|su\s+-c|su\s+-l|su\s+\S+\s+-c|sudo\s+-u|"
                             r"capsh\s+--user)\b")


def writable_paths_created(stage: Stage) -> list[str]:
    """Directories the stage creates as root for the program to write to: ``VOLUME`` paths and
    ``RUN mkdir`` targets not handed to another user (``chown``) in the same stage chain."""
    made: list[str] = []
    chowned = False
    for ins in chain_instructions(stage):
        if ins.cmd == "VOLUME":
            made += [a for a in ins.args if a.startswith("/")]
        for c in ins.commands:
            if c.name == "mkdir":
                made += [a for a in c.argv[1:] if a.startswith("/")]
            elif c.name in ("chown", "chmod"):
                chowned = True
    return [] if chowned else made


# --------------------------------------------------------------------------- the build reads .git

_GIT_READS = re.compile(r"\bgit\s+(?:-C\s+\S+\s+)?(describe|rev-parse|log|show|status|diff|rev-list|tag|branch|"
                        r"symbolic-ref|ls-files|ls-remote\s+\.|submodule|archive|name-rev|for-each-ref|"
                        r"remote\s+get-url|config\s+--get\s+remote)\b")
_BUILDVCS_ON = re.compile(r"-buildvcs(=true)?(\s|$|['\"])")


def build_reads_git(model: DockerfileModel) -> str | None:
    """How a stage the target needs reads the context's ``.git`` (``git describe`` / ``git rev-parse``
    in a RUN, ``go build -buildvcs=true``, a COPY of ``.git``), or None. Excluding ``.git`` in the
    .dockerignore would break such a build."""
    for ins in model.instructions:
        if ins.stage is None or not ins.stage.needed:
            continue
        if ins.cmd in ("COPY", "ADD") and not ins.copy_from and any(
                posixpath.basename(s.rstrip("/")) == ".git" for s in ins.copy_sources):
            return f"line {ins.start_line} copies .git"
        if ins.cmd != "RUN":
            continue
        for c in ins.commands:  # a parsed command knows its own line
            if c.name == "git" and len(c.argv) > 1 and _GIT_READS.search(" ".join(c.argv)):
                return f"`{' '.join(c.argv[:2])}` at line {c.line}"
            if c.go is not None and c.go.compiles:
                flags = " ".join([*c.go.args, c.env.get("GOFLAGS") or ins.go.GOFLAGS or ""])
                if _BUILDVCS_ON.search(flags + " "):
                    return f"`go {c.go.sub} -buildvcs` at line {c.line}"
        m = _GIT_READS.search(" ".join(ins.args))  # e.g. inside $(...): only the RUN's line is known
        if m:
            return f"`git {m.group(1)}` in the RUN at line {ins.start_line}"
    return None


def context_mismatch(model: DockerfileModel) -> str | None:
    """A COPY/ADD source the build context golayer uses does not have (``COPY cmd/app/config.yaml``
    next to a Dockerfile in cmd/app/): the Dockerfile is really built from another context (usually the
    repository root, given by a Makefile or CI script golayer did not read). Returns that source, or None.
    Rules about the context's contents stay silent then: unknown means silent."""
    cached = model.__dict__.get("_ctx_mismatch", False)
    if cached is not False:
        return cached
    out = None
    d = getattr(model.context, "dir", None)
    if d is not None and d.is_dir():
        for ins in model.instructions:
            if ins.cmd not in ("COPY", "ADD") or ins.copy_from or ins.heredocs or ins.stage is None \
                    or not ins.stage.needed:
                continue
            for src in ins.copy_sources:
                s = src.strip()
                if not s or "$" in s or "\x00" in s or "://" in s or s.startswith("<<") or s.startswith("git@") \
                        or any(ch in s for ch in "*?["):
                    continue
                rel = posixpath.normpath("/" + s).lstrip("/")
                if not rel or rel == ".":
                    continue
                try:
                    if not (d / rel).exists() and not (d / rel).is_symlink():
                        out = s
                        break
                except OSError:
                    continue
            if out:
                break
        if out is None:
            out = _module_missing(model, d)
    model.__dict__["_ctx_mismatch"] = out
    return out


def _module_missing(model: DockerfileModel, d) -> str | None:
    """A stage copies the whole context and then builds Go code in module mode, but the context has no
    go.mod, go.work or .go file at its top: the module is elsewhere (the real context is a parent)."""
    from golayer.dockerfile import gofacts

    for stage in model.stages:
        if not stage.needed:
            continue
        copied = False
        for ins in chain_instructions(stage):
            if gofacts.is_whole_context_copy(ins):
                copied = True
            elif copied and ins.cmd == "RUN":
                if any(c.name == "go" and c.argv[1:3] == ["mod", "init"] for c in ins.commands):
                    return None
                for c in ins.commands:
                    if c.go is None or not (c.go.compiles or c.go.downloads) or c.go.sub in ("install", "run"):
                        continue
                    if (c.env.get("GO111MODULE") or ins.go.GO111MODULE or "").strip().lower() == "off":
                        continue
                    try:
                        if (d / "go.mod").exists() or (d / "go.work").exists() or any(d.glob("*.go")):
                            return None
                    except OSError:
                        return None
                    return "go.mod"
    return None


_ONE_SHOT = {"cp", "mv", "cat", "echo", "printf", "ln", "chmod", "chown", "mkdir", "rm", "touch", "true", "ls",
             "tar", "install", "rsync"}


def one_shot_job(text: str) -> bool:
    """A CMD/ENTRYPOINT script whose every command is a file utility that exits by itself (a copy or
    init job: ``cp /pki/ca.pem /out/``): no signal has to reach it, no service runs."""
    parts = [p.strip() for p in text.replace("&&", ";").replace("||", ";").split(";")]
    words = [p.split()[0].rsplit("/", 1)[-1] for p in parts if p.split()]
    return bool(words) and all(w in _ONE_SHOT for w in words) and "|" not in text


def produces_go_binary(model: DockerfileModel) -> bool | None:
    """Does the image this Dockerfile builds (its target stage) hold a Go program? True when the
    target stage or an ancestor in its FROM chain runs ``go build``/``go install``, or COPYs such a
    binary from another stage; None otherwise (a binary downloaded, built outside the Dockerfile or
    copied from an image golayer cannot read: cannot tell). Read by the runtime side through the
    project model ("built from Dockerfile X, final stage copies a Go binary")."""
    stage = model.target
    if stage is None:
        return None
    if binaries_built_in(model, stage) or binaries_copied_into(model, stage):
        return True
    return None
