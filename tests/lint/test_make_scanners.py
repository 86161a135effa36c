"""The make reader's line scanners look only at the characters that decide; they must answer exactly as a
plain character-by-character loop does (random lines over those characters and a few others)."""

import random

from golayer.dockerfile import make


def _classify_loop(s: str) -> tuple[str, int]:
    depth = 0
    for i, ch in enumerate(s):
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        elif depth == 0:
            if ch == "=" or (ch in "?+!" and s[i + 1:i + 2] == "="):
                return "assign", i
            if ch == ":":
                return ("assign" if s[i:i + 2] == ":=" or s[i:i + 3] == "::=" or s[i:i + 4] == ":::="
                        else "rule"), i
    return "other", -1


def _strip_comment_loop(line: str) -> str:
    out, i, depth = [], 0, 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and line[i + 1:i + 2] == "#":
            out.append("#")
            i += 2
            continue
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "#" and depth <= 0:
            break
        out.append(ch)
        i += 1
    return "".join(out)


def test_scanners_equal_the_character_loop():
    rnd = random.Random(12)
    for _ in range(30000):
        s = "".join(rnd.choice("(){}=:?+!#\\a $") for _ in range(rnd.randint(0, 14)))
        assert make._classify(s) == _classify_loop(s), s
        assert make._strip_comment(s) == _strip_comment_loop(s), s
    assert make._classify("CGO_ENABLED ?= 0") == ("assign", 12)
    assert make._classify("build: $(SRC:.go=.o)") == ("rule", 5)
    assert make._strip_comment("FLAGS = -X a\\#b # tail") == "FLAGS = -X a#b "


MAKEFILE_PATTERN_VARS = """\
%.bin: GOFLAGS = -trimpath
cmd-%.bin: LDFLAGS = -s -w
x.bin: LDFLAGS = -X main.v=1
all: a.bin cmd-x.bin x.bin
%.bin:
\tgo build $(GOFLAGS) $(LDFLAGS) -o $@ ./$*
"""


def _plan(m: make.Make, goals: list[str]) -> list[tuple[str, str]]:
    return [(rl.target, rl.text) for rl in m.run(goals, {}).lines]


def _fresh() -> make.Make:
    m = make.Make(lambda name: (None, "no includes"), "/src", {}, {})
    m.parse(MAKEFILE_PATTERN_VARS, "Makefile")
    return m


def test_pattern_specific_variables_listed_once_per_makefile_give_what_a_fresh_reader_gives():
    # the `%` entries of target_vars are listed once per Makefile read (kept while target_vars does
    # not grow): every target still gets the pattern-specific values that match it
    m = _fresh()
    first = _plan(m, ["all"])
    assert first == [("a.bin", "go build -trimpath  -o a.bin ./a"),
                     ("cmd-x.bin", "go build -trimpath -s -w -o cmd-x.bin ./cmd-x"),
                     ("x.bin", "go build -trimpath -X main.v=1 -o x.bin ./x")]
    assert _plan(m, ["cmd-x.bin", "a.bin"]) == _plan(_fresh(), ["cmd-x.bin", "a.bin"])
