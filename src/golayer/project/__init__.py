"""The project model: discovery -> build contexts -> builds -> deployments, computed once.

See :mod:`golayer.project.model` for the data and docs/project.md for the decision tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from golayer.project.model import ImageBuild, ManifestDoc, Project, Skipped, normalize_image

__all__ = ["ImageBuild", "ManifestDoc", "Project", "Skipped", "load_project", "normalize_image"]

EXAMPLE_REASON = "example/test/docs directory"


def load_project(root: Path, *, config: Any = None, include_examples: bool = False,
                 compose_files: list[Path] | None = None, context: Path | None = None,
                 build_args: Mapping[str, str] | None = None, target: str | None = None,
                 manifests: bool = True, helm_values: list[Path] | None = None, progress: Any = None) -> Project:
    """``progress(text)``, when given, is told what is being done (golayer check's status line)."""
    from golayer.project import discover

    root = Path(root)
    tree = discover.walk(root, manifests=manifests)
    if progress is not None:
        progress(f"read the tree of {root}: {len(tree.dockerfiles)} Dockerfiles, "
                 f"{len(tree.yaml) + len(tree.compose)} manifests")
    proj = Project(root=root, skipped=list(tree.skipped))
    proj.dockerfiles = list(tree.dockerfiles)
    compose_files = [Path(f) for f in compose_files or []]
    compose_candidates = list(tree.compose)
    if root.is_file() and compose_candidates and not compose_files:
        compose_files, compose_candidates = [root], []  # `check compose.prod.yaml`: that file, as -f would
        if compose_mod_is_override(root):  # an override is judged only merged over its base
            default = _default_files(root.parent)
            compose_files = default if root.resolve() in {f.resolve() for f in default} else []
            if not compose_files:
                proj.skipped.append(Skipped(root, "compose override without its base file (never judged alone)"))
    yaml_files = list(tree.yaml)
    kustomizations = list(tree.kustomizations)
    charts = list(tree.charts)
    if include_examples:
        for p in tree.example_yaml:
            (compose_candidates if discover.COMPOSE_NAME.match(p.name) else yaml_files).append(p)
    else:
        for p in tree.example_yaml:
            proj.skipped.append(Skipped(p, EXAMPLE_REASON))
        rel = (lambda p: p.relative_to(root)) if root.is_dir() else (lambda p: p)
        ex_k = [k for k in kustomizations if discover.is_example_path(rel(k))]
        ex_c = [c for c in charts if discover.is_example_path(rel(c / "Chart.yaml"))]
        for p in ex_k + [c / "Chart.yaml" for c in ex_c]:
            proj.skipped.append(Skipped(p, EXAMPLE_REASON))
        kustomizations = [k for k in kustomizations if k not in ex_k]
        charts = [c for c in charts if c not in ex_c]

    raw_builds: list[tuple[dict[str, Any], str]] = []  # (build dict, kind)
    consumed: set[Path] = set()

    # --- compose --------------------------------------------------------------------------------
    from golayer.project import scripts

    base = root if root.is_dir() else root.parent
    script_lists: list[list[Path]] = []
    if root.is_dir() and not compose_files:
        from golayer.fsutil import inside

        for kind, files in (("make", tree.makefiles), ("script", tree.scripts), ("workflow", tree.workflows)):
            for f in files:
                for lst in scripts.compose_lists(f, base, kind):
                    if all(inside(p, base) for p in lst) and \
                            {p.resolve() for p in lst} not in [{q.resolve() for q in x} for x in script_lists]:
                        script_lists.append(lst)
    projects = _compose_projects(root, compose_candidates, compose_files, proj, script_lists)
    from golayer.project import compose as compose_mod

    loaded = []
    for files in projects:
        try:
            loaded.append(compose_mod.load(files))
        except Exception as exc:  # noqa: BLE001 - InputError: a file compose itself would refuse
            msg = getattr(exc, "message", None) or str(exc)
            proj.notes.append(f"skipped compose project {' + '.join(str(f) for f in files)}: {msg}")
    for cp in loaded:
        consumed |= cp.consumed
    for cp in loaded:
        files = cp.files
        if all(f.resolve() in consumed for f in files):
            continue  # included by or extended from another project: judged there
        if cp.doc["services"]:
            proj.notes.extend(cp.notes)
            proj.manifest_docs.append(ManifestDoc(kind="compose", path=files[0], files=tuple(files),
                                                  compose=cp.doc, origin=" + ".join(str(f) for f in files)))
        else:
            proj.notes.extend(n for n in cp.notes if "not judged (an override fragment?)" not in n)
            proj.skipped.append(Skipped(files[0], "compose fragment (no service has image or build)"))
        for svc in cp.doc["services"]:
            b = compose_mod.build_of(cp, svc, root if root.is_dir() else root.parent)
            if b is None:
                continue
            b["services"] = [(f, svc) for f in cp.files] + [(f, svc) for f in cp.consumed]
            raw_builds.append((b, "compose"))

    # --- bake ------------------------------------------------------------------------------------
    from golayer.project import bake

    for bf_path in tree.bake:
        bf = bake.load(bf_path)
        for b in bake.builds(bf):
            b["origin"] = f"{bf_path.name} target {b['name']}"
            raw_builds.append((b, "bake"))
        proj.notes.extend(bf.notes)

    # --- docker build lines, goreleaser ----------------------------------------------------------
    for kind, files in (("make", tree.makefiles), ("script", tree.scripts), ("workflow", tree.workflows)):
        for f in files:
            for b in scripts.scan(f, base, kind):
                b["images"] = b.pop("tags")
                raw_builds.append((b, kind))
    for f in tree.goreleaser:
        for b in scripts.goreleaser(f, base):
            b["images"] = b.pop("tags")
            raw_builds.append((b, "goreleaser"))
    for f in tree.pipelines:
        for b in scripts.pipelines(f, base):
            b["images"] = b.pop("tags")
            raw_builds.append((b, "pipeline"))

    # --- builds ----------------------------------------------------------------------------------
    from golayer.dockerfile.context import dockerignore_for
    from golayer.fsutil import inside

    known = {p.resolve(): p for p in proj.dockerfiles}
    merged: dict[tuple, ImageBuild] = {}
    service_keys: list[tuple[tuple, list]] = []
    missing: dict[str, list[str]] = {}
    for b, kind in raw_builds:
        df: Path = b["dockerfile"]
        if not inside(df, base):
            proj.skipped.append(Skipped(df, f"Dockerfile outside the tree ({b.get('origin')})"))
            continue
        if not df.is_file():
            missing.setdefault(_show(df, base), []).append(str(b.get("origin")))
            continue
        if df.resolve() not in known:
            known[df.resolve()] = df
            proj.dockerfiles.append(df)
        df = known[df.resolve()]
        ctx = b.get("context") or df.parent
        if kind == "goreleaser":
            ctx = df.parent  # goreleaser's context is a temporary directory of built files
        args = dict(b.get("args") or {})
        args.update(build_args or {})
        if context is not None:
            ctx = Path(context)
        elif not inside(ctx, base):
            proj.notes.append(f"{b.get('origin')}: build context {_show(Path(_tidy(ctx)), base)} is outside the "
                              "scanned tree; not read (pass --context to use it)")
            continue
        ib = ImageBuild(dockerfile=df, context=Path(_tidy(ctx)), target=target or b.get("target"),
                        build_args=args, images=tuple(b.get("images") or ()), origin=b["origin"],
                        dockerignore=dockerignore_for(df, Path(_tidy(ctx))))
        key = ib.key() + (kind == "goreleaser",)
        if key in merged:
            old = merged[key]
            images = tuple(dict.fromkeys(old.images + ib.images))
            ib = ImageBuild(dockerfile=old.dockerfile, context=old.context, target=old.target,
                            build_args=old.build_args, images=images, origin=f"{old.origin}; {ib.origin}",
                            dockerignore=old.dockerignore)
        merged[key] = ib
        if b.get("services"):
            service_keys.append((key, b["services"]))
    for df_name, origins in missing.items():
        more = f" and {len(origins) - 1} more" if len(origins) > 1 else ""
        proj.notes.append(f"{df_name} does not exist (named by {origins[0]}{more}); that build is not linted")
    proj.builds = list(merged.values())
    for key, services in service_keys:
        for f, svc in services:
            proj.service_builds[(Path(f), svc)] = merged[key]
    for df in proj.dockerfiles:
        if not any(b for b in proj.builds_for(df) if "goreleaser" not in b.origin):
            ctx = Path(context) if context is not None else df.parent
            proj.builds.append(ImageBuild(dockerfile=df, context=ctx, target=target, build_args=dict(build_args or {}),
                                          images=(), origin="--context" if context is not None
                                          else "directory of the Dockerfile",
                                          dockerignore=dockerignore_for(df, ctx)))
    proj.dockerfiles.sort()

    # --- deployments -----------------------------------------------------------------------------
    if manifests:
        _kustomize(proj, kustomizations, base, consumed, progress)
        _helm(proj, charts, helm_values, progress)
        for p in yaml_files:
            if p.resolve() in consumed:
                continue
            proj.manifest_docs.append(ManifestDoc(kind="kubernetes", path=p, files=(p,), origin=str(p),
                                                  data=tree.manifest_bytes.get(p)))
    return proj


def compose_mod_is_override(p: Path) -> bool:
    from golayer.project.compose import is_override_name

    return is_override_name(p)


def _default_files(d: Path) -> list[Path]:
    from golayer.project.compose import default_project_files

    return default_project_files(d)


def lint_builds(proj: Project) -> list[ImageBuild]:
    """The builds to lint: every build with a real context (goreleaser's are not: its context is a
    temporary directory), in Dockerfile order."""
    out = [b for b in proj.builds if "goreleaser" not in b.origin or b.origin.startswith("directory")]
    return sorted(out, key=lambda b: (str(b.dockerfile), str(b.context), b.target or ""))


def _tidy(p: Path) -> str:
    import os

    return os.path.normpath(str(p))


def _show(p: Path, base: Path) -> str:
    try:
        return str(p.relative_to(base))
    except ValueError:
        return str(p)


def _compose_projects(root: Path, candidates: list[Path], given: list[Path], proj: Project,
                      script_lists: list[list[Path]] | None = None) -> list[list[Path]]:
    """The compose projects to judge: ``--compose-file`` lists, multi-file ``-f`` lists the
    repository's own Makefiles/scripts/workflows run (their later files are overrides: not judged
    alone), directories' default projects, then other compose files alone."""
    from golayer.project import compose as compose_mod

    out: list[list[Path]] = []
    used: set[Path] = set()
    if given:
        out.append(given)
        used |= {g.resolve() for g in given}
    for lst in script_lists or []:
        out.append(lst)
        used |= {p.resolve() for p in lst[1:]}
    dirs = sorted({c.parent for c in candidates})
    given_dirs = {g.parent.resolve() for g in given}
    for d in dirs:
        default = compose_mod.default_project_files(d)
        if d.resolve() in given_dirs:
            used |= {f.resolve() for f in default}
        elif default and not any(f.resolve() in used for f in default):
            out.append(default)
            used |= {f.resolve() for f in default}
    for c in sorted(candidates):
        if c.resolve() in used:
            continue
        if compose_mod.is_override_name(c):
            proj.skipped.append(Skipped(c, "compose override without its base file (never judged alone)"))
            continue
        out.append([c])
        used.add(c.resolve())
    return out


def _render_jobs() -> int:
    """kubectl / helm processes at once: one per CPU (at most 4). A render of CRD-heavy kustomizations is
    CPU-bound (11 s CPU for argo-workflows' cluster-install): more processes than CPUs would only
    stretch each one's wall time towards the per-render timeout."""
    import os

    return max(1, min(4, os.cpu_count() or 1))


RENDER_JOBS = _render_jobs()


def _render_all(items: list[Any], render: Any, progress: Any, what: str) -> dict[int, tuple[str | None, str | None]]:
    """``render(item)`` of every item, a few at a time (independent subprocesses; results are used in
    the callers' own order, so the outcome does not depend on which finishes first). ``progress(text)``
    is called from this thread as they finish."""
    out: dict[int, tuple[str | None, str | None]] = {}
    if not items:
        return out
    if progress is not None:
        progress(f"{what} 0/{len(items)}")
    if len(items) == 1:
        out[id(items[0])] = render(items[0])
    else:
        from concurrent.futures import ThreadPoolExecutor, as_completed

        with ThreadPoolExecutor(max_workers=min(RENDER_JOBS, len(items))) as pool:
            futures = {pool.submit(render, it): it for it in items}
            for n, fut in enumerate(as_completed(futures), 1):
                out[id(futures[fut])] = fut.result()
                if progress is not None:
                    progress(f"{what} {n}/{len(items)}")
    return out


def _kustomize(proj: Project, files: list[Path], base: Path, consumed: set[Path], progress: Any = None) -> None:
    from golayer.project import kustomize

    ks = {f.parent.resolve(): kustomize.read(f, base) for f in files}
    used = {u.resolve() for k in ks.values() for u in k.uses}

    def all_reads(k: "kustomize.Kustomization", seen: set) -> tuple[set[Path], set[Path]]:
        reads, patches = {p.resolve() for p in k.reads}, {p.resolve() for p in k.patches}
        for u in k.uses:
            sub = ks.get(u.resolve())
            if sub is not None and u.resolve() not in seen:
                seen.add(u.resolve())
                r, pt = all_reads(sub, seen)
                reads |= r
                patches |= pt
        return reads, patches

    todo = [(d, k, *all_reads(k, {d})) for d, k in sorted(ks.items())]
    wanted = [k for d, k, _r, _p in todo if not (d in used or k.component) and not k.problem]
    rendered_by = _render_all(wanted, kustomize.render, progress, "kustomize")
    for d, k, reads, patches in todo:
        consumed |= patches  # patch files are never workloads on their own
        if d in used or k.component:
            consumed |= reads  # judged through the overlays that use this base / list this component
            continue
        if k.problem:
            proj.skipped.append(Skipped(k.file, f"kustomization not rendered: {k.problem}"))
            continue
        text, why = rendered_by[id(k)]
        if text is None:
            proj.skipped.append(Skipped(k.file, f"kustomization not rendered: {why}"))
            continue
        consumed |= reads
        proj.manifest_docs.append(ManifestDoc(kind="kustomize", path=k.file, files=(k.file,), text=text,
                                              origin=f"kustomize build {k.dir}"))
    # a base whose overlays could not be rendered: its plain resources stay judged alone
    rendered = {m.path.parent.resolve() for m in proj.manifest_docs if m.kind == "kustomize"}
    if not rendered and any(s.reason.startswith("kustomization not rendered") for s in proj.skipped):
        for k in ks.values():
            for p in k.reads:
                if p not in k.patches:
                    consumed.discard(p.resolve())


def _helm(proj: Project, charts: list[Path], values: list[Path] | None = None, progress: Any = None) -> None:
    from golayer.project import helm

    rendered_by = _render_all(charts, lambda c: helm.render(c, values), progress, "helm template") \
        if helm.binary() is not None else {}
    for c in charts:
        text, why = rendered_by[id(c)] if id(c) in rendered_by else helm.render(c, values)
        if text is None:
            proj.skipped.append(Skipped(c / "Chart.yaml", f"helm chart not rendered: {why}"))
            continue
        proj.manifest_docs.append(ManifestDoc(kind="helm", path=c / "Chart.yaml", files=(c / "Chart.yaml",),
                                              text=text, origin=f"helm template {c}"))
