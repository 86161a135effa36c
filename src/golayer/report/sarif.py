"""SARIF 2.1.0: one run, ``tool.driver.rules`` for every rule of the catalogue that reported or
was enabled, partial fingerprints, and ``fixes`` where a finding carries one."""

from __future__ import annotations

import json
from typing import Any, TextIO

from golayer import __version__, catalogue
from golayer.findings import Severity
from golayer.report import Report

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _line_col(content: str, offset: int) -> tuple[int, int]:
    line = content.count("\n", 0, offset) + 1
    col = offset - (content.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _fixes(f, contents: dict[str, str | None]) -> list[dict[str, Any]]:
    if f.fix is None or not f.fix.edits:
        return []
    by_file: dict[str, list[dict[str, Any]]] = {}
    for e in f.fix.edits:
        if e.file not in contents:
            try:
                with open(e.file, encoding="utf-8") as fh:
                    contents[e.file] = fh.read()
            except OSError:
                contents[e.file] = None
        text = contents[e.file]
        if text is None:
            return []
        sl, sc = _line_col(text, e.start)
        el, ec = _line_col(text, e.end)
        by_file.setdefault(e.file, []).append({
            "deletedRegion": {"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec},
            "insertedContent": {"text": e.text},
        })
    return [{
        "description": {"text": f"{f.fix.description} ({f.fix.applicability})"},
        "artifactChanges": [{"artifactLocation": {"uri": uri}, "replacements": reps}
                            for uri, reps in by_file.items()],
    }]


def document(report: Report) -> dict[str, Any]:
    findings = report.sorted_findings()
    used = {f.rule for f in findings}
    rules = [r for r in catalogue.rules() if r.name in used or not used]
    index = {r.name: i for i, r in enumerate(rules)}
    driver_rules = [{
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.summary},
        "help": {"text": r.docs, "markdown": r.docs},
        "helpUri": r.help_uri,
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "properties": {"analysis": r.domain, "fix": str(r.fix) if r.fix else "none"},
    } for r in rules]
    contents: dict[str, str | None] = {}
    results = []
    for f in findings:
        res: dict[str, Any] = {
            "ruleId": f.code,
            "level": _LEVEL[f.severity],
            "message": {"text": f.message + (f"\n{f.new_hint}" if f.new_hint else "")},
            "partialFingerprints": {"golayer/v1": f.fingerprint()},
            "properties": {"name": f.rule, **({"stage": f.stage} if f.stage else {}),
                           **{k: v for k, v in f.extra.items() if k != "subject"}},
        }
        if f.rule in index:
            res["ruleIndex"] = index[f.rule]
        loc: dict[str, Any] = {}
        if f.file:
            phys: dict[str, Any] = {"artifactLocation": {"uri": f.file}}
            if f.line:
                phys["region"] = {"startLine": f.line, "endLine": f.end_line or f.line}
            loc["physicalLocation"] = phys
        elif f.location:
            loc["logicalLocations"] = [{"fullyQualifiedName": f.location}]
        if loc:
            res["locations"] = [loc]
        fixes = _fixes(f, contents)
        if fixes:
            res["fixes"] = fixes
        results.append(res)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "golayer", "version": __version__,
                                "informationUri": "https://github.com/golayer/golayer",
                                "rules": driver_rules}},
            "results": results,
        }],
    }


def render(report: Report, out: TextIO) -> None:
    json.dump(document(report), out, indent=2)
    out.write("\n")
