#!/usr/bin/env python3
"""``golayer image docker:NAME`` vs ``docker save NAME > /dev/null`` vs ``dive --ci --source docker NAME``.

    python bench/bench_docker.py NAME [NAME...] [--runs N] [--no-export] [--no-dive]

For each image, runs in one interleaved loop (run i of each back to back, so they see the same load):

* ``golayer store``  -- ``golayer image docker:NAME -f json`` as users run it (the daemon's own store when
  it can be read: golayer.image.dockerstore);
* ``golayer export`` -- the same with ``GOLAYER_DOCKER_STORAGE=0`` (the daemon's export stream);
* ``docker save > /dev/null`` and ``dive --ci --source docker NAME`` (``CI=true``).

One untimed round first (bytecode compiled, the page cache warm for every tool). Reports per tool
the median wall time with min-max, the median CPU time (user+sys of the child and
its children, threads included; the daemon's own CPU -- which stages the export for docker save,
dive and golayer export -- is not in it), the paired ratios of each peer to ``golayer store``, the
load average before and after, and how many times each golayer run asked the daemon for an export
(0 for the store; 1 for the export stream). The image must be in the local daemon.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """(wall s, CPU s of the child and its descendants, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode not in (0, 1):  # golayer exits 1 when it has findings
        sys.stderr.write(f"{cmd[0]} exited {p.returncode}: {p.stderr[-500:]}\n")
    return wall, cpu, p.stderr


def bench(name: str, runs: int, export: bool, dive: bool) -> None:
    docker, dive_bin = shutil.which("docker"), shutil.which("dive") if dive else None
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("GOLAYER_DOCKER_STORAGE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed golayer runs from .pyc files: so does the bench
    xenv = dict(env, GOLAYER_DOCKER_STORAGE="0")
    denv = dict(os.environ, CI="true")
    tools: dict[str, tuple[list[str], dict | None]] = {
        "golayer store": ([sys.executable, "-c", COUNTING, name], env)}
    if export:
        tools["golayer export"] = ([sys.executable, "-c", COUNTING, name], xenv)
    tools["docker save > /dev/null"] = ([docker, "save", name], None)
    if dive_bin:
        tools["dive --ci --source docker"] = ([dive_bin, "--ci", "--source", "docker", name], denv)
    wall: dict[str, list[float]] = {k: [] for k in tools}
    cpu: dict[str, list[float]] = {k: [] for k in tools}
    exports: dict[str, list[int]] = {k: [] for k in tools if k.startswith("golayer")}
    for cmd, e in tools.values():  # one untimed round: bytecode written, page cache warm for every tool
        timed(cmd, e)
    load = [os.getloadavg()[0]]
    for _ in range(runs):
        for k, (cmd, e) in tools.items():
            w, c, err = timed(cmd, e)
            wall[k].append(w)
            cpu[k].append(c)
            if k in exports:
                exports[k].append(next((int(x.split("=")[1]) for x in err.splitlines() if x.startswith("exports=")),
                                       -1))
    load.append(os.getloadavg()[0])
    size = subprocess.run([docker, "image", "inspect", "-f", "{{.Size}}", name], capture_output=True,
                          text=True).stdout.strip()
    print(f"\nimage {name} ({int(size or 0) / 1e6:.0f} MB); {runs} interleaved runs; {os.cpu_count()} CPUs;"
          f" load average {load[0]:.1f} at start, {load[1]:.1f} at end")
    for k in tools:
        v, c = wall[k], cpu[k]
        print(f"  {k:27} wall median {statistics.median(v):6.2f} s (min {min(v):.2f}, max {max(v):.2f});"
              f" CPU median {statistics.median(c):5.2f} s")
    g = wall["golayer store"]
    for k in tools:
        if k != "golayer store":
            r = [x / y for x, y in zip(wall[k], g)]
            print(f"  {k} / golayer store: median {statistics.median(r):.2f}x (min {min(r):.2f}, max {max(r):.2f})")
    for k, v in exports.items():
        print(f"  daemon exports per run, {k}: {v}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="+")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-export", action="store_true", help="skip golayer's export-stream reading")
    ap.add_argument("--no-dive", action="store_true")
    a = ap.parse_args()
    if not shutil.which("docker"):
        print("docker not found", file=sys.stderr)
        return 2
    for name in a.names:
        bench(name, a.runs, not a.no_export, not a.no_dive)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
