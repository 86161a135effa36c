"""Every bound golayer puts on what it reads, and the shared mechanisms that enforce them.

golayer runs in CI on files written by strangers. Each input passes through one of the helpers
here, so a limit is enforced in one place and documented once (docs/security.md lists them all):

* :func:`read_bounded` -- the one way a file or standard input is read: regular files and stdin only
  (no devices, FIFOs, directories), at most ``limit`` bytes, a clear error past it.
* :func:`atomic_write` -- the one way golayer writes a file: a temporary file in the same directory,
  fsync'd, mode and owner kept, renamed over the target (through a symlink: over the symlink's target).
  A crash, a full disk or ``kill -9`` leaves either the old file or the new one, never a part.
* :func:`exact_decimal` / :func:`digits_ok` -- numbers from input go through these before exact
  arithmetic (``int()``, ``Fraction``): digit counts and exponents are bounded first.
* :class:`ExpansionBudget` -- variable expansion (Dockerfile ``$VAR``, Kubernetes ``$(VAR)``) is bounded
  the way Linux bounds a process's environment: one string at most ``MAX_ARG_STRLEN`` bytes.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from golayer.errors import InputError, UsageError

if TYPE_CHECKING:  # fractions (and decimal under it) only when a number is parsed: not on lint's path
    from fractions import Fraction

# --- sizes of inputs -----------------------------------------------------------------------------
MAX_DOCKERFILE_BYTES = 16 << 20  # BuildKit caps a line at 64 KiB; 16 MiB is far beyond any real Dockerfile
MAX_MANIFEST_BYTES = 32 << 20  # Kubernetes/compose YAML (etcd refuses objects over 1.5 MiB)

# --- expansion -----------------------------------------------------------------------------------
# Linux refuses to exec a process whose single argument or environment string is longer than
# MAX_ARG_STRLEN (32 pages = 128 KiB): execve fails with E2BIG, "argument list too long". A build arg
# or ENV value past it makes every later RUN fail; a container env value past it cannot start.
MAX_ARG_STRLEN = 128 << 10
# Total characters one file's expansions may produce (all values together).
MAX_EXPANSION_TOTAL = 64 << 20

# --- numbers -------------------------------------------------------------------------------------
MAX_NUMBER_DIGITS = 400  # float64 holds ~17 significant digits, int64 19; 400 is generous
MAX_EXPONENT = 400  # |exponent| past this is ±Inf or 0 for float64 (max ~1.8e308, min ~4.9e-324)


class ExpansionError(InputError):
    """An expanded value grew past a limit (raised out of model building; exit 2)."""


class ExpansionBudget:
    """Counts the characters produced by one input's variable expansions."""

    def __init__(self, per_value: int = MAX_ARG_STRLEN, total: int = MAX_EXPANSION_TOTAL):
        self.per_value = per_value
        self.total = total
        self.used = 0

    def charge(self, size: int) -> None:
        """Account for a produced value of ``size`` characters; raise ExpansionError past a limit."""
        if size > self.per_value:
            raise ExpansionError(
                f"a value expands to more than {self.per_value >> 10} KiB; Linux passes at most "
                f"{MAX_ARG_STRLEN >> 10} KiB per environment string (MAX_ARG_STRLEN), so a process given "
                "it fails to start with 'argument list too long'")
        self.used += size
        if self.used > self.total:
            raise ExpansionError(f"variable expansion produced more than {self.total >> 20} MiB in total; "
                                 "refusing the input")


# --- reading -------------------------------------------------------------------------------------
def read_bounded(path: str | Path, limit: int, what: str = "file") -> bytes:
    """The bytes of ``path`` (``-`` = standard input), at most ``limit``; devices, FIFOs, sockets and
    directories are refused (an endless ``/dev/zero`` never hangs), larger inputs are input errors."""
    name = str(path)
    if name == "-":
        if sys.stdin is None or sys.stdin.closed:
            raise InputError("standard input is closed: nothing to read")
        stream = getattr(sys.stdin, "buffer", None)
        try:
            data = stream.read(limit + 1) if stream is not None else \
                sys.stdin.read(limit + 1).encode("utf-8", "surrogateescape")
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read standard input: {getattr(exc, 'strerror', None) or exc}") from None
        if data is None:
            data = b""
        if len(data) > limit:
            raise InputError(f"standard input is larger than {_size(limit)}: not a {what}")
        return data
    p = Path(path)
    try:
        st = p.stat()
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{p} is a directory, not a {what}")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{p} is not a regular file (a device, FIFO or socket): not a {what}")
        if st.st_size > limit:
            raise InputError(f"{p} is larger than {_size(limit)}: not a {what}")
        with p.open("rb") as fh:
            data = read_at_most(fh, limit + 1)
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except OSError as exc:
        raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError(f"{p} is larger than {_size(limit)}: not a {what}")
    return data


def read_at_most(fh, limit: int) -> bytes:
    """``fh.read(limit)`` of a binary file (up to ``limit`` bytes, less at its end) without asking for a
    ``limit``-byte buffer when the file is smaller: a 4 MiB ``read`` of a 5 KiB file costs ~10x more."""
    try:
        size = os.fstat(fh.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        return fh.read(limit)
    if size + 1 >= limit:
        return fh.read(limit)
    data = fh.read(size + 1)
    if len(data) == size + 1:  # grew since fstat (or not a regular file): read on up to the limit
        data += fh.read(limit - len(data))
    return data


def read_path_at_most(path: str, limit: int) -> bytes:
    """What ``read_at_most`` gives for the file at ``path``, read with ``os.read``: no buffered file
    object (a third of the cost of reading one of a source scan's thousands of small files)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        try:
            want = min(os.fstat(fd).st_size + 1, limit)
        except OSError:
            want = limit
        chunks: list[bytes] = []
        got = 0
        while got < limit:  # to the end (or the limit) even if the file grew since fstat
            chunk = os.read(fd, want - got if got < want else min(limit - got, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"


# --- writing -------------------------------------------------------------------------------------
def input_paths(report: Any) -> list[str]:
    """The files behind a report's inputs (``docker-archive:x.tar``/``oci:dir`` name a path too)."""
    out = []
    for ref in getattr(report, "inputs", []) or []:
        ref = str(ref)
        out.append(ref)
        kind, sep, rest = ref.partition(":")
        if sep and kind in ("docker-archive", "oci-archive", "oci", "archive"):
            out.append(rest)
    return out


def atomic_write(path: str | Path, data: bytes | str, *, inputs: list[str | Path] | None = None) -> None:
    """Replace ``path`` with ``data`` atomically: write a temporary file in the target's directory,
    fsync it, give it the old file's mode and owner, and rename it over the target. A symlink is
    followed (its target is replaced; the link stays). ``inputs``: files this run reads; writing over
    one of them is refused."""
    import tempfile

    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogateescape")
    p = Path(path)
    if inputs:
        refuse_overwriting_input(p, inputs)
    target = Path(os.path.realpath(p))
    try:
        old = target.stat()
    except FileNotFoundError:
        old = None
    except OSError as exc:
        raise UsageError(f"cannot write {p}: {exc.strerror or exc}") from None
    if old is not None and not stat.S_ISREG(old.st_mode):
        if stat.S_ISCHR(old.st_mode) and str(p).startswith("/dev/"):  # -o /dev/stdout and friends
            with open(target, "wb") as fh:
                fh.write(data)
            return
        raise UsageError(f"cannot write {p}: not a regular file")
    directory = target.parent
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".golayer-tmp", dir=directory)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if old is not None:
            os.chmod(tmp, stat.S_IMODE(old.st_mode))
            if hasattr(os, "chown") and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
                try:
                    os.chown(tmp, old.st_uid, old.st_gid)
                except PermissionError:
                    pass  # only root may give a file away; the mode is kept either way
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
        tmp = None
        try:  # make the rename itself durable
            dfd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass
    except OSError as exc:
        raise UsageError(f"cannot write {p}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def refuse_overwriting_input(out: str | Path, inputs: list[str | Path]) -> None:
    """An output path that is one of the inputs (same file, through any symlink) is a usage error."""
    try:
        o = os.stat(out)
    except OSError:
        return
    for i in inputs:
        if str(i) == "-":
            continue
        try:
            s = os.stat(i)
        except OSError:
            continue
        if (s.st_dev, s.st_ino) == (o.st_dev, o.st_ino):
            raise UsageError(f"refusing to write the report to {out}: it is an input of this run ({i})")


# --- numbers -------------------------------------------------------------------------------------
_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")


def digits_ok(s: str, limit: int = MAX_NUMBER_DIGITS) -> bool:
    """Whether ``s`` is short enough to give to ``int()`` (Python refuses > 4300 digits; large ones are
    slow)."""
    return len(s) <= limit


def exact_decimal(s: str, what: str = "number") -> Fraction:
    """A decimal number (``1``, ``-0.5``, ``1.5e3``, ``.5``) as an exact Fraction, with digits and exponent
    bounded first: beyond float64's range a number is rejected (too large) or becomes 0 (too small), as
    Go's ``strconv.ParseFloat`` does. Raises ValueError with the reason."""
    from fractions import Fraction

    t = s.strip()
    m = _DECIMAL.fullmatch(t)
    if not m or not (m.group(2) or m.group(3)):
        raise ValueError(f"{s!r} is not a {what}")
    sign, whole, frac, exp = m.group(1), m.group(2) or "", m.group(3) or "", m.group(4)
    whole = whole.lstrip("0")
    if len(whole) + len(frac) > MAX_NUMBER_DIGITS:
        raise ValueError(f"{s[:40]!r}{'…' if len(s) > 40 else ''} has more than {MAX_NUMBER_DIGITS} digits")
    e = 0
    if exp is not None:
        digits = exp.lstrip("+-").lstrip("0")
        if len(digits) > 6:
            e = (1 if not exp.startswith("-") else -1) * (10 ** 7)
        else:
            e = int(exp)
    mant = int(whole + frac or "0")
    e -= len(frac)
    if mant == 0:
        return Fraction(0)
    magnitude = len(str(mant)) + e  # decimal digits before the point
    if magnitude > MAX_EXPONENT:
        raise ValueError(f"{s[:40]!r} is out of range (too large)")
    if magnitude < -MAX_EXPONENT:
        return Fraction(0)  # underflows to 0, as a float64 would
    val = Fraction(mant) * (Fraction(10) ** e)
    return -val if sign == "-" else val
