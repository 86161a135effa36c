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
