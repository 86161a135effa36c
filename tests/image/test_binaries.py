"""find_binaries: which files are inspected, and whether loader and libraries resolve in the image."""

from __future__ import annotations

import shutil

import pytest

from golayer.image.binaries import entrypoint_path, find_binaries, search_dirs
from golayer.image.gobinary import ElfFacts
from golayer.image.model import BinaryInfo
from tests.image import gobuild
from tests.image.binhelpers import analyse, config, elf_stub, glibc_base, musl_base
from tests.image.fakefs import FakeTree

pytestmark = pytest.mark.go


def gobin(name: str) -> bytes:
    p = gobuild.build(name)
    assert p is not None
    return p.read_bytes()


def test_dynamic_go_binary_on_scratch_misses_loader_and_libc(go):
    t = FakeTree().file("/app", gobin("cgo-dynamic"))
    a = analyse(t)
    [b] = a.binaries
    assert b.path == "/app" and b.is_go and b.linkage == "dynamic"
    assert b.missing == ["/lib64/ld-linux-x86-64.so.2", "libc.so.6"]


def test_dynamic_go_binary_on_debian_layout_resolves_through_symlinks(go):
    t = glibc_base(FakeTree()).file("/usr/local/bin/app", gobin("cgo-dynamic"))
    [b] = analyse(t, config(["/usr/local/bin/app"])).binaries
    assert b.missing == []


def test_library_of_the_wrong_class_does_not_count(go):
    t = FakeTree().file("/lib64/ld-linux-x86-64.so.2", elf_stub())
    t.file("/lib/x86_64-linux-gnu/libc.so.6", elf_stub(bits=32, machine=3))
    t.file("/app", gobin("cgo-dynamic"))
    [b] = analyse(t).binaries
    assert b.missing == ["libc.so.6"]


def test_glibc_binary_on_alpine_misses_the_glibc_loader(go):
    t = musl_base(FakeTree()).file("/app", gobin("cgo-dynamic"))
    [b] = analyse(t).binaries
    assert "/lib64/ld-linux-x86-64.so.2" in b.missing


def test_ld_so_conf_includes_are_followed(go):
    t = FakeTree().file("/lib64/ld-linux-x86-64.so.2", elf_stub())
    t.file("/opt/glibc/lib/libc.so.6", elf_stub()).file("/app", gobin("cgo-dynamic"))
    assert analyse(t).binaries[0].missing == ["libc.so.6"]
    t.file("/etc/ld.so.conf", b"# comment\ninclude /etc/ld.so.conf.d/*.conf\n", mode=0o644)
    t.file("/etc/ld.so.conf.d/glibc.conf", b"/opt/glibc/lib\n", mode=0o644)
    assert analyse(t).binaries[0].missing == []


def test_search_order_runpath_origin_and_musl_defaults():
    b = BinaryInfo(path="/opt/app/bin/app", size=0, is_go=True, interpreter="/lib64/ld-linux-x86-64.so.2")
    facts = ElfFacts(bits=64, machine=62, runpath=["$ORIGIN/../lib"], rpath=["/ignored"])
    dirs = search_dirs(b, facts, ["/conf/lib"], {"LD_LIBRARY_PATH": "/env/lib"})
    assert dirs[:3] == ["/env/lib", "/opt/app/lib", "/conf/lib"]  # RPATH ignored when RUNPATH is set
    assert "/ignored" not in dirs
    assert dirs[3:] == ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib",
                        "/usr/lib"]
    m = BinaryInfo(path="/app", size=0, is_go=True, interpreter="/lib/ld-musl-x86_64.so.1")
    assert search_dirs(m, ElfFacts(bits=64, machine=62), ["/conf"], {}) == ["/lib", "/usr/local/lib", "/usr/lib"]
    arm = BinaryInfo(path="/app", size=0, is_go=True, interpreter="/lib/ld-linux-aarch64.so.1")
    assert "/usr/lib/aarch64-linux-gnu" in search_dirs(arm, ElfFacts(bits=64, machine=183), [], {})


def test_static_binaries_need_nothing_and_non_go_files_are_ignored(go):
    t = FakeTree().file("/app", gobin("static"))
    t.file("/usr/lib/libfoo.so.1", elf_stub())  # a shared library: not a program
    t.file("/data/blob.bin", b"\x7fELF" + b"\0" * 100, mode=0o644)  # no x bit: never read
    t.file("/etc/passwd", b"root:x:0:0::/root:/bin/sh\n", mode=0o644)
    a = analyse(t)
    assert [b.path for b in a.binaries] == ["/app"]
    assert a.binaries[0].linkage == "static" and a.binaries[0].missing == []
    assert not any(path == "/data/blob.bin" for path, _ in t.reads)


def test_toolchain_and_cache_files_are_skipped_by_category(go):
    data = gobin("static")
    t = FakeTree().file("/usr/local/go/bin/gofmt", data, category="go-toolchain")
    t.file("/app", data, category="go-binary")
    assert [b.path for b in analyse(t).binaries] == ["/app"]


def test_go_binary_without_build_id_note_is_still_found(go):
    t = FakeTree().file("/usr/bin/tool", gobin("nobuildid"))
    [b] = find_binaries(t, config(["/nothing"]))
    assert b.is_go and b.buildinfo.go_version.startswith("go1.")
    # ... but only while the scan budget lasts
    assert find_binaries(t, config(["/nothing"]), max_scan_bytes=1000) == []


def test_read_budget_is_recorded_not_exceeded(go):
    data = gobin("static")
    t = FakeTree().file("/a", data).file("/b", data)
    out = find_binaries(t, config(["/a"]), max_total_bytes=len(data) + 10)
    assert [b.path for b in out] == ["/a", "/b"]
    assert out[0].error is None and out[0].buildinfo is not None
    assert "read budget" in out[1].error
    full_reads = [p for p, limit in t.reads if limit is None]
    assert full_reads == ["/a"]


def test_hardlinked_binary_is_reported_under_both_names(go):
    t = FakeTree().file("/app", gobin("static")).hardlink("/usr/bin/app", "/app")
    out = find_binaries(t, config(["/app"]))
    assert [b.path for b in out] == ["/app", "/usr/bin/app"]
    assert [p for p, limit in t.reads if limit is None] == ["/app"]


def test_non_go_entrypoint_gets_linkage_only(go):
    sh = shutil.which("sh")
    t = FakeTree().file("/bin/sh", open(sh, "rb").read()).file("/app", gobin("static"))
    out = find_binaries(t, config(["/bin/sh", "-c", "/app"]))
    by = {b.path: b for b in out}
    assert set(by) == {"/bin/sh", "/app"}
    assert not by["/bin/sh"].is_go and by["/bin/sh"].linkage == "dynamic"
    assert by["/bin/sh"].interpreter in by["/bin/sh"].missing


def test_entrypoint_resolution_via_path_and_workdir(go):
    t = FakeTree().file("/usr/local/bin/app", b"x").file("/srv/run", b"y").symlink("/bin", "usr/local/bin")
    assert entrypoint_path(t, config(cmd=["app"]))[1].path == "/usr/local/bin/app"
    assert entrypoint_path(t, config(cmd=["./run"], workdir="/srv"))[1].path == "/srv/run"
    assert entrypoint_path(t, config(["/bin/app"]))[1].path == "/usr/local/bin/app"
    assert entrypoint_path(t, config(cmd=["nope"]))[1] is None
    assert entrypoint_path(t, {"config": {}}) == (None, None)


def test_binary_json_contract_fields(go):
    import json

    from golayer.image.binaries import binary_json

    t = FakeTree().file("/app", gobin("cgo-dynamic"))
    [b] = find_binaries(t, config(["/app"]))
    j = binary_json(b)
    assert list(j)[:5] == ["path", "go_version", "linkage", "interpreter", "missing"]
    assert j["go_version"] == "go1.27.3" and j["linkage"] == "dynamic"
    assert j["missing"] == ["/lib64/ld-linux-x86-64.so.2", "libc.so.6"]
    assert j["buildinfo"] == gobuild.go_version_json(gobuild.build("cgo-dynamic"))
    json.dumps(j)


def test_a_file_that_cannot_be_read_does_not_stop_the_others(go):
    from golayer.errors import InputError

    class Flaky(FakeTree):
        def read(self, entry, limit=None):
            if entry.path == "/bad" and limit is None:
                raise InputError("truncated layer blob")
            return super().read(entry, limit)

    data = gobin("static")
    t = Flaky().file("/bad", data).file("/good", data).hardlink("/dangling", "/nothing")
    out = find_binaries(t, config(["/good"]))
    by = {b.path: b for b in out}
    assert by["/good"].error is None and by["/good"].buildinfo is not None
    assert "could not read" in by["/bad"].error and "truncated layer blob" in by["/bad"].error
    assert "/dangling" not in by


def test_interpreter_behind_a_symlink_loop_is_missing_not_a_hang(go):
    t = FakeTree().symlink("/lib64", "/lib64/x/..").file("/app", gobin("cgo-dynamic"))
    t.symlink("/a", "/b").symlink("/b", "/a").symlink("/lib/x86_64-linux-gnu", "/a")
    [b] = analyse(t).binaries
    assert b.missing == ["/lib64/ld-linux-x86-64.so.2", "libc.so.6"]
