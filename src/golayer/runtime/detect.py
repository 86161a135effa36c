"""Which containers run Go, and what their binaries say about the runtime's behaviour.

Order of evidence: an image analysis given with ``--image NAME=REF`` (NAME is a container or
service name, or an image reference as written in the manifest; the buildinfo of the image's Go
binary gives the Go version, whether the main module's ``go`` line was below 1.25 —
``DefaultGODEBUG`` then contains ``containermaxprocs=0`` — and whether automemlimit /
automaxprocs are linked; the image's ENV supplies defaults for GOMEMLIMIT, GOGC, GOMAXPROCS,
GODEBUG), then the ``[tool.golayer.runtime]`` patterns ``go-images`` / ``not-go-images``
(fnmatch on the image reference), then the default: assume Go (``assume-go = false`` turns that
off) and say so.
"""

from __future__ import annotations

import fnmatch
from typing import Any, Iterable

from golayer.runtime.model import GoInfo, RuntimeModel

AUTOMEMLIMIT = "github.com/KimMachineGun/automemlimit"
AUTOMAXPROCS = "go.uber.org/automaxprocs"


def image_name(ref: str) -> str:
    """``registry:5000/team/app:1.2@sha256:..`` -> ``registry:5000/team/app``."""
    base = ref.split("@", 1)[0]
    slash = base.rfind("/")
    colon = base.rfind(":")
    if colon > slash:
        base = base[:colon]
    return base


def go_info_from_analysis(analysis: Any) -> GoInfo:
    """GoInfo from an ``ImageAnalysis`` (golayer.image.model): the entrypoint's Go binary when it
    can be identified, else the largest Go binary with buildinfo."""
    env = {}
    try:
        env = dict(analysis.env)
    except Exception:  # a hand-made or partial analysis
        env = {}
    if getattr(analysis, "binaries_available", True) is False:
        return GoInfo(is_go=True, assumed=True, image_env=env,
                      reason=f"image {analysis.ref}: binary inspection is not available in this build; assumed Go")
    bins = [b for b in getattr(analysis, "binaries", []) or [] if getattr(b, "is_go", False)]
    if not bins:
        return GoInfo(is_go=False, assumed=False, reason=f"image {analysis.ref}: no Go binary found",
                      image_env=env)
    cfg = (getattr(analysis, "config", None) or {}).get("config") or {}
    argv = list(cfg.get("Entrypoint") or []) + list(cfg.get("Cmd") or [])
    chosen = None
    if argv:
        first = str(argv[0])
        chosen = next((b for b in bins if b.path == first or b.path.rsplit("/", 1)[-1] == first.rsplit("/", 1)[-1]),
                      None)
    if chosen is None:
        with_bi = [b for b in bins if b.buildinfo is not None] or bins
        chosen = max(with_bi, key=lambda b: b.size)
    info = GoInfo(is_go=True, assumed=False, reason=f"image {analysis.ref}: Go binary {chosen.path}",
                  binary=chosen.path, image_env=env)
    bi = chosen.buildinfo
    if bi is not None:
        info.go_version = bi.go_version
        dg = bi.setting("DefaultGODEBUG") or ""
        keys = {p.split("=", 1)[0]: p.split("=", 1)[1] for p in dg.split(",") if "=" in p}
        if keys.get("containermaxprocs") == "0":
            info.module_go_before_125 = True
        elif info.version_tuple is not None and info.version_tuple >= (1, 25):
            info.module_go_before_125 = False
        info.automemlimit = bi.has_dep(AUTOMEMLIMIT) or any(
            str(d.get("Path", "")).startswith(AUTOMEMLIMIT + "/") for d in bi.deps)
        info.automaxprocs = bi.has_dep(AUTOMAXPROCS)
    return info


def classify(model: RuntimeModel, analyses: dict[str, Any], section: dict[str, Any]) -> None:
    """Fill ``container.go`` for every container of the model."""
    go_pats = _patterns(section.get("go-images"))
    not_go = _patterns(section.get("not-go-images"))
    assume = section.get("assume-go", True)
    infos = {name: go_info_from_analysis(a) for name, a in analyses.items()}
    for _w, c in model.containers():
        img = c.image or ""
        info = None
        for key in (c.name, img, image_name(img) if img else None):
            if key and key in infos:
                info = infos[key]
                break
        if info is not None:
            c.go = info
            continue
        if img and any(fnmatch.fnmatchcase(img, p) or fnmatch.fnmatchcase(image_name(img), p) for p in not_go):
            c.go = GoInfo(is_go=False, assumed=False, reason="matches not-go-images")
        elif img and any(fnmatch.fnmatchcase(img, p) or fnmatch.fnmatchcase(image_name(img), p) for p in go_pats):
            c.go = GoInfo(is_go=True, assumed=False, reason="matches go-images")
        elif assume:
            c.go = GoInfo(is_go=True, assumed=True)
        else:
            c.go = GoInfo(is_go=False, assumed=False, reason="assume-go = false and no pattern matched")


def _patterns(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return []
