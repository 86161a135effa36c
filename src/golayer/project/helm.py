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
import tempfile
from pathlib import Path

from golayer.project.kustomize import run_tool

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
        text, failure = run_tool(cmd, env, "helm template", TIMEOUT, MAX_OUTPUT)
        if failure is not None and failure.startswith("helm template failed: "):
            failure = failure[:len("helm template failed: ") + 200]
        return text, failure
