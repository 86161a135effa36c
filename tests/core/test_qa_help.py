"""Every command's --help explains every option, and the top-level help lists every command."""

import click
import pytest

from golayer.cli import COMMANDS, cli as root


def _commands():
    ctx = click.Context(root)
    for name in COMMANDS:
        cmd = root.get_command(ctx, name)
        yield (name,), cmd
        if isinstance(cmd, click.Group):
            for sub in cmd.list_commands(ctx):
                yield (name, sub), cmd.get_command(ctx, sub)


@pytest.mark.parametrize("path, cmd", list(_commands()), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_option_has_help_text(cli, path, cmd):
    r = cli([*path, "--help"])
    assert r.code == 0, r.err
    for p in cmd.params:
        if isinstance(p, click.Option) and not p.hidden:
            assert p.help, f"golayer {' '.join(path)} {p.opts[-1]} has no help text"


def test_group_help_lists_every_subcommand_with_an_untruncated_summary(cli):
    top = cli(["--help"]).out
    for name in COMMANDS:
        assert f"\n  {name} " in top
    lab = cli(["lab", "--help"]).out
    for sub in ("bases", "compare", "goproxy", "runtime"):
        assert f"\n  {sub} " in lab
    commands = lab.split("Commands:")[1]
    assert "..." not in commands, commands
