"""How long golayer takes to read a Go binary, next to `go version -m -json` on the same files.

    python bench/bench_gobinary.py [FILE ...]

Without arguments it uses the binaries of the installed Go toolchain (go, gofmt, compile, link,
...), real release builds of 2-30 MB. Prints best-of-N and median per file for
``golayer.image.gobinary.inspect`` (bytes already in memory, as find_binaries has them) and the
wall time of one `go version -m -json` run (process start included), and checks both agree.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from golayer.image.gobinary import buildinfo_json, inspect  # noqa: E402


def toolchain_binaries() -> list[Path]:
    root = Path(subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True, check=True).stdout.strip())
    return sorted(p for p in list((root / "bin").glob("*")) + list((root / "pkg" / "tool").glob("*/*"))
                  if p.is_file())


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or toolchain_binaries()
    print(f"{'file':<14}{'bytes':>12}{'best ms':>10}{'median ms':>11}{'go version ms':>15}  agree")
    for p in files:
        data = p.read_bytes()
        times = []
        for _ in range(15):
            t = time.perf_counter()
            info = inspect(data, str(p))
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        r = subprocess.run(["go", "version", "-m", "-json", str(p)], capture_output=True, text=True)
        gv = time.perf_counter() - t
        agree = r.returncode == 0 and info.buildinfo is not None and \
            buildinfo_json(info.buildinfo) == json.loads(r.stdout)
        print(f"{p.name:<14}{len(data):>12,}{min(times) * 1e3:>10.1f}{statistics.median(times) * 1e3:>11.1f}"
              f"{gv * 1e3:>15.0f}  {agree}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
