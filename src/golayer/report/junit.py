"""JUnit XML (Jenkins ``junit`` step, GitLab ``artifacts:reports:junit``, Azure, CircleCI).

One ``<testsuite>`` per input file (or image), one ``<testcase>`` per finding with a ``<failure>`` whose
``type`` is the severity, and one passing testcase for an input without findings, so a clean run still shows
what was checked. ``classname`` is the file, ``name`` the rule and line.
"""

from __future__ import annotations

from typing import TextIO
from xml.sax.saxutils import quoteattr, escape

from golayer.report import Report
from golayer.report._ci import ci_path, full_message, subject
from golayer.report.xmltext import xml_text


def render(report: Report, out: TextIO) -> None:
    findings = report.sorted_findings()
    suites: dict[str, list] = {}
    for name in report.inputs:
        suites.setdefault(name, [])
    for f in findings:
        suites.setdefault(ci_path(f) or subject(f), []).append(f)
    failures = len(findings)
    tests = sum(len(items) or 1 for items in suites.values())
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<testsuites name="golayer" tests="{tests}" failures="{failures}">\n')
    for suite, items in suites.items():
        s = xml_text(suite)
        tests = len(items) or 1
        out.write(f'  <testsuite name={quoteattr(s)} tests="{tests}" failures="{len(items)}" errors="0">\n')
        if not items:
            out.write(f'    <testcase classname={quoteattr(s)} name="golayer"/>\n')
        for f in items:
            where = f":{f.line}" if f.line else ""
            name = xml_text(f"{f.rule} [{f.code}]{where}")
            msg = xml_text(full_message(f))
            body = xml_text(f"{f.location or s}: {f.severity} {f.rule} [{f.code}]: {full_message(f)}")
            out.write(f'    <testcase classname={quoteattr(s)} name={quoteattr(name)}>\n'
                      f'      <failure type="{f.severity}" message={quoteattr(msg)}>{escape(body)}</failure>\n'
                      f'    </testcase>\n')
        out.write('  </testsuite>\n')
    out.write('</testsuites>\n')
