"""Proof: golayer's own fixes (`golayer lint --fix --unsafe-fixes`: go.mod-first layout, cache
mounts, and the unsafe multi-stage rewrite of toolchain-in-final-image) applied to
examples/naive-service give an image within 1.2x of the binary-only floor, an edit-rebuild
>= 5x faster, and an image that still starts.

The project config sets `[lint] runtime-base = "gcr.io/distroless/static-debian12:nonroot"`: with
it the rewrite turns default-on cgo off and ships the static binary on the distroless-static base.
Without it the rewrite keeps cgo on and picks distroless/base (glibc): the image is then 2.35x
the floor on golayer's stand-in (measured; docs/measurements.md), which is not within 1.2x.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.docker

CONFIG = '[lint]\nruntime-base = "gcr.io/distroless/static-debian12:nonroot"\n'


@pytest.fixture(scope="module")
def naive_vs_fixed(lab, tmp_path_factory):
    from golayer.lab.compare import compare

    src = Path(__file__).resolve().parents[2] / "examples" / "naive-service"
    ctx = tmp_path_factory.mktemp("naive") / "naive-service"
    shutil.copytree(src, ctx)
    (ctx / ".golayer.toml").write_text(CONFIG)
    return compare([ctx / "Dockerfile"], fixed=True, smoke=True, scenarios=("edit",),
                   progress=lambda m: print(m, flush=True))


def test_fixed_image_still_starts(naive_vs_fixed):
    naive, fixed = naive_vs_fixed["variants"]
    assert "FROM golayer-lab/static:nonroot" in fixed["built_dockerfile"]  # the multi-stage rewrite happened
    assert naive["smoke"]["started"], naive["smoke"]
    assert fixed["smoke"]["started"], fixed["smoke"]
    assert "listening on :8080" in fixed["smoke"]["output"]


def test_fixed_image_within_1_2x_of_binary_floor(naive_vs_fixed):
    naive, fixed = naive_vs_fixed["variants"]
    floor = fixed["binary_bytes"]
    ratio = fixed["image_size_bytes"] / floor
    print(f"naive {naive['image_size_bytes'] / 1e6:.1f} MB, fixed {fixed['image_size_bytes'] / 1e6:.1f} MB, "
          f"binary floor {floor / 1e6:.1f} MB: {ratio:.2f}x")
    assert naive["image_size_bytes"] > 20 * floor
    assert ratio <= 1.2


def test_fixed_edit_rebuild_5x_faster(naive_vs_fixed):
    naive, fixed = naive_vs_fixed["variants"]
    slow, fast = naive["rebuild_s"]["edit"], fixed["rebuild_s"]["edit"]
    print(f"edit-rebuild: naive {slow:.1f} s, fixed {fast:.1f} s")
    assert slow >= 5 * fast
