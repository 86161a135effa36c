"""``golayer explore IMAGE``: browse an image interactively (layers, tree as of a layer, details, findings)."""

from __future__ import annotations

import os
import sys

import click

from golayer.commands.common import finish, load_config


@click.command("explore")
@click.argument("ref")
@click.option("--platform", default=None, metavar="OS/ARCH[/VARIANT]", help="Choose an image of a multi-platform index.")
@click.option("--no-tui", is_flag=True, help="Print the text report instead (also when not on a terminal).")
@click.option("--verify/--no-verify", default=None, help="Verify every layer's sha256 (see golayer image).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Config file (default: .golayer.toml or pyproject.toml [tool.golayer], searched upwards).")
def explore(ref: str, platform: str | None, no_tui: bool, verify: bool | None, config_path: str | None) -> int:
    """Browse the image REF the way dive does, with Go-aware marks: layers, the file tree as of a layer
    (added/modified/removed/wasted), details of files and Go binaries, findings. Press ? for the keys.

    REF is anything `golayer image` accepts. Without a terminal (CI logs, pipes) or with --no-tui the text
    report of `golayer image` is printed instead."""
    from golayer.commands.image import run_image

    cfg = load_config(config_path, (), (), None)
    tty = sys.stdin.isatty() and sys.stdout.isatty()
    rep = run_image(ref, cfg, platform=platform, verify=verify, progress=None if tty else False)
    if no_tui or not tty or os.environ.get("TERM") == "dumb":
        return finish(rep, cfg, "text", None, None)
    from golayer.tui.explore import ExploreApp

    findings = cfg.apply(rep.findings)
    ExploreApp(rep.objects["analysis"], findings).run()
    return 0
