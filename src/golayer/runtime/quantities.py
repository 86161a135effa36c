"""Exact parsers for the value grammars a Go container's limits and settings are written in.

Four grammars meet in a manifest, and they disagree:

* **Kubernetes quantities** (``512Mi``, ``1G``, ``500m``, ``1e9``, ``.5``): the grammar of
  ``k8s.io/apimachinery`` ``resource.Quantity``. :func:`parse_quantity` returns the exact value as a
  :class:`~fractions.Fraction`; :func:`quantity_bytes` rounds up to whole bytes as the kubelet
  does (``Quantity.Value()``), :func:`quantity_millis` rounds up to millis (``MilliValue()``).
* **Compose byte strings** (``512m``, ``1g``, ``1.5GB``, ``2 kib``): compose-go first tries a
  plain (possibly negative) integer, then docker/go-units ``RAMInBytes`` (binary multiples,
  suffix case-insensitive, ``b``/``xb``/``xib`` forms, float arithmetic truncated to an integer).
* **Go's own environment grammars**, as the runtime parses them at start-up:
  ``GOMEMLIMIT`` (runtime ``parseByteCount``: ``^[+-]?[0-9]+(([KMGT]i)?B)?$`` with a
  non-negative int64 result, or ``off``, or empty = unset; anything else aborts the process with
  "fatal error: malformed GOMEMLIMIT", exit 2), ``GOGC`` (``off``, or a 32-bit integer; negative
  also means off; anything else is silently ignored = 100), ``GOMAXPROCS`` (a positive 32-bit
  integer; anything else is silently ignored).

Byte counts are always exact Python integers; no float ever holds a byte count except where
docker's own parser computes in float64 (compose), which is reproduced bit for bit.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from golayer.limits import MAX_NUMBER_DIGITS, exact_decimal

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30
TiB = 1 << 40
INT64_MAX = (1 << 63) - 1
INT32_MAX = (1 << 31) - 1

#: The default share of the container memory limit recommended for GOMEMLIMIT.
DEFAULT_GOMEMLIMIT_RATIO = Fraction(9, 10)
#: GOMEMLIMIT at or above this share of the limit leaves too little headroom.
DEFAULT_GOMEMLIMIT_MAX_RATIO = Fraction(95, 100)


class QuantityError(ValueError):
    """The text is not valid in the grammar asked for."""


# --------------------------------------------------------------------------------------------
# Go's strconv.ParseInt(s, 10, bits) (internal/strconv, as used by the runtime)
# --------------------------------------------------------------------------------------------
_DIGITS = re.compile(r"[0-9]+")


def go_parse_int(s: str, bits: int = 64) -> int | None:
    """``strconv.ParseInt(s, 10, bits)``: an optional sign and ASCII digits only (no
    underscores in base 10, no spaces); None on syntax or range error."""
    if not s:
        return None
    neg = False
    body = s
    if body[0] in "+-":
        neg = body[0] == "-"
        body = body[1:]
    if not _DIGITS.fullmatch(body):  # also rejects "", unicode digits (fullmatch on [0-9])
        return None
    if len(body.lstrip("0")) > 20:  # past any int64: a range error, decided before int() (digit limit)
        return None
    n = int(body)
    cutoff = 1 << (bits - 1)
    if not neg and n >= cutoff:
        return None
    if neg and n > cutoff:
        return None
    return -n if neg else n


# --------------------------------------------------------------------------------------------
# GOMEMLIMIT, GOGC, GOMAXPROCS
# --------------------------------------------------------------------------------------------
_GO_UNITS = {"KiB": KiB, "MiB": MiB, "GiB": GiB, "TiB": TiB}


def parse_go_byte_count(s: str) -> int | None:
    """The runtime's ``parseByteCount``: bytes, or None when the runtime rejects the text."""
    if s == "":
        return None
    last = s[-1]
    if "0" <= last <= "9":
        n = go_parse_int(s)
        return n if n is not None and n >= 0 else None
    if last != "B" or len(s) < 2:
        return None
    c = s[-2]
    if "0" <= c <= "9":
        n = go_parse_int(s[:-1])
        return n if n is not None and n >= 0 else None
    if c != "i" or len(s) < 4:
        return None
    mult = _GO_UNITS.get(s[-3:])
    if mult is None:
        return None
    n = go_parse_int(s[:-3])
    if n is None or n < 0:
        return None
    if n * mult > INT64_MAX:  # covers the runtime's uint64 and int64 overflow checks
        return None
    return n * mult


@dataclass(frozen=True)
class GoMemLimit:
    text: str
    valid: bool
    bytes: int | None  # None when off/unset or invalid
    off: bool = False  # "off" or "" (no limit)


def parse_gomemlimit(s: str) -> GoMemLimit:
    """GOMEMLIMIT as ``readGOMEMLIMIT`` reads it: "" and "off" mean no limit (exactly "off":
    "OFF" is fatal), anything parseByteCount rejects is fatal at start-up."""
    if s == "" or s == "off":
        return GoMemLimit(s, True, None, off=True)
    n = parse_go_byte_count(s)
    if n is None:
        return GoMemLimit(s, False, None)
    return GoMemLimit(s, True, n)


@dataclass(frozen=True)
class GoGC:
    text: str
    percent: int | None  # effective value; None = off
    ignored: bool = False  # not valid: the runtime silently uses 100

    @property
    def off(self) -> bool:
        return self.percent is None


def parse_gogc(s: str) -> GoGC:
    """``readGOGC``: exactly "off" -> off; a 32-bit integer -> that percent (negative = off);
    anything else (``OFF``, ``100%``, ``1e3``, too large) is ignored and GOGC stays 100."""
    if s == "off":
        return GoGC(s, None)
    n = go_parse_int(s, 32)
    if n is None:
        return GoGC(s, 100, ignored=s != "")
    if n < 0:
        return GoGC(s, None)
    return GoGC(s, n)


def parse_gomaxprocs(s: str) -> int | None:
    """``schedinit``: a positive 32-bit integer, else None (the runtime ignores the variable)."""
    n = go_parse_int(s, 32)
    return n if n is not None and n > 0 else None


_SUGGEST = re.compile(r"\s*\+?([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([kmgtpe]?)(i?)(b?)\s*", re.IGNORECASE)


def suggest_go_byte_count(text: str) -> tuple[str, str | None] | None:
    """The GOMEMLIMIT spelling of a byte count written in another grammar, as
    ``(suggestion, decimal_alternative)``: ``768Mi`` -> ``("768MiB", None)``; ``768M`` ->
    ``("768MiB", "768000000")`` (a bare K/M/G/T is read as binary, as docker and the JVM do,
    and the decimal reading is offered too); ``0.75GiB`` -> ``("768MiB", None)``. None when the
    text is no byte count at all."""
    m = _SUGGEST.fullmatch(text)
    if m:
        try:
            num = exact_decimal(m.group(1))
        except ValueError:  # too many digits: no byte count golayer could suggest
            return None
        unit, i = m.group(2).upper(), m.group(3)
        alt = None
        if unit:
            power = "KMGTPE".index(unit) + 1
            value = num * 1024**power
            if not i:
                dec = math.floor(num * 1000**power)
                alt = dec
        else:
            value = num
        n = math.floor(value)
        if n > INT64_MAX:
            return None
        alt_s = str(alt) if alt is not None and alt != n and alt <= INT64_MAX else None
        return format_go_bytes(n), alt_s
    try:
        q = parse_quantity(text.strip())
    except QuantityError:
        return None
    n = math.floor(q)
    if n < 0 or n > INT64_MAX:
        return None
    return format_go_bytes(n), None


def format_go_bytes(n: int) -> str:
    """A byte count in GOMEMLIMIT syntax, exact: the largest unit that divides it
    (``1073741824`` -> ``1GiB``, ``965738496`` -> ``921MiB``, ``1000`` -> ``1000``)."""
    if n < 0:
        raise ValueError("negative byte count")
    for unit, mult in (("TiB", TiB), ("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n and n % mult == 0:
            return f"{n // mult}{unit}"
    return str(n)


def recommend_gomemlimit(limit_bytes: int, ratio: Fraction = DEFAULT_GOMEMLIMIT_RATIO) -> str:
    """GOMEMLIMIT for a container memory limit: ``ratio`` of it, rounded DOWN to whole MiB
    (to whole KiB, then bytes, for limits under a few MiB). 1Gi at 0.9 -> ``921MiB``."""
    target = Fraction(limit_bytes) * Fraction(ratio)
    for mult in (MiB, KiB, 1):
        whole = math.floor(target / mult)
        if whole >= 1:
            return format_go_bytes(whole * mult)
    return "0"


def format_k8s_bytes(n: int) -> str:
    """A byte count as a Kubernetes quantity, rounded UP to whole Mi (``1073741824`` -> ``1Gi``)."""
    mi = -(-n // MiB)
    if mi % 1024 == 0 and mi:
        return f"{mi // 1024}Gi"
    return f"{mi}Mi"


def format_compose_bytes(n: int) -> str:
    """A byte count in compose/docker syntax, rounded UP to whole MiB (``1073741824`` -> ``1g``)."""
    mi = -(-n // MiB)
    if mi % 1024 == 0 and mi:
        return f"{mi // 1024}g"
    return f"{mi}m"


def format_bytes_human(n: int) -> str:
    """For messages: ``1Gi (1073741824 bytes)``-style exact rendering."""
    for unit, mult in (("Ti", TiB), ("Gi", GiB), ("Mi", MiB), ("Ki", KiB)):
        if n >= mult and n % mult == 0:
            return f"{n // mult}{unit}"
    if n >= MiB:
        return f"{n / MiB:.1f}Mi ({n} bytes)"
    return f"{n} bytes"


# --------------------------------------------------------------------------------------------
# Kubernetes resource.Quantity
# --------------------------------------------------------------------------------------------
_BIN = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DEC = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_SUFFIX_CHARS = set("eEinumkKMGTP")


def _split_quantity(s: str) -> tuple[bool, str, str, str]:
    """parseQuantityString: (positive, numerator digits, denominator digits, suffix)."""
    positive = True
    pos, end = 0, len(s)
    if pos < end and s[0] in "+-":
        positive = s[0] == "+"
        pos += 1
    while pos < end and s[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "", ""
    start = pos
    while pos < end and "0" <= s[pos] <= "9":
        pos += 1
    num = s[start:pos] or "0"
    denom = ""
    if pos < end and s[pos] == ".":
        pos += 1
        dstart = pos
        while pos < end and "0" <= s[pos] <= "9":
            pos += 1
        denom = s[dstart:pos]
    suffix_start = pos
    while pos < end and s[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and s[pos] in "+-":
        pos += 1
    while pos < end and "0" <= s[pos] <= "9":
        pos += 1
    if pos < end:
        raise QuantityError(f"{s!r} is not a Kubernetes quantity (unexpected {s[pos]!r})")
    return positive, num, denom, s[suffix_start:end]


def _int32_wrap(n: int) -> int:
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n >= 1 << 31 else n


def parse_quantity(s: str) -> Fraction:
    """A Kubernetes quantity, exactly as ``resource.ParseQuantity`` accepts it, as an exact
    Fraction: rounded up (away from zero) to 1e-9 like the apiserver, binary-suffixed values
    capped at 2^63-1. Raises QuantityError with the reason."""
    if not isinstance(s, str):
        raise QuantityError(f"{s!r} is not a string")
    if s == "":
        raise QuantityError("empty quantity")
    positive, num, denom, suffix = _split_quantity(s)
    binary = False
    if suffix in _DEC:
        base_exp = _DEC[suffix]
    elif suffix in _BIN:
        base_exp = _BIN[suffix]
        binary = True
    elif len(suffix) > 1 and suffix[0] in "eE":
        e = go_parse_int(suffix[1:], 64)
        if e is None:
            raise QuantityError(f"{s!r}: bad exponent {suffix!r}")
        base_exp = _int32_wrap(e)
    else:
        raise QuantityError(f"{s!r}: unknown suffix {suffix!r} (use Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or eN)")
    if len(num.lstrip("0")) > MAX_NUMBER_DIGITS:
        raise QuantityError(f"{s[:40]!r}…: more than {MAX_NUMBER_DIGITS} digits; golayer does not read it")
    if len(denom) > MAX_NUMBER_DIGITS:  # only whether the rest is non-zero matters (rounded up to 1e-9)
        rest = denom[MAX_NUMBER_DIGITS:]
        denom = denom[:MAX_NUMBER_DIGITS] + ("1" if rest.strip("0") else "")
    mantissa = Fraction(int(num + denom), 10 ** len(denom)) if denom else Fraction(int(num))
    if binary:
        value = mantissa * (1 << base_exp)
    else:
        if abs(base_exp) > 4000:  # beyond any int64 quantity: avoid computing giant powers
            value = Fraction(0) if (base_exp < 0 or mantissa == 0) else Fraction(INT64_MAX + 1)
            if base_exp < 0 and mantissa != 0:
                value = Fraction(1, 10**9)
        else:
            value = mantissa * Fraction(10) ** base_exp
    # round up to nano (inf.RoundUp on the magnitude)
    scaled = value * 10**9
    if scaled.denominator != 1:
        value = Fraction(math.ceil(scaled), 10**9)
    if binary and value > INT64_MAX:
        value = Fraction(INT64_MAX)
    return value if positive else -value


def quantity_bytes(q: str | int | float) -> int:
    """A memory quantity in whole bytes, rounded up (``Quantity.Value()``)."""
    return math.ceil(_as_quantity(q))


def quantity_millis(q: str | int | float) -> int:
    """A CPU quantity in millicores, rounded up (``Quantity.MilliValue()``)."""
    return math.ceil(_as_quantity(q) * 1000)


def _as_quantity(q: str | int | float) -> Fraction:
    if isinstance(q, bool):
        raise QuantityError(f"{q!r} is not a quantity")
    if isinstance(q, int):
        return Fraction(q)
    if isinstance(q, float):
        if not math.isfinite(q):
            raise QuantityError(f"{q!r} is not a quantity")
        return parse_quantity(repr(q).replace("e+", "e"))
    return parse_quantity(str(q))


def format_cpu(milli: int) -> str:
    """Millicores for messages: ``500m``, ``2``."""
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


# --------------------------------------------------------------------------------------------
# docker compose
# --------------------------------------------------------------------------------------------
_GO_FLOAT_DEC = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_GO_FLOAT_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+")
_GO_FLOAT_SPECIAL = re.compile(r"[+-]?(?:inf|infinity|nan)", re.IGNORECASE)
_RAM_UNITS = {"k": KiB, "m": MiB, "g": GiB, "t": TiB, "p": 1 << 50}


def _go_parse_float(s: str) -> float:
    if _GO_FLOAT_DEC.fullmatch(s):
        return float(s)
    if _GO_FLOAT_HEX.fullmatch(s):
        sign = -1.0 if s.startswith("-") else 1.0
        return sign * float.fromhex(s.lstrip("+-"))
    if _GO_FLOAT_SPECIAL.fullmatch(s):
        raise QuantityError(f"{s!r} is not a finite size")
    raise QuantityError(f"{s!r} is not a number")


def ram_in_bytes(s: str) -> int:
    """docker/go-units ``RAMInBytes``: float64 arithmetic then truncation, as docker does it."""
    num, sep, sfx = s.partition(" ")
    if not sep:
        idx = max((s.rfind(c) for c in "0123456789."), default=-1)
        if idx == -1:
            raise QuantityError(f"invalid size: {s!r}")
        num, sfx = s[: idx + 1], s[idx + 1 :]
    size = _go_parse_float(num)
    if size < 0:
        raise QuantityError(f"invalid size: {s!r} (negative)")
    if sfx:
        if len(sfx) > 3:
            raise QuantityError(f"invalid suffix: {sfx.lower()!r}")
        low = sfx.lower()
        if low[0] == "b":
            if len(low) > 1:
                raise QuantityError(f"invalid suffix: {low!r}")
        else:
            mult = _RAM_UNITS.get(low[0])
            if mult is None:
                raise QuantityError(f"invalid suffix: {low!r}")
            size *= float(mult)
            if (len(low) == 2 and low[1] != "b") or (len(low) == 3 and low[1:] != "ib"):
                raise QuantityError(f"invalid suffix: {low!r}")
    if size >= 2.0**63:
        raise QuantityError(f"size out of range: {s!r}")
    return int(size)  # Go's int64(float64) truncates toward zero


def compose_bytes(value: str | int | float) -> int:
    """A compose byte value (``mem_limit``, ``deploy.resources.limits.memory``), as compose-go's
    UnitBytes reads it: a YAML integer as is, a string first as a plain integer (``-1`` allowed),
    then as ``RAMInBytes``."""
    if isinstance(value, bool):
        raise QuantityError(f"{value!r} is not a size")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise QuantityError(f"{value!r} is not a size")
        return int(value)
    s = str(value)
    n = go_parse_int(s)
    if n is not None:
        return n
    return ram_in_bytes(s)


def compose_cpus(value: str | int | float) -> Fraction:
    """A compose ``cpus`` value (number or string of a number) as an exact Fraction of CPUs."""
    if isinstance(value, bool):
        raise QuantityError(f"{value!r} is not a CPU count")
    if isinstance(value, int):
        return Fraction(value)
    s = repr(value) if isinstance(value, float) else str(value).strip()
    if not _GO_FLOAT_DEC.fullmatch(s):
        raise QuantityError(f"{value!r} is not a CPU count")
    try:  # digits and exponent bounded before exact arithmetic ('1e999999999' is out of range)
        f = exact_decimal(s, "CPU count")
    except ValueError as exc:
        raise QuantityError(str(exc)) from None
    if f < 0:
        raise QuantityError(f"{value!r} is negative")
    return f


def go_maxprocs_for_quota(cpus: Fraction) -> int:
    """What Go >= 1.25 sets GOMAXPROCS to under a CPU quota (before taking min with the CPU
    count): ``max(ceil(quota/period), 2)``."""
    return max(math.ceil(cpus), 2)
