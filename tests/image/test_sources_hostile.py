"""Sources, platforms, and hostile / broken input: clear errors, never a crash or a write."""

from __future__ import annotations

import json
import os

import pytest

from golayer.errors import InputError, UsageError
from golayer.image.analyse import analyse
from tests.image.helpers import (Layer, compress, docker_archive, oci_image, raw_header, raw_tar, sha, tree_of,
                                 write_oci)


def test_bare_paths_are_detected(tmp_path):
    p = docker_archive(tmp_path / "a.tar", [Layer().file("x", 3)])
    assert analyse(str(p)).source_kind == "docker-archive"
    desc, blobs = oci_image([Layer().file("x", 3)])
    d = tmp_path / "lay"
    d.mkdir()
    write_oci(d, [desc], blobs)
    assert analyse(str(d)).source_kind == "oci"
    a = write_oci(tmp_path / "o.tar", [desc], blobs, archive=True)
    assert analyse(str(a)).source_kind == "oci-archive"


def test_deduplicated_layer_symlink_in_docker_save(tmp_path):
    same = Layer().file("a", 10).tar()
    p = docker_archive(tmp_path / "a.tar", [same, Layer().file("b", 1), same])
    ana = analyse(str(p))
    assert [li.added_bytes for li in ana.layers] == [10, 1, 10] and ana.wasted_bytes == 10


def test_platforms_nested_index_and_clear_ambiguity_error(tmp_path):
    blobs: dict = {}
    amd, _ = oci_image([Layer().file("amd", 1)], blobs=blobs, arch="amd64")
    arm, _ = oci_image([Layer().file("arm", 2)], blobs=blobs, arch="arm64", variant="v8")
    att = {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": amd["digest"], "size": 1,
           "platform": {"os": "unknown", "architecture": "unknown"}}
    write_oci(tmp_path, [amd, arm, att], blobs, nested=True)
    with pytest.raises(UsageError) as ei:
        analyse(f"oci:{tmp_path}")
    assert "linux/amd64" in ei.value.message and "linux/arm64/v8" in ei.value.message
    assert "--platform" in (ei.value.hint or "")
    assert "/arm" in tree_of(analyse(f"oci:{tmp_path}", platform="linux/arm64"))
    assert "/amd" in tree_of(analyse(f"oci:{tmp_path}", platform="linux/amd64"))
    with pytest.raises(InputError, match="no image for platform linux/s390x"):
        analyse(f"oci:{tmp_path}", platform="linux/s390x")


def test_missing_blob_and_unknown_media_type(tmp_path):
    desc, blobs = oci_image([Layer().file("x", 3)])
    man = json.loads(blobs[desc["digest"]])
    layer_digest = man["layers"][0]["digest"]
    del blobs[layer_digest]
    write_oci(tmp_path, [desc], blobs)
    with pytest.raises(InputError, match=f"missing blob {layer_digest}"):
        analyse(f"oci:{tmp_path}")

    desc, blobs = oci_image([Layer().file("x", 3)])
    man = json.loads(blobs[desc["digest"]])
    man["layers"][0]["mediaType"] = "application/vnd.example.weird"
    mb = json.dumps(man).encode()
    blobs[sha(mb)] = mb
    desc = {**desc, "digest": sha(mb), "size": len(mb)}
    d2 = tmp_path / "two"
    d2.mkdir()
    write_oci(d2, [desc], blobs)
    with pytest.raises(InputError, match="unknown media type 'application/vnd.example.weird'"):
        analyse(f"oci:{d2}")


@pytest.mark.parametrize("where", ["docker", "oci-gzip"])
def test_diff_id_mismatch(tmp_path, where):
    wrong = "sha256:" + "0" * 64
    if where == "docker":
        ref = str(docker_archive(tmp_path / "a.tar", [Layer().file("x", 3)], diff_ids=[wrong]))
    else:
        desc, blobs = oci_image([Layer().file("x", 3)], diff_ids=[wrong])
        ref = "oci:" + str(write_oci(tmp_path, [desc], blobs))
    if where == "docker":  # plain local layers are hashed only on request (--verify)
        assert analyse(ref).total_bytes == 3
        with pytest.raises(InputError, match="diff_id mismatch"):
            analyse(ref, verify=True)
    else:  # streamed layers are always hashed
        with pytest.raises(InputError, match="diff_id mismatch"):
            analyse(ref)
        assert analyse(ref, verify=False).total_bytes == 3


def test_verify_flag_on_the_command_line(tmp_path, cli):
    ref = str(docker_archive(tmp_path / "a.tar", [Layer().file("x", 3)], diff_ids=["sha256:" + "1" * 64]))
    r = cli(["image", ref, "--verify"])
    assert r.code == 2 and "diff_id mismatch" in r.err and "sha256:1111" in r.err


def test_not_an_image_and_missing_file(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello " * 200)
    with pytest.raises(InputError):
        analyse(str(p))
    t = tmp_path / "plain.tar"
    t.write_bytes(Layer().file("x", 3).tar())
    with pytest.raises(InputError, match="not an image archive"):
        analyse(str(t))
    with pytest.raises(InputError, match="no such file"):
        analyse(str(tmp_path / "nope.tar"))


@pytest.mark.parametrize("comp", [None, "gzip", "zstd"])
def test_truncated_blob(tmp_path, comp):
    full = Layer().file("big", 100_000).file("after", 5).tar()
    blob = compress(full, comp)
    cut = blob[: len(blob) // 2]
    desc, blobs = oci_image([full], compression=comp)
    man = json.loads(blobs[desc["digest"]])
    d = man["layers"][0]["digest"]
    blobs[d] = cut  # the file under the digest name is truncated
    write_oci(tmp_path, [desc], blobs)
    with pytest.raises(InputError, match="truncated"):
        analyse(f"oci:{tmp_path}", verify=False)


def test_truncated_docker_archive(tmp_path):
    p = docker_archive(tmp_path / "a.tar", [Layer().file("big", 100_000)])
    data = p.read_bytes()
    # drop manifest.json and the tail: the archive ends inside the layer data
    p.write_bytes(data[:4000])
    with pytest.raises(InputError):
        analyse(str(p))


def test_decompression_bomb_is_bounded(tmp_path, monkeypatch):
    from golayer.image import tarstream

    monkeypatch.setattr(tarstream, "MAX_LAYER_BYTES", 5_000_000)
    tar = Layer().file("zeros", 20_000_000).tar()
    desc, blobs = oci_image([tar], compression="gzip")
    write_oci(tmp_path, [desc], blobs)
    with pytest.raises(InputError, match="decompression bomb"):
        analyse(f"oci:{tmp_path}")


def test_hostile_members_are_rejected_never_escape(tmp_path):
    tar = raw_tar(
        (raw_header("../../etc/evil", 4), b"evil"),
        (raw_header("/abs/ok", 2), b"ok"),
        (raw_header("./a/../b", 3), b"bbb"),
        (raw_header("link", 0, b"2", "/../../../etc/shadow"), b""),
        (raw_header("loop1", 0, b"2", "loop2"), b""),
        (raw_header("loop2", 0, b"2", "loop1"), b""),
        (raw_header("hl", 0, b"1", "nothing/here"), b""),
        (raw_header("hl2", 0, b"1", "../../outside"), b""),
    )
    ana = analyse(str(docker_archive(tmp_path / "h.tar", [tar])))
    t = tree_of(ana)
    assert set(t) == {"/abs", "/abs/ok", "/b", "/link", "/loop1", "/loop2", "/hl"}
    assert ana.total_bytes == 5
    assert any("escapes the image root" in p and "../../etc/evil" in p for p in ana.problems)
    assert any("hardlink /hl -> /nothing/here points at no file" in p for p in ana.problems)
    assert ana.tree.resolve("/loop1") is None and ana.tree.resolve("/link") is None
    assert ana.tree.get("/loop1").type == "symlink"
    with pytest.raises(InputError):
        ana.tree.read(t["/hl"])
    assert not os.path.exists(tmp_path / "etc")


def test_symlinks_resolve_inside_the_root(tmp_path):
    l0 = (Layer().dir("usr").dir("usr/bin").file("usr/bin/busybox", 10, mode=0o755).symlink("bin", "usr/bin")
          .symlink("usr/bin/sh", "busybox").symlink("abs", "/usr/bin/sh").symlink("up", "../../usr/bin/busybox"))
    ana = analyse(str(docker_archive(tmp_path / "s.tar", [l0])))
    tree = ana.tree
    assert tree.resolve("/bin/sh").path == "/usr/bin/busybox"
    assert tree.get("/bin/sh").type == "symlink"  # parent followed, last component not
    assert tree.resolve("/abs").path == "/usr/bin/busybox"
    assert tree.resolve("/up") is None  # climbs above the root


def test_sparse_and_corrupt_headers_are_errors(tmp_path):
    sparse = raw_tar((raw_header("s", 10, b"S"), b"x" * 10))
    with pytest.raises(InputError, match="sparse"):
        analyse(str(docker_archive(tmp_path / "s.tar", [sparse])))
    garbage = b"\x01" * 2048
    with pytest.raises(InputError, match="not a tar|unknown layer format"):
        analyse(str(docker_archive(tmp_path / "g.tar", [garbage])))


def test_gnu_long_names_and_pax(tmp_path):
    import tarfile

    long = "d/" + "x" * 150 + "/file"
    for fmt in (tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT):
        name = long if fmt != tarfile.USTAR_FORMAT else "d/" + "y" * 90 + "/" + "z" * 60
        ana = analyse(str(docker_archive(tmp_path / f"{fmt}.tar", [Layer(fmt).file(name, 7).symlink("l" * 120 if fmt != tarfile.USTAR_FORMAT else "l", "t" * 120 if fmt != tarfile.USTAR_FORMAT else "t")])))
        t = tree_of(ana)
        assert t["/" + name].size == 7


def test_streamed_layers_capture_elf_and_small_files(tmp_path):
    elf = b"\x7fELF" + b"\x02\x01\x01" + b"\0" * 2000
    desc, blobs = oci_image([Layer().file("app", elf, mode=0o755).file("etc/passwd", b"root:x:0:0\n")
                             .file("big.dat", 3000)], compression="zstd")
    write_oci(tmp_path, [desc], blobs)
    ana = analyse(f"oci:{tmp_path}")
    t = tree_of(ana)
    rec = t["/app"].rec
    assert t["/app"].off in rec.captured and t["/etc/passwd"].off in rec.captured
    assert t["/big.dat"].off not in rec.captured
    assert ana.tree.read(t["/app"]) == elf
    assert ana.tree.read(t["/big.dat"], 10) == ana.tree.read(t["/big.dat"])[:10]  # re-streamed on demand
