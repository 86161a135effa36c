"""Where JSON enters an image analysis, its shape is checked once: every reader downstream may
then trust the types it reads (``config.config.Env`` is a list of strings, a descriptor's
``digest`` is a string, ...). A document of the wrong shape is an :class:`InputError` naming the
first offending field, never a ``TypeError`` three modules later.

:func:`load_json` parses bytes (a nesting bomb -- 200,000 ``[`` -- is an input error, not a
``RecursionError``); :func:`check` validates a parsed value against a spec and returns it, with
the few normalisations Docker itself applies (``Entrypoint: "x"`` is ``["x"]``, as Docker's
string-or-list ``StrSlice`` reads it). A spec is:

* a type (``str``, ``int``, ``bool``, ``dict``, ``list``, ``object`` for anything);
* ``[spec]``: a list whose items match ``spec``;
* ``{"key": spec, ...}``: an object; listed keys are checked when present, others are ignored
  (images carry many fields golayer never reads); ``Req(spec)`` marks a key that must be present;
* ``Opt(spec)``: ``spec`` or ``null``;
* ``Map(spec)``: an object whose every value matches ``spec`` (labels, annotations);
* ``StrList``: a list of strings, or one string (Docker's ``StrSlice``).

Images nest only a few levels deep, so specs do too: checking is linear in the document.
"""

from __future__ import annotations

import json
from typing import Any

from golayer.errors import InputError


class Opt:
    def __init__(self, spec: Any):
        self.spec = spec


class Req:
    def __init__(self, spec: Any):
        self.spec = spec


class Map:
    def __init__(self, spec: Any):
        self.spec = spec


class _StrList:
    pass


StrList = _StrList()

_NAMES = {str: "a string", int: "an integer", bool: "true or false", dict: "an object", list: "a list"}


def _kind(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__


def _fail(where: str, path: str, want: str, v: Any) -> InputError:
    small = isinstance(v, (bool, float)) or (isinstance(v, int) and v.bit_length() < 64)
    shown = json.dumps(v) if small else _kind(v)
    return InputError(f"{where}: {path or 'the document'} must be {want}, not {shown}",
                      hint="the image metadata is malformed (hand-edited or hostile?)")


def check(value: Any, spec: Any, where: str, path: str = "") -> Any:
    """``value`` if it matches ``spec`` (normalised, see the module doc); an InputError otherwise."""
    if isinstance(spec, Opt):
        return None if value is None else check(value, spec.spec, where, path)
    if isinstance(spec, Req):
        return check(value, spec.spec, where, path)
    if spec is object:
        return value
    if spec is StrList:
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise _fail(where, path, "a list of strings", value)
        return value
    if isinstance(spec, type):
        ok = isinstance(value, spec) and not (spec is int and isinstance(value, bool))
        if not ok:
            raise _fail(where, path, _NAMES.get(spec, spec.__name__), value)
        return value
    if isinstance(spec, list):
        if not isinstance(value, list):
            raise _fail(where, path, "a list", value)
        sub = spec[0]
        for i, x in enumerate(value):
            y = check(x, sub, where, f"{path}[{i}]")
            if y is not x:
                value[i] = y
        return value
    if isinstance(spec, Map):
        if not isinstance(value, dict):
            raise _fail(where, path, "an object", value)
        for k, x in value.items():
            check(x, spec.spec, where, f"{path}.{k}" if path else str(k))
        return value
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise _fail(where, path, "an object", value)
        for k, sub in spec.items():
            sub_path = f"{path}.{k}" if path else k
            if k not in value:
                if isinstance(sub, Req):
                    raise InputError(f"{where}: {sub_path} is missing",
                                     hint="the image metadata is malformed (hand-edited or hostile?)")
                continue
            y = check(value[k], sub, where, sub_path)
            if y is not value[k]:
                value[k] = y
        return value
    raise TypeError(f"bad spec {spec!r}")  # pragma: no cover - a programming error


def load_json(data: bytes, what: str) -> Any:
    """Parse JSON bytes; every failure (syntax, encoding, nesting bomb) is an InputError."""
    try:
        return json.loads(data)
    except RecursionError:
        raise InputError(f"{what} is nested too deeply to be image metadata",
                         hint="the file is malformed or hostile") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{what} is not valid JSON: {exc}") from None


# ---- the documents golayer reads --------------------------------------------------------------

PLATFORM = Opt({"os": Opt(str), "architecture": Opt(str), "variant": Opt(str)})
DESCRIPTOR = {"mediaType": Opt(str), "digest": Req(str), "size": Opt(int), "platform": PLATFORM,
              "annotations": Opt(Map(Opt(str)))}
INDEX = {"mediaType": Opt(str), "manifests": Opt([DESCRIPTOR]), "annotations": Opt(Map(Opt(str)))}
MANIFEST = {"mediaType": Opt(str), "config": Req(DESCRIPTOR), "layers": Opt([DESCRIPTOR]),
            "manifests": Opt(list)}
CONFIG = {
    "architecture": Opt(str), "os": Opt(str), "variant": Opt(str),
    "config": Opt({"User": Opt(str), "Env": Opt([str]), "Entrypoint": Opt(StrList), "Cmd": Opt(StrList),
                   "WorkingDir": Opt(str), "Labels": Opt(Map(Opt(str)))}),
    "rootfs": Opt({"diff_ids": Opt([str])}),
    "history": Opt([{"created_by": Opt(str), "comment": Opt(str), "empty_layer": Opt(bool)}]),
}
# docker save's manifest.json
DOCKER_MANIFEST = [{"Config": Req(str), "RepoTags": Opt([str]), "Layers": Opt([str])}]
