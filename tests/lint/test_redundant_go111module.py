"""redundant-go111module (GLD002)."""

from tests.lint.helpers import fix_all, lint, of_rule, rules_of

R = "redundant-go111module"


def test_on_is_info_off_and_auto_are_warnings(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS build
        ENV GO111MODULE=on
        RUN GO111MODULE=off go get example.com/x
        FROM golang:1.22-alpine
        ARG GO111MODULE=auto
        RUN <<EOF
        export GO111MODULE=on
        go build ./...
        EOF
    """), R)
    got = [(f.line, str(f.severity), f.stage) for f in fs]
    assert got == [(2, "info", "build"), (3, "warning", "build"), (5, "warning", "1"), (7, "info", "1")]
    assert "GOPATH mode" in fs[1].message


def test_must_not_catch_unset_or_old_go(tmp_path):
    fs = lint(tmp_path, """
        FROM golang:1.15
        ENV GO111MODULE=on
        FROM golang:1.22
        ENV GOFLAGS=-mod=mod
        RUN echo GO111MODULE=on
    """)
    assert R not in rules_of(fs)


def test_fix_removes_env_pairs_args_and_inline(tmp_path):
    out = fix_all(tmp_path, """
        FROM golang:1.22
        ENV GO111MODULE=on
        ENV CGO_ENABLED=0 GO111MODULE=on
        ENV GO111MODULE="on" \\
            GOFLAGS=-trimpath
        ARG GO111MODULE=on
        RUN GO111MODULE=on go build -o /app . && GO111MODULE=off go vet
    """)
    assert out == ("FROM golang:1.22\n"
                   "ENV CGO_ENABLED=0\n"
                   "ENV GOFLAGS=-trimpath\n"
                   "RUN go build -o /app . && GO111MODULE=off go vet\n")
    fs = of_rule(lint(tmp_path, out), R)
    assert [str(f.severity) for f in fs] == ["warning"]  # only =off remains, no fix for it
    assert fs[0].fix is None


def test_no_fix_when_removing_it_would_expose_another_value(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        ENV GO111MODULE=off
        RUN GO111MODULE=on go build ./... && GO111MODULE=on go vet ./...
        ENV GO111MODULE=on
    """), R)
    assert [(f.line, str(f.severity)) for f in fs] == [(2, "warning"), (3, "info"), (3, "info"), (4, "info")]
    assert all(f.fix is None for f in fs)


def test_two_inline_settings_in_one_run_are_both_fixed(tmp_path):
    out = fix_all(tmp_path, """
        FROM golang:1.22
        RUN GO111MODULE=on CGO_ENABLED=0 go build ./... && \\
            GO111MODULE=on go test ./...
    """)
    assert out == "FROM golang:1.22\nRUN CGO_ENABLED=0 go build ./... && \\\n    go test ./...\n"
