"""golayer server through a real LSP client over stdio (pytest-lsp): diagnostics, quick fixes, fix-all,
ignore pragma, hover, completion, YAML runtime rules, config reload."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

BAD = ("FROM golang:1.22 AS build\n"
       "ENV GO111MODULE=on\n"
       "RUN go env -w GOPROXY=https://proxy.golang.org,direct\n"
       "WORKDIR /src\n"
       "COPY . .\n"
       "RUN go build -o /app .\n"
       "FROM gcr.io/distroless/static-debian12:nonroot\n"
       "COPY --from=build /app /app\n"
       "ENTRYPOINT [\"/app\"]\n")

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: example/api:1
          env: [{name: GOMEMLIMIT, value: 768Mi}]
          resources: {limits: {memory: 1Gi, cpu: "1"}}
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "golayer", "server"],
                                              server_env=ENV))
async def client(lsp_client: LanguageClient, tmp_path_factory):
    root = tmp_path_factory.mktemp("ws")
    lsp_client.root = root
    await lsp_client.initialize_session(lsp.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=root.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=root.as_uri(), name="ws")]))
    yield
    await lsp_client.shutdown_session()


async def _open(client: LanguageClient, name: str, text: str, lang: str = "dockerfile") -> str:
    path = client.root / name
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri=uri, language_id=lang, version=1, text=text)))
    await _diagnostics(client, uri)
    return uri


async def _diagnostics(client: LanguageClient, uri: str, until=None) -> list[lsp.Diagnostic]:
    """The diagnostics of ``uri`` once published (and, with ``until``, once they satisfy it)."""
    for _ in range(20):
        params = await asyncio.wait_for(client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30)
        if params.uri == uri and (until is None or until(params)):
            return params.diagnostics
    raise AssertionError("no matching diagnostics")


def _apply(text: str, edits: list[lsp.TextEdit]) -> str:
    lines = text.split("\n")
    starts = [0]
    for ln in lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        s = starts[e.range.start.line] + e.range.start.character if e.range.start.line < len(starts) else len(text)
        t = starts[e.range.end.line] + e.range.end.character if e.range.end.line < len(starts) else len(text)
        text = text[:s] + e.new_text + text[t:]
    return text


@pytest.mark.asyncio
async def test_diagnostics_have_code_link_severity_and_tags(client: LanguageClient) -> None:
    uri = await _open(client, "Dockerfile", BAD)
    diags = client.diagnostics[uri]
    by_code = {d.code: d for d in diags}
    assert {"GLD001", "GLD002"} <= set(by_code), [d.code for d in diags]
    d = by_code["GLD001"]
    assert d.source == "golayer" and d.severity == lsp.DiagnosticSeverity.Warning
    assert d.range.start.line == 2 and d.code_description and "go-env-write" in d.code_description.href
    assert lsp.DiagnosticTag.Unnecessary in (by_code["GLD002"].tags or [])
    # related location: the FROM line of the stage the finding is about
    assert [(r.location.range.start.line, r.message) for r in d.related_information or []] == [(0, "stage build")]


@pytest.mark.asyncio
async def test_quick_fix_ignore_and_fix_all(client: LanguageClient) -> None:
    uri = await _open(client, "Dockerfile", BAD)
    diag = next(d for d in client.diagnostics[uri] if d.code == "GLD001")
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), range=diag.range,
        context=lsp.CodeActionContext(diagnostics=[diag])))
    titles = [a.title for a in actions]
    fix = next(a for a in actions if "ENV GOPROXY" in a.title)
    assert fix.is_preferred and fix.kind == lsp.CodeActionKind.QuickFix
    fixed = _apply(BAD, fix.edit.changes[uri])
    assert "ENV GOPROXY=https://proxy.golang.org,direct\n" in fixed and "go env -w" not in fixed
    ignore = next(a for a in actions if a.title == "golayer: ignore go-env-write here")
    assert _apply(BAD, ignore.edit.changes[uri]).splitlines()[2] == "# golayer ignore=go-env-write"
    assert any("fix all safe" in t for t in titles)
    fix_all = next(a for a in actions if "fix all safe" in a.title)
    everything = _apply(BAD, fix_all.edit.changes[uri])
    assert "go env -w" not in everything and "GO111MODULE" not in everything


@pytest.mark.asyncio
async def test_change_is_debounced_and_reanalysed(client: LanguageClient) -> None:
    uri = await _open(client, "Dockerfile", BAD)
    good = BAD.replace("ENV GO111MODULE=on\n", "").replace(
        "RUN go env -w GOPROXY=https://proxy.golang.org,direct\n", "")
    for version, text in ((2, BAD + "\n"), (3, good)):  # two quick edits: the last one wins
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))
    params = await asyncio.wait_for(client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 30)
    assert params.uri == uri and params.version == 3  # version 2 was never analysed: debounced
    assert not {"GLD001", "GLD002"} & {d.code for d in params.diagnostics}


@pytest.mark.asyncio
async def test_hover_and_completion_in_pragma(client: LanguageClient) -> None:
    text = "# golayer ignore=go-env-write,\n" + BAD
    uri = await _open(client, "Dockerfile", text)
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=0, character=20)))
    assert hover and "go-env-write" in hover.contents.value and "GLD001" in hover.contents.value
    comp = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line=0, character=len(text.splitlines()[0]))))
    labels = {i.label for i in comp.items}
    assert {"go-env-write", "runs-as-root", "missing-cache-mount"} <= labels


@pytest.mark.asyncio
async def test_yaml_manifest_gets_runtime_rules(client: LanguageClient) -> None:
    uri = await _open(client, "deploy.yaml", DEPLOY, lang="yaml")
    codes = {d.code for d in client.diagnostics[uri]}
    assert "GLR001" in codes  # 768Mi is not Go syntax: true whatever the language


@pytest.mark.asyncio
async def test_config_reload_on_save(client: LanguageClient) -> None:
    uri = await _open(client, "Dockerfile", BAD)
    assert "GLD001" in {d.code for d in client.diagnostics[uri]}
    cfg = client.root / ".golayer.toml"
    cfg.write_text('ignore = ["go-env-write"]\n')
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(text_document=lsp.TextDocumentIdentifier(
        uri=cfg.as_uri())))
    diags = await _diagnostics(client, uri, until=lambda p: "GLD001" not in {d.code for d in p.diagnostics})
    assert diags is not None


@pytest.mark.asyncio
async def test_build_context_comes_from_the_project(client: LanguageClient) -> None:
    """compose builds docker/Dockerfile with the repository root as context: the root's .dockerignore is the one
    BuildKit reads, so missing-dockerignore must not fire as it would with docker/ as the context."""
    root = client.root
    (root / "compose.yaml").write_text("services:\n  api:\n    build:\n      context: .\n"
                                       "      dockerfile: docker/Dockerfile\n")
    (root / ".dockerignore").write_text(".git\n")
    (root / "docker").mkdir()
    text = ("FROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n"
            "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n")
    uri = await _open(client, "docker/Dockerfile", text)
    assert "GLD038" not in {d.code for d in client.diagnostics[uri]}
