"""cache-mount-wrong-target (GLD005)."""

from tests.lint.helpers import fix_all, lint, of_rule, rules_of

R = "cache-mount-wrong-target"


def test_home_change_moves_gocache(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS build
        USER 1000
        ENV HOME=/home/app
        RUN --mount=type=cache,target=/root/.cache/go-build go build -o /tmp/app .
        FROM scratch
        COPY --from=build /tmp/app /app
    """), R)
    assert len(fs) == 1 and fs[0].stage == "build"
    assert "/root/.cache/go-build" in fs[0].message and "GOCACHE /home/app/.cache/go-build" in fs[0].message
    assert "HOME=/home/app" in fs[0].message


def test_gopath_change_moves_modcache_and_fix_retargets(tmp_path):
    text = """
        FROM golang:1.22 AS build
        ENV GOPATH=/workspace
        RUN --mount=type=cache,target=/go/pkg/mod,id=mods go mod download
        FROM scratch
    """
    fs = of_rule(lint(tmp_path, text), R)
    assert len(fs) == 1 and "GOMODCACHE /workspace/pkg/mod" in fs[0].message
    out = fix_all(tmp_path, text)
    assert "RUN --mount=type=cache,target=/workspace/pkg/mod,id=mods go mod download\n" in out
    assert R not in rules_of(lint(tmp_path, out))


def test_heredoc_alpine_without_gopath_env(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM alpine AS build
        RUN apk add go
        RUN --mount=type=cache,target=/go/pkg/mod <<EOF
        go build -o /app .
        EOF
    """), R)
    assert len(fs) == 1 and "GOMODCACHE /root/go/pkg/mod" in fs[0].message


def test_correct_or_containing_or_unrelated_mounts_not_caught(tmp_path):
    fs = lint(tmp_path, """
        FROM golang:1.22
        RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build go build .
        RUN --mount=type=cache,target=/root/.cache --mount=type=cache,target=/go go build .
        RUN --mount=type=cache,target=/var/cache/apt apt-get update
        RUN --mount=type=cache,target=/root/.cache/go-build echo no go here
    """)
    assert R not in rules_of(fs)
