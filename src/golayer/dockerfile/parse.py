"""Parse a Dockerfile with BuildKit's own grammar (the ``dockerfile`` package) into raw
instructions with character offsets, parser directives, pragmas and parse errors.

Nothing here raises on bad input: a parse error becomes a :class:`~golayer.dockerfile.model.ParseError`
with the best line number we can find.
"""

from __future__ import annotations

import re
from itertools import accumulate
from dataclasses import dataclass, field

from golayer.dockerfile import fastparse
from golayer.dockerfile.lines import split_lines
from golayer.dockerfile.model import ParseError

_SURROGATE = re.compile("[\ud800-\udfff]")
_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(.*?)\s*$")
_PRAGMA = re.compile(r"^\s*#\s*golayer\s*:?\s+(global\s+)?(ignore|noqa)\s*[=:]\s*(.*?)\s*$", re.IGNORECASE)

# Instructions BuildKit knows; anything else is "unknown instruction" at build time.
KNOWN = {"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
         "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"}


@dataclass
class RawInstruction:
    cmd: str
    sub_cmd: str | None
    json: bool
    original: str
    start_line: int
    end_line: int
    flags: tuple[str, ...]
    value: tuple[str, ...]
    heredocs: list[tuple[str, str]]
    start: int
    end: int


@dataclass
class Pragma:
    line: int  # line of the comment
    names: list[str]
    is_global: bool


@dataclass
class Parsed:
    instructions: list[RawInstruction] = field(default_factory=list)
    syntax: str | None = None
    escape: str = "\\"
    errors: list[ParseError] = field(default_factory=list)
    pragmas: list[Pragma] = field(default_factory=list)
    line_starts: list[int] = field(default_factory=list)


def parse_string(text: str):
    """``dockerfile.parse_string`` made safe: undecodable bytes (kept as lone surrogates so that files are
    written back byte-for-byte) become U+FFFD — the same number of characters, so offsets stay valid — and
    NUL bytes are refused (the Go side cannot take either)."""
    if "\x00" in text:
        raise ValueError("file contains NUL bytes: not a Dockerfile")
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    cmds = fastparse.parse(text)  # the same result for plain files, several times faster
    if cmds is not None:
        return cmds
    import dockerfile

    return dockerfile.parse_string(text)


def line_starts(content: str) -> list[int]:
    """Offsets of the start of every line, plus len(content) as a sentinel."""
    parts = content.split("\n")
    parts.pop()
    starts = [0, *accumulate(map(len, parts))]  # each line's length plus its newline, summed
    for i in range(1, len(starts)):
        starts[i] += i
    if starts[-1] != len(content):
        starts.append(len(content))
    return starts


def _directives(lines: list[str]) -> dict[str, str]:
    """Parser directives: leading ``# key=value`` comments (before any other line)."""
    out: dict[str, str] = {}
    for line in lines:
        m = _DIRECTIVE.match(line.strip()) if line.strip().startswith("#") else None
        if not m:
            break
        key = m.group(1).lower()
        if key in out:
            break
        out[key] = m.group(2)
    return out


def _pragmas(lines: list[str]) -> list[Pragma]:
    out: list[Pragma] = []
    for i, line in enumerate(lines):
        if "golayer" not in line:
            continue
        m = _PRAGMA.match(line)
        if not m:
            continue
        names = [n.strip() for n in re.split(r"[,\s]+", m.group(3)) if n.strip()]
        out.append(Pragma(line=i + 1, names=names, is_global=bool(m.group(1))))
    return out


def _error_line(content: str, message: str) -> int:
    """The line a whole-file parse error belongs to: the shortest prefix of lines that fails the same way
    (bisection: once a prefix contains the bad instruction, longer prefixes fail too)."""
    lines = split_lines(content)

    def fails(k: int) -> bool:
        text = "".join(lines[:k])
        if not text.strip():
            return False
        try:
            parse_string(text)
        except Exception as exc:  # noqa: BLE001 - the package raises several Go error types
            return str(exc) == message
        return False

    lo, hi = 1, len(lines)
    if hi == 0 or not fails(hi):
        return 1
    while lo < hi:
        mid = (lo + hi) // 2
        if fails(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def parse(content: str) -> Parsed:
    out = Parsed()
    out.line_starts = starts = line_starts(content)
    lines = split_lines(content, keepends=False)
    directives = _directives(lines)
    out.syntax = directives.get("syntax")
    esc = directives.get("escape")
    if esc in ("\\", "`"):
        out.escape = esc
    elif esc is not None:
        out.errors.append(ParseError(1, f"invalid escape directive {esc!r}: must be ` or \\"))
    out.pragmas = _pragmas(lines)
    if "\x00" in content:
        out.errors.append(ParseError(1, "file contains NUL bytes: not a Dockerfile"))
        return out
    # Undecodable bytes arrive as lone surrogates (surrogateescape); the Go parser segfaults on them
    # (the process dies with SIGSEGV). Give it U+FFFD instead: one character each, so offsets hold.
    if _SURROGATE.search(content):
        content = _SURROGATE.sub("\ufffd", content)
    try:
        cmds = parse_string(content)
    except Exception as exc:  # GoParseError, GoIOError, ...
        msg = str(exc) or type(exc).__name__
        if msg == "file with no instructions":
            out.errors.append(ParseError(1, "file with no instructions"))
        else:
            out.errors.append(ParseError(_error_line(content, msg), msg))
        return out
    plain = bool(cmds) and type(cmds[0]) is fastparse.Command
    for c in cmds:
        sl = max(1, int(c.start_line))
        el = max(sl, int(c.end_line))
        start = starts[min(sl - 1, len(starts) - 1)]
        end = starts[min(el, len(starts) - 1)]
        cmd = str(c.cmd).upper()
        ri = RawInstruction(
            cmd=cmd,
            sub_cmd=str(c.sub_cmd).upper() if c.sub_cmd else None,
            json=bool(c.json),
            original=str(c.original),
            start_line=sl,
            end_line=el,
            # fastparse's commands hold plain str tuples already
            flags=c.flags if plain else tuple(str(f) for f in c.flags),
            value=c.value if plain else tuple(str(v) for v in c.value),
            heredocs=[(str(h.name), str(h.content)) for h in (c.heredocs or ())],
            start=start,
            end=end,
        )
        if cmd not in KNOWN:
            out.errors.append(ParseError(sl, f"unknown instruction: {c.cmd}"))
            continue
        out.instructions.append(ri)
    return out
