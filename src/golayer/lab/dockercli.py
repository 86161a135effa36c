"""A thin wrapper around the ``docker`` client: one place for how golayer talks to the daemon.

The lab drives the real client (``/usr/bin/docker`` unless ``GOLAYER_DOCKER`` says otherwise)
rather than the API, so what it measures is what a user's ``docker build`` does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Sequence

from golayer.errors import InputError

START_HINT = (
    "start a Docker daemon: `sudo systemctl start docker` (or `sudo dockerd &` where there is no "
    "systemd), then check with `docker info`; scripts/ci-docker.sh installs and starts one"
)


def docker_path() -> str:
    env = os.environ.get("GOLAYER_DOCKER")
    if env:
        return env
    if Path("/usr/bin/docker").exists():
        return "/usr/bin/docker"
    return shutil.which("docker") or "docker"


def run(args: Sequence[str], *, input: bytes | None = None, env: dict[str, str] | None = None,
        timeout: float | None = None, check: bool = True, text: bool = True,
        cwd: str | None = None) -> subprocess.CompletedProcess:
    """Run ``docker ARGS`` and capture its output. Raises InputError on a failed start."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        cp = subprocess.run([docker_path(), *args], input=input,
                            capture_output=True, env=full_env, timeout=timeout, text=text, cwd=cwd)
    except FileNotFoundError:
        raise InputError("no docker client found", hint="install docker (Debian: apt-get install docker.io); "
                         + START_HINT) from None
    if check and cp.returncode != 0:
        err = cp.stderr if text else cp.stderr.decode(errors="replace")
        raise InputError(f"docker {' '.join(args[:2])} failed: {err.strip()[-2000:]}")
    return cp


_DAEMON_OK: list[str] = []


def ensure_daemon() -> str:
    """The daemon's version, or a clear error saying how to start one."""
    if _DAEMON_OK:
        return _DAEMON_OK[0]
    try:
        cp = run(["version", "--format", "{{.Server.Version}}"], check=False, timeout=30)
    except subprocess.TimeoutExpired:
        raise InputError("the Docker daemon did not answer `docker version` within 30 s", hint=START_HINT) from None
    if cp.returncode != 0 or not cp.stdout.strip():
        lines = [ln for ln in cp.stderr.strip().splitlines() if "Cannot connect" in ln or "permission" in ln]
        detail = (lines or cp.stderr.strip().splitlines() or ["no answer"])[-1]
        raise InputError(f"no Docker daemon reachable ({detail})", hint=START_HINT)
    _DAEMON_OK.append(cp.stdout.strip())
    return _DAEMON_OK[0]


def image_inspect(ref: str) -> dict[str, Any] | None:
    cp = run(["image", "inspect", ref], check=False)
    if cp.returncode != 0:
        return None
    data = json.loads(cp.stdout or "[]")
    return data[0] if data else None


def image_exists(ref: str) -> bool:
    return run(["image", "inspect", "--format", "{{.Id}}", ref], check=False).returncode == 0


def remove_images(refs: Sequence[str]) -> None:
    if refs:
        run(["image", "rm", "-f", *refs], check=False)
