"""Truncated and corrupt ELF input: an error in BinaryInfo.error, never an exception, bounded time."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golayer.image.gobinary import inspect
from tests.image import gobuild
from tests.image.elfsynth import pointer_buildinfo_elf
from tests.image.test_gobinary import MOD

SYNTH = pointer_buildinfo_elf("go1.16.15", MOD)


@pytest.mark.parametrize("data,why", [
    (b"", "not an ELF"),
    (b"\x7fELF", "not an ELF"),
    (b"\x7fELF\x03\x01" + b"\0" * 58, "bad ELF class"),
    (b"\x7fELF\x02\x01\x01" + b"\0" * 20, "truncated ELF header"),
    (SYNTH[:80], "truncated"),
])
def test_clear_errors(data, why):
    info = inspect(data, "/bad")
    assert info.error and why in info.error
    assert not info.is_go


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(min_value=0, max_value=len(SYNTH)),
       flips=st.lists(st.tuples(st.integers(0, len(SYNTH) - 1), st.integers(0, 255)), max_size=8))
def test_fuzz_synthetic_never_raises(cut, flips):
    b = bytearray(SYNTH)
    for pos, val in flips:
        b[pos] = val
    t = time.perf_counter()
    info = inspect(bytes(b[:cut]), "/fuzz")
    assert time.perf_counter() - t < 2.0
    assert info.path == "/fuzz"


@pytest.mark.go
def test_truncated_and_corrupted_real_binary(go):
    import random

    data = gobuild.build("cgo-dynamic").read_bytes()
    rnd = random.Random(1234)
    # truncated anywhere: never an exception; cut before the section headers -> error recorded
    for cut in [0, 3, 63, 64, 500, 4096, len(data) // 3, len(data) // 2, len(data) - 100]:
        info = inspect(data[:cut], "/app")
        assert info.error, cut
    # random byte corruption in the headers and in the buildinfo / pclntab regions
    for _ in range(40):
        b = bytearray(data)
        for _ in range(rnd.randint(1, 16)):
            pos = rnd.choice([rnd.randrange(0, 1024), rnd.randrange(0, len(b))])
            b[pos] = rnd.randrange(256)
        t = time.perf_counter()
        inspect(bytes(b), "/app")
        assert time.perf_counter() - t < 2.0


def test_huge_claimed_sizes_do_not_allocate():
    """A buildinfo whose string length claims gigabytes and section counts in the millions."""
    b = bytearray(SYNTH)
    # string header of the module text: claim 2**40 bytes
    i = b.find(b"\xff Go buildinf:")
    b[i + 32 + 8 * 3: i + 32 + 8 * 4] = (1 << 40).to_bytes(8, "little")
    info = inspect(bytes(b), "/x")
    assert info.buildinfo is not None and info.buildinfo.deps == []
    b2 = bytearray(SYNTH)
    b2[0x3C:0x3E] = (0xFFFF).to_bytes(2, "little")  # e_shnum
    b2[0x28:0x30] = (64).to_bytes(8, "little")  # e_shoff points into the program headers
    assert inspect(bytes(b2), "/y").path == "/y"
