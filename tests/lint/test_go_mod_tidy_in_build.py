"""go-mod-tidy-in-build (GLD035): the build rewrites go.mod/go.sum."""

import pytest

from tests.lint.helpers import lint, of_rule

R = "go-mod-tidy-in-build"


@pytest.mark.parametrize("cmd,what", [
    ("go mod tidy", "`go mod tidy` rewrites"),
    ("go mod tidy -e -v", "`go mod tidy` rewrites"),
    ("go get github.com/x/y@v1.2.3", "`go get github.com/x/y@v1.2.3` may add or change"),
    ("go get -d -v", "`go get` may add or change"),
    ("go mod edit -replace example.com/a=../a", "`go mod edit -replace`"),
    ("go mod edit -go=1.23", "`go mod edit -go`"),
])
def test_commands_that_rewrite_go_mod(tmp_path, cmd, what):
    fs = of_rule(lint(tmp_path, f"""
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN {cmd} && go build -o /out/app .
        FROM scratch
        COPY --from=build /out/app /app
    """), R)
    assert len(fs) == 1 and fs[0].line == 4 and fs[0].stage == "build" and what in fs[0].message


@pytest.mark.parametrize("cmd", ["go mod tidy -diff", "go mod edit -json", "go mod edit -print",
                                 "go mod download", "go mod verify", "go install github.com/a/b@v1.0.0"])
def test_read_only_commands_are_fine(tmp_path, cmd):
    assert of_rule(lint(tmp_path, f"""
        FROM golang:1.22
        WORKDIR /src
        COPY go.mod go.sum ./
        RUN {cmd}
    """), R) == []


def test_go_mod_first_copy_counts_and_heredoc(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        WORKDIR /src
        COPY go.* ./
        RUN <<EOF
        go mod download
        go mod tidy
        EOF
    """), R)
    assert [f.line for f in fs] == [6]


def test_before_go_mod_is_copied_or_in_gopath_mode_is_fine(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22 AS tools
        RUN go get github.com/x/y@v1.0.0
        FROM golang:1.15 AS legacy
        ENV GO111MODULE=off
        COPY . /go/src/example.com/app
        RUN go get github.com/x/y
    """), R) == []


def test_stage_built_from_a_stage_that_copied_go_mod(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS deps
        WORKDIR /src
        COPY go.mod go.sum ./
        FROM deps AS build
        RUN go mod tidy
    """), R)
    assert [(f.line, f.stage) for f in fs] == [(5, "build")]
