"""``golayer check PATH``: every analysis that applies to what PATH holds.

* the project model (``golayer.project.load_project``) is computed once: Dockerfiles and the builds
  that use them (context, target, args from compose/bake/``docker build`` lines), deployments
  (compose merged as compose merges it, kustomize/helm rendered when a binary is present, raw
  Kubernetes YAML), what was skipped and why
* each build -> lint (``golayer.commands.lint.run_lint``), with the context it is really built with
* the deployments -> runtime (``golayer.commands.runtime.run_runtime``)
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
@click.option("--target", default=None, metavar="STAGE", help="Dockerfile target stage (default: the build's, else the last).")
@click.option("-v", "--verbose", is_flag=True, help="Print each make/script step golayer could not follow.")
@click.option("--context", "context_dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Build context for every Dockerfile (default: the context each is built with, see docs/project.md).")
@click.option("--build-arg", "build_arg", multiple=True, metavar="KEY=VALUE",
              help="Build argument value, as `docker build --build-arg` (repeatable).")
@click.option("--compose-file", "compose_files", multiple=True, type=click.Path(dir_okay=False, exists=True),
              metavar="FILE", help="Compose files merged in this order, as `docker compose -f` (repeatable).")
@click.option("--values", "helm_values", multiple=True, type=click.Path(dir_okay=False, exists=True), metavar="FILE",
              help="Values file for the Helm charts rendered with `helm template` (repeatable).")
@click.option("--include-examples/--skip-examples", "include_examples", default=None,
              help="Judge manifests below example/test/docs directories too [default: skip, or config].")
@click.option("--assume-go", is_flag=True, default=None,
              help="Runtime rules: judge containers whose language golayer cannot tell as Go programs.")
@registry_options
@report_options
def check(path: str, images: tuple[str, ...], target: str | None, verbose: bool, context_dir: str | None,
          build_arg: tuple[str, ...], compose_files: tuple[str, ...], helm_values: tuple[str, ...],
          include_examples: bool | None, assume_go: bool | None, fmt: str, output: str | None,
          config_path: str | None, select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str | None,
          color: bool | None) -> int:
    """Run every analysis that applies to PATH (a project directory or a single file)."""
    from golayer.commands.progress import Progress

    with Progress("golayer check") as progress:  # erased on the way out, also on an error
        return _check(path, images, target, verbose, context_dir, build_arg, compose_files, helm_values,
                      include_examples, assume_go, fmt, output, config_path, select, ignore, fail_on, color,
                      progress)


def _check(path: str, images: tuple[str, ...], target: str | None, verbose: bool, context_dir: str | None,
           build_arg: tuple[str, ...], compose_files: tuple[str, ...], helm_values: tuple[str, ...],
           include_examples: bool | None, assume_go: bool | None, fmt: str, output: str | None,
           config_path: str | None, select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str | None,
           color: bool | None, progress) -> int:
    from golayer.commands import lint as lint_cmd

    root = Path(path)
    progress.set(f"reading the project in {path}")
    lint_cmd.check_context(context_dir)
    cfg = load_config(config_path, select, ignore, fail_on, start=root if root.is_dir() else root.parent)
    build_args = lint_cmd._parse_build_args(build_arg)
    combined = Report(command="check")
    ran: list[str] = []

    from golayer.project import lint_builds, load_project

    examples = cfg.include_examples if include_examples is None else include_examples
    proj = load_project(root, config=cfg, include_examples=examples, compose_files=[Path(f) for f in compose_files],
                        context=Path(context_dir) if context_dir else None, build_args=build_args, target=target,
                        helm_values=[Path(v) for v in helm_values], progress=progress.set)
    if root.is_file() and not lint_cmd.looks_like_dockerfile(root):
        proj.dockerfiles, proj.builds = [], []
    builds = lint_builds(proj)
    if proj.dockerfiles:
        progress.set(f"lint 0/{len(builds) or len(proj.dockerfiles)} Dockerfiles")
        rep = lint_cmd.run_lint(proj.dockerfiles, cfg, target=target, build_args=build_args, context_dir=context_dir,
                                verbose=verbose, builds=builds,
                                on_done=lambda d, n: progress.set(f"lint {d}/{n} Dockerfiles"))
        _merge(combined, rep, "lint")
        n = len(proj.dockerfiles)
        ran.append(f"lint ({n} Dockerfile{'s' if n != 1 else ''}"
                   + (f", {len(builds)} builds" if len(builds) != n else "") + ")")

    analyses: dict[str, object] = {}
    if images:
        from golayer.commands import image as image_cmd

        for value in images:
            name, ref = _split_image(value)
            progress.set(f"image {ref}")
            # the analysis's states go to check's line (image's own line would stay on the screen)
            rep = image_cmd.run_image(ref, cfg, progress=lambda m, ref=ref: progress.set(f"image {ref}: {m}"))
            _merge(combined, rep, "image")
            ran.append(f"image {ref}")
            if name and "analysis" in rep.objects:
                analyses[name] = rep.objects["analysis"]

    try:
        from golayer.commands import runtime as runtime_cmd
    except ImportError:  # analysis not built in
        runtime_cmd = None
    if runtime_cmd is not None and proj.manifest_docs:
        progress.set(f"runtime: {len(proj.manifest_docs)} deployments")
        rep = runtime_cmd.run_runtime([], cfg, images=analyses, docs=proj.manifest_docs, project=proj,
                                     assume_go=assume_go, progress=progress.set)
        seen: set[tuple] = set()
        kept = []
        for f in rep.findings:  # a compose file judged alone and merged under an -f list: report once
            key = (f.file, f.line, f.rule, f.message)
            if key not in seen:
                seen.add(key)
                kept.append(f)
        rep.findings = kept
        _merge(combined, rep, "runtime")
        n = len(proj.manifest_docs)
        ran.append(f"runtime ({n} deployment{'s' if n != 1 else ''}: "
                   + ", ".join(f"{c} {k}" for k, c in _kinds(proj)) + ")")

    combined.data["project"] = proj.to_json()
    combined.text_sections.append(lambda out, color: _project_notes(out, color, proj))
    skipped = _skipped_summary(proj)
    progress.clear()  # the line is erased before anything else is written
    if not ran:
        click.echo(f"golayer: nothing to check in {path}: no Dockerfile or manifest found"
                   " (use --image REF to analyse a built image)" + (f"; skipped {skipped}" if skipped else ""), err=True)
    else:
        click.echo(f"golayer check: {', '.join(ran)}" + (f"; skipped {skipped}" if skipped else ""), err=True)
    return finish(combined, cfg, fmt, output, color)


def _kinds(proj: object) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for d in proj.manifest_docs:  # type: ignore[attr-defined]
        counts[d.kind] = counts.get(d.kind, 0) + 1
    return list(counts.items())


def _skipped_summary(proj: object) -> str:
    from golayer.project import EXAMPLE_REASON

    skipped = proj.skipped  # type: ignore[attr-defined]
    ex = sum(1 for s in skipped if s.reason == EXAMPLE_REASON)
    parts = []
    if ex:
        parts.append(f"{ex} manifest{'s' if ex != 1 else ''} in example/test/docs directories (--include-examples)")
    other = len(skipped) - ex
    if other:
        parts.append(f"{other} other input{'s' if other != 1 else ''} (see the notes)")
    return ", ".join(parts)


def _project_notes(out: object, color: bool, proj: object) -> None:
    from golayer.project import EXAMPLE_REASON
    from golayer.report.text import paint, visible

    lines = [f"skipped {s.path}: {s.reason}" for s in proj.skipped if s.reason != EXAMPLE_REASON]  # type: ignore
    lines += list(proj.notes)  # type: ignore[attr-defined]
    for n in lines[:20]:
        out.write(paint("note: ", "36", color) + visible(n) + "\n")  # type: ignore[attr-defined]
    if len(lines) > 20:
        out.write(paint("note: ", "36", color) + f"... and {len(lines) - 20} more (JSON: data.project)\n")  # type: ignore


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
    # what the text report may show of the inputs: stdin's text, and files whose lines must never be echoed
    if rep.objects.get("sources"):
        into.objects.setdefault("sources", {}).update(rep.objects["sources"])
    if rep.objects.get("hidden_sources"):
        into.objects.setdefault("hidden_sources", set()).update(rep.objects["hidden_sources"])
    if rep.data:
        into.data.setdefault(key, [] if key == "image" else {})
        if key == "image":
            into.data[key].append(rep.data)
        else:
            into.data[key] = rep.data
