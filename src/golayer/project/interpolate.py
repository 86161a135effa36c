"""Compose's interpolation grammar (compose-spec "Interpolation"), evaluated against the ``.env`` file.

``$$`` is a literal ``$``; ``$VAR`` and ``${VAR}`` substitute; ``${VAR:-default}`` (unset or empty)
and ``${VAR-default}`` (unset) take a default; ``${VAR:+alt}`` / ``${VAR+alt}`` the alternative;
``${VAR:?err}`` / ``${VAR?err}`` make compose fail. Defaults and alternatives are interpolated
themselves, so ``${A:-${B:-921MiB}}`` nests. The shell environment is never read (results must
not depend on who runs golayer): a variable that is not in ``.env`` and has no default is unknown.
Output is bounded (:data:`MAX_OUT`) and nesting is bounded (:data:`MAX_DEPTH`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MAX_DEPTH = 32
MAX_OUT = 1 << 20
_NAME0 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"
_NAME = _NAME0 + "0123456789"


class InterpolationError(ValueError):
    pass


@dataclass
class Result:
    value: str | None  # None: depends on a value golayer cannot see
    unknown: list[str] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)  # ${X:?err} with X missing: compose refuses to run

    @property
    def note(self) -> str | None:
        if self.required:
            return f"requires ${{{self.required[0]}}}, which golayer cannot see (compose fails without it)"
        if self.unknown:
            return f"uses ${{{self.unknown[0]}}}, which golayer cannot see (not in .env, no default)"
        if self.defaults:
            return f"interpolated with the default of ${{{self.defaults[0]}}}"
        return None


def interpolate(text: str, env: dict[str, str]) -> Result:
    res = Result(value=None)
    try:
        out, end = _parse(text, 0, env, res, 0, stop=None)
    except InterpolationError:
        res.value = None
        if not res.unknown:
            res.unknown.append("?")
        return res
    res.value = None if (res.unknown or res.required) else out
    return res


def _parse(s: str, i: int, env: dict[str, str], res: Result, depth: int, stop: str | None) -> tuple[str, int]:
    """Interpolate from ``i`` until ``stop`` (``}``, at the same brace level) or the end."""
    if depth > MAX_DEPTH:
        raise InterpolationError("nested too deeply")
    out: list[str] = []
    size = 0
    n = len(s)
    while i < n:
        ch = s[i]
        if stop is not None and ch == stop:
            return "".join(out), i
        if ch != "$":
            out.append(ch)
            size += 1
            i += 1
            continue
        nxt = s[i + 1] if i + 1 < n else ""
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "{":
            piece, i = _braced(s, i + 2, env, res, depth + 1)
            out.append(piece)
            size += len(piece)
        elif nxt and nxt in _NAME0:
            j = i + 1
            while j < n and s[j] in _NAME:
                j += 1
            name = s[i + 1:j]
            val = env.get(name)
            if val is None:
                res.unknown.append(name)
                val = ""
            out.append(val)
            size += len(val)
            i = j
        else:  # a lone `$`: compose reports an invalid template; keep it
            out.append("$")
            i += 1
        if size > MAX_OUT:
            raise InterpolationError("too large")
    if stop is not None:
        raise InterpolationError("unclosed ${")
    return "".join(out), i


def _braced(s: str, i: int, env: dict[str, str], res: Result, depth: int) -> tuple[str, int]:
    n = len(s)
    j = i
    while j < n and s[j] in _NAME:
        j += 1
    name = s[i:j]
    if not name or name[0] not in _NAME0:
        raise InterpolationError("invalid variable name")
    if j < n and s[j] == "}":
        val = env.get(name)
        if val is None:
            res.unknown.append(name)
            return "", j + 1
        return val, j + 1
    op = ""
    if s.startswith(":", j):
        op = ":"
        j += 1
    if j >= n or s[j] not in "-+?":
        raise InterpolationError("invalid modifier")
    op += s[j]
    # the argument is interpolated in a scratch result, used only when it applies
    scratch = Result(value=None)
    arg, end = _parse(s, j + 1, env, scratch, depth, stop="}")
    val = env.get(name)
    unset_or_empty = val is None or (op.startswith(":") and val == "")
    if op in (":-", "-"):
        if unset_or_empty:
            res.defaults.append(name)
            _take(res, scratch)
            return arg, end + 1
        return val, end + 1
    if op in (":+", "+"):
        if not unset_or_empty:
            _take(res, scratch)
            return arg, end + 1
        return "", end + 1
    # ? and :?
    if unset_or_empty:
        res.required.append(name)
        return "", end + 1
    return val, end + 1


def _take(res: Result, scratch: Result) -> None:
    res.unknown += scratch.unknown
    res.defaults += scratch.defaults
    res.required += scratch.required


def read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=value`` lines of a ``.env`` file (quotes stripped, ``export`` allowed); {} when absent."""
    from golayer.fsutil import inside

    out: dict[str, str] = {}
    try:
        if not path.is_file() or path.stat().st_size > 1 << 20 or not inside(path, path.parent):
            return {}  # a .env that is a symlink out of its directory is never read (its values reach reports)
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        k, _, v = line.partition("=")
        k = k.strip().removeprefix("export ").strip()
        v = v.strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1]
        elif " #" in v:
            v = v.split(" #", 1)[0].rstrip()
        out[k] = v
    return out

