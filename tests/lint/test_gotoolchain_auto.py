"""gotoolchain-auto (GLD039): GOTOOLCHAIN=auto forms set in a builder."""

import pytest

from tests.lint.helpers import lint, of_rule

R = "gotoolchain-auto"


@pytest.mark.parametrize("how,line", [("ENV GOTOOLCHAIN=auto", 2), ("ARG GOTOOLCHAIN=go1.23.0+auto", 2),
                                      ("RUN go env -w GOTOOLCHAIN=local+auto", 2)])
def test_auto_forms_from_instructions(tmp_path, how, line):
    fs = of_rule(lint(tmp_path, f"""
        FROM debian:12 AS build
        {how}
        WORKDIR /src
        RUN go build -o /out/app .
        FROM scratch
        COPY --from=build /out/app /app
    """), R)
    assert [(f.line, f.stage) for f in fs] == [(line, "build")]


def test_inline_and_heredoc_export(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        RUN GOTOOLCHAIN=auto go mod download
        RUN <<EOF
        export GOTOOLCHAIN=auto
        go build ./...
        EOF
    """), R)
    assert [f.line for f in fs] == [2, 4]


def test_arg_cannot_override_the_golang_images_env(tmp_path):
    # ENV (the image's GOTOOLCHAIN=local included) always wins over an ARG of the same name
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22
        ARG GOTOOLCHAIN=auto
        RUN go build ./...
    """), R) == []


def test_parent_stage_setting_counts_for_the_child_that_builds(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS base
        ENV GOTOOLCHAIN=auto
        FROM base AS build
        RUN go build ./...
    """), R)
    assert [f.line for f in fs] == [2]


@pytest.mark.parametrize("value", ["local", "path", "go1.22.3", "$TC"])
def test_local_path_pinned_and_unknown_are_fine(tmp_path, value):
    assert of_rule(lint(tmp_path, f"""
        FROM golang:1.22
        ARG TC
        ENV GOTOOLCHAIN={value}
        RUN go build ./...
    """), R) == []


def test_base_image_default_and_stage_without_go_are_fine(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22-alpine
        RUN go build ./...
        FROM alpine:3.20
        ENV GOTOOLCHAIN=auto
        RUN echo no go here
    """), R) == []
