"""The README's sample output of `golayer check examples/naive-service` is what the command prints."""

import re
from pathlib import Path

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]


def test_readme_sample_lines_are_in_the_real_output():
    readme = (ROOT / "README.md").read_text()
    m = re.search(r"The first prints (\w+) findings like these \(abridged\) and exits (\d):\n\n```\n(.*?)```",
                  readme, re.S)
    assert m, "README sample block not found"
    count, code, sample = m.group(1), int(m.group(2)), m.group(3).splitlines()
    r = run_cli(["check", "--no-color", "examples/naive-service"], cwd=ROOT)
    assert r.code == code
    got = r.out.splitlines()
    for line in sample:
        if line.endswith(" …"):
            assert any(g.startswith(line[:-2]) for g in got), line
        else:
            assert line in got, line
    words = {"eleven": 11, "twelve": 12, "ten": 10, "nine": 9}
    assert sample[-1].startswith(f"{words[count]} findings")
