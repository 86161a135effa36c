"""The Dockerfile model: what every rule reads. Each test pins one behaviour a rule relies on."""

import pytest

from golayer.dockerfile.model import is_unknown
from golayer.errors import UsageError
from tests.lint.helpers import lint, model, of_rule


def ins_at(m, line):
    return next(i for i in m.instructions if i.start_line == line)


# ---------------------------------------------------------------------------------- parsing


def test_offsets_cover_whole_instructions_including_heredocs(tmp_path):
    m = model(tmp_path, """
        # syntax=docker/dockerfile:1
        FROM golang:1.22 AS Build
        RUN --mount=type=cache,target=/root/.cache/go-build \\
            go build ./...
        RUN <<EOF
        go env -w GOPROXY=direct
        EOF
        CMD ["/app"]
    """)
    assert m.syntax == "docker/dockerfile:1"
    run1, run2 = [i for i in m.instructions if i.cmd == "RUN"]
    assert m.content[run1.start:run1.end] == (
        "RUN --mount=type=cache,target=/root/.cache/go-build \\\n    go build ./...\n")
    assert m.content[run2.start:run2.end] == "RUN <<EOF\ngo env -w GOPROXY=direct\nEOF\n"
    assert (run2.start_line, run2.end_line) == (5, 7)
    cmd = m.instructions[-1]
    assert cmd.json_form and cmd.args == ["/app"] and m.content[cmd.start:cmd.end] == 'CMD ["/app"]\n'


def test_escape_directive_backtick(tmp_path):
    m = model(tmp_path, """
        # escape=`
        FROM golang:1.22
        RUN go build `
            -o /app .
    """)
    assert m.escape == "`"
    run = m.instructions[-1]
    assert [c.argv for c in run.commands] == [["go", "build", "-o", "/app", "."]]
    assert run.commands[0].line == 3


def test_parse_error_is_a_finding_with_a_line_not_a_traceback(tmp_path):
    fs = lint(tmp_path, """
        FROM golang:1.22
        RUN echo hi
        ENV ONLYKEY
        RUN echo there
    """)
    errs = of_rule(fs, "golayer-parse-error")
    assert len(errs) == 1 and errs[0].line == 3 and "ENV" in errs[0].message


def test_unterminated_heredoc_and_empty_file(tmp_path):
    fs = lint(tmp_path, "FROM alpine\nRUN <<EOF\necho hi\n")
    assert [(f.rule, f.line) for f in fs] == [("golayer-parse-error", 2)]
    fs = lint(tmp_path, "\n\n# only a comment\n")
    assert [f.rule for f in fs] == ["golayer-parse-error"]


def test_unknown_instruction_is_reported_and_the_rest_still_modelled(tmp_path):
    m = model(tmp_path, """
        FROM alpine
        FOO bar
        USER app
    """)
    assert [(e.line, e.message) for e in m.errors] == [(2, "unknown instruction: FOO")]
    assert m.target.user_end == "app"


def test_crlf_and_bom_do_not_break_offsets(tmp_path):
    p = tmp_path / "Dockerfile"
    p.write_bytes(b"FROM golang:1.22\r\nRUN go build \\\r\n  ./...\r\n")
    from golayer.dockerfile.build import build_model

    m = build_model(p)
    run = m.instructions[1]
    assert m.content[run.start:run.end] == "RUN go build \\\r\n  ./...\r\n"
    assert run.commands[0].argv == ["go", "build", "./..."]


# ---------------------------------------------------------------------------------- ARG / ENV


def test_arg_scoping_defaults_build_args_and_platform_args(tmp_path):
    m = model(tmp_path, """
        ARG GO_VERSION=1.21
        ARG UNSET
        FROM golang:${GO_VERSION}-alpine AS build
        ARG GO_VERSION
        ARG TARGETARCH
        ARG VERSION=dev
        ARG NOTDECLARED_GLOBAL
        RUN echo $GO_VERSION
        FROM alpine
        RUN echo $VERSION
    """, build_args={"GO_VERSION": "1.22.3", "VERSION": "1.0", "UNDECLARED": "x"})
    build, final = m.stages
    assert build.base == "golang:1.22.3-alpine"
    assert build.base_image.go_version == "1.22.3" and build.base_image.libc == "musl"
    run = ins_at(m, 8)
    assert run.args_in_scope["GO_VERSION"] == "1.22.3"
    assert run.args_in_scope["TARGETARCH"] == "amd64"
    assert run.args_in_scope["VERSION"] == "1.0"
    assert is_unknown(run.args_in_scope["NOTDECLARED_GLOBAL"])
    assert "UNDECLARED" not in run.args_in_scope
    assert ins_at(m, 10).args_in_scope == {}  # ARGs do not cross stages


def test_unknown_arg_in_from_keeps_what_is_known(tmp_path):
    m = model(tmp_path, """
        ARG GO_VERSION
        FROM golang:${GO_VERSION}-alpine
    """)
    s = m.stages[0]
    assert s.base_image.known and s.base_image.libc == "musl" and s.base_image.go_version is None


def test_env_both_syntaxes_quotes_and_references(tmp_path):
    m = model(tmp_path, """
        FROM alpine
        ENV A=1 B="two words" C='$A' D=${A}x
        ENV LEGACY some value here
        ENV E=${MISSING:-fallback} F=${A:+set}
        RUN true
    """)
    env = ins_at(m, 5).env
    assert env["A"] == "1" and env["B"] == "two words" and env["C"] == "$A" and env["D"] == "1x"
    assert env["LEGACY"] == "some value here"
    assert env["E"] == "fallback" and env["F"] == "set"


def test_base_image_env_and_workdir(tmp_path):
    m = model(tmp_path, """
        FROM docker.io/library/golang:1.23.2-bookworm@sha256:0123
        RUN true
    """)
    run = m.instructions[-1]
    assert run.env["GOPATH"] == "/go" and run.env["GOTOOLCHAIN"] == "local"
    assert "/usr/local/go/bin" in run.env["PATH"] and run.env["GOLANG_VERSION"] == "1.23.2"
    assert run.workdir == "/go"
    assert run.go.origin["GOTOOLCHAIN"] == "base-image" and run.go.GOTOOLCHAIN == "local"


def test_unknown_base_image_is_unknown(tmp_path):
    m = model(tmp_path, "FROM registry.example.com/team/builder:3\nRUN go build ./...\n")
    s = m.stages[0]
    assert not s.base_image.known and s.base_image.libc is None
    assert s.go_end.CGO_ENABLED is None


# ---------------------------------------------------------------------------------- Go settings


def test_go_env_w_persists_into_stage_built_from_it_and_env_overrides(tmp_path):
    m = model(tmp_path, """
        FROM golang:1.22 AS base
        RUN go env -w GOPROXY=https://goproxy.io GOFLAGS=-mod=mod
        RUN go build ./...
        FROM base AS build
        RUN go build ./...
        ENV GOPROXY=https://proxy.example
        RUN go build ./...
    """)
    assert ins_at(m, 2).go.GOPROXY == "https://proxy.golang.org,direct"  # before the RUN
    assert ins_at(m, 3).go.GOPROXY == "https://goproxy.io"
    assert ins_at(m, 3).go.origin["GOPROXY"] == "go-env-w"
    assert ins_at(m, 5).go.GOFLAGS == "-mod=mod"  # FROM base keeps the env file
    assert ins_at(m, 7).go.GOPROXY == "https://proxy.example" and ins_at(m, 7).go.origin["GOPROXY"] == "env"
    assert m.stages[0].goenv_files == {"/root/.config/go/env": {"GOPROXY": "https://goproxy.io",
                                                                "GOFLAGS": "-mod=mod"}}


def test_home_and_user_changes_move_gocache_and_goenv(tmp_path):
    m = model(tmp_path, """
        FROM golang:1.22
        RUN go env -w GOFLAGS=-mod=mod
        USER 1000
        RUN go build ./...
        ENV HOME=/home/app
        RUN go build ./...
        ENV XDG_CACHE_HOME=/cache XDG_CONFIG_HOME=/config
        RUN go build ./...
    """)
    root = ins_at(m, 2).go
    assert root.GOCACHE == "/root/.cache/go-build" and root.GOENV == "/root/.config/go/env"
    after_user = ins_at(m, 4).go
    assert is_unknown(after_user.GOCACHE)  # uid 1000's HOME is not known statically
    home = ins_at(m, 6).go
    assert home.GOCACHE == "/home/app/.cache/go-build" and home.GOENV == "/home/app/.config/go/env"
    assert home.GOFLAGS == ""  # the env file written under /root no longer applies
    assert home.GOMODCACHE == "/go/pkg/mod"  # GOPATH comes from the image ENV
    xdg = ins_at(m, 8).go
    assert xdg.GOCACHE == "/cache/go-build" and xdg.GOENV == "/config/go/env"


def test_useradd_gives_the_user_a_home(tmp_path):
    m = model(tmp_path, """
        FROM golang:1.22-alpine
        RUN adduser -D -h /srv/app -u 10001 app
        USER app
        RUN go build ./...
        USER 10001:10001
        RUN go build ./...
    """)
    assert ins_at(m, 4).go.GOCACHE == "/srv/app/.cache/go-build"
    assert ins_at(m, 6).go.GOENV == "/srv/app/.config/go/env"


def test_gopath_gomodcache_defaults_without_image_env(tmp_path):
    m = model(tmp_path, """
        FROM alpine
        ENV GOPATH=/workspace:/other
        RUN true
        ENV GOMODCACHE=/mods GOCACHE=/gocache
        RUN true
    """)
    g = ins_at(m, 3).go
    assert g.GOPATH == "/workspace:/other" and g.GOMODCACHE == "/workspace/pkg/mod"
    assert g.GOCACHE == "/root/.cache/go-build"
    g = ins_at(m, 5).go
    assert (g.GOMODCACHE, g.GOCACHE) == ("/mods", "/gocache")


def test_cgo_derivation(tmp_path):
    m = model(tmp_path, """
        FROM golang:1.22 AS debian
        RUN go build ./...
        FROM golang:1.22-alpine AS alpine
        RUN go build ./...
        RUN apk add --no-cache gcc musl-dev
        RUN go build ./...
        FROM golang:1.22 AS explicit
        ENV CGO_ENABLED=0
        RUN go build ./...
        FROM golang:1.22-alpine AS cc
        ENV CC=clang
        RUN go build ./...
        FROM golang:1.22-alpine AS fromstage
        RUN apt-get update && apt-get install -y build-essential
        FROM fromstage
        RUN go build ./...
    """)
    assert ins_at(m, 2).go.CGO_ENABLED is True and "gcc" in ins_at(m, 2).go.cgo_reason
    assert ins_at(m, 4).go.CGO_ENABLED is False
    assert ins_at(m, 6).go.CGO_ENABLED is True and "gcc" in ins_at(m, 6).go.cgo_reason
    assert ins_at(m, 9).go.CGO_ENABLED is False and "CGO_ENABLED=0" in ins_at(m, 9).go.cgo_reason
    assert ins_at(m, 12).go.CGO_ENABLED is True
    assert ins_at(m, 16).go.CGO_ENABLED is True


def test_arg_cgo_enabled_counts_as_process_env(tmp_path):
    m = model(tmp_path, """
        FROM golang:1.22
        ARG CGO_ENABLED=0
        RUN go build ./...
    """)
    assert ins_at(m, 3).go.CGO_ENABLED is False


def test_goos_goarch_from_platform(tmp_path):
    m = model(tmp_path, """
        FROM --platform=$BUILDPLATFORM golang:1.22 AS b
        RUN go build
        FROM --platform=linux/arm64 golang:1.22
        RUN go build
    """)
    assert (ins_at(m, 2).go.GOOS, ins_at(m, 2).go.GOARCH) == ("linux", "amd64")
    assert ins_at(m, 4).go.GOARCH == "arm64"


# ---------------------------------------------------------------------------------- shell


def test_heredoc_and_sh_c_commands_are_split(tmp_path):
    m = model(tmp_path, """
        FROM golang:1.22
        RUN <<EOF
        set -e
        go mod download && CGO_ENABLED=0 go build -o /app ./cmd/x
        sh -c 'go env -w GOPROXY=direct; bash -c "go vet ./..."'
        EOF
        RUN ["sh", "-c", "go test ./... || true"]
        RUN ["/usr/local/go/bin/go", "install", "example.com/tool@v1.2.3"]
    """)
    run = ins_at(m, 2)
    got = [(c.line, c.argv, c.heredoc) for c in run.commands]
    assert got == [
        (3, ["set", "-e"], True),
        (4, ["go", "mod", "download"], True),
        (4, ["go", "build", "-o", "/app", "./cmd/x"], True),
        (5, ["go", "env", "-w", "GOPROXY=direct"], True),
        (5, ["go", "vet", "./..."], True),
    ]
    build = run.commands[2]
    assert build.assignments == {"CGO_ENABLED": "0"} and build.env["CGO_ENABLED"] == "0"
    assert build.go.sub == "build" and build.go.flags == {"-o": "/app"} and build.go.packages == ["./cmd/x"]
    assert run.commands[3].go.env_writes == {"GOPROXY": "direct"}
    json_run = ins_at(m, 7)
    assert [c.go.sub for c in json_run.commands if c.go] == ["test"]
    inst = ins_at(m, 8).commands[0]
    assert inst.go.sub == "install" and inst.go.packages == ["example.com/tool@v1.2.3"]


def test_continuation_lines_map_to_their_source_line(tmp_path):
    m = model(tmp_path, """
        FROM golang:1.22
        RUN apt-get update && \\
            apt-get install -y gcc && \\
        # a comment inside the continuation
            go build ./...
    """)
    got = [(c.line, c.name) for c in m.instructions[1].commands]
    assert got == [(2, "apt-get"), (3, "apt-get"), (5, "go")]


def test_export_and_inline_env_in_run(tmp_path):
    m = model(tmp_path, """
        FROM golang:1.22
        RUN GOFLAGS=-mod=mod go build ./... && export GOPROXY=off CGO_ENABLED=0 && go vet ./... && (export X=1) && env Y=2 go test
    """)
    cs = [c for c in m.instructions[1].commands if c.go]
    assert cs[0].env["GOFLAGS"] == "-mod=mod" and "GOPROXY" not in cs[0].env
    assert cs[1].env["GOPROXY"] == "off" and "GOFLAGS" not in cs[1].env
    assert cs[2].assignments == {"Y": "2"} and "X" not in cs[2].env


def test_recognised_side_effects(tmp_path):
    m = model(tmp_path, """
        FROM golang:1.22-alpine
        RUN apk add --no-cache --virtual .deps git gcc=13.2.1-r0 && \\
            git config --global url."https://${TOKEN}@github.com/".insteadOf "https://github.com/" && \\
            echo "machine github.com login x password y" > ~/.netrc && \\
            printf '%s' "$CREDS" | tee -a /root/.git-credentials >/dev/null
    """)
    cs = m.instructions[1].commands
    assert cs[0].package_install == ("apk", ["git", "gcc"])
    assert cs[1].git_insteadof == "https://${TOKEN}@github.com/"
    assert cs[2].writes_files == ["~/.netrc"]
    assert cs[4].writes_files == ["/root/.git-credentials"]


def test_mounts_resolved_against_workdir(tmp_path):
    m = model(tmp_path, """
        FROM golang:1.22
        WORKDIR /src
        RUN --mount=type=cache,target=/go/pkg/mod \\
            --mount=type=cache,target=.cache,id=gobuild,sharing=locked \\
            --mount=type=secret,id=netrc,target=/root/.netrc \\
            --mount=type=bind,from=deps,source=/x,target=vendor \\
            go build ./...
    """)
    ms = m.instructions[-1].mounts
    assert [(x.type, x.target) for x in ms] == [("cache", "/go/pkg/mod"), ("cache", "/src/.cache"),
                                                ("secret", "/root/.netrc"), ("bind", "/src/vendor")]
    assert ms[1].id == "gobuild" and ms[1].options["sharing"] == "locked" and ms[3].from_ == "deps"


# ---------------------------------------------------------------------------------- stages


def test_stage_graph_target_needed_and_final(tmp_path):
    text = """
        FROM golang:1.22 AS Deps
        RUN go mod download
        FROM deps AS build
        RUN --mount=type=bind,from=assets,target=/assets go build -o /app .
        FROM alpine AS assets
        RUN true
        FROM golang:1.22 AS dev
        RUN go test ./...
        FROM scratch AS final
        COPY --from=build /app /app
        COPY --from=1 /app /app2
    """
    m = model(tmp_path, text)
    names = [s.name for s in m.stages]
    assert names == ["deps", "build", "assets", "dev", "final"]
    by = {s.name: s for s in m.stages}
    assert m.target is by["final"] and by["final"].is_target
    # BuildKit resolves --from names over the whole file, later stages included
    assert by["build"].base_stage is by["deps"] and by["build"].depends_on == {0, 2}
    assert [s.name for s in m.stages if s.needed] == ["deps", "build", "assets", "final"]
    assert [s.name for s in m.final_stages] == ["final"]
    assert by["final"].depends_on == {1}
    copy = m.instructions[-2]
    assert copy.copy_from == "build" and copy.copy_sources == ["/app"] and copy.copy_dest == "/app"

    m = model(tmp_path, text, target="build")
    assert [s.name for s in m.final_stages] == ["deps", "build"]
    assert m.stage("BUILD").is_target


# Measured with DOCKER_BUILDKIT=1 docker build (Docker 20.10.24) in tests/lab/test_proof_stage_names.py and
# docs/measurements.md "Duplicate stage names": of two stages named `a`, `FROM a` takes the last one
# defined before it; `COPY --from=a`, `--mount from=a` and `--target a` take the last one in the file.
DUPLICATE_NAMES = """
    FROM alpine AS a
    RUN echo first > /marker
    FROM a AS between
    RUN cp /marker /based
    FROM debian AS A
    RUN echo second > /marker
    FROM a AS after
    RUN --mount=type=bind,from=a,target=/m cp /m/marker /mounted
    FROM scratch
    COPY --from=a /marker /out
    COPY --from=between /based /b
    COPY --from=after /mounted /c
"""


def test_duplicate_stage_names_resolve_as_buildkit_does(tmp_path):
    m = model(tmp_path, DUPLICATE_NAMES)
    first, between, second, after, final = m.stages
    assert (first.name, second.name) == ("a", "a")
    assert between.base_stage is first  # FROM a: the last `a` so far
    assert after.base_stage is second
    assert m.stage("a") is second and m.stage("A") is second and m.stage(0) is first  # COPY --from=a: the last
    assert m.copies_from(second) == [ins_at(m, 10)] and m.copies_from(first) == []
    assert after.depends_on == {2} and final.depends_on == {1, 2, 3}
    assert not first.in_final_image and first.needed  # needed through `between` only
    m = model(tmp_path, DUPLICATE_NAMES, target="a")
    assert m.target is m.stages[2] and [s.index for s in m.final_stages] == [2]


def test_unknown_target_lists_stages(tmp_path):
    with pytest.raises(UsageError) as exc:
        model(tmp_path, "FROM alpine AS a\nFROM alpine AS b\n", target="nope")
    assert "'nope'" in exc.value.message and "a, b" in exc.value.message


def test_workdir_relative_and_copy_dest(tmp_path):
    m = model(tmp_path, """
        FROM golang:1.22
        WORKDIR app
        WORKDIR ./cmd/../src
        COPY go.* ./
        COPY . .
        ADD https://example.com/x.tgz /opt/
    """)
    ws = [i for i in m.instructions if i.cmd in ("COPY", "ADD")]
    assert ws[0].workdir == "/go/app/src" and ws[0].copy_sources == ["go.*"] and ws[0].copy_dest == "/go/app/src/"
    assert ws[1].copy_dest == "/go/app/src/" and ws[2].copy_dest == "/opt/"


def test_context_dockerignore_and_gomod(tmp_path):
    m = model(tmp_path, "FROM alpine\n", files={"go.mod": "module example.com/x // c\n\ngo 1.23.1\ntoolchain go1.24.0\n",
                                                "build.Dockerfile.dockerignore": "*\n"},
              dockerignore="# c\n.git\n**/*.md\n!README.md\n/bin/\n")
    ctx = m.context
    assert ctx.gomod.go == "1.23.1" and ctx.gomod.toolchain == "go1.24.0" and ctx.gomod.module == "example.com/x"
    assert ctx.excludes(".git/HEAD") and ctx.excludes("docs/a.md") and not ctx.excludes("README.md")
    assert ctx.excludes("bin/x") and not ctx.excludes("cmd/bin.go")
    m2 = model(tmp_path, "FROM alpine\n", name="build.Dockerfile")
    assert m2.context.dockerignore.name == "build.Dockerfile.dockerignore" and m2.context.excludes("go.mod")


@pytest.mark.parametrize("pattern,path,excluded", [
    ("*.go", "main.go", True), ("*.go", "cmd/main.go", False), ("**/*.go", "cmd/main.go", True),
    ("**", "anything/at/all", True), ("cmd", "cmd/x/y.go", True), ("/vendor", "vendor/a", True),
    ("a/**/b", "a/b", True), ("a/**/b", "a/x/y/b", True), ("?.txt", "ab.txt", False),
    ("docs/[a-c]*", "docs/b1", True), ("./tmp/../out", "out/x", True),
])
def test_dockerignore_patterns(pattern, path, excluded):
    from golayer.dockerfile.context import matches, read_dockerignore

    assert matches(read_dockerignore(pattern), path) is excluded


def test_dockerignore_exceptions_last_wins():
    from golayer.dockerfile.context import matches

    pats = ["*", "!go.mod", "!go.sum", "!cmd/", "cmd/secret"]
    assert not matches(pats, "go.mod") and matches(pats, "Makefile")
    assert not matches(pats, "cmd/x.go") and matches(pats, "cmd/secret")


def test_base_image_knowledge_table():
    from golayer.knowledge.bases import lookup

    def k(ref):
        b = lookup(ref)
        return (b.family, b.libc, b.has_shell, b.has_cc, b.default_user)

    assert k("golang:1.22-bookworm") == ("golang", "glibc", True, True, "root")
    assert k("golang:1.22.3-alpine3.20") == ("golang", "musl", True, False, "root")
    assert k("gcr.io/distroless/static-debian12:nonroot") == ("distroless", "none", False, False, "65532")
    assert k("gcr.io/distroless/base-debian12") == ("distroless", "glibc", False, False, "root")
    assert k("gcr.io/distroless/base-nossl-debian12:debug") == ("distroless", "glibc", True, False, "root")
    assert k("gcr.io/distroless/cc-debian11:latest") == ("distroless", "glibc", False, False, "root")
    assert k("scratch") == ("scratch", "none", False, False, "root")
    assert k("busybox:1.36-musl") == ("busybox", "musl", True, False, "root")
    assert k("busybox:uclibc")[1] == "uclibc" and k("busybox")[1] is None
    assert k("cgr.dev/chainguard/static:latest")[1:3] == ("none", False)
    assert k("cgr.dev/chainguard/glibc-dynamic")[1] == "glibc"
    assert lookup("cgr.dev/chainguard/go:1.23").go_version == "1.23"
    assert k("registry.access.redhat.com/ubi9/ubi-minimal:9.4")[:2] == ("ubi", "glibc")
    assert k("ubuntu:24.04")[0] == "ubuntu" and k("debian:bookworm-slim")[0] == "debian"
    assert lookup("amazonlinux:2023").known
    assert lookup("golang:1.22").go_version == "1.22" and lookup("golang").go_version is None
    assert lookup("golang:1.22").is_toolchain and not lookup("alpine:3.20").is_toolchain
    assert not lookup("example.com/golang:1.22").known
    assert lookup("public.ecr.aws/docker/library/golang:1.22-alpine").libc == "musl"
    # official images through registry prefixes and mirrors, digests, variant suffixes (issue 8, corpus)
    for ref in ("docker.io/library/golang:1.26.6@sha256:640a234f", "index.docker.io/library/golang:1.23",
                "mirror.gcr.io/library/golang:1.23-bookworm", "public.ecr.aws/docker/library/golang:1.26@sha256:3a",
                "golang@sha256:c5adecdb"):
        assert k(ref)[:2] == ("golang", "glibc"), ref
    # bases the corpus's Go projects use (docs/base-images.md lists the sources)
    assert k("quay.io/prometheus/busybox-linux-arm64:latest")[:3] == ("busybox", "glibc", True)
    assert k("registry.access.redhat.com/ubi9-minimal:9.4")[:2] == ("ubi", "glibc")
    assert k("registry.access.redhat.com/ubi9/ubi-micro:9.4")[:3] == ("ubi", "glibc", None)
    assert k("alpine/git:2.45.2")[:3] == ("alpine", "musl", True)
    # unknown stays unknown: an in-house builder, an ARG base without a value
    assert not lookup("registry.example.com/platform/go-builder:1.23").known
