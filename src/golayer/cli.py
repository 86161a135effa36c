"""The ``golayer`` command. Subcommands live in ``golayer.commands.*`` and are imported only
when invoked, so ``golayer lint Dockerfile`` does not pay for image or runtime code."""

from __future__ import annotations

import errno
import os
import sys

import click

from golayer import __version__

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module:attribute, one-line help shown by `golayer --help`)
    "check": ("golayer.commands.check:check", "Run every analysis that applies to a project directory."),
    "lint": ("golayer.commands.lint:lint", "Lint Dockerfiles for the ways Go programs go wrong in containers."),
    "image": ("golayer.commands.image:image", "Account for every byte of a built image and inspect its Go binaries."),
    "explore": ("golayer.commands.explore:explore", "Browse an image interactively (layers, files, wasted bytes)."),
    "runtime": ("golayer.commands.runtime:runtime", "Check Go memory/CPU settings in Kubernetes and compose manifests."),
    "lab": ("golayer.commands.lab:lab", "Real Docker builds of variants (size, rebuild times) and Go under memory/CPU limits."),
    "server": ("golayer.commands.server:server", "Run the language server (LSP over stdio) for editors."),
    "rules": ("golayer.commands.rules:rules_cmd", "List the rule catalogue."),
    "rule": ("golayer.commands.rules:rule_cmd", "Print one rule's documentation."),
}


EXIT_OUTPUT_GONE = 141  # 128 + SIGPIPE: what a shell reports for a CLI killed by a closed pipe


class OutputGone(Exception):
    """Standard output is closed or its reader went away (EPIPE): nothing more can be reported."""


class _ClosedOutput:
    """sys.stdout when file descriptor 1 was closed at start: any write ends the run like a broken pipe."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class LazyGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OSError as exc:  # click itself would turn EPIPE into exit 1, indistinguishable from findings
            if exc.errno in (errno.EPIPE, errno.EBADF) and _stdout_broken():
                raise OutputGone() from None
            raise

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        target, _ = COMMANDS[name]
        mod_name, attr = target.split(":")
        try:  # the import statement's path (not importlib's), so `python -X importtime` accounts for it
            __import__(mod_name)
            mod = sys.modules[mod_name]
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("golayer"):
                return _unavailable(name)
            raise
        return getattr(mod, attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(n, h) for n, (_, h) in COMMANDS.items()])


def _unavailable(name: str) -> click.Command:
    @click.command(name, help=COMMANDS[name][1], context_settings={"ignore_unknown_options": True})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def cmd(args: tuple[str, ...]) -> None:
        raise click.UsageError(f"'golayer {name}' is not available in this build")

    return cmd


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="golayer")
def cli() -> None:
    """golayer finds, explains, measures and fixes what goes wrong when Go programs are put
    into container images: Dockerfiles, built images, runtime manifests, and real builds.

    Exit codes: 0 no findings at or above the failure threshold, 1 findings, 2 usage or input error.
    """


def _stdout_broken() -> bool:
    """Whether standard output is closed or a pipe whose reader went away (an EPIPE from another pipe,
    e.g. a docker subprocess, is not ours to hide)."""
    if isinstance(sys.stdout, _ClosedOutput):
        return True
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return bool(getattr(sys.stdout, "closed", False))
    try:
        import select

        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(ev & (select.POLLERR | select.POLLHUP | select.POLLNVAL) for _, ev in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def _output_gone() -> None:
    """Exit 141 with nothing more written to stdout (the interpreter's final flush would fail too)."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.close(fd)
    except OSError:
        pass
    sys.exit(EXIT_OUTPUT_GONE)


def main(argv: list[str] | None = None) -> None:
    """Exit codes: 0 clean, 1 findings, 2 usage or input error, 3 internal error, 130 interrupted,
    141 standard output closed or its reader gone (a closed pipe: ``golayer ... | head``)."""
    from golayer import _dccache

    _dccache.install()  # golayer's dataclass methods from bytecode, not compiled at each start
    saved_stdout = sys.stdout
    if sys.stdout is None:  # started with file descriptor 1 closed
        sys.stdout = _ClosedOutput()  # type: ignore[assignment]
    try:
        _main(argv)
    finally:
        if saved_stdout is None:
            sys.stdout = saved_stdout


def _main(argv: list[str] | None) -> None:
    from golayer.errors import GolayerError

    try:
        rv = cli.main(args=argv, prog_name="golayer", standalone_mode=False)
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            if _stdout_broken():
                raise OutputGone() from None
            raise
    except OutputGone:
        _output_gone()
    except GolayerError as exc:
        from golayer.report.text import visible  # a name from the input cannot add or forge lines

        click.echo(f"golayer: error: {visible(exc.message)}", err=True)
        if exc.hint:
            click.echo(f"golayer: hint: {visible(exc.hint)}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("golayer: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:  # bad flag or argument: the same one-line form as every error
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `golayer`: the help, as before
            exc.show()
            sys.exit(2)
        click.echo(f"golayer: error: {exc.format_message()}", err=True)
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            click.echo(f"golayer: hint: see '{ctx.command_path} --help'", err=True)
        sys.exit(2 if exc.exit_code in (1, 2) else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("golayer: interrupted", err=True)
        sys.exit(130)
    except OSError as exc:
        if exc.errno in (errno.EPIPE, errno.EBADF) and _stdout_broken():
            _output_gone()
        _internal(exc)
    except Exception as exc:  # last line of defence: a message, never a traceback
        _internal(exc)
    sys.exit(rv if isinstance(rv, int) else 0)


def _internal(exc: BaseException) -> None:
    import traceback

    click.echo(f"golayer: internal error: {type(exc).__name__}: {exc}", err=True)
    if os.environ.get("GOLAYER_DEBUG"):
        traceback.print_exception(exc)
    else:
        click.echo("golayer: set GOLAYER_DEBUG=1 for details; please report this as a bug", err=True)
    sys.exit(3)


if __name__ == "__main__":
    main()
