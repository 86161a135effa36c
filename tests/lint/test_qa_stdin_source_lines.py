"""`golayer lint -` shows the offending lines of standard input, never of a file that happens to be named "-"."""

DF = "FROM golang:1.22\nRUN go env -w GOPROXY=direct\n"


def test_stdin_findings_show_stdin_lines(cli, tmp_path):
    (tmp_path / "-").write_text("line one of an unrelated file\nline two of an unrelated file\n")
    r = cli(["lint", "--no-color", "-"], stdin=DF, cwd=tmp_path)
    assert r.code == 1
    assert "     2 | RUN go env -w GOPROXY=direct" in r.out
    assert "unrelated" not in r.out
