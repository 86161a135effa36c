"""SonarQube generic issue import (the format of SonarQube 10.3 and later: ``rules`` + ``issues``).

Import with ``sonar.externalIssuesReportPaths=golayer-sonar.json``. Each rule golayer reported is declared
once (``engineId`` ``golayer``, its name and summary, a clean-code attribute and one impact); each issue has a
``primaryLocation`` with the file path and line. SonarQube only accepts issues on files of the analysed
project, so image findings (which have no file) are left out — use SARIF or JSON for those.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from golayer import catalogue
from golayer.findings import Severity
from golayer.report import Report
from golayer.report._ci import ci_path, full_message

_IMPACT = {Severity.ERROR: "HIGH", Severity.WARNING: "MEDIUM", Severity.INFO: "LOW"}
_SECURITY_WORDS = ("secret", "root", "checksum", "credential")


def _quality(rule: str) -> tuple[str, str]:
    if any(w in rule for w in _SECURITY_WORDS):
        return "SECURITY", "TRUSTWORTHY"
    if rule.startswith(("gomemlimit", "gogc", "gomaxprocs", "memory", "probes", "binary-missing", "cgo",
                        "runtime-missing", "missing-ca", "missing-zoneinfo", "cross-compile")):
        return "RELIABILITY", "LOGICAL"
    return "MAINTAINABILITY", "EFFICIENT"


def document(report: Report) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    issues = []
    for f in report.sorted_findings():
        path = ci_path(f)
        if path is None:
            continue
        if f.code not in rules:
            quality, attribute = _quality(f.rule)
            try:
                summary = catalogue.get(f.rule).summary
            except Exception:  # noqa: BLE001 - tool findings (parse errors) are not in the catalogue
                summary = f.rule
            rules[f.code] = {
                "id": f.code,
                "name": f.rule,
                "description": summary,
                "engineId": "golayer",
                "cleanCodeAttribute": attribute,
                "impacts": [{"softwareQuality": quality, "severity": _IMPACT[f.severity]}],
            }
        text_range: dict[str, Any] = {"startLine": f.line or 1}
        if f.end_line and f.line and f.end_line > f.line:
            text_range["endLine"] = f.end_line
        issues.append({
            "ruleId": f.code,
            "primaryLocation": {"message": f"{full_message(f)}", "filePath": path, "textRange": text_range},
        })
    return {"rules": list(rules.values()), "issues": issues}


def render(report: Report, out: TextIO) -> None:
    json.dump(document(report), out, indent=2)
    out.write("\n")
