"""Human output: ``file:line severity rule [code] message``, the offending line, the fix hint."""

from __future__ import annotations

import os
import re
from typing import TextIO

from golayer.findings import Applicability, Finding, Severity
from golayer.report import Report

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def want_color(out: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR") or os.environ.get("CLICOLOR_FORCE"):
        return True
    return hasattr(out, "isatty") and out.isatty()


# C0 controls but TAB (LF included: a name from the input never starts a new report line), DEL, C1,
# the Unicode line/paragraph separators and the bidirectional overrides ("Trojan Source")
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _show(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def visible(text: str) -> str:
    """The text format's one escaping function: ``text`` with control characters from the input
    (ESC, BEL, CR, LF, ...) shown as ``\\xNN`` (``\\uNNNN`` for line separators and bidi
    overrides), so a hostile or odd name can neither forge a report line nor move the cursor,
    recolour or retitle the user's terminal."""
    return _CONTROL.sub(_show, text)


def paint(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


class _Lines:
    """Source lines of reported files, read once each."""

    def __init__(self, given: dict[str, str] | None = None, hidden: set[str] | None = None) -> None:
        from golayer.dockerfile.lines import split_lines

        self.cache: dict[str, list[str] | None] = {k: split_lines(v, keepends=False) for k, v in (given or {}).items()}
        self.cache.setdefault("-", None)  # standard input is never re-read from a file named "-"
        for name in hidden or ():  # inputs that did not parse: their content is never echoed
            self.cache[name] = None

    def get(self, path: str, line: int) -> str | None:
        from golayer.dockerfile.lines import split_lines

        if path not in self.cache:
            try:
                with open(path, encoding="utf-8", errors="replace", newline="") as fh:
                    self.cache[path] = split_lines(fh.read(), keepends=False)
            except OSError:
                self.cache[path] = None
        lines = self.cache[path]
        if lines is None or not (1 <= line <= len(lines)):
            return None
        return lines[line - 1]


def render(report: Report, out: TextIO, color: bool) -> None:
    for section in report.text_sections:
        section(out, color)
    lines = _Lines(report.objects.get("sources"), report.objects.get("hidden_sources"))
    findings = report.sorted_findings()
    for f in findings:
        write_finding(out, f, lines, color)
    summary(out, report, findings, color)
    base = report.data.get("baseline")
    if base and base.get("suppressed"):
        n = base["suppressed"]
        out.write(f"{n} known finding{'s' if n != 1 else ''} in the baseline {visible(str(base['file']))} not shown\n")
    for note in report.notes:
        out.write(paint(visible(note), "2", color) + "\n")


def write_finding(out: TextIO, f: Finding, lines: _Lines, color: bool) -> None:
    sev = paint(str(f.severity), _COLORS[f.severity], color)
    where = paint(visible(f.location or "-"), "1", color)
    stage = f" (stage {visible(str(f.stage))})" if f.stage else ""
    out.write(f"{where} {sev} {f.rule} [{f.code}]{stage}: {visible(f.message)}\n")
    if f.file and f.line:
        src = lines.get(f.file, f.line)
        if src is not None:
            src = src if len(src) <= 160 else src[:157] + "..."
            src = visible(src)
            out.write(paint(f"  {f.line:>4} | {src}\n", "2", color))
    if f.fix is not None:
        how = "--fix" if f.fix.applicability is Applicability.SAFE else "--fix --unsafe-fixes"
        out.write(f"       = fix ({f.fix.applicability}, {how}): {visible(f.fix.description)}\n")
    elif f.new_hint:
        out.write(f"       = hint: {visible(f.new_hint)}\n")


def summary(out: TextIO, report: Report, findings: list[Finding], color: bool) -> None:
    n = len(findings)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in Severity}
    what = f"{len(report.inputs)} input{'s' if len(report.inputs) != 1 else ''}" if report.inputs else ""
    fixed = f", {report.fixed} fixed" if report.fixed else ""
    if n == 0:
        msg = "no findings" + (f" in {what}" if what else "") + fixed
        out.write(paint(msg, "32", color) + "\n")
        return
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 and s is not Severity.INFO else ''}"
             for s in (Severity.ERROR, Severity.WARNING, Severity.INFO) if counts[s]]
    fixable = sum(1 for f in findings if f.fix is not None and f.fix.applicability is Applicability.SAFE)
    unsafe = sum(1 for f in findings if f.fix is not None and f.fix.applicability is Applicability.UNSAFE)
    tail = ""
    if fixable:
        tail += f"; {fixable} fixable with --fix"
    if unsafe:
        tail += f"; {unsafe} more with --unsafe-fixes"
    where = f" in {what}" if what else ""
    out.write(f"{n} finding{'s' if n != 1 else ''}{where} ({', '.join(parts)}){fixed}{tail}\n")
