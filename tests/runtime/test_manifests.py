"""Loading manifests: every workload shape, compose, positions, stdin, discovery, hostile input."""

from __future__ import annotations

import textwrap
import time

import pytest

from golayer.errors import InputError
from golayer.runtime import manifests
from tests.conftest import run_cli
from tests.runtime.helpers import rules_of, run_json, write


def load(text: str, name: str = "m.yaml"):
    return manifests.load_text(textwrap.dedent(text).lstrip("\n"), name)


def containers(loaded):
    return [(w.ref, c.name) for w in loaded.workloads for c in w.containers]


def test_every_workload_kind_and_list():
    got = load("""
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: Pod
          metadata: {name: p}
          spec: {containers: [{name: c, image: i}]}
        - apiVersion: apps/v1
          kind: StatefulSet
          metadata: {name: s}
          spec: {template: {spec: {containers: [{name: c, image: i}]}}}
        ---
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: cj}
        spec:
          jobTemplate:
            spec:
              template:
                spec:
                  initContainers: [{name: init, image: i}]
                  containers: [{name: c, image: i}]
        ---
        apiVersion: v1
        kind: PodTemplate
        metadata: {name: pt}
        template: {spec: {containers: [{name: c, image: i}]}}
        ---
        apiVersion: apps/v1
        kind: DeploymentList
        items:
        - kind: Deployment
          metadata: {name: d}
          spec: {template: {spec: {containers: [{name: c, image: i}]}}}
        ---
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata: {name: r}
        spec: {template: {spec: {containers: [{name: c, image: i}]}}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: svc}
        """)
    assert containers(got) == [("Pod/p", "c"), ("StatefulSet/s", "c"), ("CronJob/cj", "init"), ("CronJob/cj", "c"),
                               ("PodTemplate/pt", "c"), ("Deployment/d", "c"), ("Rollout/r", "c")]
    kinds = {w.ref: w.long_running for w in got.workloads}
    assert kinds["Pod/p"] and kinds["StatefulSet/s"] and kinds["Deployment/d"]
    assert not kinds["CronJob/cj"] and not kinds["PodTemplate/pt"]


def test_positions_are_absolute_across_documents():
    got = load("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: x}
        data:
          a: b
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: d}
        spec:
          template:
            spec:
              containers:
              - name: c
                image: i
                resources:
                  limits:
                    memory: 512Mi
                env:
                - name: GOMEMLIMIT
                  value: 460MiB
        """)
    [w] = got.workloads
    c = w.containers[0]
    assert w.line == 8 and c.line == 14 and c.memory_limit_line == 18 and c.env["GOMEMLIMIT"].line == 20
    assert c.memory_limit == 512 * 1024 * 1024


def test_env_expansion_and_unknown_sources():
    got = load("""
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - name: c
            envFrom: [{configMapRef: {name: settings}}]
            env:
            - {name: MEM, value: "768"}
            - {name: GOMEMLIMIT, value: "$(MEM)MiB"}
            - {name: GOGC, value: "$(FROM_CM)"}
            - {name: ESC, value: "$$(MEM)"}
            - {name: GOMAXPROCS, value: "2"}
            - {name: GOMAXPROCS, value: "3"}
        """)
    c = got.workloads[0].containers[0]
    assert c.env["GOMEMLIMIT"].value == "768MiB"
    assert c.env["GOGC"].value is None  # may come from the ConfigMap: unknown
    assert c.env["ESC"].value == "$(MEM)"
    assert c.env["GOMAXPROCS"].value == "3"  # the last definition wins
    assert c.env_unknown == ["envFrom configMapRef settings"]


def test_non_string_env_value_is_noted():
    got = load("""
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - name: c
            env: [{name: GOGC, value: 50}]
        """)
    assert got.workloads[0].containers[0].env["GOGC"].value == "50"
    assert any("not a string" in n for n in got.notes)


def test_compose_forms(tmp_path):
    (tmp_path / ".env").write_text("LIMIT=768m\n")
    p = write(tmp_path, """
        services:
          web:
            image: web:1
            mem_limit: ${LIMIT}
            cpus: 0.5
            environment:
              - GOMEMLIMIT=${GML:-700MiB}
              - GOGC
          worker:
            image: worker
            mem_limit: 2g
            deploy:
              resources:
                limits: {memory: 1G, cpus: "2"}
            environment:
              GOMEMLIMIT: 900MiB
            env_file: worker.env
          db:
            image: postgres
            mem_limit: -1
        """, "compose.yaml")
    got = manifests.load_paths([str(p)])
    web, worker, db = (w.containers[0] for w in got.workloads)
    assert web.memory_limit == 768 * 2**20 and web.memory_limit_line == 4 and web.cpu_limit == 0.5
    assert web.env["GOMEMLIMIT"].value == "700MiB" and web.env["GOGC"].value is None
    assert worker.memory_limit == 2**30 and worker.memory_limit_source == "deploy.resources.limits.memory"
    assert worker.cpu_limit == 2 and worker.env_unknown == ["env_file worker.env"]
    assert db.memory_limit is None


def test_compose_end_to_end(tmp_path):
    p = write(tmp_path, """
        services:
          api:
            image: api
            mem_limit: 1g
            environment: {GOMEMLIMIT: 1Gi}
        """, "docker-compose.yml")
    code, doc = run_json(str(p))
    assert code == 1 and rules_of(doc) == ["gomemlimit-invalid"]
    f = doc["findings"][0]
    assert f["workload"] == "service/api" and f["line"] == 5 and "GOMEMLIMIT=1GiB" in f["message"]


def test_stdin(tmp_path):
    text = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env: [{name: GOMEMLIMIT, value: 1G}]\n"
    code, doc = run_json("-", stdin=text)
    assert doc["inputs"] == ["<stdin>"] and "gomemlimit-invalid" in rules_of(doc)
    assert doc["findings"][0]["file"] == "<stdin>"


def test_json_container_data(tmp_path):
    p = write(tmp_path, """
        kind: Deployment
        metadata: {name: d}
        spec:
          template:
            spec:
              containers:
              - name: c
                image: reg/app:1
                resources: {limits: {memory: 1Gi, cpu: 250m}}
                env: [{name: GOMEMLIMIT, value: 900MiB}]
        """)
    _, doc = run_json(str(p))
    [c] = doc["containers"]
    assert c["workload"] == "Deployment/d" and c["container"] == "c" and c["line"] == 7
    assert c["memory_limit_bytes"] == 2**30 and c["cpu_limit"] == "0.25" and c["cpu_limit_millis"] == 250
    assert c["gomemlimit"] == "900MiB" and c["gomemlimit_bytes"] == 900 * 2**20 and c["gomemlimit_valid"]
    assert c["recommended_gomemlimit"] == "921MiB" and c["go_assumed"] is False and c["go"]["decided_by"] == "env"
    assert doc["gomemlimit_ratio"] == "0.9"


def test_text_output_says_go_was_assumed(tmp_path):
    p = write(tmp_path, "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: i}\n")
    r = run_cli(["runtime", str(p)])
    assert r.code == 0, r.out  # unknown language: no Go-specific finding by default
    assert "Pod/p/c: unknown (" in r.out and "1 container of unknown language got no Go-specific check" in r.out
    r = run_cli(["runtime", "--assume-go", "--select", "ALL", str(p)])
    assert r.code == 1
    assert "assumed Go for 1 container (Pod/p/c)" in r.out
    assert f"{p}:5 warning memory-limit-missing [GLR007]" in r.out


# --- robustness ----------------------------------------------------------------------------------
def test_billion_laughs_is_refused_fast(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines.append("kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}")
    p = write(tmp_path, "\n".join(lines) + "\n")
    t = time.monotonic()
    r = run_cli(["runtime", str(p)])
    assert time.monotonic() - t < 10
    assert r.code == 2 and "alias expansion exceeds" in r.err and "Traceback" not in r.err


def test_recursive_alias_is_refused(tmp_path):
    for text in ("kind: Pod\nmetadata: {name: p}\nspec: &s\n  containers: [{name: c}]\n  self: *s\n",
                 "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: &l [{name: c}, *l]\n"):
        p = write(tmp_path, text)
        r = run_cli(["runtime", str(p)])
        assert r.code == 2 and "recursive YAML alias" in r.err and "Traceback" not in r.err


def test_recursive_structure_is_refused():
    from golayer.runtime.manifests import _check_expansion

    node: dict = {"a": []}
    node["a"].append(node)
    with pytest.raises(InputError, match="recursive YAML alias"):
        _check_expansion(node, "x.yaml")


def test_deep_nesting_is_an_error_not_a_crash(tmp_path):
    flow = write(tmp_path, "kind: Pod\nspec: " + "[" * 5000 + "]" * 5000 + "\n", "flow.yaml")
    block = write(tmp_path, "kind: Pod\nspec:\n" + "".join("  " * (i + 1) + "a:\n" for i in range(3000)), "block.yaml")
    for p in (flow, block):
        t = time.monotonic()
        r = run_cli(["runtime", str(p)])
        assert time.monotonic() - t < 5
        assert r.code == 2 and "refusing to parse it" in r.err and "Traceback" not in r.err


def test_non_mapping_documents_are_skipped_with_a_note(tmp_path):
    p = write(tmp_path, "- a\n- b\n---\njust a string\n---\nkind: Pod\nmetadata: {name: p}\n"
                        "spec: {containers: [{name: c, livenessProbe: {}, readinessProbe: {}}]}\n")
    code, doc = run_json(str(p))
    assert any("not a mapping" in n for n in doc["notes"])
    assert rules_of(doc) == ["memory-limit-missing"]


def test_unrendered_template_is_skipped_with_a_hint(tmp_path):
    p = write(tmp_path, """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{ .Release.Name }}
        spec:
          template:
            spec:
              containers:
              {{- range .Values.containers }}
              - name: {{ .name }}
              {{- end }}
        """)
    r = run_cli(["runtime", str(p)])
    assert r.code == 0 and "unrendered template" in r.out and "helm template" in r.out


def test_invalid_yaml_and_missing_file_are_clear_errors(tmp_path):
    p = write(tmp_path, "kind: Pod\nspec: [unclosed\n")
    r = run_cli(["runtime", str(p)])
    assert r.code == 2 and f"{p}:" in r.err and "not valid YAML" in r.err
    r = run_cli(["runtime", str(tmp_path / "nope.yaml")])
    assert r.code == 2 and "Traceback" not in r.err
    b = tmp_path / "bin.yaml"
    b.write_bytes(b"\x7fELF\x00\x00")
    r = run_cli(["runtime", str(b)])
    assert r.code == 2 and "binary" in r.err


def test_bad_quantities_are_notes_not_crashes(tmp_path):
    p = write(tmp_path, """
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - name: c
            resources: {limits: {memory: 1GB, cpu: lots}}
            env: [{name: GOMEMLIMIT, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: bogus}}}]
        """)
    code, doc = run_json(str(p))
    assert any("limits.memory '1GB' is not a quantity" in n for n in doc["notes"])
    assert any("bad divisor" in n for n in doc["notes"])


# --- discovery ------------------------------------------------------------------------------------
def test_discover(tmp_path):
    write(tmp_path, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n", "k8s/deploy.yaml") \
        if (tmp_path / "k8s").mkdir() is None else None
    write(tmp_path, "apiVersion: v1\nkind: ConfigMap\n", "cm.yaml")
    write(tmp_path, "services: {a: {image: x}}\n", "compose.yaml")
    write(tmp_path, "services: {a: {image: x}}\n", "compose.prod.yaml")
    write(tmp_path, "services: {a: {image: x}}\n", "docker-compose.override.yml")
    (tmp_path / "chart" / "templates").mkdir(parents=True)
    write(tmp_path, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: {{ .Values.n }}}\n",
          "chart/templates/d.yaml")
    (tmp_path / ".git").mkdir()
    write(tmp_path, "apiVersion: v1\nkind: Pod\n", ".git/p.yaml")
    (tmp_path / "vendor").mkdir()
    write(tmp_path, "apiVersion: v1\nkind: Pod\n", "vendor/p.yaml")
    write(tmp_path, "title: not k8s\n", "mkdocs.yml")
    found = sorted(p.relative_to(tmp_path).as_posix() for p in manifests.discover(tmp_path))
    assert found == ["compose.prod.yaml", "compose.yaml", "docker-compose.override.yml", "k8s/deploy.yaml"]


def test_run_runtime_for_check_skips_bad_files(tmp_path):
    from golayer.commands.runtime import run_runtime
    from golayer.config import Config

    good = write(tmp_path, "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n", "good.yaml")
    bad = write(tmp_path, "kind: Pod\nspec: [\n", "bad.yaml")
    rep = run_runtime([str(bad), str(good)], Config(select=["ALL"]), assume_go=True)
    assert [f.rule for f in rep.findings] == ["memory-limit-missing", "probes-missing"]
    assert any("bad.yaml" in n and "not valid YAML" in n for n in rep.data["notes"])
    with pytest.raises(InputError):
        run_runtime([str(bad)], Config(), strict=True)


def test_unknown_compose_variable_is_noted(tmp_path):
    p = write(tmp_path, "services:\n  a:\n    image: x\n    mem_limit: 1g\n    environment:\n"
                        "      GOMEMLIMIT: ${GML}\n", "compose.yaml")
    code, doc = run_json(str(p))
    assert any("${GML}" in n and "cannot see" in n for n in doc["notes"])
    assert doc["findings"] == []  # unknown value: neither missing nor invalid


def test_nothing_found_is_said(tmp_path):
    p = write(tmp_path, "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
    r = run_cli(["runtime", str(p)])
    assert r.code == 0 and "no Kubernetes workload or compose service found" in r.out


def test_check_command_includes_manifests(tmp_path):
    pytest.importorskip("golayer.commands.lint")
    (tmp_path / "deploy").mkdir()
    write(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                    "  - name: c\n    env: [{name: GOMEMLIMIT, value: 768Mi}]\n", "deploy/pod.yaml")
    r = run_cli(["check", str(tmp_path), "-f", "json", "--assume-go"])
    import json

    doc = json.loads(r.out)
    assert r.code == 1 and "runtime (1 deployment: 1 kubernetes)" in r.err
    assert "gomemlimit-invalid" in [f["rule"] for f in doc["findings"]]
    assert doc["runtime"]["containers"][0]["workload"] == "Pod/p"


MERGE_AND_SCALARS = """
x-defaults: &defaults
  image: api
  mem_limit: 1g
  environment: &env
    GOGC: off
    GOMAXPROCS: 2
services:
  api:
    <<: *defaults
    cpus: 1
  worker:
    <<: *defaults
    mem_limit: 512m
    environment:
      <<: *env
      GOMEMLIMIT: 460MiB
"""


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "ruamel"])
def test_both_yaml_backends_agree(tmp_path, monkeypatch, libyaml):
    yaml = pytest.importorskip("yaml") if libyaml else None
    if libyaml and not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml")
    if not libyaml:
        try:
            import yaml as y

            monkeypatch.setattr(y, "__with_libyaml__", False)
        except ImportError:
            pass
    p = write(tmp_path, MERGE_AND_SCALARS, "compose.yaml")
    got = manifests.load_paths([str(p)])
    api, worker = (w.containers[0] for w in got.workloads)
    assert api.memory_limit == 2**30 and api.cpu_limit == 1 and api.image == "api"
    assert api.env["GOGC"].value == "off"  # unquoted off: the text as written, not a boolean
    assert api.env["GOMAXPROCS"].value == "2"
    assert worker.memory_limit == 512 * 2**20 and worker.memory_limit_line == 13
    assert worker.env["GOMEMLIMIT"].line == 16 and worker.env["GOGC"].value == "off"
    k8s = load("""
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - name: c
            env:
            - {name: GOGC, value: off}
            - {name: GOMAXPROCS, value: 0x10}
        """)
    c = k8s.workloads[0].containers[0]
    assert c.env["GOGC"].value == "off" and c.env["GOMAXPROCS"].value == "0x10"
    assert any("GOMAXPROCS value 0x10 is not a string" in n for n in k8s.notes)


def test_pod_level_limits_bound_containers():
    got = load("""
        kind: Pod
        metadata: {name: p}
        spec:
          resources:
            limits: {memory: 1Gi, cpu: "2"}
          containers:
          - name: a
          - name: b
            resources: {limits: {memory: 256Mi}}
        """)
    a, b = got.workloads[0].containers
    assert a.memory_limit == 2**30 and a.memory_limit_line == 5 and a.cpu_limit == 2
    assert "pod-level" in a.memory_limit_source
    assert b.memory_limit == 256 * 2**20
