"""Discovery: which files of a project golayer reads, found in one walk of the tree.

Decision table (docs/project.md repeats it):

* Dockerfiles: ``Dockerfile``, ``Containerfile``, ``Dockerfile.*``, ``Dockerfile-*``,
  ``Containerfile.*``, ``Containerfile-*``, ``*.Dockerfile``, ``*.Containerfile`` (any case), minus
  names that are plainly something else (``.md``, ``.sh``, ``.yaml``, ``.dockerignore``...), plus
  every file a compose ``build:`` or a bake target names.
* Never entered: hidden directories (``.git``...; ``.github/workflows`` is read for ``docker build``
  lines), ``vendor``, ``node_modules``, ``third_party``, ``__pycache__``; for Dockerfiles also
  ``testdata``; for manifests also ``dist``, ``build``, ``target`` and Helm charts' contents.
* Example directories (:data:`EXAMPLE_DIRS`): manifests below them are skipped by ``check``
  unless ``include-examples`` is set; the summary counts them.
* Symlinks: a symlinked file is read only when its target is inside the scanned tree; symlinked
  directories are never entered (their target, when inside the tree, is walked anyway). A
  ``.dockerignore`` or manifest that is a symlink leaving the tree is not read either, nor a symlink
  into a directory golayer never enters (``.git/config`` behind ``docker/Dockerfile``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from golayer.fsutil import inside
from golayer.project.model import Skipped

SKIP_DIRS = {"vendor", "node_modules", "third_party", "__pycache__"}
DOCKERFILE_SKIP_DIRS = {"testdata"}
MANIFEST_SKIP_DIRS = {"dist", "build", "target"}
EXAMPLE_DIRS = {"example", "examples", "_example", "_examples", "sample", "samples", "demo", "demos",
                "test", "tests", "testdata", "test-data", "testing", "e2e", "e2e-tests", "integration-tests",
                "fixtures", "testfixtures", "docs", "doc", "documentation", "website", "tutorial", "tutorials"}
_NOT_DOCKERFILES = (".dockerignore", ".md", ".txt", ".orig", ".rej", ".swp", ".bak", ".sh", ".go", ".yml", ".yaml",
                    ".json", ".toml", ".py", ".j2", ".tpl", ".tmpl", ".template", ".in", ".hcl", ".patch", ".diff")
COMPOSE_NAME = re.compile(r"^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$")
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
BAKE_NAME = re.compile(r"^docker-bake(?:\.[\w.-]+)?\.(?:hcl|json)$")
MAKEFILE_NAME = re.compile(r"^(?:GNUmakefile|[Mm]akefile|.*\.mk)$")
SCRIPT_NAME = re.compile(r".*\.(?:sh|bash)$")
GORELEASER_NAME = re.compile(r"^\.?goreleaser(?:[.-][\w-]+)?\.ya?ml$")
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job",
                  "Pod", "CronJob", "PodTemplate"}
MAX_SNIFF = 32 * 1024 * 1024
MAX_KEPT = 64 * 1024 * 1024  # manifest bytes kept from the sniff for the runtime analysis, in all
# searched in b"\n" + the file: a literal first byte is found with a fast scan, `^` under re.MULTILINE
# tries every position (see golayer.runtime.manifests._DOC_SPLIT_NL); the same matches
_SNIFF_API_NL = re.compile(rb"\napiVersion:")
_SNIFF_KIND_NL = re.compile(rb"\nkind:[ \t]*['\"]?(\w+)")


def looks_like_dockerfile(path: str | Path) -> bool:
    low = Path(path).name.lower()
    if low in ("dockerfile", "containerfile"):
        return True
    if any(low.endswith(s) for s in _NOT_DOCKERFILES):
        return False
    return low.endswith((".dockerfile", ".containerfile")) or low.startswith(
        ("dockerfile.", "dockerfile-", "containerfile.", "containerfile-"))


def _into_skipped_dir(p: Path, root: Path) -> bool:
    try:
        rel = Path(os.path.realpath(p)).relative_to(os.path.realpath(root))
    except ValueError:
        return True
    return any(part.startswith(".") or part in SKIP_DIRS for part in rel.parts[:-1])


def safe_file(path: Path, root: Path) -> bool:
    """A regular file whose real path is inside ``root`` (no FIFO, device or escaping symlink)."""
    try:
        return path.is_file() and inside(path, root)
    except OSError:
        return False


@dataclass
class Tree:
    """What one walk found, by role. Paths keep the form of the root they were found under."""

    root: Path
    dockerfiles: list[Path] = field(default_factory=list)
    compose: list[Path] = field(default_factory=list)
    bake: list[Path] = field(default_factory=list)
    makefiles: list[Path] = field(default_factory=list)
    scripts: list[Path] = field(default_factory=list)
    workflows: list[Path] = field(default_factory=list)
    goreleaser: list[Path] = field(default_factory=list)
    pipelines: list[Path] = field(default_factory=list)  # Woodpecker / Drone pipeline files at the root
    kustomizations: list[Path] = field(default_factory=list)
    charts: list[Path] = field(default_factory=list)
    yaml: list[Path] = field(default_factory=list)  # other YAML: raw Kubernetes manifest candidates
    example_yaml: list[Path] = field(default_factory=list)  # manifests below example/test/docs dirs
    skipped: list[Skipped] = field(default_factory=list)
    sniff: bool = True
    # the bytes of each manifest in yaml / example_yaml, as the sniff read them whole: the project model
    # hands them to the runtime analysis, which does not read the file again
    manifest_bytes: dict[Path, bytes] = field(default_factory=dict, repr=False)
    kept: int = 0  # bytes in manifest_bytes


def is_example_path(rel: Path) -> bool:
    return any(part.lower() in EXAMPLE_DIRS for part in rel.parts[:-1])


def walk(root: Path, manifests: bool = True) -> Tree:
    """Walk ``root`` once (never through symlinked directories) and sort what it holds by role.
    Without ``manifests`` YAML files are not opened to sniff for Kubernetes workloads."""
    root = Path(root)
    tree = Tree(root=root)
    tree.sniff = manifests
    if root.is_file():
        _classify(tree, root, root.parent, Path(root.name), in_chart=False)
        return tree
    in_charts: set[str] = set()  # directories at or below a chart's (os.walk visits parents first)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        d = Path(dirpath)
        rel_dir = d.relative_to(root)
        keep = []
        for name in sorted(dirnames):
            sub = d / name
            if os.path.islink(sub):
                if not inside(sub, root):
                    tree.skipped.append(Skipped(sub, "symlink leaving the tree"))
                continue
            if name.startswith(".") or name in SKIP_DIRS:
                continue
            keep.append(name)
        dirnames[:] = keep
        in_chart = os.path.dirname(dirpath) in in_charts and d != root
        if "Chart.yaml" in filenames and not in_chart:
            tree.charts.append(d)
            in_chart = True
        if in_chart:
            in_charts.add(dirpath)
        for name in sorted(filenames):
            _classify(tree, d / name, root, rel_dir / name, in_chart)
    wf = root / ".github" / "workflows"
    if wf.is_dir() and not wf.is_symlink() and inside(wf, root):
        for p in sorted(wf.iterdir()):
            if p.suffix in (".yml", ".yaml") and safe_file(p, root):
                tree.workflows.append(p)
    tree.pipelines = pipeline_files(root)
    return tree


PIPELINE_FILES = (".woodpecker.yml", ".woodpecker.yaml", ".drone.yml", ".drone.yaml")
PIPELINE_DIR = ".woodpecker"


def pipeline_files(root: Path) -> list[Path]:
    """Woodpecker (``.woodpecker.yml``, ``.woodpecker/*.yml``) and Drone (``.drone.yml``) pipeline
    files at the repository root, where those CI systems read them."""
    out = [root / n for n in PIPELINE_FILES]
    wd = root / PIPELINE_DIR
    if wd.is_dir() and not wd.is_symlink() and inside(wd, root):
        out += sorted(p for p in wd.iterdir() if p.suffix in (".yml", ".yaml"))
    return [p for p in out if safe_file(p, root)]


def _classify(tree: Tree, p: Path, root: Path, rel: Path, in_chart: bool) -> None:
    name = p.name
    parts = {x for x in rel.parts[:-1]}
    wanted = (looks_like_dockerfile(name) or name.endswith((".yaml", ".yml", ".json", ".hcl", ".sh", ".bash"))
              or MAKEFILE_NAME.match(name) or name in KUSTOMIZATION_NAMES)
    if not wanted:
        return
    if os.path.islink(p):
        if not inside(p, root):
            tree.skipped.append(Skipped(p, "symlink leaving the tree"))
            return
        if _into_skipped_dir(p, root):
            tree.skipped.append(Skipped(p, "symlink into a hidden or vendored directory (.git, ...)"))
            return
    try:
        if not p.is_file():  # FIFOs, devices, dangling links
            return
    except OSError:
        return
    if looks_like_dockerfile(name):
        if not parts & DOCKERFILE_SKIP_DIRS:
            tree.dockerfiles.append(p)
        return
    if in_chart:
        return  # a chart is rendered with helm, never read file by file
    if BAKE_NAME.match(name):
        tree.bake.append(p)
    elif MAKEFILE_NAME.match(name):
        tree.makefiles.append(p)
    elif SCRIPT_NAME.match(name):
        tree.scripts.append(p)
    elif name in KUSTOMIZATION_NAMES:
        tree.kustomizations.append(p)
    elif GORELEASER_NAME.match(name):
        tree.goreleaser.append(p)
    elif COMPOSE_NAME.match(name):
        if parts & MANIFEST_SKIP_DIRS:
            return
        (tree.example_yaml if is_example_path(rel) else tree.compose).append(p)
    elif name.endswith((".yaml", ".yml")) and not name.startswith("."):
        if parts & (MANIFEST_SKIP_DIRS | {"testdata"}) and not is_example_path(rel):
            return
        if tree.sniff:
            data = _sniff(p)
            if data is not None:
                (tree.example_yaml if is_example_path(rel) else tree.yaml).append(p)
                # the whole file, while the kept bytes stay under MAX_KEPT (a tree of many big manifests
                # must not be held in memory at once: the rest are read again, one at a time, by runtime)
                if len(data) < MAX_SNIFF and tree.kept + len(data) <= MAX_KEPT:
                    tree.manifest_bytes[p] = data
                    tree.kept += len(data)


def sniff_workload(p: Path) -> bool:
    """Does this YAML look like a Kubernetes manifest with a workload (cheap byte sniff)?"""
    return _sniff(p) is not None


def _sniff(p: Path) -> bytes | None:
    """The bytes read of ``p`` (its first MAX_SNIFF) when it looks like a Kubernetes manifest with a workload."""
    try:
        if p.stat().st_size > MAX_SNIFF:
            return None
        with p.open("rb") as fh:
            data = fh.read(MAX_SNIFF)
    except OSError:
        return None
    # a UTF-8 byte-order mark before the first key is allowed (the manifest reader skips it too)
    head = b"\n" + (data[3:] if data.startswith(b"\xef\xbb\xbf") else data)
    if not _SNIFF_API_NL.search(head):
        return None
    kinds = {k.decode() for k in _SNIFF_KIND_NL.findall(head)}
    if not any(k in WORKLOAD_KINDS or k.endswith("List") for k in kinds):
        return None
    if b"{{" in head and p.parent.name == "templates":
        return None
    return data


def dockerfiles(paths: list[str | Path]) -> list[Path]:
    """Dockerfiles named by or found below ``paths`` (files are taken as given), sorted, no
    duplicates; ``golayer lint``'s discovery."""
    found: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        hits = sorted(walk(p, manifests=False).dockerfiles) if p.is_dir() else [p]
        for h in hits:
            key = h.resolve() if h.exists() else h
            if key not in seen:
                seen.add(key)
                found.append(h)
    return found
