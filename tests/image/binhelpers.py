"""Helpers for the binary tests: fake images around real Go binaries, analyses for the checks."""

from __future__ import annotations

import struct

from golayer.image.binaries import find_binaries
from golayer.image.model import ImageAnalysis
from tests.image.fakefs import FakeTree


def elf_stub(bits: int = 64, machine: int = 62, big: bool = False) -> bytes:
    """An ELF header only: enough for the loader-style class/machine check on libraries."""
    bo = ">" if big else "<"
    ident = b"\x7fELF" + bytes([2 if bits == 64 else 1, 2 if big else 1, 1, 0]) + b"\0" * 8
    return ident + struct.pack(bo + "HH", 3, machine) + b"\0" * 44


def glibc_base(tree: FakeTree, merged_usr: bool = True) -> FakeTree:
    """Debian bookworm's loader/libc layout, with its symlinks."""
    if merged_usr:
        tree.symlink("/lib", "usr/lib").symlink("/lib64", "usr/lib64")
        tree.file("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", elf_stub(), mode=0o755)
        tree.symlink("/usr/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        tree.file("/usr/lib/x86_64-linux-gnu/libc.so.6", elf_stub(), mode=0o755)
    return tree


def musl_base(tree: FakeTree) -> FakeTree:
    tree.file("/lib/ld-musl-x86_64.so.1", elf_stub(), mode=0o755)
    tree.symlink("/lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1")
    tree.file("/bin/busybox", b"\x7fELF" + b"\0" * 60, mode=0o755)
    return tree


def config(entrypoint=None, cmd=None, env=None, workdir=None) -> dict:
    c: dict = {"Env": env if env is not None else ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}
    if entrypoint is not None:
        c["Entrypoint"] = entrypoint
    if cmd is not None:
        c["Cmd"] = cmd
    if workdir:
        c["WorkingDir"] = workdir
    return {"architecture": "amd64", "os": "linux", "config": c}


def analyse(tree: FakeTree, cfg: dict | None = None) -> ImageAnalysis:
    cfg = cfg if cfg is not None else config(["/app"])
    return ImageAnalysis(ref="test", source_kind="docker-archive", config=cfg, layers=[], tree=tree,
                         binaries=find_binaries(tree, cfg))


def findings(rule_module, analysis: ImageAnalysis) -> list:
    return list(rule_module.check(analysis))
