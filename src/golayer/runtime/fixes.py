"""``golayer runtime --fix`` / ``--diff``: edit manifests in place for findings with one right answer.

A runtime rule marks such a finding with ``extra["env_fix"]``: set environment variable NAME of the
container declared at LINE of FILE to VALUE (replacing a ``valueFrom`` when there is one, adding the
variable — and the ``env:`` / ``environment:`` key — when there is none). The file is edited through
a ruamel.yaml round trip, and only when that round trip reproduces the file byte for byte before the
edit (tried with the common indentation styles): otherwise the edit is skipped with a note, so an
edit never reformats lines it does not touch. Comments, quotes, flow style and key order are kept.
The write is atomic (a temporary file in the same directory, fsync, rename; the mode is kept).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

# (mapping, sequence, offset) styles tried for an identical round trip
_STYLES = ((2, 2, 0), (2, 4, 2), (2, 2, 2), (4, 4, 2), (4, 4, 0), (2, 3, 1), (4, 6, 2))


@dataclass(frozen=True)
class EnvFix:
    file: str
    container_line: int  # the container's `name:` line (Kubernetes) or the service key's line (compose)
    container: str
    source: str  # kubernetes | compose
    name: str
    value: str
    description: str

    @classmethod
    def from_finding(cls, f: Any) -> "EnvFix | None":
        spec = f.extra.get("env_fix")
        if not spec or not f.file or f.file == "-":
            return None
        return cls(file=f.file, container_line=int(spec["container_line"]), container=str(spec["container"]),
                   source=str(spec["source"]), name=str(spec["name"]), value=str(spec["value"]),
                   description=f"{f.rule}: set {spec['name']}={spec['value']} in {spec['container']}")


def _yaml(style: tuple[int, int, int]):
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 1 << 16
    y.indent(mapping=style[0], sequence=style[1], offset=style[2])
    return y


def _dump(y: Any, docs: list[Any], explicit_start: bool) -> str:
    buf = io.StringIO()
    y.explicit_start = explicit_start
    y.dump_all(docs, buf)
    return buf.getvalue()


def _round_trip(text: str) -> tuple[Any, Any] | None:
    """(yaml, doc) for one YAML document whose dump reproduces ``text`` exactly; None if no style does."""
    for style in _STYLES:
        y = _yaml(style)
        try:
            docs = list(y.load_all(text))
        except Exception:  # ruamel raises many types on odd input; then we do not edit
            return None
        if len(docs) != 1:
            return None
        if _dump(y, docs, False) == text:
            return y, docs[0]
    return None


def _documents(text: str) -> list[tuple[int, str, str]]:
    """Split a stream at ``---`` lines: (first line number (0-based), separator text, body)."""
    lines = text.splitlines(keepends=True)
    out: list[tuple[int, str, str]] = []
    sep, body, first = "", [], 0
    for i, ln in enumerate(lines):
        if ln.startswith("---") and (len(ln.rstrip("\r\n")) == 3 or ln[3] in " \t"):
            out.append((first, sep, "".join(body)))
            sep, body, first = ln, [], i + 1
        else:
            body.append(ln)
    out.append((first, sep, "".join(body)))
    return out


def _walk(node: Any, depth: int = 0) -> Iterable[Any]:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if depth > 60:
        return
    if isinstance(node, CommentedMap):
        yield node
        for v in node.values():
            yield from _walk(v, depth + 1)
    elif isinstance(node, CommentedSeq):
        for v in node:
            yield from _walk(v, depth + 1)


def _find_container(docs: list[Any], fx: EnvFix) -> Any:
    from ruamel.yaml.comments import CommentedMap

    for doc in docs:
        for m in _walk(doc):
            if fx.source == "kubernetes":
                if m.get("name") == fx.container and "name" in m and m.lc.key("name")[0] + 1 == fx.container_line:
                    return m
            else:
                for k, v in m.items():
                    if isinstance(v, CommentedMap) and isinstance(k, str):
                        try:
                            if m.lc.key(k)[0] + 1 == fx.container_line:
                                return v
                        except (KeyError, TypeError):
                            continue
    return None


def _set_k8s(c: Any, name: str, value: str) -> bool:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    env = c.get("env")
    if env is None:
        env = CommentedSeq()
        c["env"] = env
    if not isinstance(env, list):
        return False
    for item in env:
        if isinstance(item, dict) and item.get("name") == name:
            if "$" in str(item.get("value", "")):
                return False  # $(VAR) expansion: not a literal golayer may rewrite
            if "valueFrom" in item:
                pos = list(item.keys()).index("valueFrom")
                del item["valueFrom"]
                item.insert(pos, "value", value)
            else:
                item["value"] = value
            return True
    new = CommentedMap()
    new["name"] = name
    new["value"] = value
    if getattr(env, "fa", None) is not None and env.fa.flow_style():
        new.fa.set_flow_style()
    env.append(new)
    return True


def _set_compose(svc: Any, name: str, value: str) -> bool:
    from ruamel.yaml.comments import CommentedMap

    env = svc.get("environment")
    if env is None:
        env = CommentedMap()
        svc["environment"] = env
    if isinstance(env, dict):
        if "$" in str(env.get(name, "")):
            return False
        env[name] = value
        return True
    if isinstance(env, list):
        for i, item in enumerate(env):
            if isinstance(item, str) and (item == name or item.startswith(name + "=")):
                if "$" in item:
                    return False
                env[i] = f"{name}={value}"
                return True
        env.append(f"{name}={value}")
        return True
    return False


def apply(text: str, fixes: list[EnvFix]) -> tuple[str, int, list[str]]:
    """(new text, edits applied, notes on edits skipped). Each YAML document is edited on its own,
    and only documents with an edit are rewritten."""
    done, notes, parts = 0, [], []
    docs = _documents(text)
    for k, (first, sep, body) in enumerate(docs):
        last = docs[k + 1][0] - 1 if k + 1 < len(docs) else first + body.count("\n") + 1
        mine = [fx for fx in fixes if first < fx.container_line <= last]
        parts.append(sep)
        if not mine or not body.strip():
            parts.append(body)
            continue
        rt = _round_trip(body)
        if rt is None:
            notes.append(f"{mine[0].file}:{mine[0].container_line}: not edited: golayer cannot rewrite this YAML "
                         "document without changing lines it does not touch")
            parts.append(body)
            continue
        y, doc = rt
        n = 0
        for fx in mine:
            rel = EnvFix(**{**fx.__dict__, "container_line": fx.container_line - first})
            c = _find_container([doc], rel)
            ok = c is not None and (_set_k8s(c, fx.name, fx.value) if fx.source == "kubernetes"
                                    else _set_compose(c, fx.name, fx.value))
            if ok:
                n += 1
            else:
                notes.append(f"{fx.file}:{fx.container_line}: not edited: {fx.description}")
        done += n
        parts.append(_dump(y, [doc], False) if n else body)
    return ("".join(parts) if done else text), done, notes


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` through the one atomic writer (temporary file, fsync, mode and owner
    kept, rename)."""
    from golayer.limits import atomic_write

    atomic_write(path, text)


def plan(findings: list[Any]) -> dict[str, list[EnvFix]]:
    """Fixes per file, one per (container, variable): the first finding's value wins."""
    out: dict[str, list[EnvFix]] = {}
    seen: set[tuple] = set()
    for f in findings:
        fx = EnvFix.from_finding(f)
        if fx is None:
            continue
        key = (fx.file, fx.container_line, fx.name)
        if key in seen:
            continue
        seen.add(key)
        out.setdefault(fx.file, []).append(fx)
    return out
