"""Hostile names and history in every report format (issue 10, items 13 and 18): a name from the
image never forges a report line, a workflow command or an HTML element."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from tests.image.helpers import Layer, docker_archive
from tests.image.hostile import run_limited

EVIL_DIR = "src/x\n::error file=forged.go,line=1::forged\x1b[31m\r::warning::cr"


def _evil_image(tmp_path):
    lay = (Layer().file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n")
           .file(f"{EVIL_DIR}/.git/HEAD", 23).file(f"{EVIL_DIR}/.git/objects/p.pack", 9000))
    hist = [{"created_by": "RUN echo '<!--<script>' </script> <b>&amp; \u2028 \x1b]0;t\x07\nforged line"}]
    return str(docker_archive(tmp_path / "evil\nname.tar", [lay], history=hist))


def test_text_report_shows_hostile_names_on_one_line(tmp_path):
    ref = _evil_image(tmp_path)
    r = run_limited(["image", ref, "--no-color"])
    assert r.code == 1, r.err
    assert "\x1b" not in r.out and "\r" not in r.out and "\x07" not in r.out
    assert not any(line.startswith(("::error", "::warning", "forged line")) for line in r.out.splitlines())
    assert "src/x\\x0a::error file=forged.go,line=1::forged\\x1b[31m\\x0d::warning::cr/.git" in r.out


def test_github_annotations_cannot_be_forged(tmp_path):
    ref = _evil_image(tmp_path)
    r = run_limited(["image", ref, "-f", "github"])
    assert r.code == 1, r.err
    lines = r.out.splitlines()
    assert lines and all(re.match(r"::(error|warning|notice) ", x) for x in lines), r.out
    assert "\x1b" not in r.out and "\r" not in r.out
    assert not any("::error file=forged.go" in x.split("::", 2)[1] for x in lines)  # never a property
    # inside a message a line break is the escape %0A: the annotation shows it, no command starts
    assert "src/x%0A::error file=forged.go,line=1::forged\\x1b[31m%0D::warning::cr/.git" in r.out


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_machine_formats_keep_names_exact(tmp_path, fmt):
    ref = _evil_image(tmp_path)
    r = run_limited(["image", ref, "-f", fmt])
    assert r.code == 1, r.err
    assert "\x1b" not in r.out and "\r" not in r.out  # JSON escapes control characters
    strings: list[str] = []

    def walk(v):
        if isinstance(v, str):
            strings.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(json.loads(r.out))
    assert any(EVIL_DIR in x for x in strings)


def test_error_messages_stay_one_line(tmp_path):
    p = tmp_path / "x\n::error::forged.tar"
    p.write_bytes(b"not an archive at all" * 30)
    r = run_limited(["image", str(p)])
    assert r.code == 2 and r.err.startswith("golayer: error: ")
    assert not any(x.startswith("::error") for x in r.err.splitlines()), r.err


def _data_block(page: str) -> str:
    m = re.search(r'<script type="application/json" id="golayer-data">(.*?)</script>', page, re.S)
    assert m, page[-3000:]
    return m.group(1)


def test_html_data_block_cannot_be_ended_or_commented_out(tmp_path):
    ref = _evil_image(tmp_path)
    out = tmp_path / "r.html"
    r = run_limited(["image", ref, "--html", str(out), "-f", "json"])
    assert r.code == 1, r.err
    page = out.read_text()
    block = _data_block(page)
    assert "<" not in block and ">" not in block and "&" not in block
    data = json.loads(block)
    assert "<!--<script>" in data["layers"][0]["instruction"]
    # as many script elements as on the page of a harmless image: no history opened or closed one
    clean = str(docker_archive(tmp_path / "clean.tar", [Layer().file("app", 3)]))
    out2 = tmp_path / "clean.html"
    assert run_limited(["image", clean, "--html", str(out2)]).code in (0, 1)
    plain = out2.read_text()
    assert page.count("<script") == page.count("</script>") == plain.count("<script") == plain.count("</script>")
    for blk in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S):
        assert "<" not in blk and ">" not in blk
        json.loads(blk)


def test_html_with_hostile_history_renders_in_chromium(tmp_path):
    chrome = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if not chrome:
        pytest.skip("CHROMIUM UNAVAILABLE: install chromium to check the HTML report in a real browser")
    ref = _evil_image(tmp_path)
    out = tmp_path / "r.html"
    r = run_limited(["image", ref, "--html", str(out)])
    assert r.code == 1, r.err
    res = subprocess.run([chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'prof'}",
                          "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=120)
    assert 'data-rendered="1"' in res.stdout, res.stderr[-2000:]
    assert "&lt;!--&lt;script&gt;" in res.stdout  # shown as text in the layer table


@pytest.mark.parametrize("fmt", ["gitlab", "junit", "checkstyle", "sonarqube", "markdown"])
def test_every_other_format_keeps_hostile_names_in_their_place(tmp_path, fmt):
    from golayer.report import FORMATS

    if fmt not in FORMATS:
        pytest.skip(f"no {fmt} format in this build")
    ref = _evil_image(tmp_path)
    r = run_limited(["image", ref, "-f", fmt])
    assert r.code == 1, r.err
    assert "\x1b" not in r.out and "\r" not in r.out
    if fmt in ("gitlab", "sonarqube"):
        json.loads(r.out)
    elif fmt in ("junit", "checkstyle"):
        import xml.etree.ElementTree as ET

        ET.fromstring(r.out)
    else:
        assert not any(x.startswith(("::error", "::warning", "forged")) for x in r.out.splitlines()), r.out
