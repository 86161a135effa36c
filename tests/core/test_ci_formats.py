"""CI report formats (gitlab, junit, checkstyle, sonarqube) as their consumers read them, plus --baseline,
--write-baseline and --changed-since."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "naive-service"

BAD = """FROM golang:1.22
WORKDIR /src
COPY . .
RUN go build -o /app .
CMD /app
"""

# What GitLab's Code Quality widget requires of each entry (docs: "Implement a custom tool", code quality
# report format): description, check_name, fingerprint, severity from a fixed set, location.path and
# location.lines.begin (or positions).
GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object", "required": ["path", "lines"],
                "properties": {"path": {"type": "string", "minLength": 1},
                               "lines": {"type": "object", "required": ["begin"],
                                         "properties": {"begin": {"type": "integer", "minimum": 1}}}},
            },
        },
    },
}

# SonarQube >= 10.3 generic issue import format (docs: "Generic formatted issue reports").
_SOFT = {"enum": ["MAINTAINABILITY", "RELIABILITY", "SECURITY"]}
SONAR_SCHEMA = {
    "type": "object", "required": ["rules", "issues"],
    "properties": {
        "rules": {"type": "array", "items": {
            "type": "object", "required": ["id", "name", "engineId", "cleanCodeAttribute", "impacts"],
            "properties": {
                "cleanCodeAttribute": {"enum": ["CONVENTIONAL", "FORMATTED", "IDENTIFIABLE", "CLEAR", "COMPLETE",
                                                "EFFICIENT", "LOGICAL", "DISTINCT", "FOCUSED", "MODULAR",
                                                "TESTED", "LAWFUL", "RESPECTFUL", "TRUSTWORTHY"]},
                "impacts": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "required": ["softwareQuality", "severity"],
                    "properties": {"softwareQuality": _SOFT, "severity": {"enum": ["LOW", "MEDIUM", "HIGH"]}}}},
            }}},
        "issues": {"type": "array", "items": {
            "type": "object", "required": ["ruleId", "primaryLocation"],
            "properties": {"primaryLocation": {
                "type": "object", "required": ["message", "filePath"],
                "properties": {"textRange": {"type": "object", "required": ["startLine"]}}}}}},
    },
}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(BAD)
    (tmp_path / "main.go").write_text("package main\nfunc main() {}\n")
    return tmp_path


def test_gitlab_code_quality_entries_are_valid_and_match_json_fingerprints(project: Path) -> None:
    r = run_cli(["check", ".", "-f", "gitlab"], cwd=project)
    assert r.code == 1, r.err
    doc = json.loads(r.out)
    jsonschema.validate(doc, GITLAB_SCHEMA)
    assert doc and all(e["location"]["path"] == "Dockerfile" for e in doc)
    fps = {f["fingerprint"] for f in json.loads(run_cli(["check", ".", "-f", "json"], cwd=project).out)["findings"]}
    assert {e["fingerprint"] for e in doc} == fps
    assert any(e["check_name"] == "toolchain-in-final-image" and e["location"]["lines"]["begin"] == 1 for e in doc)


def test_junit_is_read_by_a_junit_consumer(project: Path, tmp_path_factory) -> None:
    junitparser = pytest.importorskip("junitparser")
    r = run_cli(["check", ".", "-f", "junit"], cwd=project)
    out = tmp_path_factory.mktemp("j") / "golayer.xml"
    out.write_text(r.out)
    xml = junitparser.JUnitXml.fromfile(str(out))
    cases = [c for suite in xml for c in suite]
    n = len(json.loads(run_cli(["check", ".", "-f", "json"], cwd=project).out)["findings"])
    assert len(cases) == n > 0
    assert all(not c.is_passed and c.result for c in cases)
    assert {c.classname for c in cases} == {"Dockerfile"}


def test_junit_clean_input_is_one_passing_case(tmp_path: Path) -> None:
    junitparser = pytest.importorskip("junitparser")
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY app /app\nUSER 65532\nENTRYPOINT [\"/app\"]\n")
    r = run_cli(["lint", "Dockerfile", "-f", "junit"], cwd=tmp_path)
    assert r.code == 0, r.out
    (tmp_path / "r.xml").write_text(r.out)
    cases = [c for suite in junitparser.JUnitXml.fromfile(str(tmp_path / "r.xml")) for c in suite]
    assert len(cases) == 1 and cases[0].is_passed


def test_checkstyle_structure(project: Path) -> None:
    r = run_cli(["check", ".", "-f", "checkstyle"], cwd=project)
    root = ET.fromstring(r.out)
    assert root.tag == "checkstyle"
    errors = root.findall("./file/error")
    assert errors and all(e.get("source", "").startswith("golayer.") for e in errors)
    assert all(e.get("severity") in {"error", "warning", "info"} and int(e.get("line")) >= 1 for e in errors)
    assert {f.get("name") for f in root.findall("file")} == {"Dockerfile"}


def test_sonarqube_generic_import_is_valid(project: Path) -> None:
    r = run_cli(["check", ".", "-f", "sonarqube"], cwd=project)
    doc = json.loads(r.out)
    jsonschema.validate(doc, SONAR_SCHEMA)
    assert {i["ruleId"] for i in doc["issues"]} == {rule["id"] for rule in doc["rules"]}
    assert all(i["primaryLocation"]["filePath"] == "Dockerfile" for i in doc["issues"])


def test_xml_formats_survive_hostile_names(tmp_path: Path) -> None:
    """A file name with XML metacharacters and control characters still gives well-formed XML."""
    name = 'Dockerfile.a<&"\x1b>b'
    (tmp_path / name).write_text(BAD)
    for fmt in ("junit", "checkstyle"):
        r = run_cli(["lint", name, "-f", fmt], cwd=tmp_path)
        root = ET.fromstring(r.out)  # raises on malformed XML
        assert "\x1b" not in r.out and root is not None


def test_baseline_reports_only_new_findings(project: Path) -> None:
    r = run_cli(["check", ".", "--write-baseline", "golayer-baseline.json"], cwd=project)
    assert r.code == 1  # the report is still shown and still fails
    base = json.loads((project / "golayer-baseline.json").read_text())
    assert base["schema"] == "golayer-baseline/v1" and base["findings"]
    r = run_cli(["check", ".", "--baseline", "golayer-baseline.json"], cwd=project)
    assert r.code == 0, r.out
    assert "known findings in the baseline" in r.out
    # a new problem is reported; the old ones stay hidden even though their lines moved
    (project / "Dockerfile").write_text("# moved down\n" + BAD + "RUN go env -w GOFLAGS=-mod=mod\n")
    r = run_cli(["check", ".", "--baseline", "golayer-baseline.json", "-f", "json"], cwd=project)
    rules = {f["rule"] for f in json.loads(r.out)["findings"]}
    assert r.code == 1 and "go-env-write" in rules and "toolchain-in-final-image" not in rules


@pytest.mark.parametrize("content", ["not json", '{"schema": "other"}', '{"schema": "golayer-baseline/v1", "findings": [5]}'])
def test_bad_baseline_is_a_clear_error(project: Path, content: str) -> None:
    (project / "b.json").write_text(content)
    r = run_cli(["check", ".", "--baseline", "b.json"], cwd=project)
    assert r.code == 2 and "baseline" in r.err and "Traceback" not in r.err


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                   capture_output=True)


def test_changed_since_keeps_only_changed_files(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "Dockerfile").write_text(BAD)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "base")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "Dockerfile").write_text(BAD)  # untracked: counts as changed
    r = run_cli(["lint", ".", "--changed-since", "HEAD", "-f", "json"], cwd=tmp_path)
    files = {f["file"] for f in json.loads(r.out)["findings"]}
    assert files and all(f.startswith("new") for f in files), files
    r = run_cli(["lint", ".", "--changed-since", "no-such-ref"], cwd=tmp_path)
    assert r.code == 2 and "--changed-since" in r.err
