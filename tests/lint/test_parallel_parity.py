"""Speed must not change results: worker processes and the per-batch caches give the same report."""

import json
import os
import subprocess
import sys
from pathlib import Path

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
