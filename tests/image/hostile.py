"""Run golayer in a child process under a memory and a time limit (hostile-input tests).

``run_limited(argv)`` -> Result(code, out, err, seconds). The child gets ``RLIMIT_AS`` (address
space) and optionally ``RLIMIT_NOFILE``; a run over the time limit is killed and fails the test.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEM = 1536 << 20  # the interpreter and golayer's imports need ~100 MB; hostile inputs must stay far below


@dataclass
class Limited:
    code: int
    out: str
    err: str
    seconds: float


def run_limited(argv: list[str], *, mem: int = MEM, timeout: float = 60, nofile: int | None = None,
                env: dict[str, str] | None = None, cwd: str | None = None, stdin: str | None = None) -> Limited:
    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + e.get("PYTHONPATH", "")
    e.update(env or {})
    t0 = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, "-m", "golayer", *argv], capture_output=True, text=True,
                           timeout=timeout, preexec_fn=limits, env=e, cwd=cwd, input=stdin)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"golayer {' '.join(argv)[:200]} ran longer than {timeout} s") from None
    return Limited(p.returncode, p.stdout, p.stderr, time.perf_counter() - t0)


def clear_error(r: Limited, *needles: str) -> None:
    """Exit 2 with one ``golayer: error: ...`` line (plus an optional hint line), no traceback."""
    assert r.code == 2, (r.code, r.err[-2000:])
    lines = [x for x in r.err.splitlines() if x.strip()]
    assert lines and lines[0].startswith("golayer: error: "), r.err[-2000:]
    assert "Traceback" not in r.err and len(lines) <= 3, r.err[-2000:]
    for n in needles:
        assert n in r.err, (n, r.err)
