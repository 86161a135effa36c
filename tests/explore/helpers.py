"""A small image with every kind of change, built in the test."""

from __future__ import annotations

from pathlib import Path

from tests.image.helpers import Layer, docker_archive


def sample_image(tmp: Path) -> Path:
    l0 = (Layer().dir("etc").file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n").dir("usr").dir("usr/bin")
          .file("usr/bin/tool", 1000))
    l1 = (Layer().dir("root").dir("root/.cache").dir("root/.cache/go-build").dir("root/.cache/go-build/ab")
          .file("root/.cache/go-build/ab/abcdef-d", 50_000).dir("src").file("src/main.go", b"package main\n")
          .file("usr/bin/tool", 2000))  # modified
    l2 = Layer().whiteout("root/.cache").file("app", 3000, mode=0o755)  # removed + added
    return docker_archive(tmp / "img.tar", [l0, l1, l2],
                          history=[{"created_by": "ADD rootfs"}, {"created_by": "RUN go build"},
                                   {"created_by": "COPY app /app"}])
