"""SARIF output (issue 10, item 20): every result has a location (an image is an artifact too), URIs
are percent-encoded, fixes for standard input come from standard input, and the official SARIF
validator (``sarif-multitool validate --rule-kind "Gh;Sarif"``) reports no error."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.image.helpers import Layer, docker_archive
from tests.image.hostile import run_limited

DOCKERFILE = "FROM golang:1.22 AS build\nRUN go build -o /app .\nENV GOFLAGS=-mod=mod\n"


def _multitool() -> str | None:
    """The validator's own executable (npm's wrapper passes arguments through a shell, which would
    split ``Gh;Sarif`` at the semicolon)."""
    for c in (os.environ.get("SARIF_MULTITOOL"), shutil.which("sarif-multitool-linux"), shutil.which("sarif-multitool")):
        if not c or not os.path.exists(c):
            continue
        real = Path(os.path.realpath(c))
        exe = real if real.name == "Sarif.Multitool" else real.parent / "Sarif.Multitool"
        if exe.exists() and os.access(exe, os.X_OK):
            return str(exe)
    return None


def _image(tmp_path: Path) -> str:
    lay = Layer().file("src/app/.git/HEAD", 23).file("src/app/.git/objects/p", 5000)
    return str(docker_archive(tmp_path / "my image#1.tar", [lay]))


def _results(doc):
    return doc["runs"][0]["results"]


def test_image_findings_locate_the_image_and_uris_are_encoded(tmp_path):
    ref = _image(tmp_path)
    r = run_limited(["image", ref, "-f", "sarif"])
    assert r.code == 1, r.err
    doc = json.loads(r.out)
    res = _results(doc)
    assert res
    for x in res:
        uri = x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri == Path(ref).as_uri() and "%20" in uri and "%231" in uri
    base = doc["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")


def test_relative_dockerfile_uri_is_encoded_against_the_base(tmp_path):
    d = tmp_path / "a dir"
    d.mkdir()
    (d / "Dockerfile").write_text(DOCKERFILE)
    r = run_limited(["lint", "a dir/Dockerfile", "-f", "sarif"], cwd=str(tmp_path))
    assert r.code == 1, r.err
    doc = json.loads(r.out)
    loc = _results(doc)[0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "a%20dir/Dockerfile", "uriBaseId": "SRCROOT"}
    assert doc["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"] == tmp_path.as_uri() + "/"


def test_stdin_fixes_never_read_a_file_named_dash(tmp_path):
    (tmp_path / "-").write_text("# a decoy the fixes must not be computed from\n" * 50)
    r = run_limited(["lint", "-", "-f", "sarif"], cwd=str(tmp_path), stdin=DOCKERFILE)
    assert r.code == 1, r.err
    fixes = [f for x in _results(json.loads(r.out)) for f in x.get("fixes", [])]
    assert fixes, "the Dockerfile should have at least one fixable finding"
    for f in fixes:
        for ch in f["artifactChanges"]:
            for rep in ch["replacements"]:
                assert rep["deletedRegion"]["startLine"] <= DOCKERFILE.count("\n") + 1


def test_official_validator_accepts_lint_and_image_sarif(tmp_path):
    tool = _multitool()
    if not tool:
        pytest.skip("SARIF-MULTITOOL UNAVAILABLE: npm install -g @microsoft/sarif-multitool-linux (.ci/run does)")
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    outs = []
    r = run_limited(["lint", "Dockerfile", "-f", "sarif", "-o", "lint.sarif"], cwd=str(tmp_path))
    assert r.code == 1, r.err
    outs.append(tmp_path / "lint.sarif")
    r = run_limited(["image", _image(tmp_path), "-f", "sarif", "-o", str(tmp_path / "image.sarif")])
    assert r.code == 1, r.err
    outs.append(tmp_path / "image.sarif")
    env = {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"}
    for f in outs:
        log = tmp_path / (f.name + ".validation")
        p = subprocess.run([tool, "validate", "--rule-kind", "Gh;Sarif", str(f), "-o", str(log)],
                           capture_output=True, text=True, timeout=180, env=env)
        assert log.exists(), p.stdout[-2000:] + p.stderr[-2000:]
        errors = [x for x in _results(json.loads(log.read_text())) if x.get("level") == "error"]
        assert not errors, (f.name, errors)
