"""The image text report shows control characters from the image (history, paths) escaped."""

from tests.image.helpers import Layer, docker_archive


def test_history_with_escape_sequences_is_shown_escaped(cli, tmp_path):
    layer = Layer().file("app", b"x" * 100)
    p = docker_archive(tmp_path / "esc.tar", [layer], history=[{"created_by": "RUN \x1b]0;pwned\x07 \x1b[2J"}])
    r = cli(["image", "--no-color", str(p)])
    assert r.code in (0, 1), r.err
    assert "\x1b" not in r.out and "\x07" not in r.out
    assert "RUN \\x1b]0;pwned\\x07" in r.out
