"""go-env-file-not-read (GLD007)."""

from tests.lint.helpers import lint, of_rule, rules_of

R = "go-env-file-not-read"


def test_user_change_loses_settings(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS build
        RUN go env -w GOPRIVATE=example.com/* GOFLAGS=-trimpath
        RUN useradd -m app
        USER app
        RUN go build -o /tmp/app . && go test ./...
        FROM scratch
        COPY --from=build /tmp/app /app
    """), R)
    assert [(f.line, f.stage) for f in fs] == [(5, "build")]
    m = fs[0].message
    assert "/home/app/.config/go/env" in m and "/root/.config/go/env" in m and "GOPRIVATE, GOFLAGS" in m
    assert "line 2" in m


def test_home_change_in_heredoc_and_from_stage(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22-alpine AS base
        RUN <<EOF
        go env -w GOPROXY=https://proxy.example
        EOF
        FROM base AS build
        ENV HOME=/home/b
        RUN <<EOF
        go mod download
        EOF
    """), R)
    assert [(f.line, f.stage) for f in fs] == [(8, "build")] and "HOME=/home/b" in fs[0].message


def test_goenv_off_and_env_override(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        RUN go env -w GOPROXY=direct GOFLAGS=-trimpath
        ENV GOENV=off GOPROXY=https://proxy.example
        RUN go build .
    """), R)
    assert len(fs) == 1 and "GOENV=off" in fs[0].message
    assert "GOFLAGS" in fs[0].message and "GOPROXY" not in fs[0].message.split("wrote")[1]


def test_not_caught_same_user_unset_or_unneeded_stage(tmp_path):
    fs = lint(tmp_path, """
        FROM golang:1.22 AS a
        RUN go env -w GOPROXY=direct
        RUN go build -o /a .
        USER root
        RUN go build -o /b .
        FROM golang:1.22 AS dev
        RUN go env -w GOFLAGS=-mod=mod
        USER 1000
        RUN go test ./...
        FROM golang:1.22 AS c
        RUN go env -w GOFLAGS=-x && go env -u GOFLAGS
        USER nobody
        ENV HOME=/tmp
        RUN go build -o /c .
        FROM scratch
        COPY --from=a /a /a
        COPY --from=c /c /c
    """)
    assert R not in rules_of(fs)
