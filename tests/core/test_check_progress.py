"""`golayer check` on a big repository shows a progress line on stderr -- on a terminal only."""

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _repo(tmp_path: Path) -> Path:
    for i in range(6):
        d = tmp_path / f"svc{i}"
        d.mkdir()
        (d / "Dockerfile").write_text("FROM golang:1.22 AS b\nRUN go build -o /app .\nFROM scratch\n"
                                      "COPY --from=b /app /app\n")
    return tmp_path


def _env(delay: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), GOLAYER_PROGRESS_DELAY=delay)
    env.pop("GOLAYER_STRICT", None)
    return env


def test_progress_line_on_a_terminal_and_erased_before_the_summary(tmp_path):
    repo = _repo(tmp_path)
    master, slave = pty.openpty()
    # delay 0: the line shows from the start (a real run shows it after a second)
    p = subprocess.Popen([sys.executable, "-m", "golayer", "check", str(repo), "--format", "json"],
                         stdout=subprocess.PIPE, stderr=slave, env=_env("0"))
    os.close(slave)
    err = b""
    out = p.stdout.read()
    while True:
        r, _, _ = select.select([master], [], [], 5)
        if not r:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        err += chunk
    p.wait(timeout=120)
    os.close(master)
    assert p.returncode == 1
    text = err.decode()
    assert "golayer check: reading the project in" in text
    assert "/6 Dockerfiles (" in text  # per-file progress of the lint phase
    assert "\r\x1b[K" in text
    # the line is erased before the summary, which stays on its own line
    assert text.rstrip().endswith("golayer check: lint (6 Dockerfiles)")
    assert text.rindex("\r\x1b[K") < text.index("golayer check: lint (6 Dockerfiles)")
    assert b"\x1b" not in out  # the report itself is untouched


def test_no_progress_line_on_a_pipe(tmp_path):
    repo = _repo(tmp_path)
    r = subprocess.run([sys.executable, "-m", "golayer", "check", str(repo)], capture_output=True, text=True,
                       env=_env("0"), timeout=120)
    assert r.returncode == 1
    assert "\x1b" not in r.stderr and "\r" not in r.stderr
    assert r.stderr.strip().endswith("golayer check: lint (6 Dockerfiles)")
