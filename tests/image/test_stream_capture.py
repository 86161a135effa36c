"""A streamed image (``docker:NAME``) keeps, in its one pass, every byte the checks read later: the
loader configuration, library ELF headers, credential files. Each miss would export the whole image
from the daemon once more (seconds to minutes on a big image)."""

from golayer.image import sources
from golayer.image.analyse import analyse
from golayer.image.binaries import _ld_so_conf_dirs, _lib_matches
from tests.image.binhelpers import elf_stub
from tests.image.helpers import Layer, docker_archive


def _image(tmp_path):
    base = (Layer()
            .file("etc/ld.so.conf", b"include /etc/ld.so.conf.d/*.conf\n")
            .file("etc/ld.so.conf.d/opt.conf", b"/opt/lib\n")
            .file("etc/ld.so.conf.d/x86_64-linux-gnu.conf", b"/usr/local/lib/x86_64-linux-gnu\n")
            .file("etc/ld-musl-x86_64.path", b"/lib:/usr/lib:/opt/musl\n")
            .file("opt/lib/libfoo.so.1", elf_stub(), mode=0o644)
            .file("opt/lib/libbar.so", elf_stub(bits=32, machine=40), mode=0o644)
            .file("etc/gitconfig", b"[credential]\n\thelper = store\n")
            .file("src/.git/config", b"[remote \"origin\"]\n\turl = https://user:tok@example.com/r.git\n"))
    top = Layer().file("app/README", b"hello\n")
    return docker_archive(tmp_path / "img.tar", [base, top])


def _reads(ana):
    tree = ana.tree
    etc = sorted(e.path for e in tree.iter() if e.path.startswith("/etc/"))
    return {
        "ldconf": _ld_so_conf_dirs(tree, etc),
        "musl": tree.read(tree.get("/etc/ld-musl-x86_64.path")),
        "libs": [_lib_matches(tree, tree.get(p), None) for p in ("/opt/lib/libfoo.so.1", "/opt/lib/libbar.so")],
        "lib_heads": [tree.read(tree.get(p), 20) for p in ("/opt/lib/libfoo.so.1", "/opt/lib/libbar.so")],
        "git": [tree.read(tree.get(p), 65536) for p in ("/etc/gitconfig", "/src/.git/config")],
        "summary": (ana.total_bytes, ana.visible_bytes, ana.wasted_bytes, ana.dive_efficiency),
    }


def test_streamed_image_is_exported_once_and_reads_like_the_archive(tmp_path, monkeypatch):
    archive = _image(tmp_path)
    exports = []

    def fake_daemon(name):
        exports.append(name)
        fh = open(archive, "rb")
        return fh.read, fh.close

    monkeypatch.setattr(sources, "_daemon_reader", fake_daemon)
    streamed = analyse("docker:golayer-test:latest")
    from_file = analyse(f"docker-archive:{archive}")
    got = _reads(streamed)
    assert got == _reads(from_file)
    assert got["ldconf"] == ["/opt/lib", "/usr/local/lib/x86_64-linux-gnu"]
    assert got["libs"] == [True, True] and got["lib_heads"][0] == elf_stub()[:20]
    assert exports == ["golayer-test:latest"]  # the one export of the analysis, no re-export to read a file
