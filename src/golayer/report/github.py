"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding."""

from __future__ import annotations

from typing import TextIO

from golayer.findings import Severity
from golayer.report import Report
from golayer.report.text import visible

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(s: str) -> str:
    """The github format's escaping of a command's message: ``%``, CR and LF as the workflow-command
    escapes (a line break stays inside the annotation: it can never start another command), every
    other control character from the input shown as ``\\xNN`` (an ESC would colour the log)."""
    s = s.replace("%", "%25")
    return "%0A".join("%0D".join(visible(y) for y in x.split("\r")) for x in s.split("\n"))


def escape_property(s: str) -> str:
    """...and of a property value (``file=``, ``title=``): also ``:`` and ``,``."""
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, out: TextIO) -> None:
    for f in report.sorted_findings():
        props = []
        if f.file:
            props.append(f"file={escape_property(f.file)}")
            if f.line:
                props.append(f"line={f.line}")
                props.append(f"endLine={f.end_line or f.line}")
        props.append(f"title={escape_property(f'{f.rule} [{f.code}]')}")
        msg = f.message
        if not f.file and f.location:
            msg = f"{f.location}: {msg}"
        text = escape_data(msg + (f"\n{f.new_hint}" if f.new_hint else ""))
        out.write(f"::{_LEVEL[f.severity]} {','.join(props)}::{text}\n")
