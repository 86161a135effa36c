"""limits.read_at_most reads what fh.read(limit) reads, with a buffer the size of the file."""

from golayer.limits import read_at_most


def test_same_bytes_as_a_plain_bounded_read(tmp_path):
    for size in (0, 1, 5, 4096, 70_000):
        p = tmp_path / f"f{size}"
        p.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
        for limit in (1, 4, 5, 6, 4095, 4097, 1 << 20):
            with p.open("rb") as a, p.open("rb") as b:
                assert read_at_most(a, limit) == b.read(limit)


def test_a_file_written_to_while_open_reads_as_a_plain_read(tmp_path):
    p = tmp_path / "grows"
    p.write_bytes(b"abc")
    with p.open("rb") as fh:
        with p.open("ab") as w:  # grown after open: what a plain read would see
            w.write(b"defgh")
        assert read_at_most(fh, 6) == b"abcdef"


def test_a_huge_go_mod_is_read_only_up_to_its_limit(tmp_path):
    from golayer.dockerfile.context import GOMOD_LIMIT, read_gomod, read_gomod_text

    p = tmp_path / "go.mod"
    p.write_text("module example.com/x\n\ngo 1.22\n" + "// padding\n" * 400_000)  # ~4.4 MB
    assert len(read_gomod_text(p)) == GOMOD_LIMIT
    gm = read_gomod(p)
    assert (gm.module, gm.go) == ("example.com/x", "1.22")


def test_reading_by_path_gives_what_read_at_most_gives(tmp_path):
    import random

    import pytest

    from golayer.limits import read_at_most, read_path_at_most

    rnd = random.Random(5)
    for n in (0, 1, 5, 4095, 4096, 4097, 100_000):
        p = tmp_path / f"f{n}"
        p.write_bytes(bytes(rnd.getrandbits(8) for _ in range(n)))
        for limit in (1, 2, 4096, 5000, 1 << 20):
            with open(p, "rb") as fh:
                assert read_path_at_most(str(p), limit) == read_at_most(fh, limit), (n, limit)
    with pytest.raises(FileNotFoundError):
        read_path_at_most(str(tmp_path / "missing"), 10)
    with pytest.raises(IsADirectoryError):
        read_path_at_most(str(tmp_path), 10)
