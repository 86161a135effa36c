"""Helpers every lint rule test uses: write a Dockerfile (+ context files) and lint or model it.

    from tests.lint.helpers import lint, model, rules_of, of_rule

    def test_x(tmp_path):
        fs = lint(tmp_path, '''
            FROM golang:1.22
            RUN go env -w GOPROXY=direct
        ''', files={"go.mod": "module x\\n\\ngo 1.22\\n"})
        assert rules_of(fs) == ["go-env-write"]
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from golayer.dockerfile.model import DockerfileModel
from golayer.findings import Finding

os.environ.setdefault("GOLAYER_STRICT", "1")  # a crashing rule fails its test instead of becoming a finding


def _write(tmp_path: Path, dockerfile: str, files: dict[str, str] | None, name: str,
           dockerignore: str | None) -> Path:
    text = textwrap.dedent(dockerfile)
    if text.startswith("\n"):
        text = text[1:]
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    for rel, body in (files or {}).items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(body), encoding="utf-8")
    if dockerignore is not None:
        (tmp_path / ".dockerignore").write_text(textwrap.dedent(dockerignore), encoding="utf-8")
    return path


def lint(tmp_path: Path, dockerfile: str, *, files: dict[str, str] | None = None, target: str | None = None,
         build_args: dict[str, str] | None = None, name: str = "Dockerfile",
         dockerignore: str | None = None) -> list[Finding]:
    """Write the Dockerfile (dedented, leading newline stripped) and context files, lint, return findings."""
    from golayer.dockerfile.engine import lint_path

    path = _write(tmp_path, dockerfile, files, name, dockerignore)
    _, findings = lint_path(path, target=target, build_args=build_args)
    return sorted(findings, key=lambda f: f.sort_key())


def model(tmp_path: Path, dockerfile: str, *, files: dict[str, str] | None = None, target: str | None = None,
          build_args: dict[str, str] | None = None, name: str = "Dockerfile",
          dockerignore: str | None = None) -> DockerfileModel:
    from golayer.dockerfile.build import build_model

    path = _write(tmp_path, dockerfile, files, name, dockerignore)
    return build_model(path, target=target, build_args=build_args)


def rules_of(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def of_rule(findings: list[Finding], name: str) -> list[Finding]:
    return [f for f in findings if f.rule == name]


def fix_all(tmp_path: Path, dockerfile: str, *, unsafe: bool = False, **kw) -> str:
    """Lint and apply fixes until stable (as `golayer lint --fix`); returns the new Dockerfile text."""
    from golayer.dockerfile.fixes import fix_content

    path = _write(tmp_path, dockerfile, kw.pop("files", None), kw.pop("name", "Dockerfile"),
                  kw.pop("dockerignore", None))
    new, _ = fix_content(path, path.read_text(encoding="utf-8"), unsafe=unsafe, **kw)
    return new
