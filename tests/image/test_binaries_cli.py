"""End to end: `golayer image` on synthetic docker-save archives holding real Go binaries."""

from __future__ import annotations

import json

import pytest

from tests.image import gobuild
from tests.image.binhelpers import elf_stub
from tests.image.helpers import Layer, docker_archive

pytestmark = pytest.mark.go


def test_image_reports_a_cgo_binary_that_cannot_start_on_scratch(tmp_path, cli, go):
    data = gobuild.build("cgo-dynamic").read_bytes()
    arch = docker_archive(tmp_path / "img.tar", [Layer().file("app", data, mode=0o755)], entrypoint=["/app"],
                          user="65532")
    r = cli(["image", str(arch), "-f", "json"])
    assert r.code == 1, r.err
    doc = json.loads(r.out)
    [b] = doc["binaries"]
    assert (b["path"], b["go_version"], b["linkage"], b["interpreter"]) == (
        "/app", "go1.27.3", "dynamic", "/lib64/ld-linux-x86-64.so.2")
    assert b["missing"] == ["/lib64/ld-linux-x86-64.so.2", "libc.so.6"]
    f = next(x for x in doc["findings"] if x["rule"] == "binary-missing-interpreter")
    assert f["severity"] == "error" and f["path"] == "/app" and f["layer"] == 0
    assert "exec /app: no such file or directory" in f["message"]
    r = cli(["image", str(arch)])
    assert "binary-missing-interpreter" in r.out and "exec /app: no such file or directory" in r.out


def test_image_with_glibc_layout_in_a_lower_layer_is_clean_for_the_loader(tmp_path, cli, go):
    data = gobuild.build("cgo-dynamic").read_bytes()
    base = (Layer().symlink("lib", "usr/lib").symlink("lib64", "usr/lib64")
            .file("usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", elf_stub(), mode=0o755)
            .symlink("usr/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
            .file("usr/lib/x86_64-linux-gnu/libc.so.6", elf_stub(), mode=0o755))
    arch = docker_archive(tmp_path / "img.tar", [base, Layer().file("usr/local/bin/app", data, mode=0o755)],
                          entrypoint=["app"], user="65532")
    doc = json.loads(cli(["image", str(arch), "-f", "json"]).out)
    [b] = [x for x in doc["binaries"] if x["path"] == "/usr/local/bin/app"]
    assert b["missing"] == []
    rules = {x["rule"] for x in doc["findings"]}
    assert not rules & {"binary-missing-interpreter", "binary-missing-library"}
    assert "binary-unstripped" in rules and "binary-no-trimpath" in rules
