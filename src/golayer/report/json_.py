"""JSON output: ``{"schema": "golayer/v1", "tool": {...}, "command": ..., "findings": [...], ...}``.

Analyses add top-level keys (``summary``, ``layers``, ``binaries``, ...) through ``Report.data``.
The schema is documented in docs/output.md; fields are only ever added within a schema version.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from golayer import __version__
from golayer.report import SCHEMA_VERSION, Report


def document(report: Report) -> dict[str, Any]:
    findings = report.sorted_findings()
    doc: dict[str, Any] = {
        "schema": f"golayer/v{SCHEMA_VERSION}",
        "tool": {"name": "golayer", "version": __version__},
        "command": report.command,
        "inputs": report.inputs,
        "fail_on": str(report.fail_on),
    }
    for k, v in report.data.items():
        doc[k] = v
    doc["findings"] = [f.to_json() for f in findings]
    return doc


def render(report: Report, out: TextIO) -> None:
    # one write of the whole text: json.dump writes every token separately (~100k writes for a corpus)
    out.write(json.dumps(document(report), indent=2, sort_keys=False, default=str) + "\n")
