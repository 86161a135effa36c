"""The GitHub Action's script and the GitLab CI template, run locally as their CI would run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BAD = "FROM golang:1.22\nRUN go env -w GOPROXY=direct\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n"


def _bin(tmp: Path) -> dict[str, str]:
    """A `golayer` on PATH that runs this checkout."""
    b = tmp / "bin"
    b.mkdir()
    (b / "golayer").write_text(f"#!/bin/sh\nexec {sys.executable} -m golayer \"$@\"\n")
    (b / "golayer").chmod(0o755)
    return {**os.environ, "PATH": f"{b}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT / "src")}


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def test_action_declares_what_its_script_reads() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "run")
    script = (ROOT / "ci" / "github-action.sh").read_text()
    for var in step["env"]:
        assert var in script, f"{var} is passed to the script but never read"
    for name in action["inputs"]:
        assert f"inputs.{name}" in (ROOT / "action.yml").read_text()


def test_github_action_script_reports_annotations_summary_and_sarif(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "Dockerfile").write_text(BAD)
    out, summary = tmp_path / "out", tmp_path / "summary.md"
    env = {**_bin(tmp_path), "GOLAYER_SKIP_INSTALL": "1", "GOLAYER_PATH": str(proj), "GOLAYER_FAIL_ON": "warning",
           "GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(tmp_path)}
    r = subprocess.run(["bash", str(ROOT / "ci" / "github-action.sh")], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr  # the exit code is handed to the action's last step
    got = _outputs(out)
    assert got["exit-code"] == "1"
    sarif = json.loads(Path(got["sarif"]).read_text())
    assert int(got["findings"]) == len(sarif["runs"][0]["results"]) > 0
    assert "::warning file=" in r.stdout and "go-env-write" in r.stdout
    md = summary.read_text()
    assert "| severity | location | rule | message |" in md and "go-env-write" in md


def test_github_action_script_input_error_is_exit_2_without_reports(tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {**_bin(tmp_path), "GOLAYER_SKIP_INSTALL": "1", "GOLAYER_PATH": str(tmp_path / "missing"),
           "GITHUB_OUTPUT": str(out), "RUNNER_TEMP": str(tmp_path)}
    r = subprocess.run(["bash", str(ROOT / "ci" / "github-action.sh")], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0
    got = _outputs(out)
    assert got["exit-code"] == "2" and got["sarif"] == ""


def test_gitlab_template_script_writes_its_reports(tmp_path: Path) -> None:
    job = yaml.safe_load((ROOT / "ci" / "gitlab-ci.yml").read_text())["golayer"]
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "Dockerfile").write_text(BAD)
    lines = [line for line in job["script"] if "pip install" not in line]
    env = {**_bin(tmp_path), **{k: str(v) for k, v in job["variables"].items()}, "GOLAYER_PATH": str(proj)}
    r = subprocess.run(["bash", "-c", "\n".join(lines)], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr  # findings at or above warning fail the job
    for report in job["artifacts"]["reports"].values():
        assert (tmp_path / report).is_file(), report
    cq = json.loads((tmp_path / job["artifacts"]["reports"]["codequality"]).read_text())
    assert cq and cq[0]["location"]["path"].endswith("Dockerfile")


def test_markdown_escapes_table_breakers(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    name = "Dockerfile.a|b`<script>"
    (tmp_path / name).write_text(BAD)
    r = run_cli(["lint", name, "-f", "markdown"], cwd=tmp_path)
    rows = [line for line in r.out.splitlines() if line.startswith("| warning")]
    assert rows and all(line.count("|") - line.count("\\|") == 5 for line in rows)
    assert "<script>" not in r.out
