"""Findings, severities and fixes: the one shape every analysis reports in.

A :class:`Finding` is what a rule says about one concrete thing (an instruction, a layer, a
binary, a container). Its JSON form is the public contract documented in ``docs/output.md``.
A :class:`Fix` is a list of text :class:`Edit` s on one file; fixes are ``safe`` (applied by
``--fix``) or ``unsafe`` (only with ``--unsafe-fixes``), as in ruff.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Iterable


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    def __str__(self) -> str:  # "warning", as users write it in config and flags
        return self.name.lower()

    @classmethod
    def parse(cls, text: str | "Severity") -> "Severity":
        if isinstance(text, Severity):
            return text
        key = str(text).strip().lower()
        aliases = {"style": "info", "note": "info", "warn": "warning", "err": "error"}
        key = aliases.get(key, key)
        try:
            return cls[key.upper()]
        except KeyError:
            from golayer.errors import UsageError

            raise UsageError(f"unknown severity {text!r}: use one of info, warning, error") from None


class Applicability(str, enum.Enum):
    SAFE = "safe"  # keeps behaviour; applied by --fix
    UNSAFE = "unsafe"  # may change behaviour; needs --unsafe-fixes

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Edit:
    """Replace ``content[start:end]`` (character offsets) of ``file`` with ``text``."""

    file: str
    start: int
    end: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Fix:
    description: str
    applicability: Applicability
    edits: tuple[Edit, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "applicability": str(self.applicability),
            "edits": [e.to_json() for e in self.edits],
        }


@dataclass
class Finding:
    rule: str  # kebab-case name: the public contract
    code: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    end_line: int | None = None
    column: int | None = None
    stage: str | None = None
    # Human advice for the text report (what to do), shown even when no automatic fix exists.
    hint: str | None = None
    fix: Fix | None = None
    # Domain extras that belong in the JSON entry: layer, path, bytes, container, workload, ...
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def location(self) -> str:
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        if self.file:
            return self.file
        return str(self.extra.get("location", ""))

    @property
    def new_hint(self) -> str | None:
        """The hint when it adds something: None when the message already says it."""
        return self.hint if self.hint and self.hint not in self.message else None

    def fingerprint(self) -> str:
        """Stable across runs and unrelated edits: rule, file, stage and the concrete subject."""
        subject = self.extra.get("subject") or self.message
        key = "\x1f".join(str(x) for x in (self.rule, self.file or "", self.stage or "", subject))
        return _sha256(key.encode()).hexdigest()[:32]

    def sort_key(self) -> tuple:
        return (self.file or "", self.line or 0, self.column or 0, self.rule, self.message)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "code": self.code,
            "severity": str(self.severity),
            "file": self.file,
            "line": self.line,
            "end_line": self.end_line if self.end_line is not None else self.line,
            "column": self.column,
            "stage": self.stage,
            "message": self.message,
            "hint": self.hint,
            "fix": self.fix.to_json() if self.fix else None,
            "fingerprint": self.fingerprint(),
        }
        for k, v in self.extra.items():
            if k not in out and k != "subject":
                out[k] = v
        return out


def apply_edits(content: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits (overlapping ones after the first are skipped)."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    out: list[str] = []
    pos = 0
    for e in ordered:
        if e.start < pos:  # overlaps an edit already taken: leave it for the next round
            continue
        out.append(content[pos : e.start])
        out.append(e.text)
        pos = e.end
    out.append(content[pos:])
    return "".join(out)


def exit_code(findings: Iterable[Finding], fail_on: Severity) -> int:
    """0 when nothing at or above the threshold was reported, 1 otherwise."""
    return 1 if any(f.severity >= fail_on for f in findings) else 0


def _sha256(data: bytes):
    """sha256 without ``hashlib`` where the interpreter has its built-in one: hashlib loads OpenSSL's
    libcrypto (~3.5 MB resident, ~6 ms) for a 32-character fingerprint."""
    try:
        from _sha256 import sha256  # CPython <= 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # type: ignore[no-redef]  # CPython >= 3.12
        except ImportError:
            from hashlib import sha256  # type: ignore[no-redef]
    return sha256(data)
