"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding."""

from __future__ import annotations

from typing import TextIO

from golayer.findings import Severity
from golayer.report import Report
from golayer.report.text import visible

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(s: str) -> str:
    """The github format's escaping of a command's message: control characters from the input shown
    as ``\\xNN`` (an ESC would colour the log, a CR or LF would start a forged command), then the
    workflow-command escapes of ``%``, CR and LF."""
    return visible(s).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


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
        text = escape_data(msg) + (f"%0A{escape_data(f.hint)}" if f.hint else "")
        out.write(f"::{_LEVEL[f.severity]} {','.join(props)}::{text}\n")
