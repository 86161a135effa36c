"""Kustomize: render each top-level kustomization with ``kubectl kustomize`` / ``kustomize build``.

Decisions (docs/project.md repeats them):

* A kustomization that another kustomization of the tree uses (``resources``, ``bases``,
  ``components``) is not rendered on its own: its workloads are judged through the overlays that
  use it. Every file a kustomization reads (resources, patches, ...) is not judged on its own
  either: patch files never, plain resources only through the rendered output.
* The binary runs with its defaults: no ``--enable-helm``, no ``--enable-alpha-plugins``, no
  exec plugins, the load restrictor on; golayer refuses beforehand a kustomization that names a
  remote resource (URL, ``git@``, ``github.com/...``) or a path leaving the scanned tree, so
  nothing is fetched and nothing outside the tree is read. Timeout :data:`TIMEOUT` seconds,
  output capped at :data:`MAX_OUTPUT` bytes.
* A ``kind: Component`` is never rendered alone (it only patches the kustomization that lists it);
  its files are not judged on their own either.
* Without a binary (``kubectl`` or ``kustomize`` on PATH), the kustomization is skipped and the
  summary says so; its plain resources are then judged on their own (patches still never).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TIMEOUT = 60
MAX_OUTPUT = 32 * 1024 * 1024
NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)")
LIST_KEYS = ("resources", "bases", "components")
FILE_KEYS = ("patchesStrategicMerge", "crds", "configurations")


@dataclass
class Kustomization:
    file: Path
    dir: Path
    uses: list[Path] = field(default_factory=list)  # kustomization dirs it builds on
    reads: list[Path] = field(default_factory=list)  # files it reads (resources, patches)
    patches: list[Path] = field(default_factory=list)
    problem: str | None = None  # why it cannot be rendered safely
    component: bool = False  # kind: Component: applied only through a kustomization that lists it


def _load_yaml(path: Path) -> Any:
    from golayer.runtime.manifests import _parse_docs, read_text

    _n, text = read_text(str(path))
    docs = _parse_docs(text, str(path), 0)
    return docs[0] if docs else None


def read(file: Path, root: Path) -> Kustomization:
    from golayer.fsutil import inside

    k = Kustomization(file=file, dir=file.parent)
    try:
        doc = _load_yaml(file)
    except Exception as exc:  # noqa: BLE001 - InputError and friends: report, do not render
        k.problem = f"cannot read it: {getattr(exc, 'message', exc)}"
        return k
    if not isinstance(doc, dict):
        k.problem = "not a mapping"
        return k
    k.component = doc.get("kind") == "Component"
    refs: list[tuple[str, str]] = []
    for key in LIST_KEYS:
        for v in doc.get(key) or [] if isinstance(doc.get(key), list) else []:
            if isinstance(v, str):
                refs.append((key, v))
    for key in FILE_KEYS:
        for v in doc.get(key) or [] if isinstance(doc.get(key), list) else []:
            if isinstance(v, str):
                refs.append(("patch", v))
    for key in ("patches", "patchesJson6902"):
        for v in doc.get(key) or [] if isinstance(doc.get(key), list) else []:
            if isinstance(v, dict) and isinstance(v.get("path"), str):
                refs.append(("patch", v["path"]))
            elif isinstance(v, str):
                refs.append(("patch", v))
    for key in ("configMapGenerator", "secretGenerator"):
        for g in doc.get(key) or [] if isinstance(doc.get(key), list) else []:
            for fk in ("files", "envs"):
                for v in (g.get(fk) or []) if isinstance(g, dict) and isinstance(g.get(fk), list) else []:
                    if isinstance(v, str):
                        refs.append(("file", v.split("=", 1)[-1]))
            if isinstance(g, dict) and isinstance(g.get("env"), str):
                refs.append(("file", g["env"]))
    if doc.get("helmCharts") or doc.get("helmChartInflationGenerator"):
        k.problem = "uses helmCharts (needs --enable-helm, which golayer does not turn on)"
    if doc.get("generators") or doc.get("transformers") or doc.get("validators"):
        k.problem = k.problem or "uses generator/transformer plugins, which golayer does not run"
    for key, v in refs:
        if _REMOTE.match(v) or "?ref=" in v or v.startswith("https:"):
            k.problem = f"names a remote resource ({v}); golayer fetches nothing"
            continue
        p = k.dir / v
        if not inside(p, root):
            k.problem = f"reads {v}, outside the scanned tree"
            continue
        if p.is_dir():
            if key in LIST_KEYS and any((p / n).is_file() for n in NAMES):
                k.uses.append(p)
        elif key == "patch":
            k.patches.append(p)
            k.reads.append(p)
        else:
            k.reads.append(p)
    return k


def binary() -> list[str] | None:
    exe = shutil.which("kubectl")
    if exe:
        return [exe, "kustomize"]
    exe = shutil.which("kustomize")
    if exe:
        return [exe, "build"]
    return None


def render(k: Kustomization) -> tuple[str | None, str | None]:
    """(rendered YAML, None) or (None, why not)."""
    cmd = binary()
    if cmd is None:
        return None, "no kubectl or kustomize binary"
    env = {k2: v for k2, v in os.environ.items() if k2 in ("PATH", "HOME", "LANG", "TMPDIR")}
    env["KUBECONFIG"] = os.devnull  # never talks to a cluster anyway; keep it so
    what = f"{Path(cmd[0]).name} {cmd[1]}"
    text, failure = run_tool(cmd + [str(k.dir)], env, what, TIMEOUT, MAX_OUTPUT)
    prefix = f"{what} failed: "
    if failure is not None and failure.startswith(prefix):
        last = failure[len(prefix):]
        m = re.search(r'\berr="((?:[^"\\]|\\.)*)"', last)  # klog: E1202 ... "command failed" err="..."
        if m:
            last = m.group(1).replace('\\"', '"')
        failure = prefix + last[:200]
    return text, failure


def run_tool(cmd: list[str], env: dict[str, str], what: str, timeout: float,
             max_output: int) -> tuple[str | None, str | None]:
    """Run a rendering tool (kubectl kustomize, helm template) with no stdin, a timeout and bounded output:
    (its standard output, None) or (None, why not — its last line of standard error when it failed)."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        except OSError as exc:
            return None, f"cannot run {Path(cmd[0]).name}: {exc.strerror or exc}"
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None, f"{what} took longer than {timeout} s"
        if proc.returncode != 0:
            err.seek(0)
            lines = err.read(64 * 1024).decode("utf-8", "replace").strip().splitlines() or ["failed"]
            return None, f"{what} failed: {lines[-1][:500]}"
        if out.tell() > max_output:
            return None, f"output larger than {max_output >> 20} MiB"
        out.seek(0)
        return out.read(max_output + 1).decode("utf-8", "replace"), None
