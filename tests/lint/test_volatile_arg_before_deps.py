"""volatile-arg-before-deps (GLD032): per-build ARG/ENV declared before the module download step."""

from tests.lint.helpers import lint, of_rule

R = "volatile-arg-before-deps"


def test_version_and_commit_before_go_mod_download(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS build
        ARG VERSION
        ARG GIT_COMMIT=unknown
        ARG TARGETARCH
        WORKDIR /src
        COPY go.mod go.sum ./
        RUN go mod download
        COPY . .
        RUN go build -ldflags "-X main.version=${VERSION} -X main.commit=${GIT_COMMIT}" -o /out/app .
        FROM scratch
        COPY --from=build /out/app /app
    """), R)
    assert [(f.line, f.stage) for f in fs] == [(2, "build"), (3, "build")]
    assert "ARG VERSION" in fs[0].message and "`go mod download` (line 7)" in fs[0].message


def test_declared_after_the_download_is_fine(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY go.mod go.sum ./
        RUN go mod download
        COPY . .
        ARG VERSION
        ARG BUILD_DATE
        RUN go build -ldflags "-X main.version=${VERSION}" -o /out/app .
    """), R) == []


def test_global_arg_counts_only_when_redeclared_in_the_stage(tmp_path):
    df = """
        ARG VERSION=dev
        FROM golang:1.22
        {redeclare}
        WORKDIR /src
        COPY go.mod go.sum ./
        RUN go mod download
    """
    assert of_rule(lint(tmp_path, df.format(redeclare="")), R) == []
    fs = of_rule(lint(tmp_path, df.format(redeclare="ARG VERSION")), R)
    assert [f.line for f in fs] == [3]


def test_env_from_an_arg_counts_a_literal_env_does_not(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        ARG V
        ENV APP_VERSION=$V BUILD_DATE=2024-01-01 CI_COMMIT_SHA=${V}
        COPY go.mod go.sum ./
        RUN go mod download
    """), R)
    assert [f.message.split(" is declared")[0] for f in fs] == ["ENV APP_VERSION", "ENV CI_COMMIT_SHA"]


def test_pinned_upstream_commit_with_default_is_not_per_build(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22
        ARG UPSTREAM_COMMIT=3f2a1b9
        ARG LUAROCKS_SHA=0123abcd
        COPY go.mod go.sum ./
        RUN go mod download
    """), R) == []


def test_tool_install_is_a_deps_step_too_and_heredoc(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22-alpine AS build
        ARG RELEASE
        RUN <<EOF
        apk add --no-cache curl
        go install aead.dev/minisign/cmd/minisign@v0.2.1
        EOF
        RUN curl -fsSLo /app https://example.com/app.${RELEASE}
    """), R)
    assert [f.line for f in fs] == [2] and "`go install` (line 3)" in fs[0].message


def test_step_that_uses_the_value_has_to_rerun_anyway(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22
        ARG VERSION
        RUN git clone https://example.com/x /x && cd /x && git checkout "${VERSION}" && go mod download
    """), R) == []


def test_no_deps_step_before_the_sources_is_silent(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22
        ARG VERSION
        WORKDIR /src
        COPY . .
        RUN go mod download && go build -o /out/app .
    """), R) == []


def test_only_the_stage_that_downloads_matters(tmp_path):
    # deps are downloaded in an earlier stage; VERSION in the build stage costs nothing there
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22 AS deps
        WORKDIR /src
        COPY go.mod go.sum ./
        RUN go mod download
        FROM deps AS build
        ARG VERSION
        COPY . .
        RUN go build -o /out/app .
    """), R) == []
