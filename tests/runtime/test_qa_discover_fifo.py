"""`golayer check DIR` skips a FIFO named like a compose file instead of waiting on it forever."""

import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[2] / "src")


def test_check_skips_a_fifo_compose_file(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM golang:1.22\nCMD [\"/app\"]\n")
    os.mkfifo(tmp_path / "compose.yaml")
    r = subprocess.run([sys.executable, "-m", "golayer", "check", str(tmp_path)], capture_output=True, text=True,
                       timeout=30, env={**os.environ, "PYTHONPATH": SRC})
    assert r.returncode == 1, r.stderr
    assert "golayer check: lint (1 Dockerfile)" in r.stderr
