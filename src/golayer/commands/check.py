"""``golayer check PATH``: every analysis that applies to what PATH holds.

* Dockerfiles below PATH -> lint (``golayer.commands.lint.run_lint``)
* Kubernetes / compose manifests below PATH -> runtime (``golayer.commands.runtime.run_runtime``)
* ``--image REF`` -> image analysis (``golayer.commands.image.run_image``)

The findings of all of them go into one report with one exit code.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from golayer.commands.common import finish, load_config, registry_options, report_options
from golayer.report import Report


@click.command("check")
@click.argument("path", type=click.Path(exists=True, file_okay=True, dir_okay=True), default=".")
@click.option("--image", "images", multiple=True, metavar="[NAME=]REF",
              help="Also analyse this built image (docker-archive:PATH, oci:DIR, docker:NAME, registry:REF, ...). With NAME= "
                   "the runtime rules read the Go version and dependencies of container/service NAME from it.")
@click.option("--target", default=None, metavar="STAGE", help="Dockerfile target stage (default: the last).")
@click.option("-v", "--verbose", is_flag=True, help="Print each make/script step golayer could not follow.")
@registry_options
@report_options
def check(path: str, images: tuple[str, ...], target: str | None, verbose: bool, fmt: str, output: str | None,
          config_path: str | None, select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str | None,
          color: bool | None) -> int:
    """Run every analysis that applies to PATH (a project directory or a single file)."""
    root = Path(path)
    cfg = load_config(config_path, select, ignore, fail_on, start=root if root.is_dir() else root.parent)
    combined = Report(command="check")
    ran: list[str] = []

    from golayer.commands import lint as lint_cmd

    dockerfiles = lint_cmd.discover([root]) if root.is_dir() else (
        [root] if lint_cmd.looks_like_dockerfile(root) else [])
    if dockerfiles:
        rep = lint_cmd.run_lint(dockerfiles, cfg, target=target, verbose=verbose)
        _merge(combined, rep, "lint")
        ran.append(f"lint ({len(dockerfiles)} Dockerfile{'s' if len(dockerfiles) != 1 else ''})")

    analyses: dict[str, object] = {}
    if images:
        from golayer.commands import image as image_cmd

        for value in images:
            name, ref = _split_image(value)
            rep = image_cmd.run_image(ref, cfg)
            _merge(combined, rep, "image")
            ran.append(f"image {ref}")
            if name and "analysis" in rep.objects:
                analyses[name] = rep.objects["analysis"]

    try:
        from golayer.commands import runtime as runtime_cmd
    except ImportError:  # analysis not built in
        runtime_cmd = None
    if runtime_cmd is not None:
        manifests = runtime_cmd.discover(root)
        if manifests:
            rep = runtime_cmd.run_runtime([str(m) for m in manifests], cfg, images=analyses)
            _merge(combined, rep, "runtime")
            ran.append(f"runtime ({len(manifests)} manifest{'s' if len(manifests) != 1 else ''})")

    if not ran:
        click.echo(f"golayer: nothing to check in {path}: no Dockerfile or manifest found"
                   " (use --image REF to analyse a built image)", err=True)
    else:
        click.echo(f"golayer check: {', '.join(ran)}", err=True)
    return finish(combined, cfg, fmt, output, color)


def _split_image(value: str) -> tuple[str | None, str]:
    """``app=docker:myapp:1`` -> ("app", "docker:myapp:1"); a plain reference has no name."""
    name, sep, ref = value.partition("=")
    if sep and ref and re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        return name, ref
    return None, value


def _merge(into: Report, rep: Report, key: str) -> None:
    into.findings.extend(rep.findings)
    into.inputs.extend(rep.inputs)
    into.text_sections.extend(rep.text_sections)
    into.notes.extend(rep.notes)
    if rep.data:
        into.data.setdefault(key, [] if key == "image" else {})
        if key == "image":
            into.data[key].append(rep.data)
        else:
            into.data[key] = rep.data
