"""Zero crashes on the real-world corpus (bench/corpus-repos.txt lists the repositories and commits;
docs/corpus.md the method and the result).

The repositories are kept outside this repository, in $GOLAYER_CORPUS_DIR or the user cache dir
(~/.cache/golayer/corpus); `scripts/fetch-corpus` fetches them. Without them the tests skip, visibly."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import corpus  # noqa: E402  (bench/corpus.py: where the corpus is, which files are Dockerfiles)

FILES = corpus.all_dockerfiles()
needs_corpus = pytest.mark.skipif(not FILES, reason=f"CORPUS UNAVAILABLE: no repositories of "
                                                    f"bench/corpus-repos.txt in {corpus.corpus_dir()} "
                                                    "(run scripts/fetch-corpus or set GOLAYER_CORPUS_DIR)")


@needs_corpus
def test_every_corpus_file_lints_without_internal_errors():
    from golayer.dockerfile.engine import lint_path

    crashes, rule_errors = [], []
    for p in FILES:
        try:
            _, findings = lint_path(p)
        except Exception as exc:  # noqa: BLE001 - that is what we are counting
            crashes.append(f"{p}: {type(exc).__name__}: {exc}")
            continue
        rule_errors += [f"{p}: {f.message}" for f in findings if f.rule == "golayer-rule-error"]
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
