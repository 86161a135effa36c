"""Text that XML 1.0 can carry: characters XML forbids (most C0 controls, lone surrogates, U+FFFE/FFFF)
would make the whole report unreadable to its consumer, so they are shown as ``\\xNN`` like the text report."""

from __future__ import annotations

import re

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(s: str) -> str:
    return _FORBIDDEN.sub(lambda m: f"\\x{ord(m.group()):02x}", s)
