"""A FIFO (or device) given as an image archive or planted in an OCI layout is refused at once; golayer
never waits on it for a writer."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _golayer(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "golayer", "image", *args], capture_output=True, text=True,
                          timeout=30, env={**os.environ, "PYTHONPATH": SRC})


@pytest.mark.parametrize("prefix", ["docker-archive:", "oci-archive:", ""])
def test_fifo_as_archive_is_an_input_error(tmp_path, prefix):
    fifo = tmp_path / "image.tar"
    os.mkfifo(fifo)
    r = _golayer(prefix + str(fifo))
    assert r.returncode == 2, r.stderr
    assert "is not a regular file" in r.stderr


def test_fifo_inside_an_oci_layout_is_an_input_error(tmp_path):
    (tmp_path / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    digest = "a" * 64
    (tmp_path / "index.json").write_text(
        '{"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", '
        f'"digest": "sha256:{digest}", "size": 100}}]}}')
    (tmp_path / "blobs" / "sha256").mkdir(parents=True)
    os.mkfifo(tmp_path / "blobs" / "sha256" / digest)
    r = _golayer("oci:" + str(tmp_path))
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("golayer: error: ") and "not a regular file" in r.stderr


def test_device_as_archive_names_the_real_problem():
    r = _golayer("/dev/null")
    assert r.returncode == 2
    assert "/dev/null is not a regular file" in r.stderr
