"""`golayer lint --fix -` says how many fixes it applied, in correct English."""


def test_one_fix_from_stdin_is_singular(cli):
    r = cli(["lint", "--fix", "--select", "go-env-write", "-"], stdin="FROM golang:1.22\nRUN go env -w GOPROXY=direct\n")
    assert r.code == 0
    assert "ENV GOPROXY=direct" in r.out
    assert "golayer: 1 fix applied" in r.err
