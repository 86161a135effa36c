"""Flags a Go toolchain shipped in the image: the target stage is or installs Go.

## What it finds
- The **target stage** is based on a Go toolchain image (`golang:*`, `cgr.dev/chainguard/go`),
  directly or through `FROM <stage>` of a stage that is.
- The target stage (or a stage it derives from) installs Go: `apt-get install golang*`,
  `apk add go`, `dnf install golang`, a download of `go*.linux-*.tar.gz` (`curl`/`wget`/`ADD`),
  or `COPY --from=<image or stage> /usr/local/go`.

Not flagged: a builder stage that is not the target (`FROM golang:1.22 AS build` followed by a
runtime stage), a `dev`/`test` stage that is not the target, stages golayer cannot place
(unknown bases), and images whose job needs the toolchain (the decision table below).

## What the image is for (decision table)
One fact, `final.image_purpose`, read by every rule whose advice would break an image that is meant
to carry Go (toolchain-in-final-image, bloated-runtime-base):

| the target image … | toolchain expected | example |
|---|---|---|
| runs `go` or a tool that runs the go command in its ENTRYPOINT/CMD (golangci-lint, staticcheck, goreleaser, gopls, dlv, air, gotestsum, ko, mage, … listed in `knowledge/purpose.toml`) | yes | `ENTRYPOINT ["golangci-lint"]` |
| has a target stage named with a development word (dev, test, ci, debug, lint, builder, tools, cross, …) | yes | `FROM golang:1.23 AS dev` as the last stage |
| is built from a file named that way, or from `.devcontainer/` | yes | `Dockerfile.dev`, `dev.Dockerfile`, `Dockerfile-ci`, `Dockerfile.builder` |
| sets no ENTRYPOINT/CMD, or one that only starts an interactive shell (`CMD ["/bin/sh"]`, `CMD bash -l`): a toolchain or tools image others run their commands in | yes | `FROM golang:1.23` … `CMD ["/bin/sh"]` |
| anything else with a Go toolchain in the target | no: reported | `FROM golang:1.23` … `CMD ["/app"]` |

## Why it is bad
Measured on a small net/http service: the single-stage image was **650.6 MB** — Debian base
116.6 MB, Go toolchain `/usr/local/go` 226.9 MB, gcc + libc6-dev 209.4 MB, and the `go build`
layer 97.6 MB of which GOCACHE was 88.0 MB and the binary 9.5 MB. The same binary on
`scratch` made a **9.4 MB** image, on a distroless-like base (CA bundle, tzdata, passwd)
**11.0 MB**. Besides size (pull time, node disk, registry cost), the compiler, gcc, git and a
shell in a production image are tools for an attacker and hundreds of packages for CVE
scanners to report.

## Example
Bad:
```dockerfile
FROM golang:1.22
WORKDIR /app
COPY . .
RUN go build -o /usr/local/bin/server .
EXPOSE 8080
CMD server
```
Good:
```dockerfile
FROM golang:1.22 AS build
WORKDIR /app
COPY . .
RUN go build -o /usr/local/bin/server .
EXPOSE 8080
CMD server

FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /usr/local/bin/server /usr/local/bin/server
EXPOSE 8080
CMD ["/usr/local/bin/server"]
```

## Fix
Unsafe fix (`--unsafe-fixes`) for **single-stage** Dockerfiles: the original stage is kept
byte-for-byte as the builder (named `build` with ` AS build` when it had no name) and a
runtime stage is appended:
- **Base** from the cgo/linkage facts of the `go build`: cgo off (or `-tags netgo,osusergo`,
  `-extldflags -static`) → `gcr.io/distroless/static-debian12:nonroot`; cgo on with glibc →
  `gcr.io/distroless/base-debian12:nonroot`; cgo undecidable → the glibc base (runs static
  binaries too). `scratch` instead of the static base with `[tool.golayer.lint]
  runtime-base = "scratch"` (or any image) in the config. When that base has no libc
  (`scratch`, distroless static) and cgo is on only because a C compiler is present, the
  builder also gets `ENV CGO_ENABLED=0` right after its `FROM` (an explicit
  `CGO_ENABLED=1` gets no rewrite). With no base configured, cgo that is on only because a
  C compiler is present is turned off the same way (`ENV CGO_ENABLED=0`, static base) when no Go
  file of the build context imports `"C"` and go.mod requires no cgo-only module (go-sqlite3,
  confluent-kafka-go, …): `net` and `os/user` then use their pure-Go code and the binary is
  static, so it needs no libc (measured: the rewritten example is then within 1.2× of the
  binary-only floor instead of 2.2×). On `scratch` the builder's CA bundle is copied too, and,
  when the sources call `time.LoadLocation`, Go's `zoneinfo.zip` with
  `ENV ZONEINFO=/zoneinfo.zip` (scratch has neither). A cgo build against musl (alpine + gcc) gets no fix.
- **Binaries**: every `go build -o X` (relative to its WORKDIR), `go build` without `-o`
  (named after the package or go.mod's module) and `go install` (`$GOBIN` or `$GOPATH/bin`)
  is copied to the same path.
- **Runtime files**: what the original COPY'd that is not Go source or build tooling, copied
  from the builder at the path it landed on. Explicitly named files and directories count
  (`COPY config/ ./config/`); from a whole-context `COPY . .` only directories named like
  runtime data (`config`, `configs`, `templates`, `static`, `public`, `assets`, `web`, `views`,
  `migrations`, `locales`, `i18n`, `www`) and top-level `config.*`/`settings.*` files, seen in
  the build context and not excluded by `.dockerignore`; plus every file the context's Go sources open
  by a relative path (`os.Open`/`os.ReadFile`/`os.OpenFile`, `template.ParseFiles`/`ParseGlob`,
  `http.Dir`, `godotenv.Load` — `.env` when called bare —, `viper.SetConfigFile`) that the context has.
  Such files the context does not have are named in the fix description as left out.
- **Runtime settings** carried over: `WORKDIR` (when the stage sets one), `ENV` (without `GO*`/`CGO_*` build settings,
  `CC`, `PATH`, `DEBIAN_FRONTEND`; `GODEBUG`, `GOMEMLIMIT`, `GOMAXPROCS`, `GOGC`, `GOTRACEBACK`
  are kept), `EXPOSE`, `LABEL`, `VOLUME`, `STOPSIGNAL`, `USER`, exec-form `HEALTHCHECK` of a
  built binary, `ENTRYPOINT`, `CMD`. A shell-form `CMD`/`ENTRYPOINT` of one built binary with
  plain arguments becomes exec form with the binary's absolute path (distroless has no shell).
The fix description lists every decision and what it could not decide. No fix when a
`CMD`/`ENTRYPOINT` needs a shell or a tool that is not a built binary, when there is no
`CMD`/`ENTRYPOINT` at all (a development or tools image), when no `go build` output can be
found, or for multi-stage files; the finding's hint then says why. Unsafe because the new image has no shell,
no package manager, and (with `:nonroot`) runs as uid 65532 unless the original set `USER`.

## References
- Multi-stage builds: https://docs.docker.com/build/building/multi-stage/
- distroless images: https://github.com/GoogleContainerTools/distroless
- `go help build` (`-o`), `go help install` (`GOBIN`): https://pkg.go.dev/cmd/go
- Proof (the rewritten example builds, is ~20 MB instead of ~650 MB, and starts): `tests/lint/test_toolchain_in_final_image.py::test_rewritten_example_builds_and_starts`
- Proof: `tests/lab/test_proof_layers.py::test_single_stage_carries_toolchain_gcc_and_gocache`
- Proof: `tests/lab/test_proof_layers.py::test_multi_stage_final_image_has_none_of_it`
- Proof: `tests/lab/test_proof_naive_fixed.py::test_fixed_image_still_starts`
- Proof: `tests/lab/test_proof_naive_fixed.py::test_fixed_image_within_1_2x_of_binary_floor`
- Proof: `tests/lab/test_proof_naive_fixed.py::test_fixed_edit_rebuild_5x_faster`
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from golayer.catalogue import Rule
from golayer.dockerfile import final, goreach
from golayer.findings import Applicability, Edit, Severity

RULE = Rule(
    code="GLD010",
    name="toolchain-in-final-image",
    severity=Severity.WARNING,
    summary="the target stage is (or derives from) a Go toolchain image, or installs Go",
    fix=Applicability.UNSAFE,
)


def check(model):
    target = model.target
    if target is None or final.image_purpose(model).needs_toolchain:
        return
    stages = final.chain(target)
    root = stages[0]
    hits = []  # (instruction to report, stage, message, subject)
    if final.is_toolchain_base(target) and root.from_instruction is not None:
        via = f" via stage {root.label}" if root is not target else ""
        at = target.from_instruction if root is not target and target.from_instruction else root.from_instruction
        hits.append((at, target, f"target stage {target.label} is based on {root.base_image.ref}{via}, a Go "
                     "toolchain image: the compiler, its caches and build tools ship in the image",
                     f"{target.label} on {root.base_image.ref}"))
    for s in stages:
        for ins in s.instructions:
            for how in final.go_installs(ins):
                hits.append((ins, s, f"stage {s.label} ends up in the image and installs Go ({how})",
                             f"{s.label}: {how}"))
    if not hits:
        return
    rw = rewrite(model)
    extra = f" (no automatic rewrite: {rw.reason})" if rw.fix is None and rw.reason and len(model.stages) == 1 else ""
    for n, (ins, s, msg, subject) in enumerate(hits):
        yield RULE.finding(
            msg, file=str(model.path), line=ins.start_line, end_line=ins.end_line, stage=s.label,
            hint="build in a builder stage and COPY --from it only the binary into a distroless/scratch stage"
            + extra,
            fix=rw.fix if n == 0 else None, subject=subject,
        )


# ----------------------------------------------------------------------------- the rewrite

_BUILD_ENV = re.compile(r"^(GO[A-Z0-9_]*|CGO_[A-Z0-9_]+|CC|CXX|PATH|DEBIAN_FRONTEND|GOLANG_VERSION)$")
_RUNTIME_GO_ENV = {"GODEBUG", "GOMEMLIMIT", "GOMAXPROCS", "GOGC", "GOTRACEBACK"}
RUNTIME_DIRS = {"config", "configs", "conf", "templates", "template", "static", "public", "assets", "web",
                "views", "migrations", "locales", "i18n", "www"}
_RUNTIME_FILE = re.compile(r"^(config|settings)\.(ya?ml|json|toml|ini|conf|env)$")
_BUILD_FILES = re.compile(
    r"^(go\.(mod|sum|work|work\.sum)|go\.\*|.*\.go|vendor|Makefile|makefile|GNUmakefile|.*\.mk|\.git.*|"
    r"Dockerfile.*|.*\.Dockerfile|\.dockerignore|README.*|LICENSE.*|.*\.md|\.golangci\..*|Taskfile\.ya?ml|"
    r"scripts?|hack|tools|docs|test|tests|testdata|\.github|build|cmd|internal|pkg|api|deploy)$"
)
_KNOWN_USERS = {"root", "nonroot", "nobody", "0", "65532", "65534"}


@dataclass
class Rewrite:
    fix: object | None
    notes: list[str] = field(default_factory=list)
    reason: str = ""  # why there is no fix


def _env_keys(ins) -> list[str]:
    args = list(ins.args)
    if args and all("=" in a for a in args) and not (len(args) % 2 == 0 and all(
            re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", args[k]) for k in range(0, len(args), 2))):
        return [a.split("=", 1)[0] for a in args]
    return [args[k] for k in range(0, len(args), 2)]


def _settings(model) -> dict:
    s = getattr(model, "settings", None) or getattr(model, "lint_settings", None) or {}
    return s if isinstance(s, dict) else {}


def _q(value: str) -> str:
    import json  # for fixes only: not on every lint's start-up

    return value if re.fullmatch(r"[A-Za-z0-9_./:,@%+\-=]+", value or "") else json.dumps(value)


def _raw(model, ins) -> str:
    return model.content[ins.start : ins.end].rstrip("\r\n")


def _context_entries(model) -> list | None:
    d = getattr(model.context, "dir", None)
    try:
        if d is None or not d.is_dir():
            return None
        return sorted(d.iterdir(), key=lambda p: p.name)
    except OSError:
        return None


def _excluded(model, rel: str) -> bool:
    try:
        return bool(model.context.patterns) and model.context.excludes(rel)
    except Exception:  # noqa: BLE001 - a broken .dockerignore must not break the fix
        return False


def _has_non_go_file(path, limit: int = 2000) -> bool:
    n = 0
    try:
        for p in path.rglob("*"):
            n += 1
            if n > limit:
                return True
            if p.is_file() and not p.name.endswith(".go"):
                return True
    except OSError:
        return False
    return False


def _runtime_files(model, stage, workdirs: set[str], notes: list[str]) -> list[str] | None:
    """Absolute paths (in the builder) of runtime files the original COPY'd from the context."""
    out: list[str] = []
    entries = None
    for ins in stage.instructions:
        if ins.cmd not in ("COPY", "ADD") or ins.copy_from:
            continue
        words = [a for a in ins.args]
        if ins.heredocs:
            dest = words[-1] if words else None
            if dest:
                d = final._abs(dest, ins.workdir)
                for name, _ in ins.heredocs:
                    p = posixpath.join(d, name) if dest.endswith("/") else d
                    out.append(p)
                    notes.append(f"copied {p} (written by a heredoc COPY)")
            continue
        if len(words) < 2:
            continue
        srcs, dest = words[:-1], words[-1]
        if any("://" in s for s in srcs):
            notes.append(f"left out {' '.join(srcs)} (ADD from a URL at line {ins.start_line})")
            continue
        dest_abs = final._abs(dest, ins.workdir)
        dest_is_dir = dest.endswith("/") or dest in (".", "./") or len(srcs) > 1 or dest_abs in workdirs
        for src in srcs:
            rel = src[2:] if src.startswith("./") else src
            rel = rel.rstrip("/") or "."
            if rel in (".", "*"):
                if entries is None:
                    entries = _context_entries(model)
                if entries is None:
                    notes.append(f"could not read the build context: nothing of `{_raw(model, ins).strip()}` "
                                 "(line %d) was carried over; add runtime files yourself" % ins.start_line)
                    continue
                picked = []
                for e in entries:
                    if _excluded(model, e.name):
                        continue
                    if (e.is_dir() and e.name in RUNTIME_DIRS and _has_non_go_file(e)) or (
                        e.is_file() and _RUNTIME_FILE.match(e.name)
                    ):
                        picked.append(posixpath.join(dest_abs, e.name))
                opened, missing = _opened_files(model, picked, dest_abs)
                picked += opened
                out += picked
                if picked:
                    notes.append(f"from `{_raw(model, ins).strip()}` copied " + ", ".join(picked))
                for path, go_file in missing:
                    notes.append(f"left out {path}: {go_file} may open it at run time (it is not in the "
                                 "build context golayer sees); copy it into the runtime stage if the program needs it")
                notes.append(f"from `{_raw(model, ins).strip()}` left out everything else (Go sources, build "
                             "files); check the program reads no other file of the build context")
                continue
            if any(ch in rel for ch in "*?[") or "$" in rel:
                notes.append(f"could not decide which files `{src}` (line {ins.start_line}) matches: not carried over")
                continue
            base = rel.rsplit("/", 1)[-1]
            if _BUILD_FILES.match(base) or base.endswith(".go"):
                continue
            ctx = getattr(model.context, "dir", None)
            local = (ctx / rel) if ctx is not None else None
            is_dir = bool(local is not None and local.is_dir()) or src.endswith("/")
            if is_dir and local is not None and local.is_dir() and not _has_non_go_file(local):
                continue  # a Go package directory
            landed = dest_abs if is_dir or not dest_is_dir else posixpath.join(dest_abs, base)
            out.append(landed)
            notes.append(f"copied {landed} (the original COPY'd {src} at line {ins.start_line})")
    return out


def _opened_files(model, picked: list[str], dest_abs: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Files the Go sources open by a relative path (os.Open/ReadFile, templates, godotenv, ...):
    (builder paths to copy because the context has them, [(path, Go file)] the context does not have)."""
    src = final.go_source_facts(model)
    ctx = getattr(model.context, "dir", None)
    if src is None or ctx is None:
        return [], []
    keep: list[str] = []
    missing: list[tuple[str, str]] = []
    for rel, go_file in src.opened_files:
        if any(ch in rel for ch in "*?["):
            rel = rel.split("/", 1)[0] if "/" in rel else ""
            if not rel or any(ch in rel for ch in "*?["):
                continue
        norm = posixpath.normpath(rel)
        if norm.startswith("..") or norm == ".":
            continue
        landed = posixpath.join(dest_abs, norm)
        if landed in picked or landed in keep or any(landed.startswith(p.rstrip("/") + "/") for p in picked):
            continue
        try:
            present = (ctx / norm).exists()
        except OSError:
            present = False
        if present and not _excluded(model, norm):
            keep.append(landed)
        elif (norm, go_file) not in missing:
            missing.append((norm, go_file))
    return keep, missing


def _resolve_program(word: str, binaries: list[final.BuiltBinary], workdir: str) -> str | None:
    """Absolute path of the built binary a CMD/ENTRYPOINT word names, else None."""
    exact = [b.path for b in binaries if not b.path.endswith("/*")]
    dirs = [b.path[:-2] for b in binaries if b.path.endswith("/*")]
    if word.startswith("/"):
        p = posixpath.normpath(word)
        if p in exact or posixpath.dirname(p) in dirs:
            return p
        return None
    if "/" in word:
        p = posixpath.normpath(posixpath.join(workdir, word))
        return p if p in exact or posixpath.dirname(p) in dirs else None
    hits = sorted({p for p in exact if posixpath.basename(p) == word})
    if len(hits) == 1:
        return hits[0]
    if not hits and len(dirs) == 1:
        return posixpath.join(dirs[0], word)
    return None


def _entry(model, ins, binaries, workdir, is_args: bool) -> tuple[str | None, str]:
    """The runtime-stage line for a CMD/ENTRYPOINT, or (None, reason)."""
    import json  # for fixes only: not on every lint's start-up

    if ins.json_form:
        argv = list(ins.args)
        if is_args:
            return _raw(model, ins), ""
        if not argv:
            return _raw(model, ins), ""
        prog = _resolve_program(argv[0], binaries, workdir)
        if prog is None:
            return None, f"{ins.cmd} runs `{argv[0]}`, which is not a binary built in this Dockerfile"
        if prog == argv[0]:
            return _raw(model, ins), ""
        return f"{ins.cmd} {json.dumps([prog, *argv[1:]])}", ""
    text = final.command_text(ins).strip()
    words = final.plain_words(text)
    if words is None and final.starts_with_exec(text):
        words = final.plain_words(text.split(None, 1)[1]) if " " in text else None
    if not words:
        return None, f"shell-form {ins.cmd} `{text}` needs a shell (variables or shell syntax); the runtime base has none"
    if is_args:
        return f"{ins.cmd} {json.dumps(words)}", ""
    prog = _resolve_program(words[0], binaries, workdir)
    if prog is None:
        return None, f"{ins.cmd} runs `{words[0]}`, which is not a binary built in this Dockerfile"
    return f"{ins.cmd} {json.dumps([prog, *words[1:]])}", ""


def rewrite(model, runtime_base: str | None = None) -> Rewrite:
    """Split a single-stage Dockerfile into its original stage (builder) + a runtime stage."""
    import json  # for fixes only: not on every lint's start-up

    if len(model.stages) != 1 or model.target is not model.stages[0]:
        return Rewrite(None, reason="only single-stage Dockerfiles are rewritten")
    st = model.stages[0]
    fi = st.from_instruction
    if fi is None:
        return Rewrite(None, reason="no FROM instruction")
    notes: list[str] = []
    binaries = final.binaries_built_in(model, st)
    if any(i.unresolved for i in st.instructions):
        return Rewrite(None, reason="a make/script step of a RUN could not be followed: its outputs are not known")
    if not binaries:
        return Rewrite(None, reason="no `go build -o`/`go install` output found to copy")
    seen: set[str] = set()
    uniq = []
    for b in binaries:
        if b.path not in seen:
            seen.add(b.path)
            uniq.append(b)
    binaries = uniq
    for b in binaries:
        if not b.exact and not b.path.endswith("/*"):
            notes.append(f"assumed `{b.command.text.strip()}` writes {b.path} (no -o)")
    # runtime base from linkage
    links = [final.linkage(b.command, b.instruction) for b in binaries]
    dynamic = [lk.dynamic for lk in links]
    builder_libc = final.effective_libc(st)
    configured = (runtime_base or _settings(model).get("runtime-base") or "").strip()
    force_static = False
    if configured:
        from golayer.knowledge.bases import lookup

        cfg_base = lookup(configured)
        no_libc = configured == "scratch" or (cfg_base.known and cfg_base.libc == "none")
        if no_libc and any(d is not False for d in dynamic):
            explicit = [b for b in binaries if final.cgo_explicit(b.command, b.instruction)
                        and final.linkage(b.command, b.instruction).cgo]
            if explicit:
                return Rewrite(None, reason=f"the runtime-base setting asks for {configured} (no libc) but "
                                            f"`{explicit[0].command.text.strip()}` sets cgo on explicitly")
            force_static = True
            dynamic = [False for _ in dynamic]
            notes.append(f"set ENV CGO_ENABLED=0 in the builder so the binary runs on {configured} (no libc): cgo "
                         "was only on because a C compiler is present; check the program needs no cgo")
    elif any(d is True for d in dynamic) and not any(
            final.cgo_explicit(b.command, b.instruction) for b in binaries):
        # cgo is on only by default (a C compiler is present). When no Go file of the build context
        # imports "C" and go.mod requires no cgo-only module, the program builds the same without cgo
        # (net and os/user fall back to pure Go): build it static and ship it on the static base.
        src = final.go_source_facts(model)
        if src is not None and src.files and not src.imports_c and not src.cgo_modules:
            force_static = True
            dynamic = [False for _ in dynamic]
            notes.append("set ENV CGO_ENABLED=0 in the builder: cgo was on only because a C compiler is present "
                         f"and none of the context's {src.files} Go file(s) imports \"C\" nor does go.mod require a "
                         "cgo-only module; if a dependency needs cgo, drop that line and use "
                         f"{final.runtime_base_for(True)}")
    if any(d is True for d in dynamic) and builder_libc == "musl":
        return Rewrite(None, reason="cgo links against musl here (alpine + C compiler): no distroless base has musl; "
                                    "build with CGO_ENABLED=0 or pick an alpine runtime yourself")
    if configured:
        base = configured
        notes.append(f"runtime base {base}: from the runtime-base setting")
    elif any(d is True for d in dynamic):
        base = final.runtime_base_for(True)
        notes.append(f"runtime base {base}: cgo is on ({links[dynamic.index(True)].reason}), "
                     "so the binary may be linked against glibc")
    elif any(d is None for d in dynamic):
        base = final.runtime_base_for(True)
        notes.append(f"runtime base {base}: could not tell whether cgo is on; the glibc base runs static binaries too")
    else:
        base = final.runtime_base_for(False)
        why = "CGO_ENABLED=0 set above" if force_static else links[0].reason
        notes.append(f"runtime base {base}: the build is static ({why})")
    scratch = base == "scratch"

    name = st.name
    edits = []
    if not name:
        name = "build"
        line_end = fi.start + len(_raw(model, fi).rstrip())
        edits.append(Edit(str(model.path), line_end, line_end, " AS build"))
    if force_static:
        pre = "" if model.content[: fi.end].endswith("\n") else "\n"
        edits.append(Edit(str(model.path), fi.end, fi.end, pre + "ENV CGO_ENABLED=0\n"))
    workdir = st.workdir_end or "/"
    workdirs = {i.workdir for i in st.instructions} | {workdir}
    for i in st.instructions:
        if i.cmd == "WORKDIR" and i.args:
            workdirs.add(final._abs(i.args[0], i.workdir))

    lines: list[str] = ["", "# runtime stage added by golayer (toolchain-in-final-image)", f"FROM {base}"]
    body: list[str] = []
    # ARGs needed by carried lines are added at the end (see below)
    env_keys: list[str] = []
    for i in st.instructions:
        if i.cmd == "ENV":
            for k in _env_keys(i):
                if k not in env_keys:
                    env_keys.append(k)
    env_end = st.env_end or {}
    kept = []
    for k in env_keys:
        if _BUILD_ENV.match(k) and k not in _RUNTIME_GO_ENV:
            continue
        v = env_end.get(k)
        if v is None:
            continue
        if final.is_unknown(v):
            notes.append(f"left out ENV {k} (value not known statically)")
            continue
        kept.append(f"{k}={_q(v)}")
    if kept:
        body.append("ENV " + " ".join(kept))
    if workdir != "/" and any(i.cmd == "WORKDIR" for i in st.instructions):
        body.append(f"WORKDIR {workdir}")
    for b in binaries:
        if b.path.endswith("/*"):
            d = b.path[:-2]
            body.append(f"COPY --from={name} {d}/ {d}/")
        else:
            body.append(f"COPY --from={name} {b.path} {b.path}")
    files = _runtime_files(model, st, workdirs, notes) or []
    bins = {b.path for b in binaries}
    for p in dict.fromkeys(files):
        if p in bins or p == "/":
            continue
        body.append(f"COPY --from={name} {p} {p}")
    if scratch:
        builder = final.root_base(st)
        if builder.known and builder.has_ca:
            body.append(f"COPY --from={name} /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt")
            notes.append("scratch has no CA bundle: copied the builder's /etc/ssl/certs/ca-certificates.crt")
        src = goreach.binary_source_facts(model)
        if src is not None and src.load_location and not src.imports_tzdata:
            if builder.known and builder.family == "golang":
                body.append(f"COPY --from={name} /usr/local/go/lib/time/zoneinfo.zip /zoneinfo.zip")
                body.insert(0, "ENV ZONEINFO=/zoneinfo.zip")
                notes.append(f"{src.load_location[0]} calls time.LoadLocation and scratch has no zone database: "
                             "copied Go's zoneinfo.zip and set ZONEINFO")
            else:
                notes.append(f"{src.load_location[0]} calls time.LoadLocation and scratch has no zone database: "
                             "add tzdata yourself (-tags timetzdata)")
    for i in st.instructions:
        if i.cmd in ("EXPOSE", "LABEL", "VOLUME", "STOPSIGNAL"):
            body.append(_raw(model, i))
    user_ins = next((i for i in reversed(st.instructions) if i.cmd == "USER"), None)
    if user_ins is not None:
        u = " ".join(user_ins.args).strip()
        uname = u.split(":", 1)[0]
        if not uname.isdigit() and uname not in _KNOWN_USERS and "$" not in uname:
            body.append(f"COPY --from={name} /etc/passwd /etc/passwd")
            body.append(f"COPY --from={name} /etc/group /etc/group")
            notes.append(f"copied /etc/passwd and /etc/group from the builder so USER {u} resolves")
        body.append(_raw(model, user_ins))
    elif not scratch and base.endswith(":nonroot"):
        notes.append("the original ran as root; the runtime stage runs as nonroot (uid 65532): "
                     "make sure the program writes only where that user may")
    proc = final.effective_process(st)
    if proc.healthcheck is not None:
        argv = final.exec_argv(proc.healthcheck)
        prog = _resolve_program(argv[0], binaries, workdir) if argv else None
        if prog:
            raw = _raw(model, proc.healthcheck)
            cut = raw.upper().rfind("CMD")
            body.append(raw[:cut] + "CMD " + json.dumps([prog, *argv[1:]]))
        else:
            notes.append(f"left out HEALTHCHECK at line {proc.healthcheck.start_line}: it needs a shell or a tool "
                         "the runtime base does not have")
    if proc.entrypoint is None and proc.cmd is None:
        return Rewrite(None, notes, "the stage sets no CMD/ENTRYPOINT, so golayer cannot tell which program the "
                                    "image runs (a development or tools image needs its toolchain)")
    if proc.entrypoint is not None:
        line, why = _entry(model, proc.entrypoint, binaries, workdir, is_args=False)
        if line is None:
            return Rewrite(None, notes, why)
        body.append(line)
    if proc.cmd is not None:
        line, why = _entry(model, proc.cmd, binaries, workdir,
                           is_args=proc.entrypoint is not None and proc.entrypoint.json_form)
        if line is None:
            return Rewrite(None, notes, why)
        if proc.entrypoint is None or proc.entrypoint.json_form:
            body.append(line)
    # ARGs referenced by carried lines
    args_lines = []
    text = "\n".join(body)
    for i in st.instructions:
        if i.cmd == "ARG":
            for a in i.args:
                k = a.split("=", 1)[0]
                if re.search(r"\$\{?" + re.escape(k) + r"\b", text):
                    args_lines.append(_raw(model, i))
                    break
    out = "\n".join(lines + args_lines + body) + "\n"
    if not model.content.endswith("\n"):
        out = "\n" + out
    edits.append(Edit(str(model.path), len(model.content), len(model.content), out))
    desc = (f"split into builder stage {name} + runtime stage on {base}. Decisions: " + "; ".join(notes))
    return Rewrite(RULE.fixed(desc, edits, unsafe=True), notes)
