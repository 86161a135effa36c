"""--changed-since errors say what is wrong in the user's terms, not git's raw `fatal:` lines."""

import subprocess

from tests.conftest import run_cli

DOCKERFILE = "FROM golang:1.22\nRUN go build -o /app .\n"


def test_outside_a_git_repository_names_the_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    r = run_cli(["lint", "--changed-since", "main", "Dockerfile"], cwd=tmp_path)
    assert r.code == 2 and r.out == ""
    assert r.err.strip() == (f"golayer: error: --changed-since: {tmp_path} is not inside a git repository "
                             "(run golayer from the repository's work tree)")


def test_unknown_ref_is_one_line_without_git_fatal(tmp_path):
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    r = run_cli(["lint", "--changed-since", "no-such-ref", "Dockerfile"], cwd=tmp_path)
    assert r.code == 2 and r.out == ""
    assert len(r.err.strip().splitlines()) == 1
    assert r.err.startswith("golayer: error: --changed-since: git: ") and "no-such-ref" in r.err
    assert "fatal" not in r.err
