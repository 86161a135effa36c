"""SARIF 2.1.0: one run, ``tool.driver.rules`` for every rule of the catalogue that reported or
was enabled, partial fingerprints, and ``fixes`` where a finding carries one."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from golayer import __version__, catalogue
from golayer.findings import Severity
from golayer.report import Report

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _line_col(content: str, offset: int) -> tuple[int, int]:
    line = content.count("\n", 0, offset) + 1
    col = offset - (content.rfind("\n", 0, offset) + 1) + 1
    return line, col


BASE_ID = "SRCROOT"  # relative artifact URIs resolve against run.originalUriBaseIds[SRCROOT]
_IMAGE_KINDS = ("docker-archive:", "oci-archive:", "oci:")


def artifact_location(path: str) -> dict[str, Any]:
    """The sarif format's one escaping function for names: an ``artifactLocation`` whose ``uri`` is
    a percent-encoded URI reference (RFC 3986) -- ``file://`` for an absolute path, a relative
    reference with ``uriBaseId`` otherwise."""
    if path.startswith("/"):
        return {"uri": "file://" + quote(path, safe="/")}
    return {"uri": quote(path, safe="/"), "uriBaseId": BASE_ID}


def image_location(ref: str) -> dict[str, Any]:
    """An image reference as an artifact: the archive or layout path of a local image, otherwise a
    ``docker:NAME`` URI."""
    for k in _IMAGE_KINDS:
        if ref.startswith(k):
            return artifact_location(ref[len(k):])
    if ref.startswith(("docker:", "docker-daemon:")):
        return {"uri": "docker:" + quote(ref.split(":", 1)[1], safe="/:@")}
    if ref.startswith(("/", "./", "../")) or os.path.exists(ref):
        return artifact_location(ref)
    return {"uri": "docker:" + quote(ref, safe="/:@")}


def _fixes(f, contents: dict[str, str | None]) -> list[dict[str, Any]]:
    if f.fix is None or not f.fix.edits:
        return []
    by_file: dict[str, list[dict[str, Any]]] = {}
    for e in f.fix.edits:
        if e.file not in contents:
            if e.file == "-":  # standard input: only the text the run read, never a file named "-"
                return []
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
        "artifactChanges": [{"artifactLocation": artifact_location(path), "replacements": reps}
                            for path, reps in by_file.items()],
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
    contents: dict[str, str | None] = dict(report.objects.get("sources") or {})
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
            phys: dict[str, Any] = {"artifactLocation": artifact_location(f.file)}
            if f.line:
                phys["region"] = {"startLine": f.line, "endLine": f.end_line or f.line}
            loc["physicalLocation"] = phys
        elif f.location:
            if f.code.upper().startswith("GLI"):  # an image rule: the image is the artifact
                loc["physicalLocation"] = {"artifactLocation": image_location(f.location)}
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
            "originalUriBaseIds": {BASE_ID: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
            "results": results,
        }],
    }


def render(report: Report, out: TextIO) -> None:
    json.dump(document(report), out, indent=2)
    out.write("\n")
