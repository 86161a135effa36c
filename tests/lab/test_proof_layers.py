"""Proof: a single-stage Go image carries the Go toolchain, gcc and the build cache (GOCACHE),
and golayer's image analysis attributes those bytes (within 1% of what the files inside the
container add up to); the multi-stage final image built from the same stage carries none of it."""

from __future__ import annotations

import pytest

from tests.lab.helpers import files_size

pytestmark = pytest.mark.docker


def _stage(naive_dockerfile: str) -> str:
    lines = [ln for ln in naive_dockerfile.splitlines() if not ln.startswith(("EXPOSE", "CMD"))]
    return "\n".join(lines).replace("FROM golang:1.22", "FROM golang:1.22 AS build", 1) + "\n"


@pytest.fixture(scope="module")
def single_and_multi(lab, tmp_path_factory):
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "examples" / "naive-service"
    naive = (src / "Dockerfile").read_text()
    # the Dockerfile stays outside the context, so both builds share the build stage's cache
    ctx = lab.context({"go.mod": (src / "go.mod").read_text(), "main.go": (src / "main.go").read_text()})
    lab.build(naive, ctx, "single-stage")
    multi = _stage(naive) + ("\nFROM gcr.io/distroless/static-debian12\n"
                             "COPY --from=build /usr/local/bin/naive-service /naive-service\n"
                             'ENTRYPOINT ["/naive-service"]\n')
    # CGO off in the final binary is not what this proves; the runtime base only needs to hold the binary
    res = lab.build(multi, ctx, "multi-stage")
    assert all(s.cached for s in res.steps if "go build" in s.name), "the build stage must come from the cache"
    return lab.tag("single-stage"), lab.tag("multi-stage")


def test_single_stage_carries_toolchain_gcc_and_gocache(lab, single_and_multi):
    single, _ = single_and_multi
    goroot = files_size(lab, single, "/usr/local/go")
    gocache = files_size(lab, single, "/root/.cache/go-build")
    gcc = files_size(lab, single, "/usr/lib/gcc")
    size = lab.inspect(single)["Size"]
    print(f"single-stage {size / 1e6:.1f} MB: toolchain {goroot / 1e6:.1f} MB, GOCACHE {gocache / 1e6:.1f} MB, "
          f"/usr/lib/gcc {gcc / 1e6:.1f} MB")
    assert goroot > 150e6 and gocache > 30e6 and gcc > 30e6
    assert size > 500e6


def test_image_analysis_attributes_within_one_percent(lab, single_and_multi):
    analyse = pytest.importorskip("golayer.image.analyse", reason="image analysis (branch image-core) not on main")
    single, _ = single_and_multi
    an = analyse.analyse(f"docker:{single}")
    cats = {k: v["visible_bytes"] for k, v in an.categories.items()}
    for cat, path in (("go-toolchain", "/usr/local/go"), ("go-build-cache", "/root/.cache/go-build")):
        du = files_size(lab, single, path)
        assert abs(cats[cat] - du) <= 0.01 * du, (cat, cats[cat], du)
    # gcc/libc6-dev's files are spread over /usr/lib, /usr/bin, /usr/include...: the category must hold
    # at least the compiler's private tree
    assert cats["c-toolchain"] >= files_size(lab, single, "/usr/lib/gcc")
    from golayer.catalogue import get

    for rule in ("image-go-toolchain", "image-go-build-cache"):
        assert list(get(rule).check(an)), f"{rule} must flag the single-stage image"


def test_multi_stage_final_image_has_none_of_it(lab, single_and_multi):
    from golayer.lab.compare import analyse_image

    _, multi = single_and_multi
    size = lab.inspect(multi)["Size"]
    facts = analyse_image(multi, progress=print)
    binary = facts["binary_bytes"]
    print(f"multi-stage {size / 1e6:.1f} MB, Go binary {binary / 1e6:.1f} MB")
    assert binary > 5e6
    assert size < binary + 3e6  # the binary plus the distroless-like base (CA bundle, zoneinfo, passwd)
    if facts.get("categories"):
        cats = facts["categories"]
        for cat in ("go-toolchain", "go-build-cache", "c-toolchain", "go-module-cache"):
            assert cats[cat]["visible_bytes"] == 0, cat
