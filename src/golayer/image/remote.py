"""Where an image reference that is not a local file is read from.

=============================  ============================================================
reference                      read from
=============================  ============================================================
``registry:REF``               the registry (always; :mod:`golayer.image.registry`)
``HOST/REPO[:TAG][@DIGEST]``   the local Docker daemon *if it already holds that name*,
(first component has ``.`` or  otherwise the registry; the report says which
``:``, or is ``localhost``)
``docker:NAME``, ``NAME``      the local Docker daemon (a short name never goes to a registry)
``containerd:NAME``            containerd's content store (:mod:`golayer.image.containerd`)
``podman:NAME``                podman's image store (:mod:`golayer.image.podman`)
=============================  ============================================================
"""

from __future__ import annotations

from typing import Callable


_SOURCE: dict[str, str | None] = {}


def configure(namespace: str | None = None, containerd_root: str | None = None) -> None:
    """Command-line options of the containerd/podman sources (environment fills the gaps)."""
    _SOURCE.clear()
    _SOURCE.update(namespace=namespace, containerd_root=containerd_root)


def source_options() -> dict[str, str | None]:
    return dict(_SOURCE)


def daemon_holds(name: str) -> bool | None:
    """Whether the local Docker daemon holds image ``name`` (None: no daemon socket to ask)."""
    from urllib.parse import quote

    from golayer.image.dockerstore import Unusable, get_json, socket_path

    sock = socket_path()
    if sock is None:
        return None
    try:
        return get_json(sock, f"/images/{quote(name, safe='/:@')}/json", timeout=10)[0] == 200
    except (OSError, Unusable):
        return None


def _partial(loaded) -> str:
    first = getattr(loaded, "first_layer", 0)
    if not first:
        return ""
    n = first + len(loaded.layers)
    return (f"; only layers {first}-{n - 1} of {n} were fetched: the entrypoint binary"
            f" {loaded.entrypoint} is in layer {first}, and the lower layers cannot change it")


def load(kind: str, target: str, platform: str | None, verify: bool | None, progress: Callable[[str], None] | None,
         entrypoint_only: bool = False):
    from golayer.image import sources

    if kind == "registry-or-daemon":
        if daemon_holds(target):
            loaded = sources.load("docker:" + target, platform, verify, progress)
            how = getattr(loaded, "note", None)
            loaded.note = (f"read from the local Docker daemon, which holds {target}"  # type: ignore[attr-defined]
                           f" (registry:{target} reads the registry)" + (f"; {how}" if how else ""))
            return loaded
        from golayer.image import registry

        loaded = registry.load(target, platform, verify, progress, entrypoint_only)
        loaded.note = (f"read from the registry {registry.parse(target).host}"  # type: ignore[attr-defined]
                       " (the local Docker daemon does not hold it)" + _partial(loaded))
        return loaded
    if kind == "registry":
        from golayer.image import registry

        loaded = registry.load(target, platform, verify, progress, entrypoint_only)
        loaded.note = f"read from the registry {registry.parse(target).host}" + _partial(loaded)  # type: ignore[attr-defined]
        return loaded
    if kind == "containerd":
        from golayer.image import containerd

        return containerd.load(target, platform, verify, progress)
    if kind == "podman":
        from golayer.image import podman

        return podman.load(target, platform, verify, progress)
    raise AssertionError(kind)
