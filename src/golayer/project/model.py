"""The project model: what a directory holds and how it is really built and deployed.

Computed once per ``golayer check DIR`` (see :func:`golayer.project.load_project`) and read by lint
(build contexts), runtime (manifest documents, "which image is built from which Dockerfile") and
check (what was skipped). Pure data: the loaders live beside it (discover, builds, compose,
kustomize, helm).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping


@dataclass(frozen=True)
class ImageBuild:
    dockerfile: Path                 # the Dockerfile that builds it
    context: Path                    # the build context directory actually used
    target: str | None               # --target / compose build.target / bake target
    build_args: Mapping[str, str]    # compose build.args / bake args / CLI --build-arg
    images: tuple[str, ...]          # image names it is tagged as
    origin: str                      # how it was found, for messages
    dockerignore: Path | None        # the ignore file BuildKit would read

    def key(self) -> tuple:
        return (self.dockerfile, self.context, self.target, tuple(sorted(self.build_args.items())))

    def to_json(self) -> dict[str, Any]:
        return {"dockerfile": str(self.dockerfile), "context": str(self.context), "target": self.target,
                "build_args": dict(self.build_args), "images": list(self.images), "origin": self.origin,
                "dockerignore": None if self.dockerignore is None else str(self.dockerignore)}


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"path": str(self.path), "reason": self.reason}


@dataclass(frozen=True)
class ManifestDoc:
    """One deployment input as it is deployed.

    kind: ``kubernetes`` (a raw YAML file at ``path``; ``data``: its bytes as the project walk read
    them, None when it did not keep them), ``compose`` (the merged document of ``files``, in
    ``compose``), ``kustomize`` / ``helm`` (rendered ``text``; findings point at ``path``, the
    kustomization file or Chart.yaml, without line numbers)."""

    kind: str
    path: Path
    files: tuple[Path, ...] = ()
    text: str | None = None
    compose: Any = None
    origin: str = ""
    data: bytes | None = field(default=None, repr=False, compare=False)


@dataclass
class Project:
    root: Path
    dockerfiles: list[Path] = field(default_factory=list)
    builds: list[ImageBuild] = field(default_factory=list)
    manifest_docs: list[ManifestDoc] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # (compose file, service) -> its build, for every file of the merged compose project
    service_builds: dict[tuple[Path, str], ImageBuild] = field(default_factory=dict)
    # lookup indexes over builds / service_builds, rebuilt when those change (see _indexes)
    _index: Any = field(default=None, repr=False, compare=False)
    _resolved: Any = field(default=None, repr=False, compare=False)

    def builds_for(self, dockerfile: Path) -> list[ImageBuild]:
        key = self._real(dockerfile)
        return [b for b in self.builds if self._real(b.dockerfile) == key]

    def _real(self, p: Path) -> Path:
        """``p`` resolved, once per path and project (the tree does not change during a run)."""
        if self._resolved is None:
            self._resolved = {}
        got = self._resolved.get(p)
        if got is None:
            got = self._resolved[p] = _norm(p)
        return got

    def build_for_image(self, image_ref: str | None) -> ImageBuild | None:
        """The build tagged as ``image_ref`` (registry prefix docker.io/library/, a missing tag =
        latest and a digest are normalised); None when no build of this project names it."""
        if not image_ref:
            return None
        want = normalize_image(image_ref)
        if want is None:
            return None
        by_ref, by_name, _ = self._indexes()
        hits = by_ref.get(want, [])
        if not hits:
            # `image: app` (tag latest) may be built as `app:dev` etc.: only when one build has that name
            hits = by_name.get(want.rsplit(":", 1)[0], [])
            if len({b.dockerfile for b in hits}) != 1:
                return None
        return hits[0] if hits else None

    def build_for_service(self, compose_file: Path, service: str) -> ImageBuild | None:
        """The build of compose service ``service`` defined in ``compose_file`` (any of the merged files)."""
        return self._indexes()[2].get((self._real(Path(compose_file)), service))

    def _indexes(self) -> tuple[dict[str, list[ImageBuild]], dict[str, list[ImageBuild]],
                                dict[tuple[Path, str], ImageBuild]]:
        """(normalised image -> builds tagged so, image name without tag -> builds, (resolved compose
        file, service) -> build), in the order of ``builds`` / ``service_builds`` (the first wins), made
        once: every container of a big project asks."""
        key = (tuple(map(id, self.builds)), id(self.service_builds), len(self.service_builds))
        if self._index is not None and self._index[0] == key:
            return self._index[1]
        by_ref: dict[str, list[ImageBuild]] = {}
        by_name: dict[str, list[ImageBuild]] = {}
        for b in self.builds:
            refs = {normalize_image(i) for i in b.images}
            for r in dict.fromkeys(x for x in refs if x is not None):
                by_ref.setdefault(r, []).append(b)
            for n in dict.fromkeys((r or "").rsplit(":", 1)[0] for r in refs):
                by_name.setdefault(n, []).append(b)
        by_service: dict[tuple[Path, str], ImageBuild] = {}
        for (f, svc), b in self.service_builds.items():
            by_service.setdefault((self._real(Path(f)), svc), b)
        self._index = (key, (by_ref, by_name, by_service))
        return self._index[1]

    def skipped_count(self, reason_prefix: str) -> int:
        return sum(1 for s in self.skipped if s.reason.startswith(reason_prefix))

    def to_json(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "dockerfiles": [str(d) for d in self.dockerfiles],
            "builds": [b.to_json() for b in self.builds],
            "deployments": [{"kind": d.kind, "path": str(d.path), "files": [str(f) for f in d.files],
                             "origin": d.origin} for d in self.manifest_docs],
            "skipped": [s.to_json() for s in self.skipped],
            "notes": list(self.notes),
        }


def _norm(p: Path) -> Path:
    try:
        return Path(p).resolve()
    except OSError:
        return Path(p)


def normalize_image(ref: str) -> str | None:
    """``docker.io/library/app:1@sha256:..`` -> ``app:1``; ``app`` -> ``app:latest``; None when
    the reference still holds unresolved variables."""
    ref = ref.strip()
    if not ref or "$" in ref or "{" in ref:
        return None
    ref = ref.split("@", 1)[0]
    for prefix in ("docker.io/library/", "index.docker.io/library/", "registry-1.docker.io/library/",
                   "docker.io/", "index.docker.io/"):
        if ref.startswith(prefix):
            ref = ref[len(prefix):]
            break
    slash, colon = ref.rfind("/"), ref.rfind(":")
    if colon <= slash:
        ref += ":latest"
    return ref.lower()
