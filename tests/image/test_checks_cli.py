"""Image checks (failing and passing cases), gates, output formats, HTML in a real browser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from golayer.config import Config
from tests.image.helpers import Layer, docker_archive

GOCACHE = "root/.cache/go-build"


def debris_image(tmp_path, **kw):
    l0 = (Layer().dir("bin").file("bin/busybox", 900, mode=0o755).symlink("bin/sh", "busybox")
          .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"))
    l1 = (Layer().file("usr/local/go/VERSION", b"go1.27.3\n").dir("usr/local/go/src/runtime")
          .file("usr/local/go/src/runtime/proc.go", 4000).dir("usr/local/go/pkg/tool")
          .file("usr/local/go/pkg/tool/linux_amd64/compile", 7000, mode=0o755))
    l2 = (Layer().file(f"{GOCACHE}/README", 50).file(f"{GOCACHE}/trim.txt", 8).dir(f"{GOCACHE}/00")
          .file(f"{GOCACHE}/00/0011-d", 2_000_000).dir(f"{GOCACHE}/ab").file(f"{GOCACHE}/ab/ab12-a", 30)
          .file("go/pkg/mod/cache/download/github.com/x/y/@v/v1.0.0.zip", 5000)
          .file("go/pkg/mod/github.com/x/y@v1.0.0/y.go", 600)
          .file("src/app/go.mod", 40).file("src/app/main.go", 400).file("src/app/.git/HEAD", 23)
          .file("src/app/.git/objects/pack/p.pack", 9000).file("root/.config/go/env", b"GOFLAGS=-mod=mod\n")
          .file("root/.config/go/telemetry/local/go.count", 16384)
          .file("root/.git-credentials", b"https://bob:s3cret@github.com\n")
          .file("root/.gitconfig", b"[user]\n\tname = bob\n")
          .file("home/u/.ssh/id_ed25519", b"-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n")
          .file("home/u/.ssh/id_ed25519.pub", b"ssh-ed25519 AAAA\n")
          .file("root/.docker/config.json", json.dumps({"auths": {"r.example": {"auth": "Ym9iOnB3"}}}).encode()))
    l3 = Layer().whiteout(GOCACHE).whiteout("root/.git-credentials")
    return docker_archive(tmp_path / "debris.tar", [l0, l1, l2, l3], **kw)


def clean_image(tmp_path, **kw):
    l0 = Layer().file("app", 3000, mode=0o755).file("etc/passwd", b"nonroot:x:65532:65532::/home:/sbin/nologin\n")
    return docker_archive(tmp_path / "clean.tar", [l0], user="65532:65532", entrypoint=["/app"], **kw)


def run(ref, **kw):
    from golayer.commands.image import run_image

    return run_image(str(ref), Config(), **kw)


def by_rule(rep):
    out: dict[str, list] = {}
    for f in rep.findings:
        out.setdefault(f.rule, []).append(f)
    return out


def test_debris_image_findings(tmp_path):
    rep = run(debris_image(tmp_path, entrypoint=["/bin/sh", "-c", "/app"]))
    f = by_rule(rep)
    bc = f["image-go-build-cache"][0]
    assert bc.extra["path"] == "/root/.cache/go-build" and bc.extra["wasted_bytes"] == 2_000_088
    assert "was deleted by a later layer" in bc.message and "2,000,088 bytes" in bc.message
    assert f["image-go-module-cache"][0].extra["path"] == "/go/pkg/mod"
    assert f["image-go-module-cache"][0].extra["visible_bytes"] == 5600
    tc = f["image-go-toolchain"][0]
    assert tc.extra["path"] == "/usr/local/go" and tc.extra["visible_bytes"] == 11009 and tc.extra["layer"] == 1
    assert f["image-go-source"][0].extra["path"] == "/src/app" and f["image-go-source"][0].extra["bytes"] == 440
    assert f["image-vcs-metadata"][0].extra["path"] == "/src/app/.git"
    assert {x.extra["path"] for x in f["image-go-env-file"]} == {"/root/.config/go/env", "/root/.config/go/telemetry"}
    secrets = {x.extra["path"]: x.message for x in f["image-secret-file"]}
    assert set(secrets) == {"/root/.git-credentials", "/home/u/.ssh/id_ed25519", "/root/.docker/config.json"}
    assert "deleted by layer 3" in secrets["/root/.git-credentials"]
    assert "s3cret" not in "".join(secrets.values())
    assert "image-runs-as-root" in f
    assert "image-wasted-bytes" in f and f["image-wasted-bytes"][0].extra["bytes"] == 2_000_088 + 30
    assert "entrypoint-needs-shell" not in f  # /bin/sh -> busybox resolves
    cats = rep.data["categories"]
    assert cats["go-build-cache"] == {"visible_bytes": 0, "wasted_bytes": 2_000_088}
    assert cats["go-toolchain"]["visible_bytes"] == 11009 and cats["vcs-metadata"]["visible_bytes"] == 9023


def test_clean_image_passes(tmp_path):
    rep = run(clean_image(tmp_path))
    assert rep.findings == []
    assert rep.data["summary"]["efficiency"] == 1.0 and rep.data["summary"]["wasted_bytes"] == 0


def test_entrypoint_needs_shell(tmp_path):
    rep = run(clean_image(tmp_path, cmd=None) if False else docker_archive(
        tmp_path / "s.tar", [Layer().file("app", 10, mode=0o755)], user="1", entrypoint=["/bin/sh", "-c", "/app"]))
    [f] = by_rule(rep)["entrypoint-needs-shell"]
    assert "/bin/sh does not exist" in f.message and "exit 127" in f.message
    script = docker_archive(tmp_path / "t.tar", [Layer().file("run.sh", b"#!/bin/bash\nexec /app\n", mode=0o755)],
                            user="1", cmd=["/run.sh"])
    [f] = by_rule(run(script))["entrypoint-needs-shell"]
    assert "#!/bin/bash" in f.message and "/run.sh" in f.message
    ok = docker_archive(tmp_path / "u.tar", [Layer().file("bin/sh", 10, mode=0o755)], user="1", cmd=["sh", "-c", "x"])
    assert "entrypoint-needs-shell" not in by_rule(run(ok))


def test_secret_files_need_secret_content(tmp_path):
    l0 = (Layer().file("root/.netrc", b"machine x login y\n").file("root/.gitconfig", b"[url \"https://x-token:ghp_abcdefghijklmnopqrstuvwxyz0123@github.com/\"]\n")
          .file("root/.docker/config.json", b'{"credsStore":"desktop"}'))
    f = by_rule(run(docker_archive(tmp_path / "s.tar", [l0], user="1")))
    assert [x.extra["path"] for x in f["image-secret-file"]] == ["/root/.gitconfig"]


def test_gates_flags_and_config(tmp_path, cli):
    p = debris_image(tmp_path)
    r = cli(["image", str(p), "--select", "image-gate", "--max-size", "1MB", "--max-wasted", "50%",
             "--min-efficiency", "0.9", "--forbid-category", "go-toolchain", "-f", "json"])
    assert r.code == 1, r.err
    doc = json.loads(r.out)
    gates = sorted(f["gate"] for f in doc["findings"])
    assert gates == ["forbid-category", "max-size", "max-wasted", "min-efficiency"]
    r = cli(["image", str(p), "--select", "image-gate", "--max-size", "1GB", "--forbid-category", "go-binary"])
    assert r.code == 0, r.out + r.err
    cfg = tmp_path / "g.toml"
    cfg.write_text('[tool.golayer.image]\nmax-size = "100kB"\n')
    r = cli(["image", str(p), "--select", "image-gate", "--config", str(cfg)])
    assert r.code == 1 and "over the max-size gate of 100.0 kB" in r.out
    r = cli(["image", str(p), "--forbid-category", "no-such"])
    assert r.code == 2 and "unknown category 'no-such'" in r.err


def test_json_schema_and_text_table(tmp_path, cli):
    p = debris_image(tmp_path)
    r = cli(["image", str(p), "-f", "json"])
    doc = json.loads(r.out)
    s = doc["summary"]
    assert s["total_bytes"] == s["visible_bytes"] + s["wasted_bytes"]
    assert {"total_bytes", "visible_bytes", "wasted_bytes", "efficiency", "dive_efficiency",
            "metadata_only_bytes"} <= set(s)
    assert [set(["index", "created_by", "added_bytes", "hidden_bytes"]) <= set(li) for li in doc["layers"]] == [True] * 4
    assert set(doc["categories"]) == {"go-build-cache", "go-module-cache", "go-toolchain", "go-source", "vcs-metadata",
                                      "go-env-file", "c-toolchain", "package-manager-cache", "go-binary", "os-base",
                                      "other"}
    assert isinstance(doc["binaries"], list)
    f = next(x for x in doc["findings"] if x["rule"] == "image-go-toolchain")
    assert f["layer"] == 1 and f["path"] == "/usr/local/go" and f["severity"] == "warning"
    r = cli(["image", str(p)])
    assert "created by" in r.out and "step 2" in r.out and "go-build-cache" in r.out and "dive's score" in r.out
    r = cli(["image", str(p), "-f", "sarif"])
    assert json.loads(r.out)["runs"][0]["results"]
    r = cli(["image", str(tmp_path / "missing.tar")])
    assert r.code == 2 and "no such file" in r.err and "Traceback" not in r.err


def test_check_command_combines_image_findings(tmp_path, cli):
    pytest.importorskip("golayer.commands.lint", reason="golayer check needs the lint command (merged from main)")
    (tmp_path / "proj").mkdir()
    p = clean_image(tmp_path)
    r = cli(["check", str(tmp_path / "proj"), "--image", str(p), "-f", "json"])
    assert r.code in (0, 1), r.err
    doc = json.loads(r.out)
    assert doc["image"][0]["summary"]["total_bytes"] == 3000 + len(b"nonroot:x:65532:65532::/home:/sbin/nologin\n")


def _chromium() -> str | None:
    return shutil.which("chromium") or (os.path.exists("/usr/bin/chromium") and "/usr/bin/chromium") or None


def test_html_report_renders_charts_in_headless_chromium(tmp_path, cli):
    chrome = _chromium()
    if not chrome:
        pytest.skip("CHROMIUM UNAVAILABLE: install chromium to check the HTML report in a real browser")
    p = debris_image(tmp_path)
    out = tmp_path / "r.html"
    r = cli(["image", str(p), "--html", str(out), "-f", "json"])
    assert r.code == 1 and out.exists()
    doc = json.loads(r.out)
    page = out.read_text()
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page
    res = subprocess.run([chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'prof'}",
                          "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=120)
    dom = res.stdout
    assert 'data-rendered="1"' in dom, res.stderr[-2000:]
    want_segs = sum(1 for li in doc["layers"] for v in li["categories"].values() if v > 0)
    assert dom.count('class="seg"') == want_segs
    want_where = sum((v["visible_bytes"] > 0) + (v["wasted_bytes"] > 0) for v in doc["categories"].values())
    assert dom.count('class="where"') == want_where
    assert 'id="total">2.0 MB<' in dom and 'data-category="go-build-cache"' in dom


def test_progress_on_stderr_only_when_asked(tmp_path, cli):
    p = clean_image(tmp_path)
    r = cli(["image", str(p), "--progress"])
    assert "layer 1/1" in r.err and "done in" in r.err
    r = cli(["image", str(p)])
    assert r.err == ""


def test_bad_gate_values_fail_before_reading_the_image(tmp_path, cli):
    r = cli(["image", str(tmp_path / "missing.tar"), "--max-wasted", "5x"])
    assert r.code == 2 and "max-wasted" in r.err and "no such file" not in r.err
    cfg = tmp_path / "c.toml"
    cfg.write_text('[tool.golayer.image]\nmax-sise = "1MB"\n')
    r = cli(["image", str(tmp_path / "missing.tar"), "--config", str(cfg)])
    assert r.code == 2 and "unknown setting(s): max-sise" in r.err
