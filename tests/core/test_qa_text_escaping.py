"""The text report never passes control characters from an input file through to the terminal."""


def test_escape_sequences_in_a_dockerfile_are_shown_not_obeyed(cli, tmp_path):
    df = tmp_path / "Dockerfile"
    df.write_bytes(b"FROM golang:1.22 AS b\x1b[2J\nRUN echo \x1b]0;title\x07 && go build -o /app .\nCMD [\"/app\"]\n")
    r = cli(["lint", "--no-color", str(df)])
    assert r.code == 1
    assert "\x1b" not in r.out and "\x07" not in r.out
    assert "RUN echo \\x1b]0;title\\x07 && go build -o /app ." in r.out
    assert "FROM golang:1.22 AS b\\x1b[2J" in r.out
    assert "(stage b\\x1b[2j)" in r.out
