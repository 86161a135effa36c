"""Proof (cache-path-overlap): a module whose root is $GOPATH makes every go command warn
"go: warning: ignoring go.mod in $GOPATH", and the module cache lands inside the source tree."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.docker

DOCKERFILE = """FROM golang:1.22
ENV GOPATH=/workspace
ENV GOPROXY={proxy}
WORKDIR /workspace
COPY go.mod go.sum main.go ./
RUN go mod download 2>&1 | tee /download.log
RUN go build -o /out/app . 2>&1 | tee /build.log
"""


def test_go_mod_at_gopath_is_ignored_with_warning(lab, goproxy_server, cli, tmp_path):
    info, srv = goproxy_server
    app = tmp_path / "app"
    info.write_main_module(app)
    ctx = lab.context({n: (app / n).read_text() for n in ("go.mod", "go.sum", "main.go")})
    df = DOCKERFILE.format(proxy=srv.url)
    lab.build(df, ctx, "gopath-overlap", network_host=True)
    tag = lab.tag("gopath-overlap")
    cp = lab.run(tag, "-c", "cat /download.log /build.log; ls -d /workspace/pkg/mod/lab.golayer.test/dep00@v1.0.0",
                 entrypoint="/bin/sh")
    assert cp.returncode == 0, cp.stderr
    assert "go: warning: ignoring go.mod in $GOPATH /workspace" in cp.stdout
    assert "/workspace/pkg/mod/lab.golayer.test/dep00@v1.0.0" in cp.stdout  # the cache is in the tree
    assert lab.run(tag, "-c", "/out/app", entrypoint="/bin/sh").stdout.strip() == "sum 10"  # still builds

    pytest.importorskip("golayer.rules.dockerfile.cache_path_overlap", reason="lint rules not on main yet")
    (tmp_path / "Dockerfile").write_text(df)
    res = cli(["lint", "--select", "cache-path-overlap", "--format", "json", str(tmp_path / "Dockerfile")])
    assert '"cache-path-overlap"' in res.out, res.out
