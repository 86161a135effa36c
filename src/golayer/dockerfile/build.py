"""Build the :class:`~golayer.dockerfile.model.DockerfileModel` from a Dockerfile and its context.

This is the one place that knows Dockerfile semantics: stages and their graph, ARG scoping with
``--build-arg`` overrides and the automatic platform ARGs, ENV (both syntaxes) on top of the base
image's ENV, USER/WORKDIR/HOME, mounts, COPY sources/destinations, the RUN shell commands, and the Go
settings the go command would see before every instruction (process env > ``go env -w`` file >
defaults). It never raises on strange input; only an unknown ``--target`` is a usage error.
"""

from __future__ import annotations

import contextvars
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from golayer.dockerfile import context as ctx_mod
from golayer.dockerfile import parse as parse_mod
from golayer.dockerfile import resolve
from golayer.dockerfile import shell
from golayer import limits
from golayer.knowledge import bases
from golayer.dockerfile.model import (
    UNKNOWN,
    BaseImage,
    Command,
    DockerfileModel,
    GoSettings,
    Instruction,
    Mount,
    ParseError,
    Stage,
    is_unknown,
)

DEFAULT_PLATFORM = "linux/amd64"
MAX_BYTES = limits.MAX_DOCKERFILE_BYTES  # larger inputs are not Dockerfiles (BuildKit caps a line at 64 KiB)
MAX_VALUE = limits.MAX_ARG_STRLEN
PLATFORM_ARGS = ("BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
                 "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT")
ROOT_USERS = {"", "root", "0", "root:root", "0:0", "root:0", "0:root"}
C_COMPILERS = re.compile(r"^(gcc(-\d+)?|gcc-c\+\+|g\+\+(-\d+)?|clang(-\d+)?|build-base|build-essential|cc|"
                         r"tcc|musl-gcc|gcc-go|crossbuild-essential-\w+|gcc-[\w-]+-linux-gnu\w*)$")
_GO_VARS = ("GOFLAGS", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GONOSUMCHECK", "GOPRIVATE", "GOINSECURE", "GOTOOLCHAIN",
            "GO111MODULE")


def platform_args(build_args: dict[str, str] | None = None) -> dict[str, str]:
    ba = build_args or {}
    target = ba.get("TARGETPLATFORM", DEFAULT_PLATFORM)
    build = ba.get("BUILDPLATFORM", DEFAULT_PLATFORM)

    def split(p: str) -> tuple[str, str, str]:
        parts = (p.split("/") + ["", "", ""])[:3]
        return parts[0], parts[1], parts[2]

    tos, tarch, tvar = split(target)
    bos, barch, bvar = split(build)
    out = {"BUILDPLATFORM": build, "BUILDOS": bos, "BUILDARCH": barch, "BUILDVARIANT": bvar,
           "TARGETPLATFORM": target, "TARGETOS": tos, "TARGETARCH": tarch, "TARGETVARIANT": tvar}
    for k in PLATFORM_ARGS:
        if k in ba:
            out[k] = ba[k]
    return out


# --------------------------------------------------------------------------------------------
# Dockerfile word processing: quotes and $VAR / ${VAR} / ${VAR:-x} / ${VAR:+x}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def unknown(raw: str) -> str:
    return raw if raw.startswith(UNKNOWN) else UNKNOWN + raw


def strip_unknown(value: str) -> str:
    return value[len(UNKNOWN):] if value.startswith(UNKNOWN) else value


# The expansion budget of the file being modelled (golayer.limits): every produced value is charged.
_BUDGET: contextvars.ContextVar = contextvars.ContextVar("golayer_expansion_budget", default=None)


def expand(text: str, scope: dict[str, str], escape: str = "\\", quotes: bool = True) -> str:
    """Expand variables as BuildKit does for ENV/ARG/WORKDIR/USER/COPY/FROM words. A reference to a
    value that is not known statically makes the result unknown (UNKNOWN + text with the reference).
    Inside :func:`build_model` every result is charged to the file's expansion budget: a value past
    ``limits.MAX_ARG_STRLEN`` or a file past ``limits.MAX_EXPANSION_TOTAL`` raises ExpansionError."""
    if "$" not in text and not (quotes and ("'" in text or '"' in text)) and escape not in text:
        return text
    out: list[str] = []
    unk = False
    grown = 0
    i, n = 0, len(text)
    quote = ""
    while i < n:
        ch = text[i]
        if ch == escape and quote != "'" and i + 1 < n:
            nxt = text[i + 1]
            if quote == '"' and nxt not in ('"', "$", escape):
                out.append(ch)
            out.append(nxt)
            i += 2
            continue
        if quotes and ch in ("'", '"') and (not quote or quote == ch):
            quote = "" if quote else ch
            i += 1
            continue
        if ch == "$" and quote != "'" and i + 1 < n:
            val, raw, i2 = _ref(text, i, scope, escape)
            if i2 == i:
                out.append(ch)
                i += 1
                continue
            if val is None:  # unknown
                unk = True
                out.append(raw)
            else:
                out.append(val)
                grown += len(val)
                if grown > MAX_VALUE:  # stop before building a huge string
                    _charge(grown)
            i = i2
            continue
        out.append(ch)
        i += 1
    res = "".join(out)
    _charge(len(res))
    return unknown(res) if unk else res


def _charge(size: int) -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.charge(size)


def _ref(text: str, i: int, scope: dict[str, str], escape: str) -> tuple[str | None, str, int]:
    """Resolve the reference at text[i] == '$' -> (value or None if unknown, raw text, next index)."""
    n = len(text)
    if text[i + 1] == "{":
        depth = 0
        j = i + 1
        while j < n:
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= n:
            return None, text[i:], n
        inner = text[i + 2 : j]
        raw = text[i : j + 1]
        m = _NAME.match(inner)
        if not m:
            return None, raw, j + 1
        name = m.group(0)
        rest = inner[m.end():]
        val = scope.get(name)
        val_unknown = val is not None and val.startswith(UNKNOWN)
        if rest[:2] in (":-", ":+") or rest[:1] in ("-", "+"):
            op = rest[:2] if rest.startswith(":") else rest[:1]
            word = rest[len(op):]
            is_set = val is not None and (val != "" or not op.startswith(":"))
            if val == UNKNOWN + "${" + name + "}":  # an ARG declared without a value is unset, as in BuildKit
                val, val_unknown, is_set = None, False, False
            if val_unknown:
                return None, raw, j + 1
            if op.endswith("-"):
                if is_set:
                    return val, raw, j + 1
                w = expand(word, scope, escape)
                return (None if w.startswith(UNKNOWN) else w), raw, j + 1
            if is_set:
                w = expand(word, scope, escape)
                return (None if w.startswith(UNKNOWN) else w), raw, j + 1
            return "", raw, j + 1
        if rest:
            return None, raw, j + 1
        if val is None:
            return "", raw, j + 1
        return (None if val_unknown else val), raw, j + 1
    m = _NAME.match(text, i + 1)
    if not m:
        return "", "$", i  # a lone '$' stays
    name = m.group(0)
    val = scope.get(name)
    if val is None:
        return "", text[i : m.end()], m.end()
    if val.startswith(UNKNOWN):
        return None, text[i : m.end()], m.end()
    return val, text[i : m.end()], m.end()


# --------------------------------------------------------------------------------------------
# Go settings


def home_of(env: dict[str, str], user: str, base: BaseImage | None = None) -> str:
    h = env.get("HOME")
    if h:
        return h
    u = (user or "").strip()
    if u in ROOT_USERS or u.startswith("root:") or u.startswith("0:"):
        return "/root"
    if u in ("65532", "nonroot", "65532:65532", "nonroot:nonroot") and base is not None and base.family in (
            "distroless", "chainguard"):
        return "/home/nonroot"
    return unknown("$HOME")


def _join(base: str, *parts: str) -> str:
    if is_unknown(base):
        return unknown(strip_unknown(base) + "/" + "/".join(parts))
    b = base + "/"
    if base.startswith("/") and "/./" not in b and "/../" not in b and "//" not in base:  # already normal
        return base.rstrip("/") + "/" + "/".join(parts)
    return posixpath.normpath(posixpath.join(base, *parts))


def goenv_path(env: dict[str, str], user: str, base: BaseImage | None = None) -> str | None:
    """The file `go env -w` writes for this environment, None when GOENV=off."""
    g = env.get("GOENV")
    if g == "off":
        return None
    if g:
        return g if is_unknown(g) else posixpath.normpath(g)
    xdg = env.get("XDG_CONFIG_HOME")
    if xdg:
        return _join(xdg, "go", "env")
    return _join(home_of(env, user, base), ".config", "go", "env")


def go_settings(env: dict[str, str], origins: dict[str, str], user: str, base: BaseImage,
                goenv_files: dict[str, dict[str, str]], cc_installed: str | None, platform: str) -> GoSettings:
    """What the go command sees with this process environment (Go's own precedence)."""
    gs = GoSettings()
    origin: dict[str, str] = {}
    gs.origin = origin
    path = goenv_path(env, user, base)
    gs.GOENV = path if path is not None else "off"
    origin["GOENV"] = origins.get("GOENV", "env") if env.get("GOENV") else "default"
    file = goenv_files.get(path, {}) if path else {}

    def get(name: str) -> tuple[str, str] | None:
        v = env.get(name)
        if v:
            return v, origins.get(name, "env")
        if name in file and file[name] != "":
            return file[name], "go-env-w"
        return None

    home = home_of(env, user, base)
    got = get("GOPATH")
    if got:
        gs.GOPATH, origin["GOPATH"] = got
    else:
        gs.GOPATH, origin["GOPATH"] = _join(home, "go"), "default"
    got = get("GOMODCACHE")
    if got:
        gs.GOMODCACHE = got[0] if is_unknown(got[0]) else posixpath.normpath(got[0])
        origin["GOMODCACHE"] = got[1]
    else:
        first = gs.GOPATH.split(":")[0] if not is_unknown(gs.GOPATH) else gs.GOPATH
        gs.GOMODCACHE = _join(first, "pkg", "mod")
        origin["GOMODCACHE"] = "default" if origin["GOPATH"] == "default" else f"GOPATH ({origin['GOPATH']})"
    got = get("GOCACHE")
    if got:
        gs.GOCACHE = got[0] if is_unknown(got[0]) or got[0] == "off" else posixpath.normpath(got[0])
        origin["GOCACHE"] = got[1]
    else:
        xdg = env.get("XDG_CACHE_HOME")
        gs.GOCACHE = _join(xdg, "go-build") if xdg else _join(home, ".cache", "go-build")
        origin["GOCACHE"] = "default"
    for name in _GO_VARS:
        got = get(name)
        if got:
            setattr(gs, name, got[0])
            origin[name] = got[1]
        else:
            origin[name] = "default"
    plat = platform if platform and not is_unknown(platform) else DEFAULT_PLATFORM
    pos, _, parch = plat.partition("/")
    parch = parch.split("/")[0] or "amd64"
    for name, default in (("GOOS", pos or "linux"), ("GOARCH", parch)):
        got = get(name)
        if got:
            setattr(gs, name, got[0])
            origin[name] = got[1]
        else:
            setattr(gs, name, default)
            origin[name] = "default"
    # cgo: explicit value wins, else on exactly when CC is set or a C compiler is present
    cc_present: bool | None = True if cc_installed else base.has_cc
    gs.cc_present = cc_present
    got = get("CGO_ENABLED")
    if got:
        v, src = got
        origin["CGO_ENABLED"] = src
        where = "ENV/ARG" if src in ("env", "base-image") else "go env -w"
        if is_unknown(v):
            gs.CGO_ENABLED, gs.cgo_reason = None, f"CGO_ENABLED={strip_unknown(v)} cannot be resolved"
        else:
            gs.CGO_ENABLED = v.strip() == "1"
            gs.cgo_reason = f"CGO_ENABLED={v} ({where})"
        return gs
    origin["CGO_ENABLED"] = "default"
    cc = get("CC")
    if cc:
        gs.CGO_ENABLED, gs.cgo_reason = True, f"CC={cc[0]} is set"
    elif cc_installed:
        gs.CGO_ENABLED, gs.cgo_reason = True, cc_installed
    elif base.has_cc is True:
        gs.CGO_ENABLED, gs.cgo_reason = True, f"gcc present in {base.ref}"
    elif base.has_cc is False:
        gs.CGO_ENABLED, gs.cgo_reason = False, f"no C compiler in {base.ref}"
    else:
        gs.CGO_ENABLED, gs.cgo_reason = None, "unknown base image: cannot tell whether a C compiler is present"
    return gs


# --------------------------------------------------------------------------------------------
# model building


@dataclass
class _State:
    env: dict[str, str] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # env name -> "base-image" | "env"
    args: dict[str, str] = field(default_factory=dict)
    user: str = "root"
    workdir: str = "/"
    goenv_files: dict[str, dict[str, str]] = field(default_factory=dict)
    cc_installed: str | None = None
    posix_shell: bool = True
    cached_go: GoSettings | None = None  # Go settings for the current state; reset on every change
    homes: dict[str, str] = field(default_factory=dict)  # user name/uid -> home, from useradd/adduser

    def copy(self) -> "_State":
        return _State(dict(self.env), dict(self.origins), {}, self.user, self.workdir,
                      {k: dict(v) for k, v in self.goenv_files.items()}, self.cc_installed, self.posix_shell,
                      None, dict(self.homes))

    def changed(self) -> None:
        self.cached_go = None

    def scope(self) -> dict[str, str]:
        s = dict(self.args)
        s.update(self.env)
        return s

    def process_env(self, base: BaseImage | None) -> dict[str, str]:
        """The environment a RUN command starts with: ARGs, ENV, HOME."""
        pe = {k: v for k, v in self.args.items() if not v.startswith(UNKNOWN)}
        pe.update(self.env)
        if "HOME" not in pe:
            pe["HOME"] = self.homes.get(self.user.split(":")[0].strip()) or home_of(self.env, self.user, base)
        return pe


def _parse_mount(spec: str, scope: dict[str, str], workdir: str) -> Mount:
    opts: dict[str, str] = {}
    for part in _split_csv(spec):
        k, eq, v = part.partition("=")
        opts[k.strip().lower()] = expand(v.strip(), scope, quotes=True) if eq else "true"
    target = opts.get("target") or opts.get("dst") or opts.get("destination")
    if target is not None and not is_unknown(target):
        target = posixpath.normpath(posixpath.join(workdir, target))
    return Mount(type=opts.get("type", "bind").lower(), target=target,
                 source=opts.get("source") or opts.get("src"), from_=opts.get("from"), id=opts.get("id"),
                 env=opts.get("env"), options=opts)


def _split_csv(s: str) -> list[str]:
    out, cur, q = [], [], ""
    for ch in s:
        if q:
            if ch == q:
                q = ""
            else:
                cur.append(ch)
        elif ch in ('"', "'"):
            q = ch
        elif ch == ",":
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return [p for p in out if p.strip()]


def _flags(raw_flags: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in raw_flags:
        name, eq, val = f.partition("=")
        out.setdefault(name.lower(), []).append(val if eq else "")
    return out


def _resolve_path(workdir: str, p: str) -> str:
    if is_unknown(p):
        return p
    if is_unknown(workdir) and not p.startswith("/"):
        return unknown(strip_unknown(workdir) + "/" + p)
    res = posixpath.normpath(posixpath.join(workdir or "/", p))
    if res.startswith("//"):
        res = "/" + res.lstrip("/")
    return res


def _is_compiler_install(cmd: Command) -> str | None:
    if not cmd.package_install:
        return None
    tool, pkgs = cmd.package_install
    for p in pkgs:
        if C_COMPILERS.match(p):
            return f"{tool} installs {p}"
    return None


def read_dockerfile(path: Path | str) -> str:
    """The text of a Dockerfile (``-``: standard input) through the one bounded reader
    (:func:`golayer.limits.read_bounded`): devices, FIFOs and inputs over MAX_BYTES are input errors (never
    a hang or a memory blow-up); undecodable bytes survive as surrogates."""
    data = limits.read_bounded(path, MAX_BYTES, "Dockerfile")
    return data.decode("utf-8", errors="surrogateescape")


def build_model(path: str | Path, content: str | None = None, *, target: str | None = None,
                build_args: dict[str, str] | None = None, context_dir: str | Path | None = None
                ) -> DockerfileModel:
    path = Path(path)
    if content is None:
        content = read_dockerfile(path)
    build_args = dict(build_args or {})
    is_stdin = str(path) == "-"
    ctx = ctx_mod.load_context(None if is_stdin else path, Path(context_dir) if context_dir else None)
    parsed = parse_mod.parse(content)
    model = DockerfileModel(path=path, content=content, stages=[], target=None, instructions=[],
                            global_args={}, build_args=build_args, context=ctx, syntax=parsed.syntax,
                            escape=parsed.escape, errors=list(parsed.errors))
    model.__dict__["_context_given"] = context_dir is not None  # stdin has a context only when given
    for p in parsed.pragmas:
        if p.is_global:
            model.global_ignores.extend(p.names)
        else:
            model.pragmas.setdefault(p.line, []).extend(p.names)
    auto = platform_args(build_args)
    lines = parse_mod.split_lines(content)
    token = _BUDGET.set(limits.ExpansionBudget())
    try:
        _build(model, parsed, lines, build_args, auto, target, is_stdin, path)
    finally:
        _BUDGET.reset(token)
    return model


def _build(model: DockerfileModel, parsed, lines: list[str], build_args: dict[str, str], auto: dict[str, str],
           target: str | None, is_stdin: bool, path: Path) -> None:
    state: _State | None = None
    stage: Stage | None = None
    global_scope: dict[str, str] = dict(auto)

    for idx, raw in enumerate(parsed.instructions):
        ins = Instruction(index=idx, cmd=raw.cmd, original=raw.original, start_line=raw.start_line,
                          end_line=raw.end_line, start=raw.start, end=raw.end, args=list(raw.value),
                          flags=_flags(raw.flags), json_form=raw.json, heredocs=list(raw.heredocs))
        model.instructions.append(ins)
        try:
            if raw.cmd == "FROM":
                if len(raw.value) not in (1, 3) or (len(raw.value) == 3 and raw.value[1].lower() != "as"):
                    # BuildKit: "FROM requires either one or three arguments" (IMAGE [AS NAME])
                    model.errors.append(ParseError(raw.start_line, "FROM requires either one or three arguments"
                                                   " (FROM [--platform=P] IMAGE [AS NAME])"))
                    if not raw.value:
                        continue
                stage, state = _from(model, ins, raw, global_scope, auto)
                continue
            if stage is None or state is None:
                if raw.cmd == "ARG":
                    for name, default in _arg_decls(raw.value):
                        if name in build_args:
                            val = build_args[name]
                        elif default is not None:
                            val = expand(default, global_scope, model.escape)
                        else:
                            val = auto.get(name, unknown("${" + name + "}"))
                        model.global_args[name] = val
                        global_scope[name] = val
                        ins.args_in_scope = dict(model.global_args)
                else:
                    model.errors.append(ParseError(raw.start_line, f"{raw.cmd} before the first FROM"))
                continue
            _apply(model, stage, state, ins, raw, lines, build_args, auto)
        except limits.ExpansionError as exc:
            where = "<stdin>" if is_stdin else str(path)
            raise limits.ExpansionError(f"{where}:{raw.start_line}: {raw.cmd}: {exc.message}") from None
        except Exception as exc:  # noqa: BLE001 - never a traceback on weird input
            model.errors.append(ParseError(raw.start_line, f"cannot understand {raw.cmd}: {exc}"))
    if stage is not None and state is not None:
        _finish_stage(stage, state)
    if not model.stages and not model.errors:
        model.errors.append(ParseError(1, "no FROM instruction: the Dockerfile has no build stage"))
    _graph(model, target)


def _arg_decls(values: tuple[str, ...]) -> list[tuple[str, str | None]]:
    out = []
    for v in values:
        name, eq, default = v.partition("=")
        name = name.strip()
        if name:
            out.append((name, default if eq else None))
    return out


def _from(model: DockerfileModel, ins: Instruction, raw, global_scope: dict[str, str], auto: dict[str, str]
          ) -> tuple[Stage, _State]:
    prev = model.stages[-1] if model.stages else None
    if prev is not None:
        _finish_stage(prev, model._state)  # type: ignore[attr-defined]
    vals = list(raw.value)
    image = expand(vals[0], global_scope, model.escape) if vals else ""
    name = vals[2].lower() if len(vals) >= 3 and vals[1].lower() == "as" else None
    platform = ins.flags.get("--platform", [None])[-1]
    bare = strip_unknown(image)
    base_stage = model.stage_named(bare) if bare else None  # the last stage of that name so far (BuildKit)
    if base_stage is not None:
        state = base_stage._state.copy()  # type: ignore[attr-defined]
        base_image = base_stage.base_image
    else:
        base_image = bases.lookup(bare) if bare else BaseImage(ref=bare)
        base_image.ref = bare
        state = _State()
        state.env = dict(base_image.env)
        state.origins = {k: "base-image" for k in state.env}
        # an image golayer does not know may set any user (and HOME): unknown, not root
        state.user = base_image.default_user or ("root" if base_image.known or not bare else unknown("${USER}"))
        state.workdir = bases.workdir(bare) or "/"
    stage = Stage(index=len(model.stages), name=name, base=bare, base_stage=base_stage, base_image=base_image,
                  platform=platform, from_instruction=ins)
    stage._state = state  # type: ignore[attr-defined]
    stage._platform = expand(platform, global_scope) if platform else auto["TARGETPLATFORM"]  # type: ignore[attr-defined]
    model._state = state  # type: ignore[attr-defined]
    model.stages.append(stage)
    ins.stage = stage
    _snapshot(ins, stage, state)
    ins.args_in_scope = dict(model.global_args)
    return stage, state


def _snapshot(ins: Instruction, stage: Stage, state: _State) -> None:
    ins.stage = stage
    ins.env = dict(state.env)
    ins.args_in_scope = dict(state.args)
    ins.user = state.user
    ins.workdir = state.workdir
    if state.cached_go is None:
        pe = state.process_env(stage.base_image)
        state.cached_go = go_settings(pe, _origins(state), state.user, stage.base_image, state.goenv_files,
                                      state.cc_installed, stage._platform)  # type: ignore[attr-defined]
    ins.go = state.cached_go  # shared between instructions while nothing relevant changes (read-only)


def _origins(state: _State) -> dict[str, str]:
    o = {k: "arg" for k in state.args}
    o.update(state.origins)
    return o


def _finish_stage(stage: Stage, state: _State) -> None:
    stage.env_end = dict(state.env)
    stage.user_end = state.user
    stage.workdir_end = state.workdir
    stage.goenv_files = {k: dict(v) for k, v in state.goenv_files.items()}
    pe = state.process_env(stage.base_image)
    stage.go_end = go_settings(pe, _origins(state), state.user, stage.base_image, state.goenv_files,
                               state.cc_installed, stage._platform)  # type: ignore[attr-defined]


def _apply(model: DockerfileModel, stage: Stage, state: _State, ins: Instruction, raw, lines: list[str],
           build_args: dict[str, str], auto: dict[str, str]) -> None:
    stage.instructions.append(ins)
    _snapshot(ins, stage, state)
    cmd = raw.cmd
    esc = model.escape
    if cmd in ("ARG", "ENV", "USER"):
        state.changed()
    if cmd == "ARG":
        for name, default in _arg_decls(raw.value):
            if name in build_args:
                val = build_args[name]
            elif default is not None:
                val = expand(default, state.scope(), esc)
            elif name in model.global_args:
                val = model.global_args[name]
            elif name in auto:
                val = auto[name]
            else:
                val = unknown("${" + name + "}")
            state.args[name] = val
    elif cmd == "ENV":
        vals = list(raw.value)
        scope = state.scope()
        for k, v in zip(vals[0::2], vals[1::2]):
            val = expand(v, scope, esc)
            state.env[k] = val
            state.origins[k] = "env"
            scope[k] = val
    elif cmd == "USER":
        if raw.value:
            state.user = expand(raw.value[0], state.scope(), esc)
    elif cmd == "WORKDIR":
        if raw.value:
            state.workdir = _resolve_path(state.workdir, expand(raw.value[0], state.scope(), esc))
    elif cmd == "SHELL":
        if raw.value:
            state.posix_shell = raw.value[0].rsplit("/", 1)[-1] in shell.SHELLS
    elif cmd in ("COPY", "ADD"):
        scope = state.scope()
        frm = ins.flags.get("--from")
        ins.copy_from = expand(frm[-1], scope, esc).lower() if frm and frm[-1] else None
        vals = [expand(v, scope, esc) if not v.startswith("<<") else v for v in raw.value]
        if len(vals) >= 2:
            ins.copy_sources = vals[:-1]
            dest = vals[-1]
            res = _resolve_path(state.workdir, dest)
            if (dest.endswith("/") or dest in (".", "..") or dest.endswith("/.")) and not res.endswith("/"):
                res += "/"
            ins.copy_dest = res
    elif cmd == "RUN":
        scope = state.scope()
        for spec in ins.flags.get("--mount", []):
            ins.mounts.append(_parse_mount(spec, scope, state.workdir))
        if state.posix_shell or raw.json:
            pe = state.process_env(stage.base_image)
            for m in ins.mounts:
                if m.type == "secret" and m.env:
                    pe[m.env] = unknown("${" + m.env + "}")
            src_lines = lines[raw.start_line - 1 : raw.end_line]
            ins.commands = shell.run_commands(raw.value, raw.json, raw.heredocs, raw.original, src_lines,
                                              raw.start_line, pe, esc)
            if resolve.wants(ins.commands):  # make / project scripts: read lazily, only when called
                resolve.resolve_run(model, stage, ins)
        for c in ins.commands:
            if c.name in ("useradd", "adduser"):
                _record_user(state, c.argv)
            why = _is_compiler_install(c)
            if why and not state.cc_installed:
                state.cc_installed = why
                state.changed()
            if c.go is not None and c.go.sub in ("env -w", "env -u"):
                path = goenv_path(c.env, state.user, stage.base_image)
                if path is None:
                    continue
                state.changed()
                f = state.goenv_files.setdefault(path, {})
                f.update(c.go.env_writes)
                for k in c.go.env_unsets:
                    f.pop(k, None)


_USERADD_VALUE = {"-d", "--home-dir", "--home", "-h", "-u", "--uid", "-g", "--gid", "-G", "--groups", "-s", "--shell",
                  "-c", "--comment", "-k", "--skel", "-e", "-f", "-K", "-p", "--password", "-b", "--base-dir",
                  "--ingroup", "--gecos", "--firstuid", "--lastuid", "--key"}


def _record_user(state: _State, argv: list[str]) -> None:
    """Remember the home directory of a user created by useradd/adduser (Debian and busybox syntax)."""
    home = uid = None
    plain: list[str] = []
    i = 1
    while i < len(argv):
        a = argv[i]
        name, eq, val = a.partition("=")
        if a.startswith("-") and eq:
            if name in ("--home-dir", "--home"):
                home = val
            elif name == "--uid":
                uid = val
        elif a in _USERADD_VALUE and i + 1 < len(argv):
            if a in ("-d", "--home-dir", "--home", "-h"):
                home = argv[i + 1]
            elif a in ("-u", "--uid"):
                uid = argv[i + 1]
            i += 1
        elif not a.startswith("-"):
            plain.append(a)
        i += 1
    if not plain:
        return
    user = plain[0] if argv[0].rsplit("/", 1)[-1] == "adduser" and len(plain) > 1 else plain[-1]
    if home is None:
        home = f"/home/{user}"
    if is_unknown(home) or not home.startswith("/"):
        return
    state.homes[user] = home
    if uid and not is_unknown(uid):
        state.homes[uid] = home
    state.changed()


def _graph(model: DockerfileModel, target: str | None) -> None:
    stages = model.stages
    for s in stages:
        if s.base_stage is not None:
            s.depends_on.add(s.base_stage.index)
        for ins in s.instructions:
            refs: list[str] = []
            if ins.copy_from:
                refs.append(ins.copy_from)
            refs += [m.from_ for m in ins.mounts if m.from_]
            for r in refs:
                dep = model.stage(strip_unknown(r))
                if dep is not None and dep.index != s.index:
                    s.depends_on.add(dep.index)
    if not stages:
        if target:
            from golayer.errors import UsageError

            raise UsageError(f"target stage {target!r} not found: the Dockerfile has no stages")
        return
    if target:
        found = model.stage_named(target)  # the last stage of that name, as BuildKit's --target
        if found is None:
            from golayer.errors import UsageError

            names = ", ".join(s.name for s in stages if s.name) or "none (no stage has a name)"
            raise UsageError(f"target stage {target!r} not found in {model.path}; stages: {names}")
        tgt = found
    else:
        tgt = stages[-1]
    tgt.is_target = True
    model.target = tgt
    s: Stage | None = tgt
    while s is not None:
        s.in_final_image = True
        s = s.base_stage
    todo = [tgt.index]
    while todo:
        i = todo.pop()
        if stages[i].needed:
            continue
        stages[i].needed = True
        todo.extend(stages[i].depends_on)
