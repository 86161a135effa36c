"""go-env-write (GLD001)."""

from tests.lint.helpers import fix_all, lint, of_rule, rules_of

R = "go-env-write"


def test_catches_plain_chain_heredoc_and_sh_c(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS build
        RUN go env -w GOPROXY=https://goproxy.io,direct
        RUN go mod download && go env -w GOFLAGS=-mod=mod
        RUN <<EOF
        go env -w GOPRIVATE=example.com/*
        EOF
        RUN sh -c 'go env -w GONOSUMDB=example.com && go build ./...'
        FROM scratch
        COPY --from=build /go/bin/app /app
    """), R)
    assert [(f.line, f.stage) for f in fs] == [(2, "build"), (3, "build"), (5, "build"), (7, "build")]
    assert "GOPROXY" in fs[0].message and "/root/.config/go/env" in fs[0].message
    assert fs[3].fix is None and "ENV GONOSUMDB=example.com" in fs[3].hint  # inside sh -c: hint only
    assert fs[0].fix.description.startswith("replace the RUN with `ENV GOPROXY=")


def test_does_not_catch_reads_or_env(tmp_path):
    fs = lint(tmp_path, """
        FROM golang:1.22
        ENV GOPROXY=https://goproxy.io
        RUN go env GOPROXY && go env && echo go env -w X=y
        RUN go env -u GOFLAGS
    """)
    assert R not in rules_of(fs)


def test_dead_write_after_env_is_named_and_fix_is_unsafe(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        ENV GOFLAGS=-mod=vendor
        RUN go env -w GOFLAGS=-mod=mod
    """), R)
    assert "already set by ENV/ARG" in fs[0].message
    assert str(fs[0].fix.applicability) == "unsafe"


def test_fix_replaces_pure_run_and_merges_values(tmp_path):
    out = fix_all(tmp_path, """
        FROM golang:1.22 AS build
        RUN go env -w GOPROXY=https://goproxy.io,direct GOFLAGS="-mod=mod -trimpath" && go env -w GOPRIVATE=x.io
        RUN go build ./...
    """)
    assert out == ("FROM golang:1.22 AS build\n"
                   'ENV GOPROXY=https://goproxy.io,direct GOFLAGS="-mod=mod -trimpath" GOPRIVATE=x.io\n'
                   "RUN go build ./...\n")


def test_fix_keeps_other_commands_and_places_env_where_the_value_applies(tmp_path):
    out = fix_all(tmp_path, """
        FROM golang:1.22
        RUN go env -w GOPROXY=direct && go mod download && \\
            go build ./...
        RUN go build ./... && go env -w GOFLAGS=-mod=mod
        RUN echo done
    """)
    assert out == ("FROM golang:1.22\n"
                   "ENV GOPROXY=direct\n"
                   "RUN go mod download && \\\n"
                   "    go build ./...\n"
                   "RUN go build ./...\n"
                   "ENV GOFLAGS=-mod=mod\n"
                   "RUN echo done\n")


def test_fix_in_heredoc_removes_the_line(tmp_path):
    out = fix_all(tmp_path, """
        FROM golang:1.22
        RUN <<EOF
        set -e
        go env -w GOPROXY=direct
        go build ./...
        EOF
    """)
    assert out == "FROM golang:1.22\nENV GOPROXY=direct\nRUN <<EOF\nset -e\ngo build ./...\nEOF\n"


def test_fix_output_relints_clean_and_is_idempotent(tmp_path):
    text = """
        FROM golang:1.22 AS base
        RUN go env -w GOPROXY=direct && go env -w GOFLAGS=-mod=mod && go mod download
        FROM base
        RUN go build ./... && go env -w GONOSUMDB=x.io
    """
    out = fix_all(tmp_path, text)
    assert R not in rules_of(lint(tmp_path, out))
    assert fix_all(tmp_path, out) == out


def test_pragma_suppresses_on_next_instruction_only(tmp_path):
    fs = lint(tmp_path, """
        FROM golang:1.22
        # golayer ignore=go-env-write
        RUN go env -w GOPROXY=direct
        RUN go env -w GOFLAGS=-trimpath
    """)
    assert [(f.rule, f.line) for f in of_rule(fs, R)] == [(R, 4)]


def test_fix_is_unsafe_when_scripts_before_and_after_may_run_go(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        RUN make deps && go env -w GOFLAGS=-mod=mod && make build
        RUN apk add git && go env -w GOPRIVATE=x.io && make build
    """), R)
    assert [str(f.fix.applicability) for f in fs] == ["unsafe", "safe"]
