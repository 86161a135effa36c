"""Apply rule fixes to a Dockerfile: repeatedly, until nothing changes, each fix all-or-nothing.

Fixes are text edits on the file's content (character offsets from the model); everything outside the
edits stays byte-for-byte. After each round the file is re-modelled and re-linted, so a fix never works
on stale offsets, and applying the result again changes nothing (idempotent).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from golayer.findings import Applicability, Edit, Finding, Fix, apply_edits

MAX_ROUNDS = 5


def wanted(f: Finding, unsafe: bool) -> bool:
    return f.fix is not None and bool(f.fix.edits) and (
        f.fix.applicability is Applicability.SAFE or unsafe)


def select_fixes(findings: list[Finding], unsafe: bool) -> list[Fix]:
    """Non-overlapping fixes, in file order; a fix whose edits overlap a chosen one waits for a later round."""
    taken: list[Edit] = []
    chosen: list[Fix] = []
    seen: set[tuple] = set()
    for f in sorted((f for f in findings if wanted(f, unsafe)), key=lambda f: min(e.start for e in f.fix.edits)):
        key = tuple((e.start, e.end, e.text) for e in f.fix.edits)
        if key in seen:
            continue
        if any(_overlap(e, t) for e in f.fix.edits for t in taken):
            continue
        seen.add(key)
        chosen.append(f.fix)
        taken.extend(f.fix.edits)
    return chosen


def _overlap(a: Edit, b: Edit) -> bool:
    if a.start == a.end or b.start == b.end:  # insertions only clash when strictly inside the other edit
        return b.start < a.start < b.end or a.start < b.start < a.end or (a.start == b.start and a.end == b.end)
    return a.start < b.end and b.start < a.end


def fix_content(path: str | Path, content: str, *, unsafe: bool = False, target: str | None = None,
                build_args: dict[str, str] | None = None, context_dir: str | Path | None = None,
                cfg: Any = None) -> tuple[str, int]:
    """The content with fixes applied until stable, and how many fixes were applied."""
    from golayer.dockerfile.engine import lint_path

    applied = 0
    for _ in range(MAX_ROUNDS):
        model, findings = lint_path(path, content=content, target=target, build_args=build_args,
                                    context_dir=context_dir, cfg=cfg)
        if model.errors and not model.stages:
            break
        fixes = select_fixes(findings, unsafe)
        if not fixes:
            break
        new = apply_edits(content, [e for fx in fixes for e in fx.edits])
        if new == content:
            break
        applied += len(fixes)
        content = new
    return content, applied
