"""The rule catalogue: every rule of every analysis, registered in one place.

A rule lives in a module of its own in the package of its analysis, ``golayer/rules/<domain>/``
(:data:`RULE_PACKAGES`); helpers the rules of one domain share are ``_``-prefixed modules there
(skipped here). The module holds:

* ``RULE = Rule(code=..., name=..., severity=..., summary=..., fix=...)``
* its documentation as the module docstring (Markdown with the sections *What it finds*,
  *Why it is bad*, *Example* (bad and good), *Fix*, *References*);
* ``check(model)`` yielding :class:`~golayer.findings.Finding` (build them with ``RULE.finding``);
* optionally ``fix(model, finding)`` returning a :class:`~golayer.findings.Fix` or ``None``
  when a finding's fix is computed separately from the check.

Which model ``check`` receives depends on the domain: a ``DockerfileModel`` for
``dockerfile`` rules, an ``ImageAnalysis`` for ``image`` rules, a runtime ``Workload`` set
for ``runtime`` rules. Rules only read models; they never parse.
"""

from __future__ import annotations

import pkgutil
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Iterator

from golayer.errors import UsageError
from golayer.findings import Applicability, Finding, Fix, Severity

# domain -> package holding one module per rule
RULE_PACKAGES: dict[str, str] = {
    "dockerfile": "golayer.rules.dockerfile",
    "image": "golayer.rules.image",
    "runtime": "golayer.rules.runtime",
}

DOCS_BASE_URL = "https://github.com/golayer/golayer/blob/main/docs/rules"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    fix: Applicability | None = None  # the best fix the rule can offer, if any
    domain: str = ""  # filled in by the catalogue from the package
    module: ModuleType | None = field(default=None, compare=False, repr=False)

    @property
    def docs(self) -> str:
        return (self.module.__doc__ or "").strip() if self.module else ""

    @property
    def help_uri(self) -> str:
        return f"{DOCS_BASE_URL}/{self.name}.md"

    def check(self, model: Any) -> Iterator[Finding]:
        fn: Callable[[Any], Iterator[Finding]] = getattr(self.module, "check")
        yield from fn(model)

    def finding(self, message: str, **kw: Any) -> Finding:
        """A finding of this rule at its default severity (config may override it later)."""
        extra = kw.pop("extra", None) or {}
        known = {"file", "line", "end_line", "column", "stage", "hint", "fix"}
        for k in list(kw):
            if k not in known:
                extra[k] = kw.pop(k)
        return Finding(
            rule=self.name, code=self.code, severity=self.severity, message=message, extra=extra, **kw
        )

    def fixed(self, description: str, edits, unsafe: bool = False) -> Fix:
        return Fix(
            description=description,
            applicability=Applicability.UNSAFE if unsafe else Applicability.SAFE,
            edits=tuple(edits),
        )


_CACHE: dict[str, list[Rule]] = {}


def rules(domain: str | None = None) -> list[Rule]:
    """All registered rules (of one domain), in code order."""
    domains = [domain] if domain else list(RULE_PACKAGES)
    out: list[Rule] = []
    for d in domains:
        if d not in _CACHE:
            _CACHE[d] = _load(d)
        out.extend(_CACHE[d])
    return out


def _load(domain: str) -> list[Rule]:
    pkg_name = RULE_PACKAGES[domain]
    try:
        __import__(pkg_name)
    except ModuleNotFoundError:
        return []
    pkg = sys.modules[pkg_name]
    found: list[Rule] = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        name = f"{pkg_name}.{info.name}"
        __import__(name)  # the import statement's path: `python -X importtime` shows each rule's cost
        mod = sys.modules[name]
        rule = getattr(mod, "RULE", None)
        if not isinstance(rule, Rule):
            continue
        object.__setattr__(rule, "domain", domain)
        object.__setattr__(rule, "module", mod)
        found.append(rule)
    found.sort(key=lambda r: r.code)
    return found


def get(name_or_code: str) -> Rule:
    key = name_or_code.strip()
    for r in rules():
        if key in (r.name, r.code) or key.upper() == r.code:
            return r
    names = [r.name for r in rules()]
    import difflib

    close = difflib.get_close_matches(key, names, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise UsageError(f"no rule named {name_or_code!r}{hint}; `golayer rules` lists them")


def validate() -> list[str]:
    """Problems with the catalogue itself (duplicate names/codes, missing docs sections)."""
    problems: list[str] = []
    seen_names: dict[str, str] = {}
    seen_codes: dict[str, str] = {}
    for r in rules():
        if r.name in seen_names:
            problems.append(f"duplicate rule name {r.name}")
        if r.code in seen_codes:
            problems.append(f"duplicate rule code {r.code} ({r.name}, {seen_codes[r.code]})")
        seen_names[r.name] = r.code
        seen_codes[r.code] = r.name
        for section in REQUIRED_SECTIONS:
            if f"## {section}" not in r.docs:
                problems.append(f"{r.name}: docs lack a '## {section}' section")
        if not callable(getattr(r.module, "check", None)):
            problems.append(f"{r.name}: module has no check()")
    return problems


REQUIRED_SECTIONS = ("What it finds", "Why it is bad", "Example", "Fix", "References")


def render_doc(rule: Rule) -> str:
    """The Markdown page for one rule, as written to ``docs/rules/<name>.md``."""
    fix = {None: "none", Applicability.SAFE: "safe", Applicability.UNSAFE: "unsafe"}[rule.fix]
    head = [
        f"# {rule.name} ({rule.code})",
        "",
        f"> {rule.summary}",
        "",
        f"- **Analysis:** `{rule.domain}`",
        f"- **Default severity:** {rule.severity}",
        f"- **Automatic fix:** {fix}",
        "",
        "<!-- generated from the rule's module docstring: edit the module, then run"
        " `python -m golayer.docgen` -->",
        "",
    ]
    return "\n".join(head) + rule.docs + "\n"
