"""Reports: one module per output format, all rendering the same :class:`Report`.

``text`` is for people, ``json`` is the versioned machine contract (see docs/output.md),
``sarif`` is SARIF 2.1.0 for code-scanning UIs, ``github`` is workflow-command annotations; ``gitlab``
(Code Quality), ``junit``, ``checkstyle`` and ``sonarqube`` (generic issue import) feed other CI systems; ``markdown`` is a job summary / merge-request comment.
Analyses add their own data through ``Report.data`` (merged into the JSON top level) and
``Report.text_sections`` (printed before the findings in the text format).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Callable, TextIO

from golayer.findings import Finding, Severity

FORMATS = ("text", "json", "sarif", "github", "gitlab", "junit", "checkstyle", "sonarqube", "markdown")
# format -> module of golayer.report rendering it (imported only when used)
_MODULES = {"json": "json_", "sarif": "sarif", "github": "github", "gitlab": "gitlab", "junit": "junit",
            "checkstyle": "checkstyle", "sonarqube": "sonarqube", "markdown": "markdown"}
SCHEMA_VERSION = 1


@dataclass
class Report:
    command: str
    findings: list[Finding] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    # callables writing human sections (tables...) to the stream; color flag passed in
    text_sections: list[Callable[[TextIO, bool], None]] = field(default_factory=list)
    fail_on: Severity = Severity.INFO
    # files read, for the text summary ("3 files checked")
    inputs: list[str] = field(default_factory=list)
    fixed: int = 0  # fixes applied this run
    notes: list[str] = field(default_factory=list)  # "note: ..." lines the text format prints after the summary
    # in-process results another analysis may reuse (e.g. "analysis": the ImageAnalysis); never rendered
    objects: dict[str, Any] = field(default_factory=dict)

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: f.sort_key())


def render(report: Report, fmt: str, out: TextIO | None = None, color: bool | None = None) -> None:
    out = out or sys.stdout
    if fmt == "text":
        from golayer.report import text

        if color is None:
            color = text.want_color(out)
        text.render(report, out, color)
    elif fmt in _MODULES:
        import importlib

        importlib.import_module(f"golayer.report.{_MODULES[fmt]}").render(report, out)
    else:  # click validates choices; this guards programmatic use
        from golayer.errors import UsageError

        raise UsageError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
