"""The language server never allocates what a peer's Content-Length claims: an oversized message stops it with
a one-line error (exit 2); closed stdin ends it quietly (exit 0)."""

import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _server(data: bytes) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run([sys.executable, "-m", "golayer", "server"], input=data, capture_output=True,
                          timeout=60, env=env)


def test_oversized_content_length_is_refused_without_allocating():
    r = _server(b"Content-Length: 99999999999\r\n\r\n{}")
    assert r.returncode == 2
    assert r.stderr.decode().strip() == ("golayer: error: an LSP message of 99999999999 bytes is over the "
                                         "64 MiB limit; the server stopped")
    assert b"MemoryError" not in r.stderr and r.stdout == b""


def test_closed_stdin_ends_quietly():
    r = _server(b"")
    assert r.returncode == 0 and r.stdout == b"" and r.stderr == b""
