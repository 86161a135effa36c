"""Shared helpers of the lab proof tests."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

from golayer.lab import dockercli
from golayer.lab.build import BuildResult, docker_build
from golayer.lab.compare import BaseMapper
from golayer.lab.rewrite import rewrite

# one GOCACHE cache mount shared by the proof builds that are not about compile caching
GOCACHE_MOUNT = "--mount=type=cache,id=golayer-test-lab-gocache,target=/root/.cache/go-build"

# A program that needs the net package (cgo resolver => dynamic when cgo is on) and zoneinfo.
TZ_NET_MAIN = """package main

import (
\t"fmt"
\t"net"
\t"os"
\t"time"
)

func main() {
\t_, err := net.LookupHost("localhost")
\tfmt.Println("lookup localhost ok:", err == nil)
\tloc, err := time.LoadLocation("Europe/Berlin")
\tif err != nil {
\t\tfmt.Println("LoadLocation failed:", err)
\t\tos.Exit(3)
\t}
\tfmt.Println("zone ok:", loc)
}
"""


class LabBuilder:
    def __init__(self, root: Path, bases: dict[str, str]):
        self.root = root
        self.bases = bases
        self.tags: list[str] = []
        self.mapper = BaseMapper({})
        # tags unique to this session: test runs in other checkouts may share the daemon
        self.token = uuid.uuid4().hex[:8]

    def tag(self, name: str) -> str:
        return f"golayer-test-lab-{name}:{self.token}"

    def context(self, files: dict[str, str]) -> Path:
        ctx = self.root / uuid.uuid4().hex[:8]
        for name, text in files.items():
            p = ctx / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        ctx.mkdir(parents=True, exist_ok=True)
        return ctx

    def build(self, dockerfile: str, ctx: Path, name: str, *, builder: str = "buildkit", target: str | None = None,
              build_args: dict[str, str] | None = None, no_cache: bool = False, network_host: bool = False,
              map_bases: bool = True, check: bool = True) -> BuildResult:
        """Build ``dockerfile`` (text; official bases mapped to the stand-ins) as ``self.tag(name)``."""
        text = rewrite(dockerfile, self.mapper).text if map_bases else dockerfile
        df = ctx.parent / f"{ctx.name}-{name}.Dockerfile"
        df.write_text(text)
        tag = self.tag(name)
        res = docker_build(ctx, df, tag, builder=builder, target=target, build_args=build_args, no_cache=no_cache,
                           network_host=network_host)
        if tag not in self.tags:
            self.tags.append(tag)
        if check:
            assert res.ok, f"build of {name} failed:\n{res.error}\n{res.output[-3000:]}"
        return res

    def run(self, tag: str, *args: str, env: dict[str, str] | None = None, entrypoint: str | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess:
        """Run one of OUR test images (never an image under analysis), no network."""
        cmd = ["run", "--rm", "--network", "none"]
        for k, v in (env or {}).items():
            cmd += ["-e", f"{k}={v}"]
        if entrypoint is not None:
            cmd += ["--entrypoint", entrypoint]
        cmd += [tag, *args]
        return dockercli.run(cmd, check=False, timeout=timeout)

    def inspect(self, tag: str) -> dict:
        info = dockercli.image_inspect(tag)
        assert info, tag
        return info

    def cleanup(self) -> None:
        dockercli.remove_images(self.tags)


def files_size(lab: LabBuilder, tag: str, path: str) -> int:
    """Sum of regular-file sizes below ``path`` inside our test image (what `du -b` counts for files)."""
    cp = lab.run(tag, "-c", f"find {path} -type f -printf '%s\\n' | awk '{{s+=$1}} END {{print s+0}}'",
                 entrypoint="/bin/sh")
    assert cp.returncode == 0, cp.stderr
    return int(cp.stdout.strip() or 0)


def env_of(info: dict) -> dict[str, str]:
    return dict(e.split("=", 1) for e in (info.get("Config") or {}).get("Env") or [])


def history(tag: str) -> list[str]:
    cp = dockercli.run(["history", "--no-trunc", "--format", "{{json .}}", tag])
    return [json.loads(line)["CreatedBy"] for line in cp.stdout.splitlines()]
