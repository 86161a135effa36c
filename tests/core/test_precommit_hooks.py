"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit tool on a temporary git repository.

pre-commit installs golayer from this checkout into its own virtual environment (from PyPI for the
dependencies), exactly as a user's `.pre-commit-config.yaml` would."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = shutil.which("pre-commit")

BAD = ("FROM golang:1.22\nRUN go env -w GOPROXY=https://proxy.golang.org,direct\n"
       "COPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n")
DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: example/api:1
          env: [{name: GOMEMLIMIT, value: 768Mi}]
          resources: {limits: {memory: 1Gi}}
"""

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(PRE_COMMIT is None and not os.environ.get("CI"),
                                 reason="PRE-COMMIT UNAVAILABLE: pip install pre-commit")]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                   capture_output=True)


def _hook_repo(dest: Path) -> str:
    """This checkout (work tree as it is, uncommitted changes included) as a git repository pre-commit can
    install from; returns its commit."""
    shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.egg-info", ".pytest_cache",
                                                              "build", "dist", ".venv", "node_modules"))
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-qm", "hooks under test")
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=dest, capture_output=True, text=True,
                          check=True).stdout.strip()


def _run(repo: Path, home: Path, hook: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PYTHONPATH": ""}
    return subprocess.run([PRE_COMMIT or "pre-commit", "run", hook, "--all-files", "--color=never"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_hooks_with_real_pre_commit(tmp_path: Path) -> None:
    assert PRE_COMMIT, "pre-commit must be installed in CI (test extra)"
    repo, home = tmp_path / "repo", tmp_path / "pc-home"
    repo.mkdir()
    (repo / "Dockerfile").write_text(BAD)
    (repo / "deploy.yaml").write_text(DEPLOY)
    (repo / "ci.yml").write_text("on: push\njobs: {}\n")  # YAML that is no manifest: no findings
    (repo / "README.md").write_text("not a Dockerfile\n")
    rev = _hook_repo(tmp_path / "hooks")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {tmp_path / 'hooks'}\n    rev: {rev}\n    hooks:\n"
        "      - id: golayer-lint\n      - id: golayer-runtime\n      - id: golayer-fix\n")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")

    r = _run(repo, home, "golayer-lint")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Failed" in r.stdout and "go-env-write [GLD001]" in r.stdout
    assert (repo / "Dockerfile").read_text() == BAD  # lint writes nothing

    r = _run(repo, home, "golayer-runtime")
    assert r.returncode == 1 and "gomemlimit-invalid [GLR001]" in r.stdout, r.stdout + r.stderr
    assert "ci.yml" not in r.stdout.split("Failed", 1)[-1].replace("no Kubernetes", "")

    r = _run(repo, home, "golayer-fix")
    assert r.returncode == 1, r.stdout + r.stderr  # files were modified: pre-commit fails the commit
    fixed = (repo / "Dockerfile").read_text()
    assert "ENV GOPROXY=https://proxy.golang.org,direct" in fixed and "go env -w" not in fixed
