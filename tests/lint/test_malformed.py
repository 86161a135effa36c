"""Hostile and malformed Dockerfiles: a clean finding or input error, never a traceback, crash or hang.

The files live in tests/lint/data/malformed/ (written for golayer, see the file names)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "malformed"
FILES = sorted(p for p in DATA.iterdir() if p.is_file())
ROOT = Path(__file__).resolve().parents[2]

# what the user must be told (a parse-error finding on that line with that text)
EXPECTED_PARSE_ERRORS = {
    "unterminated-heredoc.Dockerfile": (2, "unterminated heredoc"),
    "bad-json-form.Dockerfile": (3, "JSON array"),
    "binary-garbage.Dockerfile": (1, "NUL bytes"),
    "huge-line.Dockerfile": (2, "max allowed size"),
    "unknown-instruction.Dockerfile": (2, "unknown instruction: FROBNICATE"),
    "empty.Dockerfile": (1, "no instructions"),
    "only-comments.Dockerfile": (1, "no instructions"),
    "no-from.Dockerfile": (1, "before the first FROM"),
}


def test_the_hostile_set_is_there():
    names = {p.name for p in FILES}
    assert set(EXPECTED_PARSE_ERRORS) <= names and len(FILES) >= 12
    assert (DATA / "huge-line.Dockerfile").stat().st_size > 1 << 20


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_file_gives_findings_not_a_traceback(cli, path):
    r = cli(["lint", "--format", "json", str(path)])
    assert r.code in (0, 1), r.err
    assert "Traceback" not in r.out + r.err and "internal error" not in r.err
    doc = json.loads(r.out)
    rules = [f["rule"] for f in doc["findings"]]
    assert "golayer-rule-error" not in rules, doc["findings"]
    if path.name in EXPECTED_PARSE_ERRORS:
        line, text = EXPECTED_PARSE_ERRORS[path.name]
        errs = [f for f in doc["findings"] if f["rule"] == "golayer-parse-error"]
        assert any(f["line"] == line and text in f["message"] for f in errs), errs


def test_whole_set_in_one_real_process_survives():
    """A separate interpreter: a crash inside the native parser (SIGSEGV) would kill it, not pytest."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("GOLAYER_STRICT", None)
    r = subprocess.run([sys.executable, "-m", "golayer", "lint", "--format", "json", *map(str, FILES)],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode in (0, 1), (r.returncode, r.stderr[-2000:])
    doc = json.loads(r.stdout)
    assert len({f["file"] for f in doc["findings"]}) >= len(EXPECTED_PARSE_ERRORS)


def test_devices_fifos_and_directories_are_input_errors(cli, tmp_path):
    fifo = tmp_path / "Dockerfile.fifo"
    os.mkfifo(fifo)
    for target in ("/dev/zero", str(fifo)):
        r = cli(["lint", target])
        assert r.code == 2 and "not a regular file" in r.err and "Traceback" not in r.err
    big = tmp_path / "big.Dockerfile"
    with big.open("wb") as fh:
        fh.truncate(17 << 20)
    r = cli(["lint", str(big)])
    assert r.code == 2 and "larger than 16 MiB" in r.err


def test_worker_processes_give_the_same_report_as_one_process():
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("GOLAYER_STRICT", None)
    files = [*map(str, FILES), str(ROOT / "examples" / "naive-service" / "Dockerfile")]
    out = {}
    for jobs in ("1", "2"):
        r = subprocess.run([sys.executable, "-m", "golayer", "lint", "--format", "json", *files],
                           capture_output=True, text=True, timeout=120, env=dict(env, GOLAYER_JOBS=jobs))
        assert r.returncode in (0, 1), r.stderr[-2000:]
        doc = json.loads(r.stdout)
        out[jobs] = (doc["findings"], doc["dockerfiles"], r.returncode)
    assert out["1"] == out["2"]
