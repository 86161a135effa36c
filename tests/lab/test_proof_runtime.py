"""Proofs of the runtime rules in real containers under real limits (`golayer lab runtime`).

One CLI run per claim family, with small limits so the whole file stays near two minutes on two
shared cores: a 128 MiB memory limit, a live heap of 55% of it (70 MiB: above half, so GOGC=100's
heap goal of twice the live heap cannot fit), a steady 1000 requests/s of 64 KiB each, 2 s.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest

from golayer.runtime import quantities as q

pytestmark = pytest.mark.docker

MEM = "128Mi"
MEM_BYTES = 128 * 2**20
SMALL = ["--duration", "2", "--rate", "1000"]


def _run(cli, *args: str) -> dict:
    res = cli(["lab", "runtime", "-f", "json", *args])
    assert res.code == 0, res.err[-3000:]
    return json.loads(res.out)


def _by_name(doc: dict) -> dict[str, dict]:
    return {v["name"]: v for v in doc["variants"]}


@pytest.fixture(scope="module")
def memory_doc(docker, go, tmp_path_factory):
    """All five memory variants under 128Mi / 1 CPU, with the HTML report."""
    from tests.conftest import run_cli

    html = tmp_path_factory.mktemp("labrt") / "rt.html"
    doc = _run(run_cli, "--memory", MEM, "--cpus", "1", "--variant", "memory", "--html", str(html), *SMALL)
    doc["_html"] = html.read_text(encoding="utf-8")
    return doc


def test_json_shape_is_the_documented_one(memory_doc):
    for v in memory_doc["variants"]:
        for key in ("name", "env", "memory_limit_bytes", "cpu_limit", "exit_code", "oom_killed", "peak_memory_bytes",
                    "gc_cycles", "gc_cpu_fraction", "gomaxprocs", "ops_per_s"):
            assert key in v, (v["name"], key)
        assert v["memory_limit_bytes"] == MEM_BYTES and v["cpu_limit"] == 1.0
    assert [v["name"] for v in memory_doc["variants"]] == [
        "no-gomemlimit", "gomemlimit-recommended", "gomemlimit-at-limit", "gomemlimit-768Mi", "gogc-off",
        "gogc-off-gomemlimit"]


def test_no_gomemlimit_is_oom_killed_and_the_recommended_one_survives(memory_doc):
    """The 17-OOMs-a-day story in small: same limit, same workload; only GOMEMLIMIT differs."""
    v = _by_name(memory_doc)
    bare, rec = v["no-gomemlimit"], v["gomemlimit-recommended"]
    assert bare["oom_killed"] is True and bare["exit_code"] == 137, bare
    assert bare["ops_per_s"] is None  # it never finished its requests
    # the value is the one golayer's gomemlimit-missing rule recommends for this limit
    want = q.recommend_gomemlimit(MEM_BYTES, q.DEFAULT_GOMEMLIMIT_RATIO)
    assert rec["env"] == {"GOMEMLIMIT": want} and want == "115MiB"
    assert rec["gomemlimit_in_effect"] == q.parse_go_byte_count(want)
    assert rec["oom_killed"] is False and rec["exit_code"] == 0, rec
    assert rec["peak_memory_bytes"] < MEM_BYTES
    assert rec["ops_per_s"] > 500  # it served its steady 1000 requests/s (shared CI cores: loose)
    # ... at a measured GC cost: more cycles than the bare run managed before it died, real GC CPU
    assert rec["gc_cycles"] > bare["gc_cycles"]
    assert 0 < rec["gc_cpu_fraction"] < 1


def test_gomemlimit_at_the_limit_leaves_no_headroom(memory_doc):
    """GOMEMLIMIT = the limit (what `resourceFieldRef: limits.memory` gives): the runtime lets the
    cgroup grow further towards the kill line than with golayer's 90%. (Under a steady 1000
    requests/s it survived here; with requests as fast as the CPU allows it was OOM-killed 3 of 3
    times while 90% survived -- docs/measurements.md; too close to the line to assert in CI.)"""
    v = _by_name(memory_doc)
    at, rec = v["gomemlimit-at-limit"], v["gomemlimit-recommended"]
    assert at["env"] == {"GOMEMLIMIT": str(MEM_BYTES)} and at["gomemlimit_in_effect"] == MEM_BYTES
    if not at["oom_killed"]:
        assert at["peak_memory_bytes"] > rec["peak_memory_bytes"]
        assert at["heap_goal_bytes"] > rec["heap_goal_bytes"]


def test_gomemlimit_768Mi_exits_2_at_start(memory_doc):
    v = _by_name(memory_doc)["gomemlimit-768Mi"]
    assert v["exit_code"] == 2 and v["oom_killed"] is False
    assert "malformed GOMEMLIMIT" in v["output"]
    assert v["gomaxprocs"] is None and v["peak_memory_bytes"] is None  # never got to main


def test_gogc_off_needs_a_gomemlimit(memory_doc):
    v = _by_name(memory_doc)
    off, off_lim = v["gogc-off"], v["gogc-off-gomemlimit"]
    assert off["oom_killed"] is True and off["exit_code"] == 137 and off["gc_cycles"] == 0, off
    assert off_lim["oom_killed"] is False and off_lim["exit_code"] == 0, off_lim
    assert off_lim["gc_cycles"] > 0  # the memory limit is what triggers the collector
    assert off_lim["peak_memory_bytes"] < MEM_BYTES


def test_html_chart_per_variant(memory_doc):
    page = memory_doc["_html"]
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert page.count("<polyline") == 5  # every variant that ran main (not 768Mi) has a memory series
    assert "memory limit 128.0 MiB" in page and "OOM" in page


@pytest.fixture(scope="module")
def cpu_doc(docker, go):
    from tests.conftest import run_cli

    return _run(run_cli, "--memory", "64Mi", "--cpus", "1", "--variant", "gomemlimit-recommended,cpu",
                "--duration", "1", "--rate", "200")


def test_gomaxprocs_under_a_cpu_limit_of_one(cpu_doc):
    """What Go 1.27.3 really chooses under `--cpus 1` (recorded in docs/measurements.md)."""
    v = _by_name(cpu_doc)
    default, old, pinned = v["gomemlimit-recommended"], v["go1.24-module"], v["gomaxprocs-set"]
    ncpu = default["num_cpu"]
    assert ncpu and ncpu == old["num_cpu"]
    # go >= 1.25 module: min(CPUs, max(ceil(quota), 2)) -- never below 2, even for one CPU
    assert default["gomaxprocs"] == min(ncpu, q.go_maxprocs_for_quota(Fraction(1))) == min(ncpu, 2)
    assert "containermaxprocs=0" not in (default["default_godebug"] or "")
    # go 1.24 module built by the same toolchain: the old default, the machine's CPU count
    assert old["gomaxprocs"] == ncpu
    assert "containermaxprocs=0" in old["default_godebug"]
    # GOMAXPROCS set explicitly (golayer's fix: ceil of the limit) wins over both
    assert pinned["env"]["GOMAXPROCS"] == str(math.ceil(1)) and pinned["gomaxprocs"] == 1
    for row in (default, old, pinned):
        assert row["exit_code"] == 0 and row["periods"] is not None  # cgroup cpu.stat was read


def test_manifest_limits_and_env_and_image(cli, docker, go, tmp_path):
    """--manifest: the container's limits and env exactly; --image: the user's image under them."""
    m = tmp_path / "deploy.yaml"
    m.write_text("""apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: app
          image: example/api:1
          env:
            - {name: GOMEMLIMIT, value: "768Mi"}
            - {name: GOGC, value: "50"}
            - name: TOKEN
              valueFrom: {secretKeyRef: {name: s, key: t}}
          resources: {limits: {memory: 96Mi, cpu: 500m}}
        - name: sidecar
          image: example/proxy:1
""")
    res = cli(["lab", "runtime", "--manifest", str(m), "--variant", "manifest"])
    assert res.code == 2 and "--container" in res.err and "Deployment/api/app" in res.err
    doc = _run(cli, "--manifest", str(m), "--container", "app", "--variant", "manifest", "--duration", "1",
               "--rate", "100")
    (v,) = doc["variants"]
    assert v["name"] == "manifest" and v["env"] == {"GOMEMLIMIT": "768Mi", "GOGC": "50"}
    assert v["memory_limit_bytes"] == 96 * 2**20 and v["cpu_limit"] == 0.5
    assert v["exit_code"] == 2
    assert any("TOKEN" in n for n in doc["notes"])
    # the proof image stands in for the user's image: with the manifest's env it dies at start
    img = doc["lab"]["image"]
    doc2 = _run(cli, "--manifest", str(m), "--container", "app", "--variant", "manifest", "--duration", "1",
                "--rate", "100", "--image", img, "--stay", "2")
    i = doc2["image"]
    assert i["started"] is True and i["stayed_up"] is False and i["exit_code"] == 2
    assert "malformed GOMEMLIMIT" in i["output"]
    assert i["env"]["GOMEMLIMIT"] == "768Mi" and "TOKEN" not in i["env"]


def test_no_container_is_left_behind(docker, cpu_doc):
    from golayer.lab import dockercli

    cp = dockercli.run(["ps", "-aq", "--filter", f"label=golayer.lab.run={cpu_doc['lab']['run_id']}"])
    assert cp.stdout.strip() == ""


def test_image_that_stays_up(cli, docker, go, tmp_path, cpu_doc):
    m = tmp_path / "compose.yaml"
    m.write_text("""services:
  web:
    image: example/web
    mem_limit: 512m
    cpus: 1
    environment: {GOMEMLIMIT: 460MiB}
""")
    img = cpu_doc["lab"]["image"]  # its default command runs for about 7 s under these limits
    doc = _run(cli, "--manifest", str(m), "--variant", "manifest", "--live-heap", "8Mi", "--duration", "0.5",
               "--rate", "100", "--image", img, "--stay", "2")
    (v,) = doc["variants"]
    assert v["env"] == {"GOMEMLIMIT": "460MiB"} and v["exit_code"] == 0 and v["memory_limit_bytes"] == 512 * 2**20
    i = doc["image"]
    assert i["started"] and i["stayed_up"] and i["exit_code"] is None and i["oom_killed"] is False


def test_ctrl_c_removes_the_containers(docker, go, cpu_doc):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from golayer.lab import dockercli

    def ours() -> set[str]:
        cp = dockercli.run(["ps", "-a", "--filter", "label=golayer.lab=runtime", "--format", "{{.Names}}"])
        return set(cp.stdout.split())

    before = ours()
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.Popen([sys.executable, "-m", "golayer", "lab", "runtime", "--memory", "64Mi", "--variant",
                          "gomemlimit-recommended", "--duration", "60", "--rate", "10"], env=env,
                         start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    new: set[str] = set()
    try:
        deadline = time.monotonic() + 60
        while not new and time.monotonic() < deadline:
            time.sleep(0.5)
            new = ours() - before
        assert new, "the run never started a container"
        os.killpg(p.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err
    assert not (ours() & new)


def test_workload_reports_on_sigterm(docker, cpu_doc):
    """`docker stop` mid-run: the program still prints its runtime/metrics report."""
    import time

    from golayer.lab import dockercli
    from golayer.lab import runtimelab as rl

    name = f"golayer-lab-rt-test-{cpu_doc['lab']['run_id']}-sigterm"
    dockercli.run(["run", "-d", "--name", name, "--label", "golayer.lab=runtime", "--network", "none",
                   "--memory", "64m", "--memory-swap", "64m", cpu_doc["lab"]["image"], "-live=4000000",
                   "-duration=60s", "-rate=50"])
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and '"sample"' not in dockercli.run(["logs", name]).stdout:
            time.sleep(0.3)
        dockercli.run(["stop", "-t", "10", name], timeout=60)
        state = json.loads(dockercli.run(["inspect", "--format", "{{json .State}}", name]).stdout)
        parsed = rl.parse_output(dockercli.run(["logs", name]).stdout)
    finally:
        dockercli.run(["rm", "-f", name], check=False)
    assert state["ExitCode"] == 0 and not state["OOMKilled"]
    assert parsed["report"] and parsed["report"]["reason"] == "signal terminated"
    assert parsed["report"]["gc_cycles"] >= 0 and parsed["report"]["heap_goal"] > 0
