"""The Dockerfile model every lint rule reads.

``golayer.dockerfile.build.build_model(path, ...)`` turns a Dockerfile (+ its build context) into
a :class:`DockerfileModel`: stages with their graph and base-image knowledge, every instruction
with the effective environment *before* it runs, the derived Go settings, parsed RUN shell
commands with recognised go/git/package-manager commands, and mounts. Rules only read it.

Conventions
* Line numbers are 1-based and refer to the Dockerfile; ``start``/``end`` are character offsets
  into ``DockerfileModel.content`` covering the whole instruction (for fixes).
* Values that cannot be known statically (an ARG with no default, ``$(cmd)``) are kept as the
  raw text; :func:`is_unknown` tells. Rules stay silent rather than guess on unknowns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

UNKNOWN = "\x00?"  # marker prefix for values we could not resolve


def is_unknown(value: str | None) -> bool:
    return value is None or value.startswith(UNKNOWN) or "$" in value


@dataclass
class Mount:
    """One ``RUN --mount=...``."""

    type: str  # bind (default), cache, secret, ssh, tmpfs
    target: str | None  # resolved against WORKDIR, normalised absolute path ("/root/.cache/go-build")
    source: str | None = None
    from_: str | None = None  # stage name/index or image
    id: str | None = None
    env: str | None = None  # secret mounted as env var (BuildKit >= 0.13)
    options: dict[str, str] = field(default_factory=dict)  # every key=value as written


@dataclass
class GoCommand:
    """A recognised ``go`` invocation inside a RUN."""

    sub: str  # "build", "install", "test", "run", "generate", "get", "mod download", "mod tidy",
    #           "mod verify", "env -w", "env", "vet", "mod vendor", "work sync", "other"
    args: list[str]  # arguments after the subcommand (flags and packages, as words)
    flags: dict[str, str | None]  # "-o": "/app", "-mod": "mod", "-trimpath": None, "-ldflags": "...", "-tags": ...
    packages: list[str]  # non-flag arguments ("./...", "example.com/x@latest")
    env_writes: dict[str, str] = field(default_factory=dict)  # for "env -w": {"GOPROXY": "..."}
    env_unsets: list[str] = field(default_factory=list)  # for "env -u"

    @property
    def compiles(self) -> bool:
        return self.sub in ("build", "install", "test", "run", "generate", "vet")

    @property
    def downloads(self) -> bool:
        return self.compiles or self.sub in ("mod download", "get", "mod tidy", "mod vendor", "mod verify")


@dataclass
class Command:
    """One simple command of a RUN's shell script (split on && ; | || newlines, sh -c unwrapped)."""

    argv: list[str]  # words, quotes removed; words with unresolved expansions kept raw
    text: str  # source text of the command
    line: int  # Dockerfile line it is on
    assignments: dict[str, str] = field(default_factory=dict)  # VAR=x prefixes of this command
    env: dict[str, str] = field(default_factory=dict)  # effective env for this command (incl. export/inline)
    go: GoCommand | None = None
    # recognised side effects
    package_install: tuple[str, list[str]] | None = None  # ("apt-get"|"apk"|"dnf"|"yum"|"microdnf", [pkgs])
    git_insteadof: str | None = None  # the URL with credentials in `git config ... url.X.insteadOf`
    writes_files: list[str] = field(default_factory=list)  # redirect targets / tee / cp dests (.netrc ...)
    heredoc: bool = False  # comes from a heredoc body
    # resolved from a Makefile or a script the RUN runs (golayer.dockerfile.resolve); ``line`` stays the RUN's
    origin: str | None = None  # where the command really is: "Makefile:12", "scripts/build.sh:4"
    via: str | None = None  # the RUN's command that runs it: "make build"
    cwd: str | None = None  # the directory it runs in (absolute; UNKNOWN-prefixed when not known)

    def where(self) -> str:
        """`` (Makefile:12, via `make build`)`` for a resolved command, "" for a command of the RUN itself."""
        if not self.origin:
            return ""
        return f" ({self.origin}, via `{self.via}`)" if self.via else f" ({self.origin})"

    @property
    def name(self) -> str:
        return self.argv[0].rsplit("/", 1)[-1] if self.argv else ""


@dataclass
class GoSettings:
    """Go environment as the go command would see it at one point of the build.

    Each value is resolved in Go's order: process env (ENV/ARG/inline/export) > GOENV file written by
    ``go env -w`` (for the HOME/XDG_CONFIG_HOME in effect) > Go's defaults / the base image's ENV.
    ``origin[name]`` says which: "env", "go-env-w", "default", "base-image".
    """

    GOPATH: str = "/root/go"
    GOMODCACHE: str = "/root/go/pkg/mod"
    GOCACHE: str = "/root/.cache/go-build"
    GOENV: str = "/root/.config/go/env"
    GOFLAGS: str = ""
    GOPROXY: str = "https://proxy.golang.org,direct"
    GOSUMDB: str = "sum.golang.org"
    GONOSUMDB: str = ""
    GONOSUMCHECK: str = ""
    GOPRIVATE: str = ""
    GOINSECURE: str = ""
    GOTOOLCHAIN: str = "auto"
    GO111MODULE: str = ""
    GOOS: str = "linux"
    GOARCH: str = "amd64"
    CGO_ENABLED: bool | None = None  # None = cannot tell
    cgo_reason: str = ""  # "CGO_ENABLED=0 in ENV", "gcc present in golang:1.22 (bookworm)", ...
    cc_present: bool | None = None
    origin: dict[str, str] = field(default_factory=dict)


@dataclass
class BaseImage:
    """What golayer knows about an image reference (golayer/knowledge/bases.toml)."""

    ref: str  # as written after ARG expansion
    known: bool = False  # False: every other field is None and rules stay silent
    family: str | None = None  # "golang", "alpine", "debian", "distroless", "scratch", ...
    libc: str | None = None  # "none" | "glibc" | "musl" | "uclibc"
    has_shell: bool | None = None
    has_cc: bool | None = None
    go_version: str | None = None  # "1.22" / "1.22.3" from the tag; None if not a Go image or untagged
    default_user: str | None = None  # "root", "nonroot", "65532"
    has_ca: bool | None = None
    has_tzdata: bool | None = None
    is_toolchain: bool = False  # ships a Go toolchain
    is_full_distro: bool = False  # a general-purpose distro/toolchain image (bloated as a runtime base)
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Instruction:
    index: int  # position in the file (0-based, across stages)
    cmd: str  # upper-case: FROM RUN COPY ADD ENV ARG USER WORKDIR CMD ENTRYPOINT ...
    original: str  # source text as parsed (continuations joined by the parser)
    start_line: int
    end_line: int
    start: int  # character offset into DockerfileModel.content (start of the line of start_line)
    end: int  # offset just past the instruction's last line (incl. its newline and heredoc bodies)
    args: list[str]  # parsed value words (after flags)
    flags: dict[str, list[str]]  # "--mount": ["type=cache,target=..."], "--from": ["build"], ...
    json_form: bool = False
    heredocs: list[tuple[str, str]] = field(default_factory=list)  # (name, body)
    stage: "Stage | None" = None
    env: dict[str, str] = field(default_factory=dict)  # effective env BEFORE this instruction
    args_in_scope: dict[str, str] = field(default_factory=dict)  # ARG values visible here
    user: str = "root"  # effective user BEFORE this instruction
    workdir: str = "/"  # effective WORKDIR BEFORE this instruction
    go: GoSettings = field(default_factory=GoSettings)  # Go settings seen by this instruction
    mounts: list[Mount] = field(default_factory=list)  # RUN only
    commands: list[Command] = field(default_factory=list)  # RUN only: parsed shell commands
    # COPY/ADD only: resolved sources and destination (absolute, against WORKDIR)
    copy_from: str | None = None  # --from value (stage name/index or image)
    copy_sources: list[str] = field(default_factory=list)
    copy_dest: str | None = None
    # RUN only: make/script steps golayer could not follow: (Dockerfile line, step, reason)
    unresolved: list[tuple[int, str, str]] = field(default_factory=list)

    def go_commands(self) -> Iterator[Command]:
        return (c for c in self.commands if c.go is not None)


@dataclass
class Stage:
    index: int
    name: str | None  # AS name (lower-cased as BuildKit does)
    base: str  # image reference after ARG expansion, or the parent stage's name
    base_stage: "Stage | None"  # when FROM refers to an earlier stage
    base_image: BaseImage  # knowledge about the root image of the FROM chain
    platform: str | None  # FROM --platform value as written ("$BUILDPLATFORM")
    from_instruction: Instruction | None = None
    instructions: list[Instruction] = field(default_factory=list)  # after FROM
    is_target: bool = False
    in_final_image: bool = False  # the target or an ancestor of it through FROM
    needed: bool = False  # the target depends on it (FROM, COPY --from, RUN --mount from=)
    depends_on: set[int] = field(default_factory=set)  # stage indexes this stage reads from
    env_end: dict[str, str] = field(default_factory=dict)  # effective env after the last instruction
    user_end: str = "root"
    workdir_end: str = "/"
    go_end: GoSettings = field(default_factory=GoSettings)
    # go env -w values in effect at the end, keyed by the GOENV file path that holds them
    goenv_files: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How messages name the stage: its name, else its index."""
        return self.name or str(self.index)


@dataclass
class GoMod:
    path: Path
    go: str | None  # "1.22" / "1.22.3"
    toolchain: str | None  # "go1.23.1"
    module: str | None


@dataclass
class BuildContext:
    dir: Path
    dockerignore: Path | None  # the file used (<name>.dockerignore wins over .dockerignore)
    patterns: list[str] | None  # None: no .dockerignore at all
    gomod: GoMod | None

    def excludes(self, rel_path: str) -> bool:
        """Would this context path be excluded by the .dockerignore? (BuildKit semantics)"""
        from golayer.dockerfile.context import matches

        return matches(self.patterns or [], rel_path)


@dataclass
class ParseError:
    line: int
    message: str


@dataclass
class DockerfileModel:
    path: Path
    content: str
    stages: list[Stage]
    target: Stage | None
    instructions: list[Instruction]  # every instruction in file order (FROM included)
    global_args: dict[str, str]  # ARGs before the first FROM (after --build-arg overrides)
    build_args: dict[str, str]  # as given on the command line
    context: BuildContext
    syntax: str | None = None  # "# syntax=" directive
    escape: str = "\\"
    errors: list[ParseError] = field(default_factory=list)
    # inline pragmas: line -> rule names; global ignores
    pragmas: dict[int, list[str]] = field(default_factory=dict)
    global_ignores: list[str] = field(default_factory=list)
    # make/script steps of RUNs golayer could not follow: (Dockerfile line, step, reason)
    unresolved: list[tuple[int, str, str]] = field(default_factory=list)

    def stage_named(self, name: str) -> Stage | None:
        """The stage of that name (case-insensitive); of several, the LAST, as BuildKit resolves a name
        (docs/measurements.md, "Duplicate stage names"): after the build, what `COPY --from=`, `--mount
        from=` and `--target` name; while the builder adds stages, the last one before a `FROM name`.
        Indexed once per stage count, so rules may call it per instruction (lint stays linear)."""
        index = self.__dict__.get("_stage_index")
        if index is None or index[0] != len(self.stages):  # (re)built while the builder adds stages
            index = (len(self.stages), {st.name: st for st in self.stages if st.name})  # the last of a name wins
            self.__dict__["_stage_index"] = index
        return index[1].get(name.lower())

    def stage(self, ref: str | int | None) -> Stage | None:
        """Stage by name (:meth:`stage_named`: the last stage of that name) or index; None for an
        external image."""
        if ref is None:
            return None
        key = str(ref).lower()
        hit = self.stage_named(key)
        if hit is not None:
            return hit
        if key.isdigit() and int(key) < len(self.stages):
            return self.stages[int(key)]
        return None

    def copies_from(self, stage: Stage) -> list[Instruction]:
        """The COPY/ADD --from instructions that take files from ``stage``, in file order (indexed once)."""
        index = self.__dict__.get("_copies_from")
        if index is None:
            index = {}
            for ins in self.instructions:
                if ins.copy_from is not None:
                    dep = self.stage(ins.copy_from)
                    if dep is not None:
                        index.setdefault(dep.index, []).append(ins)
            self.__dict__["_copies_from"] = index
        return index.get(stage.index, [])

    def image_child(self, stage: Stage) -> Stage | None:
        """The stage in the final image that is built directly FROM ``stage`` (None when ``stage`` is the
        target or not in the image): the FROM chain of the target, indexed once."""
        index = self.__dict__.get("_image_child")
        if index is None:
            index = {}
            s = self.target
            seen: set[int] = set()
            while s is not None and s.base_stage is not None and s.index not in seen:
                seen.add(s.index)
                index[s.base_stage.index] = s
                s = s.base_stage
            self.__dict__["_image_child"] = index
        return index.get(stage.index)

    def runs(self) -> Iterator[Instruction]:
        return (i for i in self.instructions if i.cmd == "RUN")

    @property
    def final_stages(self) -> list[Stage]:
        return [s for s in self.stages if s.in_final_image]

    @property
    def needed_stages(self) -> list[Stage]:
        return [s for s in self.stages if s.needed]
