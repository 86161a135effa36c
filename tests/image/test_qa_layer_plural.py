"""The image header counts layers in English."""

import pytest

from tests.image.helpers import Layer, docker_archive


def _img(tmp_path, n=1):
    return docker_archive(tmp_path / "img.tar", [Layer().file(f"f{i}", b"x" * 10) for i in range(n)])


@pytest.mark.parametrize("n, words", [(1, ": 1 layer, "), (2, ": 2 layers, ")])
def test_layer_count_is_pluralised(cli, tmp_path, n, words):
    r = cli(["image", "--no-color", str(_img(tmp_path, n))])
    assert words in r.out.splitlines()[0]


@pytest.mark.parametrize("size, words", [(1, "  total 1 B · visible"), (2000, "  total 2.0 kB (2,000 bytes) · visible")])
def test_total_is_not_repeated_as_bytes_below_a_kilobyte(cli, tmp_path, size, words):
    img = docker_archive(tmp_path / "img.tar", [Layer().file("f", b"x" * size)])
    r = cli(["image", "--no-color", str(img)])
    assert any(ln.startswith(words) for ln in r.out.splitlines()), r.out
