"""golayer explore in Textual's headless Pilot: panes, marks, views, filters, search, help, jump to finding.

Screens are saved as SVG screenshots (docs/explore.md shows them) when GOLAYER_SCREENSHOTS names a directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from textual.widgets import DataTable, Tree

from golayer.findings import Finding, Severity
from golayer.image.analyse import analyse
from golayer.image.explore import Node
from golayer.tui.explore import ExploreApp
from tests.explore.helpers import sample_image

SHOTS = os.environ.get("GOLAYER_SCREENSHOTS")


def _app(tmp_path: Path, findings=None) -> ExploreApp:
    return ExploreApp(analyse(f"docker-archive:{sample_image(tmp_path)}"), findings or [])


def _shown(app: ExploreApp) -> list[str]:
    """Labels of the visible tree lines (expanded nodes included), as a user reads them."""
    tree = app.query_one("#files", Tree)
    out = []

    def walk(node) -> None:
        for c in node.children:
            out.append(str(c.label))
            if c.is_expanded:
                walk(c)

    walk(tree.root)
    return out


def _shot(app: ExploreApp, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        app.save_screenshot(str(Path(SHOTS) / f"{name}.svg"))


@pytest.mark.asyncio
async def test_opens_on_the_last_layer_with_the_whole_image(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        layers = app.query_one("#layers", DataTable)
        assert layers.row_count == 3 and layers.cursor_row == 2
        lines = _shown(app)
        assert any(line.startswith("+ app") for line in lines)
        assert any(line.startswith("  usr/") for line in lines)
        _shot(app, "explore-whole-image")


@pytest.mark.asyncio
async def test_layer_changes_view_and_marks(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        app.query_one("#layers", DataTable).focus()
        await pilot.press("up")  # layer 1
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert "changes of layer 1" in str(app.query_one("#status").render())
        tree = app.query_one("#files", Tree)
        usr = next(c for c in tree.root.children if c.data.path == "/usr")
        usr.expand()
        await pilot.pause()
        binn = usr.children[0]
        binn.expand()
        await pilot.pause()
        assert [str(c.label).split("  ")[0] for c in binn.children] == ["~ tool"]
        root = next(c for c in tree.root.children if c.data.path == "/root")
        assert str(root.label).startswith("! root/")  # its cache is hidden by layer 2: wasted
        _shot(app, "explore-layer-changes")


@pytest.mark.asyncio
async def test_removed_marks_and_toggles(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+l")  # layer 2's changes: app added, cache removed
        await pilot.pause()
        names = [c.data.path for c in app.query_one("#files", Tree).root.children]
        assert names == ["/root", "/app"]
        await pilot.press("ctrl+r")  # hide removed
        await pilot.pause()
        assert [c.data.path for c in app.query_one("#files", Tree).root.children] == ["/app"]
        await pilot.press("ctrl+r", "ctrl+a")  # removed back, added hidden
        await pilot.pause()
        assert [c.data.path for c in app.query_one("#files", Tree).root.children] == ["/root"]


@pytest.mark.asyncio
async def test_wasted_only_search_sort_and_help(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        app.query_one("#layers", DataTable).focus()
        await pilot.press("up")
        await pilot.pause()
        app.query_one("#files", Tree).focus()
        await pilot.press("w")
        await pilot.pause()
        assert [c.data.path for c in app.query_one("#files", Tree).root.children] == ["/root"]
        await pilot.press("w", "slash")
        await pilot.press(*"main")
        await pilot.pause(0.3)  # results follow the last key after a short pause
        hits = [c.data.path for c in app.query_one("#files", Tree).root.children]
        assert hits == ["/src/main.go"]
        _shot(app, "explore-search")
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.query_one("#files", Tree).root.children) > 1
        await pilot.press("s")
        await pilot.pause()
        sizes = [c.data.size for c in app.query_one("#files", Tree).root.children]
        assert sizes == sorted(sizes, reverse=True)
        await pilot.press("question_mark")
        await pilot.pause()
        assert "Ctrl+L" in str(app.screen.query_one("#help").render())
        _shot(app, "explore-help")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]


@pytest.mark.asyncio
async def test_finding_jumps_to_its_layer_and_path(tmp_path: Path) -> None:
    f = Finding(rule="image-go-build-cache", code="GLI001", severity=Severity.WARNING,
                message="build cache", extra={"layer": 1, "path": "/root/.cache/go-build/ab/abcdef-d"})
    app = _app(tmp_path, [f])
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        fd = app.query_one("#findings", DataTable)
        fd.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one("#layers", DataTable).cursor_row == 1
        node = app.query_one("#files", Tree).cursor_node
        assert isinstance(node.data, Node) and node.data.path == "/root/.cache/go-build/ab/abcdef-d"
        assert "hidden by layer 2" in str(app.query_one("#details").render())
        _shot(app, "explore-finding")


@pytest.mark.asyncio
async def test_hostile_names_do_not_become_markup(tmp_path: Path) -> None:
    from tests.image.helpers import Layer, docker_archive

    img = docker_archive(tmp_path / "h.tar", [Layer().file("[b]x[reverse]y", 10).file("esc\x1b[2Jname", 5)],
                         history=[{"created_by": "RUN [link=http://x]y"}])
    app = ExploreApp(analyse(f"docker-archive:{img}"), [])
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        labels = _shown(app)
        assert any("[b]x[reverse]y" in line for line in labels)
        assert any("esc\\x1b[2Jname" in line for line in labels)
