"""secret-in-build (GLD037): credentials reaching layers, config or history; secret mounts are fine."""

import pytest

from golayer.findings import Severity
from tests.lint.helpers import lint, of_rule

R = "secret-in-build"


@pytest.mark.parametrize("name", ["GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN", "NPM_TOKEN", "DB_PASSWORD",
                                  "AWS_SECRET_ACCESS_KEY", "API_KEY", "DEPLOY_KEY", "GITHUB_PAT", "APP_SECRET"])
def test_arg_named_like_a_credential_is_an_error(tmp_path, name):
    fs = of_rule(lint(tmp_path, f"""
        FROM golang:1.22 AS build
        ARG {name}
        RUN go mod download
        FROM scratch
        COPY --from=build /go/bin /bin
    """), R)
    assert len(fs) == 1 and fs[0].severity == Severity.ERROR and fs[0].line == 2 and fs[0].stage == "build"
    assert f"ARG {name}" in fs[0].message and "history of every later RUN" in fs[0].message


@pytest.mark.parametrize("name", ["SSH_PUBLIC_KEY", "AWS_ACCESS_KEY_ID", "GPG_KEY", "CACHE_KEY", "TOKEN_URL",
                                  "GOAUTH", "KEYCLOAK_URL", "PASSWORD_FILE"])
def test_names_that_are_not_credentials(tmp_path, name):
    assert of_rule(lint(tmp_path, f"""
        FROM golang:1.22
        ARG {name}
        ENV {name}=x
        RUN go mod download
    """), R) == []


def test_arg_without_a_later_run_and_global_arg_are_not_in_history(tmp_path):
    assert of_rule(lint(tmp_path, """
        ARG GITHUB_TOKEN
        FROM golang:1.22 AS build
        RUN go mod download
        FROM scratch
        ARG DB_PASSWORD
        COPY --from=build /go/bin /bin
    """), R) == []


def test_env_with_a_value_but_not_an_empty_one(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM alpine:3.20
        ARG T
        ENV NPM_TOKEN="" GITHUB_TOKEN=$T
    """), R)
    assert len(fs) == 1 and "ENV GITHUB_TOKEN" in fs[0].message and "image config" in fs[0].message


def test_token_literals_anywhere(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM alpine:3.20
        LABEL ci.token=ghp_abcdefghijklmnopqrstuvwxyz0123456789
        RUN <<EOF
        curl -H "PRIVATE-TOKEN: glpat-abcdefghijklmnopqrst" https://gitlab.example.com/api
        EOF
    """), R)
    assert [f.line for f in fs] == [2, 3]
    assert "GitHub token (ghp_abcd…)" in fs[0].message and "GitLab" in fs[1].message
    assert "ghp_abcdefghijklmnop" not in fs[0].message  # never print the whole token


def test_git_insteadof_with_a_token(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        RUN git config --global url."https://oauth2:${TOKEN}@gitlab.example.com/".insteadOf "https://gitlab.example.com/" && go mod download
    """), R)
    assert len(fs) == 1 and "~/.gitconfig" in fs[0].message


def test_git_insteadof_from_a_secret_still_persists_unless_removed(tmp_path):
    df = """
        FROM golang:1.22
        RUN --mount=type=secret,id=gh git config --global url."https://x:$(cat /run/secrets/gh)@github.com/".insteadOf "https://github.com/" && go mod download{tail}
    """
    fs = of_rule(lint(tmp_path, df.format(tail="")), R)
    assert len(fs) == 1 and "the build secret into ~/.gitconfig" in fs[0].message
    assert of_rule(lint(tmp_path, df.format(tail=" && rm -f ~/.gitconfig")), R) == []
    assert of_rule(lint(tmp_path, df.format(
        tail=" && git config --global --unset url.https://x.insteadOf")), R) == []


def test_insteadof_without_credentials_is_fine(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22
        RUN git config --global url."git@github.com:".insteadOf "https://github.com/"
    """), R) == []


def test_netrc_written_in_the_layer(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS build
        ARG USER
        RUN echo "machine github.com login $USER password x" > ~/.netrc && go mod download
        RUN printf 'https://u:p@github.com\\n' | tee /root/.git-credentials
    """), R)
    assert [f.line for f in fs] == [3, 4]
    assert "~/.netrc" in fs[0].message and ".git-credentials" in fs[1].message


def test_netrc_removed_in_the_same_heredoc_run_is_fine(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22
        RUN <<EOF
        printf 'machine x login y password z' > /root/.netrc
        go mod download
        rm /root/.netrc
        EOF
    """), R) == []


def test_secret_mounts_are_fine(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22 AS build
        ENV GOPRIVATE=github.com/myorg/*
        RUN --mount=type=secret,id=netrc,target=/root/.netrc go mod download
        RUN --mount=type=secret,id=gh GITHUB_TOKEN=$(cat /run/secrets/gh) go mod download
        RUN --mount=type=secret,id=gh,env=GH_TOKEN go mod download
        RUN --mount=type=tmpfs,target=/tmpcreds echo x > /tmpcreds/.netrc
        FROM scratch
        COPY --from=build /go/bin /bin
    """), R) == []


def test_credential_files_copied_from_the_context(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        COPY .netrc /root/.netrc
        COPY id_ed25519 /root/.ssh/
        COPY main.go /src/
    """), R)
    assert [f.line for f in fs] == [2, 3]


def test_credentials_in_goproxy_url(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        ENV GOPROXY=https://ci:s3cr3t@athens.corp.example/,direct
        RUN go mod download
    """), R)
    assert len(fs) == 1 and "GOPROXY" in fs[0].message
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22
        ENV GOPROXY=https://athens.corp.example/,direct
        RUN go mod download
    """), R) == []
