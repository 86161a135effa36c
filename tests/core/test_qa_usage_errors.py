"""Bad flags and arguments read like every other error: `golayer: error: ...` on stderr, exit 2."""

import pytest


@pytest.mark.parametrize("argv, words", [
    (["lint", "--fail-on", "bogus", "Dockerfile"], "'bogus' is not one of"),
    (["lint", "-f", "x", "Dockerfile"], "'x' is not one of"),
    (["check", "/no/such/dir"], "does not exist"),
    (["bogus"], "No such command 'bogus'"),
])
def test_click_usage_errors_use_the_golayer_error_form(cli, argv, words):
    r = cli(argv)
    assert r.code == 2
    first = r.err.splitlines()[0]
    assert first.startswith("golayer: error: ") and words in first, r.err
    assert "golayer: hint: see 'golayer" in r.err
    assert "Usage:" not in r.err


def test_runtime_on_a_directory_is_a_one_line_error(cli, tmp_path):
    r = cli(["runtime", str(tmp_path)])
    assert r.code == 2
    assert r.err.startswith("golayer: error: ") and "is a directory" in r.err
