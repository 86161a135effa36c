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


def test_malformed_message_is_one_line_on_stderr_and_the_server_goes_on():
    bad = b"{bad json"
    good = b'{"jsonrpc": "2.0", "id": 1, "method": "shutdown"}'
    data = b"Content-Length: %d\r\n\r\n%s" % (len(bad), bad) + b"Content-Length: %d\r\n\r\n%s" % (len(good), good)
    r = _server(data)
    err = r.stderr.decode()
    assert r.returncode == 0
    assert "Traceback" not in err
    assert err.strip() == ("golayer server: Unable to handle message: JSONDecodeError: Expecting property name "
                           "enclosed in double quotes: line 1 column 2 (char 1)")
    assert b'"id": 1' in r.stdout  # the shutdown request after the bad message was answered
