"""`golayer lab compare` from the command line, on small real builds: the JSON contract, steps
re-run per scenario, smoke starts, the HTML file, and the errors users see."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.docker

OK_DF = """FROM debian:bookworm
WORKDIR /src
COPY go.mod ./
RUN cat go.mod > /gomod.copy
COPY . .
RUN ls > /files
CMD ["sleep", "30"]
"""

BROKEN_DF = """FROM scratch
COPY main.go /app
ENTRYPOINT ["/app"]
"""


def _ctx(tmp_path):
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "go.mod").write_text("module example.com/x\n\ngo 1.22\n")
    (ctx / "main.go").write_text("package main\n\nfunc main() {}\n")
    (tmp_path / "ok.Dockerfile").write_text(OK_DF)
    (tmp_path / "broken.Dockerfile").write_text(BROKEN_DF)
    return ctx


def test_compare_json_html_and_smoke(cli, lab_bases, tmp_path):
    ctx = _ctx(tmp_path)
    html = tmp_path / "report.html"
    res = cli(["lab", "compare", str(tmp_path / "ok.Dockerfile"), str(tmp_path / "broken.Dockerfile"),
               "--context", str(ctx), "--smoke", "--format", "json", "--html", str(html)])
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    ok, broken = doc["variants"]
    assert ok["name"] == "ok.Dockerfile" and ok["dockerfile"].endswith("ok.Dockerfile")
    assert set(ok["rebuild_s"]) == {"nochange", "touch", "edit", "gomod"}
    assert all(isinstance(ok["rebuild_s"][k], float) for k in ok["rebuild_s"])
    assert ok["steps_rerun"]["nochange"] == [] and ok["steps_rerun"]["touch"] == []  # BuildKit ignores mtime
    assert ok["steps_rerun"]["edit"] == ["COPY . .", "RUN ls > /files"]
    assert ok["steps_rerun"]["gomod"] == ["COPY go.mod ./", "RUN cat go.mod > /gomod.copy", "COPY . .",
                                          "RUN ls > /files"]
    assert ok["smoke"]["started"] is True
    assert broken["smoke"]["started"] is False and broken["smoke"]["output"]
    assert ok["image_size_bytes"] > 50e6 and broken["image_size_bytes"] < 1000
    assert any("golayer-lab/debian:bookworm" in n for n in doc["notes"])  # the stand-in is named
    assert any("noisy" in n for n in doc["notes"])
    page = html.read_text()
    assert "<html" in page and "ok.Dockerfile" in page and "Layer sizes by category" in page and "<svg" in page
    # the user's context is untouched
    assert (ctx / "main.go").read_text() == "package main\n\nfunc main() {}\n"
    assert (ctx / "go.mod").read_text() == "module example.com/x\n\ngo 1.22\n"


def test_compare_text_output(cli, lab_bases, tmp_path):
    ctx = _ctx(tmp_path)
    res = cli(["lab", "compare", str(tmp_path / "ok.Dockerfile"), "--context", str(ctx)])
    assert res.code == 0, res.err
    assert "rebuild: edit .go" in res.out and "re-ran on edit" in res.out
    assert "debian:bookworm -> golayer-lab/debian:bookworm" in res.out


def test_build_failure_shows_the_failing_step(cli, lab_bases, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM debian:bookworm\nRUN echo boom-output-417 && exit 3\n")
    res = cli(["lab", "compare", str(tmp_path / "Dockerfile")])
    assert res.code == 2
    assert "cold build failed" in res.err and "RUN echo boom-output-417 && exit 3" in res.err
    assert "boom-output-417" in res.err.split("failed:", 1)[1]


def test_unknown_missing_base_is_a_clear_error(cli, lab_bases, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM quay.io/golayer-test-lab/absent:1\n")
    res = cli(["lab", "compare", str(tmp_path / "Dockerfile")])
    assert res.code == 2
    assert "quay.io/golayer-test-lab/absent:1 is not in the local image store" in res.err
    assert "--base-map" in res.err


def test_compare_with_the_legacy_builder(cli, lab_bases, tmp_path):
    ctx = _ctx(tmp_path)
    res = cli(["lab", "compare", str(tmp_path / "ok.Dockerfile"), "--context", str(ctx), "--builder", "legacy",
               "--format", "json"])
    assert res.code == 0, res.err
    v = json.loads(res.out)["variants"][0]
    assert v["builder"] == "legacy"
    assert v["steps_rerun"]["nochange"] == [] and v["steps_rerun"]["touch"] == []
    assert v["steps_rerun"]["edit"] == ["COPY . .", "RUN ls > /files", 'CMD ["sleep", "30"]']
