"""golayer image vs dive on the same generated ``docker save`` archives, in one run.

    python bench/bench_image.py [--workdir DIR] [--runs N] [--dive-runs-b N] [--markdown]

Generates
  (a) a ~250 MB image in 5 layers (~19.6k tar entries: an OS-like base, a toolchain-like tree, a
      build-cache-like tree, a 40 MB binary, a small top layer with deletions and overwrites);
  (b) 50,000 files in 500 directories plus a layer with 1,000 deletions;
and times ``golayer image ARCHIVE -f json`` (default settings, and with ``--verify``: every
layer's sha256 checked) and ``dive --ci --source docker-archive ARCHIVE`` on each, reporting
median wall time and peak RSS (``wait4`` rusage of each child) and the ratios. Also checks that
golayer's ``dive_efficiency``/``dive_wasted_bytes`` equal dive's own numbers (``dive -j``).
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


def gen_big(work: Path) -> Path:
    """~1 GB, ~100k tar entries in 6 layers shaped like a careless Go image: an OS-like base, a Go
    toolchain (with the GOROOT signature), a module cache, a build cache, a 60 MB program, and a
    top layer that rewrites 300 files and deletes 100 (sizes vary per file)."""
    out = work / "big-1gb-100k.tar"
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
    for i in range(100):
        w.whiteout(f"usr/local/go/src/{('runtime', 'net', 'crypto', 'cmd')[i % 4]}/p{i % 900}/f{i}.go")
    layers.append((w.path, w.close(), "RUN chmod && rm"))
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


def scaling(work: Path, sizes: list[int], runs: int) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    lines = ["| files (+2% deleted) | tar entries | golayer CPU (median) | CPU per 1k entries |", "|---:|---:|---:|---:|"]
    for n in sizes:
        a = gen_scaled(work, n)
        gl = [sys.executable, "-m", "golayer", "image", str(a), "-f", "json", "--no-progress"]
        doc = json.loads(subprocess.run(gl, env=env, capture_output=True, text=True).stdout)
        entries = sum(li["entries"] for li in doc["layers"])
        cpu = statistics.median(measure(gl + ["-o", os.devnull], env)[2] for _ in range(runs))
        lines.append(f"| {n:,} | {entries:,} | {cpu:.3f} s | {1000 * cpu / entries * 1000:.1f} ms |")
    return "\n".join(lines)


def measure(cmd: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> tuple[float, int, float]:
    """(wall seconds, peak RSS in KiB, CPU seconds user+sys) of one run."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    _pid, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_maxrss, ru.ru_utime + ru.ru_stime


def bench(name: str, archive: Path, runs: int, dive_runs: int, work: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    gl = [sys.executable, "-m", "golayer", "image", str(archive), "-f", "json", "-o", os.devnull, "--no-progress"]
    dive = shutil.which("dive")
    res: dict = {"name": name, "archive_bytes": archive.stat().st_size}
    # warm the page cache once so neither tool pays the first read
    with open(archive, "rb") as fh:
        while fh.read(1 << 24):
            pass
    rows = {}
    for label, cmd, n in (("golayer", gl, runs), ("golayer --verify", gl + ["--verify"], runs)):
        m = [measure(cmd, env) for _ in range(n)]
        rows[label] = (statistics.median(x[0] for x in m), max(x[1] for x in m), statistics.median(x[2] for x in m))
    if dive:
        denv = {**os.environ, "CI": "true"}
        jpath = work / f"{archive.stem}.dive.json"
        if jpath.exists():
            jpath.unlink()
        m = [measure([dive, "--ci", "--source", "docker-archive", str(archive), "-j", str(jpath)] if i == 0 else
                     [dive, "--ci", "--source", "docker-archive", str(archive)], denv, str(work))
             for i in range(dive_runs)]
        rows["dive"] = (statistics.median(x[0] for x in m), max(x[1] for x in m), statistics.median(x[2] for x in m))
        try:
            res["dive_numbers"] = json.loads(jpath.read_text())["image"]
            res["dive_numbers"].pop("fileReference", None)
        except (OSError, ValueError, KeyError):
            res["dive_numbers"] = None
    out = subprocess.run(gl, env=env, capture_output=True, text=True)
    doc = json.loads(subprocess.run(gl[:-3] + ["--no-progress"], env=env, capture_output=True, text=True).stdout)
    res["golayer_numbers"] = doc["summary"]
    res["entries"] = sum(li["entries"] for li in doc["layers"])
    res["rows"] = rows
    _ = out
    return res


def report(results: list[dict]) -> str:
    lines = ["| image | tool | wall (median) | CPU user+sys | peak RSS | speed-up vs dive (wall / CPU) | RSS vs dive |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in results:
        d = r["rows"].get("dive")
        for label, (wall, rss, cpu) in r["rows"].items():
            sp = f"{d[0] / wall:.1f}x / {d[2] / cpu:.1f}x" if d and label != "dive" else ""
            mem = f"{rss / d[1]:.2f}x" if d and label != "dive" else ""
            lines.append(f"| {r['name']} ({r['entries']:,} entries, {r['archive_bytes'] / 1e6:.0f} MB) | {label} |"
                         f" {wall:.3f} s | {cpu:.3f} s | {rss / 1024:.1f} MiB | {sp} | {mem} |")
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
    ap.add_argument("--dive-runs-a", type=int, default=5)
    ap.add_argument("--dive-runs-b", type=int, default=1, help="dive takes ~90 s on (b)")
    ap.add_argument("--only", choices=["a", "b", "scaling", "none"], default=None)
    ap.add_argument("--archive", action="append", default=[],
                    help="also compare on this existing docker-archive (e.g. a real `docker save`)")
    args = ap.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="golayer-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    if args.only in (None, "a"):
        results.append(bench("(a) 250 MB, 5 layers", gen_a(work), args.runs, args.dive_runs_a, work))
    if args.only in (None, "b"):
        results.append(bench("(b) 50k files, 1k deletions", gen_b(work), args.runs, args.dive_runs_b, work))
    for extra in args.archive:
        results.append(bench(Path(extra).name, Path(extra), args.runs, args.dive_runs_a, work))
    if results:
        print(report(results))
    if args.only in (None, "scaling") and not (args.archive and args.only):
        print("\n" + scaling(work, [12_500, 25_000, 50_000, 100_000, 200_000], args.runs))
    print(f"\n(archives in {work}; machine: {os.cpu_count()} CPUs; python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
