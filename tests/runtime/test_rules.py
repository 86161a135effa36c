"""Every runtime rule: cases it must catch and cases it must not, as users see them (JSON output)."""

from __future__ import annotations

import textwrap

from tests.runtime.helpers import PROBES, deployment, rules_of, run_json, write


def findings(tmp_path, text, *args, name="app.yaml"):
    p = write(tmp_path, text, name)
    _, doc = run_json(str(p), *args)
    return doc["findings"]


def only(fs, rule):
    return [f for f in fs if f["rule"] == rule]


# --- gomemlimit-invalid ----------------------------------------------------------------------------
def test_invalid_gomemlimit_crashes_and_gets_valid_spelling(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {memory: 1Gi}}
        env:
        - name: GOMEMLIMIT
          value: 768Mi
        """))
    [f] = only(fs, "gomemlimit-invalid")
    assert f["code"] == "GLR001" and f["severity"] == "error"
    assert "fatal error: malformed GOMEMLIMIT" in f["message"] and "exit 2" in f["message"]
    assert "GOMEMLIMIT=768MiB" in f["message"]
    assert f["line"] == 15 and f["container"] == "app" and f["workload"] == "Deployment/api"
    assert f["file"].endswith("app.yaml")


def test_invalid_gomemlimit_bare_m_offers_both_readings(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        env: [{name: GOMEMLIMIT, value: 768M}]
        """))
    [f] = only(fs, "gomemlimit-invalid")
    assert "GOMEMLIMIT=768MiB" in f["message"] and "GOMEMLIMIT=768000000" in f["message"]


def test_divisor_makes_gomemlimit_bytes(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {memory: 1Gi}}
        env:
        - name: GOMEMLIMIT
          valueFrom:
            resourceFieldRef: {resource: limits.memory, divisor: 1Mi}
        """))
    [f] = only(fs, "gomemlimit-invalid")
    assert "is 1024, which Go reads as bytes" in f["message"] and "GOMEMLIMIT=921MiB" in f["message"]
    assert not only(fs, "gomemlimit-no-headroom")


def test_valid_gomemlimit_forms_are_not_invalid(tmp_path):
    for value in ("768MiB", "805306368", "805306368B", "1GiB", "off"):
        fs = findings(tmp_path, deployment(PROBES + f"""
            resources: {{limits: {{memory: 2Gi}}}}
            env: [{{name: GOMEMLIMIT, value: "{value}"}}]
            """))
        assert not only(fs, "gomemlimit-invalid"), value


def test_invalid_gomemlimit_from_secret_is_unknown_not_reported(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {memory: 1Gi}}
        env:
        - name: GOMEMLIMIT
          valueFrom: {secretKeyRef: {name: s, key: k}}
        """))
    assert rules_of({"findings": fs}) == []


# --- gomemlimit-missing ----------------------------------------------------------------------------
def test_missing_gomemlimit_with_limit(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        resources:
          limits:
            memory: 1Gi
        """))
    [f] = only(fs, "gomemlimit-missing")
    assert "GOMEMLIMIT=921MiB" in f["message"] and f["line"] == 15 and f["recommended"] == "GOMEMLIMIT=921MiB"


def test_missing_gomemlimit_ratio_flag_and_config(tmp_path):
    text = deployment(PROBES + "resources: {limits: {memory: 2Gi}}")
    fs = findings(tmp_path, text, "--gomemlimit-ratio", "0.75")
    assert "GOMEMLIMIT=1536MiB" in only(fs, "gomemlimit-missing")[0]["message"]
    (tmp_path / ".golayer.toml").write_text("[runtime]\ngomemlimit-ratio = 0.8\n")
    p = write(tmp_path, text)
    _, doc = run_json(str(p), cwd=tmp_path)
    assert "GOMEMLIMIT=1638MiB" in only(doc["findings"], "gomemlimit-missing")[0]["message"]


def test_gomemlimit_present_or_no_limit_is_not_missing(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {memory: 1Gi}}
        env: [{name: GOMEMLIMIT, value: 900MiB}]
        """))
    assert not only(fs, "gomemlimit-missing")
    fs = findings(tmp_path, deployment(PROBES))
    assert not only(fs, "gomemlimit-missing")


def test_limit_range_default_counts_as_limit(tmp_path):
    fs = findings(tmp_path, textwrap.dedent("""
        apiVersion: v1
        kind: LimitRange
        metadata: {name: defaults}
        spec:
          limits:
          - type: Container
            default: {memory: 512Mi}
        ---
        """) + deployment(PROBES))
    assert rules_of({"findings": fs}) == ["gomemlimit-missing"]
    assert "GOMEMLIMIT=460MiB" in fs[0]["message"] and "LimitRange defaults" in fs[0]["message"]


# --- gomemlimit-no-headroom ------------------------------------------------------------------------
def test_fieldref_without_divisor_has_no_headroom(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {memory: 1Gi}}
        env:
        - name: GOMEMLIMIT
          valueFrom:
            resourceFieldRef:
              resource: limits.memory
        """))
    [f] = only(fs, "gomemlimit-no-headroom")
    assert "100%" in f["message"] and "GOMEMLIMIT=921MiB" in f["message"]


def test_headroom_threshold(tmp_path):
    over = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {memory: 1000Mi}}
        env: [{name: GOMEMLIMIT, value: 950MiB}]
        """))
    assert only(over, "gomemlimit-no-headroom")
    under = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {memory: 1000Mi}}
        env: [{name: GOMEMLIMIT, value: 949MiB}]
        """))
    assert rules_of({"findings": under}) == []
    above = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {memory: 1Gi}}
        env: [{name: GOMEMLIMIT, value: 2GiB}]
        """))
    assert "above the limit itself" in only(above, "gomemlimit-no-headroom")[0]["message"]


# --- gomemlimit-without-limit ----------------------------------------------------------------------
def test_gomemlimit_without_limit(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        env: [{name: GOMEMLIMIT, value: 921MiB}]
        """))
    assert rules_of({"findings": fs}) == ["gomemlimit-without-limit"]
    assert "resources.limits.memory: 1Gi" in fs[0]["message"]


def test_fieldref_without_limit_is_node_memory(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        env:
        - name: GOMEMLIMIT
          valueFrom: {resourceFieldRef: {resource: limits.memory}}
        """))
    [f] = only(fs, "gomemlimit-without-limit")
    assert "allocatable memory" in f["message"]
    assert not only(fs, "memory-limit-missing")


# --- gogc-off-unbounded ----------------------------------------------------------------------------
def test_gogc_off_without_gomemlimit(tmp_path):
    for value in ("off", "-1"):
        fs = findings(tmp_path, deployment(PROBES + f"""
            resources: {{limits: {{memory: 1Gi}}}}
            env: [{{name: GOGC, value: "{value}"}}]
            """))
        [f] = only(fs, "gogc-off-unbounded")
        assert f["severity"] == "error" and "GOMEMLIMIT=921MiB" in f["message"]


def test_gogc_off_with_gomemlimit_or_invalid_off_is_fine(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {memory: 1Gi}}
        env: [{name: GOGC, value: "off"}, {name: GOMEMLIMIT, value: 900MiB}]
        """))
    assert rules_of({"findings": fs}) == []
    fs = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {memory: 1Gi}}
        env: [{name: GOGC, value: "OFF"}, {name: GOMEMLIMIT, value: 900MiB}]
        """))
    assert not only(fs, "gogc-off-unbounded")  # "OFF" is ignored by the runtime: GOGC stays 100


# --- gomaxprocs-cpu-limit --------------------------------------------------------------------------
def test_cpu_limit_with_unknown_go_is_a_note_not_a_finding(tmp_path):
    p = write(tmp_path, deployment(PROBES + """
        resources: {limits: {cpu: 500m}}
        """))
    _, doc = run_json(str(p))
    # the runtime may already do better than a fixed value: no finding, no recommendation
    assert only(doc["findings"], "gomaxprocs-cpu-limit") == []
    assert any("1 Go container with a CPU limit and an unknown Go version" in n for n in doc["notes"])
    assert doc["containers"][0]["gomaxprocs_follows_cpu_limit"] is None


def test_own_gomemlimit_flag_or_known_default_silences_missing(tmp_path):
    text = deployment(PROBES + """
        args: ["--enable-feature=auto-gomemlimit", "--config.file=/etc/prometheus.yml"]
        resources: {limits: {memory: 1Gi}}
        """)
    assert only(findings(tmp_path, text), "gomemlimit-missing") == []
    # Prometheus 3 does it by default; --no-auto-gomemlimit turns that off
    p = write(tmp_path, """
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - {name: a, image: "quay.io/prometheus/prometheus:v3.13.1", resources: {limits: {memory: 1Gi}}}
          - {name: b, image: "quay.io/prometheus/prometheus:v3.13.1", resources: {limits: {memory: 1Gi}},
             args: [--no-auto-gomemlimit]}
          - {name: c, image: "quay.io/prometheus/prometheus:v2.53.0", resources: {limits: {memory: 1Gi}}}
        """)
    _, doc = run_json(str(p), assume_go=False)
    assert sorted(f["container"] for f in only(doc["findings"], "gomemlimit-missing")) == ["b", "c"]


def test_gomaxprocs_above_limit(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {cpu: "2"}}
        env: [{name: GOMAXPROCS, value: "8"}]
        """))
    [f] = only(fs, "gomaxprocs-cpu-limit")
    assert f["severity"] == "warning" and "GOMAXPROCS=8" in f["message"] and "GOMAXPROCS=2" in f["message"]


def test_gomaxprocs_within_limit_is_fine(tmp_path):
    for limit, procs in (("2", "2"), ("1", "2"), ("1500m", "2"), ("500m", "1")):
        fs = findings(tmp_path, deployment(PROBES + f"""
            resources: {{limits: {{cpu: "{limit}", memory: 1Gi}}}}
            env: [{{name: GOMAXPROCS, value: "{procs}"}}, {{name: GOMEMLIMIT, value: 900MiB}}]
            """))
        assert rules_of({"findings": fs}) == [], (limit, procs)


def test_gomaxprocs_from_fieldref(tmp_path):
    ok = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {cpu: 1500m, memory: 1Gi}}
        env:
        - {name: GOMEMLIMIT, value: 900MiB}
        - name: GOMAXPROCS
          valueFrom: {resourceFieldRef: {resource: limits.cpu}}
        """))
    assert rules_of({"findings": ok}) == []
    bad = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {cpu: 1500m}}
        env:
        - name: GOMAXPROCS
          valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}
        """))
    assert "GOMAXPROCS=1500" in only(bad, "gomaxprocs-cpu-limit")[0]["message"]


def test_invalid_gomaxprocs_is_ignored_by_the_runtime(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {cpu: "2"}}
        env: [{name: GOMAXPROCS, value: "0"}, {name: GODEBUG, value: containermaxprocs=0}]
        """))
    [f] = only(fs, "gomaxprocs-cpu-limit")
    assert "not a positive integer" in f["message"] and "containermaxprocs=0" in f["message"]


def test_no_cpu_limit_no_finding(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + "env: [{name: GOMAXPROCS, value: '64'}]"))
    assert not only(fs, "gomaxprocs-cpu-limit")


# --- memory-limit-missing --------------------------------------------------------------------------
def test_memory_limit_missing(tmp_path):
    fs = findings(tmp_path, deployment(PROBES))
    [f] = only(fs, "memory-limit-missing")
    assert f["line"] == 9 and f["container"] == "app"


def test_memory_limit_missing_init_container(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + "resources: {limits: {memory: 1Gi}}\nenv: [{name: GOMEMLIMIT, value: 900MiB}]",
                                       pod_extra="initContainers:\n- name: migrate\n  image: m"))
    [f] = only(fs, "memory-limit-missing")
    assert f["container"] == "migrate" and "init container" in f["message"]
    assert not only(fs, "probes-missing")


# --- probes-missing --------------------------------------------------------------------------------
def test_probes_missing_long_running(tmp_path):
    for kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"):
        fs = findings(tmp_path, deployment("resources: {limits: {memory: 1Gi}}\nenv: [{name: GOMEMLIMIT, value: 900MiB}]",
                                           kind=kind))
        [f] = only(fs, "probes-missing")
        assert f["workload"] == f"{kind}/api"


def test_probes_one_missing(tmp_path):
    fs = findings(tmp_path, deployment("readinessProbe: {tcpSocket: {port: 80}}\nresources: {limits: {memory: 1Gi}}"
                                       "\nenv: [{name: GOMEMLIMIT, value: 900MiB}]"))
    [f] = only(fs, "probes-missing")
    assert "no livenessProbe" in f["message"] and "readinessProbe" not in f["message"]


def test_no_probes_needed_for_jobs_and_completing_pods(tmp_path):
    job = findings(tmp_path, deployment("resources: {limits: {memory: 1Gi}}\nenv: [{name: GOMEMLIMIT, value: 900MiB}]",
                                        kind="Job"))
    assert rules_of({"findings": job}) == []
    pod = findings(tmp_path, """
        apiVersion: v1
        kind: Pod
        metadata: {name: once}
        spec:
          restartPolicy: Never
          containers:
          - name: app
            image: app
            resources: {limits: {memory: 1Gi}}
            env: [{name: GOMEMLIMIT, value: 900MiB}]
        """)
    assert rules_of({"findings": pod}) == []
    pod_always = findings(tmp_path, """
        apiVersion: v1
        kind: Pod
        metadata: {name: server}
        spec:
          containers:
          - name: app
            image: app
            resources: {limits: {memory: 1Gi}}
            env: [{name: GOMEMLIMIT, value: 900MiB}]
        """)
    assert rules_of({"findings": pod_always}) == ["probes-missing"]


def test_clean_manifest_has_no_findings(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {memory: 1Gi, cpu: "2"}}
        env:
        - {name: GOMEMLIMIT, value: 921MiB}
        - {name: GOMAXPROCS, value: "2"}
        """))
    assert fs == []


# --- suppression -----------------------------------------------------------------------------------
def test_annotation_suppresses(tmp_path):
    text = deployment("resources: {limits: {memory: 1Gi}}",
                      annotations="golayer/ignore: gomemlimit-missing,probes-missing")
    assert findings(tmp_path, text) == []
    text = deployment("resources: {limits: {memory: 1Gi}}", annotations="golayer/ignore: GLR002")
    assert rules_of({"findings": findings(tmp_path, text)}) == ["probes-missing"]


def test_pod_template_annotation_suppresses(tmp_path):
    text = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api}
        spec:
          template:
            metadata:
              annotations: {golayer/ignore: all}
            spec:
              containers:
              - {name: app, image: app}
        """
    assert findings(tmp_path, text) == []


def test_config_select_and_ignore(tmp_path):
    text = deployment("resources: {limits: {memory: 1Gi}}")
    assert rules_of({"findings": findings(tmp_path, text, "--ignore", "probes-missing")}) == ["gomemlimit-missing"]
    p = write(tmp_path, text)
    assert rules_of(run_json(str(p), "--select", "GLR008", opt_in=False)[1]) == ["probes-missing"]


def test_gomemlimit_off_with_limit_is_missing(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        resources: {limits: {memory: 1Gi}}
        env: [{name: GOMEMLIMIT, value: "off"}]
        """))
    [f] = only(fs, "gomemlimit-missing")
    assert "GOMEMLIMIT=off" in f["message"] and f["line"] == 14


def test_invalid_value_with_space_is_quoted(tmp_path):
    fs = findings(tmp_path, deployment(PROBES + """
        env: [{name: GOMEMLIMIT, value: "768 MiB"}]
        """))
    [f] = only(fs, "gomemlimit-invalid")
    assert f['message'].startswith('GOMEMLIMIT="768 MiB" is not Go syntax') and "GOMEMLIMIT=768MiB" in f["message"]


def test_hints_without_a_value_name_the_configured_ratio(tmp_path, cli):
    p = tmp_path / "pod.yaml"
    p.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                 "  - name: app\n    image: x\n    env: [{name: GOGC, value: \"off\"}]\n")
    r = cli(["runtime", str(p), "--assume-go", "--gomemlimit-ratio", "0.8", "-f", "json"])
    hints = [f["hint"] or "" for f in __import__("json").loads(r.out)["findings"]]
    assert any("80% of it" in h for h in hints) and not any("90% of it" in h for h in hints)
