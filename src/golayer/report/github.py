"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding."""

from __future__ import annotations

from typing import TextIO

from golayer.findings import Severity
from golayer.report import Report

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, out: TextIO) -> None:
    for f in report.sorted_findings():
        props = []
        if f.file:
            props.append(f"file={_escape_prop(f.file)}")
            if f.line:
                props.append(f"line={f.line}")
                props.append(f"endLine={f.end_line or f.line}")
        props.append(f"title={_escape_prop(f'{f.rule} [{f.code}]')}")
        msg = f.message + (f"\n{f.new_hint}" if f.new_hint else "")
        if not f.file and f.location:
            msg = f"{f.location}: {msg}"
        out.write(f"::{_LEVEL[f.severity]} {','.join(props)}::{_escape_data(msg)}\n")
