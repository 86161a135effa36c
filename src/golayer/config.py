"""Configuration: ``[tool.golayer]`` in ``pyproject.toml`` or a ``.golayer.toml``.

Looked up from the current directory upwards (the first file that has golayer settings wins),
unless ``--config FILE`` names one. Command-line flags override the file.

    [tool.golayer]            # in .golayer.toml the table is the top level
    select = ["go-env-write", "GLD0"]   # names, codes or code prefixes; default: all
    ignore = ["runs-as-root"]
    fail-on = "warning"       # info | warning | error (default: info = any finding fails)
    [tool.golayer.severity]
    go-env-write = "error"
    [tool.golayer.image]      # per-analysis settings, read by that analysis
    max-size = "200MB"

``include-examples = true`` makes ``golayer check`` judge manifests below example, test and docs
directories too (skipped by default; see docs/project.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golayer.errors import UsageError
from golayer.findings import Finding, Severity

KNOWN_KEYS = {"select", "ignore", "fail-on", "severity", "lint", "image", "runtime", "lab", "extend-ignore",
              "include-examples"}

# One schema for the settings whose type golayer can check before any command reads them: key -> the
# Python types TOML may give it. A wrong type is a usage error naming the file and the key (never a crash
# later, never `verify = "false"` read as true). An unknown [lint] key is a typo: an error.
_STR_LIST = (list, str)
SCHEMA: dict[str, dict[str, tuple[type, ...]]] = {
    "lint": {"runtime-base": (str,)},
    "image": {"platform": (str,), "verify": (bool,), "forbid-category": _STR_LIST, "max-size": (str, int),
              "max-wasted": (str, int, float), "min-efficiency": (str, int, float),
              "min-dive-efficiency": (str, int, float), "wasted-threshold": (str, int, float)},
    "runtime": {"gomemlimit-ratio": (str, int, float), "gomemlimit-max-ratio": (str, int, float),
                "go-images": (list,), "not-go-images": (list,), "assume-go": (bool,)},
}
_TYPE_NAMES = {str: "a string", bool: "true or false", int: "a number", float: "a number", list: "a list"}


def _check_schema(sect: str, table: dict[str, Any], source: Path | None) -> None:
    schema = SCHEMA.get(sect)
    if schema is None:
        return
    for key, value in table.items():
        if key not in schema:
            if sect == "lint":
                raise UsageError(f"{source}: unknown [{sect}] setting {key!r}")
            continue  # the command that owns the section names its unknown keys with a hint
        types = schema[key]
        if isinstance(value, bool) and bool not in types:
            ok = False
        else:
            ok = isinstance(value, types)
        if ok and isinstance(value, list) and not all(isinstance(v, str) for v in value):
            ok = False
        if not ok:
            want = " or ".join(dict.fromkeys(_TYPE_NAMES[t] for t in types))
            raise UsageError(f"{source}: [{sect}] {key} must be {want}, not {value!r}")


@dataclass
class Config:
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    fail_on: Severity = Severity.INFO
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: Path | None = None
    include_examples: bool = False  # `check`: also judge manifests below example/test/docs directories

    def section(self, name: str) -> dict[str, Any]:
        return self.sections.get(name, {})

    # --- selection -----------------------------------------------------------------
    def enabled(self, rule_name: str, rule_code: str) -> bool:
        def hit(patterns: list[str]) -> bool:
            for p in patterns:
                if p in ("ALL", "all") or p == rule_name or rule_code.upper().startswith(p.upper()):
                    return True
            return False

        if self.select and not hit(self.select):
            return False
        return not hit(self.ignore)

    def apply(self, findings: list[Finding]) -> list[Finding]:
        """Drop deselected findings and apply severity overrides."""
        out: list[Finding] = []
        for f in findings:
            if f.rule.startswith("golayer-"):  # tool findings (parse errors, unused pragmas) always kept
                out.append(f)
                continue
            if not self.enabled(f.rule, f.code):
                continue
            sev = self.severity.get(f.rule) or self.severity.get(f.code)
            if sev is not None:
                f.severity = sev
            out.append(f)
        return out


def _from_table(table: dict[str, Any], source: Path | None) -> Config:
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise UsageError(f"{source}: unknown golayer setting(s): {', '.join(sorted(unknown))}")
    cfg = Config(source=source)
    for key in ("select", "ignore", "extend-ignore"):
        val = table.get(key, [])
        if isinstance(val, str):
            val = [val]
        if not isinstance(val, list) or not all(isinstance(v, str) for v in val):
            raise UsageError(f"{source}: '{key}' must be a list of rule names or codes")
        if key == "select":
            cfg.select = list(val)
        else:
            cfg.ignore += list(val)
    try:  # a bad level names the file and the key it is in
        if "fail-on" in table:
            cfg.fail_on = Severity.parse(table["fail-on"])
        sev = table.get("severity", {})
        if not isinstance(sev, dict):
            raise UsageError("'severity' must be a table of rule = \"level\"")
        cfg.severity = {k: Severity.parse(v) for k, v in sev.items()}
    except UsageError as exc:
        raise UsageError(f"{source}: {exc.message}", hint=exc.hint) from None
    if "include-examples" in table:
        if not isinstance(table["include-examples"], bool):
            raise UsageError(f"{source}: 'include-examples' must be true or false")
        cfg.include_examples = table["include-examples"]
    for sect in ("lint", "image", "runtime", "lab"):
        val = table.get(sect, {})
        if not isinstance(val, dict):
            raise UsageError(f"{source}: [{sect}] must be a table")
        _check_schema(sect, val, source)
        cfg.sections[sect] = val
    return cfg


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when a config file exists (not on a plain run's start-up)

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read config {path}: {exc.strerror}") from None


def table_in(path: Path) -> dict[str, Any] | None:
    data = _read_toml(path)
    tool = data.get("tool")
    if path.name == "pyproject.toml" or "tool" in data:
        if tool is None:
            return None if path.name == "pyproject.toml" else data
        if not isinstance(tool, dict):
            raise UsageError(f"{path}: 'tool' must be a table, not {tool!r}")
        if "golayer" not in tool:
            return None if path.name == "pyproject.toml" else data
        table = tool["golayer"]
        if not isinstance(table, dict):
            raise UsageError(f"{path}: [tool.golayer] must be a table, not {table!r}")
        return table
    return data


def load(explicit: str | Path | None = None, start: Path | None = None) -> Config:
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise UsageError(f"config file not found: {path}")
        return _from_table(table_in(path) or {}, path)
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        for name in (".golayer.toml", "pyproject.toml"):
            p = d / name
            if p.is_file():
                table = table_in(p)
                if table is not None:
                    return _from_table(table, p)
    return Config()
