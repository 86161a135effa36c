"""Where an image is read from, timed: a local registry vs a docker save archive vs the daemon.

    python bench/bench_sources.py IMAGE [IMAGE ...]     # images the local Docker daemon holds

For each image: push it (gzip layers, skopeo) to a Debian docker-registry started on 127.0.0.1,
then time, best of 3 wall-clock runs of `python -m golayer image ... --format json`:

* registry:HOST/...            with GOLAYER_REGISTRY_JOBS=1 and =3 (concurrent layer fetches)
* skopeo copy docker://... oci:DIR, then golayer oci:DIR (the two-step alternative)
* docker save -o FILE, then golayer docker-archive:FILE (the save step timed separately)
* golayer docker:NAME, next to `docker save NAME > /dev/null` and `dive --ci --source docker NAME`

Needs docker-registry, skopeo (apt) and a Docker daemon. Prints one table; nothing is kept.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.image.registryfix import Registry  # noqa: E402


def timed(cmd: list[str], env: dict | None = None, runs: int = 3, stdout=subprocess.DEVNULL,
          ok: tuple[int, ...] = (0, 1)) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(cmd, env=env, stdout=stdout, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t
        if r.returncode not in ok:
            raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr.decode()[-500:]}")
        best = min(best, dt)
    return best


def main(images: list[str]) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    golayer = [sys.executable, "-m", "golayer", "image", "--format", "json"]
    tmp = Path(tempfile.mkdtemp(prefix="golayer-bench-"))
    reg = Registry(tmp / "reg").start()
    rows = []
    try:
        for img in images:
            name = "bench/" + img.replace("/", "-").replace(":", "-") + ":1"
            subprocess.run(["skopeo", "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false",
                            "--dest-compress-format", "gzip", f"docker-daemon:{img}",
                            f"docker://{reg.host}/{name}"], check=True)
            ref = f"registry:{reg.host}/{name}"
            r1 = timed(golayer + [ref], {**env, "GOLAYER_REGISTRY_JOBS": "1"})
            r3 = timed(golayer + [ref], {**env, "GOLAYER_REGISTRY_JOBS": "3"})
            oci = tmp / "oci"

            def skopeo_then_golayer() -> None:
                shutil.rmtree(oci, ignore_errors=True)
                subprocess.run(["skopeo", "--insecure-policy", "copy", "--quiet", "--src-tls-verify=false",
                                f"docker://{reg.host}/{name}", f"oci:{oci}"], check=True)

            t = time.perf_counter()
            skopeo_then_golayer()
            sk = time.perf_counter() - t
            golayer_oci = timed(golayer + [f"oci:{oci}"], env)
            arc = tmp / "img.tar"
            t = time.perf_counter()
            subprocess.run(["docker", "save", img, "-o", str(arc)], check=True)
            save = time.perf_counter() - t
            archive = timed(golayer + [f"docker-archive:{arc}"], env)
            daemon = timed(golayer + [f"docker:{img}"], env)
            save_null = timed(["docker", "save", img], stdout=subprocess.DEVNULL)
            dive = shutil.which("dive")
            dive_t = timed([dive, "--ci", "--source", "docker", img], {**os.environ, "CI": "true"},
                           stdout=subprocess.DEVNULL, ok=(0, 1)) if dive else float("nan")
            size = arc.stat().st_size
            arc.unlink()
            shutil.rmtree(oci, ignore_errors=True)
            rows.append((img, size, r1, r3, sk, golayer_oci, save, archive, daemon, save_null, dive_t))
    finally:
        reg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'image':<26}{'MB':>7}{'reg j1':>8}{'reg j3':>8}{'skopeo+oci':>12}{'save+arch':>11}"
          f"{'archive':>9}{'docker:':>9}{'save>null':>10}{'dive':>8}")
    for img, size, r1, r3, sk, go, save, arch, dmn, sn, dv in rows:
        print(f"{img:<26}{size / 1e6:>7.1f}{r1:>8.2f}{r3:>8.2f}{sk + go:>12.2f}{save + arch:>11.2f}"
              f"{arch:>9.2f}{dmn:>9.2f}{sn:>10.2f}{dv:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:] or ["golayer-lab/debian:bookworm"]))
