"""Helpers shared by the CI report formats (gitlab, junit, checkstyle, sonarqube).

CI systems key findings by a file path relative to the repository root. golayer's findings carry the path
as the user gave it (``Dockerfile``, ``./deploy/app.yaml``, an absolute path); image findings carry no file but
the image reference. One function decides the path every CI format shows, so they all agree.
"""

from __future__ import annotations

import os
from pathlib import PurePosixPath

from golayer.findings import Finding


def ci_path(f: Finding) -> str | None:
    """The finding's file as a clean relative POSIX path when it lies below the working directory, else as
    given; ``None`` when the finding has no file (image findings)."""
    if not f.file or f.file == "-":
        return None
    path = f.file
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
        except ValueError:  # another drive (Windows)
            return path.replace(os.sep, "/")
        if not rel.startswith(".."):
            path = rel
    clean = str(PurePosixPath(path.replace(os.sep, "/")))
    return clean[2:] if clean.startswith("./") else clean


def subject(f: Finding) -> str:
    """Where a finding without a CI path is: ``-`` for standard input, else the image reference, container or
    layer it names."""
    if f.file == "-":
        return "-"
    return str(f.extra.get("image") or f.location or f.extra.get("location") or "image")


def full_message(f: Finding) -> str:
    if not f.hint or f.hint in f.message:
        return f.message
    return f"{f.message} ({f.hint})"
