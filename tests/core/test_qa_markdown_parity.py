"""The Markdown report (job summary / MR comment) says what the text report says besides the findings: layer
counts in English, the number of baseline findings not shown, and the notes."""

import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.image.helpers import Layer, docker_archive

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "naive-service"


@pytest.mark.parametrize("n, words", [(1, " in 1 layer, "), (2, " in 2 layers, ")])
def test_markdown_layer_count_is_pluralised(tmp_path, n, words):
    img = docker_archive(tmp_path / "img.tar", [Layer().file(f"f{i}", b"x" * 10) for i in range(n)])
    r = run_cli(["image", "-f", "markdown", str(img)])
    assert words in r.out, r.out


def test_markdown_tells_the_baseline_count_and_notes(tmp_path):
    proj = tmp_path / "p"
    shutil.copytree(EXAMPLE, proj)
    (proj / "Dockerfile").write_text((proj / "Dockerfile").read_text().replace("COPY . .", "COPY . .\nRUN make"))
    run_cli(["check", ".", "--write-baseline", "b.json"], cwd=proj)
    text = run_cli(["check", ".", "--baseline", "b.json"], cwd=proj).out.splitlines()
    md = run_cli(["check", ".", "--baseline", "b.json", "-f", "markdown"], cwd=proj).out
    said = [ln for ln in text if "known finding" in ln or "not resolved" in ln]
    assert len(said) == 2, text
    for ln in said:
        assert f"- {ln}" in md.replace("\\", ""), (ln, md)
