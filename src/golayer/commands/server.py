"""``golayer server``: the language server for editors (LSP over stdio)."""

from __future__ import annotations

import click


@click.command("server")
@click.option("--stdio", is_flag=True, help="Talk LSP over standard input/output (the default and only transport).")
def server(stdio: bool) -> None:
    """Run the golayer language server (LSP over stdio) for editors: diagnostics, quick fixes, hover.

    Set-up for VS Code, Neovim, Helix, Emacs, Zed and JetBrains: docs/editors.md."""
    try:
        from golayer.server.lsp import main
    except ImportError as exc:  # a broken install: say what is missing
        from golayer.errors import UsageError

        raise UsageError(f"golayer server cannot start: {exc.name} is not installed",
                         hint="pip install 'pygls>=2,<3' lsprotocol") from None
    main()
