#!/usr/bin/env python3
"""Start-up imports of a single-file ``golayer lint``, from ``python -X importtime`` (median of N runs).

    python bench/importtime.py [DOCKERFILE] [--runs N]

Prints the milliseconds spent importing ``site`` (the interpreter's own start, including any ``.pth``
hooks of the environment) and everything after it (golayer, click and what the lint path imports),
and the heaviest top-level imports. No image or runtime module may appear (a test checks the lazy
imports; this shows their cost)."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def once(path: str) -> tuple[int, int, list[tuple[int, str]]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.environ.get("GOLAYER_BENCH_PYCACHE", "/tmp/golayer-bench-pycache")
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "golayer", "lint", path],
                       capture_output=True, text=True, env=env)
    top = []
    for line in r.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, cum, name = line.split("|", 2)
        name = name[1:]
        if not name.startswith(" "):
            top.append((int(cum), name))
    site = sum(c for c, n in top if n == "site")
    return site, sum(c for c, n in top if n != "site"), sorted(top, reverse=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dockerfile", nargs="?")
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    path = a.dockerfile
    if path is None:
        fd, path = tempfile.mkstemp(suffix=".Dockerfile")
        os.write(fd, b"FROM golang:1.22 AS b\nRUN go build -o /app .\nFROM scratch\nCOPY --from=b /app /app\n")
        os.close(fd)
    once(path)  # writes the bytecode
    runs = [once(path) for _ in range(a.runs)]
    site = [r[0] / 1000 for r in runs]
    rest = [r[1] / 1000 for r in runs]
    print(f"load average {os.getloadavg()[0]:.1f}; {a.runs} runs")
    print(f"site (interpreter start, .pth hooks): median {statistics.median(site):.0f} ms "
          f"(min {min(site):.0f}, max {max(site):.0f})")
    print(f"imports after site (golayer lint path): median {statistics.median(rest):.0f} ms "
          f"(min {min(rest):.0f}, max {max(rest):.0f})")
    print("heaviest top-level imports (last run):", ", ".join(f"{n} {c / 1000:.0f} ms" for c, n in runs[-1][2][:6]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
