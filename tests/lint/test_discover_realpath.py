"""`golayer lint FILE...` drops a file named twice (through links, relative and absolute paths): it
compares real paths, each directory resolved once for all the files (fsutil.realpath_memo; inside one lint run fsutil.realpath). That
must be os.path.realpath's answer for every path, links or not."""

import os
from pathlib import Path

import pytest

from golayer.commands.lint import discover
from golayer.fsutil import realpath_memo as _realpath


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "real/sub/deep/x").mkdir(parents=True)
    for f in ("real/sub/Dockerfile", "real/sub/deep/Dockerfile"):
        (tmp_path / f).write_text("FROM scratch\n")
    links = {"abs": str(tmp_path / "real"), "rel": "real/sub", "real/lnk": "../real/sub/Dockerfile",
             "dangling": "nowhere", "loop1": "loop2", "loop2": "loop1", "real/dot": ".",
             "real/sub/deep/up": "../../.."}
    for name, target in links.items():
        os.symlink(target, tmp_path / name)
    return tmp_path


PATHS = ["real/sub/Dockerfile", "abs/sub/Dockerfile", "rel/Dockerfile", "real/lnk", "dangling", "dangling/x",
         "loop1", "loop1/x", "real/dot/dot/sub/Dockerfile", "rel/deep/Dockerfile", "real/sub/deep/up/real/lnk",
         "./rel//deep/./Dockerfile", "rel/../real/lnk", "abs/sub/deep/up/abs/sub/Dockerfile", "missing/Dockerfile"]


@pytest.mark.parametrize("cwd", [".", "abs", "rel"])
def test_real_paths_resolved_once_per_directory_are_realpaths(tree: Path, cwd: str, monkeypatch):
    monkeypatch.chdir(tree / cwd)
    memo: dict[str, str] = {}
    for _ in range(2):  # the second round answers from the memo
        for p in PATHS + [str(tree / p) for p in PATHS]:
            assert _realpath(p, memo) == os.path.realpath(p), p


def test_a_file_named_through_links_is_linted_once(tree: Path, monkeypatch):
    monkeypatch.chdir(tree)
    got = discover(["real/sub/Dockerfile", "abs/sub/Dockerfile", "rel/Dockerfile", "real/lnk",
                    str(tree / "rel/deep/Dockerfile"), "real/sub/deep/Dockerfile"])
    assert [str(p) for p in got] == ["real/sub/Dockerfile", str(tree / "rel/deep/Dockerfile")]


def test_inside_a_lint_run_real_paths_come_from_the_run_memo_and_equal_realpath(tree: Path, monkeypatch):
    from golayer import fsutil
    from golayer.dockerfile import final

    monkeypatch.chdir(tree / "rel")
    assert fsutil._REAL is None
    with final.batch():
        assert fsutil._REAL == {}
        for _ in range(2):
            for p in PATHS + [str(tree / p) for p in PATHS]:
                assert fsutil.realpath(p) == os.path.realpath(p), p
        assert fsutil._REAL  # filled
    assert fsutil._REAL is None  # the memo ends with the run
