"""A reader for the GNU make subset real Go projects use: what would ``make TARGET`` run? Nothing is executed.

:func:`plan` reads a Makefile (and the files it ``include`` s, through a ``read`` callback that only
returns files present in the build stage) and returns the recipe lines a ``make`` invocation would hand
to the shell, in make's order (prerequisites first, each target once), each with its file and line, the
directory it runs in and the environment make exports to it.

Understood: rules and prerequisites, the default goal (first target that is not special and not a
pattern), ``.PHONY``, recipe prefixes ``@ - +``, backslash continuations, ``.ONESHELL``, variables
(``=``, ``:=``, ``::=``, ``?=``, ``+=``, ``define``/``endef``, ``$(VAR)``, ``${VAR}``, ``$$``,
``$@ $< $^ $*``, ``$(VAR:a=b)``), target-specific variables (inherited by prerequisites), ``export`` /
``unexport`` / ``override``, command-line ``VAR=value`` over the makefile over the environment (``-e``
reverses the last two), ``ifeq/ifneq/ifdef/ifndef/else/endif``, ``include``/``-include`` and the pure
functions (``subst patsubst strip findstring filter filter-out sort word words wordlist firstword
lastword dir notdir suffix basename addprefix addsuffix join if or and foreach call value``).

Never guessed: ``$(shell …)``, ``$(wildcard …)``, ``!=``, ``$(eval …)`` and unknown functions are kept
as written between markers (:data:`OPEN`/:data:`CLOSE`) and reported; a condition that depends on one
skips both branches and is reported. Work is bounded (expansion steps and sizes, include depth, targets).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Callable

OPEN, CLOSE = "\x02", "\x03"  # around text that cannot be expanded without running something
MAX_STEPS = 50_000  # variable references + function calls per make invocation
MAX_WORK = 4 << 20  # characters produced by all expansions of one make invocation
MAX_VALUE = 256 * 1024  # characters of one expansion
MAX_INCLUDE_DEPTH = 16
MAX_INCLUDES = 64
MAX_LINES = 50_000
MAX_RECIPE_LINES = 2_000
MAX_TARGETS_RUN = 500

_ASSIGN = re.compile(r"^(?P<name>[^\s:#=]+?)\s*(?P<op>::=|:::=|:=|\?=|\+=|!=|=)(?P<value>.*)$", re.S)
_SPECIAL = re.compile(r"^\.[A-Z_]+$")
_UNRESOLVED_FUNCS = {"shell", "wildcard", "eval", "realpath", "abspath", "file", "guile", "error", "origin",
                     "flavor"}


_FILE_LIST = re.compile(r"^\$[({]\s*(wildcard\s|shell\s+(find|ls|git\s+ls-files)\s)")


class _Unresolved(Exception):
    """A list function got a value that is not known: the whole call stays as written."""


class Limit(Exception):
    """The bounded work ran out (hostile or very large Makefile)."""


@dataclass
class Var:
    value: str
    recursive: bool
    origin: str  # "file" | "command line" | "environment" | "override" | "automatic" | "default"
    export: bool | None = None  # None: make's default (env/command line exported)


@dataclass
class Rule:
    target: str
    prereqs: list[str] = field(default_factory=list)
    recipe: list[tuple[str, str, int]] = field(default_factory=list)  # (raw text, file, line)
    file: str = ""
    line: int = 0
    unknown: list[tuple[str, str]] = field(default_factory=list)  # recipe lines under conditions not evaluated


@dataclass
class RecipeLine:
    """One shell invocation make would run."""

    text: str  # expanded, prefixes removed (markers of unresolved text removed)
    file: str
    line: int
    target: str
    env: dict[str, str]  # the environment the shell gets
    unresolved: list[str] = field(default_factory=list)  # raw texts that could not be expanded
    line_map: list[int] = field(default_factory=list)  # Makefile line of each line of ``text`` (.ONESHELL)


@dataclass
class Plan:
    lines: list[RecipeLine] = field(default_factory=list)
    unresolved: list[tuple[str, str]] = field(default_factory=list)  # (step "Makefile:12", reason)
    makefile: str = ""


def unresolved_reason(raw: str) -> str:
    m = re.match(r"\$[({]\s*([a-z-]+)", raw)
    fn = m.group(1) if m else ""
    if fn == "shell":
        return f"`{_short(raw)}` runs a command; golayer does not run it"
    if fn == "wildcard":
        return f"`{_short(raw)}` depends on the files at build time"
    if raw.startswith("!="):
        return f"`{_short(raw)}` assigns a command's output; golayer does not run it"
    if fn:
        return f"`{_short(raw)}` is not expanded by golayer"
    return f"`{_short(raw)}` cannot be expanded"


def _short(s: str, n: int = 60) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def strip_markers(text: str) -> tuple[str, list[str]]:
    """Text with the unresolved markers removed (the raw text stays) and the raw pieces."""
    raws = re.findall(OPEN + "(.*?)" + CLOSE, text, re.S)
    return text.replace(OPEN, "").replace(CLOSE, ""), raws


def _split_top(s: str, sep: str = ",") -> list[str]:
    out, cur, depth = [], [], 0
    for ch in s:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == sep and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _match_close(s: str, i: int, open_ch: str) -> int:
    """Index of the paren closing the one at s[i] (make counts only its own kind), -1 if none."""
    close_ch = ")" if open_ch == "(" else "}"
    depth = 0
    j = i
    n = len(s)
    while j < n:
        ch = s[j]
        if ch == OPEN:
            k = s.find(CLOSE, j)
            j = n if k < 0 else k + 1
            continue
        if ch == open_ch:
            depth += 1
        elif ch == close_ch:
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return -1


def _pat(pattern: str, word: str) -> str | None:
    """The stem when ``word`` matches a make pattern (one ``%``), else None."""
    if "%" not in pattern:
        return "" if pattern == word else None
    pre, _, post = pattern.partition("%")
    if word.startswith(pre) and word.endswith(post) and len(word) >= len(pre) + len(post):
        return word[len(pre): len(word) - len(post)]
    return None


def _patsubst(pattern: str, repl: str, words: list[str]) -> list[str]:
    out = []
    for w in words:
        stem = _pat(pattern, w)
        if stem is None:
            out.append(w)
        else:
            out.append(repl.replace("%", stem, 1) if "%" in repl else repl)
    return out


class Make:
    """One make invocation's database."""

    def __init__(self, read: Callable[[str], tuple[str | None, str]], curdir: str, env: dict[str, str],
                 cmdline: dict[str, str], env_overrides: bool = False):
        self.read = read  # path relative to the make directory -> (text or None, why not)
        self.vars: dict[str, Var] = {}
        self.env_overrides = env_overrides
        for k, v in env.items():
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k) and "\x00" not in v:
                self.vars[k] = Var(v.replace("$", "$$"), True, "environment", None)
        for k, v in cmdline.items():
            self.vars[k] = Var(v, True, "command line", None)
        self.vars.setdefault("MAKE", Var("make", True, "default"))
        self.vars.setdefault("SHELL", Var("/bin/sh", True, "default"))
        self.vars["CURDIR"] = Var(curdir, False, "default")
        for k, v in {"CC": "cc", "CXX": "g++", "RM": "rm -f", "AR": "ar"}.items():
            self.vars.setdefault(k, Var(v, True, "default"))
        self.rules: dict[str, Rule] = {}
        self.patterns: list[Rule] = []
        self.target_vars: dict[str, list[tuple[str, str, str, bool]]] = {}  # target -> (name, op, value, override)
        self._pattern_vars: list[tuple[str, list[tuple[str, str, str, bool]]]] = []  # those of `%` targets
        self._pattern_vars_of = -1  # for this many target_vars
        self.default_goal: str | None = None
        self.phony: set[str] = set()
        self.oneshell = False
        self.export_all = False
        self.recipe_prefix = "\t"
        self.unresolved: list[tuple[str, str]] = []
        self.steps = 0
        self.work = 0
        self.expanding: set[str] = set()  # recursive variables being expanded (self-reference is an error)
        self.maybe_vars: dict[str, tuple[str, str]] = {}  # defined under conditions that cannot be evaluated
        self.maybe_targets: dict[str, tuple[str, str]] = {}
        self.includes = 0
        self.lines_read = 0
        self.autos: dict[str, str] = {}
        self.locals: list[dict[str, Var]] = []  # target-specific scopes while building

    # ------------------------------------------------------------------ expansion

    def _step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Limit("too many variable expansions")

    def lookup(self, name: str) -> Var | None:
        for scope in reversed(self.locals):
            if name in scope:
                return scope[name]
        return self.vars.get(name)

    def value_of(self, name: str, depth: int) -> str:
        if name in self.autos:
            return self.autos[name]
        if name in self.maybe_vars:  # set under a condition that cannot be evaluated: its value is not known
            if self.autos:
                where, why = self.maybe_vars[name]
                item = (where, f"`$({name})`: {why}")
                if item not in self.unresolved:
                    self.unresolved.append(item)
            return OPEN + "$(" + name + ")" + CLOSE
        v = self.lookup(name)
        if v is None:
            return ""
        if not v.recursive:
            return v.value
        if name in self.expanding:
            raise Limit(f"the variable {name} references itself")
        self.expanding.add(name)
        try:
            return self.expand(v.value, depth + 1)
        finally:
            self.expanding.discard(name)

    def expand(self, text: str, depth: int = 0) -> str:
        if "$" not in text:
            return text
        if depth > 64:  # a recursive $(call …) that only $(wildcard …) would end: not followed further
            return OPEN + text + CLOSE
        out: list[str] = []
        size = 0
        i, n = 0, len(text)
        while i < n:
            j = text.find("$", i)
            k = text.find(OPEN, i)
            if k >= 0 and (j < 0 or k < j):  # unresolved text passes through untouched
                e = text.find(CLOSE, k)
                e = n - 1 if e < 0 else e
                out.append(text[i: e + 1])
                i = e + 1
                continue
            if j < 0:
                out.append(text[i:])
                break
            out.append(text[i:j])
            if j + 1 >= n:
                break
            ch = text[j + 1]
            self._step()
            if ch == "$":
                out.append("$")
                i = j + 2
            elif ch in "({":
                e = _match_close(text, j + 1, ch)
                if e < 0:
                    out.append(OPEN + text[j:] + CLOSE)
                    break
                out.append(self._reference(text[j + 2: e], text[j: e + 1], depth))
                i = e + 1
            else:
                out.append(self.value_of(ch, depth))
                i = j + 2
            size += len(out[-1])
            if size > MAX_VALUE:
                raise Limit("expansions grow too large")
        res = "".join(out)
        self.work += len(res)
        if len(res) > MAX_VALUE or self.work > MAX_WORK:
            raise Limit("expansions grow too large")
        return res

    def _reference(self, inner: str, raw: str, depth: int) -> str:
        m = re.match(r"([a-z-]+)[ \t]", inner)
        if m and (m.group(1) in _FUNCS or m.group(1) in _UNRESOLVED_FUNCS or m.group(1) in ("warning", "info")):
            name = m.group(1)
            args = inner[m.end():]
            if name in ("warning", "info"):
                return ""
            if name in _UNRESOLVED_FUNCS:
                return OPEN + raw + CLOSE
            try:
                return _FUNCS[name](self, args, depth)
            except _Unresolved:
                return OPEN + raw + CLOSE
        # substitution reference $(VAR:a=b)
        top = _split_top(inner, ":")
        if len(top) >= 2 and "=" in top[-1]:
            name = self.expand(":".join(top[:-1]), depth + 1).strip()
            a, _, b = top[-1].partition("=")
            a, b = self.expand(a, depth + 1), self.expand(b, depth + 1)
            words = self.value_of(name, depth).split()
            if "%" not in a:
                a, b = "%" + a, "%" + b
            return " ".join(_patsubst(a, b, words))
        name = self.expand(inner, depth + 1).strip() if "$" in inner else inner.strip()
        if OPEN in name:
            return OPEN + raw + CLOSE
        if name in ("@D", "@F", "<D", "<F"):
            base = self.autos.get(name[0], "")
            return posixpath.dirname(base) or "." if name[1] == "D" else posixpath.basename(base)
        return self.value_of(name, depth)

    # ------------------------------------------------------------------ reading

    def set_var(self, name: str, op: str, value: str, *, override: bool = False, export: bool | None = None,
                scope: dict[str, Var] | None = None) -> None:
        db = self.vars if scope is None else scope
        if scope is None and op in ("=", ":=", "::=", ":::=") and name in self.maybe_vars:
            del self.maybe_vars[name]  # set again after the condition: known again
        cur = db.get(name) if scope is not None else self.vars.get(name)
        if scope is not None and cur is None:
            cur = self.vars.get(name)
        if cur is not None and not override:
            if cur.origin == "command line" or cur.origin == "override":
                return
            if cur.origin == "environment" and self.env_overrides and op != "?=":
                return
        if op == "?=":
            if cur is not None and cur.origin != "default":
                return
            new = Var(value, True, "override" if override else "file", export)
        elif op in (":=", "::="):
            new = Var(self.expand(value), False, "override" if override else "file", export)
        elif op == ":::=":
            new = Var(self.expand(value).replace("$", "$$"), True, "override" if override else "file", export)
        elif op == "+=":
            if cur is None:
                new = Var(value, True, "override" if override else "file", export)
            elif cur.recursive:
                new = Var((cur.value + " " + value) if cur.value else value, True, cur.origin if not override
                          else "override", cur.export if export is None else export)
            else:
                new = Var((cur.value + " " + self.expand(value)) if cur.value else self.expand(value), False,
                          cur.origin if not override else "override", cur.export if export is None else export)
        elif op == "!=":
            new = Var(OPEN + "!= " + value.strip() + CLOSE, False, "override" if override else "file", export)
        else:
            new = Var(value, True, "override" if override else "file", export)
        if new.export is None and cur is not None:
            new.export = cur.export
        if new.origin == "file" and cur is not None and cur.origin == "environment":
            new.export = True if new.export is None else new.export  # a variable from the environment stays exported
        db[name] = new

    def read_file(self, path: str, depth: int = 0, optional: bool = False, where: str = "") -> bool:
        text, why = self.read(path)
        if text is None:
            if not optional:
                self.unresolved.append((where or path, why))
            return False
        self.parse(text, path, depth)
        return True

    def parse(self, text: str, fname: str, depth: int = 0) -> None:
        lines = text.split("\n")
        cond: list[list[str]] = []  # stack of [state]: "on", "off" (taken earlier/parent off), "done", "unknown"
        rule: list[Rule] = []  # current rules (for recipe lines)
        i = 0
        n = len(lines)
        in_define: tuple[str, str, bool, bool] | None = None
        define_body: list[str] = []
        while i < n:
            self.lines_read += 1
            if self.lines_read > MAX_LINES:
                raise Limit("Makefile too long")
            lineno = i + 1
            raw = lines[i].rstrip("\r")
            i += 1
            active = all(c[0] == "on" for c in cond)
            if in_define is not None:
                s = raw.strip()
                if re.match(r"^endef\b", s):
                    name, op, override, export = in_define
                    in_define = None
                    if active:
                        self.set_var(name, op if op != "=" else "=", "\n".join(define_body), override=override,
                                     export=export)
                    define_body = []
                elif re.match(r"^define\b", s):
                    define_body.append(raw)
                else:
                    define_body.append(raw)
                continue
            # recipe lines
            if raw.startswith(self.recipe_prefix) and rule:
                body = raw[len(self.recipe_prefix):]
                while body.endswith("\\") and i < n:
                    nxt = lines[i].rstrip("\r")
                    i += 1
                    if nxt.startswith(self.recipe_prefix):
                        nxt = nxt[len(self.recipe_prefix):]
                    body += "\n" + nxt
                if active:
                    for r in rule:
                        r.recipe.append((body, fname, lineno))
                else:
                    unk = [c for c in cond if c[0] == "unknown"]
                    if unk and all(c[0] in ("on", "unknown") for c in cond):
                        for r in rule:
                            r.unknown.append((f"{fname}:{lineno}", unk[-1][2]))
                continue
            # logical line: join continuations
            logical = raw
            while logical.endswith("\\") and not logical.endswith("\\\\") and i < n:
                logical = logical[:-1].rstrip() + " " + lines[i].rstrip("\r").lstrip()
                i += 1
            logical = _strip_comment(logical)
            s = logical.strip()
            if not s:
                continue
            word = s.split(None, 1)[0]
            rest = s[len(word):].strip()
            if word in ("ifeq", "ifneq", "ifdef", "ifndef"):
                if not active:
                    cond.append(["off"])
                else:
                    val = self._condition(word, rest)
                    if val is None:
                        cond.append(["unknown", f"{fname}:{lineno}", _short(s)])
                    else:
                        cond.append(["on" if val else "skip"])
                continue
            if word == "else":
                if not cond:
                    continue
                top = cond[-1]
                parent_active = all(c[0] == "on" for c in cond[:-1])
                if top[0] in ("on", "done"):
                    top[0] = "done"
                elif top[0] == "skip" and parent_active:
                    if rest:
                        w2 = rest.split(None, 1)[0]
                        r2 = rest[len(w2):].strip()
                        val = self._condition(w2, r2) if w2 in ("ifeq", "ifneq", "ifdef", "ifndef") else None
                        if val is None:
                            top[:] = ["unknown", f"{fname}:{lineno}", _short(s)]
                        else:
                            top[0] = "on" if val else "skip"
                    else:
                        top[0] = "on"
                continue
            if word == "endif":
                if cond:
                    cond.pop()
                continue
            if not active:
                unk = [c for c in cond if c[0] == "unknown"]
                if unk and all(c[0] in ("on", "unknown") for c in cond):
                    self._shadow(s, unk[-1][1], unk[-1][2])
                rule = []
                continue
            override = False
            export: bool | None = None
            if word in ("include", "-include", "sinclude"):
                rule = []
                names = self.expand(rest).split()
                for nm in names:
                    if OPEN in nm:
                        self.unresolved.append((f"{fname}:{lineno}", f"include of `{_short(nm)}`: "
                                                                     + unresolved_reason(strip_markers(nm)[1][0]
                                                                                         if strip_markers(nm)[1]
                                                                                         else nm)))
                        continue
                    self.includes += 1
                    if depth + 1 > MAX_INCLUDE_DEPTH or self.includes > MAX_INCLUDES:
                        self.unresolved.append((f"{fname}:{lineno}", "include depth or count limit reached"))
                        continue
                    self.read_file(nm, depth + 1, optional=word != "include", where=f"{fname}:{lineno} include {nm}")
                continue
            if word == "define":
                m = re.match(r"(\S+)\s*(::=|:=|\?=|\+=|=)?\s*$", rest)
                if m:
                    in_define = (m.group(1), m.group(2) or "=", False, None)
                    define_body = []
                continue
            if word in ("override", "export", "unexport", "private"):
                if word == "override":
                    override = True
                elif word == "export":
                    export = True
                elif word == "unexport":
                    export = False
                if word == "override" and rest.startswith("define"):
                    m = re.match(r"define\s+(\S+)\s*(::=|:=|\?=|\+=|=)?\s*$", rest)
                    if m:
                        in_define = (m.group(1), m.group(2) or "=", True, None)
                        define_body = []
                    continue
                if word in ("export", "unexport") and not _ASSIGN.match(rest):
                    if not rest:
                        self.export_all = word == "export"
                    for nm in self.expand(rest).split():
                        v = self.vars.get(nm)
                        if v is None:
                            self.vars[nm] = Var("", True, "default", export)
                            v = self.vars[nm]
                        v.export = export
                    continue
                s = rest
                if s.startswith(("export ", "override ")):
                    w2, _, s = s.partition(" ")
                    if w2 == "export":
                        export = True
                    else:
                        override = True
                    s = s.strip()
            if word == "vpath":
                continue
            # assignment or rule?
            kind, pos = _classify(s)
            if kind == "assign":
                m = _ASSIGN.match(s)
                if m:
                    name = self.expand(m.group("name")).strip()
                    value = m.group("value").lstrip()
                    if name == ".RECIPEPREFIX":
                        v = self.expand(value)
                        self.recipe_prefix = v[:1] if v else "\t"
                        continue
                    self.set_var(name, m.group("op"), value, override=override, export=export)
                    rule = []
                continue
            if kind == "rule":
                rule = self._rule_line(s, pos, fname, lineno, override, export)
                continue
            # anything else (a bare function call like $(info …), a stray word)
            rule = []

    def _shadow(self, s: str, where: str, cond: str) -> None:
        """A line under a condition golayer cannot evaluate: remember what it would define."""
        for w in ("override ", "export ", "private "):
            if s.startswith(w):
                s = s[len(w):].lstrip()
        kind, pos = _classify(s)
        why = (where, f"it is defined under `{cond}`, which cannot be evaluated without running the build")
        if kind == "assign":
            m = _ASSIGN.match(s)
            if m:
                self.maybe_vars.setdefault(m.group("name").strip(), why)
        elif kind == "rule":
            for t in s[:pos].split():
                self.maybe_targets.setdefault(t, why)

    def _condition(self, kw: str, rest: str) -> bool | None:
        if kw in ("ifdef", "ifndef"):
            name = self.expand(rest).strip()
            if OPEN in name:
                return None
            v = self.lookup(name)
            val = v.value if v is not None else ""
            if OPEN in val:
                return None
            defined = bool(val)
            return defined if kw == "ifdef" else not defined
        a = b = None
        r = rest.strip()
        if r.startswith("(") and r.endswith(")"):
            parts = _split_top(r[1:-1], ",")
            if len(parts) == 2:
                a, b = parts[0].strip(), parts[1].strip()
        else:
            m = re.match(r"""^(["'])(.*?)\1\s+(["'])(.*?)\3$""", r)
            if m:
                a, b = m.group(2), m.group(4)
        if a is None or b is None:
            return None
        ea, eb = self.expand(a), self.expand(b)
        if OPEN in ea or OPEN in eb:
            return None
        eq = ea == eb
        return eq if kw == "ifeq" else not eq

    def _rule_line(self, s: str, pos: int, fname: str, lineno: int, override: bool,
                   export: bool | None) -> list[Rule]:
        left = s[:pos]
        right = s[pos + 1:]
        double = right.startswith(":")
        if double:
            right = right[1:]
        recipe_inline = None
        if ";" in right:
            right, _, recipe_inline = right.partition(";")
        targets = split_words(self.expand(left))
        # target-specific variable: "target: VAR = value"
        m = _ASSIGN.match(right.strip())
        if m and recipe_inline is None:
            rr = right.strip()
            ov = False
            ex = export
            while True:
                w, _, rest2 = rr.partition(" ")
                if w == "override":
                    ov, rr = True, rest2.strip()
                elif w == "export":
                    ex, rr = True, rest2.strip()
                elif w == "private":
                    rr = rest2.strip()
                else:
                    break
            m = _ASSIGN.match(rr)
            if m:
                for t in targets:
                    self.target_vars.setdefault(t, []).append(
                        (m.group("name").strip(), m.group("op"), m.group("value").lstrip(), ov or override))
                    if ex:
                        self.target_vars[t].append((m.group("name").strip(), "export", "", False))
                return []
        static = None
        kind2, pos2 = _classify(right)
        if kind2 == "rule":  # static pattern rule: targets: target-pattern: prereq-patterns
            static = self.expand(right[:pos2]).strip()
            right = right[pos2 + 1:]
        prereqs = split_words(self.expand(right).split("|")[0]) if right.strip() else []
        out: list[Rule] = []
        for t in targets:
            if static is not None:
                stem = _pat(static, t)
                if stem is None:
                    continue
                r = self.rules.get(t)
                if r is None:
                    r = self.rules[t] = Rule(t, [], [], fname, lineno)
                r.prereqs.extend(p.replace("%", stem, 1) for p in prereqs)
                if self.default_goal is None and not _SPECIAL.match(t) and OPEN not in t:
                    self.default_goal = t
                out.append(r)
                continue
            if t == ".PHONY":
                self.phony.update(prereqs)
                continue
            if t == ".ONESHELL":
                self.oneshell = True
                continue
            if t == ".EXPORT_ALL_VARIABLES":
                self.export_all = True
                continue
            if t == ".DEFAULT_GOAL":
                continue
            if "%" in t:
                r = Rule(t, list(prereqs), [], fname, lineno)
                self.patterns.append(r)
                out.append(r)
                continue
            r = self.rules.get(t)
            if r is None:
                r = self.rules[t] = Rule(t, [], [], fname, lineno)
            r.prereqs.extend(prereqs)
            if self.default_goal is None and not _SPECIAL.match(t) and OPEN not in t:
                self.default_goal = t
            out.append(r)
        if recipe_inline is not None and recipe_inline.strip():
            for r in out:
                r.recipe.append((recipe_inline.strip(), fname, lineno))
        return out

    # ------------------------------------------------------------------ running (in the head)

    def goal_default(self) -> str | None:
        v = self.vars.get(".DEFAULT_GOAL")
        if v is not None:
            g = self.expand(v.value).strip()
            if g:
                return g
        return self.default_goal

    def exported_env(self, base_env: dict[str, str]) -> dict[str, str]:
        env = dict(base_env)
        names = set(self.vars)
        for scope in self.locals:
            names |= set(scope)
        for name in names:
            v = self.lookup(name)
            if v is None or v.origin in ("default", "automatic"):
                if v is not None and v.export:
                    env[name] = self.value_of(name, 0)
                continue
            exported = v.export
            if exported is None:
                exported = v.origin in ("environment", "command line") or self.export_all
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                continue
            if exported:
                env[name] = strip_markers(self.value_of(name, 0))[0]
            elif exported is False:
                env.pop(name, None)
        return env

    def run(self, goals: list[str], base_env: dict[str, str]) -> Plan:
        plan = Plan()
        goals = goals or ([self.goal_default()] if self.goal_default() else [])
        if not goals:
            plan.unresolved.append(("make", "the Makefile has no target"))
            return plan
        done: set[str] = set()
        for g in goals:
            if OPEN in g:
                plan.unresolved.append((f"make {strip_markers(g)[0]}",
                                        f"the target `{strip_markers(g)[0]}` is not known statically"))
                continue
            self._build(g, plan, done, {}, base_env, [], top=True)
        return plan

    def _scope_for(self, target: str, inherited: dict[str, Var]) -> dict[str, Var]:
        scope = dict(inherited)
        specs = list(self.target_vars.get(target, []))
        tv = self.target_vars
        if self._pattern_vars_of != len(tv):  # the pattern ones, once per Makefile read
            self._pattern_vars = [(pat, items) for pat, items in tv.items() if "%" in pat]
            self._pattern_vars_of = len(tv)
        for pat, items in self._pattern_vars:
            if _pat(pat, target) is not None:
                specs = items + specs
        exports = {name for name, op, _, _ in specs if op == "export"}
        self.locals.append(scope)
        try:
            for name, op, value, ov in specs:
                if op == "export":
                    continue
                self.set_var(name, op, value, override=ov, export=True if name in exports else None, scope=scope)
        finally:
            self.locals.pop()
        return scope

    def _build(self, target: str, plan: Plan, done: set[str], inherited: dict[str, Var], base_env: dict[str, str],
               stack: list[str], top: bool = False) -> None:
        if target in done or target in stack:
            return
        if len(done) > MAX_TARGETS_RUN:
            raise Limit("too many targets")
        rule = self.rules.get(target)
        stem = ""
        if (rule is None or not rule.recipe) and target not in self.phony:
            for pr in self.patterns:
                s = _pat(pr.target, target)
                if s is not None and pr.recipe:
                    if any("%" in p for p in pr.prereqs):
                        # a pattern rule applies only when its prerequisites exist or can be made: the
                        # files on disk are not known here
                        if not all(self._can_make(p.replace("%", s)) for p in pr.prereqs):
                            continue
                    stem = s
                    rule = Rule(target, [p.replace("%", s) for p in pr.prereqs] + (rule.prereqs if rule else []),
                                pr.recipe, pr.file, pr.line)
                    break
        if rule is None:
            if target in self.maybe_targets:
                where, why = self.maybe_targets[target]
                plan.unresolved.append((where, f"target `{target}`: {why}"))
            elif top:
                text, _ = self.read(target)
                if text is None:
                    plan.unresolved.append((f"make {target}", f"no rule for target `{target}` in the Makefile"))
            return
        stack.append(target)
        scope = self._scope_for(target, inherited)
        for p in rule.prereqs:
            if OPEN in p and p not in self.rules:
                if all(_FILE_LIST.match(r) for r in strip_markers(p)[1]):
                    continue  # a list of existing files ($(wildcard *.go), $(shell find …)): sources, no step
                plan.unresolved.append((f"{rule.file}:{rule.line}" if rule.file else f"make {target}",
                                        f"prerequisite `{strip_markers(p)[0]}` of `{target}` is not known "
                                        "statically"))
                continue
            self._build(p, plan, done, scope, base_env, stack)
        stack.pop()
        done.add(target)
        if rule.unknown:
            where, cond = rule.unknown[0]
            plan.unresolved.append((where, f"recipe lines of `{target}` are under `{cond}`, which cannot be "
                                           "evaluated without running the build"))
        if not rule.recipe:
            return
        prereqs = [p for p in rule.prereqs if OPEN not in p]
        self.autos = {"@": target, "<": prereqs[0] if prereqs else "", "^": " ".join(dict.fromkeys(prereqs)),
                      "+": " ".join(prereqs), "*": stem, "?": " ".join(dict.fromkeys(prereqs)), "|": ""}
        self.locals.append(scope)
        try:
            env = self.exported_env(base_env)
            bodies = rule.recipe
            if self.oneshell and bodies:  # one shell; a POSIX shell gets each line without its @-+ prefix
                lines: list[str] = []
                where: list[int] = []
                for body, f, ln in bodies:
                    n_raw = body.count("\n")
                    for i, x in enumerate(self.expand(body).split("\n")):
                        lines.append(_strip_prefixes(x))
                        where.append(ln + min(i, n_raw))
                clean_text, raws = strip_markers("\n".join(lines))
                if clean_text.strip():
                    plan.lines.append(RecipeLine(clean_text, bodies[0][1], bodies[0][2], target, env, raws, where))
                bodies = []
            for body, f, ln in bodies:
                text = self.expand(body)
                # a multi-line variable ($(call title) of a define) makes several recipe lines
                pieces = re.split(r"(?<!\\)\n", text)
                for piece in pieces:
                    clean_text, raws = strip_markers(_strip_prefixes(piece))
                    if not clean_text.strip():
                        continue
                    plan.lines.append(RecipeLine(clean_text, f, ln, target, env, raws))
                    if len(plan.lines) > MAX_RECIPE_LINES:
                        raise Limit("too many recipe lines")
        finally:
            self.locals.pop()
            self.autos = {}

    def _can_make(self, name: str) -> bool:
        if name in self.rules:
            return True
        text, _ = self.read(name)
        return text is not None


_WORD = re.compile(OPEN + "[^" + CLOSE + "]*" + CLOSE + r"|[^\s" + OPEN + "]+")


def split_words(s: str) -> list[str]:
    """Whitespace-separated words; text that could not be expanded stays one word."""
    if OPEN not in s:
        return s.split()
    out: list[str] = []
    cur = ""
    pos = 0
    for m in _WORD.finditer(s):
        if m.start() > pos and cur:  # whitespace before this piece ends the word
            out.append(cur)
            cur = ""
        cur += m.group(0)
        pos = m.end()
    if cur:
        out.append(cur)
    return out


def _strip_prefixes(body: str) -> str:
    s = body.lstrip(" \t")
    while s[:1] in ("@", "-", "+"):
        s = s[1:].lstrip(" \t")
    return s


_COMMENT_MARKS = re.compile(r"\\#|[(){}#]")  # the only characters _strip_comment looks at


def _strip_comment(line: str) -> str:
    """The line before its comment (a ``#`` outside $(...)/${...}); ``\\#`` is a literal ``#``."""
    if "#" not in line:
        return line
    out: list[str] = []
    depth = 0
    last = 0
    for m in _COMMENT_MARKS.finditer(line):
        tok = m.group()
        if tok in "({":
            depth += 1
        elif tok in ")}":
            depth -= 1
        elif tok == "#":
            if depth <= 0:
                out.append(line[last:m.start()])
                return "".join(out)
        else:  # an escaped #
            out.append(line[last:m.start()])
            out.append("#")
            last = m.end()
    out.append(line[last:])
    return "".join(out)


_CLASSIFY_MARKS = re.compile(r"[(){}=:]|[?+!](?==)")  # the only characters _classify looks at


def _classify(s: str) -> tuple[str, int]:
    """("assign", pos) / ("rule", pos of ':') / ("other", -1) for a logical line."""
    depth = 0
    for m in _CLASSIFY_MARKS.finditer(s):
        ch = m.group()
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        elif depth == 0:
            i = m.start()
            if ch != ":":  # `=`, or `?=` `+=` `!=`
                return "assign", i
            if s[i:i + 2] == ":=" or s[i:i + 3] == "::=" or s[i:i + 4] == ":::=":
                return "assign", i
            return "rule", i
    return "other", -1


# ---------------------------------------------------------------------- functions


def _known(v: str) -> str:
    if OPEN in v:
        raise _Unresolved
    return v


def _words(m: Make, s: str, depth: int) -> list[str]:
    return _known(m.expand(s, depth + 1)).split()


def _args(m: Make, args: str, n: int, depth: int, expand: bool = True) -> list[str]:
    parts = _split_top(args, ",")
    if len(parts) > n:
        parts = parts[: n - 1] + [",".join(parts[n - 1:])]
    while len(parts) < n:
        parts.append("")
    return [_known(m.expand(p, depth + 1)) for p in parts] if expand else parts


def _f_subst(m, a, d):
    x, y, t = _args(m, a, 3, d)
    return t.replace(x, y) if x else t


def _f_patsubst(m, a, d):
    p, r, t = _args(m, a, 3, d)
    return " ".join(_patsubst(p.strip(), r.strip(), t.split()))


def _f_filter(m, a, d, keep=True):
    ps, t = _args(m, a, 2, d)
    pats = ps.split()
    return " ".join(w for w in t.split() if any(_pat(p, w) is not None for p in pats) == keep)


def _f_word(m, a, d):
    n, t = _args(m, a, 2, d)
    try:
        k = int(n.strip())
    except ValueError:
        return OPEN + "$(word " + a + ")" + CLOSE
    ws = t.split()
    return ws[k - 1] if 1 <= k <= len(ws) else ""


def _f_wordlist(m, a, d):
    s, e, t = _args(m, a, 3, d)
    try:
        si, ei = int(s.strip()), int(e.strip())
    except ValueError:
        return OPEN + "$(wordlist " + a + ")" + CLOSE
    return " ".join(t.split()[si - 1: ei])


def _f_if(m, a, d):
    c, yes, no = _args(m, a, 3, d, expand=False)
    cv = m.expand(c, d + 1).strip()
    if OPEN in cv:
        return OPEN + "$(if " + a + ")" + CLOSE
    return m.expand(yes if cv else no, d + 1)


def _f_or(m, a, d):
    for p in _split_top(a, ","):
        v = m.expand(p, d + 1).strip()
        if OPEN in v:
            return OPEN + "$(or " + a + ")" + CLOSE
        if v:
            return v
    return ""


def _f_and(m, a, d):
    v = ""
    for p in _split_top(a, ","):
        v = m.expand(p, d + 1).strip()
        if OPEN in v:
            return OPEN + "$(and " + a + ")" + CLOSE
        if not v:
            return ""
    return v


def _f_foreach(m, a, d):
    var, lst, body = _args(m, a, 3, d, expand=False)
    name = m.expand(var, d + 1).strip()
    out = []
    scope: dict[str, Var] = {}
    m.locals.append(scope)
    try:
        for w in _known(m.expand(lst, d + 1)).split():
            scope[name] = Var(w, False, "automatic")
            out.append(m.expand(body, d + 1))
    finally:
        m.locals.pop()
    return " ".join(out)


def _f_call(m, a, d):
    parts = _split_top(a, ",")
    name = m.expand(parts[0], d + 1).strip()
    scope: dict[str, Var] = {}
    for k, p in enumerate(parts[1:], 1):
        scope[str(k)] = Var(m.expand(p, d + 1), False, "automatic")
    v = m.lookup(name)
    if v is None:
        return ""
    m.locals.append(scope)
    try:
        return m.expand(v.value, d + 1) if v.recursive else v.value
    finally:
        m.locals.pop()


def _f_value(m, a, d):
    v = m.lookup(m.expand(a, d + 1).strip())
    return v.value if v else ""


_FUNCS: dict[str, Callable[[Make, str, int], str]] = {
    "subst": _f_subst,
    "patsubst": _f_patsubst,
    "strip": lambda m, a, d: " ".join(m.expand(a, d + 1).split()),
    "findstring": lambda m, a, d: (lambda f, t: f if f in t else "")(*_args(m, a, 2, d)),
    "filter": _f_filter,
    "filter-out": lambda m, a, d: _f_filter(m, a, d, keep=False),
    "sort": lambda m, a, d: " ".join(sorted(set(_words(m, a, d)))),
    "word": _f_word,
    "words": lambda m, a, d: str(len(_words(m, a, d))),
    "wordlist": _f_wordlist,
    "firstword": lambda m, a, d: (_words(m, a, d) or [""])[0],
    "lastword": lambda m, a, d: (_words(m, a, d) or [""])[-1],
    "dir": lambda m, a, d: " ".join((posixpath.dirname(w) + "/") if "/" in w else "./" for w in _words(m, a, d)),
    "notdir": lambda m, a, d: " ".join(w.rsplit("/", 1)[-1] for w in _words(m, a, d)),
    "suffix": lambda m, a, d: " ".join(posixpath.splitext(w)[1] for w in _words(m, a, d)
                                       if posixpath.splitext(w)[1]),
    "basename": lambda m, a, d: " ".join(posixpath.splitext(w)[0] for w in _words(m, a, d)),
    "addprefix": lambda m, a, d: (lambda p, t: " ".join(p + w for w in t.split()))(*_args(m, a, 2, d)),
    "addsuffix": lambda m, a, d: (lambda p, t: " ".join(w + p for w in t.split()))(*_args(m, a, 2, d)),
    "join": lambda m, a, d: (lambda x, y: " ".join(
        p + q for p, q in zip(x.split() + [""] * len(y.split()), y.split() + [""] * len(x.split())) if p or q))(
        *_args(m, a, 2, d)),
    "if": _f_if,
    "or": _f_or,
    "and": _f_and,
    "foreach": _f_foreach,
    "call": _f_call,
    "value": _f_value,
}


# ---------------------------------------------------------------------- invocations


@dataclass
class Invocation:
    directory: str | None  # -C (joined, relative as given)
    files: list[str]  # -f
    goals: list[str]
    cmdline: dict[str, str]
    env_overrides: bool  # -e
    dry_run: bool  # -n / --just-print / --dry-run / --recon (recipes are printed, not run)
    includes: list[str]
    problem: str | None = None  # an option golayer cannot follow (--eval ...)


_MAKE_VALUE_OPTS = {"-f", "--file", "--makefile", "-C", "--directory", "-I", "--include-dir", "-o", "--old-file",
                    "--assume-old", "-W", "--what-if", "--new-file", "--assume-new", "-l", "--load-average",
                    "--max-load", "--eval", "-O", "--output-sync", "--jobserver-auth", "--debug"}


def parse_invocation(argv: list[str]) -> Invocation:
    inv = Invocation(None, [], [], {}, False, False, [])
    i = 1
    only_targets = False
    while i < len(argv):
        a = argv[i]
        i += 1
        if only_targets or not a.startswith("-") or a == "-":
            if not only_targets and re.match(r"^[A-Za-z_][A-Za-z0-9_.]*\s*(::=|:=|\?=|\+=|=)", a):
                mm = re.match(r"^([A-Za-z_][A-Za-z0-9_.]*)\s*(?:::=|:=|\?=|\+=|=)(.*)$", a, re.S)
                if mm:
                    inv.cmdline[mm.group(1)] = mm.group(2)
                continue
            inv.goals.append(a)
            continue
        if a == "--":
            only_targets = True
            continue
        if a.startswith("--"):
            name, eq, val = a.partition("=")
            if name in _MAKE_VALUE_OPTS and not eq:
                val = argv[i] if i < len(argv) else ""
                i += 1
            if name in ("--file", "--makefile"):
                inv.files.append(val)
            elif name == "--directory":
                inv.directory = val if inv.directory is None else posixpath.join(inv.directory, val)
            elif name == "--include-dir":
                inv.includes.append(val)
            elif name == "--environment-overrides":
                inv.env_overrides = True
            elif name in ("--just-print", "--dry-run", "--recon", "--question"):
                inv.dry_run = True
            elif name == "--eval":
                inv.problem = f"`--eval={val}` changes the Makefile"
            continue
        # short options, possibly bundled: -sC dir, -j8, -kj
        j = 1
        while j < len(a):
            o = a[j]
            j += 1
            if o in "fCIoWl" or (o == "O" and False):
                val = a[j:] if j < len(a) else (argv[i] if i < len(argv) else "")
                if j >= len(a):
                    i += 1
                if o == "f":
                    inv.files.append(val)
                elif o == "C":
                    inv.directory = val if inv.directory is None else posixpath.join(inv.directory, val)
                elif o == "I":
                    inv.includes.append(val)
                break
            if o == "j":  # -j, -j8: an optional number only when attached or next word is a number
                if j < len(a):
                    break
                if i < len(argv) and argv[i].isdigit():
                    i += 1
                break
            if o == "e":
                inv.env_overrides = True
            elif o in "nq":
                inv.dry_run = True
    return inv


def matches_glob(pattern: str, name: str) -> bool:
    return fnmatchcase(name, pattern)
