"""## What it finds

`go build`, `go install`, `go test`, `go generate` (and `go run`/`go vet`, which compile too) in a stage
that ends up in the image — the target stage or a stage it is built `FROM` — without a cache mount on
the GOCACHE in effect for that command, and without removing the cache in the same `RUN`
(`go clean -cache`, `rm -rf` of the cache directory).

The GOCACHE is the *effective* one: `$GOCACHE`, else `$XDG_CACHE_HOME/go-build`, else
`$HOME/.cache/go-build`, following `ENV`, `USER`/`HOME` changes and inline `GOCACHE=…`. Builder stages that
are not part of the image are not reported (their cache never reaches it).

## Why it is bad

The build cache is written into the layer of that `RUN`. In golayer's reference build (a small net/http service, see
docs/measurements.md; your numbers depend on your program) the
`go build` layer was 97.6 MB, of which **88.0 MB was GOCACHE** (`/root/.cache/go-build`) and 9.5 MB the
binary. In a multi-stage build the builder's cache never reaches the final image unless the Dockerfile
copies it or builds `FROM` the builder — which is why only stages in the image are reported here.

A cache mount keeps the cache out of the layer *and* makes rebuilds fast: an edit-one-file rebuild took
12.6–17.2 s without a GOCACHE cache mount and 0.5 s with a warm one.

## Example

```dockerfile
# bad: single stage, the compile cache ships in the image
FROM golang:1.22
WORKDIR /src
COPY . .
RUN go build -o /app .
```

```dockerfile
# good
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .

FROM gcr.io/distroless/static-debian12
COPY --from=build /app /app
```

## Fix

Unsafe fix: add `--mount=type=cache,target=<effective GOCACHE>` to the `RUN`. It needs BuildKit (the
legacy builder rejects `--mount`) and it removes the cache from the image, which is the point but is a
change of the image's content. The better fix is a multi-stage build (see `toolchain-in-final-image`).

## References

- golayer FACTS: "Where the bytes of a single-stage Go image go", "Build cache semantics"
- `go help cache`; https://docs.docker.com/build/cache/optimize/#use-cache-mounts
- Proof: `tests/lab/test_proof_layers.py::test_single_stage_carries_toolchain_gcc_and_gocache`
- Proof: `tests/lab/test_proof_layers.py::test_image_analysis_attributes_within_one_percent`
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile.model import Command, DockerfileModel, Instruction
from golayer.findings import Applicability, Finding, Severity
from golayer.dockerfile import gofacts
from golayer.rules.dockerfile import _util

RULE = Rule(
    code="GLD003",
    name="build-cache-in-layer",
    severity=Severity.WARNING,
    summary="go build/install/test/generate in a stage of the image writes GOCACHE into the layer",
    fix=Applicability.UNSAFE,
)


def _cleaned_later(ins: Instruction, idx: int, gocache: str) -> bool:
    for c in ins.commands[idx + 1 :]:
        if c.go is not None and c.go.sub == "clean" and "-cache" in c.go.flags:
            return True
        if c.name == "rm":
            for a in c.argv[1:]:
                if a.startswith("-"):
                    continue
                p = gofacts.resolve_home_refs(a, {**c.env, "GOCACHE": gocache})
                if gofacts.path_within(gocache, p):
                    return True
    return False


def check(model: DockerfileModel) -> Iterator[Finding]:
    for stage in model.final_stages:
        for ins in stage.instructions:
            if ins.cmd != "RUN":
                continue
            hit: tuple[Command, str] | None = None
            for i, c in enumerate(ins.commands):
                if c.go is None or c.go.sub not in ("build", "install", "test", "generate", "run", "vet"):
                    continue
                gc = gofacts.command_gocache(ins, c)
                if gc is None or gofacts.covered(ins, gc, ("cache", "tmpfs", "bind")):
                    continue
                if _cleaned_later(ins, i, gc):
                    continue
                hit = (c, gc)
                break
            if hit is None:
                continue
            c, gc = hit
            where = "the target stage" if stage.is_target else "a stage the target is built FROM"
            edit = _util.run_flag_insert(model, ins, _util.cache_mount_flag(gc) + " ")
            fix = RULE.fixed(f"add `{_util.cache_mount_flag(gc)}` to the RUN", [edit], unsafe=True) if edit else None
            yield RULE.finding(
                f"`go {c.go.sub}` in stage {stage.label} ({where}) writes the build cache {gc} into the layer, "
                "which then ships in the image",
                line=c.line, end_line=ins.end_line, stage=stage.label,
                hint=f"build in a separate stage, or add `{_util.cache_mount_flag(gc)}` to the RUN",
                fix=fix, subject=f"{ins.start_line}:{gc}",
            )
