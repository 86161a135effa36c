"""The LSP wiring (pygls + lsprotocol): documents in, diagnostics, code actions, hover and completion out.

* Diagnostics on open and save at once, on change after a short debounce (``DEBOUNCE`` seconds, the last
  edit wins), with the rule code, a link to the rule's docs, severity, and tags where they fit.
* Code actions: each fix as a quick fix (safe ones preferred; unsafe ones labelled), "Fix all safe golayer
  problems" (``source.fixAll.golayer``) and "Ignore RULE here" (adds the pragma above the instruction).
* Hover on a rule name or code in a ``# golayer ignore=`` pragma: the rule's documentation. Completion of rule
  names inside the pragma.
* The configuration (``.golayer.toml`` / ``pyproject.toml``) is re-read after such a file is saved or changed
  on disk, and every open document is analysed again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from golayer import __version__
from golayer.findings import Applicability, Finding, Severity
from golayer.server.analysis import (PRAGMA, ConfigCache, ProjectCache, Result, Text, analyse, fix_all, pragma_prefix,
                                     word_at)

DEBOUNCE = 0.15
SOURCE = "golayer"
FIX_ALL_KIND = "source.fixAll.golayer"
_SEVERITY = {Severity.ERROR: lsp.DiagnosticSeverity.Error, Severity.WARNING: lsp.DiagnosticSeverity.Warning,
             Severity.INFO: lsp.DiagnosticSeverity.Information}
_UNNECESSARY = {"redundant-go111module", "golayer-unused-pragma"}
_CONFIG_NAMES = ("pyproject.toml", ".golayer.toml")


class GolayerServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("golayer", __version__)
        self.configs = ConfigCache()
        self.projects = ProjectCache()
        self.results: dict[str, tuple[int | None, Result]] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.shown_errors: set[str] = set()

    # --- helpers -------------------------------------------------------------------------------------
    def encoding(self) -> str:
        enc = getattr(self.workspace, "position_encoding", None) or lsp.PositionEncodingKind.Utf16
        return str(getattr(enc, "value", enc)).replace("utf", "utf-").replace("--", "-")

    def document(self, uri: str):
        return self.workspace.get_text_document(uri)

    def analyse_uri(self, uri: str) -> None:
        self.pending.pop(uri, None)
        doc = self.document(uri)
        if self.projects.root is None:
            root = self.workspace.root_path
            self.projects.root = Path(root).resolve() if root else None
        res = analyse(doc.path, doc.source, doc.language_id, self.configs, self.projects)
        self.results[uri] = (doc.version, res)
        if res.error and res.error not in self.shown_errors:
            self.shown_errors.add(res.error)
            self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=res.error))
        if res.kind == "none":
            return
        text = Text(res.text, self.encoding())
        diags = [diagnostic(f, text, uri, res.stage_lines) for f in res.findings if f.line]
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diags, version=doc.version))

    def schedule(self, uri: str, delay: float) -> None:
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        if delay <= 0:
            self.analyse_uri(uri)
            return
        loop = asyncio.get_running_loop()
        self.pending[uri] = loop.call_later(delay, self.analyse_uri, uri)

    def config_changed(self) -> None:
        self.configs.invalidate()
        self.shown_errors.clear()
        for uri in list(self.results):
            if uri in self.workspace.text_documents:
                self.analyse_uri(uri)


def diagnostic(f: Finding, text: Text, uri: str = "", stage_lines: dict[str, int] | None = None) -> lsp.Diagnostic:
    from golayer import catalogue

    first = max(0, (f.line or 1) - 1)
    last = max(first, (f.end_line or f.line or 1) - 1)
    href = None
    try:
        href = catalogue.get(f.rule).help_uri
    except Exception:  # noqa: BLE001 - tool findings (parse errors) have no page
        pass
    message = f.message + (f"\n{f.hint}" if f.hint and f.hint not in f.message else "")
    tags = [lsp.DiagnosticTag.Unnecessary] if f.rule in _UNNECESSARY else None
    related = None
    stage_line = (stage_lines or {}).get(str(f.stage)) if f.stage is not None else None
    if uri and stage_line and stage_line != f.line:
        ln = stage_line - 1
        related = [lsp.DiagnosticRelatedInformation(
            location=lsp.Location(uri=uri, range=lsp.Range(start=lsp.Position(line=ln, character=0),
                                                           end=lsp.Position(line=ln, character=text.line_end(ln)))),
            message=f"stage {f.stage}")]
    return lsp.Diagnostic(
        range=lsp.Range(start=lsp.Position(line=first, character=0),
                        end=lsp.Position(line=last, character=text.line_end(last))),
        message=message, severity=_SEVERITY[f.severity], code=f.code, source=SOURCE,
        code_description=lsp.CodeDescription(href=href) if href else None, tags=tags,
        related_information=related,
        data={"rule": f.rule, "fingerprint": f.fingerprint()})


def _edit_of(uri: str, text: Text, edits) -> lsp.WorkspaceEdit:
    changes = []
    for e in edits:
        sl, sc = text.position(e.start)
        el, ec = text.position(e.end)
        changes.append(lsp.TextEdit(range=lsp.Range(start=lsp.Position(line=sl, character=sc),
                                                    end=lsp.Position(line=el, character=ec)), new_text=e.text))
    return lsp.WorkspaceEdit(changes={uri: changes})


def _whole(uri: str, text: Text, new: str) -> lsp.WorkspaceEdit:
    last = len(text.starts) - 1
    rng = lsp.Range(start=lsp.Position(line=0, character=0),
                    end=lsp.Position(line=last, character=text.line_end(last)))
    return lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(range=rng, new_text=new)]})


def create_server() -> GolayerServer:
    server = GolayerServer()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: GolayerServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: GolayerServer, params: lsp.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith(_CONFIG_NAMES):
            return
        ls.schedule(uri, DEBOUNCE)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: GolayerServer, params: lsp.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if uri.endswith(_CONFIG_NAMES):
            ls.config_changed()
            return
        if ls.projects.affected_by(ls.document(uri).path):  # a build definition changed: contexts may differ
            ls.projects.invalidate()
            ls.config_changed()
        ls.schedule(uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: GolayerServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        handle = ls.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        ls.results.pop(uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: GolayerServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        if any(ls.projects.affected_by(c.uri) for c in params.changes):
            ls.projects.invalidate()
        if any(c.uri.endswith(_CONFIG_NAMES) or ls.projects.affected_by(c.uri) for c in params.changes):
            ls.config_changed()

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL_KIND]))
    def code_action(ls: GolayerServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        uri = params.text_document.uri
        doc = ls.document(uri)
        version, res = ls.results.get(uri, (None, None))
        if res is None or version != doc.version or res.text != doc.source:
            ls.analyse_uri(uri)
            version, res = ls.results[uri]
        if res.kind == "none":
            return []
        text = Text(res.text, ls.encoding())
        lo, hi = params.range.start.line + 1, params.range.end.line + 1
        only = params.context.only
        actions: list[lsp.CodeAction] = []
        want_quick = not only or any(str(k).startswith("quickfix") for k in only)
        for f in res.findings:
            if not f.line or not (f.line <= hi and (f.end_line or f.line) >= lo) or not want_quick:
                continue
            diag = diagnostic(f, text, uri, res.stage_lines)
            if f.fix is not None and f.fix.edits:
                safe = f.fix.applicability is Applicability.SAFE
                actions.append(lsp.CodeAction(
                    title=f"golayer: {f.fix.description}" + ("" if safe else " (unsafe: may change behaviour)"),
                    kind=lsp.CodeActionKind.QuickFix, diagnostics=[diag], is_preferred=safe,
                    edit=_edit_of(uri, text, f.fix.edits)))
            if res.kind == "dockerfile" and not f.rule.startswith("golayer-"):
                line = f.line - 1
                indent = text.line(line)[:len(text.line(line)) - len(text.line(line).lstrip())]
                actions.append(lsp.CodeAction(
                    title=f"golayer: ignore {f.rule} here", kind=lsp.CodeActionKind.QuickFix, diagnostics=[diag],
                    edit=lsp.WorkspaceEdit(changes={uri: [lsp.TextEdit(
                        range=lsp.Range(start=lsp.Position(line=line, character=0),
                                        end=lsp.Position(line=line, character=0)),
                        new_text=f"{indent}# golayer ignore={f.rule}\n")]})))
        if res.kind == "dockerfile" and (not only or any(str(k).startswith("source") for k in only)) and any(
                f.fix is not None and f.fix.applicability is Applicability.SAFE for f in res.findings):
            new = fix_all(doc.path, res.text, ls.configs)
            if new != res.text:
                actions.append(lsp.CodeAction(title="golayer: fix all safe problems", kind=FIX_ALL_KIND,
                                              edit=_whole(uri, text, new)))
        return actions

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: GolayerServer, params: lsp.HoverParams) -> lsp.Hover | None:
        from golayer import catalogue

        doc = ls.document(params.text_document.uri)
        text = Text(doc.source, ls.encoding())
        line = text.line(params.position.line)
        if not PRAGMA.match(line):
            return None
        col = text.offset(params.position.line, params.position.character) - text.starts[params.position.line]
        word = word_at(line, col)
        if not word:
            return None
        try:
            rule = catalogue.get(word)
        except Exception:  # noqa: BLE001 - not a rule name
            return None
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown,
                                                    value=f"**{rule.name}** `{rule.code}` — {rule.summary}\n\n"
                                                          f"{rule.docs}"))

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["=", ","]))
    def completion(ls: GolayerServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
        from golayer import catalogue

        doc = ls.document(params.text_document.uri)
        text = Text(doc.source, ls.encoding())
        line = text.line(params.position.line)
        col = text.offset(params.position.line, params.position.character) - text.starts[params.position.line]
        typed = pragma_prefix(line, col)
        if typed is None:
            return None
        items = [lsp.CompletionItem(label=r.name, kind=lsp.CompletionItemKind.EnumMember, detail=r.code,
                                    documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=r.summary))
                 for r in catalogue.rules("dockerfile") if r.name.startswith(typed) or r.code.startswith(typed.upper())]
        return lsp.CompletionList(is_incomplete=False, items=items)

    return server


MAX_MESSAGE = 64 * 1024 * 1024  # bytes of one LSP message; editors send far less (a document at a time)
MAX_HEADER_LINE = 64 * 1024


class BoundedStdin:
    """Standard input for pygls with bounded reads: a header line is read at most MAX_HEADER_LINE bytes at a
    time, and a Content-Length over MAX_MESSAGE ends the session (read returns EOF) instead of allocating it."""

    def __init__(self, raw: Any):
        self.raw = raw
        self.refused: int | None = None

    def readline(self) -> bytes:
        return self.raw.readline(MAX_HEADER_LINE)

    def read(self, n: int) -> bytes:
        if n > MAX_MESSAGE:
            self.refused = n
            return b""
        return self.raw.read(n)


def _quiet_library_logs() -> None:
    """pygls logs a client's malformed message with a full traceback on stderr; an editor shows stderr
    to users, so such records become one line (``golayer server: Unable to handle message:
    JSONDecodeError: ...``). The server goes on and tells the client through window/showMessage."""
    import logging

    class OneLine(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            msg = f"golayer server: {record.getMessage()}"
            if record.exc_info and record.exc_info[1] is not None:
                exc = record.exc_info[1]
                msg += f": {type(exc).__name__}: {exc}"
            return msg.replace("\n", " ")

    handler = logging.StreamHandler()
    handler.setFormatter(OneLine())
    log = logging.getLogger("pygls")
    log.handlers[:] = [handler]
    log.setLevel(logging.WARNING)
    log.propagate = False


def main() -> None:
    import sys

    from golayer.errors import InputError

    _quiet_library_logs()
    stdin = BoundedStdin(sys.stdin.buffer)
    create_server().start_io(stdin=stdin)
    if stdin.refused is not None:
        raise InputError(f"an LSP message of {stdin.refused} bytes is over the {MAX_MESSAGE >> 20} MiB limit; "
                         "the server stopped")
