"""## What it finds

A whole-context copy (`COPY . .`, `COPY ./ /src`, `ADD . .`) followed by a `RUN` that downloads modules
or compiles (`go mod download`, `go build`, `go test`, …) in a stage the target needs, when the stage (or
the stage it is built `FROM`) did not first copy only the module files (`COPY go.mod go.sum ./`;
`COPY go.* ./` counts) and download the modules (`go mod download`, or any go command that downloads).
Builds from `vendor/` (`-mod=vendor`, or a `vendor/modules.txt` in the context) are not reported, nor
is a go command after the copy whose `RUN` has a cache mount on its effective GOMODCACHE
(`--mount=type=cache,target=/go/pkg/mod` in the golang image): after a source edit its modules come
from the cache mount, with no network and no download wait.

## Why it is bad

A `COPY . .` layer changes whenever any file of the context changes, and every later instruction then
runs again. With the modules downloaded after it, every source edit re-downloads every dependency. Copying
`go.mod`/`go.sum` first and running `go mod download` keeps that step cached until the dependencies
really change. (It saves the module download time only; the compile cache needs a cache mount — see
`missing-cache-mount`.) In a survey of 186 public Dockerfiles of Go projects, 65 of the 110 that build
from source had no go.mod-first layer.

## Example

```dockerfile
# bad
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /app .
```

```dockerfile
# good
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /app .
```

## Fix

Safe fix: `COPY go.mod go.sum <dest>` (only `go.mod` when the context has no `go.sum`) and
`RUN go mod download` are inserted before the whole-context copy, with the same `--chown`/`--chmod` and
destination, and with the stage's module-cache and secret/ssh mounts when the downloading `RUN` uses
them. When only the download is missing, only the `RUN` is inserted. The fix is safe only when the moved
download sees what the original one saw: no `RUN`, `USER` or `WORKDIR` between the copy and the
download, the same effective module settings (GOPROXY, GOPRIVATE, GONOSUMDB, GOFLAGS, GOMODCACHE, …),
proxy and git variables, and no inline `VAR=x`/`export` before the go command; otherwise it is offered
as an unsafe fix. No fix is offered when the context
has no `go.mod` (or `.dockerignore` excludes it), when `go.mod` has local `replace` directives (`=> ./…`,
which need the sources), or for a `go.work` workspace.

## References

- https://docs.docker.com/build/cache/
- golayer FACTS: "Build cache semantics", "Real-world prevalence"
- Proof: `tests/lab/test_proof_cache.py::test_go_mod_first_keeps_download_cached_across_source_edits`
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile.model import DockerfileModel, Instruction, Stage
from golayer.findings import Applicability, Finding, Severity
from golayer.dockerfile import gofacts
from golayer.rules.dockerfile import _util
from golayer.dockerfile import final

RULE = Rule(
    code="GLD006",
    name="deps-after-sources",
    severity=Severity.WARNING,
    summary="modules downloaded after a whole-context COPY: every source edit re-downloads all dependencies",
    fix=Applicability.SAFE,
)

MOD_FILES = ("go.mod", "go.sum", "go.work", "go.work.sum")


def is_whole_context(ins: Instruction) -> bool:
    if ins.cmd not in ("COPY", "ADD") or ins.copy_from or not ins.copy_sources:
        return False
    for s in ins.copy_sources:
        if s.startswith("<<"):
            continue
        n = posixpath.normpath(s.replace("\\", "/")) if s else s
        if n in (".", "/", "*"):
            return True
    return False


def _matches(name: str, pattern: str) -> bool:
    if not any(ch in pattern for ch in "*?["):
        return name == pattern
    if pattern[:1] not in ("g", "*", "?", "["):  # cannot match go.*: skip compiling the pattern
        return False
    return fnmatch.fnmatchcase(name, pattern)


def is_mod_only(ins: Instruction) -> bool:
    if ins.cmd not in ("COPY", "ADD") or ins.copy_from or not ins.copy_sources:
        return False
    names = [posixpath.basename(s.rstrip("/")) for s in ins.copy_sources]
    if not any(_matches("go.mod", n) for n in names):
        return False
    for n in names:
        if not any(_matches(f, n) for f in MOD_FILES):
            return False
    return True


def modcache_mounted(ins: Instruction) -> bool:
    """The RUN has a cache mount on its effective GOMODCACHE: modules come from the cache, not the network."""
    gm = ins.go.GOMODCACHE
    if not gm or "\x00" in gm:
        return False
    return any(m.type == "cache" and m.target and gofacts.path_within(gm, m.target) for m in ins.mounts)


def downloads(model: DockerfileModel, ins: Instruction, after_sources: bool = False) -> bool:
    for c in ins.commands:
        if c.go is None or not c.go.downloads:
            continue
        if c.go.compiles and gofacts.vendor_mode(model, ins, c):
            continue
        if after_sources and modcache_mounted(ins):
            continue  # after an edit the modules are served from the cache mount: no network, no wait
        return True
    return False


def check(model: DockerfileModel) -> Iterator[Finding]:
    for stage in model.stages:
        if not stage.needed:
            continue
        parent = final.chain(stage)[-2] if len(final.chain(stage)) > 1 else None
        mod_copy, prepared, closed = _state_after(model, parent) if parent is not None else (None, False, False)
        if closed:  # the whole-context copy (or a prepared download) is an ancestor's: reported there, if at all
            continue
        whole: Instruction | None = None
        for ins in stage.instructions:
            if whole is None:
                if is_mod_only(ins):
                    mod_copy = ins
                elif ins.cmd == "RUN" and mod_copy is not None and (downloads(model, ins) or ins.unresolved):
                    prepared = True  # (a make/script step golayer could not follow may download: silent)
                elif is_whole_context(ins):
                    if prepared:
                        break
                    whole = ins
                continue
            if ins.cmd == "RUN" and downloads(model, ins, after_sources=True):
                yield _finding(model, stage, whole, ins, mod_copy)
                break


def _state_after(model: DockerfileModel, stage: Stage) -> tuple[Instruction | None, bool, bool]:
    """(go.mod-only copy seen, download prepared before the sources, closed) after the instructions of the
    stage's whole FROM chain; ``closed`` once a whole-context copy happened (a later download is the stage of
    that copy's finding, never a descendant's). Memoised per stage: each stage's instructions are read once,
    however long the chain."""
    def step(prev: tuple[Instruction | None, bool, bool], s: Stage) -> tuple[Instruction | None, bool, bool]:
        mod_copy, prepared, closed = prev
        for ins in s.instructions:
            if closed:
                break
            if is_mod_only(ins):
                mod_copy = ins
            elif ins.cmd == "RUN" and mod_copy is not None and (downloads(model, ins) or ins.unresolved):
                prepared = True
            elif is_whole_context(ins):
                closed = True
        return mod_copy, prepared, closed

    return final.memo_along_chain(stage, "_deps_state", step, (None, False, False))


def _finding(model: DockerfileModel, stage: Stage, whole: Instruction, run: Instruction,
             mod_copy: Instruction | None) -> Finding:
    c = next(c for c in run.commands if c.go is not None and c.go.downloads)
    src = whole.cmd + " " + " ".join(whole.args)
    if mod_copy is None:
        msg = (f"`go {c.go.sub}` (line {c.line}) in stage {stage.label} runs after `{src}` with no go.mod-first "
               f"copy and download: every source edit re-downloads all modules")
    else:
        msg = (f"go.mod is copied first (line {mod_copy.start_line}) but the modules are only downloaded by "
               f"`go {c.go.sub}` (line {c.line}) after `{src}` in stage {stage.label}")
    return RULE.finding(
        msg, line=whole.start_line, end_line=whole.end_line, stage=stage.label,
        hint="copy go.mod and go.sum and run `go mod download` before copying the sources",
        fix=_fix(model, whole, run, mod_copy), subject=f"{whole.start_line}",
    )


_DOWNLOAD_SETTINGS = ("GOPATH", "GOMODCACHE", "GOFLAGS", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GONOSUMCHECK",
                      "GOPRIVATE", "GOINSECURE", "GOTOOLCHAIN", "GO111MODULE", "GOENV")
_DOWNLOAD_ENV = {"HOME", "XDG_CONFIG_HOME", "GIT_SSH_COMMAND", "GIT_CONFIG_GLOBAL", "GIT_TERMINAL_PROMPT", "NETRC",
                 "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy",
                 "http_proxy", "no_proxy", "ALL_PROXY"}


def _relevant(name: str) -> bool:
    return name.startswith("GO") or name in _DOWNLOAD_ENV


def same_download_env(model: DockerfileModel, whole: Instruction, run: Instruction) -> bool:
    """Would a `go mod download` placed before ``whole`` see what the downloading ``run`` sees? Nothing
    but inert instructions in between, and the same module-download settings and environment."""
    if whole.stage is not run.stage:
        return False
    ins_list = whole.stage.instructions if whole.stage else []
    try:
        a, b = ins_list.index(whole), ins_list.index(run)
    except ValueError:
        return False
    for i in ins_list[a + 1 : b]:
        if i.cmd in ("RUN", "USER", "WORKDIR", "SHELL", "ONBUILD"):
            return False
    if any(getattr(whole.go, f) != getattr(run.go, f) for f in _DOWNLOAD_SETTINGS):
        return False
    env1 = {**whole.args_in_scope, **whole.env}
    env2 = {**run.args_in_scope, **run.env}
    if any(env1.get(k) != env2.get(k) for k in set(env1) | set(env2)
           if _relevant(k) and k not in _DOWNLOAD_SETTINGS):  # those were compared as effective values
        return False
    cmd = next((c for c in run.commands if c.go is not None and c.go.downloads), None)
    if cmd is not None:
        start = {k: v for k, v in run.args_in_scope.items() if not v.startswith("\x00")}
        start.update(run.env)
        implicit = {"HOME"} | {m.env for m in run.mounts if m.env}  # added by the model/BuildKit, not by the script
        for k in set(cmd.env) | set(start):
            if _relevant(k) and k not in implicit and cmd.env.get(k) != start.get(k):
                return False  # inline VAR=x or export before the download
    return True


def _fix(model: DockerfileModel, whole: Instruction, run: Instruction, mod_copy: Instruction | None):
    ctx = model.context
    gomod = ctx.gomod
    if gomod is None or ctx.excludes("go.mod"):
        return None
    try:
        text = gomod.path.read_text(encoding="utf-8", errors="replace")
        if (ctx.dir / "go.work").exists():
            return None
    except OSError:
        return None
    if re.search(r"=>\s*\.{1,2}/", text) or re.search(r"=>\s*/", text):
        return None
    edits = []
    dest = whole.copy_dest or "./"
    raw_dest = whole.args[-1] if whole.args else "."
    if mod_copy is None:
        files = ["go.mod"]
        if (ctx.dir / "go.sum").is_file() and not ctx.excludes("go.sum"):
            files.append("go.sum")
        flags = [f"{k}={v}" for k, vals in whole.flags.items() if k in ("--chown", "--chmod") for v in vals if v]
        d = raw_dest if raw_dest.endswith("/") else raw_dest + "/"
        copy_line = "COPY " + " ".join(flags + files + [d])
        edits.append(_util.insert_before(model, whole, copy_line))
    mounts = []
    for spec, m in zip(run.flags.get("--mount", []), run.mounts):
        if m.type in ("secret", "ssh") or (m.type == "cache" and m.target and gofacts.path_within(run.go.GOMODCACHE, m.target)):
            mounts.append(f"--mount={spec}")
    mod_dest = (mod_copy.copy_dest if mod_copy is not None else dest) or "./"
    workdir = whole.workdir
    target_dir = mod_dest.rstrip("/") or "/"
    if not mod_dest.endswith("/") and mod_copy is not None:
        target_dir = posixpath.dirname(target_dir) or "/"
    cd = "" if gofacts.path_is(target_dir, workdir) or target_dir == workdir else f"cd {target_dir} && "
    if cd and ("\x00" in target_dir or "$" in target_dir):
        return None
    run_line = "RUN " + " ".join(mounts + [f"{cd}go mod download"])
    edits.append(_util.insert_before(model, whole, run_line))
    what = f"`{edits[0].text.strip()}` and `{run_line}`" if mod_copy is None else f"`{run_line}`"
    if same_download_env(model, whole, run):
        return RULE.fixed(f"insert {what} before the whole-context copy", edits)
    # something between the copy and the download (a RUN, USER, a Go/proxy/git setting, an inline
    # VAR=x) may be what the download needs: moving it earlier may change the build
    return RULE.fixed(f"insert {what} before the whole-context copy (check that the download needs nothing "
                      f"set up between line {whole.start_line} and line {run.start_line})", edits, unsafe=True)
