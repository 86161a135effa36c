"""Markdown: a GitHub job summary / merge-request comment.

A headline with the counts, a table of findings (severity, location, rule, message) and, when the report holds
an image analysis, its size and waste table (bytes by category). Every value from the input is escaped for
Markdown tables (``|``, backticks, HTML, line breaks), so a hostile name cannot break out of its cell.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

from golayer.findings import Severity
from golayer.report import Report

_ICON = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}
_SPECIAL = re.compile(r"[\\`*_{}\[\]<>|#!~]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MAX_ROWS = 200  # GitHub caps a job summary at 1 MiB; a longer table is cut with a note


def cell(text: Any) -> str:
    s = _CONTROL.sub(" ", str(text))
    s = _SPECIAL.sub(lambda m: "\\" + m.group(), s)
    return s.replace("&", "&amp;")


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


def render(report: Report, out: TextIO) -> None:
    findings = report.sorted_findings()
    counts = {s: sum(1 for f in findings if f.severity == s) for s in Severity}
    out.write(f"### golayer {cell(report.command)}\n\n")
    if findings:
        parts = ", ".join(f"{counts[s]} {_ICON[s]}{'s' if counts[s] != 1 and s is not Severity.INFO else ''}" for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
                          if counts[s])
        out.write(f"**{len(findings)} finding{'s' if len(findings) != 1 else ''}** ({parts})"
                  f" in {len(report.inputs)} input{'s' if len(report.inputs) != 1 else ''}\n\n")
        out.write("| severity | location | rule | message |\n|---|---|---|---|\n")
        for f in findings[:MAX_ROWS]:
            out.write(f"| {_ICON[f.severity]} | {cell(f.location or '-')} | {cell(f.rule)} `{f.code}` "
                      f"| {cell(f.message)} |\n")
        if len(findings) > MAX_ROWS:
            out.write(f"\n… {len(findings) - MAX_ROWS} more findings: see the SARIF or JSON report.\n")
    else:
        out.write(f"**No findings** in {len(report.inputs)} input{'s' if len(report.inputs) != 1 else ''}.\n")
    if "summary" in report.data and "layers" in report.data:  # golayer image
        images = [report.data]
    else:  # golayer check --image: one entry or a list under "image"
        found = report.data.get("image")
        images = found if isinstance(found, list) else [found] if isinstance(found, dict) else []
    for data in images:
        summary, image = data.get("summary") or {}, data.get("image") or {}
        if not summary:
            continue
        out.write(f"\n#### image {cell(image.get('ref', ''))}\n\n")
        out.write(f"{_size(summary.get('total_bytes', 0))} in {summary.get('layers', 0)} layer{'s' if summary.get('layers', 0) != 1 else ''}, "
                  f"{_size(summary.get('wasted_bytes', 0))} wasted, efficiency "
                  f"{summary.get('efficiency', 0):.1%}\n\n")
        cats = data.get("categories") or {}
        rows = sorted(cats.items(), key=lambda kv: -(kv[1].get("visible_bytes", 0) + kv[1].get("wasted_bytes", 0)))
        if rows:
            out.write("| category | visible | wasted (hidden in lower layers) |\n|---|---:|---:|\n")
            for name, c in rows:
                out.write(f"| {cell(name)} | {_size(c.get('visible_bytes', 0))} | {_size(c.get('wasted_bytes', 0))} |\n")
    base = report.data.get("baseline")
    extra = []
    if base and base.get("suppressed"):
        n = base["suppressed"]
        extra.append(f"{n} known finding{'s' if n != 1 else ''} in the baseline {base['file']} not shown")
    extra += report.notes
    if extra:  # what the text report says after its summary: baseline count, assumptions, unresolved steps
        out.write("\n" + "".join(f"- {cell(x)}\n" for x in extra))
