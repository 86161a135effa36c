"""Exact parsing of Kubernetes quantities, compose sizes and Go's own setting grammars."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golayer.runtime import quantities as q

Ki, Mi, Gi = 1024, 1024**2, 1024**3


# --- Kubernetes quantities: every form of the apimachinery grammar ------------------------------
@pytest.mark.parametrize("text,value", [
    ("1Ki", Ki), ("512Mi", 512 * Mi), ("1Gi", Gi), ("2Ti", 2 * 1024**4), ("1Pi", 1024**5), ("1Ei", 1024**6),
    ("1k", 1000), ("1M", 10**6), ("1G", 10**9), ("1T", 10**12), ("1P", 10**15), ("1E", 10**18),
    ("500m", Fraction(1, 2)), ("1n", Fraction(1, 10**9)), ("1u", Fraction(1, 10**6)),
    ("1e3", 1000), ("12E6", 12 * 10**6), ("1E+3", 1000), ("1e-3", Fraction(1, 1000)), ("5e0", 5),
    ("0.5", Fraction(1, 2)), (".5", Fraction(1, 2)), ("1.", 1), ("1.5Gi", 3 * Gi // 2), ("2", 2),
    ("+1Mi", Mi), ("-1Mi", -Mi), ("0", 0), ("00", 0), ("000Mi", 0), ("0.1m", Fraction(1, 10**4)),
    ("1.5", Fraction(3, 2)), ("129e6", 129 * 10**6), ("123Mi", 123 * Mi),
    ("9Ei", q.INT64_MAX),  # binary values are capped at 2^63-1, as the apiserver does
    ("0.0000000001", Fraction(1, 10**9)),  # rounded up to the nano
    # apimachinery's scanner quirks: a lone sign or dot is zero
    ("+", 0), ("-", 0), (".", 0), ("Mi", 0), ("k", 0),
])
def test_kubernetes_quantities(text, value):
    assert q.parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "1K", "1ki", "1KI", "1e", "1mi", "1 Mi", " 1", "1Mi ", "1b", "1KB",
                                  "1.5.5", "1e1.5", "abc", "1iB", "--1", "1MiB", "0x10", "1_000"])
def test_kubernetes_quantity_errors(text):
    with pytest.raises(q.QuantityError):
        q.parse_quantity(text)


def test_memory_and_cpu_rounding_match_the_kubelet():
    assert q.quantity_bytes("1.5") == 2  # Value() rounds up
    assert q.quantity_bytes("1Gi") == Gi
    assert q.quantity_bytes(1073741824) == Gi
    assert q.quantity_millis("500m") == 500
    assert q.quantity_millis("0.5") == 500
    assert q.quantity_millis(2) == 2000
    assert q.quantity_millis("0.0001") == 1  # MilliValue() rounds up
    assert q.quantity_millis(0.25) == 250


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**63 - 1), st.sampled_from(sorted(q._BIN)))
def test_binary_suffix_property(n, suffix):
    assert q.parse_quantity(f"{n}{suffix}") == min(n << q._BIN[suffix], q.INT64_MAX)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=0, max_value=10**6),
       st.sampled_from(["", "k", "M", "G", "T", "m", "n", "u"]), st.booleans())
def test_decimal_property(whole, frac, suffix, negative):
    text = f"{'-' if negative else ''}{whole}.{frac}{suffix}"
    exact = Fraction(f"{whole}.{frac}") * Fraction(10) ** q._DEC[suffix]
    rounded = Fraction(math.ceil(exact * 10**9), 10**9)
    assert q.parse_quantity(text) == (-rounded if negative else rounded)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=-12, max_value=12), st.sampled_from("eE"))
def test_exponent_property(n, e, letter):
    exact = n * Fraction(10) ** e
    assert q.parse_quantity(f"{n}{letter}{e}") == Fraction(math.ceil(exact * 10**9), 10**9)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789.+-eEinumkKMGTPb xi", max_size=12))
def test_quantity_parser_never_crashes(text):
    try:
        v = q.parse_quantity(text)
    except q.QuantityError:
        return
    assert isinstance(v, Fraction)


# --- GOMEMLIMIT: every form listed in FACTS.md ---------------------------------------------------
@pytest.mark.parametrize("text,value", [
    ("768MiB", 768 * Mi), ("805306368", 805306368), ("805306368B", 805306368), ("1GiB", Gi), ("1KiB", Ki),
    ("1TiB", 1024**4), ("0", 0), ("+5MiB", 5 * Mi), ("-0", 0), ("9223372036854775807", q.INT64_MAX),
    ("8589934591GiB", 8589934591 * Gi),
])
def test_gomemlimit_valid(text, value):
    got = q.parse_gomemlimit(text)
    assert got.valid and got.bytes == value and not got.off


@pytest.mark.parametrize("text", ["off", ""])
def test_gomemlimit_off(text):
    got = q.parse_gomemlimit(text)
    assert got.valid and got.off and got.bytes is None


@pytest.mark.parametrize("text", ["768Mi", "1G", "768MB", "768M", "0.75GiB", "768mib", "768 MiB", "OFF", "Off",
                                  "1PiB", "-1", "-1MiB", "8589934592GiB", "9223372036854775808", "1_000",
                                  "MiB", "B", "1iB", " 1", "1 ", "１"])
def test_gomemlimit_invalid(text):
    assert not q.parse_gomemlimit(text).valid


@pytest.mark.parametrize("text,good,alt", [
    ("768Mi", "768MiB", None), ("1G", "1GiB", "1000000000"), ("768MB", "768MiB", "768000000"),
    ("768M", "768MiB", "768000000"), ("0.75GiB", "768MiB", None), ("768mib", "768MiB", None),
    ("768 MiB", "768MiB", None), ("1.5Gi", "1536MiB", None), ("1e9", "1000000000", None), ("512m", "512MiB", "512000000"),
])
def test_suggestions_are_valid_go(text, good, alt):
    assert q.suggest_go_byte_count(text) == (good, alt)
    assert q.parse_gomemlimit(good).valid
    if alt:
        assert q.parse_gomemlimit(alt).valid


def test_no_suggestion_for_nonsense():
    assert q.suggest_go_byte_count("lots") is None
    assert q.suggest_go_byte_count("-5") is None


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=q.INT64_MAX))
def test_format_go_bytes_round_trips(n):
    s = q.format_go_bytes(n)
    assert q.parse_go_byte_count(s) == n


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=16 * Mi, max_value=2**50), st.fractions(min_value=Fraction(1, 10), max_value=Fraction(99, 100)))
def test_recommendation_is_valid_and_rounded_down_to_mib(limit, ratio):
    s = q.recommend_gomemlimit(limit, ratio)
    n = q.parse_go_byte_count(s)
    assert n is not None and n % Mi == 0
    assert n <= limit * ratio < n + Mi


def test_recommendation_examples():
    assert q.recommend_gomemlimit(Gi) == "921MiB"
    assert q.recommend_gomemlimit(512 * Mi) == "460MiB"
    assert q.recommend_gomemlimit(2 * Gi, Fraction(3, 4)) == "1536MiB"
    assert q.recommend_gomemlimit(1000) == "900"  # under a MiB: bytes
    assert q.format_k8s_bytes(921 * Mi * 10 // 9 + 1) == "1024Mi" or q.format_k8s_bytes(Gi) == "1Gi"
    assert q.format_k8s_bytes(Gi) == "1Gi" and q.format_compose_bytes(Gi) == "1g"


# --- GOGC and GOMAXPROCS ---------------------------------------------------------------------------
@pytest.mark.parametrize("text,percent,ignored", [
    ("off", None, False), ("-1", None, False), ("-50", None, False), ("100", 100, False), ("0", 0, False),
    ("+20", 20, False), ("OFF", 100, True), ("100%", 100, True), ("1e3", 100, True), ("2147483648", 100, True),
    ("", 100, False),
])
def test_gogc(text, percent, ignored):
    got = q.parse_gogc(text)
    assert got.percent == percent and got.ignored == ignored


@pytest.mark.parametrize("text,value", [("1", 1), ("8", 8), ("+2", 2), ("007", 7), ("0", None), ("-1", None),
                                        ("1.5", None), ("two", None), ("", None), ("2147483648", None),
                                        (" 2", None)])
def test_gomaxprocs(text, value):
    assert q.parse_gomaxprocs(text) == value


def test_go_maxprocs_for_quota():
    assert q.go_maxprocs_for_quota(Fraction(1, 2)) == 2
    assert q.go_maxprocs_for_quota(Fraction(1)) == 2
    assert q.go_maxprocs_for_quota(Fraction(5, 2)) == 3
    assert q.go_maxprocs_for_quota(Fraction(4)) == 4


# --- compose (compose-go UnitBytes + docker/go-units RAMInBytes) -----------------------------------
@pytest.mark.parametrize("value,size", [
    ("512m", 512 * Mi), ("1g", Gi), ("1G", Gi), ("1gb", Gi), ("1GB", Gi), ("1gib", Gi), ("1GiB", Gi),
    ("2 kib", 2 * Ki), ("2 KB", 2 * Ki), ("100", 100), ("100b", 100), ("100B", 100), ("1.5g", 3 * Gi // 2),
    (".5g", Gi // 2), ("1.", 1), ("1e3k", 1000 * Ki), ("1t", 1024**4), ("1p", 1024**5), ("-1", -1),
    ("1.1g", int(1.1 * Gi)),  # float64 arithmetic truncated, as docker does
    (536870912, 512 * Mi), (1.5, 1), ("1 ", 1),
])
def test_compose_bytes(value, size):
    assert q.compose_bytes(value) == size


@pytest.mark.parametrize("value", ["1x", "1 g b", "g", "inf", "1g ", "1kk", "1kbb", "1bk", "-1g", "1e", "nan b",
                                   "1_000", True])
def test_compose_bytes_errors(value):
    with pytest.raises(q.QuantityError):
        q.compose_bytes(value)


@pytest.mark.parametrize("value,cpus", [("0.5", Fraction(1, 2)), (1.5, Fraction(3, 2)), (2, 2), ("2", 2),
                                        ("0.25", Fraction(1, 4))])
def test_compose_cpus(value, cpus):
    assert q.compose_cpus(value) == cpus


@pytest.mark.parametrize("value", ["two", "-1", "1 cpu", ""])
def test_compose_cpus_errors(value):
    with pytest.raises(q.QuantityError):
        q.compose_cpus(value)
