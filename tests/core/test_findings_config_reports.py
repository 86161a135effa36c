"""Findings, config and the four report formats, as a user sees them."""

import io
import json

import pytest

from golayer.config import load
from golayer.errors import UsageError
from golayer.findings import Applicability, Edit, Finding, Fix, Severity, apply_edits, exit_code
from golayer.report import Report, render


def _finding(**kw):
    base = dict(rule="go-env-write", code="GLD001", severity=Severity.WARNING, message="m",
                file="Dockerfile", line=3, stage="build")
    base.update(kw)
    return Finding(**base)


def test_apply_edits_keeps_other_bytes_and_skips_overlaps():
    s = "abcdef"
    assert apply_edits(s, [Edit("f", 1, 3, "X"), Edit("f", 4, 4, "Y")]) == "aXdYef"
    assert apply_edits(s, [Edit("f", 1, 3, "X"), Edit("f", 2, 4, "Z")]) == "aXdef"


def test_exit_code_threshold():
    fs = [_finding(severity=Severity.INFO)]
    assert exit_code(fs, Severity.INFO) == 1
    assert exit_code(fs, Severity.WARNING) == 0
    assert exit_code([], Severity.INFO) == 0


def test_config_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.golayer]\nignore=["runs-as-root"]\nfail-on="error"\n[tool.golayer.severity]\ngo-env-write="error"\n')
    cfg = load(start=tmp_path)
    assert cfg.fail_on is Severity.ERROR
    f = _finding()
    out = cfg.apply([f, _finding(rule="runs-as-root", code="GLD014")])
    assert [x.rule for x in out] == ["go-env-write"] and out[0].severity is Severity.ERROR


def test_config_select_by_code_prefix(tmp_path):
    (tmp_path / ".golayer.toml").write_text('select=["GLD0"]\n')
    cfg = load(start=tmp_path)
    assert cfg.enabled("x", "GLD001") and not cfg.enabled("y", "GLI001")


def test_bad_config_is_a_usage_error(tmp_path):
    (tmp_path / ".golayer.toml").write_text('selec=["x"]\n')
    with pytest.raises(UsageError, match="unknown golayer setting"):
        load(start=tmp_path)
    (tmp_path / ".golayer.toml").write_text('select=[\n')
    with pytest.raises(UsageError, match="not valid TOML"):
        load(start=tmp_path)


def _render(fmt, findings):
    out = io.StringIO()
    render(Report(command="lint", findings=findings, inputs=["Dockerfile"]), fmt, out, color=False)
    return out.getvalue()


def test_json_contract_fields():
    fix = Fix("use ENV", Applicability.SAFE, (Edit("Dockerfile", 0, 1, "x"),))
    doc = json.loads(_render("json", [_finding(fix=fix, extra={"layer": 2})]))
    assert doc["schema"] == "golayer/v1"
    (f,) = doc["findings"]
    for key in ("rule", "code", "severity", "file", "line", "end_line", "stage", "message", "fix"):
        assert key in f
    assert f["rule"] == "go-env-write" and f["severity"] == "warning" and f["end_line"] == 3
    assert f["fix"]["applicability"] == "safe" and f["layer"] == 2


def test_sarif_shape():
    doc = json.loads(_render("sarif", [_finding()]))
    assert doc["version"] == "2.1.0"
    res = doc["runs"][0]["results"][0]
    assert res["ruleId"] == "GLD001" and res["level"] == "warning"
    assert res["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert res["partialFingerprints"]["golayer/v1"]


def test_github_annotations_escape():
    out = _render("github", [_finding(message="a,b:c\nd")])
    assert out.startswith("::warning file=Dockerfile,line=3,endLine=3,title=go-env-write [GLD001]::a,b:c%0Ad")


def test_text_summary():
    out = _render("text", [_finding(), _finding(severity=Severity.ERROR, line=5)])
    assert "Dockerfile:3 warning go-env-write [GLD001] (stage build): m" in out
    assert out.strip().endswith("2 findings in 1 input (1 error, 1 warning)")
    assert _render("text", []).strip() == "no findings in 1 input"


def test_version_and_help(cli):
    r = cli(["--version"])
    assert r.code == 0 and "golayer, version" in r.out
    r = cli(["--help"])
    assert r.code == 0 and "lint" in r.out and "image" in r.out


def test_unknown_command_is_usage_error(cli):
    r = cli(["frobnicate"])
    assert r.code == 2 and "No such command" in r.err
