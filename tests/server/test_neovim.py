"""End to end in a real editor: Neovim (headless) with its built-in LSP client starts `golayer server`, shows
golayer's diagnostics for a Dockerfile, and applies golayer's quick fix to the buffer."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NVIM = shutil.which("nvim")

pytestmark = pytest.mark.skipif(NVIM is None and not os.environ.get("CI"),
                                reason="NEOVIM UNAVAILABLE: apt-get install neovim")

LUA = r"""
local out = {}
local client_id = vim.lsp.start_client({
  name = "golayer",
  cmd = { PYTHON, "-m", "golayer", "server" },
  root_dir = ROOT_DIR,
  cmd_env = { PYTHONPATH = PYTHONPATH },
})
vim.cmd("edit " .. FILE)
local buf = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(buf, client_id)
local ok = vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 100)
out.waited = ok
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  table.insert(out.diagnostics, { line = d.lnum, code = d.code, source = d.source, message = d.message })
end
-- the quick fix for go-env-write on line 3 (0-based 2), as `:lua vim.lsp.buf.code_action()` would offer it
local params = vim.lsp.util.make_range_params()
params.range = { start = { line = 2, character = 0 }, ["end"] = { line = 2, character = 0 } }
params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(buf, 2) }
local res = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 30000)
out.actions = {}
for _, r in pairs(res or {}) do
  for _, a in ipairs(r.result or {}) do
    table.insert(out.actions, a.title)
    if a.edit and string.find(a.title, "ENV GOPROXY", 1, true) then
      vim.lsp.util.apply_workspace_edit(a.edit, "utf-16")
      out.applied = a.title
    end
  end
end
vim.cmd("write")
local f = io.open(OUT, "w")
f:write(vim.fn.json_encode(out))
f:close()
vim.lsp.stop_client(client_id)
vim.cmd("qall!")
"""


def test_neovim_shows_diagnostics_and_applies_a_quick_fix(tmp_path: Path) -> None:
    assert NVIM, "neovim must be installed in CI (.ci/run installs it)"
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM golang:1.22 AS build\nWORKDIR /src\n"
                          "RUN go env -w GOPROXY=https://proxy.golang.org,direct\n"
                          "COPY . .\nRUN go build -o /app .\n"
                          "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\n"
                          "ENTRYPOINT [\"/app\"]\n")
    out = tmp_path / "out.json"
    script = tmp_path / "e2e.lua"
    header = "".join(f"local {k} = {json.dumps(v)}\n" for k, v in {
        "PYTHON": sys.executable, "ROOT_DIR": str(tmp_path), "PYTHONPATH": str(ROOT / "src"),
        "FILE": str(dockerfile), "OUT": str(out)}.items())
    script.write_text(header + LUA)
    r = subprocess.run([NVIM or "nvim", "--headless", "--clean", "-c", f"luafile {script}"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(tmp_path)})
    assert out.exists(), r.stdout + r.stderr
    got = json.loads(out.read_text())
    assert got["waited"], got
    codes = {d["code"] for d in got["diagnostics"]}
    assert "GLD001" in codes and all(d["source"] == "golayer" for d in got["diagnostics"])
    assert got.get("applied"), got["actions"]
    text = dockerfile.read_text()
    assert "ENV GOPROXY=https://proxy.golang.org,direct" in text and "go env -w" not in text
