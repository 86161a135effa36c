"""missing-cache-mount (GLD004)."""

from tests.lint.helpers import fix_all, lint, of_rule, rules_of

R = "missing-cache-mount"

MULTI = """
    FROM golang:1.22 AS build
    WORKDIR /src
    COPY go.mod go.sum ./
    RUN go mod download
    COPY . .
    RUN CGO_ENABLED=0 go build -o /app .
    FROM scratch
    COPY --from=build /app /app
"""


def test_builder_stage_download_and_compile(tmp_path):
    fs = of_rule(lint(tmp_path, MULTI), R)
    assert [(f.line, f.stage) for f in fs] == [(4, "build"), (6, "build")]
    assert "GOMODCACHE /go/pkg/mod" in fs[0].message and "GOCACHE" not in fs[0].message
    assert "GOMODCACHE /go/pkg/mod, GOCACHE /root/.cache/go-build" in fs[1].message


def test_fix_adds_mounts_on_effective_paths_and_relints_clean(tmp_path):
    out = fix_all(tmp_path, MULTI)
    assert "RUN --mount=type=cache,target=/go/pkg/mod go mod download\n" in out
    assert ("RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build "
            "CGO_ENABLED=0 go build -o /app .\n") in out
    assert R not in rules_of(lint(tmp_path, out))
    assert fix_all(tmp_path, out) == out


def test_effective_paths_follow_gopath_and_home(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22-alpine AS build
        ENV GOPATH=/gopath HOME=/home/b
        RUN --mount=type=cache,target=/gopath/pkg/mod <<EOF
        go build -o /app .
        EOF
        FROM alpine
        COPY --from=build /app /app
    """), R)
    assert len(fs) == 1 and "GOCACHE /home/b/.cache/go-build" in fs[0].message and "GOMODCACHE" not in fs[0].message


def test_not_caught_final_stage_unneeded_stage_vendor_and_covered(tmp_path):
    fs = lint(tmp_path, """
        FROM golang:1.22 AS dev
        RUN go test ./...
        FROM golang:1.22 AS build
        RUN --mount=type=cache,target=/go --mount=type=cache,target=/root/.cache go build -o /a .
        RUN --mount=type=cache,target=/root/.cache/go-build go build -mod=vendor -o /b .
        FROM golang:1.22
        COPY --from=build /a /a
        RUN go build -o /c .
    """)
    assert R not in rules_of(fs)


def test_fix_is_unsafe_when_the_cache_directories_are_used_later(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS deps
        COPY go.mod go.sum ./
        RUN go mod download
        FROM golang:1.22 AS build
        COPY --from=deps /go/pkg /go/pkg
        COPY . .
        RUN --mount=type=cache,target=/root/.cache/go-build go build -o /app .
        FROM scratch
        COPY --from=build /app /app
    """), R)
    assert [(f.line, f.stage, str(f.fix.applicability)) for f in fs] == [
        (3, "deps", "unsafe"), (7, "build", "unsafe")]
    assert "line 5 copies /go/pkg from stage deps" in fs[0].fix.description
    assert "line 5 copies into /go/pkg, which the mount would hide" in fs[1].fix.description


def test_go_build_a_gets_no_build_cache_advice(tmp_path):
    """`go build -a` rebuilds every package whatever the cache holds (seen in traefik/whoami's Makefile):
    a GOCACHE mount would not make that step faster, so only the module cache is advised."""
    fs = of_rule(lint(tmp_path, MULTI.replace("go build -o /app .", "go build -a -o /app .")), R)
    assert [f.line for f in fs] == [4, 6]
    assert "GOMODCACHE /go/pkg/mod" in fs[1].message and "GOCACHE" not in fs[1].message
    out = fix_all(tmp_path, MULTI.replace("go build -o /app .", "go build -a -o /app ."))
    assert "--mount=type=cache,target=/root/.cache/go-build" not in out
