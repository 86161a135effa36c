"""build-cache-in-layer (GLD003)."""

from tests.lint.helpers import fix_all, lint, of_rule, rules_of

R = "build-cache-in-layer"


def test_single_stage_build_is_caught_with_effective_gocache(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        WORKDIR /src
        COPY . .
        RUN go build -o /app .
    """), R)
    assert len(fs) == 1 and fs[0].line == 4 and "/root/.cache/go-build" in fs[0].message
    assert str(fs[0].fix.applicability) == "unsafe"


def test_stage_the_target_is_built_from_and_heredoc(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22-alpine AS base
        ENV XDG_CACHE_HOME=/cache
        RUN <<EOF
        go mod download
        go test ./...
        EOF
        FROM base
        CMD ["go", "run", "."]
    """), R)
    assert [(f.line, f.stage) for f in fs] == [(5, "base")] and "/cache/go-build" in fs[0].message


def test_builder_stage_not_in_image_is_not_caught(tmp_path):
    fs = lint(tmp_path, """
        FROM golang:1.22 AS build
        RUN go build -o /app .
        FROM golang:1.22 AS dev
        RUN go test ./...
        FROM scratch
        COPY --from=build /app /app
    """)
    assert R not in rules_of(fs)


def test_cache_mount_or_cleanup_is_not_caught(tmp_path):
    fs = lint(tmp_path, """
        FROM golang:1.22
        RUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .
        RUN --mount=type=cache,target=/root/.cache go install ./cmd/x
        RUN go build -o /b . && go clean -cache
        RUN go build -o /c . && rm -rf /root/.cache
        RUN GOCACHE=/tmp/gc go build -o /d . && rm -rf /tmp/gc
    """)
    assert R not in rules_of(fs)


def test_wrong_mount_after_home_change_is_caught(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        ENV HOME=/home/app
        RUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .
    """), R)
    assert len(fs) == 1 and "/home/app/.cache/go-build" in fs[0].message


def test_unsafe_fix_adds_mount_only_with_unsafe(tmp_path):
    text = """
        FROM golang:1.22
        RUN go build -o /app .
    """
    from golayer.config import Config

    only = Config(select=[R])  # other rules' unsafe fixes (stage split, mod cache mount) are tested elsewhere
    assert fix_all(tmp_path, text, cfg=only) == "FROM golang:1.22\nRUN go build -o /app .\n"
    out = fix_all(tmp_path, text, unsafe=True, cfg=only)
    assert out == "FROM golang:1.22\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .\n"
    assert R not in rules_of(lint(tmp_path, out))
