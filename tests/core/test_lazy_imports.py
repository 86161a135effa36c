"""What a one-input command imports: start-up a user feels on every pre-commit run, editor save and
CI step. Each command runs in a fresh interpreter started with ``-S`` (no ``.pth`` hook of the
environment preloads anything), and the test reads ``sys.modules`` when it ends: not a timing test."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import pytest

import golayer

SRC = str(Path(golayer.__file__).resolve().parents[1])

DOCKERFILE = """\
FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /app ./cmd/app && echo built
FROM gcr.io/distroless/static
COPY --from=build /app /app
ENTRYPOINT ["/app"]
"""

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers:
      - name: app
        image: example.com/app:1
        resources: {limits: {memory: 512Mi}}
"""

# never on any one-input path below
HEAVY = ("golayer.lab", "golayer.server", "golayer.tui", "golayer.explore", "multiprocessing", "concurrent",
         "textual", "pygls", "lsprotocol", "rich", "asyncio", "http", "urllib.request", "ssl", "socket",
         "subprocess", "importlib.resources", "tempfile", "zipfile", "shutil")
# the Dockerfile side (parser, model, rules, tree-sitter) and what only other commands need
DOCKERFILE_SIDE = ("golayer.dockerfile.model", "golayer.dockerfile.parse", "golayer.dockerfile.build",
                   "golayer.rules.dockerfile", "dockerfile", "tree_sitter", "tree_sitter_bash")
# the image and runtime sides: their models and their rules
IMAGE_SIDE = ("golayer.image", "golayer.rules.image")
RUNTIME_SIDE = ("golayer.runtime", "golayer.rules.runtime")
LINT_NEVER = HEAVY + IMAGE_SIDE + RUNTIME_SIDE + ("golayer.project", "golayer.adoption", "yaml",
                      "hashlib", "fractions", "decimal", "tomllib", "difflib", "golayer.report.json_",
                      "golayer.report.sarif", "golayer.report.html",
                      "json")  # only fixes that write JSON import it (DOCKERFILE has none)


def _child_env() -> dict[str, str]:
    """This environment without PYTHON*/GOLAYER_* settings, golayer from this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "GOLAYER_"))}
    env["PYTHONPATH"] = SRC
    return env


def _modules(args: list[str], cwd: Path, stdin: str | None = None) -> set[str]:
    """The modules loaded by ``golayer ARGS`` in a fresh ``python -S`` (site-packages on the path by hand)."""
    paths = [SRC, sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    env = _child_env()
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    code = ("import sys, runpy\n"
            "sys.argv = ['golayer'] + sys.argv[1:]\n"
            "try:\n"
            "    runpy.run_module('golayer', run_name='__main__', alter_sys=True)\n"
            "finally:\n"
            "    sys.stderr.write('\\nMODULES ' + ' '.join(sorted(sys.modules)) + '\\n')\n")
    cp = subprocess.run([sys.executable, "-S", "-c", code, *args], cwd=cwd, env=env, input=stdin,
                        capture_output=True, text=True, timeout=120)
    lines = [ln for ln in cp.stderr.splitlines() if ln.startswith("MODULES ")]
    assert cp.returncode in (0, 1) and lines, cp.stderr
    return set(lines[-1].split()[1:])


def _loaded(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "svc.Dockerfile").write_text(DOCKERFILE.replace("/app", "/svc"))
    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    (tmp_path / "deploy.yaml").write_text(MANIFEST)
    return tmp_path


@pytest.mark.parametrize("args", [["lint", "Dockerfile"], ["lint", "-"], ["lint", "Dockerfile", "svc.Dockerfile"]],
                         ids=["file", "stdin", "pre-commit"])
def test_lint_of_a_few_files_imports_only_the_dockerfile_side(repo: Path, args: list[str]) -> None:
    mods = _modules(args, repo, stdin=DOCKERFILE if "-" in args else None)
    assert "golayer.dockerfile.engine" in mods and "golayer.rules.dockerfile.missing_cache_mount" in mods  # it did lint
    assert _loaded(mods, LINT_NEVER) == []


def test_lint_json_report_imports_no_other_command(repo: Path) -> None:
    mods = _modules(["lint", "-f", "json", "Dockerfile"], repo)  # fingerprints: hashlib is fine here
    assert "golayer.report.json_" in mods
    assert _loaded(mods, HEAVY + IMAGE_SIDE + RUNTIME_SIDE + ("golayer.project", "yaml", "tomllib")) == []


def test_runtime_of_a_manifest_imports_no_dockerfile_or_image_code(repo: Path) -> None:
    mods = _modules(["runtime", "deploy.yaml"], repo)
    assert "golayer.runtime.manifests" in mods
    assert "golayer.rules.runtime.gomemlimit_missing" in mods  # it did check
    assert _loaded(mods, HEAVY + DOCKERFILE_SIDE + IMAGE_SIDE + ("hashlib", "tomllib")) == []


def _archive(path: Path) -> Path:
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tf:
        data = b"hello\n"
        ti = tarfile.TarInfo("etc/motd")
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    import hashlib

    blob = layer.getvalue()
    diff_id = "sha256:" + hashlib.sha256(blob).hexdigest()
    cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                      "rootfs": {"type": "layers", "diff_ids": [diff_id]},
                      "history": [{"created_by": "COPY motd /etc/motd"}]}).encode()
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    manifest = json.dumps([{"Config": cfg_name, "RepoTags": ["x:1"], "Layers": ["l1/layer.tar"]}]).encode()
    with tarfile.open(path, "w") as tf:
        for name, b in (("l1/layer.tar", blob), (cfg_name, cfg), ("manifest.json", manifest)):
            ti = tarfile.TarInfo(name)
            ti.size = len(b)
            tf.addfile(ti, io.BytesIO(b))
    return path


def test_image_of_an_archive_imports_no_dockerfile_or_runtime_code(repo: Path) -> None:
    arch = _archive(repo / "img.tar")
    mods = _modules(["image", str(arch)], repo)
    assert "golayer.image.analyse" in mods
    assert "golayer.rules.image.wasted_bytes" in mods  # it did check
    assert _loaded(mods, HEAVY + DOCKERFILE_SIDE + RUNTIME_SIDE + ("golayer.project", "yaml", "tomllib")) == []


def test_pre_parsed_knowledge_is_current() -> None:
    """golayer.knowledge._parsed holds every table's exact text and parse (run `python -m golayer.knowledge`)."""
    import tomllib

    from golayer import knowledge
    from golayer.knowledge import _parsed

    assert sorted(_parsed.FILES) == knowledge.tables(), "run `python -m golayer.knowledge`"
    for name in knowledge.tables():
        raw = (Path(knowledge.HERE) / name).read_bytes()
        assert _parsed.FILES[name] == (raw, tomllib.loads(raw.decode("utf-8"))), \
            f"{name} changed since _parsed.py was generated: run `python -m golayer.knowledge`"


def test_a_table_edited_after_generation_is_parsed_from_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    from golayer import knowledge
    from golayer.knowledge import _parsed

    raw, data = _parsed.FILES["purpose.toml"]
    monkeypatch.setitem(_parsed.FILES, "purpose.toml", (raw + b"\n# stale\n", {"stale": True}))
    assert knowledge.load("purpose.toml") == data


def test_lint_of_files_lists_them_as_the_project_walk_does(tmp_path: Path) -> None:
    """`golayer lint FILE...` skips the project walk; the list is the one it would give."""
    from golayer.commands.lint import discover
    from golayer.project.discover import dockerfiles

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "b.Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "link.Dockerfile").symlink_to(tmp_path / "b.Dockerfile")
    names = [tmp_path / "b.Dockerfile", tmp_path / "a" / "Dockerfile", tmp_path / "link.Dockerfile",
             tmp_path / "a" / ".." / "b.Dockerfile", tmp_path / "missing", tmp_path / "b.Dockerfile"]
    for paths in (names, names[::-1], [str(p) for p in names]):
        assert discover(paths) == dockerfiles(paths)


def test_dataclass_cache_is_current() -> None:
    """golayer._dccode holds every dataclass method source golayer's modules compile on the Python that
    wrote it (run `python -m golayer._dccache`); on another Python the CLI does not use it."""
    from golayer import _dccache, _dccode

    code = ("import json, sys\nfrom golayer import _dccache\n"
            "print(json.dumps([t for t in _dccache.collect() if _dccache.usable(t)]))")
    if tuple(_dccode.PYTHON) != sys.version_info[:2]:
        probe = "from golayer import _dccache; print(_dccache.install())"
        out = subprocess.run([sys.executable, "-c", probe], env=_child_env(), capture_output=True, text=True)
        assert out.stdout.strip() == "False", out.stderr
        return
    out = subprocess.run([sys.executable, "-c", code], env=_child_env(), capture_output=True, text=True, timeout=300)
    texts = set(json.loads(out.stdout))
    assert texts, out.stderr
    assert not texts - set(_dccode.CODE), "a dataclass changed: run `python -m golayer._dccache`"
    assert not set(_dccode.CODE) - texts, "a dataclass was removed: run `python -m golayer._dccache`"
    assert all(_dccache.usable(t) for t in _dccode.CODE)


def _same_code(a, b) -> None:  # type: ignore[no-untyped-def]
    for attr in ("co_code", "co_names", "co_varnames", "co_freevars", "co_cellvars", "co_argcount",
                 "co_posonlyargcount", "co_kwonlyargcount", "co_flags", "co_name", "co_qualname", "co_stacksize"):
        assert getattr(a, attr) == getattr(b, attr), attr
    assert len(a.co_consts) == len(b.co_consts)
    for x, y in zip(a.co_consts, b.co_consts):
        if hasattr(x, "co_code"):
            _same_code(x, y)
        else:
            assert type(x) is type(y) and x == y


def test_cached_dataclass_methods_are_their_sources_compiled() -> None:
    """What install() binds for a text is what `exec` of that text would bind (same bytecode, names, flags)."""
    from golayer import _dccode

    for text, code in _dccode.CODE.items():
        module = compile(text, "<string>", "exec", dont_inherit=True)  # as dataclasses compiles it
        (fn,) = [c for c in module.co_consts if hasattr(c, "co_code")]
        _same_code(code, fn)


def test_lint_reports_the_same_without_the_dataclass_cache(repo: Path) -> None:
    run = "import sys\nfrom golayer.cli import main\nmain(sys.argv[1:])\n"
    off = "import builtins, dataclasses\ndataclasses.exec = builtins.exec  # install() then stands aside\n" + run
    outs = []
    for code in (run, off):
        cp = subprocess.run([sys.executable, "-c", code, "lint", "-f", "json", "Dockerfile", "svc.Dockerfile"],
                            cwd=repo, env=_child_env(), capture_output=True, text=True, timeout=120)
        assert cp.returncode == 1 and cp.stdout, cp.stderr
        outs.append(cp.stdout)
    assert outs[0] == outs[1]
    probe = "import dataclasses\nfrom golayer import _dccache\nprint(_dccache.install(), dataclasses.exec.__module__)"
    cp = subprocess.run([sys.executable, "-c", probe], env=_child_env(), capture_output=True, text=True)
    assert cp.stdout.split() == ["True", "golayer._dccache"], cp.stderr


def test_glob_match_is_fnmatchcase() -> None:
    """The knowledge tables' glob test skips fnmatch's regex only where it cannot match: same answers."""
    import fnmatch
    import random

    from golayer.knowledge import bases, glob_match, images

    patterns = [p for e in images.entries() for p in e["repos"] + e["tags"]]
    patterns += [e["repo"] for e in bases.entries()] + [t for e in bases.entries() for t in e.get("tags", [])]
    patterns += ["*", "?", "a[]]b", "a[b", "a]b", "[!x]y", "x*y*z", "x?y", "*-controller", "a[bc]", "ab[", ""]
    names = [ex for e in images.entries() for ex in e["examples"]] + ["", "a", "ab", "a]b", "a[b", "xyz", "xaybz"]
    rng = random.Random(12)
    for p in patterns:
        own = [p, p + "x", "x" + p, p[1:], p[:-1]]  # and names built from it, wildcards filled or kept
        own += ["".join(rng.choice(["", "x", "-", "/", c]) if c in "*?[]" else c for c in p) for _ in range(6)]
        for n in names + own:
            assert glob_match(n, p) == fnmatch.fnmatchcase(n, p), (n, p)
