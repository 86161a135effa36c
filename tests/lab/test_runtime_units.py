"""`golayer lab runtime` without Docker: option parsing, variants, manifest reading, the proof
program's output, aggregation and rendering."""

from __future__ import annotations

import io
import json
from fractions import Fraction

import pytest

from golayer.errors import GolayerError
from golayer.lab import runtimelab as rl

MiB = 2**20


def test_sizes_and_cpus():
    assert rl.parse_memory("256Mi") == 256 * MiB
    assert rl.parse_memory("256m") == 256 * MiB
    assert rl.parse_memory("1Gi") == 1024 * MiB
    assert rl.parse_size("64Ki", "--alloc", 1) == 65536
    for bad in ("lots", "1Mi", "-5"):
        with pytest.raises(GolayerError):
            rl.parse_memory(bad)
    assert rl.parse_cpus("1") == 1 and rl.parse_cpus("500m") == Fraction(1, 2)
    assert rl.parse_cpus("0.25") == Fraction(1, 4)
    assert rl.parse_cpus("none") is None
    with pytest.raises(GolayerError):
        rl.parse_cpus("two")
    assert rl.cpus_arg(Fraction(1, 2)) == "0.5" and rl.cpus_arg(Fraction(2)) == "2"


def test_variants_use_the_rules_recommendation():
    limits = rl.Limits(256 * MiB, Fraction(1))
    vs = rl.standard_variants(limits, Fraction(9, 10))
    names = [v.name for v in vs]
    assert names == ["no-gomemlimit", "gomemlimit-recommended", "gomemlimit-at-limit", "gomemlimit-768Mi", "gogc-off",
                     "gogc-off-gomemlimit", "gomaxprocs-set", "go1.24-module"]
    by = {v.name: v for v in vs}
    assert by["gomemlimit-recommended"].env == {"GOMEMLIMIT": "230MiB"}
    assert by["gomemlimit-at-limit"].env == {"GOMEMLIMIT": str(256 * MiB)}
    assert by["gomaxprocs-set"].env["GOMAXPROCS"] == "1"
    assert by["go1.24-module"].go_line == "1.24"
    # ratio from config flows through
    assert rl.standard_variants(limits, Fraction(8, 10))[1].env == {"GOMEMLIMIT": "204MiB"}
    # no CPU limit: no GOMAXPROCS variants
    assert [v.group for v in rl.standard_variants(rl.Limits(256 * MiB, None), Fraction(9, 10))] == ["memory"] * 6
    assert [v.name for v in rl.select_variants(vs, ["cpu"])] == ["gomaxprocs-set", "go1.24-module"]
    assert [v.name for v in rl.select_variants(vs, ["gogc-off,gogc-off"])] == ["gogc-off"]
    with pytest.raises(GolayerError, match="unknown variant"):
        rl.select_variants(vs, ["nope"])
    with pytest.raises(GolayerError, match="nothing to run"):
        rl.select_variants(vs, ["manifest"])


def test_manifest_container_compose(tmp_path):
    f = tmp_path / "compose.yaml"
    f.write_text("""services:
  web:
    image: example/web
    mem_limit: 300m
    cpus: 0.5
    environment:
      GOMEMLIMIT: 270MiB
      GOGC: "off"
      PORT: "8080"
  db:
    image: postgres
""")
    with pytest.raises(GolayerError, match="choose one with --container"):
        rl.read_manifest(str(f), None)
    with pytest.raises(GolayerError, match="not in"):
        rl.read_manifest(str(f), "api")
    mc = rl.read_manifest(str(f), "web")
    assert mc.memory_bytes == 300 * MiB and mc.cpus == Fraction(1, 2)
    assert mc.env == {"GOMEMLIMIT": "270MiB", "GOGC": "off", "PORT": "8080"}


SAMPLE_OUT = "\n".join([
    json.dumps({"golayer_proof": "start", "gomaxprocs": 2, "gomemlimit": 241172480, "gogc": 100, "num_cpu": 2,
                "go_version": "go1.27.3", "default_godebug": ""}),
    json.dumps({"golayer_proof": "sample", "t": 0.05, "cgroup_usage": 10 * MiB, "cgroup_peak": 11 * MiB,
                "gc_cycles": 1}),
    json.dumps({"golayer_proof": "sample", "t": 0.10, "cgroup_usage": 20 * MiB, "cgroup_peak": 21 * MiB,
                "gc_cycles": 2}),
    '{"golayer_proof":"sample","t":0.1',  # cut by a kill
])
REPORT = json.dumps({"golayer_proof": "report", "reason": "done", "ops_per_s": 1234.56, "gc_cycles": 9,
                     "gc_cpu_seconds": 0.5, "cpu_seconds": 2.0, "gomaxprocs": 2, "latency_p50_us": 40,
                     "latency_p99_us": 2500, "cgroup_peak_bytes": 25 * MiB, "cgroup_cpu_ns": 1_500_000_000,
                     "cpu_stat": {"nr_periods": 20, "nr_throttled": 5, "throttled_time": 250_000_000}})


def test_measure_completed_and_killed_runs():
    done = rl.measure(rl.parse_output(SAMPLE_OUT + "\n" + REPORT), 0, False)
    assert done["completed"] and done["ops_per_s"] == 1234.6 and done["gc_cycles"] == 9
    assert done["gc_cpu_fraction"] == 0.25 and done["peak_memory_bytes"] == 25 * MiB
    assert done["throttled_periods"] == 5 and done["periods"] == 20 and done["throttled_s"] == 0.25
    assert done["latency_p99_ms"] == 2.5 and done["cpu_used_s"] == 1.5 and done["gomemlimit_in_effect"] == 241172480
    killed = rl.measure(rl.parse_output(SAMPLE_OUT), 137, True)
    assert killed["oom_killed"] and killed["ops_per_s"] is None and killed["gc_cpu_fraction"] is None
    assert killed["gc_cycles"] == 2 and killed["peak_memory_bytes"] == 21 * MiB and killed["output"] is None
    bad = rl.measure(rl.parse_output(""), 2, False,
                     "GOMEMLIMIT=768Mi\nfatal error: malformed GOMEMLIMIT; see `go doc`\n\nruntime stack:\n...")
    assert bad["output"].splitlines()[0] == "fatal error: malformed GOMEMLIMIT; see `go doc`"
    assert bad["gomaxprocs"] is None and bad["peak_memory_bytes"] is None


def test_aggregate_medians_and_spread():
    v = rl.Variant("x", {"GOGC": "off"}, "s")
    limits = rl.Limits(128 * MiB, Fraction(1))
    runs = []
    for peak, ooms in ((100, False), (120, True), (110, False)):
        m = rl.measure(rl.parse_output(SAMPLE_OUT), 137 if ooms else 0, ooms)
        m["peak_memory_bytes"] = peak
        m["memory_series"] = [[0.1, peak]]
        m["wall_s"] = 1.0
        runs.append(m)
    row = rl.aggregate(v, limits, runs)
    assert row["peak_memory_bytes"] == 110 and row["spread"]["peak_memory_bytes"] == [100, 120]
    assert row["oom_killed"] is False and row["oom_kills"] == 1 and row["exit_code"] == 0
    assert row["exit_codes"] == [0, 137, 0] and row["repeat"] == 3 and row["memory_limit_bytes"] == 128 * MiB
    assert "memory_series" not in row["runs"][0]


def _doc(name: str = "<b>x</b>") -> dict:
    v = rl.Variant(name, {"GOMEMLIMIT": "<script>"}, "s")
    m = rl.measure(rl.parse_output(SAMPLE_OUT + "\n" + REPORT), 0, False)
    m["memory_series"] = [[0.05, 10 * MiB], [0.1, 20 * MiB]]
    m["wall_s"] = 1.0
    row = rl.aggregate(v, rl.Limits(64 * MiB, None), [m])
    return {"lab": {"memory_limit_bytes": 64 * MiB, "cpu_limit": None, "limits_from": "a&b", "go_version": "1.27.3",
                    "repeat": 1, "workload": rl.Workload(30 * MiB).to_json()},
            "variants": [row], "notes": ["<note>"]}


def test_html_escapes_and_writes_atomically(tmp_path):
    page = rl.render_html(_doc())
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<script>" not in page and "&lt;note&gt;" in page and "a&amp;b" in page
    assert page.count("<polyline") == 1
    out = tmp_path / "r.html"
    rl.write_atomic(str(out), page)
    assert out.read_text(encoding="utf-8") == page and [p.name for p in tmp_path.iterdir()] == ["r.html"]
    with pytest.raises(GolayerError, match="cannot write"):
        rl.write_atomic(str(tmp_path / "missing" / "r.html"), page)


def test_text_table():
    buf = io.StringIO()
    rl.write_text(_doc("gogc-off"), buf)
    text = buf.getvalue()
    assert "memory limit 64.0 MiB, CPU limit none" in text
    assert "gogc-off" in text and "25.0 MiB" in text and "5/20 (0.25 s)" in text and "note: <note>" in text


def test_cli_errors_before_docker(cli, tmp_path):
    res = cli(["lab", "runtime", "--memory", "lots"])
    assert res.code == 2 and "--memory 'lots'" in res.err and "Traceback" not in res.err
    res = cli(["lab", "runtime", "--cpus", "two"])
    assert res.code == 2 and "--cpus" in res.err
    res = cli(["lab", "runtime", "--container", "app"])
    assert res.code == 2 and "--manifest" in res.err
    res = cli(["lab", "runtime", "--gomemlimit-ratio", "2"])
    assert res.code == 2 and "between 0 and 1" in res.err
    f = tmp_path / "x.yaml"
    f.write_text("kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\n")
    res = cli(["lab", "runtime", "--manifest", str(f)])
    assert res.code == 2 and "no Kubernetes workload" in res.err


def test_proof_source_is_packaged():
    src = rl.proof_source()
    assert b"package main" in src["main.go"] and src["go.mod"].startswith(b"module ")
    assert rl._with_go_line(src["go.mod"], "1.24").decode().splitlines()[-1] == "go 1.24"
