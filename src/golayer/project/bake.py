"""``docker-bake.hcl`` / ``docker-bake.json``: the targets and what each builds (nothing executed).

The HCL subset real bake files use: blocks ``target "name" {}``, ``group "name" {}``,
``variable "NAME" { default = ... }`` (``function`` blocks are read and ignored); attributes
``name = expr`` where expr is a string (with ``${VAR}`` interpolation of variables, ``$${`` an
escaped ``${``), a number, ``true``/``false``/``null``, a list ``[...]``, an object ``{ k = v }``
or ``{ "k": v }``; comments ``#``, ``//``, ``/* */``. An expression golayer cannot evaluate
(function calls, conditionals, references to other targets) makes that attribute unknown.
Variables take their ``default`` (the environment is not read, like compose's interpolation).
``inherits`` copies attributes of the parent targets (maps such as ``args`` merged by key);
``context`` is relative to the bake file's directory, ``dockerfile`` to the context.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_BYTES = 4 * 1024 * 1024
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_NUMBER = re.compile(r"-?[0-9][0-9.eE+-]*")


class Unknown:
    """An expression golayer does not evaluate."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = Unknown()


@dataclass
class BakeFile:
    path: Path
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class _Tok:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.n = len(text)
        self._pos, self._line = 0, 1

    def line(self) -> int:
        """1-based line of the current position (counted incrementally: linear over a file)."""
        if self.i < self._pos:
            self._pos, self._line = 0, 1
        self._line += self.s.count("\n", self._pos, self.i)
        self._pos = self.i
        return self._line

    def skip(self, newlines: bool = True) -> None:
        while self.i < self.n:
            c = self.s[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self.i += 1
            elif c == "#" or self.s.startswith("//", self.i):
                j = self.s.find("\n", self.i)
                self.i = self.n if j < 0 else j
            elif self.s.startswith("/*", self.i):
                j = self.s.find("*/", self.i + 2)
                self.i = self.n if j < 0 else j + 2
            else:
                break

    def peek(self) -> str:
        self.skip()
        return self.s[self.i] if self.i < self.n else ""

    def ident(self) -> str | None:
        self.skip()
        m = _IDENT.match(self.s, self.i)
        if not m:
            return None
        self.i = m.end()
        return m.group(0)

    def string(self) -> str:
        """A quoted string, raw (interpolation applied later)."""
        assert self.s[self.i] == '"'
        self.i += 1
        out = []
        depth = 0
        while self.i < self.n:
            c = self.s[self.i]
            if c == "\\" and self.i + 1 < self.n:
                nxt = self.s[self.i + 1]
                out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, "\\" + nxt))
                self.i += 2
                continue
            if c == '"' and depth == 0:
                self.i += 1
                return "".join(out)
            if self.s.startswith("${", self.i) and not self.s.startswith("$${", self.i - 1 if self.i else 0):
                depth += 1
                out.append("${")
                self.i += 2
                continue
            if c == "}" and depth:
                depth -= 1
            if c == "\n" and depth == 0:
                raise ValueError("newline in string")
            out.append(c)
            self.i += 1
        raise ValueError("unterminated string")


def _expr(t: _Tok, depth: int = 0) -> Any:
    if depth > 50:
        raise ValueError("nested too deeply")
    c = t.peek()
    if c == '"':
        return ("str", t.string())
    if c == "[":
        t.i += 1
        items = []
        while True:
            c = t.peek()
            if c == "]":
                t.i += 1
                return ("list", items)
            items.append(_expr(t, depth + 1))
            if t.peek() == ",":
                t.i += 1
    if c == "{":
        t.i += 1
        items = []
        while True:
            c = t.peek()
            if c == "}":
                t.i += 1
                return ("obj", items)
            if c == '"':
                k = t.string()
            else:
                k = t.ident()
                if k is None:
                    raise ValueError(f"line {t.line()}: expected a key")
            if t.peek() not in ("=", ":"):
                raise ValueError(f"line {t.line()}: expected = after {k}")
            t.i += 1
            items.append((k, _expr(t, depth + 1)))
            if t.peek() == ",":
                t.i += 1
    if c == "<" and t.s.startswith("<<", t.i):
        m = re.compile(r"<<-?([A-Za-z_]+)\n").match(t.s, t.i)
        if m:
            end = t.s.find("\n" + m.group(1), m.end() - 1)
            j = re.compile(r"\n[ \t]*" + re.escape(m.group(1)) + r"[ \t]*(?=\n|$)").search(t.s, m.end() - 1)
            t.i = j.end() if j else t.n
            return ("unknown", None) if end < 0 else ("str", t.s[m.end():j.start() + 1] if j else "")
    m = _NUMBER.match(t.s, t.i)
    if m:
        t.i = m.end()
        return ("lit", m.group(0))
    word = t.ident()
    if word is None:
        raise ValueError(f"line {t.line()}: unexpected {c!r}")
    if word in ("true", "false", "null"):
        return ("lit", {"true": True, "false": False, "null": None}[word])
    # a reference, a function call or an operator expression: skip to the end of the expression
    bal = 0
    while t.i < t.n:
        ch = t.s[t.i]
        if ch in "([{":
            bal += 1
        elif ch in ")]}":
            if bal == 0:
                break
            bal -= 1
        elif ch == '"':
            t.string()
            continue
        elif (ch == "\n" or ch == ",") and bal == 0:
            break
        t.i += 1
    return ("ref", word)


def _body(t: _Tok, depth: int = 0) -> list[tuple[str, Any, int]]:
    """Items of a block body: (name, value or ('block', labels, body), line)."""
    out = []
    while True:
        c = t.peek()
        if c == "" or c == "}":
            return out
        line = t.line()
        name = t.ident()
        if name is None:
            raise ValueError(f"line {line}: unexpected {c!r}")
        c = t.peek()
        if c == "=":
            t.i += 1
            out.append((name, _expr(t), line))
            continue
        labels = []
        while t.peek() == '"':
            labels.append(t.string())
        if t.peek() != "{":
            raise ValueError(f"line {line}: expected {{ after {name}")
        t.i += 1
        if depth > 4:
            raise ValueError("blocks nested too deeply")
        inner = _body(t, depth + 1)
        if t.peek() != "}":
            raise ValueError(f"line {line}: unclosed block {name}")
        t.i += 1
        out.append((name, ("block", labels, inner), line))


_VAR = re.compile(r"\$\$\{|\$\{([^{}]*)\}")


def _eval(v: Any, variables: dict[str, Any]) -> Any:
    kind = v[0]
    if kind == "str":
        unknown = False

        def sub(m: re.Match) -> str:
            nonlocal unknown
            if m.group(0) == "$${":
                return "${"
            name = m.group(1).strip()
            val = variables.get(name, UNKNOWN)
            if not isinstance(val, (str, int, float, bool)):
                unknown = True
                return ""
            return str(val).lower() if isinstance(val, bool) else str(val)

        out = _VAR.sub(sub, v[1])
        return UNKNOWN if unknown else out
    if kind == "lit":
        return v[1]
    if kind == "list":
        return [_eval(x, variables) for x in v[1]]
    if kind == "obj":
        return {k: _eval(x, variables) for k, x in v[1]}
    if kind == "ref":
        val = variables.get(v[1], UNKNOWN)
        return val
    return UNKNOWN


def parse_hcl(text: str, path: Path) -> BakeFile:
    bf = BakeFile(path=path)
    t = _Tok(text)
    items = _body(t)
    if t.peek() != "":
        raise ValueError(f"line {t.line()}: unexpected }}")
    raw_vars: dict[str, Any] = {}
    for name, val, _line in items:
        if name == "variable" and val[0] == "block" and val[1]:
            default = next((x for k, x, _l in val[2] if k == "default"), ("lit", ""))
            raw_vars[val[1][0]] = default
        elif name != "variable" and val[0] != "block":
            raw_vars[name] = val  # top-level attributes act as variables too
    for _ in range(3):  # defaults may reference each other
        for k, v in raw_vars.items():
            bf.variables[k] = _eval(v, bf.variables)
    for name, val, line in items:
        if val[0] != "block" or not val[1]:
            continue
        if name == "target":
            attrs = {k: _eval(x, bf.variables) for k, x, _l in val[2] if x[0] != "block"}
            bf.targets[val[1][0]] = attrs
            bf.lines[val[1][0]] = line
        elif name == "group":
            tg = next((_eval(x, bf.variables) for k, x, _l in val[2] if k == "targets"), [])
            bf.groups[val[1][0]] = [x for x in tg if isinstance(x, str)] if isinstance(tg, list) else []
    return bf


def parse_json(text: str, path: Path) -> BakeFile:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    bf = BakeFile(path=path)
    for k, v in (data.get("variable") or {}).items():
        if isinstance(v, dict):
            bf.variables[k] = v.get("default", "")
    for k, v in list(bf.variables.items()):
        if isinstance(v, str):
            bf.variables[k] = _eval(("str", v), bf.variables)

    def ev(x: Any) -> Any:
        if isinstance(x, str):
            return _eval(("str", x), bf.variables)
        if isinstance(x, list):
            return [ev(i) for i in x]
        if isinstance(x, dict):
            return {k: ev(i) for k, i in x.items()}
        return x

    for name, attrs in (data.get("target") or {}).items():
        if isinstance(attrs, dict):
            bf.targets[name] = {k: ev(v) for k, v in attrs.items()}
            m = re.search(r'"' + re.escape(name) + r'"\s*:', text)
            bf.lines[name] = text.count("\n", 0, m.start()) + 1 if m else 1
    for name, attrs in (data.get("group") or {}).items():
        if isinstance(attrs, dict) and isinstance(attrs.get("targets"), list):
            bf.groups[name] = [x for x in attrs["targets"] if isinstance(x, str)]
    return bf


def load(path: Path) -> BakeFile:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES >> 20} MiB")
        text = path.read_text(encoding="utf-8", errors="replace")
        return parse_json(text, path) if path.suffix == ".json" else parse_hcl(text, path)
    except (OSError, ValueError, RecursionError) as exc:
        bf = BakeFile(path=path)
        bf.notes.append(f"{path}: not read as a bake file ({str(exc).splitlines()[0][:120]}); its targets are unknown")
        return bf


def resolved(bf: BakeFile, name: str, chain: tuple[str, ...] = ()) -> dict[str, Any]:
    """A target's attributes with ``inherits`` applied (parents first, the target's own win)."""
    own = bf.targets.get(name, {})
    if name in chain or len(chain) > 10:
        return dict(own)
    out: dict[str, Any] = {}
    parents = own.get("inherits")
    for p in parents if isinstance(parents, list) else []:
        if isinstance(p, str) and p in bf.targets:
            for k, v in resolved(bf, p, chain + (name,)).items():
                if isinstance(v, dict) and isinstance(out.get(k), dict):
                    out[k] = {**out[k], **v}
                else:
                    out[k] = v
    for k, v in own.items():
        if k == "inherits":
            continue
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = {**out[k], **v}
        else:
            out[k] = v
    return out


def builds(bf: BakeFile) -> list[dict[str, Any]]:
    """One entry per target that builds a local Dockerfile: context, dockerfile, target, args, tags."""
    out = []
    base = bf.path.parent
    parents = {p for a in bf.targets.values() for p in (a.get("inherits") or [])
               if isinstance(a.get("inherits"), list) and isinstance(p, str)}
    grouped = {t for ts in bf.groups.values() for t in ts}
    for name in bf.targets:
        if name in parents and name not in grouped:
            continue  # only a base other targets inherit from
        attrs = resolved(bf, name)
        if "dockerfile-inline" in attrs:
            continue
        ctx = attrs.get("context", ".")
        df = attrs.get("dockerfile", "Dockerfile")
        if not isinstance(ctx, str) or not isinstance(df, str) or re.match(r"^(?:[a-z]+://|git@)", ctx):
            bf.notes.append(f"{bf.path}: target {name}: context or dockerfile golayer cannot evaluate; skipped")
            continue
        ctx_path = base / ctx
        args = {k: v for k, v in (attrs.get("args") or {}).items() if isinstance(v, (str, int, float))} \
            if isinstance(attrs.get("args"), dict) else {}
        tags = [x for x in attrs.get("tags") or [] if isinstance(x, str)] if isinstance(attrs.get("tags"), list) else []
        tgt = attrs.get("target")
        out.append({"name": name, "context": ctx_path,
                    "dockerfile": Path(df) if Path(df).is_absolute() else ctx_path / df,
                    "target": tgt if isinstance(tgt, str) else None,
                    "args": {k: str(v) for k, v in args.items()}, "images": tuple(tags),
                    "line": bf.lines.get(name, 1)})
    return out
