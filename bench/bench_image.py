"""golayer image vs dive on the same ``docker save`` archives, paired in one run.

    python bench/bench_image.py [--workdir DIR] [--runs N] [--only a|b|big|real|scaling|none]
                                [--archive PATH ...] [--jobs-1]

Archives:
  real  ``docker build`` of bench/image-realistic.Dockerfile (a Debian base, a Go toolchain, part of a
        build cache, a Go program: ~299 MB, ~20.2k tar entries) from the lab's golayer-lab/* bases,
        then ``docker save`` (needs the daemon; skipped without it);
  a     a generated ~261 MB image in 5 layers (~20.6k entries, 100 deletions, 200 chmod rewrites);
  big   a generated ~1.07 GB image in 6 layers (~106k entries: OS-like base, Go toolchain, module
        cache, build cache, a 60 MB program, a top layer with 300 rewrites and 100 deletions);
  big-nodel  the same without the deletions (dive is slow only where layers delete files);
  b     50,000 files in 500 directories plus a layer with 1,000 deletions (dive takes minutes);
  --archive PATH  any existing docker-archive.
For each, golayer (``golayer image ARCHIVE -f json``, compiled bytecode as pip leaves it, default
worker processes; with ``--jobs-1`` also ``GOLAYER_JOBS=1``) and ``dive --ci --source docker-archive
ARCHIVE`` run interleaved, ``--runs`` times each, page cache warm. Reported: median wall (min-max),
median CPU (user+sys of the child and all its processes, from ``wait4``), peak RSS (``ru_maxrss``:
the largest process of the tree -- golayer's workers are forked, so their peak is listed apart), the
ratios, the load average before/after, and golayer's dive-score numbers next to dive's own (``-j``).
``--only scaling`` prints the cost curve: entries (100-byte files, 12.5k..200k) and bytes (10,000
files of 1 KB..100 KB, i.e. 10 MB..1 GB) separately.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = hashlib.sha256(b"golayer").digest() * (1 << 15)  # 1 MiB of bytes


class LayerWriter:
    def __init__(self, path: Path):
        self.path = path
        self.tf = tarfile.open(path, "w", format=tarfile.PAX_FORMAT)
        self.dirs: set[str] = set()

    def _dirs(self, name: str) -> None:
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.dirs:
                self.dirs.add(d)
                ti = tarfile.TarInfo(d)
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                ti.mtime = 1700000000
                self.tf.addfile(ti)

    def file(self, name: str, size: int, mode: int = 0o644) -> None:
        self._dirs(name)
        ti = tarfile.TarInfo(name)
        ti.size = size
        ti.mode = mode
        ti.mtime = 1700000000
        if size <= len(BLOCK):
            self.tf.addfile(ti, io.BytesIO(BLOCK[:size]))
        else:
            reps = size // len(BLOCK) + 1
            self.tf.addfile(ti, _Repeat(size, reps))

    def whiteout(self, name: str) -> None:
        d, _, base = name.rpartition("/")
        self.file(f"{d}/.wh.{base}" if d else f".wh.{base}", 0)

    def close(self) -> str:
        self.tf.close()
        h = hashlib.sha256()
        with open(self.path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return "sha256:" + h.hexdigest()


class _Repeat(io.RawIOBase):
    def __init__(self, size: int, _reps: int):
        self.left = size

    def read(self, n: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        n = self.left if n is None or n < 0 else min(n, self.left)
        n = min(n, len(BLOCK))
        self.left -= n
        return BLOCK[:n]

    def readable(self) -> bool:
        return True


def write_archive(out: Path, layer_files: list[tuple[Path, str, str]]) -> Path:
    """docker save (Docker <= 24 layout) from layer tars: (path, diff_id, created_by)."""
    cfg = {"architecture": "amd64", "os": "linux", "config": {"User": "65532", "Entrypoint": ["/app"]},
           "rootfs": {"type": "layers", "diff_ids": [d for _, d, _ in layer_files]},
           "history": [{"created_by": c} for _, _, c in layer_files]}
    cb = json.dumps(cfg).encode()
    cfg_name = hashlib.sha256(cb).hexdigest() + ".json"
    names = []
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tf:
        for p, d, _ in layer_files:
            lid = hashlib.sha256(d.encode()).hexdigest()
            tf.add(p, arcname=f"{lid}/layer.tar")
            names.append(f"{lid}/layer.tar")
        for name, data in ((cfg_name, cb), ("manifest.json", json.dumps(
                [{"Config": cfg_name, "RepoTags": ["golayer-bench:latest"], "Layers": names}]).encode())):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))
    return out


def gen_a(work: Path) -> Path:
    out = work / "a-250mb-5layers.tar"
    if out.exists():
        return out
    layers = []
    w = LayerWriter(work / "a0.tar")  # OS-like base: 6,000 files, ~30 MB
    for i in range(6000):
        w.file(f"usr/lib/pkg{i % 300}/file{i}.so", 5000, 0o644)
    layers.append((w.path, w.close(), "ADD rootfs.tar.xz /"))
    w = LayerWriter(work / "a1.tar")  # toolchain-like: 9,000 files, ~126 MB
    for i in range(9000):
        w.file(f"usr/local/go/src/pkg{i % 400}/f{i}.go", 14000)
    layers.append((w.path, w.close(), "RUN install toolchain"))
    w = LayerWriter(work / "a2.tar")  # build-cache-like: 4,000 files, 48 MB
    for i in range(4000):
        w.file(f"root/.cache/go-build/{i % 256:02x}/{i:08x}-d", 12000)
    layers.append((w.path, w.close(), "RUN go build"))
    w = LayerWriter(work / "a3.tar")  # one 40 MB binary
    w.file("app", 40_000_000, 0o755)
    layers.append((w.path, w.close(), "COPY app /app"))
    w = LayerWriter(work / "a4.tar")  # 200 overwrites, 100 deletions
    for i in range(200):
        w.file(f"usr/lib/pkg{i % 300}/file{i}.so", 5000, 0o755)
    for i in range(100):
        w.whiteout(f"usr/local/go/src/pkg{i % 400}/f{i}.go")
    layers.append((w.path, w.close(), "RUN chmod && rm"))
    write_archive(out, layers)
    for p, _, _ in layers:
        p.unlink()
    return out


def gen_b(work: Path) -> Path:
    out = work / "b-50k-files-1k-deletions.tar"
    if out.exists():
        return out
    w = LayerWriter(work / "b0.tar")
    for i in range(50_000):
        w.file(f"data/d{i % 500}/f{i}", 100)
    l0 = (w.path, w.close(), "COPY data /data")
    w = LayerWriter(work / "b1.tar")
    for i in range(0, 50_000, 50):
        w.whiteout(f"data/d{i % 500}/f{i}")
    l1 = (w.path, w.close(), "RUN rm 1000 files")
    write_archive(out, [l0, l1])
    for p, _, _ in (l0, l1):
        p.unlink()
    return out


def gen_big(work: Path, deletions: bool = True) -> Path:
    """~1 GB, ~100k tar entries in 6 layers shaped like a careless Go image: an OS-like base, a Go
    toolchain (with the GOROOT signature), a module cache, a build cache, a 60 MB program, and a
    top layer that rewrites 300 files and deletes 100 (sizes vary per file)."""
    out = work / ("big-1gb-100k.tar" if deletions else "big-1gb-100k-nodel.tar")
    if out.exists():
        return out
    layers = []
    w = LayerWriter(work / "g0.tar")  # OS-like base: 26,000 files, ~105 MB
    for i in range(26000):
        w.file(f"usr/{('lib', 'share', 'bin')[i % 3]}/pkg{i % 700}/file{i}", 1000 + (i * 7919) % 7000,
               0o755 if i % 3 == 2 else 0o644)
    layers.append((w.path, w.close(), "ADD rootfs.tar.xz /"))
    w = LayerWriter(work / "g1.tar")  # Go toolchain: 34,000 files, ~330 MB
    w.file("usr/local/go/VERSION", 40)
    w.file("usr/local/go/pkg/tool/linux_amd64/link", 7_000_000, 0o755)
    for i in range(34000):
        w.file(f"usr/local/go/src/{('runtime', 'net', 'crypto', 'cmd')[i % 4]}/p{i % 900}/f{i}.go",
               2000 + (i * 104729) % 15000)
    layers.append((w.path, w.close(), "COPY go /usr/local/go"))
    w = LayerWriter(work / "g2.tar")  # module cache: 24,000 files, ~215 MB
    w.file("go/pkg/mod/cache/download/example.com/m0/@v/v1.0.0.zip", 100_000)
    for i in range(24000):
        w.file(f"go/pkg/mod/example.com/m{i % 300}@v1.{i % 7}.0/d{i % 40}/f{i}.go", 1000 + (i * 31337) % 16000)
    layers.append((w.path, w.close(), "RUN go mod download"))
    w = LayerWriter(work / "g3.tar")  # build cache: 12,000 files, ~260 MB
    w.file("root/.cache/go-build/README", 200)
    w.file("root/.cache/go-build/trim.txt", 20)
    for i in range(12000):
        w.file(f"root/.cache/go-build/{i % 256:02x}/{i:08x}-d", 2000 + (i * 7907) % 40000)
    layers.append((w.path, w.close(), "RUN go build ./..."))
    w = LayerWriter(work / "g4.tar")  # the program
    w.file("usr/local/bin/app", 60_000_000, 0o755)
    layers.append((w.path, w.close(), "COPY app /usr/local/bin/app"))
    w = LayerWriter(work / "g5.tar")  # 300 rewrites, 100 deletions
    for i in range(300):
        w.file(f"usr/lib/pkg{(i * 3) % 700}/file{i * 3}", 1000 + (i * 3 * 7919) % 7000, 0o755)
    for i in range(100 if deletions else 0):
        w.whiteout(f"usr/local/go/src/{('runtime', 'net', 'crypto', 'cmd')[i % 4]}/p{i % 900}/f{i}.go")
    layers.append((w.path, w.close(), "RUN chmod && rm" if deletions else "RUN chmod"))
    write_archive(out, layers)
    for p, _, _ in layers:
        p.unlink()
    return out


def gen_scaled(work: Path, files: int) -> Path:
    """``files`` files in ``files // 100`` directories, and a layer deleting 2% of them."""
    out = work / f"scale-{files}.tar"
    if out.exists():
        return out
    w = LayerWriter(work / "s0.tar")
    ndirs = max(1, files // 100)
    for i in range(files):
        w.file(f"data/d{i % ndirs}/f{i}", 100)
    l0 = (w.path, w.close(), "COPY data /data")
    w = LayerWriter(work / "s1.tar")
    for i in range(0, files, 50):
        w.whiteout(f"data/d{i % ndirs}/f{i}")
    l1 = (w.path, w.close(), "RUN rm")
    write_archive(out, [l0, l1])
    for p, _, _ in (l0, l1):
        p.unlink()
    return out


def gen_bytes(work: Path, file_size: int, files: int = 10_000) -> Path:
    """``files`` files of ``file_size`` bytes each in one layer (the bytes curve: entries fixed)."""
    out = work / f"bytes-{files}x{file_size}.tar"
    if out.exists():
        return out
    w = LayerWriter(work / "y0.tar")
    for i in range(files):
        w.file(f"data/d{i % 100}/f{i}", file_size)
    l0 = (w.path, w.close(), "COPY data /data")
    write_archive(out, [l0])
    l0[0].unlink()
    return out


def gen_real(work: Path) -> Path | None:
    """``docker build`` bench/image-realistic.Dockerfile and ``docker save`` it (None without a daemon)."""
    out = work / "real-debian-go.tar"
    if out.exists():
        return out
    docker = shutil.which("docker")
    if not docker:
        return None
    tag = "golayer-bench/realistic:latest"
    ctx = work / "real-ctx"
    ctx.mkdir(exist_ok=True)
    shutil.copy(ROOT / "bench" / "image-realistic.Dockerfile", ctx / "Dockerfile")
    if subprocess.run([docker, "build", "-q", "-t", tag, str(ctx)], capture_output=True).returncode != 0:
        return None
    if subprocess.run([docker, "save", tag, "-o", str(out)], capture_output=True).returncode != 0:
        return None
    return out


def golayer_env(jobs: str | None = None) -> dict[str, str]:
    """Run golayer from this checkout as pip installs it: with compiled bytecode (kept outside the tree)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.environ.get("GOLAYER_BENCH_PYCACHE", "/tmp/golayer-bench-pycache")
    if jobs:
        env["GOLAYER_JOBS"] = jobs
    return env


def scaling(work: Path, runs: int) -> str:
    """golayer's CPU (median of ``runs``) along entries (bytes small) and along bytes (entries fixed)."""
    env = golayer_env()
    rows = ["| curve | archive | tar entries | layer bytes | golayer wall (median) | CPU (median) | CPU per 1k entries | peak RSS |",
            "|---|---|---:|---:|---:|---:|---:|---:|"]
    cases = [("entries", gen_scaled(work, n)) for n in (12_500, 25_000, 50_000, 100_000, 200_000)]
    cases += [("bytes", gen_bytes(work, sz)) for sz in (1_000, 10_000, 30_000, 100_000)]
    for curve, a in cases:
        gl = [sys.executable, "-m", "golayer", "image", str(a), "-f", "json", "--no-progress"]
        doc = json.loads(subprocess.run(gl, env=env, capture_output=True, text=True).stdout)
        entries = sum(li["entries"] for li in doc["layers"])
        m = [measure(gl + ["-o", os.devnull], env) for _ in range(runs)]
        wall = statistics.median(x[0] for x in m)
        cpu = statistics.median(x[2] for x in m)
        rows.append(f"| {curve} | {a.name} | {entries:,} | {doc['summary']['total_bytes']:,} | {wall:.3f} s |"
                    f" {cpu:.3f} s | {1000 * cpu / entries * 1000:.1f} ms | {max(x[1] for x in m) / 1024:.1f} MiB |")
    return "\n".join(rows)


TIME = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)


def measure(cmd: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in KiB, CPU seconds user+sys) of one run, the child's whole process tree.

    Through GNU time when it is there: ``ru_maxrss`` is a high-water mark that a child forked from
    this (big) Python process inherits until its exec, which would give every tool this script's size."""
    t0 = time.perf_counter()
    if TIME:
        with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
            subprocess.run([TIME, "-f", "%M %U %S", "-o", out.name, *cmd], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=env, cwd=cwd)
            wall = time.perf_counter() - t0
            rss, user, sys_ = out.read().split()[-3:]
            return wall, int(rss), float(user) + float(sys_)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    _pid, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_maxrss, ru.ru_utime + ru.ru_stime


def _stats(m: list[tuple[float, int, float]]) -> dict:
    walls = [x[0] for x in m]
    return {"wall": statistics.median(walls), "wall_min": min(walls), "wall_max": max(walls),
            "cpu": statistics.median(x[2] for x in m), "rss": max(x[1] for x in m), "n": len(m)}


def bench(name: str, archive: Path, runs: int, dive_runs: int, work: Path, jobs1: bool = False) -> dict:
    dive = shutil.which("dive")
    res: dict = {"name": name, "archive_bytes": archive.stat().st_size, "load_before": os.getloadavg()[0]}
    with open(archive, "rb") as fh:  # warm the page cache once so neither tool pays the first read
        while fh.read(1 << 24):
            pass
    gl = [sys.executable, "-m", "golayer", "image", str(archive), "-f", "json", "-o", os.devnull, "--no-progress"]
    tools: list[tuple[str, list[str], dict[str, str], str | None, int]] = [("golayer", gl, golayer_env(), None, runs)]
    if jobs1:
        tools.append(("golayer GOLAYER_JOBS=1", gl, golayer_env("1"), None, runs))
    if dive:
        tools.append(("dive", [dive, "--ci", "--source", "docker-archive", str(archive)], {**os.environ, "CI": "true"},
                      str(work), dive_runs))
    measure(gl, golayer_env())  # writes the bytecode
    m: dict[str, list] = {t[0]: [] for t in tools}
    for i in range(max(t[4] for t in tools)):  # interleaved: every tool sees the same moment's load
        for label, cmd, env, cwd, n in tools:
            if i < n:
                m[label].append(measure(cmd, env, cwd))
    res["rows"] = {label: _stats(v) for label, v in m.items()}
    res["load_after"] = os.getloadavg()[0]
    if dive:
        jpath = work / f"{archive.stem}.dive.json"
        jpath.unlink(missing_ok=True)
        subprocess.run([dive, "--ci", "--source", "docker-archive", str(archive), "-j", str(jpath)],
                       env={**os.environ, "CI": "true"}, cwd=str(work), capture_output=True)
        try:
            res["dive_numbers"] = json.loads(jpath.read_text())["image"]
            res["dive_numbers"].pop("fileReference", None)
        except (OSError, ValueError, KeyError):
            res["dive_numbers"] = None
    doc = json.loads(subprocess.run(gl[:-3] + ["--no-progress"], env=golayer_env(), capture_output=True,
                                    text=True).stdout)
    res["golayer_numbers"] = doc["summary"]
    res["entries"] = sum(li["entries"] for li in doc["layers"])
    return res


def report(results: list[dict]) -> str:
    lines = ["| image | tool | runs | wall median (min-max) | CPU user+sys | peak RSS | vs dive: wall / CPU | RSS vs dive | load |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        d = r["rows"].get("dive")
        for label, x in r["rows"].items():
            sp = f"{d['wall'] / x['wall']:.2f}x / {d['cpu'] / x['cpu']:.2f}x" if d and label != "dive" else ""
            mem = f"{x['rss'] / d['rss']:.2f}x" if d and label != "dive" else ""
            lines.append(f"| {r['name']} ({r['entries']:,} entries, {r['archive_bytes'] / 1e6:.0f} MB) | {label} |"
                         f" {x['n']} | {x['wall']:.3f} s ({x['wall_min']:.3f}-{x['wall_max']:.3f}) | {x['cpu']:.3f} s |"
                         f" {x['rss'] / 1024:.1f} MiB | {sp} | {mem} | {r['load_before']:.1f} -> {r['load_after']:.1f} |")
    lines.append("")
    for r in results:
        g, dn = r["golayer_numbers"], r.get("dive_numbers")
        lines.append(f"- {r['name']}: golayer total {g['total_bytes']:,} B, visible {g['visible_bytes']:,} B, wasted "
                     f"{g['wasted_bytes']:,} B, efficiency {g['efficiency']:.4f}; dive score as computed by golayer "
                     f"{g['dive_efficiency']:.6f} / dive wasted {g['dive_wasted_bytes']:,} B"
                     + (f"; dive itself: score {dn['efficiencyScore']:.6f}, wasted {dn['inefficientBytes']:,} B"
                        if dn else ""))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dive-runs", type=int, default=None, help="dive runs per archive [default: --runs]")
    ap.add_argument("--dive-runs-b", type=int, default=1, help="dive takes minutes on (b)")
    ap.add_argument("--only", choices=["real", "a", "big", "big-nodel", "b", "scaling", "none"], action="append",
                    default=None)
    ap.add_argument("--archive", action="append", default=[],
                    help="also compare on this existing docker-archive (e.g. a real `docker save`)")
    ap.add_argument("--jobs-1", action="store_true", help="also time golayer with GOLAYER_JOBS=1 (no workers)")
    args = ap.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="golayer-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    only = args.only or ["real", "a", "big", "big-nodel", "b", "scaling"]
    dr = args.dive_runs or args.runs
    results = []
    if "real" in only:
        real = gen_real(work)
        if real is None:
            print("(real: no docker daemon or the golayer-lab bases are missing: skipped)")
        else:
            results.append(bench("real: Debian + Go toolchain + cache + program", real, args.runs, dr, work,
                                 args.jobs_1))
    if "a" in only:
        results.append(bench("(a) generated, 5 layers", gen_a(work), args.runs, dr, work, args.jobs_1))
    if "big" in only:
        results.append(bench("big: generated 1 GB, 6 layers", gen_big(work), args.runs, dr, work, args.jobs_1))
    if "big-nodel" in only:  # dive is slow where layers delete files: the same image without deletions
        results.append(bench("big without deletions", gen_big(work, deletions=False), args.runs, dr, work,
                             args.jobs_1))
    if "b" in only:
        results.append(bench("(b) 50k files, 1k deletions", gen_b(work), args.runs, args.dive_runs_b, work))
    for extra in args.archive:
        results.append(bench(Path(extra).name, Path(extra), args.runs, dr, work, args.jobs_1))
    if results:
        print(report(results))
    if "scaling" in only:
        print("\n" + scaling(work, args.runs))
    print(f"\n(archives in {work}; machine: {os.cpu_count()} CPUs; python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
