"""cache-path-overlap (GLD031): sources in GOPATH / containing or inside GOMODCACHE/GOCACHE."""

from tests.lint.helpers import lint, of_rule

R = "cache-path-overlap"
GOMOD = {"go.mod": "module example.com/app\n\ngo 1.22\n", "main.go": "package main\n", "cmd/x/main.go": "package main\n"}


def test_golang_image_workdir_is_gopath(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22 AS build
        COPY . .
        RUN go build -o /out/app .
        FROM scratch
        COPY --from=build /out/app /app
    """, files=GOMOD), R)
    assert [(f.line, f.stage) for f in fs] == [(2, "build")]
    assert "GOPATH (/go)" in fs[0].message and "ignoring go.mod in $GOPATH" in fs[0].message


def test_gopath_moved_onto_the_workdir(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22-alpine
        ENV GOPATH=/workspace
        WORKDIR /workspace
        RUN go mod download
    """), R)
    assert [f.line for f in fs] == [4]
    assert "/workspace/pkg/mod" in fs[0].message


def test_home_makes_gocache_live_in_the_source_tree(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        ENV HOME=/app
        WORKDIR /app
        COPY . .
        RUN go build ./...
    """, files=GOMOD), R)
    assert [f.line for f in fs] == [4]
    assert "GOCACHE (/app/.cache/go-build)" in fs[0].message


def test_source_tree_inside_the_module_cache(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        WORKDIR /go/pkg/mod/src
        COPY . .
        RUN go build ./...
    """, files=GOMOD), R)
    assert [f.line for f in fs] == [3] and "inside GOMODCACHE" in fs[0].message


def test_cd_in_the_run_and_heredoc(tmp_path):
    df = """
        FROM golang:1.22
        ENV GOPATH=/w
        RUN <<EOF
        cd /w
        go build ./...
        EOF
    """
    fs = of_rule(lint(tmp_path, df), R)
    assert len(fs) == 1 and "runs in /w" in fs[0].message


def test_own_directory_is_fine(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN go build -o /out/app . && cd /go && go install golang.org/x/tools/cmd/stringer@v0.20.0
        FROM golang:1.22 AS tools
        RUN go install golang.org/x/tools/cmd/stringer@v0.20.0
        RUN cd /go/src/example.com/app && go build .
        FROM scratch
        COPY --from=build /out/app /app
    """, files=GOMOD), R) == []


def test_gopath_mode_import_path_install_is_fine(tmp_path):
    # GOPATH-era layout: sources under $GOPATH/src, package named by import path
    assert of_rule(lint(tmp_path, """
        FROM golang:1.15
        COPY . /go/src/example.com/app/
        RUN go install example.com/app/cmd/x
    """, files=GOMOD), R) == []


def test_single_file_copy_into_home_is_not_a_source_tree(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22
        WORKDIR /src
        COPY main.go /root/
        RUN go build ./...
    """, files=GOMOD), R) == []


def test_stage_without_go_commands_is_silent(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22
        COPY . .
        RUN ls
    """, files=GOMOD), R) == []
