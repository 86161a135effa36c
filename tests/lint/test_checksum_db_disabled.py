"""checksum-db-disabled (GLD030): settings that turn off checksum verification, from every origin."""

import pytest

from tests.lint.helpers import lint, of_rule

R = "checksum-db-disabled"


def test_gosumdb_off_in_env_is_reported_at_its_line(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS build
        WORKDIR /src
        ENV GOSUMDB=off
        RUN go mod download
    """), R)
    assert [(f.line, f.stage) for f in fs] == [(3, "build")]
    assert "GOSUMDB=off" in fs[0].message and "checksum database off" in fs[0].message


@pytest.mark.parametrize("value", ["*", "*/*", "*/*/*", "github.com", "github.com/*", "gopkg.in,example.com/x"])
def test_goprivate_covering_everything_or_a_public_host(tmp_path, value):
    fs = of_rule(lint(tmp_path, f"""
        FROM golang:1.22
        ENV GOPRIVATE={value}
        RUN go mod download
    """), R)
    assert len(fs) == 1 and fs[0].line == 2


@pytest.mark.parametrize("value", ["github.com/myorg/*", "github.com/myorg", "gitlab.internal.corp",
                                   "*.corp.example.com"])
def test_narrow_goprivate_is_fine(tmp_path, value):
    assert of_rule(lint(tmp_path, f"""
        FROM golang:1.22
        ENV GOPRIVATE={value}
        RUN go mod download
    """), R) == []


def test_explicit_narrow_gonosumdb_overrides_goprivate(tmp_path):
    # GONOSUMDB defaults to GOPRIVATE only when it is unset (cmd/go cfg.EnvOrAndChanged)
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22
        ENV GONOSUMDB=github.com/myorg/* GOPRIVATE=*
        RUN go mod download
    """), R) == []


def test_arg_default_and_build_arg_override(tmp_path):
    df = """
        FROM golang:1.22
        ARG GONOSUMDB=github.com/myorg/*
        RUN go mod download
    """
    assert of_rule(lint(tmp_path, df), R) == []
    fs = of_rule(lint(tmp_path, df, build_args={"GONOSUMDB": "*"}), R)
    assert [f.line for f in fs] == [2] and "ARG GONOSUMDB=*" in fs[0].message


def test_global_arg_only_counts_once_redeclared(tmp_path):
    assert of_rule(lint(tmp_path, """
        ARG GOSUMDB=off
        FROM golang:1.22
        RUN go mod download
    """), R) == []
    fs = of_rule(lint(tmp_path, """
        ARG GOSUMDB=off
        FROM golang:1.22
        ARG GOSUMDB
        RUN go mod download
    """), R)
    assert [f.line for f in fs] == [3]


def test_go_env_w_inline_and_export_in_chains_and_heredocs(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS deps
        RUN go env -w GOSUMDB=off && go mod download
        FROM golang:1.22 AS other
        RUN GOINSECURE=example.com/* go mod download
        RUN <<EOF
        set -e
        export GOFLAGS=-insecure
        go mod download
        EOF
        FROM scratch
        COPY --from=deps /go/bin /bin
    """), R)
    got = sorted((f.line, f.stage) for f in fs)
    assert got == [(2, "deps"), (4, "other"), (7, "other")]
    assert "go env -w GOSUMDB=off" in fs[0].message
    assert any("plain HTTP" in f.message for f in fs)


def test_each_source_is_reported_once_and_inherited_values_are_not_repeated(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS base
        ENV GOSUMDB=off
        FROM base AS build
        RUN go mod download
        RUN GOSUMDB=off go build ./...
    """), R)
    assert [f.line for f in fs] == [2]


def test_sumdb_pointed_elsewhere_and_defaults_are_fine(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22
        ENV GOSUMDB=sum.golang.google.cn GOFLAGS="-mod=readonly -trimpath" GOINSECURE=
        RUN go build ./...
    """), R) == []


def test_unknown_values_stay_silent(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22
        ARG PRIV
        ENV GOPRIVATE=$PRIV
        RUN go mod download
    """), R) == []
