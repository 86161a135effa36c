"""deps-after-sources (GLD006)."""

from tests.lint.helpers import fix_all, lint, of_rule, rules_of

R = "deps-after-sources"
CTX = {"go.mod": "module example.com/x\n\ngo 1.22\n", "go.sum": ""}


def test_whole_copy_then_build(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN go build -o /app .
        FROM scratch
        COPY --from=build /app /app
    """, files=CTX), R)
    assert [(f.line, f.stage) for f in fs] == [(3, "build")] and "`go build` (line 4)" in fs[0].message


def test_mod_copy_without_download_and_heredoc(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        COPY go.mod ./
        ADD . .
        RUN <<EOF
        go test ./...
        EOF
    """, files=CTX), R)
    assert len(fs) == 1 and fs[0].line == 3 and "go.mod is copied first (line 2)" in fs[0].message


def test_not_caught_good_order_glob_vendor_unneeded_and_no_download(tmp_path):
    fs = lint(tmp_path, """
        FROM golang:1.22 AS a
        COPY go.* ./
        RUN go mod download
        COPY . .
        RUN go build -o /a .
        FROM golang:1.22 AS b
        COPY go.mod go.sum /src/
        RUN cd /src && go mod download
        COPY ./ /src
        RUN cd /src && go build -o /b .
        FROM golang:1.22 AS v
        COPY . .
        RUN go build -mod=vendor -o /v .
        FROM golang:1.22 AS dev
        COPY . .
        RUN go test ./...
        FROM alpine AS c
        COPY . .
        RUN echo done
        FROM a AS d
        COPY . .
        RUN go build -o /d .
        FROM scratch
        COPY --from=a /a /a
        COPY --from=b /b /b
        COPY --from=v /v /v
        COPY --from=c / /c
        COPY --from=d /d /d
    """, files=CTX)
    assert of_rule(fs, R) == []


def test_fix_inserts_mod_copy_and_download_with_secret_mounts(tmp_path):
    # (a RUN with a cache mount on GOMODCACHE is not reported at all: see the cache-mount test below)
    text = """
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY --chown=app . .
        RUN --mount=type=secret,id=netrc,target=/root/.netrc go build -o /app .
        FROM scratch
        COPY --from=build /app /app
    """
    out = fix_all(tmp_path, text, files=CTX)
    assert "WORKDIR /src\nCOPY --chown=app go.mod go.sum ./\nRUN " in out
    assert "--mount=type=secret,id=netrc,target=/root/.netrc go mod download\nCOPY --chown=app . .\n" in out
    assert R not in rules_of(lint(tmp_path, out, files=CTX))
    assert fix_all(tmp_path, out, files=CTX) == out


def test_fix_without_go_sum_and_other_destination(tmp_path):
    out = fix_all(tmp_path, """
        FROM golang:1.22 AS build
        COPY . /src
        RUN cd /src && go build -o /app .
        FROM scratch
        COPY --from=build /app /app
    """, files={"go.mod": "module x\n"})
    assert "COPY go.mod /src/\nRUN --mount=type=cache,target=/go/pkg/mod cd /src && go mod download\nCOPY . /src\n" in out \
        or "COPY go.mod /src/\nRUN cd /src && go mod download\nCOPY . /src\n" in out


def test_no_fix_with_local_replace_or_missing_gomod(tmp_path):
    text = """
        FROM golang:1.22
        COPY . .
        RUN go build .
    """
    fs = of_rule(lint(tmp_path, text, files={"go.mod": "module x\nreplace example.com/y => ./y\n"}), R)
    assert len(fs) == 1 and fs[0].fix is None


def test_fix_is_unsafe_when_the_download_depends_on_what_comes_between(tmp_path):
    def fix_of(text):
        return of_rule(lint(tmp_path, text, files=CTX), R)[0].fix

    base = """
        FROM golang:1.22 AS build
        COPY . .
        {between}
        RUN {inline}go build -o /app .
        FROM scratch
        COPY --from=build /app /app
    """
    assert str(fix_of(base.format(between="LABEL x=y", inline="")).applicability) == "safe"
    assert str(fix_of(base.format(between="ENV VERSION=1 GOPROXY=https://proxy.golang.org,direct",
                                  inline="")).applicability) == "safe"  # same effective settings
    for between, inline in [("ENV GOPRIVATE=example.com/*", ""), ("RUN apk add git", ""),
                            ("USER 1000", ""), ("ARG HTTPS_PROXY=http://proxy:3128", ""),
                            ("LABEL x=y", "GOFLAGS=-mod=mod ")]:
        assert str(fix_of(base.format(between=between, inline=inline)).applicability) == "unsafe", between


def test_module_cache_mount_after_the_copy_is_fine(tmp_path):
    from tests.lint.helpers import lint, of_rule

    df = """
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN --mount=type=cache,target={t} go build -o /app .
    """
    assert of_rule(lint(tmp_path, df.format(t="/go/pkg/mod")), "deps-after-sources") == []
    assert of_rule(lint(tmp_path, df.format(t="/go/pkg")), "deps-after-sources") == []
    # a mount on the build cache only, or on a path that is not this base's GOMODCACHE: still re-downloads
    assert len(of_rule(lint(tmp_path, df.format(t="/root/.cache/go-build")), "deps-after-sources")) == 1
    assert len(of_rule(lint(tmp_path, df.format(t="/root/go/pkg/mod")), "deps-after-sources")) == 1
