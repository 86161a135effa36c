"""The explorable file tree of the HTML report, driven in headless Chromium by a test page: layer selector,
changes view, wasted filter, search, lazily opened directories; hostile names stay text; size stays small."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from golayer.image.analyse import analyse
from golayer.report.html import script_json, tree_data
from tests.conftest import run_cli
from tests.explore.helpers import sample_image
from tests.image.helpers import Layer, docker_archive

CHROME = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)

DRIVER = r"""
<script>
(function(){
  const out = {};
  const names = () => [...document.querySelectorAll('#tree > ul > li')].map(li => li.dataset.path + ' ' + li.className);
  const set = (id, v) => { const e = document.getElementById(id); if (e.type === 'checkbox') e.checked = v; else e.value = v;
                           e.dispatchEvent(new Event(e.tagName === 'INPUT' && e.type === 'search' ? 'input' : 'change')); };
  out.top = names();
  const usr = [...document.querySelectorAll('#tree li')].find(li => li.dataset.path === '/usr');
  usr.querySelector('.line').click();
  const usrNow = [...document.querySelectorAll('#tree li')].find(li => li.dataset.path === '/usr');
  out.usr_children = [...usrNow.querySelectorAll(':scope > ul > li')].map(li => li.dataset.path);
  set('tree-layer', '1'); set('tree-changes', true);
  out.changes1 = names();
  set('tree-changes', false); set('tree-wasted', true);
  out.wasted1 = names();
  set('tree-wasted', false); set('tree-search', 'MAIN');
  out.search = [...document.querySelectorAll('#tree li')].map(li => li.dataset.path);
  out.status = document.getElementById('tree-status').textContent;
  out.hostile = [...document.querySelectorAll('#tree .nm')].map(e => e.textContent);
  document.body.setAttribute('data-result', JSON.stringify(out));
})();
</script>
"""


def _drive(tmp_path: Path, page: Path) -> dict:
    driver = tmp_path / "driver.html"
    driver.write_text(page.read_text().replace("</body>", DRIVER + "</body>"))
    res = subprocess.run([CHROME, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'prof'}",
                          "--dump-dom", driver.as_uri()], capture_output=True, text=True, timeout=120)
    start = res.stdout.find('data-result="')
    assert start >= 0, res.stderr[-2000:]
    raw = res.stdout[start + len('data-result="'):]
    return json.loads(html.unescape(raw[: raw.index('"')]))


@pytest.mark.skipif(CHROME is None and not os.environ.get("CI"), reason="CHROMIUM UNAVAILABLE: apt-get install chromium")
def test_tree_in_headless_chromium(tmp_path: Path) -> None:
    assert CHROME, "chromium must be installed in CI (.ci/run installs it)"
    img = sample_image(tmp_path)
    page = tmp_path / "r.html"
    r = run_cli(["image", f"docker-archive:{img}", "--html", str(page)])
    assert r.code in (0, 1), r.err
    text = page.read_text()
    assert "https://" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    got = _drive(tmp_path, page)
    assert got["top"][-1].startswith("/app ") and "added" in got["top"][-1]
    assert got["usr_children"] == ["/usr/bin"]
    assert [x.split(" ")[0] for x in got["changes1"]] == ["/root", "/src", "/usr"]
    assert [x.split(" ")[0] for x in got["wasted1"]] == ["/root"] and "wasted" in got["wasted1"][0]
    assert got["search"] == ["/src/main.go"]
    assert got["status"] == "image as of layer 1"


@pytest.mark.skipif(CHROME is None and not os.environ.get("CI"), reason="CHROMIUM UNAVAILABLE: apt-get install chromium")
def test_hostile_names_and_history_cannot_break_the_page(tmp_path: Path) -> None:
    assert CHROME
    evil = "x</script><script>document.title='pwned'</script><!--<script>"
    img = docker_archive(tmp_path / "h.tar", [Layer().file("usr/" + evil.replace("/", "_"), 10)],
                         history=[{"created_by": evil}])
    page = tmp_path / "h.html"
    run_cli(["image", f"docker-archive:{img}", "--html", str(page)])
    got = _drive(tmp_path, page)  # the page's scripts ran to the end: nothing was cut off or commented out
    assert got["top"] and "pwned" not in page.read_text().split("<title>")[1].split("</title>")[0]


def test_script_json_cannot_end_or_comment_out_the_block() -> None:
    s = script_json({"a": "</script><!--<script>]]>&\u2028"})
    assert "<" not in s and ">" not in s and "&" not in s and "\u2028" not in s
    assert json.loads(s) == {"a": "</script><!--<script>]]>&\u2028"}


def test_tree_data_is_compact_for_100k_entries(tmp_path: Path) -> None:
    layer = Layer()
    for i in range(100_000):
        layer.file(f"usr/share/p{i // 1000}/f{i}.txt", 1)
    img = docker_archive(tmp_path / "big.tar", [layer])
    blob = script_json(tree_data(analyse(f"docker-archive:{img}")))
    assert len(blob) < 10 * 1024 * 1024, len(blob)
