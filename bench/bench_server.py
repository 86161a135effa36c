"""Latency of `golayer server`: diagnostics for a 100-line Dockerfile after warm-up.

Measures (1) the analysis the server runs per document (in-process, the same call the server makes) and
(2) the full round trip through a real LSP session over stdio: didChange sent -> publishDiagnostics received,
minus the server's debounce. Reports median / p90 / max over N edits. Usage: python bench/bench_server.py [N]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def dockerfile_100() -> str:
    lines = ["# syntax=docker/dockerfile:1", "ARG GO_VERSION=1.23", "FROM golang:${GO_VERSION} AS build",
             "WORKDIR /src", "ENV CGO_ENABLED=0 GOFLAGS=-trimpath", "COPY go.mod go.sum ./",
             "RUN --mount=type=cache,target=/go/pkg/mod go mod download", "COPY . ."]
    i = 0
    while len(lines) < 90:
        lines += [f"# step {i}", f"RUN --mount=type=cache,target=/root/.cache/go-build go build -o /out/tool{i} ./cmd/tool{i}",
                  f"RUN go env -w GOPRIVATE=example.com/{i}" if i % 7 == 0 else f"ENV STEP{i}=value{i}"]
        i += 1
    lines += ["FROM gcr.io/distroless/static-debian12:nonroot", "COPY --from=build /out/ /usr/local/bin/",
              "USER 65532:65532", 'ENTRYPOINT ["/usr/local/bin/tool0"]']
    while len(lines) < 100:
        lines.append(f"LABEL x{len(lines)}=y")
    return "\n".join(lines) + "\n"


def in_process(n: int, path: Path, text: str) -> list[float]:
    from golayer.server.analysis import ConfigCache, analyse

    configs = ConfigCache()
    for _ in range(5):
        analyse(str(path), text, "dockerfile", configs)
    out = []
    for k in range(n):
        t = text + f"# edit {k}\n"
        t0 = time.perf_counter()
        analyse(str(path), t, "dockerfile", configs)
        out.append(time.perf_counter() - t0)
    return out


class Rpc:
    def __init__(self, cwd: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        self.p = subprocess.Popen([sys.executable, "-m", "golayer", "server"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, cwd=cwd, env=env)
        self.id = 0

    def send(self, method: str, params: dict, request: bool = False) -> None:
        msg: dict = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.id += 1
            msg["id"] = self.id
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def read(self) -> dict:
        length = 0
        while True:
            line = self.p.stdout.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.p.stdout.read(length))

    def wait(self, method: str) -> dict:
        while True:
            msg = self.read()
            if msg.get("method") == method or (method == "response" and "id" in msg and "method" not in msg):
                return msg


def round_trip(n: int, path: Path, text: str) -> list[float]:
    from golayer.server.lsp import DEBOUNCE

    rpc = Rpc(path.parent)
    rpc.send("initialize", {"processId": None, "rootUri": path.parent.as_uri(), "capabilities": {}}, request=True)
    rpc.wait("response")
    rpc.send("initialized", {})
    uri = path.as_uri()
    rpc.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1,
                                                       "text": text}})
    rpc.wait("textDocument/publishDiagnostics")
    out = []
    for k in range(n + 5):
        t0 = time.perf_counter()
        rpc.send("textDocument/didChange", {"textDocument": {"uri": uri, "version": k + 2},
                                            "contentChanges": [{"text": text + f"# edit {k}\n"}]})
        rpc.wait("textDocument/publishDiagnostics")
        if k >= 5:
            out.append(time.perf_counter() - t0 - DEBOUNCE)
    rpc.send("shutdown", {}, request=True)
    rpc.wait("response")
    rpc.send("exit", {})
    rpc.p.wait(10)
    return out


def show(name: str, xs: list[float]) -> None:
    xs = sorted(xs)
    print(f"{name:<34} median {statistics.median(xs) * 1000:6.1f} ms  p90 {xs[int(len(xs) * 0.9) - 1] * 1000:6.1f} ms"
          f"  max {xs[-1] * 1000:6.1f} ms  (n={len(xs)})")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    text = dockerfile_100()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "Dockerfile"
        path.write_text(text)
        (Path(d) / "go.mod").write_text("module example.com/x\n\ngo 1.23\n")
        print(f"100-line Dockerfile ({len(text.splitlines())} lines), {n} edits after warm-up")
        show("analysis (in-process)", in_process(n, path, text))
        show("LSP round trip minus debounce", round_trip(n, path, text))


if __name__ == "__main__":
    main()
