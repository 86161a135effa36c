"""mod-mode-mod (GLD036): -mod=mod on go commands or in GOFLAGS from any origin."""

from tests.lint.helpers import lint, of_rule

R = "mod-mode-mod"


def test_every_origin(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS a
        ENV GOFLAGS="-trimpath -mod=mod"
        RUN go build ./...
        FROM golang:1.22 AS b
        ARG GOFLAGS=-mod=mod
        RUN go env -w GOFLAGS=-mod=mod && go build -mod=mod ./...
        FROM golang:1.22 AS c
        RUN GOFLAGS=-mod=mod go test ./...
        RUN <<EOF
        export GOFLAGS="-mod mod"
        go vet ./...
        EOF
    """), R)
    got = sorted((f.line, f.stage) for f in fs)
    assert got == [(2, "a"), (5, "b"), (6, "b"), (6, "b"), (8, "c"), (10, "c")]
    assert any("`go build -mod=mod`" in f.message for f in fs)
    assert any("ENV GOFLAGS=-trimpath -mod=mod" in f.message for f in fs)


def test_readonly_vendor_and_other_flags_are_fine(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22
        ENV GOFLAGS="-mod=readonly -modcacherw"
        RUN go build -mod=vendor ./... && go build -modfile=go.mod ./...
    """), R) == []


def test_base_stage_setting_is_reported_once(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS base
        ENV GOFLAGS=-mod=mod
        FROM base AS build
        RUN go build ./...
    """), R)
    assert [f.line for f in fs] == [2]
