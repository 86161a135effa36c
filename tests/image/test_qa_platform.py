"""--platform on a single-platform docker archive is checked, not ignored."""

from tests.image.helpers import Layer, docker_archive


def _img(tmp_path, n=1):
    return docker_archive(tmp_path / "img.tar", [Layer().file(f"f{i}", b"x" * 10) for i in range(n)])


def test_platform_that_the_archive_does_not_hold_is_an_error(cli, tmp_path):
    r = cli(["image", "--platform", "linux/arm64", str(_img(tmp_path))])
    assert r.code == 2
    assert "no image for platform linux/arm64 (available: linux/amd64)" in r.err


def test_malformed_platform_is_a_usage_error(cli, tmp_path):
    r = cli(["image", "--platform", "nonsense", str(_img(tmp_path))])
    assert r.code == 2 and r.err.startswith("golayer: error: --platform 'nonsense'")


def test_matching_platform_is_analysed(cli, tmp_path):
    r = cli(["image", "--no-color", "--platform", "linux/amd64", str(_img(tmp_path))])
    assert r.code in (0, 1) and "(linux/amd64)" in r.out


def test_platform_with_too_many_parts_or_empty_parts_is_a_usage_error(cli, tmp_path):
    img = str(_img(tmp_path))
    for bad in ("linux/amd64/v1/extra", "linux//v8", "linux/", "/amd64", "linux/am d64"):
        r = cli(["image", "--platform", bad, img])
        assert r.code == 2, bad
        assert r.err.startswith(f"golayer: error: --platform {bad!r}"), (bad, r.err)
