"""Lines of a Dockerfile as BuildKit splits them: a leaf module (no model, no parser), so the text report
can show a reported line without importing the Dockerfile side (``golayer image``/``runtime`` do not)."""

from __future__ import annotations


def split_lines(content: str, keepends: bool = True) -> list[str]:
    """The lines of a Dockerfile exactly as BuildKit's parser scans them: split at ``\n`` only (its
    ``scanLines``, a ``bufio.ScanLines`` variant). CR, VT, FF, FS/GS/RS, NEL (U+0085) and U+2028/U+2029 are
    ordinary characters inside a line -- unlike Python's ``str.splitlines``, which splits at all of them.
    Without ``keepends`` each line loses its trailing ``\r``/``\n`` (BuildKit's ``trimNewline``)."""
    parts = content.split("\n")
    if keepends:
        out = [p + "\n" for p in parts[:-1]]
        if parts[-1]:
            out.append(parts[-1])
        return out
    if parts and parts[-1] == "":
        parts.pop()
    return [p.rstrip("\r\n") for p in parts]
