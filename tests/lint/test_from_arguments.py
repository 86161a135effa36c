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
