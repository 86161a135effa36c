"""Load Kubernetes YAML and docker compose files into the runtime model, keeping positions.

* Kubernetes: multi-document streams, ``List`` kinds (``kind: List`` and ``*List``), Pod,
  Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob
  (``jobTemplate``), PodTemplate, and any other kind with ``spec.template.spec.containers``
  (Argo Rollouts, ...); containers and initContainers; env ``value`` (with ``$(VAR)``
  expansion), ``valueFrom.resourceFieldRef`` (with ``divisor`` and ``containerName``), other
  ``valueFrom`` sources as unknown, ``envFrom`` noted as unknown; ``LimitRange`` defaults of the
  same namespace when a container sets no limit.
* Compose: ``services.*`` with ``mem_limit``, ``deploy.resources.limits.memory`` (wins over
  ``mem_limit``, as in docker compose), ``cpus``, ``deploy.resources.limits.cpus``,
  ``environment`` as a list or a map, ``${VAR:-default}`` interpolation from the ``.env`` file
  next to the compose file or the default (the shell environment is never read: results must not
  depend on who runs golayer), ``env_file`` noted as unknown.

Parsing uses libyaml (through PyYAML) when it is installed, else ruamel.yaml; both keep positions.
Hostile input is refused with a clear reason and never hangs: files over 32 MiB, documents
whose alias expansion exceeds 1,000,000 nodes (billion laughs) or is recursive, nesting deeper
than 100 flow levels or 256 columns of indentation, text that is not UTF-8. Unrendered templates (``{{ }}``) and
documents that are not mappings are skipped with a note.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterator

from golayer.errors import InputError
from golayer.limits import MAX_ARG_STRLEN, MAX_MANIFEST_BYTES, MAX_NUMBER_DIGITS, ExpansionBudget, ExpansionError
from golayer.runtime import quantities as q
from golayer.runtime.model import Container, EnvValue, Workload

MAX_FILE_BYTES = MAX_MANIFEST_BYTES
MAX_EXPANDED_NODES = 1_000_000
STDIN_NAME = "<stdin>"

POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}
LONG_RUNNING_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"}
WORKLOAD_KINDS = POD_TEMPLATE_KINDS | {"Pod", "CronJob", "PodTemplate"}
IGNORE_KEY = "golayer/ignore"
# kinds that never hold a pod template, even when their text says "template:" (CRD schemas do): not parsed
NEVER_WORKLOAD_KINDS = {"CustomResourceDefinition", "ConfigMap", "Secret", "Service", "ServiceAccount", "Namespace",
                        "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "NetworkPolicy", "Ingress",
                        "APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
                        "PodDisruptionBudget", "PriorityClass", "StorageClass", "HorizontalPodAutoscaler"}

# Line-anchored patterns are written against a literal "\n" and searched in the text given a leading
# newline: `^` under re.MULTILINE makes the regex engine try every position of the text (250 ms for a
# 4 MB bundle of CRDs and ConfigMaps), a literal first character is found with a fast scan (6 ms).
# Same matches as `^---(?:[ \t].*)?$|^\.\.\.[ \t]*$` and `^kind:...` under re.MULTILINE.
_DOC_SPLIT_NL = re.compile(r"\n(?:---(?:[ \t][^\n]*)?|\.\.\.[ \t]*)(?=\n|\Z)")
_TOP_KIND_NL = re.compile(r"\nkind:[ \t]*['\"]?([A-Za-z0-9]+)")
_TEMPLATE = re.compile(r"\{\{.*?\}\}", re.DOTALL)


@dataclass
class Loaded:
    workloads: list[Workload] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------
def read_text(path: str) -> tuple[str, str]:
    """(display name, text) of a file, or of stdin for ``-``, through the one bounded reader
    (:func:`golayer.limits.read_bounded`: regular files and stdin only, at most MAX_FILE_BYTES)."""
    from golayer.limits import read_bounded

    if path != "-" and Path(path).is_dir():
        raise InputError(f"{path}: is a directory", hint="give manifest files, or use `golayer check DIR`")
    data = read_bounded(path, MAX_FILE_BYTES, "manifest")
    return decode_text(data, STDIN_NAME if path == "-" else path)


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """(name, text) of a manifest's bytes: UTF-8 (a BOM dropped); a binary file is an input error."""
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: a binary file, not YAML")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    return name, text


class PosDict(dict):
    """A YAML mapping that remembers where it and each of its keys are (0-based lines), and the
    source text of scalar values that did not resolve to strings."""

    line: int = 0
    key_lines: dict
    raw: dict
    complex_keys: list  # mapping keys that are themselves mappings or sequences (counted, never used)


class PosList(list):
    line: int = 0
    item_lines: list
    raw: dict


_TRUE = {"true", "yes", "on", "y"}


def _scalar(node: Any) -> Any:
    tag = node.tag or ""
    v = node.value
    kind = tag.rsplit(":", 1)[-1]
    if kind == "str" or getattr(node, "style", None) in ("'", '"', "|", ">"):
        return v
    if kind == "null":
        return None
    if kind == "bool":
        return v.lower() in _TRUE
    if kind == "int":
        t = v.replace("_", "")
        try:
            sign = -1 if t.startswith("-") else 1
            body = t.lstrip("+-")
            if len(body) > MAX_NUMBER_DIGITS:  # no real count has 400 digits; int() would refuse 4300
                return v
            if body.startswith(("0x", "0X")):
                return sign * int(body[2:], 16)
            if body.startswith(("0o", "0O")):
                return sign * int(body[2:], 8)
            if body.startswith(("0b", "0B")):
                return sign * int(body[2:], 2)
            if len(body) > 1 and body.startswith("0") and body.isdigit():
                return sign * int(body, 8)  # YAML 1.1 octal
            return sign * int(body)
        except ValueError:
            return v
    if kind == "float":
        try:
            f = float(v.replace("_", ""))
        except ValueError:
            return v
        return f if f == f and f not in (float("inf"), float("-inf")) else v
    return v  # timestamps, binary, unknown tags: the text as written


def _convert(root: Any, seen: list[int] | None = None) -> Any:
    """Composed YAML nodes -> PosDict / PosList / scalars. Shared (aliased) nodes become shared
    objects, so alias expansion costs nothing here and is measured afterwards. ``seen``, when given,
    gets [nodes converted, shared nodes met]: with none shared the document is a tree of at most that
    many nodes, which is all :func:`_check_expansion` would find."""
    memo: dict[int, Any] = {}
    counts = seen if seen is not None else [0, 0]

    def conv(node: Any) -> Any:
        key = id(node)
        counts[0] += 1
        if key in memo:
            counts[1] += 1
            return memo[key]
        cls = type(node).__name__
        if cls == "ScalarNode":
            return _scalar(node)
        if cls == "SequenceNode":
            out = PosList()
            out.line = node.start_mark.line
            out.item_lines = []
            out.raw = {}
            memo[key] = out
            for i, child in enumerate(node.value):
                out.append(conv(child))
                out.item_lines.append(child.start_mark.line)
                if type(child).__name__ == "ScalarNode" and not isinstance(out[-1], str):
                    out.raw[i] = child.value
            return out
        if cls == "MappingNode":
            out = PosDict()
            out.line = node.start_mark.line
            out.key_lines = {}
            out.raw = {}
            out.complex_keys = []
            memo[key] = out
            merges: list[Any] = []
            for knode, vnode in node.value:
                if (knode.tag or "").endswith(":merge") or (type(knode).__name__ == "ScalarNode"
                                                           and knode.value == "<<" and not getattr(knode, "style", None)):
                    merges.append(vnode)
                    continue
                k = conv(knode)
                if isinstance(k, (dict, list)):
                    # complex keys (`? [a, b]`, `? *alias`): nothing we look up. Never str() them (that
                    # expands every alias inside: billion laughs); the expansion guard counts them.
                    out.complex_keys.append(k)
                    k = f"<complex key at line {knode.start_mark.line + 1}>"
                out[k] = conv(vnode)
                out.key_lines[k] = knode.start_mark.line
                if type(vnode).__name__ == "ScalarNode" and not isinstance(out[k], str):
                    out.raw[k] = vnode.value
            for m in merges:  # explicit keys win; earlier merge sources win over later ones
                sources = m.value if type(m).__name__ == "SequenceNode" else [m]
                for src_node in sources:
                    src = conv(src_node)
                    if isinstance(src, PosDict):
                        for k, v in src.items():
                            if k not in out:
                                out[k] = v
                                out.key_lines[k] = src.key_lines.get(k, src.line)
                                if k in src.raw:
                                    out.raw[k] = src.raw[k]
            return out
        return None

    return conv(root) if root is not None else None


def _compose_all(text: str) -> list[Any]:
    """Composed nodes of every document: libyaml through PyYAML when it is installed (about ten
    times faster), else ruamel.yaml's pure-Python composer. Both keep line positions."""
    try:
        import yaml  # type: ignore[import-untyped]

        if getattr(yaml, "__with_libyaml__", False):
            return list(yaml.compose_all(text, Loader=yaml.CSafeLoader))
    except ImportError:
        pass
    from ruamel.yaml import YAML

    return list(YAML(typ="safe", pure=True).compose_all(text))


def _yaml_errors() -> tuple[type, ...]:
    errs: list[type] = []
    try:
        import yaml  # type: ignore[import-untyped]

        errs.append(yaml.YAMLError)
    except ImportError:
        pass
    from ruamel.yaml.error import YAMLError

    errs.append(YAMLError)
    return tuple(errs)


MAX_FLOW_DEPTH = 100
MAX_INDENT = 256
_DEEP_INDENT_NL = re.compile(r"\n[ \t]{%d}" % MAX_INDENT)  # searched in "\n" + text (see _DOC_SPLIT_NL)
_BRACKETS = re.compile(r"[\[\]{}]")


def _flow_depth_ok(text: str) -> bool:
    """Cheap guard: the YAML scanner slows down quadratically with flow nesting ([[[[...)."""
    depth = 0
    for m in _BRACKETS.finditer(text):
        if m.group(0) in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                return False
        elif depth:
            depth -= 1
    return True


def _parse_docs(text: str, name: str, line_offset: int) -> list[Any]:
    if _DEEP_INDENT_NL.search("\n" + text):
        raise InputError(f"{name}: YAML indented more than {MAX_INDENT} columns; refusing to parse it")
    if not _flow_depth_ok(text):
        raise InputError(f"{name}: YAML nested more than {MAX_FLOW_DEPTH} levels deep; refusing to parse it")

    counts = [0, 0]
    try:
        docs = [_convert(n, counts) for n in _compose_all(text)]
    except _yaml_errors() as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1 + line_offset}" if mark is not None else name
        prob = getattr(exc, "problem", None) or getattr(exc, "context", None) or "syntax error"
        raise InputError(f"{where}: not valid YAML: {prob}") from None
    except RecursionError:
        raise InputError(f"{name}: YAML nested too deeply; refusing to parse it") from None
    if counts[1] or counts[0] > MAX_EXPANDED_NODES:  # aliases (or a huge tree): measure the expansion
        for d in docs:
            _check_expansion(d, name)
    return docs


def _kids(node: Any) -> list[Any]:
    """What a node expands to: a mapping's values and its complex keys, a sequence's items."""
    if isinstance(node, dict):
        return [*node.values(), *getattr(node, "complex_keys", ())]
    return node


def _check_expansion(doc: Any, name: str) -> None:
    """Refuse documents whose alias expansion is huge (billion laughs) or recursive. Mapping keys
    count like values (``? *alias`` keys are aliases too)."""
    sizes: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[tuple[Any, bool]] = [(doc, False)]
    while stack:
        node, done = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        key = id(node)
        if done:
            on_stack.discard(key)
            kids = _kids(node)
            total = 1
            for k in kids:
                total += sizes.get(id(k), 1) if isinstance(k, (dict, list)) else 1
                if total > MAX_EXPANDED_NODES:
                    break
            sizes[key] = total
            if total > MAX_EXPANDED_NODES:
                raise InputError(f"{name}: YAML alias expansion exceeds {MAX_EXPANDED_NODES:,} nodes"
                                 " (a \"billion laughs\" document?); refusing it")
            continue
        if key in sizes:
            continue
        if key in on_stack:
            raise InputError(f"{name}: recursive YAML alias; refusing it")
        on_stack.add(key)
        stack.append((node, True))
        kids = _kids(node)
        for k in kids:
            if isinstance(k, (dict, list)):
                if id(k) in on_stack:
                    raise InputError(f"{name}: recursive YAML alias; refusing it")
                stack.append((k, False))


def _chunks(text: str) -> Iterator[tuple[str, int]]:
    """Split a stream into (document text, line offset) at ``---`` lines."""
    pos = 0
    line = 0
    for m in _DOC_SPLIT_NL.finditer("\n" + text):
        start = m.start()  # the separator line's first character in ``text`` (the match begins at its "\n")
        sep = m.group(0)[1:]
        chunk = text[pos:start]
        yield chunk, line
        line += chunk.count("\n")
        # the separator line itself: content after `--- ` on the same line belongs to the next doc
        pos = start + (3 if sep.startswith("---") else len(sep))
    yield text[pos:], line


# ---------------------------------------------------------------------------------------------
# positions and small accessors
# ---------------------------------------------------------------------------------------------
class Line(int):
    """A 1-based line number that also names its file, when that differs from the workload's (a
    value set by a compose override or an ``extends`` file)."""

    file: str | None = None

    def __new__(cls, value: int, file: str | None = None) -> "Line":
        obj = super().__new__(cls, value)
        obj.file = file
        return obj


def file_of(line: Any, default: str) -> str:
    return getattr(line, "file", None) or default


class _Ctx:
    def __init__(self, name: str, offset: int, notes: list[str], budget: ExpansionBudget | None = None):
        self.name = name
        self.offset = offset
        self.notes = notes
        self.budget = budget if budget is not None else ExpansionBudget()  # $(VAR) expansion, per file

    def line_of(self, node: Any, key: Any = None) -> int | None:
        line = self._line_of(node, key)
        if line is None:
            return None
        file = getattr(node, "key_files", {}).get(key) if key is not None else None
        file = file or getattr(node, "file", None)
        return Line(line, file) if file and file != self.name else line

    def _line_of(self, node: Any, key: Any = None) -> int | None:
        if key is not None:
            if isinstance(node, PosList) and isinstance(key, int) and 0 <= key < len(node.item_lines):
                return node.item_lines[key] + 1 + self.offset
            if isinstance(node, PosDict) and key in node.key_lines:
                return node.key_lines[key] + 1 + self.offset
        if isinstance(node, (PosDict, PosList)):
            return node.line + 1 + self.offset
        return None

    def note(self, line: int | None, msg: str) -> None:
        where = f"{file_of(line, self.name)}:{line}" if line else self.name
        self.notes.append(f"{where}: {msg}")


def _map(node: Any, key: str) -> dict:
    v = node.get(key) if isinstance(node, dict) else None
    return v if isinstance(v, dict) else {}


def _seq(node: Any, key: str) -> list:
    v = node.get(key) if isinstance(node, dict) else None
    return v if isinstance(v, list) else []


def _ignore_set(value: Any) -> set[str]:
    if isinstance(value, list):
        items = [str(v) for v in value]
    elif value is None:
        return set()
    else:
        items = str(value).split(",")
    return {i.strip() for i in items if i.strip()}


# ---------------------------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------------------------
def _k8s_objects(doc: Any, ctx: _Ctx, depth: int = 0) -> Iterator[dict]:
    if not isinstance(doc, dict):
        return
    kind = doc.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(doc.get("items"), list):
        if depth > 4:
            return
        for item in doc["items"]:
            if isinstance(item, dict):
                yield from _k8s_objects(item, ctx, depth + 1)
            else:
                ctx.note(ctx.line_of(doc, "items"), f"skipped a {type(item).__name__} item in {kind} (not an object)")
        return
    yield doc


def _pod_spec(obj: dict) -> tuple[dict | None, list[dict]]:
    """(pod spec, [metadata mappings carrying annotations]) of a workload object."""
    kind = obj.get("kind")
    metas = [_map(obj, "metadata")]
    if kind == "Pod":
        spec = obj.get("spec")
        return (spec if isinstance(spec, dict) else None), metas
    if kind == "PodTemplate":
        tmpl = _map(obj, "template")
    elif kind == "CronJob":
        tmpl = _map(_map(_map(_map(obj, "spec"), "jobTemplate"), "spec"), "template")
        metas.append(_map(_map(_map(obj, "spec"), "jobTemplate"), "metadata"))
    else:
        tmpl = _map(_map(obj, "spec"), "template")
    metas.append(_map(tmpl, "metadata"))
    spec = tmpl.get("spec")
    return (spec if isinstance(spec, dict) else None), metas


def _quantity(value: Any) -> Fraction:
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        raise q.QuantityError(f"{value!r} is not a quantity")
    if isinstance(value, int):
        return Fraction(int(value))
    if isinstance(value, float):
        return q._as_quantity(float(value))
    return q.parse_quantity(str(value))


def _argv(*parts: Any) -> list[str]:
    """command/args (or compose entrypoint/command) as a list of words, bounded; a string form is
    split on white space (enough to find a flag name)."""
    out: list[str] = []
    for p in parts:
        if isinstance(p, str):
            out.extend(p.split()[:200])
        elif isinstance(p, list):
            out.extend(str(x)[:1000] for x in p[:200] if isinstance(x, (str, int, float)))
    return out[:400]


def _k8s_container(c: dict, ctx: _Ctx, init: bool, line: int | None) -> Container:
    name = str(c.get("name") or "?")
    image = c.get("image")
    ct = Container(name=name, image=str(image) if image is not None else None, file=ctx.name, line=line, init=init)
    if init and c.get("restartPolicy") == "Always":
        ct.sidecar = True
    res = _map(c, "resources")
    limits, requests = _map(res, "limits"), _map(res, "requests")
    if "memory" in limits:
        ln = ctx.line_of(limits, "memory")
        try:
            ct.memory_limit = math.ceil(_quantity(limits["memory"]))
            ct.memory_limit_text = str(limits["memory"])
            ct.memory_limit_line = ln
            ct.memory_limit_source = "resources.limits.memory"
        except q.QuantityError as exc:
            ct.problems.append(f"limits.memory: {exc}")
            ctx.note(ln, f"container {name}: limits.memory {limits['memory']!r} is not a quantity"
                         " (the API server rejects it)")
    if "memory" in requests:
        try:
            ct.memory_request = math.ceil(_quantity(requests["memory"]))
        except q.QuantityError:
            pass
    if "cpu" in limits:
        ln = ctx.line_of(limits, "cpu")
        try:
            ct.cpu_limit = Fraction(math.ceil(_quantity(limits["cpu"]) * 1000), 1000)
            ct.cpu_limit_text = str(limits["cpu"])
            ct.cpu_limit_line = ln
        except q.QuantityError as exc:
            ct.problems.append(f"limits.cpu: {exc}")
            ctx.note(ln, f"container {name}: limits.cpu {limits['cpu']!r} is not a quantity")
    ct.argv = _argv(c.get("command"), c.get("args"))
    ct.liveness = isinstance(c.get("livenessProbe"), dict)
    ct.readiness = isinstance(c.get("readinessProbe"), dict)
    if c.get("envFrom"):
        for src in _seq(c, "envFrom"):
            if isinstance(src, dict):
                what = next((k for k in ("configMapRef", "secretRef") if k in src), "source")
                ref = _map(src, what).get("name", "?")
                ct.env_unknown.append(f"envFrom {what} {ref}")
    _k8s_env(c, ct, ctx)
    return ct


_DOLLAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


class _TooLong(Exception):
    pass


def _expand(value: str, env: dict[str, EnvValue], unknown_sources: bool,
            budget: "ExpansionBudget | None" = None) -> str | None:
    """Kubernetes ``$(VAR)`` expansion, as the kubelet does it (``third_party/forked/golang/expansion``):
    one pass over the value, each ``$(NAME)`` replaced by the already-expanded value of an earlier entry
    (never re-scanned), ``$$`` an escaped ``$``; an undefined reference stays as written; one to an unknown
    value makes the result unknown. Linear in the output, which is bounded: a value past
    ``limits.MAX_ARG_STRLEN`` raises _TooLong (the container could not start), and every result is charged
    to the file's ``budget``."""
    unknown = False
    parts: list[str] = []
    size = 0
    pos = 0
    for m in _DOLLAR_REF.finditer(value):
        parts.append(value[pos:m.start()])
        size += m.start() - pos
        pos = m.end()
        if m.group(0) == "$$":
            rep = "$"
        else:
            ref = env.get(m.group(1))
            if ref is None:
                if unknown_sources:
                    unknown = True
                rep = m.group(0)
            elif ref.value is None:
                unknown = True
                rep = m.group(0)
            else:
                rep = ref.value
        size += len(rep)
        if size > MAX_ARG_STRLEN:
            raise _TooLong()
        parts.append(rep)
    parts.append(value[pos:])
    out = "".join(parts)
    if len(out) > MAX_ARG_STRLEN:
        raise _TooLong()
    if budget is not None:
        budget.charge(len(out))
    return None if unknown else out


def _k8s_env(c: dict, ct: Container, ctx: _Ctx) -> None:
    for i, item in enumerate(_seq(c, "env")):
        if not isinstance(item, dict) or "name" not in item:
            continue
        name = str(item["name"])
        line = ctx.line_of(item, "name") or ctx.line_of(c["env"], i)
        if "value" in item and item["value"] is not None:
            raw = item["value"]
            if not isinstance(raw, str):
                text = item.raw.get("value", str(raw)) if isinstance(item, PosDict) else str(raw)
                ctx.note(line, f"container {ct.name}: env {name} value {text} is not a string in YAML; "
                               "the API server rejects non-string env values (quote it)")
                raw = text
            try:
                value = _expand(raw, ct.env, bool(ct.env_unknown), ctx.budget)
            except _TooLong:
                ctx.note(line, f"container {ct.name}: env {name} expands to more than {MAX_ARG_STRLEN >> 10} KiB;"
                               " Linux refuses an environment string that long (E2BIG), so the container"
                               " cannot start")
                ct.env[name] = EnvValue(name, line, None, source="value", note="expands past the kernel's limit")
                continue
            except ExpansionError as exc:
                raise InputError(f"{ctx.name}: {exc.message}") from None
            ct.env[name] = EnvValue(name, line, value, source="value",
                                    note=None if value is not None or raw == value else "references a value golayer cannot see")
            continue
        vf = _map(item, "valueFrom")
        if "resourceFieldRef" in vf:
            ref = _map(vf, "resourceFieldRef")
            div = ref.get("divisor")
            ct.env[name] = EnvValue(name, line, None, source="resourceFieldRef",
                                    resource=str(ref.get("resource", "")),
                                    divisor=str(div) if div is not None else None,
                                    ref_container=str(ref["containerName"]) if ref.get("containerName") else None)
        elif vf:
            src = next(iter(vf), "valueFrom")
            ct.env[name] = EnvValue(name, line, None, source=str(src))
        else:
            ct.env[name] = EnvValue(name, line, "", source="value")


def _resolve_resource_refs(containers: list[Container], ctx: _Ctx) -> None:
    by_name = {c.name: c for c in containers}
    for ct in containers:
        for name, ev in list(ct.env.items()):
            if ev.source != "resourceFieldRef":
                continue
            target = by_name.get(ev.ref_container or ct.name, ct)
            try:
                divisor = _quantity(ev.divisor) if ev.divisor is not None else Fraction(1)
                if divisor == 0:
                    divisor = Fraction(1)  # the API server writes an unset divisor back as "0"
                if divisor < 0:
                    raise q.QuantityError("divisor must be positive")
            except q.QuantityError as exc:
                ctx.note(ev.line, f"container {ct.name}: env {name}: bad divisor {ev.divisor!r}: {exc}")
                continue
            res = ev.resource
            amount: Fraction | None = None
            if res == "limits.memory":
                amount = Fraction(target.memory_limit) if target.memory_limit is not None else None
                if amount is None:
                    ev.note = "no memory limit: Kubernetes substitutes the node's allocatable memory"
            elif res == "requests.memory":
                req = target.memory_request if target.memory_request is not None else target.memory_limit
                amount = Fraction(req) if req is not None else None
            elif res == "limits.cpu":
                amount = target.cpu_limit
                if amount is None:
                    ev.note = "no CPU limit: Kubernetes substitutes the node's allocatable CPUs"
            if amount is not None:
                ev.value = str(math.ceil(amount / divisor))


def _apply_limit_ranges(workloads: list[Workload], ranges: dict[str | None, dict[str, tuple[str, Any, str]]],
                        notes: list[str]) -> None:
    for w in workloads:
        if w.source != "kubernetes":
            continue
        defaults = ranges.get(w.namespace)
        if not defaults:
            continue
        for ct in w.containers:
            if ct.memory_limit is None and "memory" in defaults:
                src, raw, lr = defaults["memory"]
                try:
                    ct.memory_limit = math.ceil(_quantity(raw))
                    ct.memory_limit_text = str(raw)
                    ct.memory_limit_source = f"LimitRange {lr} default"
                except q.QuantityError:
                    pass
            if ct.cpu_limit is None and "cpu" in defaults:
                src, raw, lr = defaults["cpu"]
                try:
                    ct.cpu_limit = Fraction(math.ceil(_quantity(raw) * 1000), 1000)
                    ct.cpu_limit_text = str(raw)
                except q.QuantityError:
                    pass


def _k8s_workload(obj: dict, ctx: _Ctx) -> Workload | None:
    kind = str(obj.get("kind"))
    meta = _map(obj, "metadata")
    name = str(meta.get("name") or "?")
    spec, metas = _pod_spec(obj)
    if spec is None:
        if kind in WORKLOAD_KINDS:
            ctx.note(ctx.line_of(obj), f"{kind}/{name}: no pod spec found; skipped")
        return None
    w = Workload(kind=kind, name=name, file=ctx.name, line=ctx.line_of(obj, "kind") or ctx.line_of(obj),
                 namespace=str(meta["namespace"]) if meta.get("namespace") else None)
    if kind in LONG_RUNNING_KINDS:
        w.long_running = True
    elif kind == "Pod":
        w.long_running = spec.get("restartPolicy", "Always") == "Always"
    elif kind in ("Job", "CronJob"):
        w.long_running = False
    else:  # PodTemplate, unknown kinds with a template: do not guess
        w.long_running = False
    for m in metas:
        ann = _map(m, "annotations")
        if IGNORE_KEY in ann:
            w.ignore |= _ignore_set(ann[IGNORE_KEY])
    for key, init in (("initContainers", True), ("containers", False)):
        seq = spec.get(key)
        if not isinstance(seq, list):
            continue
        for i, c in enumerate(seq):
            if not isinstance(c, dict):
                ctx.note(ctx.line_of(seq, i), f"{w.ref}: skipped a {key} entry that is not a mapping")
                continue
            w.containers.append(_k8s_container(c, ctx, init, ctx.line_of(c, "name") or ctx.line_of(seq, i)))
    _pod_level_limits(spec, w, ctx)
    _resolve_resource_refs(w.containers, ctx)
    if not w.containers:
        ctx.note(w.line, f"{w.ref}: no containers")
    return w


def _pod_level_limits(spec: dict, w: Workload, ctx: _Ctx) -> None:
    """Pod-level ``spec.resources.limits`` (Kubernetes >= 1.32) bound containers that set none."""
    limits = _map(_map(spec, "resources"), "limits")
    if not limits:
        return
    for ct in w.containers:
        if ct.memory_limit is None and "memory" in limits:
            try:
                ct.memory_limit = math.ceil(_quantity(limits["memory"]))
                ct.memory_limit_text = str(limits["memory"])
                ct.memory_limit_line = ctx.line_of(limits, "memory")
                ct.memory_limit_source = "pod-level resources.limits.memory (shared by the pod's containers)"
            except q.QuantityError:
                pass
        if ct.cpu_limit is None and "cpu" in limits:
            try:
                ct.cpu_limit = Fraction(math.ceil(_quantity(limits["cpu"]) * 1000), 1000)
                ct.cpu_limit_text = str(limits["cpu"])
                ct.cpu_limit_line = ctx.line_of(limits, "cpu")
            except q.QuantityError:
                pass


def _limit_range(obj: dict) -> dict[str, tuple[str, Any, str]]:
    out: dict[str, tuple[str, Any, str]] = {}
    name = str(_map(obj, "metadata").get("name") or "?")
    for lim in _seq(_map(obj, "spec"), "limits"):
        if isinstance(lim, dict) and lim.get("type") == "Container":
            for res in ("memory", "cpu"):
                d = _map(lim, "default")
                if res in d:
                    out[res] = ("default", d[res], name)
    return out


# ---------------------------------------------------------------------------------------------
# compose
# ---------------------------------------------------------------------------------------------
def _dotenv(path: Path | None) -> dict[str, str]:
    """The ``.env`` file next to the (first) compose file; never the shell environment."""
    from golayer.project.interpolate import read_dotenv

    return {} if path is None else read_dotenv(path.parent / ".env")


def interpolate(value: str, env: dict[str, str]) -> tuple[str | None, str | None]:
    """Compose interpolation against ``env`` (the .env file): (result or None if unknown, note).
    The grammar (nested defaults, ``-``/``:-``/``+``/``:+``/``?``/``:?``, ``$$``) is
    golayer.project.interpolate's."""
    from golayer.project.interpolate import interpolate as _interpolate

    r = _interpolate(value, env)
    return r.value, r.note


def _compose_workloads(doc: dict, ctx: _Ctx, path: Path | None) -> list[Workload]:
    env_file = _dotenv(path)
    services = doc.get("services")
    out: list[Workload] = []
    if not isinstance(services, dict):
        return out
    for sname, svc in services.items():
        sline = ctx.line_of(services, sname)
        if not isinstance(svc, dict):
            ctx.note(sline, f"service {sname}: not a mapping; skipped")
            continue
        w = Workload(kind="service", name=str(sname), file=file_of(sline, ctx.name), line=sline, source="compose")

        def interp(v: Any, line: int | None, what: str) -> Any:
            if not isinstance(v, str):
                return v
            val, note = interpolate(v, env_file)
            if note:
                ctx.note(line, f"service {sname}: {what} {note}")
            return val

        image = interp(svc.get("image"), ctx.line_of(svc, "image"), "image")
        cname = svc.get("container_name") or sname
        ct = Container(name=str(cname), image=str(image) if image is not None else None, file=w.file,
                       line=sline)
        ct.argv = _argv(svc.get("entrypoint"), svc.get("command"))
        ct.liveness = ct.readiness = isinstance(svc.get("healthcheck"), dict)
        labels = svc.get("labels")
        if isinstance(labels, dict) and IGNORE_KEY in labels:
            w.ignore |= _ignore_set(labels[IGNORE_KEY])
        elif isinstance(labels, list):
            for item in labels:
                if isinstance(item, str) and item.startswith(IGNORE_KEY + "="):
                    w.ignore |= _ignore_set(item.split("=", 1)[1])
        limits = _map(_map(_map(svc, "deploy"), "resources"), "limits")
        def values(pairs, parse, what):
            """(parsed, written text, line, source) of each present key, in compose's precedence order."""
            for holder, key, src in pairs:
                if key not in holder or holder[key] is None:
                    continue
                ln = ctx.line_of(holder, key)
                raw = interp(holder[key], ln, key)
                if raw is None:
                    continue
                try:
                    yield parse(raw), str(holder[key]), ln, src
                except q.QuantityError as exc:
                    ctx.note(ln, f"service {sname}: {src} {holder[key]!r} {what} ({exc}); compose rejects it")

        for n, text, ln, src in values(((svc, "mem_limit", "mem_limit"),
                                         (limits, "memory", "deploy.resources.limits.memory")),
                                        q.compose_bytes, "is not a size"):
            if n <= 0:  # -1 / 0: unlimited
                ct.memory_limit = None
                continue
            ct.memory_limit, ct.memory_limit_text, ct.memory_limit_line = n, text, ln
            ct.memory_limit_source = src
        for cpus, text, ln, _src in values(((svc, "cpus", "cpus"), (limits, "cpus", "cpus")),
                                           q.compose_cpus, "is not a CPU count"):
            if cpus:
                ct.cpu_limit, ct.cpu_limit_text, ct.cpu_limit_line = cpus, text, ln
        if svc.get("env_file"):
            ef = svc["env_file"]
            files = ef if isinstance(ef, list) else [ef]
            for f in files:
                fname = f.get("path") if isinstance(f, dict) else f
                ct.env_unknown.append(f"env_file {fname}")
        envs = svc.get("environment")
        if isinstance(envs, dict):
            for k, v in envs.items():
                ln = ctx.line_of(envs, k)
                if v is None:
                    ct.env[str(k)] = EnvValue(str(k), ln, None, source="compose",
                                              note="taken from the shell environment of `docker compose`")
                    continue
                sv = v if isinstance(v, str) else (envs.raw.get(k) if isinstance(envs, PosDict) else None) or str(v)
                val, note = interpolate(sv, env_file)
                if val is None and note:
                    ctx.note(ln, f"service {sname}: {k} {note}")
                ct.env[str(k)] = EnvValue(str(k), ln, val, source="compose", note=note)
        elif isinstance(envs, list):
            for i, item in enumerate(envs):
                if not isinstance(item, str):
                    continue
                ln = ctx.line_of(envs, i)
                k, sep, v = item.partition("=")
                if not sep:
                    ct.env[k] = EnvValue(k, ln, None, source="compose",
                                         note="taken from the shell environment of `docker compose`")
                    continue
                val, note = interpolate(v, env_file)
                if val is None and note:
                    ctx.note(ln, f"service {sname}: {k} {note}")
                ct.env[k] = EnvValue(k, ln, val, source="compose", note=note)
        w.containers.append(ct)
        out.append(w)
    return out


# ---------------------------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------------------------
def is_compose(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("services"), dict) and "kind" not in doc \
        and "apiVersion" not in doc


def load_text(text: str, name: str, path: Path | None = None) -> Loaded:
    """Workloads of one file's text. Raises InputError for YAML that cannot be read at all."""
    out = Loaded(inputs=[name])
    templated = "{{" in text and _TEMPLATE.search(text) is not None
    ranges: dict[str | None, dict[str, tuple[str, Any, str]]] = {}
    budget = ExpansionBudget()
    for chunk, offset in _chunks(text):
        if not chunk.strip() or not re.search(r"^[^#\s]", chunk, re.MULTILINE):
            continue
        kinds = _TOP_KIND_NL.findall("\n" + chunk)
        if kinds and all(k not in WORKLOAD_KINDS and k != "LimitRange" and not k.endswith("List") for k in kinds) \
                and ("template:" not in chunk or all(k in NEVER_WORKLOAD_KINDS for k in kinds)):
            continue  # a ConfigMap, CRD, Service...: nothing for us, not worth parsing
        ctx = _Ctx(name, offset, out.notes, budget)
        try:
            docs = _parse_docs(chunk, name, offset)
        except InputError as exc:
            if templated and _TEMPLATE.search(chunk):
                out.notes.append(f"{name}:{offset + 1}: skipped an unrendered template ({{{{ }}}} left in);"
                                 " render it first, e.g. `helm template . | golayer runtime -`")
                continue
            raise exc
        for doc in docs:
            if doc is None:
                continue
            if not isinstance(doc, dict):
                out.notes.append(f"{name}:{offset + 1}: skipped a YAML document that is a "
                                 f"{type(doc).__name__.replace('Commented', '').lower()}, not a mapping")
                continue
            if is_compose(doc):
                out.workloads.extend(_compose_workloads(doc, ctx, path))
                continue
            for obj in _k8s_objects(doc, ctx):
                kind = obj.get("kind")
                if kind == "LimitRange":
                    ns = _map(obj, "metadata").get("namespace")
                    ranges.setdefault(str(ns) if ns else None, {}).update(_limit_range(obj))
                    continue
                if not isinstance(kind, str):
                    continue
                if kind in WORKLOAD_KINDS or isinstance(_map(_map(obj, "spec"), "template").get("spec"), dict):
                    w = _k8s_workload(obj, ctx)
                    if w is not None:
                        if templated and any("{{" in str(v) for v in _strings(obj)):
                            out.notes.append(f"{name}:{w.line}: {w.ref} still contains {{{{ }}}} template"
                                             " expressions; values there are read literally")
                        out.workloads.append(w)
    _apply_limit_ranges(out.workloads, ranges, out.notes)
    return out


def _strings(node: Any, budget: int = 20000) -> Iterator[str]:
    stack = [node]
    while stack and budget > 0:
        budget -= 1
        n = stack.pop()
        if isinstance(n, dict):
            stack.extend(n.values())
        elif isinstance(n, list):
            stack.extend(n)
        elif isinstance(n, str):
            yield n


def _gather(items: list[Any], load_one: Any, strict: bool, progress: Any = None) -> Loaded:
    """Load each item with ``load_one``; with ``strict`` an unreadable one is an error (exit 2), otherwise
    it is skipped with a note. ``progress(done, total)`` is called before each item."""
    out = Loaded()
    for i, item in enumerate(items):
        if progress is not None:
            progress(i, len(items))
        try:
            got = load_one(item)
        except InputError as exc:
            if strict:
                raise
            out.notes.append(f"skipped: {exc.message}")
            continue
        out.workloads.extend(got.workloads)
        out.notes.extend(got.notes)
        out.inputs.extend(got.inputs)
    return out


def load_paths(paths: list[str], strict: bool = True) -> Loaded:
    """Load every path; with ``strict`` a file that cannot be read is an error (exit 2),
    otherwise (``golayer check``) it is skipped with a note."""
    def one(p: str) -> Loaded:
        name, text = read_text(p)
        return load_text(text, name, None if p == "-" else Path(p))

    return _gather(paths, one, strict)


def load_docs(docs: list[Any], strict: bool = False, progress: Any = None) -> Loaded:
    """Load the deployments of a project (golayer.project.ManifestDoc): raw Kubernetes files, merged
    compose documents (positions name the file each value came from) and rendered kustomize / helm
    output (attributed to the kustomization file or Chart.yaml, without line numbers: the lines of
    the rendered stream are in no file of the repository)."""
    def one(d: Any) -> Loaded:
        if d.kind == "kubernetes":
            data = getattr(d, "data", None)
            if data is None or len(data) > MAX_FILE_BYTES:  # not kept by the project walk: read it here
                return load_paths([str(d.path)], strict=True)
            name, text = decode_text(data, str(d.path))  # the bytes the project model read
            return load_text(text, name, Path(d.path))
        if d.kind == "compose":
            got = Loaded(inputs=[str(f) for f in d.files])
            got.workloads.extend(_compose_workloads(d.compose, _Ctx(str(d.path), 0, got.notes), Path(d.path)))
            return got
        got = load_text(d.text or "", str(d.path), None)
        for w in got.workloads:
            w.line = None
            for c in w.containers:
                c.line = c.memory_limit_line = c.cpu_limit_line = None
                for ev in c.env.values():
                    ev.line = None
        got.notes = [n.replace(f"{d.path}:", f"{d.path} ({d.kind} output line ", 1).replace(": ", "): ", 1)
                     if n.startswith(f"{d.path}:") else n for n in got.notes]
        return got

    return _gather(docs, one, strict, progress)


# ---------------------------------------------------------------------------------------------
# discovery for `golayer check`
# ---------------------------------------------------------------------------------------------
def discover(root: Path) -> list[Path]:
    """Manifests below ``root`` (or ``root`` itself): compose files by name, Kubernetes YAML by a
    top-level ``apiVersion`` and a workload ``kind``; the walk is golayer.project.discover's (hidden,
    vendor and build-output directories, Helm charts and symlinks leaving the tree are skipped).
    ``golayer check`` uses the project model instead (merged compose, kustomize, examples skipped)."""
    root = Path(root)
    if root.is_file():
        return [root] if _is_manifest(root) else []
    from golayer.project.discover import walk

    tree = walk(root)
    return sorted(tree.compose + tree.yaml + tree.example_yaml)


def _is_manifest(p: Path) -> bool:
    """A compose file by name, or Kubernetes YAML with a workload (the project walk's sniff)."""
    from golayer.project.discover import COMPOSE_NAME, sniff_workload

    if not p.is_file():  # a FIFO or device would block the read: never a manifest
        return False
    return bool(COMPOSE_NAME.match(p.name)) or (p.name.endswith((".yaml", ".yml")) and sniff_workload(p))
