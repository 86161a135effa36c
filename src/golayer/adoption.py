"""Adopting golayer on an existing repository: a baseline of accepted findings, and changed files only.

* ``--write-baseline FILE`` records the fingerprints of today's findings (after select/ignore/severity);
  ``--baseline FILE`` then reports only findings whose fingerprint is not in it, so a team can turn golayer on
  in CI without fixing everything first. Fingerprints (``Finding.fingerprint``) hash the rule, the file as
  given, the stage and the finding's subject, not the line: moving code does not make a finding new.
* ``--changed-since REF`` keeps findings in files that differ from the git ref ``REF`` (committed, staged,
  unstaged and untracked-but-not-ignored changes); findings without a file (an image's) are kept.

The git command is run with the repository's own hooks and fsmonitor switched off; nothing from the
repository is executed.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Iterable

from golayer.errors import UsageError
from golayer.findings import Finding

BASELINE_SCHEMA = "golayer-baseline/v1"
_MAX_BASELINE = 64 * 1024 * 1024


def read_baseline(path: str) -> set[str]:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_MAX_BASELINE + 1)
    except OSError as exc:
        raise UsageError(f"cannot read baseline {path}: {exc.strerror}") from None
    if len(raw) > _MAX_BASELINE:
        raise UsageError(f"baseline {path}: larger than {_MAX_BASELINE // (1024 * 1024)} MiB")
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        raise UsageError(f"baseline {path}: not JSON (write one with --write-baseline)") from None
    if not isinstance(doc, dict) or doc.get("schema") != BASELINE_SCHEMA or not isinstance(doc.get("findings"), list):
        raise UsageError(f"baseline {path}: not a golayer baseline (expected schema {BASELINE_SCHEMA!r})")
    out = set()
    for entry in doc["findings"]:
        fp = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fp, str):
            raise UsageError(f"baseline {path}: every entry needs a string 'fingerprint'")
        out.add(fp)
    return out


def baseline_document(findings: Iterable[Finding]) -> dict:
    entries = sorted(({"fingerprint": f.fingerprint(), "rule": f.rule, "file": f.file, "message": f.message}
                      for f in findings), key=lambda e: (e["file"] or "", e["rule"], e["fingerprint"]))
    unique = list({e["fingerprint"]: e for e in entries}.values())
    return {"schema": BASELINE_SCHEMA, "findings": unique}


def write_baseline(path: str, findings: Iterable[Finding]) -> None:
    from golayer.limits import atomic_write

    text = json.dumps(baseline_document(findings), indent=2) + "\n"
    try:
        atomic_write(Path(path), text)
    except OSError as exc:
        raise UsageError(f"cannot write baseline {path}: {exc.strerror}") from None


def _git(args: list[str], cwd: Path) -> str:
    cmd = ["git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", *args]
    try:
        r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60,
                           env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"})
    except FileNotFoundError:
        raise UsageError("--changed-since needs git on PATH") from None
    except subprocess.TimeoutExpired:
        raise UsageError("--changed-since: git did not answer within 60 s") from None
    if r.returncode != 0:
        lines = r.stderr.strip().splitlines() or ["git failed"]
        if any("not a git repository" in ln for ln in lines):
            raise UsageError(f"--changed-since: {cwd} is not inside a git repository "
                             "(run golayer from the repository's work tree)")
        msg = next((ln for ln in lines if ln.startswith(("fatal:", "error:"))), lines[-1])
        raise UsageError(f"--changed-since: git: {msg.removeprefix('fatal: ').removeprefix('error: ')}")
    return r.stdout


def changed_files(ref: str, cwd: Path | None = None) -> set[Path]:
    """Absolute paths of files that differ from ``ref`` in the work tree (plus untracked, not ignored)."""
    if ref.startswith("-"):
        raise UsageError(f"--changed-since {ref}: not a git revision")
    cwd = cwd or Path.cwd()
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())
    names = _git(["diff", "--name-only", "-z", "--no-renames", ref, "--"], cwd).split("\0")
    names += _git(["ls-files", "--others", "--exclude-standard", "-z", "--full-name"], top).split("\0")
    return {(top / n).resolve() for n in names if n}


def only_changed(findings: list[Finding], changed: set[Path]) -> list[Finding]:
    keep = []
    for f in findings:
        if not f.file or f.file == "-" or Path(f.file).resolve() in changed:
            keep.append(f)
    return keep
