"""Derived Go facts that more than one rule reads, computed in one place.

Rules read the :class:`~golayer.dockerfile.model.DockerfileModel`; what several of them need on top of
it lives here so that two rules never compute it twice or differently:

* :func:`setting_sources` - where a Go environment variable is *given* a value: an ``ENV`` or ``ARG``
  instruction, ``go env -w`` in a RUN, or an inline ``VAR=x go ...`` / ``export VAR=x`` inside a RUN
  (the model's per-instruction :class:`~golayer.dockerfile.model.GoSettings` and each command's
  environment tell; values that come from the base image or Go's defaults are not sources).
* :func:`glob_list_covers` - Go's ``module.MatchPrefixPatterns`` semantics for GOPRIVATE/GONOSUMDB/
  GOINSECURE lists: does a list match every module path, or every module of a public host?
* :func:`go_version_key` / :func:`version_satisfies` - Go's own version order (``internal/gover``):
  ``1.22`` < ``1.22rc1`` < ``1.22.0`` < ``1.22.3``, ``go1.23.1`` toolchain names.
* :func:`is_whole_context_copy` - ``COPY . .``-style copies of the whole build context.
* :func:`download_step` / :func:`is_deps_command` - a stage's dependency step (``go mod download``,
  ``go install tool@v1.2.3``) that runs before the sources arrive.
* :func:`gomod_copied` - whether a stage (or its FROM chain) copied go.mod from the context.
* :func:`after` - the instruction that follows one in its stage (or ``None`` at the end).
* :func:`command_gocache` / :func:`command_gomodcache` - the cache directories one Go command really
  uses (inline and exported GOCACHE/XDG_CACHE_HOME/HOME/GOMODCACHE/GOPATH honoured), ``None`` when
  golayer cannot know them (:func:`cache_path_known`); :func:`covered` - a mount sits on such a path.
* :func:`vendor_mode` - a build that reads vendor/ instead of downloading modules.
* :func:`path_is` / :func:`path_within` / :func:`go_like_cache` - container path comparisons that
  treat unknown (unresolved) values as unknown, and the Go cache a mount target looks like.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Iterator

from golayer.dockerfile.model import Command, DockerfileModel, GoSettings, Instruction, Stage, is_unknown

# --------------------------------------------------------------------------------------------
# where a Go setting gets its value


@dataclass(frozen=True)
class SettingSource:
    """One place in the Dockerfile that gives a Go environment variable a value."""

    instruction: Instruction
    name: str  # GOFLAGS, GOSUMDB, ...
    value: str
    how: str  # "ENV", "ARG", "go env -w", "inline", "export"
    command: Command | None = None  # for RUN sources: the command that sets it

    @property
    def line(self) -> int:
        return self.command.line if self.command is not None else self.instruction.start_line

    @property
    def stage(self) -> Stage | None:
        return self.instruction.stage

    def describe(self) -> str:
        """``ENV GOSUMDB=off`` / ``go env -w GOSUMDB=off`` / ``inline GOFLAGS=-mod=mod``."""
        c = self.command
        if c is not None and c.origin:  # set in a Makefile or script the RUN runs
            via = f", via `{c.via}`" if c.via else ""
            if self.how == "go env -w":
                return f"go env -w {self.name}={self.value} ({c.origin}{via})"
            return f"{self.name}={self.value} ({self.how} in {c.origin}{via})"
        if self.how in ("ENV", "ARG", "go env -w"):
            return f"{self.how} {self.name}={self.value}"
        return f"{self.name}={self.value} ({self.how} in RUN)"


def after(ins: Instruction) -> Instruction | None:
    """The next instruction of the same stage, None when ``ins`` is the stage's last."""
    st = ins.stage
    if st is None:
        return None
    if ins is st.from_instruction:
        return st.instructions[0] if st.instructions else None
    items = st.instructions
    for i, x in enumerate(items):
        if x is ins:
            return items[i + 1] if i + 1 < len(items) else None
    return None


def settings_after(ins: Instruction) -> GoSettings:
    """Go settings seen right after ``ins`` (the next instruction's, or the stage's end state)."""
    nxt = after(ins)
    if nxt is not None:
        return nxt.go
    return ins.stage.go_end if ins.stage is not None else ins.go


def _process_env(ins: Instruction) -> dict[str, str]:
    env = {k: v for k, v in ins.args_in_scope.items() if not is_unknown(v)}
    env.update(ins.env)
    return env


# every Go variable a rule asks about; sources are computed once per model for all of them
TRACKED = ("GOFLAGS", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GONOSUMCHECK", "GOPRIVATE", "GONOPROXY", "GOINSECURE",
           "GOTOOLCHAIN", "GO111MODULE", "CGO_ENABLED", "GOOS", "GOARCH", "GOPATH", "GOMODCACHE", "GOCACHE")


def setting_sources(model: DockerfileModel, names: tuple[str, ...] | set[str]) -> Iterator[SettingSource]:
    """Every place that gives one of ``names`` a (new) value, in file order (see :func:`_sources`)."""
    want = set(names)
    if not want <= set(TRACKED):
        yield from _sources(model, want)
        return
    cached = model.__dict__.get("_gofacts_sources")
    if cached is None:
        cached = list(_sources(model, TRACKED))
        model.__dict__["_gofacts_sources"] = cached
    for src in cached:
        if src.name in want:
            yield src


def _sources(model: DockerfileModel, names: tuple[str, ...] | set[str]) -> Iterator[SettingSource]:
    """Every place that gives one of ``names`` a (new) value, in file order.

    ENV/ARG: the value the go command sees changes across the instruction and its origin is the
    process environment. ``go env -w``: the command's writes. RUN-local ``VAR=x`` prefixes and
    ``export``: the command's environment differs from the one the RUN started with (reported once per
    RUN and variable). Values from the base image or Go's defaults are never sources.
    """
    for ins in model.instructions:
        st = ins.stage
        if st is None:
            continue
        if ins.cmd in ("ENV", "ARG"):
            before, now = ins.go, settings_after(ins)
            for name in names:
                new = getattr(now, name, None)
                if new is None or now.origin.get(name) not in ("env", "arg"):
                    continue
                if new == getattr(before, name, None) and before.origin.get(name) in ("env", "arg"):
                    continue  # re-set to the value the process environment already had
                yield SettingSource(ins, name, str(new), ins.cmd)
        elif ins.cmd == "RUN" and ins.commands:
            start = _process_env(ins)
            seen: set[tuple[str, str]] = set()
            for c in ins.commands:
                if c.go is not None and c.go.sub == "env -w":
                    for name, val in c.go.env_writes.items():
                        if name in names and (name, val) not in seen:
                            seen.add((name, val))
                            yield SettingSource(ins, name, val, "go env -w", c)
                    continue
                for name in names:
                    val = c.env.get(name)
                    if val is None or val == start.get(name) or (name, val) in seen:
                        continue
                    exported_here = c.name in ("export", "declare", "typeset", "readonly") and any(
                        a.startswith(name + "=") for a in c.argv[1:])
                    if c.go is None and name not in c.assignments and not exported_here:
                        continue  # changed without a visible export: report where a go command sees it
                    seen.add((name, val))
                    yield SettingSource(ins, name, val, "inline" if name in c.assignments else "export", c)


# --------------------------------------------------------------------------------------------
# Go glob lists (GOPRIVATE, GONOSUMDB, GONOPROXY, GOINSECURE)

# Hosts whose modules are public: a pattern covering a whole host covers everyone's modules there.
PUBLIC_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "golang.org", "google.golang.org", "gopkg.in",
                "go.googlesource.com", "k8s.io", "sigs.k8s.io", "go.opentelemetry.io", "go.uber.org",
                "cloud.google.com", "honnef.co", "go.etcd.io")


def _elem_matches_any(elem: str) -> bool:
    """Does a path.Match element pattern match every non-empty path element?"""
    if not elem or set(elem) - {"*", "?"}:
        return False
    return "*" in elem and elem.count("?") <= 1


def glob_list(value: str) -> list[str]:
    """The non-empty globs of a comma-separated list, trailing ``/`` dropped (as Go does)."""
    return [g.strip().rstrip("/") for g in value.split(",") if g.strip().rstrip("/")]


def glob_covers_all(glob: str) -> bool:
    """True when a single glob matches (a prefix of) every module path with at least as many elements.

    ``*`` matches every path; ``*/*`` every path with two or more elements (every module hosted on a
    domain: ``github.com/x``, ``gopkg.in/yaml.v3`` ...).
    """
    return all(_elem_matches_any(e) for e in glob.split("/"))


def glob_host(glob: str) -> str | None:
    """The public host a glob covers entirely (``github.com``, ``github.com/*``), else None."""
    parts = glob.split("/")
    host = parts[0].lower()
    if host not in PUBLIC_HOSTS:
        return None
    if all(_elem_matches_any(e) for e in parts[1:]):
        # a glob of N elements matches paths with at least N: module paths on the code hosts have at
        # least 3 (github.com/org/repo), elsewhere count on 2 (gopkg.in/yaml.v3)
        shortest = 3 if host in ("github.com", "gitlab.com", "bitbucket.org") else 2
        return host if len(parts) <= shortest else None
    return None


def glob_list_covers(value: str) -> tuple[str, str] | None:
    """``("all", glob)`` when the list matches every module path, ``("host", host)`` when it matches a
    whole public host, None for a narrow list (``github.com/myorg/*``) or an unknown value."""
    if is_unknown(value):
        return None
    host_hit = None
    for g in glob_list(value):
        if glob_covers_all(g):
            return "all", g
        h = glob_host(g)
        if h and host_hit is None:
            host_hit = ("host", h)
    return host_hit


# --------------------------------------------------------------------------------------------
# Go versions (cmd/go internal/gover order)

_VER = re.compile(r"^(?:go)?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(rc|beta|alpha)(\d*))?(?:[-+ ].*)?$")
_KIND = {"alpha": 1, "beta": 1, "rc": 2}


def go_version_key(v: str | None, *, floating: bool = False) -> tuple[int, ...] | None:
    """A sortable key: ``1.21`` < ``1.21rc1`` < ``1.21.0`` < ``1.21.1``. ``go1.23.1`` is accepted.

    ``floating=True`` reads a version without a patch (an image tag like ``golang:1.22``) as the newest
    release of that line (the tag follows patch releases). None when the text is not a Go version.
    """
    if not v:
        return None
    m = _VER.match(v.strip())
    if not m:
        return None
    major, minor, patch, kind, pre = m.groups()
    if minor is None:
        return None  # "1": too vague to compare
    maj, mnr = int(major), int(minor)
    if patch is not None:
        return (maj, mnr, int(patch), 3, 0)
    if kind:
        return (maj, mnr, 0, _KIND[kind], int(pre or 0))
    if floating:
        return (maj, mnr, 1 << 30, 3, 0)
    if (maj, mnr) < (1, 21):  # before 1.21, "1.20" named the release 1.20(.0)
        return (maj, mnr, 0, 3, 0)
    return (maj, mnr, 0, 0, 0)  # a language version: below every release of the line


def version_satisfies(have: str | None, need: str | None, *, have_floating: bool = True) -> bool | None:
    """Does Go ``have`` satisfy ``need`` (a go.mod go line or toolchain name)? None: cannot tell."""
    h = go_version_key(have, floating=have_floating)
    n = go_version_key(need)
    if h is None or n is None:
        return None
    return h >= n


def builder_go_version(ins: Instruction) -> tuple[str | None, str]:
    """The Go version of the toolchain a RUN uses: GOLANG_VERSION in the environment (set by the
    official image and by copies of its Dockerfile) when the base image's tag does not say. (version, where)."""
    st = ins.stage
    if st is not None and st.base_image.go_version:
        return st.base_image.go_version, st.base_image.ref
    gv = ins.env.get("GOLANG_VERSION")
    if gv and not is_unknown(gv):
        return gv, f"GOLANG_VERSION={gv}"
    return None, ""


# --------------------------------------------------------------------------------------------
# COPY facts and steps


def _is_context_copy(ins: Instruction) -> bool:
    return ins.cmd in ("COPY", "ADD") and not ins.copy_from and not ins.heredocs


def is_whole_context_copy(ins: Instruction) -> bool:
    """A COPY/ADD of the whole build context: a source ``.``, ``./``, ``*`` or ``/`` (context root)."""
    if not _is_context_copy(ins):
        return False
    for src in ins.copy_sources:
        if is_unknown(src):
            continue
        s = src.strip()
        if s in ("*", "./*", "/*") or posixpath.normpath("/" + s) == "/":
            return True
    return False


def copies_gomod(ins: Instruction) -> bool:
    """A context COPY/ADD that brings go.mod (whole context, ``go.mod``, ``go.*``, ``*.mod`` ...)."""
    if not _is_context_copy(ins):
        return False
    if is_whole_context_copy(ins):
        return True
    for src in ins.copy_sources:
        if is_unknown(src):
            continue
        base = src.rstrip("/").rsplit("/", 1)[-1]
        if "/" not in src.strip("./") and (
                # without * ? [ a pattern matches only itself: no regex compiled for each file name
                fnmatchcase("go.mod", base) if ("*" in base or "?" in base or "[" in base) else base == "go.mod"):
            return True
    return False


def stage_chain(stage: Stage) -> list[Stage]:
    """The stage and the stages it is built FROM, root first (one walk, shared with final.chain)."""
    from golayer.dockerfile.final import chain

    return list(chain(stage))


def gomod_copied(ins: Instruction) -> bool:
    """Has go.mod from the build context been copied before ``ins`` (in its stage or FROM chain)?
    Each stage's first go.mod copy is found once, so asking for every instruction stays linear."""
    st = ins.stage
    if st is None:
        return False
    first = _first_gomod_copy(st)
    if first is not None and first.index < ins.index:
        return True
    return _chain_copies_gomod(st.base_stage)


def _first_gomod_copy(stage: Stage) -> Instruction | None:
    if "_first_gomod_copy" not in stage.__dict__:
        stage.__dict__["_first_gomod_copy"] = next((x for x in stage.instructions if copies_gomod(x)), None)
    return stage.__dict__["_first_gomod_copy"]


def _chain_copies_gomod(stage: Stage | None) -> bool:
    """Does ``stage`` or a stage it is built FROM copy go.mod (memoised along the chain)?"""
    if stage is None:
        return False
    from golayer.dockerfile.final import memo_along_chain

    return memo_along_chain(stage, "_chain_gomod", lambda prev, s: prev or _first_gomod_copy(s) is not None, False)


def is_deps_command(c: Command) -> bool:
    """A go command that fetches dependencies without needing the module's own sources:
    ``go mod download`` or ``go install/get/run remote@fixed-version`` (no variable in it)."""
    g = c.go
    if g is None:
        return False
    if g.sub == "mod download":
        return True
    if g.sub in ("install", "get", "run") and g.packages:
        pk = g.packages[:1] if g.sub == "run" else g.packages
        return all("@" in p and "$" not in p and not p.startswith((".", "/")) for p in pk)
    return False


def download_step(stage: Stage) -> Instruction | None:
    """The stage's dependency step: the first RUN that fetches modules without the sources
    (:func:`is_deps_command`), when it comes before the first go command that compiles the stage's
    own code and before the whole source tree is copied in (those re-run on every change anyway)."""
    for ins in stage.instructions:
        if is_whole_context_copy(ins):
            return None
        if ins.cmd != "RUN":
            continue
        cmds = [c for c in ins.go_commands() if c.go.downloads]
        if any(is_deps_command(c) for c in cmds):
            return ins
        if cmds:
            return None
    return None


def uses_cwd_module(c: Command) -> bool:
    """Does this go command work on the module/packages of its working directory? (``go build``,
    ``go test ./...``, ``go mod download``; not ``go install example.com/cmd@v1`` or
    ``go install example.com/cmd``, which name their packages by import path)."""
    g = c.go
    if g is None:
        return False
    if g.sub.startswith("mod ") or g.sub == "generate":
        return True
    if not (g.compiles or g.sub == "get"):
        return False
    pk = g.packages[:1] if g.sub == "run" else g.packages
    if not pk:
        return True
    return any(p.split("@", 1)[0] in (".", "..", "all") or p.startswith(("./", "../")) or p.endswith(".go")
               for p in pk)


def command_dir(ins: Instruction, c: Command) -> str | None:
    """The working directory ``c`` runs in: the RUN's WORKDIR, followed through earlier ``cd`` commands
    of the same RUN and ``go -C dir``; None when it cannot be known."""
    cwd: str | None = ins.workdir
    if c.cwd is not None:  # resolved from a Makefile/script: the directory it runs in is known (or not)
        cwd = None if is_unknown(c.cwd) else c.cwd
    for x in ins.commands if c.cwd is None else ():
        if x is c:
            break
        if x.origin:  # a `cd` inside make or a script does not move the RUN's shell
            continue
        if x.name in ("cd", "pushd", "popd"):
            target = x.argv[1] if len(x.argv) > 1 and x.name != "popd" else None
            if target is None or is_unknown(target) or target.startswith("~") or target == "-" or cwd is None:
                cwd = None
            else:
                cwd = posixpath.normpath(posixpath.join(cwd, target))
    if cwd is not None and c.argv and "-C" in c.argv[1:3]:
        i = c.argv.index("-C")
        target = c.argv[i + 1] if i + 1 < len(c.argv) else ""
        cwd = None if not target or is_unknown(target) else posixpath.normpath(posixpath.join(cwd, target))
    if cwd is not None and is_unknown(cwd):
        return None
    return cwd


def secret_mounts(ins: Instruction) -> list:
    return [m for m in ins.mounts if m.type == "secret"]


# ---------------------------------------------------------------- Go caches and paths of a command

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


def resolve_home_refs(value: str, env: dict[str, str]) -> str:
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


_GO_LIKE = ("go-build", "pkg/mod", "/.cache", "gocache", "gomodcache", "go-cache", "gomod", "/go")
