"""Shared helpers of the runtime checks (not a rule: the leading underscore keeps it out of the
catalogue)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from golayer.catalogue import Rule
from golayer.findings import Finding
from golayer.runtime import quantities as q
from golayer.runtime.model import Container, RuntimeModel, Workload


def finding(rule: Rule, w: Workload, c: Container, message: str, line: int | None, subject: str,
            hint: str | None = None, **extra: Any) -> Finding:
    at = line or c.line or w.line
    # a line set by a compose override / extends file names that file (runtime.manifests.Line)
    return rule.finding(message, file=getattr(at, "file", None) or w.file, line=at, hint=hint,
                        container=c.name, workload=w.ref, subject=f"{w.ref}/{c.name}/{subject}", **extra)


def pct(part: int, whole: int) -> str:
    p = Fraction(part * 100, whole)
    return f"{math.floor(p)}%" if p.denominator == 1 or p > 10 else f"{float(p):.1f}%"


def recommended(model: RuntimeModel, c: Container) -> str | None:
    if c.memory_limit is None or c.memory_limit <= 0:
        return None
    return q.recommend_gomemlimit(c.memory_limit, model.ratio)


def ratio_text(model: RuntimeModel) -> str:
    return f"{float(model.ratio) * 100:g}%"


def limit_text(c: Container) -> str:
    if c.memory_limit is None:
        return "no limit"
    raw = c.memory_limit_text
    exact = q.format_bytes_human(c.memory_limit)
    if raw and raw != exact:
        return f"{raw} ({exact})" if not exact.endswith("bytes)") else f"{raw} ({c.memory_limit} bytes)"
    return exact


def limit_key(w: Workload) -> str:
    return "mem_limit" if w.source == "compose" else "resources.limits.memory"


def env_how(w: Workload, name: str, value: str) -> str:
    if w.source == "compose":
        return f"environment: {name}: \"{value}\""
    return f"env: [{{name: {name}, value: \"{value}\"}}]"


def env_fix(w: Workload, c: Container, name: str, value: str) -> dict[str, Any] | None:
    """The edit ``golayer runtime --fix`` makes: set NAME=VALUE in this container's environment.
    None when the manifest is not a file golayer can edit (standard input, rendered templates) or
    the container's environment has sources golayer cannot see (envFrom, env_file)."""
    if not w.file or w.file == "-" or c.line is None or c.env_unknown:
        return None
    ev = c.env.get(name)
    if ev is not None and (ev.note or ev.ref_container):
        return None  # an interpolated or referenced value: which text to change is not certain
    return {"container_line": c.line, "container": c.name, "source": w.source, "name": name, "value": value}
