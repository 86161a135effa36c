"""GitLab Code Quality report (the CodeClimate JSON subset GitLab reads: ``artifacts:reports:codequality``).

One object per finding: ``description``, ``check_name`` (the rule name), ``fingerprint`` (golayer's stable
fingerprint, so GitLab tracks a finding across pipelines), ``severity`` (``info``/``minor``/``major``/
``critical``) and ``location.path`` + ``location.lines.begin``. Image findings have no file: their location is
the image reference (GitLab shows it; there is no line).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from golayer.findings import Severity
from golayer.report import Report
from golayer.report._ci import ci_path, full_message, subject

_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def document(report: Report) -> list[dict[str, Any]]:
    out = []
    for f in report.sorted_findings():
        path = ci_path(f)
        loc: dict[str, Any] = {"path": path or subject(f), "lines": {"begin": f.line or 1}}
        if f.end_line and f.line and f.end_line != f.line:
            loc["lines"]["end"] = f.end_line
        out.append({
            "type": "issue",
            "check_name": f.rule,
            "description": f"[{f.code}] {full_message(f)}",
            "categories": ["Performance" if f.rule.startswith(("image-", "binary-")) else "Bug Risk"],
            "fingerprint": f.fingerprint(),
            "severity": _SEVERITY[f.severity],
            "location": loc,
        })
    return out


def render(report: Report, out: TextIO) -> None:
    json.dump(document(report), out, indent=2)
    out.write("\n")
