"""Proofs about the build cache, with real builds:

* a GOCACHE cache mount cuts the edit-rebuild of the ``go build`` step by >= 5x;
* the go.mod-first layout keeps the module download step cached across source edits
  (and editing go.mod re-runs it);
* a changed ENV value or build-arg value re-runs every later RUN, in both builders;
* a bare touch (mtime only) invalidates ``COPY`` in neither builder; a content edit does.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest

pytestmark = pytest.mark.docker

PLAIN = """FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
"""

CACHED = """FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\
    CGO_ENABLED=0 go build -o /out/app .

FROM scratch
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
"""


@pytest.fixture(scope="module")
def cache_compare(lab, goproxy_server, tmp_path_factory):
    """`golayer lab compare plain cached` (edit and go.mod scenarios) against the generated proxy."""
    from golayer.lab.compare import compare

    info, srv = goproxy_server
    root = tmp_path_factory.mktemp("cache-compare")
    ctx = root / "ctx"
    info.write_main_module(ctx)
    (root / "plain.Dockerfile").write_text(PLAIN)
    (root / "cached.Dockerfile").write_text(CACHED)
    return compare([root / "plain.Dockerfile", root / "cached.Dockerfile"], context=ctx, goproxy=srv.url,
                   scenarios=("nochange", "edit", "gomod"), progress=lambda m: print(m, flush=True))


def _step(variant: dict, scenario: str, needle: str) -> dict:
    steps = [s for s in variant["steps"][scenario] if needle in s["step"]]
    assert steps, (scenario, needle, variant["steps"][scenario])
    return steps[-1]


def test_cache_mount_cuts_edit_rebuild_of_go_build_5x(cache_compare):
    plain, cached = cache_compare["variants"]
    slow = _step(plain, "edit", "go build")
    fast = _step(cached, "edit", "go build")
    assert not slow["cached"] and not fast["cached"]
    print(f"go build step after an edit: {slow['seconds']} s without, {fast['seconds']} s with cache mounts")
    assert slow["seconds"] >= 5 * max(fast["seconds"], 0.1)


def test_go_mod_first_keeps_download_cached_across_source_edits(cache_compare):
    for v in cache_compare["variants"]:
        rerun = v["steps_rerun"]["edit"]
        assert any("go build" in s for s in rerun), rerun
        assert not any("go mod download" in s for s in rerun), rerun
        assert any("go mod download" in s for s in v["steps_rerun"]["gomod"])
        assert v["steps_rerun"]["nochange"] == []


def test_compare_report_shape(cache_compare):
    v = cache_compare["variants"][0]
    for key in ("name", "dockerfile", "image_size_bytes", "binary_bytes", "cold_s", "rebuild_s", "steps_rerun"):
        assert key in v
    assert set(v["rebuild_s"]) == {"nochange", "touch", "edit", "gomod"}
    assert v["rebuild_s"]["touch"] is None  # not run in this comparison
    assert v["binary_bytes"] > 1_000_000 and v["image_size_bytes"] < 2 * v["binary_bytes"]
    assert any("noisy" in n for n in cache_compare["notes"])


ENV_DF = """FROM debian:bookworm
ARG MODE=a
ENV MODE_ENV=$MODE
ARG UNUSED=x
COPY . /ctx
RUN echo first > /first
RUN echo second > /second
"""


@pytest.mark.parametrize("builder", ["buildkit", "legacy"])
def test_changed_env_or_build_arg_reruns_later_runs(lab, builder):
    ctx = lab.context({"file.txt": "hello\n"})
    name = f"envarg-{builder}"
    u = uuid.uuid4().hex[:8]  # values unique to this run: earlier runs' cache must not answer
    runs = ["RUN echo first > /first", "RUN echo second > /second"]
    lab.build(ENV_DF, ctx, name, builder=builder, build_args={"MODE": f"a{u}", "UNUSED": f"x{u}"})
    again = lab.build(ENV_DF, ctx, name, builder=builder, build_args={"MODE": f"a{u}", "UNUSED": f"x{u}"})
    assert not [s for s in again.rerun() if s.startswith("RUN")], again.rerun()
    env_changed = lab.build(ENV_DF, ctx, name, builder=builder, build_args={"MODE": f"b{u}", "UNUSED": f"x{u}"})
    assert [s for s in env_changed.rerun() if s.startswith("RUN")] == runs
    arg_changed = lab.build(ENV_DF, ctx, name, builder=builder, build_args={"MODE": f"b{u}", "UNUSED": f"y{u}"})
    assert [s for s in arg_changed.rerun() if s.startswith("RUN")] == runs


@pytest.mark.parametrize("builder", ["buildkit", "legacy"])
def test_touch_does_not_invalidate_copy(lab, builder):
    """Measured on Docker 20.10.24: a bare touch (mtime only) keeps ``COPY . /ctx`` cached in BOTH
    builders (the legacy builder's context checksum leaves mtime out, like BuildKit's); a content
    edit invalidates it. (FACTS.md said the legacy builder re-runs COPY on touch: not reproduced.)"""
    ctx = lab.context({"main.go": f"package main\n// {uuid.uuid4().hex}\n"})  # unique: no earlier cache
    name = f"touch-{builder}"
    lab.build(ENV_DF, ctx, name, builder=builder)
    later = time.time() + 5
    os.utime(ctx / "main.go", (later, later))
    res = lab.build(ENV_DF, ctx, name, builder=builder)
    assert "COPY . /ctx" not in res.rerun(), res.rerun()
    with (ctx / "main.go").open("a") as fh:
        fh.write("// edit\n")
    res = lab.build(ENV_DF, ctx, name, builder=builder)
    assert "COPY . /ctx" in res.rerun(), res.rerun()
