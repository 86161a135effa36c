"""Fixtures of the lab proof tests: the offline base images (built ONCE per run, reused when
present), a generated Go module proxy, and a builder that tags everything ``golayer-test-lab-*``
and removes it at the end of the session."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.lab.helpers import LabBuilder


@pytest.fixture(scope="session")
def lab_bases(docker):
    """{key: tag} of the stand-ins (golayer lab bases); built here when missing."""
    from golayer.lab import bases

    t0 = time.monotonic()
    res = bases.ensure_bases(progress=lambda m: print(f"[lab bases] {m}", flush=True))
    print(f"[lab bases] ready in {time.monotonic() - t0:.0f} s")
    return {k: v["tag"] for k, v in res.items()}


@pytest.fixture(scope="session")
def lab(docker, lab_bases, tmp_path_factory):
    """A LabBuilder: build/run helpers whose images are removed after the session."""
    b = LabBuilder(tmp_path_factory.mktemp("lab-builds"), lab_bases)
    yield b
    b.cleanup()


@pytest.fixture(scope="session")
def goproxy_server(tmp_path_factory):
    """A generated module proxy (4 modules, ~20 MB of Go source) served on 127.0.0.1."""
    from golayer.lab import goproxy

    root = tmp_path_factory.mktemp("goproxy")
    info = goproxy.generate(root / "proxy", modules=4, target_bytes=20_000_000)
    with goproxy.Server(info.root) as srv:
        yield info, srv


@pytest.fixture
def naive_ctx(tmp_path):
    """A copy of examples/naive-service (the user's files are never built in place)."""
    src = Path(__file__).resolve().parents[2] / "examples" / "naive-service"
    dst = tmp_path / "naive-service"
    shutil.copytree(src, dst)
    return dst
