"""Which containers run Go, how that was decided, and what is known about their Go runtime.

Per container, in this order (the first that knows wins; docs/runtime.md has the table):

1. an image analysis given with ``--image NAME=REF`` (NAME: a container or service name, or an
   image reference as written in the manifest): a Go binary with buildinfo gives the Go version,
   whether the main module's ``go`` line was below 1.25 (``DefaultGODEBUG`` then contains
   ``containermaxprocs=0``) and whether automemlimit / automaxprocs are linked; the image's ENV
   supplies defaults for GOMEMLIMIT, GOGC, GOMAXPROCS, GODEBUG;
2. the ``[tool.golayer.runtime]`` patterns ``not-go-images`` / ``go-images`` (fnmatch on the image
   reference as written and on its name without tag) — the user's word beats golayer's lists;
3. a :data:`BuildLookup` (the project model of ``golayer check``): the image is built from a
   Dockerfile of this repository whose final stage holds a Go binary (or certainly does not); its
   evidence may carry the go.mod ``go`` line of the module that builds it;
4. the list of well-known images (golayer/knowledge/images.toml);
5. the manifest itself sets GOMEMLIMIT, GOGC, GOMAXPROCS or GODEBUG for the container (variables
   only the Go runtime reads: its author runs Go there);
6. otherwise unknown: no Go-specific finding, unless ``--assume-go`` (or ``assume-go = true``).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from golayer.runtime.model import GoInfo, RuntimeModel

AUTOMEMLIMIT = "github.com/KimMachineGun/automemlimit"
# Set in a container's own environment, these say its author configures a Go runtime.
GO_RUNTIME_VARS = ("GOMEMLIMIT", "GOGC", "GOMAXPROCS", "GODEBUG")
AUTOMAXPROCS = "go.uber.org/automaxprocs"


@dataclass(frozen=True)
class GoEvidence:
    """What the project knows about the program of an image built from this repository.

    ``is_go``: True (the final stage holds a Go binary), False (it certainly does not), None
    (cannot tell). ``reason`` is shown to the user ("built from docker/Dockerfile (compose.yaml:12,
    service api), final stage copies a Go binary"). ``go_line`` is the ``go`` directive of the
    go.mod of the module that builds the binary ("1.24"), ``go_mod`` its path; ``go_version`` the
    toolchain when known ("go1.25.1": a golang:1.25 builder image). ``godebug`` holds the module's
    ``godebug`` directives and ``//go:debug`` lines of its main package (key -> value). Where each
    was read: ``go_line_no`` (the ``go`` line's line number in ``go_mod``) and ``godebug_at`` (key ->
    "go.mod:7", or "//go:debug in cmd/api/main.go:2" for a main package's line, paths as ``go_mod``)."""

    is_go: bool | None
    reason: str
    dockerfile: Path | None = None
    go_mod: Path | None = None
    go_line: str | None = None
    go_version: str | None = None
    godebug: Mapping[str, str] = field(default_factory=dict)
    go_line_no: int | None = None
    godebug_at: Mapping[str, str] = field(default_factory=dict)


# (image as written in the manifest or None, compose file or None, compose service or None) -> evidence
BuildLookup = Callable[[str | None, Path | None, str | None], GoEvidence | None]

_GO_LINE = re.compile(r"^\s*go\s+(\d+\.\d+(?:\.\d+)?)\s*(?://.*)?$", re.M)
_TOOLCHAIN = re.compile(r"^\s*toolchain\s+(go\d+\.\d+(?:\.\d+)?\S*)\s*(?://.*)?$", re.M)
_GODEBUG_LINE = re.compile(r"^\s*godebug\s+([A-Za-z0-9_]+)=(\S+)", re.M)
_GODEBUG_BLOCK = re.compile(r"^\s*godebug\s*\((.*?)\)", re.M | re.S)


def go_mod_facts(path: Path,
                 where: dict[str, int] | None = None) -> tuple[str | None, str | None, dict[str, str]]:
    """(go line, toolchain, godebug directives) of a go.mod; (None, None, {}) when unreadable.
    Only the first MiB is read (as the lint reads it); nothing is executed. ``where``, when given,
    receives the 1-based line numbers: "go" -> the go line, "godebug:KEY" -> the directive that sets KEY."""
    from golayer.dockerfile.context import read_gomod_text

    text = read_gomod_text(path)
    if text is None:
        return None, None, {}
    m = _GO_LINE.search(text)
    t = _TOOLCHAIN.search(text)
    debug: dict[str, str] = {}
    at: dict[str, int] = {}
    for b in _GODEBUG_BLOCK.finditer(text):
        first = text.count("\n", 0, b.start(1)) + 1
        for i, line in enumerate(b.group(1).splitlines()):
            k, sep, v = line.split("//", 1)[0].strip().partition("=")
            if sep and k:
                debug[k] = v.strip()
                at[k] = first + i
    for g in _GODEBUG_LINE.finditer(text):
        debug[g.group(1)] = g.group(2)
        at[g.group(1)] = text.count("\n", 0, g.start(1)) + 1
    if where is not None:
        if m:
            where["go"] = text.count("\n", 0, m.start(1)) + 1
        where.update({f"godebug:{k}": n for k, n in at.items()})
    return (m.group(1) if m else None), (t.group(1) if t else None), debug


_GO_DEBUG_DIRECTIVE = re.compile(r"^//go:debug\s+([A-Za-z0-9_]+)=(\S+)", re.M)
# `^package` under re.M tries every position; searched in "\n" + text, a literal first character is
# found by a fast scan (the match then starts one character early, at the "\n")
_PACKAGE_MAIN_NL = re.compile(r"\npackage\s+main\b")


def main_package_godebug(root: Path, max_files: int = 3000, head: int = 8192,
                         where: dict[str, list[tuple[str, int]]] | None = None) -> dict[str, str]:
    """``//go:debug key=value`` directives of the ``package main`` files below ``root`` (they must
    precede the package clause, so only the first bytes of each file are read). A key whose main
    packages disagree is left out: which binary the image runs is not known here. Bounded: at most
    ``max_files`` .go files, vendor/testdata/hidden directories skipped, symlinks not followed.
    ``where``, when given, receives for each returned key the (file path, 1-based line) of every
    line that sets it, in the order the files were read."""
    import os

    seen: dict[str, set[str]] = {}
    lines: dict[str, list[tuple[str, int]]] = {}
    count = 0
    stack = [root]
    while stack and count < max_files:
        d = stack.pop()
        try:
            with os.scandir(d) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        for e in entries:  # DirEntry: the type comes with the listing, no stat per entry
            try:
                if e.is_symlink():
                    continue
            except OSError:
                pass
            try:
                is_dir = e.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if e.name not in ("vendor", "testdata", "node_modules") and not e.name.startswith((".", "_")):
                    stack.append(d / e.name)
                continue
            if not e.name.endswith(".go") or e.name.endswith("_test.go"):
                continue
            count += 1
            if count > max_files:
                break
            try:
                with open(e.path, "rb") as fh:
                    text = fh.read(head).decode("utf-8", "replace")
            except OSError:
                continue
            m = _PACKAGE_MAIN_NL.search("\n" + text)
            if not m:
                continue
            for d_ in _GO_DEBUG_DIRECTIVE.finditer(text, 0, m.start()):
                k = d_.group(1)
                seen.setdefault(k, set()).add(d_.group(2))
                if where is not None:
                    lines.setdefault(k, []).append((e.path, text.count("\n", 0, d_.start()) + 1))
    found = {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}
    if where is not None:
        where.update({k: lines[k] for k in found})
    return found


def line_tuple(v: str | None) -> tuple[int, int] | None:
    """"1.24.3" / "go1.25rc1" -> (1, 24)."""
    if not v:
        return None
    m = re.match(r"(?:go)?(\d+)\.(\d+)", v)
    return (int(m.group(1)), int(m.group(2))) if m else None


def image_name(ref: str) -> str:
    """``registry:5000/team/app:1.2@sha256:..`` -> ``registry:5000/team/app``."""
    base = ref.split("@", 1)[0]
    slash = base.rfind("/")
    colon = base.rfind(":")
    if colon > slash:
        base = base[:colon]
    return base


def go_info_from_analysis(analysis: Any) -> GoInfo:
    """GoInfo from an ``ImageAnalysis`` (golayer.image.model): the entrypoint's Go binary when it
    can be identified, else the largest Go binary with buildinfo."""
    env = {}
    try:
        env = dict(analysis.env)
    except Exception:  # a hand-made or partial analysis
        env = {}
    if getattr(analysis, "binaries_available", True) is False:
        return GoInfo(is_go=False, assumed=False, language="unknown", decided_by="image", image_env=env,
                      reason=f"image {analysis.ref}: binary inspection is not available in this build")
    bins = [b for b in getattr(analysis, "binaries", []) or [] if getattr(b, "is_go", False)]
    if not bins:
        return GoInfo(is_go=False, assumed=False, language="not-go", decided_by="image",
                      reason=f"image {analysis.ref}: no Go binary found", image_env=env)
    cfg = (getattr(analysis, "config", None) or {}).get("config") or {}
    argv = list(cfg.get("Entrypoint") or []) + list(cfg.get("Cmd") or [])
    chosen = None
    if argv:
        first = str(argv[0])
        chosen = next((b for b in bins if b.path == first or b.path.rsplit("/", 1)[-1] == first.rsplit("/", 1)[-1]),
                      None)
    if chosen is None:
        with_bi = [b for b in bins if b.buildinfo is not None] or bins
        chosen = max(with_bi, key=lambda b: b.size)
    info = GoInfo(is_go=True, assumed=False, language="go", decided_by="image",
                  reason=f"image {analysis.ref}: Go binary {chosen.path}", binary=chosen.path, image_env=env)
    bi = chosen.buildinfo
    if bi is not None:
        info.go_version = bi.go_version
        dg = bi.setting("DefaultGODEBUG") or ""
        keys = {p.split("=", 1)[0]: p.split("=", 1)[1] for p in dg.split(",") if "=" in p}
        info.default_godebug = keys
        if keys.get("containermaxprocs") == "0":
            info.module_go_before_125 = True
        elif info.version_tuple is not None and info.version_tuple >= (1, 25):
            info.module_go_before_125 = False
        info.automemlimit = bi.has_dep(AUTOMEMLIMIT) or any(
            str(d.get("Path", "")).startswith(AUTOMEMLIMIT + "/") for d in bi.deps)
        info.automaxprocs = bi.has_dep(AUTOMAXPROCS)
    return info


def _from_evidence(ev: GoEvidence) -> GoInfo:
    lang = "go" if ev.is_go else ("not-go" if ev.is_go is False else "unknown")
    info = GoInfo(is_go=bool(ev.is_go), assumed=False, language=lang, decided_by="build", reason=ev.reason)
    if ev.is_go:
        apply_go_mod(info, ev)
    return info


def apply_go_mod(info: GoInfo, ev: GoEvidence) -> None:
    """Record what the go.mod of the module that builds the binary says (Go >= 1.21 semantics: the
    ``go`` line selects the GODEBUG defaults; a ``godebug`` directive overrides them), and where."""
    info.go_line = ev.go_line
    info.go_mod = str(ev.go_mod) if ev.go_mod is not None else None
    info.go_line_no = ev.go_line_no if ev.go_line is not None else None
    if ev.go_version and info.go_version is None:
        info.go_version = ev.go_version
    debug = dict(ev.godebug or {})
    info.module_godebug = debug
    info.module_godebug_at = {k: v for k, v in (ev.godebug_at or {}).items() if k in debug}
    lt = line_tuple(ev.go_line)
    if debug.get("containermaxprocs") == "0":
        info.module_go_before_125 = True
    elif lt is not None:
        info.module_go_before_125 = lt < (1, 25) and debug.get("containermaxprocs") != "1"


def classify(model: RuntimeModel, analyses: dict[str, Any], section: dict[str, Any],
             lookup: BuildLookup | None = None, assume_go: bool | None = None) -> None:
    """Fill ``container.go`` for every container of the model."""
    from golayer.knowledge import images as known

    go_pats = _patterns(section.get("go-images"))
    not_go = _patterns(section.get("not-go-images"))
    assume = section.get("assume-go", False) if assume_go is None else assume_go
    infos = {name: go_info_from_analysis(a) for name, a in analyses.items()}
    for w, c in model.containers():
        img = c.image or ""
        info = None
        for key in (c.name, img, image_name(img) if img else None):
            if key and key in infos:
                info = infos[key]
                break
        if info is not None and info.language != "unknown":
            c.go = info
            continue

        def matches(pats: list[str]) -> str | None:
            return next((p for p in pats if fnmatch.fnmatchcase(img, p) or fnmatch.fnmatchcase(image_name(img), p)),
                        None)

        ev = None
        if lookup is not None:
            try:
                ev = lookup(img or None, Path(w.file) if w.source == "compose" else None,
                            w.name if w.source == "compose" else None)
            except (OSError, ValueError):
                ev = None
        pat = matches(not_go) if img else None
        if pat:
            c.go = GoInfo(is_go=False, assumed=False, language="not-go", decided_by="config",
                          reason=f"not Go: the image matches not-go-images pattern {pat!r}")
            continue
        pat = matches(go_pats) if img else None
        if pat:
            c.go = GoInfo(is_go=True, assumed=False, language="go", decided_by="config",
                          reason=f"Go: the image matches go-images pattern {pat!r}")
            if ev is not None and ev.is_go:
                apply_go_mod(c.go, ev)
            continue
        if ev is not None and ev.is_go is not None:
            c.go = _from_evidence(ev)
            continue
        k = known.lookup(img) if img else None
        if k is not None:
            c.go = GoInfo(is_go=k.go, assumed=False, language="go" if k.go else "not-go", decided_by="knowledge",
                          reason=f"{'Go' if k.go else 'not Go'}: well-known image, {k.what}",
                          sets_gomemlimit=k.sets_gomemlimit)
            continue
        declared = [n for n in GO_RUNTIME_VARS if n in c.env]
        if declared:
            c.go = GoInfo(is_go=True, assumed=False, language="go", decided_by="env",
                          reason=f"Go: the manifest sets {', '.join(declared)}, which only the Go runtime reads")
            if ev is not None and ev.is_go:
                apply_go_mod(c.go, ev)
            if info is not None:
                c.go.image_env = info.image_env
            continue
        why = "no image" if not img else (
            "the image name contains an unresolved variable" if "$" in img else
            "the image is not analysed (--image), not built by this project and not in golayer's list of known images")
        if ev is not None:
            why = ev.reason
        if assume:
            c.go = GoInfo(is_go=True, assumed=True, language="unknown", decided_by="assumed",
                          reason=f"assumed Go (--assume-go): {why}")
        else:
            c.go = GoInfo(is_go=False, assumed=False, language="unknown", decided_by="unknown",
                          reason=f"language unknown: {why}")
        if info is not None:  # an analysis that could not tell: keep its ENV
            c.go.image_env = info.image_env


def _patterns(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return []


def produces_go_binary(model: Any) -> bool | None:
    """Does the final image of a Dockerfile model hold a Go binary it builds or copies? True when
    its final stage (or an ancestor in its FROM chain) runs ``go build``/``go install`` or COPYs
    such a binary from another stage; None otherwise (a binary downloaded or copied from an image
    golayer cannot read: cannot tell). Uses ``golayer.dockerfile.final.produces_go_binary`` when
    the Dockerfile model provides it."""
    from golayer.dockerfile import final

    own = getattr(final, "produces_go_binary", None)
    if own is not None:
        return own(model)
    stages = list(getattr(model, "final_stages", []) or [])
    if not stages:
        return None
    last = stages[-1]
    if final.binaries_copied_into(model, last) or final.binaries_built_in(model, last):
        return True
    return None


def _go_mod_for(build: Any) -> Path | None:
    """The go.mod of the module a build compiles: the context's go.mod, else the Dockerfile's
    directory's. None when neither exists (a go.mod elsewhere is a guess golayer does not make)."""
    for d in (Path(build.context), Path(build.dockerfile).parent):
        p = d / "go.mod"
        try:
            if p.is_file():
                return p
        except OSError:
            continue
    return None


def _go_debug_at(root: Path, lines: list[tuple[str, int]]) -> str:
    """"//go:debug in cmd/api/main.go:2" (path relative to ``root`` when below it), "... and N more
    main packages" when several agree."""
    path, n = lines[0]
    shown: Path | str = Path(path)
    try:
        shown = Path(path).relative_to(root)
    except ValueError:
        pass
    more = len(lines) - 1
    return f"//go:debug in {shown}:{n}" + (f" and {more} more main package{'s' if more > 1 else ''}" if more else "")


def project_lookup(project: Any) -> BuildLookup:
    """A :data:`BuildLookup` over a ``golayer.project.Project``: the build that tags the image (or
    builds the compose service), and whether its Dockerfile's final stage holds a Go binary."""
    from golayer.dockerfile.build import build_model

    cache: dict[tuple, GoEvidence | None] = {}
    # go.mod -> (its main packages' //go:debug settings, where each is set): builds share modules
    module_facts: dict[Path, tuple[dict[str, str], dict[str, str]]] = {}

    def lookup(image: str | None, compose_file: Path | None, service: str | None) -> GoEvidence | None:
        build = None
        if compose_file is not None and service is not None:
            build = project.build_for_service(compose_file, service)
        if build is None and image:
            build = project.build_for_image(image)
        if build is None:
            return None
        key = (str(build.dockerfile), str(build.context), build.target, tuple(sorted(build.build_args.items())))
        if key in cache:
            return cache[key]
        try:
            rel = Path(build.dockerfile).relative_to(project.root)
        except ValueError:
            rel = Path(build.dockerfile)
        try:
            model = build_model(build.dockerfile, target=build.target, build_args=dict(build.build_args),
                                context_dir=build.context)
            go = produces_go_binary(model)
        except (OSError, ValueError, UnicodeDecodeError):
            go = None
        if go:
            gm = _go_mod_for(build)
            where: dict[str, int] = {}
            line, toolchain, debug = go_mod_facts(gm, where=where) if gm is not None else (None, None, {})
            shown = gm
            if gm is not None:
                try:
                    shown = gm.relative_to(project.root)
                except ValueError:
                    pass
            at = {k[len("godebug:"):]: f"{shown}:{n}" for k, n in where.items() if k.startswith("godebug:")}
            if gm is not None:  # //go:debug in a main package overrides the go.mod's godebug lines
                if gm not in module_facts:
                    lines: dict[str, list[tuple[str, int]]] = {}
                    found = main_package_godebug(gm.parent, where=lines)
                    module_facts[gm] = (found, {k: _go_debug_at(project.root, v) for k, v in lines.items()})
                found, found_at = module_facts[gm]
                debug = {**debug, **found}
                at.update(found_at)
            ev = GoEvidence(is_go=True, dockerfile=Path(build.dockerfile), go_mod=shown, go_line=line,
                            godebug=debug, go_line_no=where.get("go"), godebug_at=at,
                            reason=f"Go: built from {rel} ({build.origin}), whose final stage holds a Go binary")
        else:
            ev = GoEvidence(is_go=None, dockerfile=Path(build.dockerfile),
                            reason=f"built from {rel} ({build.origin}), but golayer cannot tell whether its final "
                                   "stage holds a Go binary")
        cache[key] = ev
        return ev

    return lookup
