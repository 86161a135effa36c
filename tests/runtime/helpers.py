"""Helpers for the runtime tests: write a manifest, run `golayer runtime` on it, read the JSON."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from tests.conftest import run_cli


def write(tmp_path: Path, text: str, name: str = "app.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p


def run_json(*argv: str, stdin: str | None = None, cwd: Path | None = None, assume_go: bool = True,
             opt_in: bool = True) -> tuple[int, dict]:
    """``golayer runtime -f json``. Rule tests use made-up images, so ``assume_go`` adds --assume-go,
    and ``opt_in`` adds ``--select ALL`` so the opt-in rules (memory-limit-missing, probes-missing) run."""
    flags = (["--assume-go"] if assume_go else []) + (["--select", "ALL"] if opt_in else [])
    r = run_cli(["runtime", "-f", "json", *flags, *argv], stdin=stdin, cwd=cwd)
    assert r.code in (0, 1), (r.code, r.err)
    return r.code, json.loads(r.out)


def rules_of(doc: dict) -> list[str]:
    return [f["rule"] for f in doc["findings"]]


def deployment(container: str = "", kind: str = "Deployment", annotations: str = "", pod_extra: str = "") -> str:
    """A workload whose single container gets ``container`` (YAML lines at container indent)."""
    if container.startswith(PROBES):  # PROBES + an indented block: dedent each part on its own
        container = PROBES.strip("\n") + "\n" + textwrap.dedent(container[len(PROBES):]).strip("\n")
    body = textwrap.indent(textwrap.dedent(container).strip("\n"), " " * 8) if container.strip() else ""
    ann = ("\n  annotations:\n" + textwrap.indent(textwrap.dedent(annotations).strip("\n"), " " * 4)) \
        if annotations else ""
    pod_extra = textwrap.indent(textwrap.dedent(pod_extra).strip("\n"), " " * 6) + "\n" if pod_extra else ""
    return (f"apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: api{ann}\nspec:\n  template:\n    spec:\n"
            f"{pod_extra}      containers:\n      - name: app\n        image: registry.example.com/app:1\n"
            f"{body}\n")


PROBES = """
livenessProbe: {httpGet: {path: /healthz, port: 8080}}
readinessProbe: {httpGet: {path: /readyz, port: 8080}}
"""
