"""The explorer's view of an image: marks, views, sizes, filters, search (pure model, no terminal)."""

from __future__ import annotations

from pathlib import Path

import pytest

from golayer.image.analyse import analyse
from golayer.image.explore import ADDED, MODIFIED, REMOVED, UNCHANGED, Explorer
from tests.explore.helpers import sample_image


@pytest.fixture()
def ex(tmp_path: Path) -> Explorer:
    return Explorer(analyse(f"docker-archive:{sample_image(tmp_path)}"))


def marks(ex: Explorer, layer: int, changes: bool) -> dict[str, str]:
    return {n.path: n.mark for n in ex.walk(layer, changes) if not n.is_dir}


def test_aggregated_view_per_layer(ex: Explorer) -> None:
    assert marks(ex, 0, False) == {"/etc/passwd": ADDED, "/usr/bin/tool": ADDED}
    m1 = marks(ex, 1, False)
    assert m1["/usr/bin/tool"] == MODIFIED and m1["/etc/passwd"] == UNCHANGED
    assert m1["/root/.cache/go-build/ab/abcdef-d"] == ADDED
    m2 = marks(ex, 2, False)
    assert m2["/app"] == ADDED and m2["/root/.cache/go-build/ab/abcdef-d"] == REMOVED
    assert "/usr/bin/tool" in m2 and m2["/usr/bin/tool"] == UNCHANGED


def test_changes_view_shows_only_the_layer(ex: Explorer) -> None:
    assert marks(ex, 1, True) == {"/root/.cache/go-build/ab/abcdef-d": ADDED, "/src/main.go": ADDED,
                                  "/usr/bin/tool": MODIFIED}
    assert marks(ex, 2, True) == {"/app": ADDED, "/root/.cache/go-build/ab/abcdef-d": REMOVED}


def test_wasted_marks_and_directory_sizes(ex: Explorer) -> None:
    cache = ex.node("/root/.cache/go-build/ab/abcdef-d", 1, False)
    assert cache.wasted and cache.size == 50_000  # a later layer hides it: its bytes are waste
    root = ex.node("/root", 1, False)
    assert root.is_dir and root.size == 50_000 and root.wasted
    assert ex.node("/usr", 1, False).size == 2000  # the modified tool, not both versions
    assert ex.node("/", 2, False).size == sum(len(b) for b in [b"root:x:0:0::/root:/bin/sh\n"]) + 2000 + 3000 + len(
        b"package main\n")


def test_filters_and_search(ex: Explorer) -> None:
    top = ex.children("/", 1, False, wasted_only=True)
    assert [n.name for n in top] == ["root"]
    only_added = ex.children("/usr/bin", 1, False, marks={MODIFIED})
    assert [n.name for n in only_added] == ["tool"]
    assert ex.children("/usr", 1, False, marks={REMOVED}) == []
    assert [n.path for n in ex.search("MAIN", 2, False)] == ["/src/main.go"]
    by_size = ex.children("/", 2, False, by_size=True)
    assert by_size[0].name == "app" or by_size[0].size >= by_size[-1].size


def test_details_list_every_version(ex: Explorer) -> None:
    d = ex.details("/usr/bin/tool")
    assert [(v["layer"], v["size"], v["hidden_at"]) for v in d["versions"]] == [(0, 1000, 1), (1, 2000, None)]
