"""The Go binary checks (GLI020-GLI027) on fake images around real Go binaries: each rule fires on
the bad image and stays silent on the good one."""

from __future__ import annotations

import datetime as dt

import pytest

from golayer.rules.image import (binary_dirty_vcs, binary_eol_go, binary_missing_interpreter,
                                  binary_missing_library, binary_no_trimpath, binary_unstripped,
                                  missing_ca_certificates, missing_zoneinfo)
from golayer.knowledge import go_releases
from tests.image import gobuild
from tests.image.binhelpers import analyse, config, elf_stub, findings, glibc_base, musl_base
from tests.image.elfsynth import pointer_buildinfo_elf
from tests.image.fakefs import FakeTree
from tests.image.test_gobinary import MOD

pytestmark = pytest.mark.go


def gobin(name: str) -> bytes:
    p = gobuild.build(name)
    assert p is not None
    return p.read_bytes()


# -- binary-missing-interpreter / binary-missing-library ------------------------------------------
def test_cgo_binary_on_scratch_says_what_the_container_prints(go):
    a = analyse(FakeTree().file("/app", gobin("cgo-dynamic")))
    [f] = findings(binary_missing_interpreter, a)
    assert f.rule == "binary-missing-interpreter" and str(f.severity) == "error"
    assert "exec /app: no such file or directory" in f.message
    assert "/lib64/ld-linux-x86-64.so.2" in f.message and "libc.so.6" in f.message
    assert f.extra["path"] == "/app" and f.extra["layer"] == 0 and f.extra["bytes"] > 1_000_000
    assert "CGO_ENABLED=0" in f.hint
    # the library rule stays quiet: the loader itself is missing
    assert findings(binary_missing_library, a) == []


def test_entrypoint_name_as_configured_is_used_in_the_message(go):
    t = FakeTree().file("/usr/local/bin/server", gobin("cgo-dynamic"))
    a = analyse(t, config(cmd=["server"], env=["PATH=/usr/local/bin:/usr/bin"]))
    [f] = findings(binary_missing_interpreter, a)
    assert "exec server: no such file or directory" in f.message
    assert f.message.startswith("entrypoint /usr/local/bin/server")


def test_glibc_binary_on_alpine(go):
    [f] = findings(binary_missing_interpreter, analyse(musl_base(FakeTree()).file("/app", gobin("cgo-dynamic"))))
    assert "glibc" in f.hint or "glibc" == f.extra["libc"]


def test_pie_binary_needs_the_loader_even_without_cgo_libraries(go):
    [f] = findings(binary_missing_interpreter, analyse(FakeTree().file("/app", gobin("pie"))))
    assert "needs" not in f.message.split("but")[0]  # no DT_NEEDED, still the interpreter


def test_static_or_satisfied_binaries_pass(go):
    assert findings(binary_missing_interpreter, analyse(FakeTree().file("/app", gobin("static")))) == []
    good = glibc_base(FakeTree()).file("/app", gobin("cgo-dynamic"))
    a = analyse(good)
    assert findings(binary_missing_interpreter, a) == [] and findings(binary_missing_library, a) == []


def test_missing_library_with_loader_present(go):
    t = FakeTree().file("/lib64/ld-linux-x86-64.so.2", elf_stub()).file("/app", gobin("cgo-dynamic"))
    [f] = findings(binary_missing_library, analyse(t))
    assert f.extra["library"] == "libc.so.6" and str(f.severity) == "error"
    assert "cannot open shared object file" in f.message


# -- binary-unstripped / binary-no-trimpath / binary-dirty-vcs ------------------------------------------
def test_unstripped_reports_exact_bytes(go):
    a = analyse(FakeTree().file("/app", gobin("static")))
    [f] = findings(binary_unstripped, a)
    b = a.binaries[0]
    assert f.extra["saved_bytes"] == b.debug_bytes + b.symtab_bytes > 500_000
    assert f"{b.debug_bytes:,} bytes" in f.message and "-s -w" in f.message
    assert findings(binary_unstripped, analyse(FakeTree().file("/app", gobin("static-stripped-trimpath")))) == []


def test_no_trimpath(go):
    [f] = findings(binary_no_trimpath, analyse(FakeTree().file("/app", gobin("dep"))))
    assert "-trimpath" in f.message and "-X main.version=1.2.3 -s" in f.message
    assert findings(binary_no_trimpath, analyse(FakeTree().file("/app", gobin("static-stripped-trimpath")))) == []
    # too old to record settings: unknown, not reported
    old = pointer_buildinfo_elf("go1.16.15", MOD)
    assert findings(binary_no_trimpath, analyse(FakeTree().file("/app", old))) == []


def test_dirty_vcs(go):
    a = analyse(FakeTree().file("/app", gobin("dep")))
    if a.binaries[0].buildinfo.setting("vcs") is None:
        pytest.skip("git not installed: no VCS stamping")
    [f] = findings(binary_dirty_vcs, a)
    assert "vcs.modified=true" in f.message and a.binaries[0].buildinfo.setting("vcs.revision") in f.message
    assert findings(binary_dirty_vcs, analyse(FakeTree().file("/app", gobin("static")))) == []


# -- binary-eol-go --------------------------------------------------------------------------------------
def test_eol_go(go, monkeypatch):
    monkeypatch.setattr(go_releases, "today", lambda: dt.date(2026, 11, 28))
    old = analyse(FakeTree().file("/app", pointer_buildinfo_elf("go1.16.15", MOD)))
    [f] = findings(binary_eol_go, old)
    assert "go1.16.15" in f.message and "2022-03-15" in f.message and "Go 1.18 was released" in f.message
    assert f.extra["eol"] == "2022-03-15" and f.extra["eol_expected"] is False
    current = analyse(FakeTree().file("/app", gobin("static")))  # go1.27.3
    assert findings(binary_eol_go, current) == []
    monkeypatch.setattr(go_releases, "today", lambda: dt.date(2027, 10, 1))
    [f] = findings(binary_eol_go, current)
    assert "expected" in f.message and f.extra["eol_expected"] is True


def test_release_table_policy():
    assert go_releases.eol_date(24) == (dt.date(2026, 2, 11), False)  # Go 1.26's release
    assert go_releases.support("go1.25.4", dt.date(2026, 9, 1)).is_eol
    assert not go_releases.support("go1.26.0", dt.date(2026, 9, 1)).is_eol
    assert go_releases.parse("devel go1.24-abcdef") == (24, 0)
    assert go_releases.parse("go1.20.5 X:boringcrypto") == (20, 5)
    assert go_releases.support("not go", dt.date(2026, 1, 1)) is None
    rels, table_date = go_releases.load()
    assert [r.minor for r in rels] == list(range(0, 28))
    assert all(a.released < b.released for a, b in zip(rels, rels[1:]))
    assert table_date >= dt.date(2026, 10, 19)  # newer than the go1.27.3 the tests build with


def test_today_is_injectable_from_env(monkeypatch):
    monkeypatch.setenv("GOLAYER_TODAY", "2030-01-02")
    assert go_releases.today() == dt.date(2030, 1, 2)


# -- missing-ca-certificates ---------------------------------------------------------------------------
def test_ca_bundle_missing_on_scratch(go):
    a = analyse(FakeTree().file("/app", gobin("tls")))
    [f] = findings(missing_ca_certificates, a)
    assert "x509: certificate signed by unknown authority" in f.message
    assert "/etc/ssl/certs/ca-certificates.crt" in f.message


@pytest.mark.parametrize("setup,env", [
    (lambda t: t.file("/etc/ssl/certs/ca-certificates.crt", b"-----BEGIN CERTIFICATE-----\n", mode=0o644), None),
    (lambda t: t.file("/etc/ssl/cert.pem", b"pem", mode=0o644), None),  # Alpine's path
    (lambda t: t.file("/etc/ssl/certs/extra.pem", b"pem", mode=0o644), None),  # any file in the dir
    (lambda t: t.file("/certs/mine.pem", b"pem", mode=0o644), ["SSL_CERT_FILE=/certs/mine.pem"]),
    (lambda t: t.file("/c/a.pem", b"pem", mode=0o644), ["SSL_CERT_DIR=/nope:/c"]),
    (lambda t: (t.file("/usr/share/ca/bundle.crt", b"pem", mode=0o644),
                t.symlink("/etc/ssl/certs/ca-certificates.crt", "/usr/share/ca/bundle.crt")), None),
])
def test_ca_bundle_present(go, setup, env):
    t = FakeTree().file("/app", gobin("tls"))
    setup(t)
    cfg = config(["/app"], env=env) if env else config(["/app"])
    assert findings(missing_ca_certificates, analyse(t, cfg)) == []


def test_ca_env_pointing_nowhere_and_programs_without_tls(go):
    t = FakeTree().file("/app", gobin("tls")).file("/etc/ssl/cert.pem", b"pem", mode=0o644)
    [f] = findings(missing_ca_certificates, analyse(t, config(["/app"], env=["SSL_CERT_FILE=/missing.pem"])))
    assert "SSL_CERT_FILE=/missing.pem" in f.message
    dangling = FakeTree().file("/app", gobin("tls")).symlink("/etc/ssl/certs/ca-certificates.crt", "/nowhere")
    assert len(findings(missing_ca_certificates, analyse(dangling))) == 1  # a dangling link is no bundle
    assert findings(missing_ca_certificates, analyse(FakeTree().file("/app", gobin("tz")))) == []


# -- missing-zoneinfo ---------------------------------------------------------------------------------
def test_zoneinfo_missing_on_scratch(go):
    [f] = findings(missing_zoneinfo, analyse(FakeTree().file("/app", gobin("tz"))))
    assert "time.LoadLocation" in f.message and "unknown time zone" in f.message
    assert 'time/tzdata' in f.hint


@pytest.mark.parametrize("name,setup,env", [
    ("tzdata", None, None),  # import _ "time/tzdata"
    ("tz-tag", None, None),  # -tags timetzdata
    ("tz", lambda t: t.file("/usr/share/zoneinfo/Europe/Berlin", b"TZif2", mode=0o644), None),
    ("tz", lambda t: t.file("/zi/zoneinfo.zip", b"PK", mode=0o644), ["ZONEINFO=/zi/zoneinfo.zip"]),
    ("tz", lambda t: t.file("/usr/local/go/lib/time/zoneinfo.zip", b"PK", mode=0o644), None),  # GOROOT, no -trimpath
    ("static", None, None),  # never loads a location
])
def test_zoneinfo_available(go, name, setup, env):
    t = FakeTree().file("/app", gobin(name))
    if setup:
        setup(t)
    cfg = config(["/app"], env=env) if env else config(["/app"])
    assert findings(missing_zoneinfo, analyse(t, cfg)) == []


def test_empty_zoneinfo_dir_does_not_count(go):
    t = FakeTree().file("/app", gobin("tz")).dir("/usr/share/zoneinfo")
    assert len(findings(missing_zoneinfo, analyse(t))) == 1
