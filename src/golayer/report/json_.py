"""JSON output: ``{"schema": "golayer/v1", "tool": {...}, "command": ..., "findings": [...], ...}``.

Analyses add top-level keys (``summary``, ``layers``, ``binaries``, ...) through ``Report.data``.
The schema is documented in docs/output.md; fields are only ever added within a schema version.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii as enc_str
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
    out.write(dumps(document(report)) + "\n")


def dumps(obj: Any) -> str:
    """``json.dumps(obj, indent=2, default=str)``, the same text in about half the time: with ``indent`` the
    standard library encodes through a chain of Python generators (~30 ms for a corpus's report of 1 MB,
    after the workers are done). Same order of type tests, same string, number and key encodings."""
    parts: list[str] = []
    add = parts.append

    def num(f: float) -> str:
        if f != f:
            return "NaN"
        if f == _INF:
            return "Infinity"
        if f == -_INF:
            return "-Infinity"
        return float.__repr__(f)

    def enc(o: Any, nl: str) -> None:
        if isinstance(o, str):
            add(enc_str(o))
        elif o is None:
            add("null")
        elif o is True:
            add("true")
        elif o is False:
            add("false")
        elif isinstance(o, int):
            add(int.__repr__(o))
        elif isinstance(o, float):
            add(num(o))
        elif isinstance(o, (list, tuple)):
            if not o:
                add("[]")
                return
            inner = nl + "  "
            sep = "[" + inner
            for v in o:
                add(sep)
                sep = "," + inner
                enc(v, inner)
            add(nl + "]")
        elif isinstance(o, dict):
            if not o:
                add("{}")
                return
            inner = nl + "  "
            sep = "{" + inner
            for k, v in o.items():
                if isinstance(k, str):
                    pass
                elif isinstance(k, float):
                    k = num(k)
                elif k is True:
                    k = "true"
                elif k is False:
                    k = "false"
                elif k is None:
                    k = "null"
                elif isinstance(k, int):
                    k = int.__repr__(k)
                else:
                    raise TypeError(f"keys must be str, int, float, bool or None, not {k.__class__.__name__}")
                add(sep)
                add(enc_str(k))
                add(": ")
                sep = "," + inner
                enc(v, inner)
            add(nl + "}")
        else:
            enc(str(o), nl)  # default=str

    enc(obj, "\n")
    return "".join(parts)


_INF = float("inf")
