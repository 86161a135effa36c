"""Fast tests of the lab's pieces that need no Docker daemon: build-output parsing, the FROM
rewriting, the official -> stand-in mapping, the GOPROXY generator (checked by the real go
command) and the CLI's errors."""

from __future__ import annotations

import os
import subprocess

import pytest

from golayer.lab.bases import parse_base_map, standin_for
from golayer.lab.build import parse_buildkit, parse_legacy
from golayer.lab.rewrite import rewrite

BUILDKIT_OUT = """#1 [internal] load build definition from Dockerfile
#1 DONE 0.0s
#4 [build 1/4] FROM docker.io/golayer-lab/golang:1.27
#4 DONE 0.0s
#5 [build 2/4] WORKDIR /src
#5 CACHED
#7 [build 3/4] COPY . .
#7 DONE 0.1s
#8 [build 4/4] RUN go build -o /app .
#8 12.3 compiling
#8 DONE 45.7s
#9 [stage-1 1/1] COPY --from=build /app /app
#9 DONE 0.2s
"""


def test_parse_buildkit_steps_cached_and_times():
    steps, err = parse_buildkit(BUILDKIT_OUT.splitlines())
    assert err is None
    assert [(s.stage, s.name, s.cached, s.seconds) for s in steps] == [
        ("build", "FROM docker.io/golayer-lab/golang:1.27", False, 0.0),
        ("build", "WORKDIR /src", True, 0.0),
        ("build", "COPY . .", False, 0.1),
        ("build", "RUN go build -o /app .", False, 45.7),
        ("stage-1", "COPY --from=build /app /app", False, 0.2),
    ]


def test_parse_buildkit_error_names_the_failing_step_and_its_output():
    out = BUILDKIT_OUT.replace("#8 DONE 45.7s", "#8 0.5 main.go:3: syntax error\n#8 ERROR: executor failed running "
                               "[/bin/sh -c go build -o /app .]: exit code: 1")
    _, err = parse_buildkit(out.splitlines())
    assert err.startswith("step build: RUN go build -o /app . failed: executor failed")
    assert "main.go:3: syntax error" in err


def test_parse_legacy_using_cache():
    timed = [(0.0, "Step 1/3 : FROM golayer-lab/debian:bookworm"), (0.1, " ---> abc"),
             (0.2, "Step 2/3 : COPY . /ctx"), (0.3, " ---> Using cache"), (0.3, " ---> def"),
             (0.4, "Step 3/3 : RUN echo hi"), (0.5, " ---> Running in 123"), (2.0, "Successfully built x")]
    steps, err = parse_legacy(timed, 2.1)
    assert err is None
    assert [(s.name, s.cached) for s in steps] == [("FROM golayer-lab/debian:bookworm", False),
                                                   ("COPY . /ctx", True), ("RUN echo hi", False)]
    assert steps[2].seconds == pytest.approx(1.7)


@pytest.mark.parametrize("ref,key", [
    ("golang:1.22", "golang"), ("golang:1.22-bookworm", "golang"), ("docker.io/library/golang:1.21-alpine", "golang-nocc"),
    ("debian:bookworm-slim", "debian"), ("ubuntu:24.04", "debian"), ("alpine:3.20", "musl"),
    ("gcr.io/distroless/static-debian12", "static"), ("gcr.io/distroless/static-debian12:nonroot", "static-nonroot"),
    ("gcr.io/distroless/base-debian12:nonroot", "base"), ("gcr.io/distroless/cc-debian12", "base"),
    ("cgr.dev/chainguard/static:latest", "static-nonroot"), ("cgr.dev/chainguard/go", "golang"),
    ("scratch", None), ("quay.io/someone/thing:1", None), ("golang@sha256:" + "a" * 64, "golang"),
])
def test_standin_for(ref, key):
    assert standin_for(ref) == key


def test_parse_base_map():
    assert parse_base_map(["golang:1.22=golayer-lab/golang:1.27", "alpine:3.20=golayer-lab/musl:latest"]) == {
        "golang:1.22": "golayer-lab/golang:1.27", "alpine:3.20": "golayer-lab/musl:latest"}
    from golayer.errors import UsageError

    with pytest.raises(UsageError):
        parse_base_map(["golang:1.22"])


DF = """# syntax=docker/dockerfile:1.6
ARG GO_VERSION=1.22
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
RUN --mount=type=cache,target=/root/.cache/go-build \\
    --mount=type=cache,id=mods,target=/go/pkg/mod go build -o /app .
RUN <<EOF
FROM this is heredoc text, not an instruction
EOF
FROM build AS test
FROM gcr.io/distroless/static-debian12
COPY --from=build /app /app
"""


def test_rewrite_maps_froms_and_keeps_stage_refs():
    mapping = {"golang:1.22": "golayer-lab/golang:1.27", "gcr.io/distroless/static-debian12": "golayer-lab/static:latest"}
    rw = rewrite(DF, mapping.get, cache_token="tok", goproxy="http://127.0.0.1:1",
                 is_go_image=lambda r: "golang" in r)
    lines = rw.text.splitlines()
    assert lines[0].startswith("# (golayer lab: syntax directive disabled offline)")
    assert "FROM --platform=$BUILDPLATFORM golayer-lab/golang:1.27 AS build" in lines
    assert lines[lines.index("FROM --platform=$BUILDPLATFORM golayer-lab/golang:1.27 AS build") + 1] == \
        "ENV GOPROXY=http://127.0.0.1:1"
    assert "FROM this is heredoc text, not an instruction" in lines  # heredoc body untouched
    assert "FROM build AS test" in lines
    assert lines[lines.index("FROM build AS test") + 1] == "ENV GOPROXY=http://127.0.0.1:1"  # derived Go stage
    assert "FROM golayer-lab/static:latest" in lines
    assert "--mount=type=cache,target=/root/.cache/go-build,id=tok-/root/.cache/go-build" in rw.text
    assert "--mount=type=cache,id=tok-mods,target=/go/pkg/mod" in rw.text
    assert [f.resolved for f in rw.froms] == ["golang:1.22", "build", "gcr.io/distroless/static-debian12"]


def test_rewrite_without_changes_is_identity():
    text = "FROM scratch\nCOPY app /app\n"
    assert rewrite(text, lambda r: None).text == text


def test_goproxy_hashes_match_the_go_command(go, tmp_path):
    """The generated proxy serves modules the real go command downloads and verifies against go.sum."""
    from golayer.lab import goproxy

    info = goproxy.generate(tmp_path / "proxy", modules=2, target_bytes=300_000)
    info.write_main_module(tmp_path / "app")
    env = dict(os.environ, GOMODCACHE=str(tmp_path / "modcache"), GOFLAGS="-modcacherw", GOTOOLCHAIN="local",
               GONOSUMDB="", GOSUMDB="sum.golang.org", GOCACHE=str(tmp_path / "gocache"))
    with goproxy.Server(info.root) as srv:
        env["GOPROXY"] = srv.url
        cp = subprocess.run([go, "mod", "download"], cwd=tmp_path / "app", env=env, capture_output=True, text=True)
        assert cp.returncode == 0, cp.stderr
        cp = subprocess.run([go, "mod", "verify"], cwd=tmp_path / "app", env=env, capture_output=True, text=True)
        assert cp.returncode == 0 and "all modules verified" in cp.stdout, cp.stderr
    assert goproxy.hash1({"go.mod": b"module x\n"}) != goproxy.hash1({"go.mod": b"module y\n"})


def test_lab_compare_without_daemon_says_how_to_start_one(cli, tmp_path, monkeypatch):
    from golayer.lab import dockercli

    monkeypatch.setattr(dockercli, "_DAEMON_OK", [])
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no.sock")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    res = cli(["lab", "compare", str(tmp_path / "Dockerfile")])
    assert res.code == 2
    assert "no Docker daemon reachable" in res.err and "dockerd" in res.err


def test_lab_compare_usage_errors(cli, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    res = cli(["lab", "compare", str(tmp_path / "Dockerfile"), "--base-map", "golang"])
    assert res.code == 2 and "OFFICIAL=LOCAL" in res.err


def test_step_names_hide_the_injected_cache_ids():
    from golayer.lab.compare import clean_step

    rw = rewrite(DF, lambda r: None, cache_token="golayer-lab-0a1b2c3d-fixed-0")
    run = next(ln for ln in rw.text.splitlines() if "--mount" in ln)
    assert "golayer-lab-" in run
    assert clean_step(rw.text) == rewrite(DF, lambda r: None).text
