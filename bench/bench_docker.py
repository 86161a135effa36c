#!/usr/bin/env python3
"""``golayer image docker:NAME`` vs ``docker save NAME > /dev/null`` vs ``dive --ci --source docker NAME``.

    python bench/bench_docker.py NAME [--runs N]

Runs the three interleaved (run i of each back to back, so they see the same load), and reports the
median wall time with min-max, the ratios of each pair of runs, and how many times golayer asked the
daemon to export the image (it must be once: a file the checks read that the single streamed pass
did not keep costs a whole export more). The image must be in the local daemon (e.g. build one from
a small Dockerfile on a golayer-lab base, or `docker load -i` a generated archive).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COUNTING = """
import sys, runpy
from golayer.image import sources
n = [0]
orig = sources._daemon_reader
def counted(name):
    n[0] += 1
    return orig(name)
sources._daemon_reader = counted
try:
    sys.argv = ["golayer", "image", "docker:" + sys.argv[1], "-f", "json", "-o", "/dev/null", "--no-progress"]
    runpy.run_module("golayer", run_name="__main__")
except SystemExit:
    pass
finally:
    sys.stderr.write(f"exports={n[0]}\\n")
"""


def timed(cmd: list[str], env: dict | None = None, stdout=subprocess.DEVNULL) -> tuple[float, str]:
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE, text=True, env=env)
    return time.perf_counter() - t, p.stderr


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    docker, dive = shutil.which("docker"), shutil.which("dive")
    if not docker:
        print("docker not found", file=sys.stderr)
        return 2
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    denv = dict(os.environ, CI="true")
    rows: dict[str, list[float]] = {"docker save > /dev/null": [], "golayer image docker:": []}
    if dive:
        rows["dive --source docker"] = []
    exports = []
    load = [os.getloadavg()[0]]
    for _ in range(a.runs):
        rows["docker save > /dev/null"].append(timed([docker, "save", a.name])[0])
        w, err = timed([sys.executable, "-c", COUNTING, a.name], env)
        rows["golayer image docker:"].append(w)
        exports.append(next((int(x.split("=")[1]) for x in err.splitlines() if x.startswith("exports=")), -1))
        if dive:
            rows["dive --source docker"].append(timed([dive, "--ci", "--source", "docker", a.name], denv)[0])
    load.append(os.getloadavg()[0])
    print(f"image {a.name}; {a.runs} interleaved runs; {os.cpu_count()} CPUs; load average {load[0]:.1f} at start, "
          f"{load[1]:.1f} at end")
    for k, v in rows.items():
        print(f"{k:28} median {statistics.median(v):7.2f} s  (min {min(v):.2f}, max {max(v):.2f})")
    g = rows["golayer image docker:"]
    for k in rows:
        if k != "golayer image docker:":
            r = [x / y for x, y in zip(rows[k], g)]
            print(f"{k} / golayer: median {statistics.median(r):.2f}x (min {min(r):.2f}, max {max(r):.2f})")
    print(f"daemon exports per golayer run: {exports}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
