"""Which containers are Go: image buildinfo (--image), config patterns, the assumed default."""

from __future__ import annotations

import json

import pytest

from golayer.image.model import BinaryInfo, BuildInfo, ImageAnalysis
from tests.conftest import run_cli
from tests.runtime.helpers import PROBES, deployment, rules_of, run_json, write

CPU2 = PROBES + """
resources: {limits: {cpu: "2", memory: 1Gi}}
"""


def analysis(go_version="go1.27.3", default_godebug="", deps=(), env=(), entry="/app", go=True, ref="img"):
    bi = BuildInfo(go_version=go_version, path="example.com/app",
                   settings=[{"Key": "DefaultGODEBUG", "Value": default_godebug}] if default_godebug else [],
                   deps=[{"Path": d, "Version": "v1.0.0"} for d in deps])
    bins = [BinaryInfo(path="/app", size=9_000_000, is_go=go, buildinfo=bi if go else None)]
    return ImageAnalysis(ref=ref, source_kind="docker-archive",
                         config={"config": {"Entrypoint": [entry], "Env": list(env)}}, layers=[], tree=None,
                         binaries=bins)


@pytest.fixture
def with_images(monkeypatch):
    """`--image NAME=REF` resolves REF through this table instead of reading an image."""
    table: dict[str, ImageAnalysis] = {}
    import golayer.commands.runtime as cmd

    monkeypatch.setattr(cmd, "_analyse", lambda ref: table[ref])
    return table


def gmp(doc):
    return [f for f in doc["findings"] if f["rule"] == "gomaxprocs-cpu-limit"]


def test_go_below_125_ignores_cpu_limit(tmp_path, with_images):
    with_images["old"] = analysis(go_version="go1.24.3")
    p = write(tmp_path, deployment(CPU2 + "env: [{name: GOMEMLIMIT, value: 900MiB}]"))
    _, doc = run_json(str(p), "--image", "app=old")
    [f] = gmp(doc)
    assert f["severity"] == "warning" and "go1.24.3" in f["message"] and "GOMAXPROCS=2" in f["message"]
    c = doc["containers"][0]
    assert c["go_assumed"] is False and c["go"]["go_version"] == "go1.24.3"


def test_old_go_line_ignores_cpu_limit(tmp_path, with_images):
    with_images["img"] = analysis(default_godebug="containermaxprocs=0,decoratemappings=0,updatemaxprocs=0")
    p = write(tmp_path, deployment(CPU2 + "env: [{name: GOMEMLIMIT, value: 900MiB}]"))
    _, doc = run_json(str(p), "--image", "registry.example.com/app=img")
    [f] = gmp(doc)
    assert "go.mod says go < 1.25" in f["message"]
    # the remedy is the go line, not a GODEBUG variable the container does not set
    assert "raise the go.mod go line to 1.25" in f["message"] and "from GODEBUG" not in f["message"]
    assert doc["containers"][0]["go"]["module_go_before_1_25"] is True


def test_new_go_and_new_go_line_follow_the_limit(tmp_path, with_images):
    with_images["img"] = analysis(default_godebug="")
    p = write(tmp_path, deployment(CPU2 + "env: [{name: GOMEMLIMIT, value: 900MiB}]"))
    _, doc = run_json(str(p), "--image", "registry.example.com/app:1=img")
    assert doc["findings"] == []


def test_godebug_opt_out_is_seen(tmp_path, with_images):
    with_images["img"] = analysis()
    p = write(tmp_path, deployment(CPU2 + "env: [{name: GOMEMLIMIT, value: 900MiB}, "
                                          "{name: GODEBUG, value: 'http2client=0,containermaxprocs=0'}]"))
    _, doc = run_json(str(p), "--image", "app=img")
    assert "GODEBUG=containermaxprocs=0" in gmp(doc)[0]["message"]


def test_automaxprocs_and_automemlimit(tmp_path, with_images):
    with_images["img"] = analysis(go_version="go1.22.1", deps=("go.uber.org/automaxprocs",
                                                               "github.com/KimMachineGun/automemlimit"))
    p = write(tmp_path, deployment(CPU2 + "env: [{name: GOGC, value: 'off'}]"))
    _, doc = run_json(str(p), "--image", "app=img")
    assert doc["findings"] == []
    with_images["img"] = analysis(go_version="go1.22.1")
    _, doc = run_json(str(p), "--image", "app=img")
    assert sorted(rules_of(doc)) == ["gogc-off-unbounded", "gomaxprocs-cpu-limit", "gomemlimit-missing"]


def test_image_env_supplies_defaults(tmp_path, with_images):
    with_images["img"] = analysis(env=("GOMEMLIMIT=768Mi", "PATH=/bin"))
    p = write(tmp_path, deployment(PROBES + "resources: {limits: {memory: 1Gi}}"))
    _, doc = run_json(str(p), "--image", "app=img")
    [f] = doc["findings"]
    assert f["rule"] == "gomemlimit-invalid" and "from the image's ENV" in f["message"]
    # the manifest's env overrides the image's
    p = write(tmp_path, deployment(PROBES + "resources: {limits: {memory: 1Gi}}\nenv: [{name: GOMEMLIMIT, value: 900MiB}]"))
    _, doc = run_json(str(p), "--image", "app=img")
    assert doc["findings"] == []


def test_image_without_go_is_not_checked(tmp_path, with_images):
    with_images["img"] = analysis(go=False)
    p = write(tmp_path, deployment(""))
    _, doc = run_json(str(p), "--image", "app=img")
    assert doc["findings"] == [] and doc["containers"][0]["is_go"] is False


def test_config_patterns(tmp_path):
    (tmp_path / ".golayer.toml").write_text(
        '[runtime]\ngo-images = ["registry.example.com/*"]\nnot-go-images = ["docker.io/library/*"]\n')
    p = write(tmp_path, """
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - {name: go, image: "registry.example.com/api:1", livenessProbe: {}, readinessProbe: {}}
          - {name: db, image: "docker.io/library/postgres:16", livenessProbe: {}, readinessProbe: {}}
          - {name: other, image: "quay.io/x/y", livenessProbe: {}, readinessProbe: {}}
        """)
    _, doc = run_json(str(p), cwd=tmp_path)
    by = {c["container"]: c for c in doc["containers"]}
    assert by["go"]["is_go"] and not by["go"]["go_assumed"] and by["go"]["go"]["decided_by"] == "config"
    assert not by["db"]["is_go"] and "not-go-images pattern 'docker.io/library/*'" in by["db"]["language_reason"]
    assert by["other"]["is_go"] and by["other"]["go_assumed"]
    assert sorted(f["container"] for f in doc["findings"]) == ["go", "other"]
    _, doc = run_json(str(p), cwd=tmp_path, assume_go=False)
    assert [f["container"] for f in doc["findings"]] == ["go"]
    by = {c["container"]: c for c in doc["containers"]}
    assert by["other"]["language"] == "unknown" and not by["other"]["is_go"]
    (tmp_path / ".golayer.toml").write_text('[runtime]\ngo-images = ["registry.example.com/*"]\nassume-go = true\n')
    _, doc = run_json(str(p), cwd=tmp_path, assume_go=False)
    assert sorted(f["container"] for f in doc["findings"]) == ["go", "other"]


def test_usage_errors(tmp_path):
    p = write(tmp_path, deployment(""))
    r = run_cli(["runtime", str(p), "--image", "noequals"])
    assert r.code == 2 and "NAME=REF" in r.err
    r = run_cli(["runtime", str(p), "--gomemlimit-ratio", "1.5"])
    assert r.code == 2 and "between 0 and 1" in r.err
    (tmp_path / ".golayer.toml").write_text('[runtime]\ngomemlimit-ratoi = 0.8\n')
    r = run_cli(["runtime", str(p)], cwd=tmp_path)
    assert r.code == 2 and "gomemlimit-ratoi" in r.err


def test_image_name_matching_note(tmp_path, with_images):
    with_images["img"] = analysis()
    p = write(tmp_path, deployment(""))
    r = run_cli(["runtime", "-f", "json", str(p), "--image", "nosuch=img"])
    assert any("nosuch" in n for n in json.loads(r.out)["notes"])
