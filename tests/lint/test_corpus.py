"""Zero crashes on the real-world corpus (bench/corpus.txt lists its sources; docs/corpus.md the result).

The files are kept outside the repository: set GOLAYER_CORPUS to the directory (default
/work/corpus/dockerfiles). Without it the test is skipped, visibly."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("GOLAYER_CORPUS", "/work/corpus/dockerfiles"))


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.is_file() and not p.name.endswith(".dockerignore"))


FILES = corpus_files()
needs_corpus = pytest.mark.skipif(not FILES, reason=f"CORPUS UNAVAILABLE: no Dockerfiles in {CORPUS} "
                                                    "(set GOLAYER_CORPUS; bench/corpus.txt lists the sources)")


@needs_corpus
def test_every_corpus_file_lints_without_internal_errors():
    from golayer.dockerfile.engine import lint_path

    crashes, rule_errors = [], []
    for p in FILES:
        try:
            _, findings = lint_path(p)
        except Exception as exc:  # noqa: BLE001 - that is what we are counting
            crashes.append(f"{p.name}: {type(exc).__name__}: {exc}")
            continue
        rule_errors += [f"{p.name}: {f.message}" for f in findings if f.rule == "golayer-rule-error"]
    assert crashes == [] and rule_errors == []


@needs_corpus
def test_one_cli_invocation_over_the_corpus():
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("GOLAYER_STRICT", None)
    r = subprocess.run([sys.executable, "-m", "golayer", "lint", "--format", "json", *map(str, FILES)],
                       capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode in (0, 1), r.stderr[-3000:]
    assert "Traceback" not in r.stderr
    doc = json.loads(r.stdout)
    assert {d["file"] for d in doc["dockerfiles"]} == {str(p) for p in FILES}
    assert not [f for f in doc["findings"] if f["rule"] == "golayer-rule-error"]
