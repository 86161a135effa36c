"""Helpers for the final-image rule tests: apply one rule's fix and re-lint the result."""

from __future__ import annotations

import textwrap
from pathlib import Path

from golayer.findings import apply_edits
from tests.lint.helpers import lint, of_rule


def dedent(text: str) -> str:
    text = textwrap.dedent(text)
    return text[1:] if text.startswith("\n") else text


def fixed_text(tmp_path: Path, dockerfile: str, rule: str, **kw) -> str:
    """Lint, apply the fixes of every `rule` finding (one round), return the new Dockerfile text."""
    fs = [f for f in of_rule(lint(tmp_path, dockerfile, **kw), rule) if f.fix is not None]
    assert fs, f"no fix offered by {rule}"
    name = kw.get("name", "Dockerfile")
    content = (tmp_path / name).read_text(encoding="utf-8")
    return apply_edits(content, [e for f in fs for e in f.fix.edits])


def relint(tmp_path: Path, text: str, **kw):
    """Lint a Dockerfile text given verbatim (no dedent surprises) in the same context dir."""
    return lint(tmp_path, text, **kw)
