"""BuildKit's Dockerfile grammar for the plain files most Dockerfiles are, in Python.

:func:`parse` gives what ``dockerfile.parse_string`` (BuildKit's Go parser) gives for a file that uses
none of the grammar's rarer corners, or ``None`` when the file has one: then the Go parser is asked,
as before. It exists for speed only (the Go parser costs ~2,000 instructions a byte through its
bindings; most of a lint of many files was spent there), so it declines rather than guess:

* outside comment lines: control characters but tab and newline (CR too), white space but space
  and tab, a byte-order mark; non-ASCII characters in an instruction's name or flags or in a HEALTHCHECK;
* parser directives other than one ``# syntax=``; heredocs (``<<`` anywhere); a line ending in two
  escape characters;
* ONBUILD and unknown instructions, an instruction without arguments, flags with quotes,
  backslashes or ``--`` alone, JSON arrays that are not a plain array of plain strings, ENV/LABEL/ARG
  with a backslash, and anything the Go parser reports as an error.

``tests/lint/test_fastparse.py`` compares both parsers on every Dockerfile of the corpus and tests.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple


class Command(NamedTuple):
    """The fields of ``dockerfile.Command`` that golayer reads, the same values."""

    cmd: str
    sub_cmd: str | None
    json: bool
    original: str
    start_line: int
    end_line: int
    flags: tuple[str, ...]
    value: tuple[str, ...]
    heredocs: tuple[Any, ...]


# control characters but tab and newline, white space but space and tab (BuildKit trims and splits on
# Unicode's), a byte-order mark
_ODD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]")
_WS = re.compile(r"[ \t]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
# a JSON array of strings without escapes (and what follows it); others go to the json module
_PLAIN_ARRAY = re.compile(r'\[[ \t]*(?:"[^"\\\x00-\x1f]*"(?:[ \t]*,[ \t]*"[^"\\\x00-\x1f]*")*)?[ \t]*\]')
_PLAIN_STRING = re.compile(r'"([^"]*)"')
# a comment line that may be a parser directive (BuildKit: ^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$)
_DIRECTIVE_LIKE = re.compile(r"[ \t]*#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=")
_SYNTAX = re.compile(r"#[ \t]*syntax[ \t]*=[ \t]*\S")
_WHITESPACE_SPLIT = {"FROM", "EXPOSE"}
_STRING = {"WORKDIR", "USER", "STOPSIGNAL", "MAINTAINER"}
_MAYBE_JSON = {"RUN", "CMD", "ENTRYPOINT", "SHELL"}
_JSON_OR_LIST = {"COPY", "ADD", "VOLUME"}
_NAME_VAL = {"ENV", "LABEL"}
_KNOWN = _WHITESPACE_SPLIT | _STRING | _MAYBE_JSON | _JSON_OR_LIST | _NAME_VAL | {"ARG", "HEALTHCHECK"}


class _Decline(Exception):
    pass


def parse(text: str) -> list[Command] | None:
    """The instructions of ``text`` as BuildKit parses them, or None (ask BuildKit's parser)."""
    if "<<" in text or (len(text) > 60000 and max(map(len, text.split("\n"))) >= 60000):
        return None  # heredocs; lines near bufio.Scanner's 64 KiB limit
    try:
        return _parse(text)
    except Exception:  # noqa: BLE001 - _Decline, or a slip here (it must not change a lint): BuildKit decides
        return None


def _parse(text: str) -> list[Command] | None:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    directives = True
    out: list[Command] = []
    n = len(lines)
    i = 0
    while i < n:
        raw = lines[i]
        i += 1
        first = raw.lstrip(" \t")
        if first.startswith("#"):
            if directives and _DIRECTIVE_LIKE.match(first):
                # `# syntax=` once, first: it changes nothing here; any other directive might
                if i != 1 or not _SYNTAX.match(first):
                    return None
            continue
        if _ODD.search(raw):
            return None
        if not first:
            continue
        directives = False
        start = i
        part, more = _continued(first)
        buf = [part]
        while more and i < n:
            raw = lines[i]
            i += 1
            stripped = raw.lstrip(" \t")
            if stripped.startswith("#"):  # a comment inside an instruction: dropped
                continue
            if _ODD.search(raw):
                return None
            if not stripped:  # an empty continuation line: skipped
                continue
            part, more = _continued(raw)
            buf.append(part)
        out.append(_instruction("".join(buf), start, i))
    if not out:
        return None  # BuildKit: "file with no instructions" (an error the Go parser words)
    return out


def _continued(line: str) -> tuple[str, bool]:
    """(line without its trailing escape, whether the instruction continues on the next line)."""
    body = line.rstrip(" \t")
    if not body.endswith("\\"):
        return line, False
    if body.endswith("\\\\"):
        raise _Decline()
    return body[:-1], True


def _instruction(line: str, start: int, end: int) -> Command:
    words = _WS.split(line.strip(" \t"), 1)
    cmd = words[0]
    up = cmd.upper()
    if up not in _KNOWN or len(words) < 2 or not cmd.isascii():
        raise _Decline()
    flags, rest = _flags(words[1])
    rest = rest.strip(" \t")
    if not rest:
        raise _Decline()
    is_json = False
    if up in _WHITESPACE_SPLIT:
        value = tuple(_WS.split(rest))
    elif up in _STRING:
        value = (rest,)
    elif up == "HEALTHCHECK":  # the type word, then the command as RUN's
        if not rest.isascii():  # BuildKit splits off the type byte by byte
            raise _Decline()
        typ = _WS.split(rest, 1)
        value = (typ[0],)
        if len(typ) > 1:
            arr = _json_array(typ[1])
            if arr is not None:
                value, is_json = (typ[0], *arr), True
            else:
                value = (typ[0], typ[1])
    elif up in _MAYBE_JSON or up in _JSON_OR_LIST:
        arr = _json_array(rest)
        if arr is not None:
            value, is_json = arr, True
        elif up in _MAYBE_JSON:
            value = (rest,)
        else:
            value = tuple(_WS.split(rest))
    else:
        ws = _words(rest)
        if not ws:  # only an escape: BuildKit gives no value
            raise _Decline()
        if up == "ARG":
            value = tuple(ws)
        elif "=" not in ws[0]:  # the old form: ENV key value
            parts = _WS.split(rest, 1)
            if len(parts) < 2:
                raise _Decline()
            value = (parts[0], parts[1])
        else:
            kv: list[str] = []
            for w in ws:
                k, eq, v = w.partition("=")
                if not eq:
                    raise _Decline()
                kv += (k, v)
            value = tuple(kv)
    return Command(cmd, None, is_json, line, start, end, flags, value, ())


def _flags(args: str) -> tuple[tuple[str, ...], str]:
    """BuildKit's leading ``--name=value`` words (plain ones only) and the rest of the line."""
    flags: list[str] = []
    rest = args.lstrip(" \t")
    while rest.startswith("--"):
        parts = _WS.split(rest, 1)
        word = parts[0]
        if word == "--" or "'" in word or '"' in word or "\\" in word or not word.isascii():
            raise _Decline()
        flags.append(word)
        rest = parts[1] if len(parts) > 1 else ""
    return tuple(flags), rest


def _json_array(rest: str) -> tuple[str, ...] | None:
    """The strings of a JSON array form, None for the shell form; declines what only Go would decide.
    BuildKit decodes the first JSON value of the text and ignores what follows it (raw_decode)."""
    if not rest.startswith("["):
        return None
    m = _PLAIN_ARRAY.match(rest)
    if m is not None:
        return tuple(_PLAIN_STRING.findall(m.group()))
    import json  # escapes, or not an array of strings (json is not imported for a plain lint)

    try:
        arr, _ = json.JSONDecoder().raw_decode(rest)
    except ValueError:  # not JSON: the shell form, as for BuildKit
        return None
    except RecursionError:
        raise _Decline() from None
    if not isinstance(arr, list) or not all(isinstance(s, str) for s in arr):
        raise _Decline()  # BuildKit: an error
    if any(_SURROGATE.search(s) for s in arr):
        raise _Decline()  # Go decodes a lone \\ud800 to U+FFFD
    return tuple(arr)


def _words(rest: str) -> list[str]:
    """BuildKit's parseWords: white-space separated words; quotes and escapes kept in the words, quotes
    spanning white space, an escape taking the next character as it is (but not in single quotes)."""
    if "'" not in rest and '"' not in rest and "\\" not in rest:
        return _WS.split(rest)
    words: list[str] = []
    word: list[str] = []
    quote = ""
    blank_ok = False
    i = 0
    n = len(rest)
    while i < n:
        ch = rest[i]
        i += 1
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote != "'":
                if i == n:  # an escape at the very end: dropped
                    break
                word.append(ch)
                ch = rest[i]
                i += 1
            word.append(ch)
            continue
        if ch in " \t":
            if word or blank_ok:
                words.append("".join(word))
            word = []
            blank_ok = False
            continue
        if ch in "'\"":
            quote = ch
            blank_ok = True
        elif ch == "\\":
            if i == n:
                break
            word.append(ch)
            ch = rest[i]
            i += 1
        word.append(ch)
    if word or blank_ok:
        words.append("".join(word))
    return words
