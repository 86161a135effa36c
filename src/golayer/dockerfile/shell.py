"""Shell understanding of RUN bodies with a real grammar (tree-sitter-bash).

:func:`run_commands` turns one RUN (shell form, heredoc bodies, JSON form) into the simple commands
it runs, split on ``&&``, ``;``, ``|``, ``||`` and newlines, descending into subshells, ``{ }``
groups, ``if``/``for``/``while``/``case`` bodies and functions, and unwrapping ``sh -c '...'`` /
``bash -c`` / ``sh <<EOF`` recursively. Each command carries its inline ``VAR=x`` assignments and
the environment it runs with (``export`` and assignments to exported names apply to later commands
of the same RUN), plus what golayer recognises: ``go`` invocations, package installs, ``git config
url.X.insteadOf`` and files written through redirects, ``tee``, ``cp``.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from golayer.dockerfile.model import Command, GoCommand

_PARSER: Any = None

SHELLS = {"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"}
WRAPPERS = {"sudo", "exec", "time", "nice", "nohup", "command", "doas", "stdbuf", "eatmydata"}
_MAX_DEPTH = 6


def parser() -> Any:
    """The tree-sitter bash parser, created once per process."""
    global _PARSER
    if _PARSER is None:
        from tree_sitter import Language, Parser

        _PARSER = Parser(Language(_bash_language()))
    return _PARSER


def _bash_language() -> Any:
    """tree-sitter-bash's grammar from its compiled binding. The package's ``__init__`` imports
    ``importlib.resources`` (and through it tempfile, shutil, zipfile...: 15-35 ms on a clean
    interpreter) for query files golayer does not read, so the binding is loaded directly; the
    package's own import is the fallback."""
    try:
        import importlib.machinery
        import importlib.util

        spec = importlib.util.find_spec("tree_sitter_bash")  # locates the package without running it
        for d in (spec.submodule_search_locations or []) if spec else []:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                binding = importlib.util.spec_from_file_location("tree_sitter_bash._binding", f"{d}/_binding{suffix}")
                if binding is None or binding.loader is None or not _isfile(binding.origin):
                    continue
                mod = importlib.util.module_from_spec(binding)
                binding.loader.exec_module(mod)
                return mod.language()
    except (ImportError, OSError, AttributeError):
        pass
    import tree_sitter_bash

    return tree_sitter_bash.language()


def _isfile(path: str | None) -> bool:
    import os

    return bool(path) and os.path.isfile(path)


# --------------------------------------------------------------------------------------------
# words


def _dq_unescape(s: str) -> str:
    return re.sub(r'\\([\\"$`])', r"\1", s)


def word_value(node: Any) -> str:
    """The shell word a node stands for, quotes removed; expansions are kept as written."""
    t = node.type
    text = node.text.decode("utf-8", "replace")
    if t == "word":
        return re.sub(r"\\(.)", r"\1", text) if "\\" in text else text
    if t == "raw_string":
        return text[1:-1] if len(text) >= 2 else text
    if t in ("string", "translated_string"):
        inner = text[1:-1] if t == "string" else text[2:-1]
        return _dq_unescape(inner)
    if t == "ansi_c_string":
        return text[2:-1]
    if t == "concatenation":
        return "".join(word_value(c) for c in node.children)
    return text


_ARG_TYPES = {"word", "string", "raw_string", "concatenation", "number", "simple_expansion", "expansion",
              "command_substitution", "ansi_c_string", "translated_string", "arithmetic_expansion",
              "process_substitution", "brace_expression"}


# --------------------------------------------------------------------------------------------
# recognisers

GO_VALUE_FLAGS = {
    "-o", "-ldflags", "-gcflags", "-asmflags", "-gccgoflags", "-tags", "-mod", "-modfile", "-p", "-pkgdir",
    "-buildmode", "-compiler", "-overlay", "-pgo", "-C", "-covermode", "-coverpkg", "-exec", "-toolexec",
    "-run", "-bench", "-count", "-timeout", "-cpu", "-parallel", "-coverprofile", "-cpuprofile",
    "-memprofile", "-blockprofile", "-mutexprofile", "-outputdir", "-trace", "-benchtime", "-shuffle",
    "-fuzz", "-fuzztime", "-skip", "-vet", "-reuse", "-modfile", "-json=", "-f", "-memprofilerate",
    "-blockprofilerate", "-mutexprofilefraction", "-test.run",
}
GO_SUBS = {"build", "install", "test", "run", "generate", "get", "vet", "list", "clean", "version", "tool",
           "fmt", "doc", "fix", "telemetry", "bug"}


def parse_go(argv: list[str]) -> GoCommand | None:
    if not argv or argv[0].rsplit("/", 1)[-1] != "go":
        return None
    rest = list(argv[1:])
    # global flags before the subcommand (go -C dir build)
    while rest and rest[0].startswith("-"):
        if rest[0] == "-C" and len(rest) > 1:
            rest = rest[2:]
        else:
            rest = rest[1:]
    if not rest:
        return GoCommand(sub="other", args=[], flags={}, packages=[])
    sub = rest[0]
    rest = rest[1:]
    if sub in ("mod", "work"):
        sub2 = rest[0] if rest else ""
        rest = rest[1:]
        sub = f"{sub} {sub2}".strip()
    elif sub == "env":
        writes: dict[str, str] = {}
        unsets: list[str] = []
        mode = ""
        for a in rest:
            if a in ("-w", "--w"):
                mode = "-w"
            elif a in ("-u", "--u"):
                mode = "-u"
            elif a.startswith("-"):
                continue
            elif mode == "-w" and "=" in a:
                k, _, v = a.partition("=")
                writes[k] = v
            elif mode == "-u":
                unsets.append(a)
        name = f"env {mode}" if mode else "env"
        return GoCommand(sub=name, args=rest, flags={}, packages=[], env_writes=writes, env_unsets=unsets)
    elif sub not in GO_SUBS:
        sub = "other"
    flags: dict[str, str | None] = {}
    packages: list[str] = []
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "--":
            packages.extend(rest[i + 1 :] if sub != "run" else rest[i + 1 : i + 2])
            break
        if a.startswith("-") and len(a) > 1 and not (sub == "run" and packages):
            name, eq, val = a.partition("=")
            if name.startswith("--"):
                name = name[1:]
            if eq:
                flags[name] = val
            elif name in GO_VALUE_FLAGS and i + 1 < len(rest):
                flags[name] = rest[i + 1]
                i += 1
            else:
                flags[name] = None
        else:
            if sub == "run" and packages:  # program arguments
                i += 1
                continue
            packages.append(a)
        i += 1
    return GoCommand(sub=sub, args=rest, flags=flags, packages=packages)


_PM = {"apt-get": "apt-get", "apt": "apt-get", "aptitude": "apt-get", "apk": "apk", "dnf": "dnf", "yum": "yum",
       "microdnf": "microdnf", "tdnf": "dnf", "zypper": "zypper"}
_PM_INSTALL = {"apt-get": {"install"}, "apk": {"add"}, "dnf": {"install"}, "yum": {"install"},
               "microdnf": {"install"}, "zypper": {"install", "in"}}
_PM_VALUE_OPTS = {"-o", "-t", "-c", "--target-release", "--virtual", "-X", "--repository", "-p", "--root", "--arch",
                  "--cache-dir", "--keys-dir", "--option", "--config-file"}


def parse_package_install(argv: list[str]) -> tuple[str, list[str]] | None:
    if not argv:
        return None
    tool = _PM.get(argv[0].rsplit("/", 1)[-1])
    if tool is None:
        return None
    sub = None
    pkgs: list[str] = []
    i = 1
    while i < len(argv):
        a = argv[i]
        if a.startswith("-"):
            if a in _PM_VALUE_OPTS:
                i += 1
        elif sub is None:
            sub = a
        else:
            pkgs.append(re.split(r"[=<>~]", a, maxsplit=1)[0] if tool in ("apt-get", "apk") else a)
        i += 1
    if sub not in _PM_INSTALL.get(tool, set()):
        return None
    return tool, pkgs


_INSTEADOF = re.compile(r"^url\.(.+)\.(insteadof|pushinsteadof)$", re.IGNORECASE | re.DOTALL)


def parse_git_insteadof(argv: list[str]) -> str | None:
    if len(argv) < 3 or argv[0].rsplit("/", 1)[-1] != "git":
        return None
    try:
        ci = argv.index("config")
    except ValueError:
        return None
    for a in argv[ci + 1 :]:
        m = _INSTEADOF.match(a)
        if m:
            return m.group(1)
    return None


_NULL_FILES = {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"}


def written_files(argv: list[str]) -> list[str]:
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    if name == "tee":
        return [a for a in argv[1:] if not a.startswith("-") and a not in _NULL_FILES]
    if name in ("cp", "mv", "install", "ln"):
        plain = [a for a in argv[1:] if not a.startswith("-")]
        if len(plain) >= 2:
            return [plain[-1]]
    return []


# --------------------------------------------------------------------------------------------
# the walk


class _Walker:
    def __init__(self, src: bytes, line_of: Callable[[int], int], env: dict[str, str], heredoc: bool,
                 depth: int, out: list[Command]):
        self.src = src
        self.line_of = line_of
        self.env = env
        self.heredoc = heredoc
        self.depth = depth
        self.out = out

    def walk(self, node: Any) -> None:
        t = node.type
        if t == "command":
            self.command(node, [])
        elif t == "redirected_statement":
            self.redirected(node)
        elif t == "declaration_command":
            self.declaration(node)
        elif t == "variable_assignment":
            name, value = self.assignment(node)
            if name and name in self.env:  # assigning an exported variable changes the environment
                self.env[name] = value
        elif t == "subshell":
            saved = dict(self.env)
            for c in node.children:
                self.walk(c)
            self.env.clear()
            self.env.update(saved)
        elif t in ("command_substitution", "test_command", "comment", "heredoc_body"):
            return
        else:
            for c in node.children:
                if c.is_named:
                    self.walk(c)

    def assignment(self, node: Any) -> tuple[str, str]:
        name = ""
        value = ""
        seen_eq = False
        for c in node.children:
            if c.type == "variable_name" and not seen_eq:
                name = c.text.decode("utf-8", "replace")
            elif c.type in ("=", "+="):
                seen_eq = True
            elif seen_eq:
                value += word_value(c)
        return name, value

    def declaration(self, node: Any) -> None:
        kw = node.children[0].type if node.children else ""
        argv = [kw]
        for c in node.children[1:]:
            if c.type == "variable_assignment":
                name, value = self.assignment(c)
                argv.append(f"{name}={value}")
                if kw == "export" and name:
                    self.env[name] = value
            elif c.is_named:
                argv.append(word_value(c))
        self.out.append(Command(argv=argv, text=node.text.decode("utf-8", "replace"),
                                line=self.line_of(node.start_byte), env=dict(self.env), heredoc=self.heredoc))

    def redirected(self, node: Any) -> None:
        body = None
        writes: list[str] = []
        heredoc_bodies: list[Any] = []
        for c in node.children:
            if c.type in ("file_redirect", "heredoc_redirect"):
                writes += self.redirect_targets(c)
                if c.type == "heredoc_redirect":
                    heredoc_bodies += [h for h in c.children if h.type == "heredoc_body"]
            elif c.is_named and body is None:
                body = c
        if body is None:
            return
        if body.type == "command":
            self.command(body, writes, heredoc_bodies)
        else:
            self.walk(body)
            if writes and self.out:
                self.out[-1].writes_files.extend(writes)

    def redirect_targets(self, node: Any) -> list[str]:
        out: list[str] = []
        op = ""
        for c in node.children:
            if not c.is_named:
                op = c.type
            elif c.type == "file_redirect":
                out += self.redirect_targets(c)
            elif c.type in _ARG_TYPES and op in (">", ">>", "&>", "&>>", ">|"):
                target = word_value(c)
                if target not in _NULL_FILES:
                    out.append(target)
        return out

    def command(self, node: Any, writes: list[str], heredoc_bodies: list[Any] | None = None) -> None:
        assignments: dict[str, str] = {}
        argv: list[str] = []
        for c in node.children:
            if c.type == "variable_assignment" and not argv:
                k, v = self.assignment(c)
                if k:
                    assignments[k] = v
            elif c.type == "command_name":
                argv.append("".join(word_value(x) for x in c.children) if c.children else word_value(c))
            elif c.type == "file_redirect":
                writes = writes + self.redirect_targets(c)
            elif c.type in _ARG_TYPES:
                argv.append(word_value(c))
        text = node.text.decode("utf-8", "replace")
        line = self.line_of(node.start_byte)
        if not argv:  # bare assignments: shell variables (environment if already exported)
            for k, v in assignments.items():
                if k in self.env:
                    self.env[k] = v
            return
        emit(argv, text, line, assignments, self.env, writes, self.heredoc, self.depth, self.out,
             [b.text.decode("utf-8", "replace") for b in heredoc_bodies or []])


def _strip_wrappers(argv: list[str], assignments: dict[str, str]) -> list[str]:
    for _ in range(8):
        if not argv:
            return argv
        name = argv[0].rsplit("/", 1)[-1]
        if name == "env":
            i = 1
            while i < len(argv):
                a = argv[i]
                if a in ("-u", "--unset", "-C", "--chdir", "-S") and i + 1 < len(argv):
                    i += 2
                    continue
                if a.startswith("-"):
                    i += 1
                    continue
                if "=" in a and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", a):
                    k, _, v = a.partition("=")
                    assignments[k] = v
                    i += 1
                    continue
                break
            argv = argv[i:]
        elif name in WRAPPERS:
            i = 1
            while i < len(argv) and argv[i].startswith("-"):
                if argv[i] in ("-u", "-g", "-n") and i + 1 < len(argv):
                    i += 1
                i += 1
            argv = argv[i:]
        else:
            return argv
    return argv


def _shell_script(argv: list[str]) -> str | None:
    """The script of ``sh -c SCRIPT`` / ``bash -ec SCRIPT``, else None."""
    if not argv or argv[0].rsplit("/", 1)[-1] not in SHELLS:
        return None
    i = 1
    want_c = False
    while i < len(argv):
        a = argv[i]
        if a == "-c" or (a.startswith("-") and not a.startswith("--") and "c" in a[1:] and "o" not in a[1:]):
            want_c = True
            i += 1
            continue
        if a in ("-o", "+o") and i + 1 < len(argv):
            i += 2
            continue
        if a.startswith("-") or a.startswith("+"):
            i += 1
            continue
        return a if want_c else None
    return None


def emit(argv: list[str], text: str, line: int, assignments: dict[str, str], env: dict[str, str],
         writes: list[str], heredoc: bool, depth: int, out: list[Command], stdin_scripts: list[str] | None = None
         ) -> None:
    assignments = dict(assignments)
    argv = _strip_wrappers(argv, assignments)
    cmd_env = dict(env)
    cmd_env.update(assignments)
    if not argv:
        return
    if depth < _MAX_DEPTH:
        script = _shell_script(argv)
        if script is None and stdin_scripts and argv[0].rsplit("/", 1)[-1] in SHELLS and (
                len(argv) == 1 or all(a.startswith("-") for a in argv[1:])):
            script = "\n".join(stdin_scripts)
        if script is not None:
            split_script(script, lambda b, _l=line, _s=script.encode(): _l + _s[:b].count(b"\n"), cmd_env,
                         heredoc=heredoc, depth=depth + 1, out=out)
            return
    c = Command(argv=argv, text=text, line=line, assignments=assignments, env=cmd_env, heredoc=heredoc)
    c.go = parse_go(argv)
    c.package_install = parse_package_install(argv)
    c.git_insteadof = parse_git_insteadof(argv)
    c.writes_files = list(writes) + written_files(argv)
    out.append(c)


def split_script(script: str, line_of: Callable[[int], int], env: dict[str, str], *, heredoc: bool = False,
                 depth: int = 0, out: list[Command] | None = None) -> list[Command]:
    """Split a shell script into its simple commands. ``line_of(byte_offset)`` gives the Dockerfile line;
    ``env`` (copied) is the environment the script starts with."""
    out = [] if out is None else out
    src = script.encode("utf-8", "replace")
    try:
        tree = parser().parse(src)
    except Exception:  # noqa: BLE001 - a grammar failure must not stop the lint
        return out
    _Walker(src, line_of, dict(env), heredoc, depth, out).walk(tree.root_node)
    return out


# --------------------------------------------------------------------------------------------
# RUN instructions

_BARE_HEREDOC = re.compile(r"^\s*<<-?\s*(['\"]?)([A-Za-z0-9_.-]+)\1\s*$")
_NON_SHELL_SHEBANG = re.compile(r"^#!\s*\S*(python|perl|ruby|node|php)")


def _fragment_lines(lines: list[str], start_line: int, escape: str) -> list[tuple[int, str]]:
    """The continuation fragments BuildKit joins for one instruction: (line, text) pairs."""
    frags: list[tuple[int, str]] = []
    for i, raw in enumerate(lines):
        line = raw.rstrip("\r\n")
        if i > 0 and (not line.strip() or line.lstrip().startswith("#")):
            continue
        stripped = line.rstrip(" \t")
        if stripped.endswith(escape):
            frags.append((start_line + i, stripped[: -len(escape)]))
        else:
            frags.append((start_line + i, line))
            break
    return frags


def run_commands(value: tuple[str, ...], json_form: bool, heredocs: list[tuple[str, str]], original: str,
                 source_lines: list[str], start_line: int, env: dict[str, str], escape: str = "\\"
                 ) -> list[Command]:
    """The simple commands of one RUN. ``source_lines`` are the Dockerfile lines of the instruction."""
    out: list[Command] = []
    if json_form:
        argv = list(value)
        emit(argv, " ".join(argv), start_line, {}, env, [], False, 0, out)
        return out
    text = value[0] if value else ""
    if heredocs:
        m = _BARE_HEREDOC.match(text)
        if m:
            body = heredocs[0][1]
            if _NON_SHELL_SHEBANG.match(body):
                return out
            b = body.encode()
            return split_script(body, lambda off: start_line + 1 + b[:off].count(b"\n"), env, heredoc=True)
        script = text + "\n" + "".join(f"{body}{name}\n" for name, body in heredocs)
        tb = len(text.encode())
        sb = script.encode()

        def line_of_h(off: int) -> int:
            if off <= tb:
                return start_line
            return start_line + sb[:off].count(b"\n")

        cmds = split_script(script, line_of_h, env)
        for c in cmds:
            if c.line > start_line:
                c.heredoc = True
        return cmds
    # shell form: map byte offsets of the joined text back to source lines
    frags = _fragment_lines(source_lines, start_line, escape)
    joined = "".join(f for _, f in frags)
    pos = joined.rfind(text) if text else -1
    bounds: list[tuple[int, int]] = []  # (end offset in joined, line)
    acc = 0
    for ln, f in frags:
        acc += len(f)
        bounds.append((acc, ln))
    tbytes = text.encode()
    ascii_text = len(tbytes) == len(text)

    def line_of(off: int) -> int:
        if pos < 0:
            return start_line
        ch = off if ascii_text else len(tbytes[:off].decode("utf-8", "ignore"))
        at = pos + ch
        for end, ln in bounds:
            if at < end:
                return ln
        return bounds[-1][1] if bounds else start_line

    return split_script(text, line_of, env)
