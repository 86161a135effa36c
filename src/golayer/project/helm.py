"""Helm charts: rendered with ``helm template`` when a ``helm`` binary is on PATH, else skipped (and
said so). A chart's files (``templates/``, values) are never read as raw manifests.

``helm template RELEASE CHART`` renders locally with the chart's default values (plus any
``--values`` the user passes): no cluster, no repository access (``--dependency-update`` is not
passed; a chart whose dependencies are not vendored under ``charts/`` fails and is skipped with
helm's reason). Timeout and output cap as for kustomize.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 60
MAX_OUTPUT = 32 * 1024 * 1024


def binary() -> str | None:
    return shutil.which("helm")


def render(chart: Path, values: list[Path] | None = None) -> tuple[str | None, str | None]:
    exe = binary()
    if exe is None:
        return None, "no helm binary"
    cmd = [exe, "template", "golayer", str(chart)]
    for v in values or []:
        cmd += ["--values", str(v)]
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "TMPDIR")}
        env.update(HOME=home, HELM_CACHE_HOME=home, HELM_CONFIG_HOME=home, HELM_DATA_HOME=home,
                   KUBECONFIG=os.devnull)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            try:
                proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
            except OSError as exc:
                return None, f"cannot run helm: {exc.strerror or exc}"
            try:
                proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                return None, f"helm template took longer than {TIMEOUT} s"
            if proc.returncode != 0:
                err.seek(0)
                lines = err.read(64 * 1024).decode("utf-8", "replace").strip().splitlines() or ["failed"]
                return None, f"helm template failed: {lines[-1][:200]}"
            if out.tell() > MAX_OUTPUT:
                return None, f"output larger than {MAX_OUTPUT >> 20} MiB"
            out.seek(0)
            return out.read(MAX_OUTPUT + 1).decode("utf-8", "replace"), None
