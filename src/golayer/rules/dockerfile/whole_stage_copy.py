"""Flags copies that drag a builder's file system or Go caches into the image.

## What it finds
In a stage that ends up in the image (the target and the stages it derives from):
- `COPY --from=<stage> / <dest>`: the whole file system of a builder stage — one that runs go
  commands or is based on a Go toolchain image. Copying `/` of a stage that built nothing (a
  `FROM scratch` "export" stage holding only artefacts, or the `FROM scratch` +
  `COPY --from=rootfs / /` squash idiom) is not flagged;
- `COPY --from=<stage> <path>` where `<path>` is, or contains, a Go cache that stage filled:
  its effective `GOMODCACHE` (`/go/pkg/mod`), `GOCACHE` (`/root/.cache/go-build`), or a
  directory above them — `GOPATH` (`/go`), `HOME` (`/root`), `/root/.cache`;
- `FROM <stage>` where that stage compiled or downloaded modules: everything it left in its
  layers, caches included, is the new stage's starting point.

A cache counts as filled when a `go build/install/test/run/vet/generate` (GOCACHE) or a
module download (GOMODCACHE) ran in that stage without a `--mount=type=cache` on that path.
Copying single files out of these trees (`COPY --from=build /go/bin/app /app`) is fine.

## Why it is bad
Multi-stage builds keep the toolchain and caches out of the image only as long as nothing
copies them: measured, the builder's GOCACHE alone was **88.0 MB** of a 97.6 MB `go build`
layer, and the whole single-stage image 650.6 MB against 9.4 MB for the binary on `scratch`.
FACTS: *In a multi-stage build, the builder's GOCACHE/GOMODCACHE never reach the final image
unless the Dockerfile copies them (`COPY --from=build / /`, copying `/root` or `/go`, or
`FROM build AS final`)* — this rule finds exactly those.

## Example
Bad:
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /go/bin/app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /go /go
ENTRYPOINT ["/go/bin/app"]
```
Good:
```dockerfile
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /go/bin/app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
```

## Fix
No automatic fix: golayer cannot know which files of the copied tree the program needs. Copy
the binary (and the runtime files it reads) by path; for `FROM build AS final`, start the final
stage from a runtime base and `COPY --from=build` what it needs.

## References
- Multi-stage builds: https://docs.docker.com/build/building/multi-stage/
- `go help cache`, `go help gopath`: https://pkg.go.dev/cmd/go
"""

from __future__ import annotations

import posixpath

from golayer.catalogue import Rule
from golayer.dockerfile import final
from golayer.findings import Severity

RULE = Rule(
    code="GLD016",
    name="whole-stage-copy",
    severity=Severity.WARNING,
    summary="COPY --from=<stage> / or of GOPATH/GOMODCACHE/GOCACHE/HOME, or FROM a stage that compiled",
)


def _mounted(ins, path: str) -> bool:
    for m in ins.mounts:
        if m.type == "cache" and m.target:
            t = posixpath.normpath(m.target)
            if path == t or path.startswith(t.rstrip("/") + "/"):
                return True
    return False


def filled_caches(stage) -> dict[str, str]:
    """{path: "GOCACHE"|"GOMODCACHE"} the stage chain filled in its layers (the parent's, then the stage's
    own: each stage's instructions are read once, however long the FROM chain)."""
    def step(prev: dict[str, str], s) -> dict[str, str]:
        out = dict(prev)
        for ins in s.instructions:
            _fill(ins, out)
        return out

    return final.memo_along_chain(stage, "_filled_caches", step, {})


def _fill(ins, out: dict[str, str]) -> None:
    if ins.cmd != "RUN":
        return
    for cmd in ins.go_commands():
        go = cmd.go
        if go.compiles:
            p = cmd.env.get("GOCACHE") or ins.go.GOCACHE
            if p and p.startswith("/") and "$" not in p and p != "off":
                p = posixpath.normpath(p)
                if not _mounted(ins, p):
                    out.setdefault(p, "GOCACHE")
        if go.downloads:
            p = cmd.env.get("GOMODCACHE") or ins.go.GOMODCACHE
            if p and p.startswith("/") and "$" not in p:
                p = posixpath.normpath(p)
                if not _mounted(ins, p):
                    out.setdefault(p, "GOMODCACHE")


def _ran_go(stage) -> bool:
    # a make/script step golayer could not follow may run go too
    return any(ins.cmd == "RUN" and (ins.unresolved or any(True for _ in ins.go_commands()))
               for ins in final.chain_instructions(stage))


def _contains(src: str, path: str) -> bool:
    src = src if src.startswith("/") else "/" + src  # COPY --from paths start at the stage root
    s = posixpath.normpath(src) if src not in ("", "/") else "/"
    return s == "/" or path == s or path.startswith(s.rstrip("/") + "/")


def check(model):
    for stage in model.stages:
        if not stage.in_final_image:
            continue
        if stage.base_stage is not None and stage.from_instruction is not None:
            caches = filled_caches(stage.base_stage)
            if caches:
                what = ", ".join(f"{k} {p}" for p, k in sorted(caches.items(), key=lambda x: x[1]))
                fi = stage.from_instruction
                yield RULE.finding(
                    f"stage {stage.label} is FROM {stage.base_stage.label}, which compiled: its {what} "
                    f"end up in the image",
                    file=str(model.path), line=fi.start_line, end_line=fi.end_line, stage=stage.label,
                    hint=f"start '{stage.label}' from a runtime base and COPY --from={stage.base_stage.label} only the binary",
                    subject=f"FROM {stage.base_stage.label}",
                )
        for ins in stage.instructions:
            src_stage = final.source_stage(model, ins)
            if src_stage is None:
                continue
            caches = filled_caches(src_stage)
            for src in ins.copy_sources:
                absrc = src if src.startswith("/") else "/" + src
                norm = posixpath.normpath(absrc) if absrc != "/" else "/"
                if norm in ("/", "/.") or src.strip() in ("/*", "/."):
                    if not caches and not _ran_go(src_stage) and not final.is_toolchain_base(src_stage):
                        continue  # squashing or exporting a stage that built nothing: no builder leftovers
                    msg = f"COPY --from={ins.copy_from} / copies the whole file system of stage {src_stage.label}"
                    if caches:
                        msg += " (" + ", ".join(sorted(set(caches.values()))) + " included)"
                elif any(_contains(norm, p) for p in caches):
                    hit = sorted((p, k) for p, k in caches.items() if _contains(norm, p))
                    msg = (f"COPY --from={ins.copy_from} {src} copies stage {src_stage.label}'s "
                           + ", ".join(f"{k} ({p})" for p, k in hit))
                else:
                    continue
                yield RULE.finding(
                    msg + f" into stage {stage.label}",
                    file=str(model.path), line=ins.start_line, end_line=ins.end_line, stage=stage.label,
                    hint="copy only the binary and the files it reads at run time",
                    subject=f"COPY --from={ins.copy_from} {src}",
                )
                break
