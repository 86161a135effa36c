"""Base-image knowledge: what golayer knows about an image reference, from ``bases.toml``.

``lookup("golang:1.22-alpine")`` -> :class:`~golayer.dockerfile.model.BaseImage`. Unknown images give
``BaseImage(ref, known=False)`` and rules stay silent about them. See docs/base-images.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from golayer.dockerfile.model import UNKNOWN, BaseImage

DATA = Path(__file__).with_name("bases.toml")
_HUB = {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}


@dataclass(frozen=True)
class ImageRef:
    registry: str | None  # None for Docker Hub
    repo: str  # "golang", "gcr.io/distroless/static-debian12" (registry kept for non-Hub images)
    tag: str  # "latest" when absent
    digest: str | None


def parse_ref(ref: str) -> ImageRef:
    """Normalise an image reference: Docker Hub prefixes and ``library/`` dropped, tag and digest split."""
    ref = ref.strip()
    digest = None
    if "@" in ref:
        ref, _, digest = ref.partition("@")
    name, tag = ref, ""
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        name, tag = ref[:colon], ref[colon + 1 :]
    parts = name.split("/")
    registry = None
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry = parts[0].lower()
        parts = parts[1:]
    if registry in _HUB:
        registry = None
    path = "/".join(parts)
    if registry is None and path.startswith("library/"):
        path = path[len("library/") :]
    if "/library/" in "/" + path and registry is not None:  # mirrors: public.ecr.aws/docker/library/golang
        path = path.split("library/", 1)[1]
        registry = None
    repo = f"{registry}/{path}" if registry else path
    return ImageRef(registry=registry, repo=repo.lower(), tag=tag or ("" if digest else "latest"), digest=digest)


@lru_cache(maxsize=1)
def entries() -> list[dict[str, Any]]:
    from golayer.knowledge import load

    return list(load(DATA.name).get("image", []))


@lru_cache(maxsize=1024)
def entry_for(ref: str) -> dict[str, Any] | None:
    """The bases.toml entry of an image reference (the table's own dict: read it, never modify it)."""
    r = parse_ref(ref)
    if not r.repo or UNKNOWN in r.repo or "$" in r.repo:
        return None
    from golayer.knowledge import glob_match

    for e in entries():
        if not glob_match(r.repo, e["repo"]):
            continue
        tags = e.get("tags")
        if tags and not any(glob_match(r.tag, t) for t in tags):
            continue
        return e
    return None


_GO_TAG = re.compile(r"^(\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)(?:$|[-_])")


@lru_cache(maxsize=256)
def _lookup(ref: str) -> BaseImage:
    e = entry_for(ref)
    if e is None:
        return BaseImage(ref=ref, known=False)
    r = parse_ref(ref)
    img = BaseImage(
        ref=ref,
        known=True,
        family=e.get("family"),
        libc=e.get("libc"),
        has_shell=e.get("has_shell"),
        has_cc=e.get("has_cc"),
        default_user=e.get("default_user"),
        has_ca=e.get("has_ca"),
        has_tzdata=e.get("has_tzdata"),
        is_toolchain=bool(e.get("is_toolchain", False)),
        is_full_distro=bool(e.get("is_full_distro", False)),
        env=dict(e.get("env", {})),
    )
    tag = r.tag if UNKNOWN not in r.tag and "$" not in r.tag else ""
    if img.is_toolchain:
        m = _GO_TAG.match(tag)
        if m:
            img.go_version = m.group(1)
            if img.family == "golang":
                img.env = {"GOLANG_VERSION": m.group(1), **img.env}
    if img.family == "distroless":
        if "debug" in r.tag:
            img.has_shell = True  # busybox at /busybox/sh
        if "nonroot" in r.tag:
            img.default_user = "65532"
    return img


def lookup(ref: str) -> BaseImage:
    """Knowledge about an image reference (a fresh copy the caller may modify)."""
    from dataclasses import replace

    img = _lookup(ref)
    return replace(img, env=dict(img.env))


def workdir(ref: str) -> str | None:
    e = entry_for(ref)
    return e.get("workdir") if e else None


def package_manager(ref: str) -> str | None:
    e = entry_for(ref)
    return e.get("package_manager") if e else None
