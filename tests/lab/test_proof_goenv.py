"""Proof: `go env -w` writes $HOME/.config/go/env (tens of bytes), which `docker inspect` does not
show; golayer's fix moves the setting to ENV, where the image config shows it."""

from __future__ import annotations

import pytest

from tests.lab.helpers import env_of

pytestmark = pytest.mark.docker

DOCKERFILE = """FROM golang:1.22
RUN go env -w GOPROXY=https://goproxy.example.test,direct GOFLAGS=-mod=readonly
"""


def test_go_env_w_is_a_file_invisible_to_inspect(lab):
    ctx = lab.context({})
    lab.build(DOCKERFILE, ctx, "goenv-w")
    tag = lab.tag("goenv-w")
    cp = lab.run(tag, "-c", "go env GOENV; cat $(go env GOENV); wc -c < $(go env GOENV); go env GOPROXY",
                 entrypoint="/bin/sh")
    out = cp.stdout.splitlines()
    assert out[0] == "/root/.config/go/env"
    assert "GOPROXY=https://goproxy.example.test,direct" in out
    assert int(out[-2]) < 200  # tens of bytes, not hundreds of MB
    assert out[-1] == "https://goproxy.example.test,direct"  # the go command applies it
    assert "GOPROXY" not in env_of(lab.inspect(tag))  # ... but the image config does not show it


def test_golayer_fix_moves_it_to_env(lab, cli, tmp_path):
    pytest.importorskip("golayer.rules.dockerfile.go_env_write", reason="lint rules not on main yet")
    df = tmp_path / "Dockerfile"
    df.write_text(DOCKERFILE)
    res = cli(["lint", "--fix", "--select", "go-env-write", str(df)])
    fixed = df.read_text()
    assert "go env -w" not in fixed and "ENV " in fixed, (res.out, res.err, fixed)
    ctx = lab.context({})
    lab.build(fixed, ctx, "goenv-fixed")
    tag = lab.tag("goenv-fixed")
    env = env_of(lab.inspect(tag))
    assert env.get("GOPROXY") == "https://goproxy.example.test,direct"
    assert env.get("GOFLAGS") == "-mod=readonly"
    cp = lab.run(tag, "-c", "go env GOPROXY; test -e $(go env GOENV) && echo file || echo nofile",
                 entrypoint="/bin/sh")
    assert cp.stdout.split() == ["https://goproxy.example.test,direct", "nofile"]
