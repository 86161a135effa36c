"""`golayer runtime --fix` / `--diff`: in-place edits for the findings with one right answer."""

from __future__ import annotations

import os
import stat
import textwrap

from tests.conftest import run_cli

K8S = textwrap.dedent("""\
    # the api
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api   # comment kept
    spec:
      template:
        spec:
          containers:
            - name: app
              image: quay.io/prometheus/prometheus:v2.53.0
              resources:
                limits: {memory: 1Gi}
              env:
                - name: GOMEMLIMIT
                  value: "768Mi"
            - name: side
              image: quay.io/prometheus/prometheus:v2.53.0
              resources:
                limits:
                  memory: 512Mi
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec:
      containers:
      - name: c
        image: prom/prometheus:v2.53.0
        resources: {limits: {memory: 2Gi}}
        env: [{name: GOGC, value: "off"}]
      - name: d
        image: prom/prometheus:v2.53.0
        resources: {limits: {memory: 2Gi}}
        env:
        - name: GOMEMLIMIT
          valueFrom:
            resourceFieldRef: {resource: limits.memory, divisor: "1"}
    """)


def _changed_lines(old: str, new: str) -> tuple[set[str], set[str]]:
    import difflib

    d = list(difflib.ndiff(old.splitlines(), new.splitlines()))
    return {x[2:] for x in d if x.startswith("- ")}, {x[2:] for x in d if x.startswith("+ ")}


def test_fix_edits_only_the_touched_lines_and_is_idempotent(tmp_path):
    p = tmp_path / "deploy.yaml"
    p.write_text(K8S)
    os.chmod(p, 0o640)
    r = run_cli(["runtime", "--diff", str(p)])
    assert r.code == 1 and "4 fixes would change 1 file" in r.err
    assert p.read_text() == K8S  # --diff writes nothing
    r = run_cli(["runtime", "--fix", str(p)])
    assert "4 fixes changed 1 file" in r.err, r.err
    new = p.read_text()
    removed, added = _changed_lines(K8S, new)
    assert removed == {'              value: "768Mi"',
                       '    env: [{name: GOGC, value: "off"}]',
                       "      valueFrom:",
                       '        resourceFieldRef: {resource: limits.memory, divisor: "1"}'}
    assert added == {'              value: "768MiB"',
                     "          env:", "            - name: GOMEMLIMIT", "              value: 460MiB",
                     '    env: [{name: GOGC, value: "off"}, {name: GOMEMLIMIT, value: 1843MiB}]',
                     "      value: 1843MiB"}
    assert "# the api" in new and "# comment kept" in new
    assert stat.S_IMODE(p.stat().st_mode) == 0o640
    assert not [f for f in os.listdir(tmp_path) if f != "deploy.yaml"]  # no temporary file left
    r = run_cli(["runtime", "--fix", str(p)])
    assert "0 fixes changed 0 files" in r.err and p.read_text() == new
    r = run_cli(["runtime", "-f", "json", str(p)])
    import json

    rules = {f["rule"] for f in json.loads(r.out)["findings"]}
    assert not rules & {"gomemlimit-invalid", "gomemlimit-missing", "gomemlimit-no-headroom", "gogc-off-unbounded"}


def test_fix_compose_mapping_list_and_missing_environment(tmp_path):
    p = tmp_path / "compose.yaml"
    p.write_text(textwrap.dedent("""\
        services:
          api:
            image: prom/prometheus:v2   # the api
            mem_limit: 1g
            environment:
              GOMEMLIMIT: 900Mi
          worker:
            image: prom/prometheus:v2
            mem_limit: 512m
            environment:
              - GOGC=off
              - FOO=bar
          other:
            image: prom/prometheus:v2
            deploy:
              resources:
                limits: {memory: 256M}
        """))
    r = run_cli(["runtime", "--fix", str(p)])
    assert "3 fixes changed 1 file" in r.err, r.err
    text = p.read_text()
    assert "      GOMEMLIMIT: 900MiB\n" in text and "      - GOMEMLIMIT=460MiB\n" in text
    assert text.endswith("    environment:\n      GOMEMLIMIT: 230MiB\n")
    assert "# the api" in text


def test_no_fix_where_the_answer_is_not_certain(tmp_path):
    p = tmp_path / "pod.yaml"
    original = textwrap.dedent("""\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - name: ambiguous
            image: prom/prometheus:v2.53.0
            resources: {limits: {memory: 1Gi}}
            env: [{name: GOMEMLIMIT, value: 768M}]
          - name: hidden
            image: prom/prometheus:v2.53.0
            resources: {limits: {memory: 1Gi}}
            envFrom: [{configMapRef: {name: settings}}]
          - name: nolimit
            image: prom/prometheus:v2.53.0
            env: [{name: GOGC, value: "off"}]
          - name: expanded
            image: prom/prometheus:v2.53.0
            resources: {limits: {memory: 1Gi}}
            env: [{name: M, value: 1Gi}, {name: GOMEMLIMIT, value: "$(M)"}]
        """)
    p.write_text(original)
    r = run_cli(["runtime", "--fix", str(p)])
    assert "0 fixes changed 0 files" in r.err, r.err
    assert p.read_text() == original


def test_stdin_is_never_edited():
    r = run_cli(["runtime", "--fix", "-"], stdin="apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
                 "  containers: [{name: c, image: prom/prometheus, env: [{name: GOMEMLIMIT, value: 1Gi}]}]\n")
    assert "0 fixes changed 0 files" in r.err
