"""Responsiveness of `golayer explore` on a big image: a generated docker-archive with N entries over 12
layers (default 100,000 entries), then keypresses through Textual's Pilot, each timed until the screen has
been updated. Reports analysis time, explorer start-up, and median / p90 / max per kind of key.

Usage: python bench/bench_explore.py [ENTRIES]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))


def build(path: Path, entries: int, layers: int = 12) -> Path:
    from tests.image.helpers import Layer, docker_archive

    per = entries // layers
    ls = []
    for li in range(layers):
        layer = Layer()
        for i in range(per):
            d = f"usr/lib/pkg{(i // 400) % 50}/mod{(i // 40) % 10}/sub{li % 3}"
            layer.file(f"{d}/f{li}_{i}.so", 16)
        if li == layers - 1:
            layer.whiteout("usr/lib/pkg0")
        ls.append(layer)
    return docker_archive(path, ls, history=[{"created_by": f"RUN step {i}"} for i in range(layers)])


async def keys(app, timings: dict[str, list[float]]) -> None:
    from textual.widgets import DataTable, Tree

    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        tree = app.query_one("#files", Tree)

        async def press(kind: str, *k: str) -> None:
            t0 = time.perf_counter()
            await pilot.press(*k)
            await pilot.pause()
            timings.setdefault(kind, []).append(time.perf_counter() - t0)

        tree.focus()
        for _ in range(3):
            await press("expand (space)", "space")
            await press("cursor (down)", "down")
        for _ in range(10):
            await press("cursor (down)", "down")
            await press("cursor (up)", "up")
        app.query_one("#layers", DataTable).focus()
        for _ in range(6):
            await press("select layer (up)", "up")
        for _ in range(3):
            await press("toggle view (ctrl+l / ctrl+g)", "ctrl+l")
            await press("toggle view (ctrl+l / ctrl+g)", "ctrl+g")
        await press("search (/ + 4 letters)", "slash", *"f3_1")
        await press("leave search (esc)", "escape")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    from golayer.image.analyse import analyse
    from golayer.image.explore import Explorer
    from golayer.tui.explore import ExploreApp

    with tempfile.TemporaryDirectory() as d:
        img = build(Path(d) / "big.tar", n)
        t0 = time.perf_counter()
        ana = analyse(f"docker-archive:{img}")
        t1 = time.perf_counter()
        Explorer(ana)
        t2 = time.perf_counter()
        print(f"{n} entries, {len(ana.layers)} layers: analysis {t1 - t0:.2f} s, explorer model {t2 - t1:.2f} s")
        timings: dict[str, list[float]] = {}
        asyncio.run(keys(ExploreApp(ana, []), timings))
        # the same keys on a 5-file image: what Textual's Pilot itself costs per key in this run
        small = build(Path(d) / "small.tar", 24, layers=12)
        base: dict[str, list[float]] = {}
        asyncio.run(keys(ExploreApp(analyse(f"docker-archive:{small}"), []), base))
        print("  key (through Pilot)                big image median / p90 / max    24-entry image median   extra")
        for kind, xs in timings.items():
            xs = sorted(xs)
            b = statistics.median(base.get(kind, [0.0]))
            med = statistics.median(xs)
            print(f"  {kind:<32} {med * 1000:6.1f} / {xs[max(0, int(len(xs) * 0.9) - 1)] * 1000:6.1f} / "
                  f"{xs[-1] * 1000:6.1f} ms   {b * 1000:6.1f} ms   {max(0.0, med - b) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
