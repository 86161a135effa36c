"""``podman:NAME``: an image from podman's store, through podman's own export stream.

podman has no daemon: ``podman image save --format docker-archive NAME`` reads its store
(``containers/storage``, rootful or rootless, whatever the user's ``storage.conf`` says) and
writes a ``docker save`` stream, which golayer parses in one pass exactly like the Docker daemon's
export (:func:`golayer.image.sources.load_stream`): nothing is written to disk, the layers' sha256
are checked against the config's ``diff_ids``.

Why not the store itself: containers/storage keeps *extracted* layers (overlay ``diff``
directories) and only the digests of the original tars, so reading it directly would mean
re-creating tars from directories -- with podman's own permissions, ID mappings and locking
rules for rootless stores. podman's export does exactly that and is the interface podman
promises to keep. ``podman`` must be on ``PATH`` (``GOLAYER_PODMAN`` names another binary).
A short name is resolved by podman (``myapp:1`` finds ``localhost/myapp:1``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Callable

from golayer.errors import InputError


def _podman() -> str:
    prog = os.environ.get("GOLAYER_PODMAN") or shutil.which("podman")
    if not prog:
        raise InputError("podman: references need the podman command, which is not on PATH",
                         hint="install podman, or export the image: podman save NAME -o image.tar")
    return prog


def _export(name: str) -> tuple[Callable[[int], bytes], Callable[[], None]]:
    proc = subprocess.Popen([_podman(), "image", "save", "--format", "docker-archive", name],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    closed = [False]

    def close() -> None:
        if closed[0]:
            return
        closed[0] = True
        proc.stdout.close()
        err = proc.stderr.read(64 << 10).decode("utf-8", "replace")
        proc.stderr.close()
        if proc.wait() != 0:
            msg = " ".join(err.strip().splitlines()[-1:]).removeprefix("Error: ")
            if "image not known" in msg or "no such image" in msg.lower():
                raise InputError(f"podman holds no image {name}", hint="`podman images` lists what it holds")
            raise InputError(f"podman image save {name} failed: {msg[:300]}")

    return proc.stdout.read, close


def load(target: str, platform: str | None, verify: bool | None, progress: Callable[[str], None] | None):
    from golayer.image import sources

    read, close = _export(target)
    try:
        loaded = sources.load_stream(read, target, "podman", platform, progress, lambda: _export(target))
    except InputError:
        close()  # podman's own error (no such image) explains an empty or cut stream better
        raise
    close()
    if platform and not sources._platform_matches(loaded.platform, platform):
        raise InputError(f"podman:{target} is {loaded.platform or 'of unknown platform'}, not {platform}")
    loaded.note = "read from podman's image store (podman image save stream, nothing written to disk)"  # type: ignore[attr-defined]
    return loaded
