"""The fast line-anchored scans of manifests (document splits, top-level kinds, the sniff of
discovery) find exactly what the plain ``^...$`` re.MULTILINE patterns find."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from golayer.project import discover
from golayer.runtime import manifests

SPLIT = re.compile(r"^---(?:[ \t].*)?$|^\.\.\.[ \t]*$", re.MULTILINE)
KIND = re.compile(r"^kind:[ \t]*['\"]?([A-Za-z0-9]+)", re.MULTILINE)
SNIFF_KIND = re.compile(rb"^kind:[ \t]*['\"]?(\w+)", re.MULTILINE)
DEEP = re.compile(r"^[ \t]{%d}" % manifests.MAX_INDENT, re.MULTILINE)

PIECES = ["---", "--- x", "---\t# c", "----", "...", "... ", "....", "kind: Deployment", "kind:'Pod'",
          'kind: "CronJob"', " kind: Job", "kind:", "apiVersion: v1", "a: b", "", " ", "\t", "#", "x---",
          "\r", "---\r", "ü", " " * manifests.MAX_INDENT + "x"]


def _reference_chunks(text):
    pos = line = 0
    for m in SPLIT.finditer(text):
        chunk = text[pos:m.start()]
        yield chunk, line
        line += chunk.count("\n") + m.group(0).count("\n")
        sep = m.group(0)
        pos = m.start() + (3 if sep.startswith("---") else len(sep))
    yield text[pos:], line


texts = st.lists(st.sampled_from(PIECES), max_size=30).flatmap(
    lambda parts: st.lists(st.sampled_from(["\n", "\n\n", "", " "]), min_size=len(parts), max_size=len(parts)).map(
        lambda seps: "".join(p + s for p, s in zip(parts, seps))))


@settings(max_examples=400, deadline=None)
@given(texts)
def test_chunks_and_kinds_match_the_multiline_patterns(text):
    assert list(manifests._chunks(text)) == list(_reference_chunks(text))
    assert manifests._TOP_KIND_NL.findall("\n" + text) == KIND.findall(text)
    assert bool(manifests._DEEP_INDENT_NL.search("\n" + text)) == bool(DEEP.search(text))
    data = text.encode()
    assert discover._SNIFF_KIND_NL.findall(b"\n" + data) == SNIFF_KIND.findall(data)
    assert bool(discover._SNIFF_API_NL.search(b"\n" + data)) == bool(re.search(rb"^apiVersion:", data, re.MULTILINE))


def test_examples():
    text = "a: 1\n--- # doc\nkind: Pod\n...\n---\nkind: 'Job'\n"
    assert list(manifests._chunks(text)) == list(_reference_chunks(text))
    assert [c for c, _ in manifests._chunks(text)] == ["a: 1\n", " # doc\nkind: Pod\n", "\n", "\nkind: 'Job'\n"]


def _reference_main_package_godebug(root, max_files=3000, head=8192):
    """The plain version: Path.iterdir, `^package` under re.M."""
    seen = {}
    count = 0
    stack = [root]
    pkg = re.compile(r"^package\s+main\b", re.M)
    directive = re.compile(r"^//go:debug\s+([A-Za-z0-9_]+)=(\S+)", re.M)
    while stack and count < max_files:
        d = stack.pop()
        try:
            entries = sorted(d.iterdir())
        except OSError:
            continue
        for p in entries:
            if p.is_symlink():
                continue
            if p.is_dir():
                if p.name not in ("vendor", "testdata", "node_modules") and not p.name.startswith((".", "_")):
                    stack.append(p)
                continue
            if not p.name.endswith(".go") or p.name.endswith("_test.go"):
                continue
            count += 1
            if count > max_files:
                break
            text = p.read_bytes()[:head].decode("utf-8", "replace")
            m = pkg.search(text)
            if not m:
                continue
            for k, v in directive.findall(text[:m.start()]):
                seen.setdefault(k, set()).add(v)
    return {k: next(iter(v)) for k, v in seen.items() if len(v) == 1}


def test_main_package_godebug_matches_the_plain_walk(tmp_path):
    import random

    from golayer.runtime.detect import main_package_godebug

    rng = random.Random(3)
    heads = ["//go:debug containermaxprocs=0\n", "//go:debug containermaxprocs=1\n", "//go:debug panicnil=1\n",
             "// x\n", "", " //go:debug madvdontneed=1\n", "/* c */\n"]
    clauses = ["package main\n", "package  main // cmd\n", "package mainx\n", "package lib\n", " package main\n",
               "packagemain\n"]
    dirs = ["", "cmd/a", "cmd/b", "vendor/x", "_tools", ".git", "testdata", "internal/deep/er", "Z", "a"]
    for i in range(120):
        d = tmp_path / rng.choice(dirs)
        d.mkdir(parents=True, exist_ok=True)
        name = f"f{i}" + rng.choice([".go", "_test.go", ".txt", ".go"])
        (d / name).write_text("".join(rng.choice(heads) for _ in range(rng.randint(0, 3))) + rng.choice(clauses))
    (tmp_path / "cmd" / "link").symlink_to(tmp_path / "cmd" / "a")
    (tmp_path / "cmd" / "l.go").symlink_to(tmp_path / "cmd" / "a" / "f0.go")
    for limit in (3000, 7, 1):
        assert main_package_godebug(tmp_path, max_files=limit) == \
            _reference_main_package_godebug(tmp_path, max_files=limit), limit
