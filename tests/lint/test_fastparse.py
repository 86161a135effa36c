"""The Python parser for plain Dockerfiles gives exactly what BuildKit's Go parser gives, or declines.

golayer.dockerfile.fastparse answers for most files instead of the Go parser (``dockerfile`` package):
every answer it gives must equal the Go parser's, field for field; what it cannot be sure of it hands
back (None) and the Go parser answers as before."""

import random
import re
import sys
from pathlib import Path

import dockerfile
import pytest

from golayer.dockerfile import fastparse
from golayer.dockerfile.parse import parse

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402

CORPUS = corpus.all_dockerfiles()


def go(text: str):
    try:
        return [tuple(c) for c in dockerfile.parse_string(text)]
    except Exception as exc:  # noqa: BLE001 - the Go side raises several error types
        return f"error: {exc}"


def fast(text: str):
    got = fastparse.parse(text)
    return None if got is None else [tuple(c) for c in got]


PLAIN = (
    "# syntax=docker/dockerfile:1\n"
    "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
    "ARG A B=2 C=\"x y\"\n"
    "ENV X=1 Y=\"a b\" \\\n"
    "    # a comment inside\n"
    "\n"
    "    Z='c d'e\n"
    "ENV OLD form with spaces  \n"
    "LABEL \"a b\"=c d=\n"
    "RUN --mount=type=cache,target=/go \\\n  go build \\\t\n    -o x .\n"
    "RUN [\"a\", \"b c\"]\n"
    "CMD [ \"x\" ]  \n"
    "COPY --from=build --chown=1:1 /a /b\n"
    "ADD [\"s p\", \"/d/\"]\n"
    "EXPOSE 80\t443/tcp\n"
    "  workdir /app\n"
    "USER   nobody  \n"
    "VOLUME /a /b\n"
    "HEALTHCHECK --interval=5s CMD curl -f http://x/ || exit 1\n"
    "HEALTHCHECK NONE\n"
    "HEALTHCHECK CMD [\"/app\", \"health\"]\n"
    "STOPSIGNAL SIGTERM\n"
    "SHELL [\"/bin/sh\", \"-c\"]\n"
    "MAINTAINER me <me@example.com>\n"
    "LABEL title=\"Café®\"\n"
    "ENTRYPOINT /app --flag\n"
)


def test_a_plain_file_is_parsed_in_python_exactly_as_buildkit_does():
    got = fast(PLAIN)
    assert got is not None
    assert got == go(PLAIN)
    assert [c[0] for c in got][:3] == ["FROM", "ARG", "ENV"]
    assert got[2][7] == ("X", "1", "Y", '"a b"', "Z", "'c d'e")  # quotes kept, as BuildKit keeps them


@pytest.mark.parametrize("text", [
    "FROM x\nRUN <<EOF\necho hi\nEOF\n",  # heredoc
    "# escape=`\nFROM x\nRUN a `\n b\n",  # another escape character
    "# syntax=a\n# syntax=b\nFROM x\n",  # a repeated directive is an error
    "# check=skip=all\nFROM x\n",
    "FROM x\r\nRUN a\r\n",  # CR
    "FROM x\nRUN a\u00a0b\n",  # white space BuildKit trims and splits on, Python's str methods too
    "\ufeffFROM x\n",  # byte-order mark
    "FROM x\nONBUILD RUN a\n",
    "FROM x\nFOO bar\n",  # unknown instruction
    "FROM x\nRUN\n",  # no arguments
    "FROM x\nRUN a \\\\\n b\n",  # two escapes at the end: not a continuation
    "FROM x\nCOPY --chown=\"a b\" a b\n",  # quoted flag
    "FROM x\nRUN --mount=x -- b\n",
    "FROM x\nCMD [\"a\", 1]\n",  # not an array of strings: an error
    "FROM x\nCMD [\"\\ud800\"]\n",  # Go decodes a lone surrogate to U+FFFD
    "FROM x\nENV A\n",  # an error
    "FROM x\nLABEL a=b c\n",  # an error
    "FROM x\nHEALTHCHECK CMD é\n",  # BuildKit splits HEALTHCHECK's type off byte by byte
    "# just a comment\n",  # no instructions: an error
    "",
])
def test_the_corners_are_left_to_buildkit(text):
    assert fastparse.parse(text) is None
    # and golayer's parse gives what the Go parser gives for them
    parse(text)


@pytest.mark.parametrize("text", [
    "FROM x\nCMD [\"a\"] b\n",  # Go decodes the first JSON value and ignores the rest
    "FROM x\nCMD [\"a\\u0041\", \"\\\"q\\\"\"]\n",  # JSON escapes
    "FROM x\nCMD []\n",
    "FROM x\nRUN [ ! -f /x ] || touch /x\n",  # not JSON: the shell form
    "FROM x\nENV a=\"b\n",  # an unterminated quote runs to the end
    "FROM x\nENV a=b\\ c d=\"e\\\"f\" g='h\\'\n",  # escapes kept, not in single quotes
    "FROM x\nARG P=${T/\\//-}\n",
    "FROM x\nLABEL a=b\\",  # an escape at the very end
])
def test_json_arrays_quotes_and_escapes_parse_as_buildkit_parses_them(text):
    got = fast(text)
    assert got is not None
    assert got == go(text)


ATOMS = ['["a b",\t"c"  ]x', "[ ]", '[""]', '["a" "b"]', "a\\ b", '"a\\"b"', "'a\\'", '["a\\u0041"]', '["\\ud800"]', '["a\\\\"] x', "[ ! -f x ]", '["a",]',
         "[NaN]", 'x\\"y', "a", "b=c", 'x="y z"', "'q r'", '"', "'", "=", "a=", "=b", "--flag", "--mount=type=cache,target=/x",
         "--from=b", "--", "---x", "[", "]", '["a"]', '["a", "b"]', '[ "a" ,"b" ]', "[]", "[1]", '["a"] x', "\\",
         "\\\\", "#", "# c", "$A", "${B:-c}", "&&", "|", ";", 'k=v"w x"y', '"a b"=c', "''", '""', "a\tb", "AS",
         "x:1", "{}", ",", "é", "à", "--x=à", "\u00a0", "\u3000x", "ı", "NONE", "CMD"]
CMDS = ["FROM", "from", "RUN", "run", "CMD", "ENTRYPOINT", "COPY", "ADD", "ENV", "LABEL", "ARG", "EXPOSE", "WORKDIR",
        "USER", "VOLUME", "SHELL", "STOPSIGNAL", "MAINTAINER", "HEALTHCHECK", "HEALTHCHECK CMD", "ONBUILD", "Env",
        "aRg", "entrypoınt", "ſhell"]
SEPS = [" ", "  ", "\t", " \t "]
ENDS = [" \\", "\\", "\\ ", "\\\t", " \\\\", "\\\\\\", "  "]


def _line(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.08:
        return "# " + rng.choice(ATOMS)
    if r < 0.12:
        return rng.choice(["", " ", "\t", "  # x", "#syntax=x", "# syntax = y", "# escape=`", "# foo=bar"])
    s = rng.choice(CMDS) + "".join(rng.choice(SEPS) + rng.choice(ATOMS) for _ in range(rng.randint(0, 5)))
    if rng.random() < 0.1:
        s = rng.choice(SEPS) + s
    if rng.random() < 0.25:
        s += rng.choice(ENDS)
    return s


def test_random_files_parse_the_same_or_are_declined():
    rng = random.Random(12)
    answered = 0
    for _ in range(6000):
        text = "\n".join(_line(rng) for _ in range(rng.randint(1, 6))) + ("\n" if rng.random() < 0.7 else "")
        try:  # the parser itself: a slip must show here, not only as a refusal
            cmds = fastparse._parse(text)
        except fastparse._Decline:
            continue
        if cmds is None:  # no instructions
            continue
        got = [tuple(c) for c in cmds]
        answered += 1
        assert got == go(text), text
    assert answered > 1000  # the comparison covers the Python parser's answers, not only its refusals


@pytest.mark.skipif(not CORPUS, reason="CORPUS UNAVAILABLE (scripts/fetch-corpus or GOLAYER_CORPUS_DIR)")
def test_every_corpus_file_parses_the_same_or_is_declined():
    answered = 0
    for f in CORPUS:
        text = f.read_text(encoding="utf-8", errors="surrogateescape")
        if "\x00" in text:
            continue
        text = re.sub("[\ud800-\udfff]", "\ufffd", text)
        got = fast(text)
        if got is not None:
            answered += 1
            assert got == go(text), f
    assert answered > len(CORPUS) // 2
