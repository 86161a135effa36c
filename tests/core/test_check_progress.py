"""`golayer check` on a big repository shows a progress line on stderr -- on a terminal only."""

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
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


def _check_on_a_pty(repo: Path, *argv: str, columns: int = 0) -> tuple[int, bytes, str]:
    """`golayer check REPO --format json` (or `golayer ARGV...`) with stderr on a terminal (of ``columns``
    when given, else unsized): exit code, report, stderr's text. The terminal is drained while the report is
    written to the pipe, so neither side blocks."""
    master, slave = pty.openpty()
    if columns:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    args = list(argv) or ["check", str(repo), "--format", "json"]
    p = subprocess.Popen([sys.executable, "-m", "golayer", *args],
                         stdout=subprocess.PIPE, stderr=slave, env=_env("0"))
    os.close(slave)
    chunks = []

    def drain() -> None:
        while True:
            r, _, _ = select.select([master], [], [], 0.2)
            if not r:
                return
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed its end
                return
            if not chunk:
                return
            chunks.append(chunk)

    out = b""
    deadline = time.monotonic() + 300
    while p.poll() is None:
        if time.monotonic() > deadline:
            p.kill()
            raise AssertionError("golayer check did not finish in 300 s")
        drain()
        r, _, _ = select.select([p.stdout], [], [], 0.05)
        if r:
            out += os.read(p.stdout.fileno(), 1 << 20)
    out += p.stdout.read()
    drain()
    os.close(master)
    return p.returncode, out, b"".join(chunks).decode()


def test_progress_line_on_a_terminal_and_erased_before_the_summary(tmp_path):
    repo = _repo(tmp_path)
    # delay 0: the line shows from the start (a real run shows it after a second)
    returncode, out, text = _check_on_a_pty(repo)
    assert returncode == 1
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


def _monorepo(tmp_path: Path) -> Path:
    """50 Go services with a Dockerfile each and 6 manifests each (300), plus a compose file."""
    root = tmp_path / "mono"
    for i in range(50):
        d = root / "services" / f"svc{i:02d}"
        (d / "deploy").mkdir(parents=True)
        (d / "Dockerfile").write_text("FROM golang:1.22 AS b\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n"
                                      "FROM scratch\nCOPY --from=b /app /app\nENTRYPOINT [\"/app\"]\n")
        for j in range(6):
            name = f"svc{i:02d}-{j}"
            (d / "deploy" / f"{name}.yaml").write_text(
                f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n"
                f"    spec:\n      containers:\n      - name: app\n        image: example.com/{name}:1\n"
                "        resources:\n          limits:\n            memory: 512Mi\n        env:\n"
                "        - name: GOMEMLIMIT\n          value: 400Mi\n---\n"
                f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  ports:\n  - port: 80\n")
    (root / "compose.yaml").write_text("services:\n  api:\n    build: ./services/svc00\n    mem_limit: 256m\n")
    return root


def test_progress_covers_the_manifests_of_a_big_monorepo_on_a_terminal_only(tmp_path):
    repo = _monorepo(tmp_path)
    assert len(list(repo.rglob("Dockerfile"))) >= 50 and len(list(repo.rglob("*.yaml"))) >= 300
    returncode, out, text = _check_on_a_pty(repo)
    assert returncode == 1
    assert "/50 Dockerfiles (" in text  # lint phase
    assert "runtime: read " in text and "/301 deployments (" in text  # the manifests are reported as they are read
    summary = "golayer check: lint (50 Dockerfiles), runtime (301 deployments: 1 compose, 300 kubernetes)"
    assert text.rstrip().endswith(summary)
    assert text.rindex("\r\x1b[K") < text.index(summary)

    piped = subprocess.run([sys.executable, "-m", "golayer", "check", str(repo), "--format", "json"],
                           capture_output=True, env=_env("0"), timeout=300)
    assert piped.returncode == 1
    assert b"\x1b" not in piped.stderr and b"\r" not in piped.stderr
    assert piped.stderr.decode().strip() == summary
    assert piped.stdout == out  # the report does not depend on where stderr goes


def _image(tmp_path: Path) -> Path:
    from tests.image.helpers import Layer, docker_archive

    layer = Layer().file("app", 3000, mode=0o755).file("etc/passwd", b"nonroot:x:65532:65532::/home:/sbin/nologin\n")
    return docker_archive(tmp_path / "clean.tar", [layer], user="65532:65532", entrypoint=["/app"])


def test_image_progress_on_a_terminal_keeps_its_closing_line(tmp_path):
    """`golayer image` uses the same progress module in its own layout: elapsed time first, the states
    redrawn in place, the closing `done in` line left on the screen."""
    archive = _image(tmp_path)
    returncode, out, text = _check_on_a_pty(tmp_path, "image", str(archive), "--format", "json")
    assert returncode == 0 and b"\x1b" not in out
    states = [s for s in text.split("\r\x1b[K") if s]
    assert states[0].startswith("golayer: ") and states[0].endswith("s layer 1/1"), states
    assert "inspecting binaries" in states[-2] and states[-1].rstrip().endswith("s") and " done in " in states[-1]
    assert states[-1].endswith("\n")  # kept: the line ends, it is not erased
    piped = subprocess.run([sys.executable, "-m", "golayer", "image", str(archive), "--progress", "-f", "json"],
                           capture_output=True, text=True, env=_env("0"), timeout=120)
    lines = piped.stderr.splitlines()  # --progress on a pipe: one line per state, no control characters
    assert lines[0].startswith("golayer: ") and lines[0].endswith("s layer 1/1") and "done in" in lines[-1]
    assert "\x1b" not in piped.stderr and "\r" not in piped.stderr


def test_image_progress_fits_a_narrow_terminal(tmp_path):
    """A state wider than the terminal would wrap, and a wrapped line cannot be redrawn in place: the
    redrawn states are cut to the terminal's width; the closing line, which stays, is kept whole."""
    archive = _image(tmp_path)
    returncode, out, text = _check_on_a_pty(tmp_path, "image", str(archive), "--format", "json", columns=30)
    states = [s for s in text.split("\r\x1b[K") if s]
    assert returncode == 0 and len(states) >= 3
    assert all(len(s) <= 29 for s in states[:-1]), states
    assert any(len(s) == 29 for s in states[:-1])  # "inspecting binaries" and others were cut, not dropped
    assert " done in " in states[-1] and states[-1].endswith("\n")


def test_check_with_an_image_shows_the_analysis_on_its_own_line(tmp_path):
    """`golayer check --image` on a terminal: the image analysis's states are shown on check's line, not on a
    second progress line of its own that stays on the screen above the summary."""
    (tmp_path / "repo").mkdir()
    repo = _repo(tmp_path / "repo")
    archive = _image(tmp_path)
    returncode, out, text = _check_on_a_pty(repo, "check", str(repo), "--image", f"docker-archive:{archive}",
                                            "--format", "json", columns=400)
    assert returncode == 1 and b"\x1b" not in out
    assert f"golayer check: image docker-archive:{archive}: layer 1/1 (" in text
    assert "golayer:  " not in text and "done in" not in text  # image's own layout never shows here
    summary = f"golayer check: lint (6 Dockerfiles), image docker-archive:{archive}"
    assert text.rstrip().endswith(summary) and text.rindex("\r\x1b[K") < text.index(summary)
