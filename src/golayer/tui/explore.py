"""``golayer explore``: the image in a terminal — layers, the file tree as of a layer, details, findings.

Panes (Tab / Shift+Tab move between them, the mouse works too):

* **layers**: index, size, a bar of the layer's bytes by category, the instruction that made it;
  moving the cursor selects the layer the tree shows;
* **files**: the tree as of the selected layer — aggregated (the whole image, Ctrl+G) or that layer's changes
  only (Ctrl+L); marks ``+`` added, ``~`` modified, ``-`` removed, ``!`` hidden by a later layer (wasted);
  Space/Enter expand and collapse, ``/`` searches paths as you type, Esc leaves the search;
* **details**: the selected path's versions (layer, size, category, which layer hid it) and, for a binary,
  its Go version, linkage, interpreter and missing libraries;
* **findings**: golayer's image findings; Enter jumps to the finding's layer and path.

Toggles: Ctrl+A added, Ctrl+R removed, Ctrl+N modified, Ctrl+U unchanged, ``w`` wasted only, ``c`` cycles a
category filter, ``s`` sorts by size, ``?`` lists the keys, ``q`` quits. The tree is built lazily: a directory's
children are listed when it is expanded, so a 100k-entry image opens as soon as the analysis is done.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Static, Tree
from textual.widgets.tree import TreeNode

from golayer.image.explore import ADDED, MARKS, MODIFIED, REMOVED, UNCHANGED, Explorer, Node

MARK_SIGN = {ADDED: "+", MODIFIED: "~", REMOVED: "-", UNCHANGED: " "}
MARK_STYLE = {ADDED: "green", MODIFIED: "yellow", REMOVED: "red", UNCHANGED: ""}
CATEGORY_STYLE = {
    "go-build-cache": "red", "go-module-cache": "dark_orange", "go-toolchain": "magenta", "go-source": "yellow4",
    "vcs-metadata": "hot_pink", "go-env-file": "yellow", "c-toolchain": "grey50", "package-manager-cache": "cyan",
    "go-binary": "green", "os-base": "blue", "other": "grey70",
}
KEYS = [
    ("Tab / Shift+Tab", "next / previous pane"), ("↑ ↓ / j k", "move"), ("Space / Enter", "expand or collapse; "
     "in findings: jump to it"), ("/", "search paths (as you type); Esc leaves the search"),
    ("Ctrl+L", "this layer's changes only"), ("Ctrl+G", "the whole image as of this layer"),
    ("Ctrl+A", "show/hide added"), ("Ctrl+R", "show/hide removed"), ("Ctrl+N", "show/hide modified"),
    ("Ctrl+U", "show/hide unchanged"), ("w", "wasted only (hidden by a later layer)"),
    ("c", "cycle category filter"), ("s", "sort by size / by name"), ("?", "this help"), ("q", "quit"),
]


def human(n: int) -> str:
    for unit, k in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if abs(n) >= k:
            return f"{n / k:.1f} {unit}"
    return f"{n} B"


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close")]
    DEFAULT_CSS = "HelpScreen {align: center middle} #help {width: 72; border: round $accent; padding: 1 2}"

    def compose(self) -> ComposeResult:
        t = Text("golayer explore — keys\n\n", style="bold")
        for k, what in KEYS:
            t.append(f"{k:<18}", style="bold")
            t.append(f"{what}\n")
        yield Static(t, id="help")


class ExploreApp(App[None]):
    TITLE = "golayer explore"
    CSS = """
    #top {height: 1; padding: 0 1}
    #left {width: 50%}
    #layers {height: 1fr}
    #findings {height: 12}
    #status {height: 1; padding: 0 1}
    #search {display: none}
    #search.on {display: block}
    #details {height: 9; border-top: solid $accent; padding: 0 1}
    """
    BINDINGS = [
        Binding("q", "quit", "quit"), Binding("question_mark", "help", "help"),
        Binding("slash", "search", "search"), Binding("escape", "end_search", "", show=False),
        Binding("ctrl+l", "changes(True)", "layer changes"), Binding("ctrl+g", "changes(False)", "whole image"),
        Binding("ctrl+a", f"mark('{ADDED}')", "added", show=False),
        Binding("ctrl+r", f"mark('{REMOVED}')", "removed", show=False),
        Binding("ctrl+n", f"mark('{MODIFIED}')", "modified", show=False),
        Binding("ctrl+u", f"mark('{UNCHANGED}')", "unchanged", show=False),
        Binding("w", "wasted", "wasted only"), Binding("c", "category", "category"), Binding("s", "sort", "sort"),
        Binding("j", "move(1)", "", show=False), Binding("k", "move(-1)", "", show=False),
    ]

    def __init__(self, ana: Any, findings: list | None = None) -> None:
        super().__init__()
        self.ana = ana
        self.ex = Explorer(ana)
        self.findings = sorted(findings or [], key=lambda f: (-int(f.severity), f.rule))
        self.sel_layer = len(ana.layers) - 1
        self.changes = False
        self.marks: set[str] = set(MARKS)
        self.wasted_only = False
        self.categories = [None] + sorted({c for c in ana.categories})
        self.category: str | None = None
        self.by_size = False
        self.search_text = ""
        self._search_timer: Any = None

    # --- layout ----------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        a = self.ana
        yield Static(Text.assemble(("golayer explore ", "bold"), str(a.ref), "  ",
                                   f"{human(a.total_bytes)} in {len(a.layers)} layers, {human(a.wasted_bytes)} "
                                   f"wasted, efficiency {a.efficiency:.1%}"), id="top")
        with Horizontal():
            with Vertical(id="left"):
                yield DataTable(id="layers", cursor_type="row", zebra_stripes=True)
                yield DataTable(id="findings", cursor_type="row")
            with Vertical():
                yield Static(id="status")
                yield Input(placeholder="search paths…", id="search")
                yield Tree("/", id="files")
                yield Static(id="details")
        yield Footer()

    def on_mount(self) -> None:
        layers = self.query_one("#layers", DataTable)
        layers.add_columns("#", "size", "categories", "created by")
        for li in self.ana.layers:
            layers.add_row(Text(str(li.index)), Text(human(li.added_bytes)), self._bar(li),
                           Text(_one_line(li.created_by, 34)), key=str(li.index))
        layers.move_cursor(row=self.sel_layer)
        fd = self.query_one("#findings", DataTable)
        fd.add_columns("severity", "rule", "where")
        for i, f in enumerate(self.findings):
            fd.add_row(Text(str(f.severity)), Text(f.rule),
                       Text(_one_line(str(f.extra.get("path") or f.location or ""), 40)), key=str(i))
        tree = self.query_one("#files", Tree)
        tree.show_root = False
        tree.guide_depth = 2
        self.rebuild()
        tree.focus()

    def _bar(self, li: Any, width: int = 12) -> Text:
        total = sum(li.categories.values())
        t = Text()
        if not total:
            return t.append("·" * 0)
        used = 0
        for cat, n in sorted(li.categories.items(), key=lambda kv: -kv[1]):
            cells = max(1, round(width * n / total)) if n else 0
            cells = min(cells, width - used)
            if cells <= 0:
                break
            t.append("█" * cells, style=CATEGORY_STYLE.get(cat, "white"))
            used += cells
        return t

    # --- the tree --------------------------------------------------------------------------------------
    def _tree_filters(self) -> dict[str, Any]:
        return {"marks": None if self.marks == set(MARKS) else set(self.marks), "wasted_only": self.wasted_only,
                "category": self.category, "by_size": self.by_size}

    def _label(self, n: Node) -> Text:
        t = Text()
        sign = "!" if n.wasted and n.mark != REMOVED else MARK_SIGN[n.mark]
        t.append(f"{sign} ", style="bold red" if sign == "!" else MARK_STYLE[n.mark])
        name = _one_line(n.name, 80) + ("/" if n.is_dir else "")
        cat = n.version.category if n.version is not None and not n.is_dir else None
        t.append(name, style=CATEGORY_STYLE.get(cat, "") if cat else ("bold" if n.is_dir else ""))
        t.append(f"  {human(n.size)}", style="dim")
        return t

    def _fill(self, parent: TreeNode, path: str) -> None:
        for n in self.ex.children(path, self.sel_layer, self.changes, **self._tree_filters()):
            if n.path in self.ex.kids:
                parent.add(self._label(n), data=n, allow_expand=True)
            else:
                parent.add_leaf(self._label(n), data=n)

    def rebuild(self) -> None:
        tree = self.query_one("#files", Tree)
        tree.clear()
        tree.root.data = None
        if self.search_text:
            for n in self.ex.search(self.search_text, self.sel_layer, self.changes):
                tree.root.add_leaf(Text.assemble(self._label(n), "  ", (_one_line(n.path, 120), "dim")), data=n)
        else:
            self._fill(tree.root, "/")
        tree.root.expand()
        self._status()
        first = tree.root.children[0].data if tree.root.children else None
        if isinstance(first, Node):
            self._show_details(first)
        else:
            self.query_one("#details", Static).update(Text("nothing in this view", style="dim"))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        node = event.node
        n = node.data
        if isinstance(n, Node) and not node.children and n.path in self.ex.kids:
            self._fill(node, n.path)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        n = event.node.data
        if isinstance(n, Node):
            self._show_details(n)

    def _show_details(self, n: Node) -> None:
        d = self.ex.details(n.path)
        t = Text()
        t.append(_one_line(n.path, 200), style="bold")
        t.append(f"  {n.mark}{', wasted (hidden by a later layer)' if n.wasted else ''}\n")
        if n.is_dir:
            t.append(f"{human(n.size)} of files below it in this view\n")
        for v in d["versions"][-4:]:
            hid = f", hidden by layer {v['hidden_at']}" if v["hidden_at"] is not None else ""
            t.append(f"layer {v['layer']}: {v['type']} {human(v['size'])} {v['category'] or ''}{hid}\n")
        b = d.get("binary")
        if b:
            go = f"Go {b['go_version']} ({b['main']})" if b["go"] else "not Go"
            t.append(f"binary: {go}, {b['linkage']}, cgo={b['cgo']}, interpreter {b['interpreter'] or '-'}")
            if b["missing"]:
                t.append(f", MISSING {', '.join(b['missing'])}", style="bold red")
            t.append("\n")
        self.query_one("#details", Static).update(t)

    def _status(self) -> None:
        view = "changes of" if self.changes else "image as of"
        shown = "".join(MARK_SIGN[m] if m in self.marks else "" for m in (ADDED, MODIFIED, REMOVED)) or "none"
        parts = [f"{view} layer {self.sel_layer}", f"marks {shown}{' +unchanged' if UNCHANGED in self.marks else ''}"]
        if self.wasted_only:
            parts.append("wasted only")
        if self.category:
            parts.append(f"category {self.category}")
        if self.by_size:
            parts.append("by size")
        if self.search_text:
            parts.append(f"search {_one_line(self.search_text, 40)!r}")
        self.query_one("#status", Static).update(Text(" · ".join(parts), style="bold"))

    # --- events and actions ----------------------------------------------------------------------------
    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "layers" and event.row_key is not None:
            layer = int(event.row_key.value)
            if layer != self.sel_layer:
                self.sel_layer = layer
                self.rebuild()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "findings":
            self.jump(self.findings[int(event.row_key.value)])

    def jump(self, f: Any) -> None:
        """Select the finding's layer and reveal its path in the tree."""
        layer = f.extra.get("layer")
        if isinstance(layer, int) and 0 <= layer < len(self.ana.layers):
            self.sel_layer = layer
            self.query_one("#layers", DataTable).move_cursor(row=layer)
        self.search_text = ""
        self.changes = False
        self.rebuild()
        path = f.extra.get("path")
        tree = self.query_one("#files", Tree)
        if isinstance(path, str) and path.startswith("/"):
            node = tree.root
            parts = [p for p in path.split("/") if p]
            for i in range(len(parts)):
                want = "/" + "/".join(parts[: i + 1])
                nxt = next((c for c in node.children if isinstance(c.data, Node) and c.data.path == want), None)
                if nxt is None:
                    break
                node = nxt
                if want != path and nxt.allow_expand:
                    nxt.expand()
                    if not nxt.children:
                        self._fill(nxt, want)
            target = node

            def reveal() -> None:  # node lines exist once the tree has been laid out again
                tree.move_cursor(target)
                tree.scroll_to_node(target)
                if isinstance(target.data, Node):
                    self._show_details(target.data)

            self.call_after_refresh(reveal)
        tree.focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_changes(self, on: bool) -> None:
        self.changes = on
        self.rebuild()

    def action_mark(self, mark: str) -> None:
        self.marks ^= {mark}
        self.rebuild()

    def action_wasted(self) -> None:
        self.wasted_only = not self.wasted_only
        self.rebuild()

    def action_category(self) -> None:
        i = self.categories.index(self.category) if self.category in self.categories else 0
        self.category = self.categories[(i + 1) % len(self.categories)]
        self.rebuild()

    def action_sort(self) -> None:
        self.by_size = not self.by_size
        self.rebuild()

    def action_move(self, step: int) -> None:
        w = self.focused
        if isinstance(w, (Tree, DataTable)):
            (w.action_cursor_down if step > 0 else w.action_cursor_up)()

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.add_class("on")
        box.focus()

    def action_end_search(self) -> None:
        box = self.query_one("#search", Input)
        if box.has_class("on"):
            box.remove_class("on")
            box.value = ""
            self.search_text = ""
            self.rebuild()
            self.query_one("#files", Tree).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Search as you type: the box answers each key at once; the tree follows 120 ms after the last key."""
        self.search_text = event.value.strip()
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(0.12, self.rebuild)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#files", Tree).focus()


def _one_line(s: str, width: int) -> str:
    """A name from the image on one line, control characters shown as \\xNN, cut to ``width``."""
    out = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in s)
    return out if len(out) <= width else out[: width - 1] + "…"
