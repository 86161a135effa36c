"""Speed must not change results: worker processes and the per-batch caches give the same report."""

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STAGES = [
    "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go env -w GOPROXY=direct\n"
    "RUN CGO_ENABLED=0 go build -o /app ./cmd/{i}\n",
    "FROM golang:1.21-alpine AS build\nRUN apk add git\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\n"
    "RUN go build -o /app .\n",
    "FROM golang:1.23 AS build\nARG TARGETARCH\nRUN --mount=type=cache,target=/root/.cache/go-build "
    "GOARCH=$TARGETARCH go build -o /app .\n",
]
FINALS = [
    "FROM scratch\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n",
    "FROM alpine:3.19\nCOPY --from=build /app /usr/bin/app\nCMD app serve\n",
    "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\nUSER nonroot\n"
    "ENTRYPOINT [\"/app\"]\n",
    "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nCOPY --from=build /app /app\n",
]
GO = [
    'package main\n\nimport "time"\n\nfunc main() { time.LoadLocation("Europe/Paris") }\n',
    'package main\n\nimport "net/http"\n\nfunc main() { http.Get("https://example.com") }\n',
    'package main\n\n// #include <stdio.h>\nimport "C"\n\nfunc main() {}\n',
    'package main\n\nfunc main() {}\n',
]


def generate(root: Path, n: int = 64) -> None:
    """n Dockerfiles over a few repositories: nested build contexts share Go files (the per-batch file
    cache), contexts differ in what their sources do (the rules that read them)."""
    for i in range(n):
        repo = root / f"repo{i % 5}"
        (repo / "cmd" / str(i)).mkdir(parents=True, exist_ok=True)
        (repo / "go.mod").write_text("module example.com/r\n\ngo 1.22\n")
        (repo / "cmd" / str(i) / "main.go").write_text(GO[i % len(GO)])
        if i % 3 == 0:
            (repo / "internal").mkdir(exist_ok=True)
            (repo / "internal" / f"f{i}.go").write_text(GO[(i + 1) % len(GO)])
        text = STAGES[i % len(STAGES)].format(i=i) + FINALS[i % len(FINALS)]
        where = repo / "cmd" / str(i) / "Dockerfile" if i % 2 else repo / f"{i}.Dockerfile"
        where.write_text(text)


def run(files: list[str], jobs: str | None) -> tuple[int, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("GOLAYER_STRICT", None)
    env.pop("GOLAYER_JOBS", None)
    if jobs is not None:
        env["GOLAYER_JOBS"] = jobs
    r = subprocess.run([sys.executable, "-m", "golayer", "lint", "--format", "json", *files],
                       capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode in (0, 1), r.stderr[-2000:]
    return r.returncode, r.stdout


def test_default_workers_and_one_process_give_identical_output(tmp_path):
    generate(tmp_path)
    from golayer.commands.lint import discover

    files = [str(p) for p in discover([tmp_path])]
    assert len(files) == 64  # above the fork threshold: the default run uses worker processes
    serial = run(files, "1")
    default = run(files, None)
    assert default == serial  # byte-identical report and the same exit code
    doc = json.loads(serial[1])
    assert doc["findings"] and {d["file"] for d in doc["dockerfiles"]} == set(files)
    assert [d["file"] for d in doc["dockerfiles"]] == files  # input order, whatever worker ran a file


def test_batched_go_source_scan_equals_a_fresh_scan_per_file(tmp_path):
    from golayer.commands.lint import discover
    from golayer.dockerfile import final
    from golayer.dockerfile.engine import lint_path

    generate(tmp_path, 24)
    files = discover([tmp_path])

    def facts(batched: bool):
        out = []
        for f in files:
            model, _ = lint_path(f, content=f.read_text())
            model.__dict__.pop("_go_source_facts", None)
            if batched:
                out.append(final.go_source_facts(model))
            else:
                with final.batch():  # a batch of one: nothing shared with the other files
                    out.append(final.go_source_facts(model))
        return out

    fresh = facts(False)
    with final.batch():
        shared = facts(True)
    assert shared == fresh
    assert any(x and x.load_location for x in fresh) and any(x and x.imports_c for x in fresh)


GO_MORE = [
    'package main\n\nimport "crypto/tls"\n\nfunc main() { tls.Dial("tcp", "x:443", nil) }\n',
    'package main\n\nimport "net/http"\n\nconst Docs = "https://example.com/docs"\n\nfunc main() { http.Get(Docs) }\n',
    'package main\n\nimport "os"\n\nfunc main() { os.ReadFile("config/app.yaml"); os.Open("/etc/x") }\n',
    'package main\n\nimport _ "time/tzdata"\nimport "github.com/joho/godotenv"\n\nfunc main() { godotenv.Load() }\n',
    'package main\n\nimport "html/template"\n\nvar t = template.Must(template.ParseFiles("web/index.html"))\n',
]


def _eager_reference(ctx: Path):
    """Every fact computed at once for every file, with the rules' plain definitions (no pre-tests)."""
    import os

    from golayer.dockerfile import final

    paths = []
    for root, dirs, names in os.walk(ctx):
        dirs[:] = [x for x in dirs if not x.startswith(".") and x not in final._SKIP_DIRS]
        for n in names:
            p = os.path.join(root, n)
            if n.endswith(".go") and not n.endswith("_test.go") and not os.path.islink(p):
                paths.append(p)
    load, tls, import_c, opened, tz = [], [], [], [], False
    for p in paths:
        data = Path(p).read_bytes()
        rel = os.path.relpath(p, ctx)
        if b"LoadLocation(" in data:
            load.append(rel)
        tz = tz or b'"time/tzdata"' in data
        if any(n in data for n in final._TLS_DIAL) or (
                any(n in data for n in final._HTTP_CLIENT) and any(n in data for n in final._HTTPS_LITERAL)
                and final._HTTPS_ARG.search(data)):
            tls.append(rel)
        if final._IMPORT_C.search(data):
            import_c.append(rel)
        opened += [(f, rel) for f in final._opened(data)]
    return (len(paths), load, tz, tls, import_c, opened)


def test_lazy_source_facts_equal_eager_ones(tmp_path):
    """The costly facts (TLS clients, opened files, `import "C"`) are computed only when a rule reads them; they must
    be what computing everything at once gives, in the same order, inside a batch or not."""
    from golayer.dockerfile import final
    from golayer.dockerfile.build import build_model

    for i, src in enumerate(GO + GO_MORE):
        d = tmp_path / ("pkg" if i % 2 else "cmd") / f"p{i}"
        d.mkdir(parents=True)
        (d / "main.go").write_text(src)
        (d / "main_test.go").write_text(GO_MORE[0])  # tests are not scanned
    (tmp_path / "vendor" / "x").mkdir(parents=True)
    (tmp_path / "vendor" / "x" / "x.go").write_text(GO_MORE[0])
    (tmp_path / "Dockerfile").write_text("FROM golang:1.22\nCOPY . .\n")
    ref = _eager_reference(tmp_path)
    assert ref[3] and ref[4] and ref[5] and ref[1] and ref[2]  # every kind of fact occurs
    for batched in (False, True):
        with final.batch() if batched else contextlib.nullcontext():
            for order in ("tls-first", "opened-first"):
                model = build_model(tmp_path / "Dockerfile")
                src = final.go_source_facts(model)
                if order == "tls-first":
                    got_tls, got_opened = src.outbound_tls, src.opened_files
                else:
                    got_opened, got_tls = src.opened_files, src.outbound_tls
                assert (src.files, src.load_location, src.imports_tzdata, got_tls, src.imports_c,
                        got_opened) == ref



# The forked pool runs in a fresh interpreter: forking is only safe before the Go parser is loaded,
# which other tests in this process may have done.
FORK_SCRIPT = """
import os, sys
from pathlib import Path
from golayer.commands import lint as cmd
from golayer.config import Config
files = cmd.discover([Path(sys.argv[1])])
jobs = [(p, None, Config(), None, None, None, True) for p in files]
parent = os.getpid()
real = cmd._lint_one
case = sys.argv[2]
if case == "order":
    seen = []
    got = cmd._fork_map(jobs, 3, lambda done, total: seen.append((done, total)))
    assert [r[0] for r in got] == [str(p) for p in files]
    assert seen[-1] == (len(jobs), len(jobs)) and seen == sorted(seen), seen
    assert "multiprocessing" not in sys.modules
elif case == "error":
    def boom(path, *rest):
        if path == files[5]:
            raise ValueError("cannot lint " + path.name)
        return real(path, *rest)
    cmd._lint_one = boom
    try:
        cmd._fork_map(jobs, 2)
    except ValueError as exc:
        assert "cannot lint" in str(exc)
    else:
        raise AssertionError("no error")
elif case == "dies":
    expected = cmd.run_lint(files, Config()).findings
    def dies_in_a_worker(path, *rest):
        if os.getpid() != parent and path == files[7]:
            os._exit(9)  # killed, out of memory: no result, no error
        return real(path, *rest)
    cmd._lint_one = dies_in_a_worker
    try:
        cmd._fork_map(jobs, 2)
    except cmd._WorkerLost:
        pass
    else:
        raise AssertionError("the lost worker went unnoticed")
    assert cmd.run_lint(files, Config()).findings == expected  # run_lint lints serially instead
print("ok")
"""


@pytest.mark.parametrize("case", ["order", "error", "dies"])
def test_forked_workers(tmp_path, case):
    """Results in input order with progress and without multiprocessing; an error in a worker is raised
    in the parent; a worker that dies without a word makes run_lint lint serially, same findings."""
    generate(tmp_path, 50)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("GOLAYER_JOBS", None)
    r = subprocess.run([sys.executable, "-c", FORK_SCRIPT, str(tmp_path), case], capture_output=True, text=True,
                       timeout=300, env=env)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-3000:]
