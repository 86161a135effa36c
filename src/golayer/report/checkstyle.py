"""Checkstyle XML (read by Jenkins Warnings NG, reviewdog, SonarQube's checkstyle import, many CI UIs).

``<file name="…">`` per file, ``<error line column severity message source>`` per finding; ``source`` is
``golayer.<rule-name>``. Image findings are listed under a ``<file>`` named after the image reference.
"""

from __future__ import annotations

from typing import TextIO
from xml.sax.saxutils import quoteattr

from golayer import __version__
from golayer.findings import Severity
from golayer.report import Report
from golayer.report._ci import ci_path, full_message, subject
from golayer.report.xmltext import xml_text

_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}


def render(report: Report, out: TextIO) -> None:
    by_file: dict[str, list] = {}
    for f in report.sorted_findings():
        by_file.setdefault(ci_path(f) or subject(f), []).append(f)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<checkstyle version="golayer-{__version__}">\n')
    for name, items in by_file.items():
        out.write(f'  <file name={quoteattr(xml_text(name))}>\n')
        for f in items:
            attrs = [f'line="{f.line or 1}"']
            if f.column:
                attrs.append(f'column="{f.column}"')
            attrs.append(f'severity="{_SEVERITY[f.severity]}"')
            attrs.append(f"message={quoteattr(xml_text(f'[{f.code}] {full_message(f)}'))}")
            attrs.append(f'source="golayer.{f.rule}"')
            out.write(f'    <error {" ".join(attrs)}/>\n')
        out.write('  </file>\n')
    out.write('</checkstyle>\n')
