"""unpinned-go-install (GLD034): moving versions in go install/get/run."""

import pytest

from tests.lint.helpers import lint, of_rule

R = "unpinned-go-install"


@pytest.mark.parametrize("cmd,why", [
    ("go install github.com/swaggo/swag/cmd/swag@latest", "@latest"),
    ("go install golang.org/x/tools/gopls@upgrade", "@upgrade"),
    ("go install github.com/a/b@master", "branch or tag"),
    ("go install honnef.co/go/tools/cmd/staticcheck@v0", "newest v0.x"),
    ("go install github.com/a/b@v1.2", "newest v1.2.x"),
    ("go run github.com/a/gen@latest -out x.go", "@latest"),
    ("go get github.com/x/y", "@upgrade"),
    ("go get -u ./...", "-u upgrades"),
])
def test_moving_versions_are_reported(tmp_path, cmd, why):
    fs = of_rule(lint(tmp_path, f"""
        FROM golang:1.22
        RUN apt-get update && {cmd}
    """), R)
    assert len(fs) == 1 and fs[0].line == 2 and why in fs[0].message


@pytest.mark.parametrize("cmd", [
    "go install github.com/swaggo/swag/cmd/swag@v1.16.3",
    "go install github.com/a/b@v0.0.0-20240101000000-abcdef123456",
    "go install github.com/a/b@v2.0.0-rc.1",
    "go install github.com/a/b@3f2a1b9c",
    "go install ./cmd/...",
    "go install .",
    "go install github.com/a/b/cmd/x",  # version from the main module's go.mod
    "go run ./tools/gen arg@latest",
    "go get",
    "go get github.com/a/b@none",
])
def test_fixed_or_local_is_fine(tmp_path, cmd):
    assert of_rule(lint(tmp_path, f"""
        FROM golang:1.22
        ARG TOOL_VERSION=v1.2.3
        RUN {cmd}
    """), R) == []


def test_every_package_of_a_command_and_heredoc_lines(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS tools
        RUN <<EOF
        set -eux
        go install github.com/a/one@v1.0.0 github.com/a/two@latest
        go install github.com/a/three@main
        EOF
        FROM golang:1.22 AS dev
        RUN sh -c 'go install github.com/go-delve/delve/cmd/dlv@latest'
        FROM scratch
        COPY --from=tools /go/bin /bin
    """), R)
    assert [(f.line, f.stage) for f in fs] == [(4, "tools"), (5, "tools"), (8, "dev")]
    assert "github.com/a/two@latest" in fs[0].message and "three@main" in fs[1].message


def test_gopath_mode_go_get(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.15
        ENV GO111MODULE=off
        RUN go get github.com/x/y
    """), R)
    assert len(fs) == 1 and "GOPATH mode" in fs[0].message


def test_version_from_arg_or_env_is_resolved(tmp_path):
    from tests.lint.helpers import lint, of_rule

    def msgs(df, **kw):
        return [f.message for f in of_rule(lint(tmp_path, df, **kw), "unpinned-go-install")]

    base = "FROM golang:1.22\n{decl}\nRUN go install github.com/x/tool@{q}\n"
    assert "'latest'" in msgs(base.format(decl="ARG V=latest", q="${V}"))[0]
    assert "branch or tag" in msgs(base.format(decl="ENV V=main", q="$V"))[0]
    assert "no value" in msgs(base.format(decl="ARG V", q="${V}"))[0]
    assert "empty" in msgs(base.format(decl='ARG V=""', q="${V}"))[0]
    assert "'latest'" in msgs(base.format(decl="ARG V", q="${V:-latest}"))[0]
    # pinned through the variable, or pinned by --build-arg
    assert msgs(base.format(decl="ARG V=v1.61.0", q="${V}")) == []
    assert msgs(base.format(decl="ARG V", q="${V}"), build_args={"V": "v1.61.0"}) == []
