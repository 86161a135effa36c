"""A FROM without an image (or with a stray word) is a parse error with its line, as BuildKit says."""

import pytest

from tests.lint.helpers import lint, of_rule


@pytest.mark.parametrize("text", ["FROM\n", "FROM golang:1.22 build\nRUN go build\n", "FROM a AS\n"])
def test_bad_from_is_a_parse_error(tmp_path, text):
    (f,) = of_rule(lint(tmp_path, text), "golayer-parse-error")
    assert f.line == 1 and "FROM requires either one or three arguments" in f.message


@pytest.mark.parametrize("text", ["FROM scratch\n", "FROM golang:1.22 AS build\n", "FROM --platform=$BUILDPLATFORM a as b\n"])
def test_good_from_is_not(tmp_path, text):
    assert of_rule(lint(tmp_path, text), "golayer-parse-error") == []


def test_default_of_a_value_less_arg_resolves_like_buildkit(tmp_path):
    from tests.lint.helpers import model as mk

    # ARG BASE with no value is unset at build time: ${BASE:-x} is x, ${BASE:+y} is empty
    m = mk(tmp_path, """
        ARG BASE
        ARG VARIANT
        FROM ${BASE:-golang:1.23}${VARIANT:+-alpine}
        CMD ["/app"]
    """)
    assert m.stages[0].base == "golang:1.23" and m.stages[0].base_image.known
    m = mk(tmp_path, "ARG BASE\nFROM ${BASE:-golang:1.23}\nCMD [\"/app\"]\n", build_args={"BASE": "alpine:3.20"})
    assert m.stages[0].base == "alpine:3.20"
    # a bare ARG base stays unknown
    m = mk(tmp_path, "ARG BASE\nFROM $BASE\nCMD [\"/app\"]\n")
    assert not m.stages[0].base_image.known


def test_unknown_base_has_no_assumed_user_or_cache_paths(tmp_path):
    from tests.lint.helpers import lint, rules_of

    # an in-house builder may set any USER/HOME/GOCACHE: rules that need them stay silent
    fs = lint(tmp_path, """
        FROM registry.example.com/platform/go-builder:1.23
        WORKDIR /src
        COPY . .
        RUN go build -o /app .
        CMD ["/app"]
    """)
    assert not {"build-cache-in-layer", "runs-as-root", "cache-path-overlap"} & set(rules_of(fs))
