#!/usr/bin/env python3
"""golayer check / runtime vs libyaml's C loader on the same manifests, in one run.

    python bench/bench_manifests.py [--only gen-k8s,gen-monorepo,argoproj+argo-cd,...] [--repeat N]
                                    [--json OUT] [--keep DIR] [--save-json DIR]

Inputs (issue 12: "golayer check stays within 2x of the time libyaml's C loader needs just to load the
same YAML"):

* generated, in a temporary directory, from a fixed seed (the same bytes on every run):
  ``gen-k8s``: hundreds of Deployments / StatefulSets / CronJobs (Go images built by the repository and
  databases, proxies...), CRDs with big openAPIV3 schemas and MB-sized ConfigMaps in multi-document
  install bundles; ``gen-monorepo``: 60 services with a Dockerfile, go.mod and main.go each, 300+
  manifests, a compose project with an override and a profile file (``.env`` interpolation), a kustomize
  base with three overlays (rendered by the real ``kubectl kustomize``);
* real projects' manifests from ``$GOLAYER_CORPUS_DIR`` (default ``~/.cache/golayer/corpus``), extracted
  as ``<owner>+<name>/`` trees (bench/corpus-repos.txt gives their commits).

The YAML the loader gets is exactly the YAML golayer reads: the deployments of ``golayer check DIR``'s
project model (``project.deployments`` of its JSON report): raw Kubernetes files and compose files as
they are, kustomizations rendered once up front by ``kubectl kustomize`` (the loader loads that
output; golayer renders it itself in every run). The loader runs in a fresh process:
``yaml.load_all(text, Loader=yaml.CSafeLoader)`` over every file, errors caught per file.

Paired rounds, tools interleaved (order rotated each round) so both see the same machine load:

* ``check``: ``golayer check DIR -f json`` (includes lint of the Dockerfiles, if any, and the kubectl
  runs);
* ``runtime``: ``golayer runtime -f json FILES`` over the same files (rendered output as files);
* ``loader``: the C loader in a fresh process (its own in-process time is reported too);
* ``kubectl``: ``kubectl kustomize`` of every rendered kustomization, one after the other: kubectl's
  own time, which is not YAML loading; ``check - kubectl`` is reported next to ``check``;
* ``lint``: ``golayer lint DIR -f json``: the Dockerfiles' share of ``check`` (not YAML either; it
  includes one interpreter start, so ``check - kubectl - lint`` is compared with the loader's time
  without its start-up);
* ``start``: ``golayer check EMPTY_DIR -f json`` and ``python -c 'import yaml'``: interpreter and import
  start-up, subtracted for the "without start-up" ratios.

Wall time and CPU time (user+sys of the child and everything it waited for) per tool, medians and
(min-max) over the rounds, ratios per round (golayer run i / loader run i), the load average before and
after. Not a timed test: nothing fails because a machine is slow.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("GOLAYER_CORPUS_DIR") or Path.home() / ".cache/golayer/corpus")
REAL = ["argoproj+argo-cd", "argoproj+argo-workflows", "grafana+loki", "thanos-io+thanos",
        "cloudnative-pg+cloudnative-pg", "kyverno+kyverno", "prometheus-operator+kube-prometheus"]
GENERATED = ["gen-k8s", "gen-monorepo"]

LOADER = r"""
import sys, time, yaml
t, c = time.perf_counter(), time.process_time()
docs = errors = 0
for name in sys.argv[1:]:
    with open(name, encoding="utf-8-sig") as fh:
        text = fh.read()
    try:
        for d in yaml.load_all(text, Loader=yaml.CSafeLoader):
            docs += 1
    except yaml.YAMLError:
        errors += 1
print(time.perf_counter() - t, time.process_time() - c, docs, errors)
"""


# ------------------------------------------------------------------------------------------------
# generated monorepos
# ------------------------------------------------------------------------------------------------
NOT_GO = ["postgres:16.4", "redis:7.2-alpine", "nginx:1.27", "docker.io/library/rabbitmq:3.13",
          "quay.io/prometheus/node-exporter:v1.8.2", "bitnami/kafka:3.7", "envoyproxy/envoy:v1.31.0",
          "node:20-slim", "python:3.12-slim"]
MEM = ["64Mi", "128Mi", "256Mi", "512Mi", "768Mi", "1Gi", "2Gi", "1500M"]
CPU = ["100m", "250m", "500m", "1", "2", "1500m"]


def _word(rng: random.Random, n: int = 8) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))


def _env_block(rng: random.Random, ind: str, mem: str) -> str:
    lines = [f"{ind}env:"]
    for _ in range(rng.randint(1, 6)):
        lines += [f"{ind}- name: {_word(rng, 6).upper()}_{_word(rng, 4).upper()}",
                  f"{ind}  value: \"{_word(rng, 12)}\""]
    r = rng.random()
    if r < 0.25:
        lines += [f"{ind}- name: GOMEMLIMIT", f"{ind}  value: {mem}"]  # k8s syntax: invalid for Go
    elif r < 0.5:
        lines += [f"{ind}- name: GOMEMLIMIT", f"{ind}  valueFrom:", f"{ind}    resourceFieldRef:",
                  f"{ind}      resource: limits.memory"]
    elif r < 0.6:
        lines += [f"{ind}- name: GOGC", f"{ind}  value: \"off\""]
    if rng.random() < 0.3:
        lines += [f"{ind}- name: GOMAXPROCS", f"{ind}  value: \"{rng.randint(1, 8)}\""]
    if rng.random() < 0.2:
        lines += [f"{ind}envFrom:", f"{ind}- configMapRef:", f"{ind}    name: {_word(rng)}"]
    return "\n".join(lines)


def _container(rng: random.Random, ind: str, name: str, image: str) -> str:
    mem = rng.choice(MEM)
    out = [f"{ind}- name: {name}", f"{ind}  image: {image}",
           f"{ind}  args: [\"--port=8080\", \"--log-level=info\"]",
           f"{ind}  ports:", f"{ind}  - containerPort: 8080", f"{ind}    name: http"]
    if rng.random() < 0.85:
        out += [f"{ind}  resources:", f"{ind}    limits:", f"{ind}      memory: {mem}"]
        if rng.random() < 0.6:
            out.append(f"{ind}      cpu: {rng.choice(CPU)}")
        out += [f"{ind}    requests:", f"{ind}      memory: {MEM[0]}", f"{ind}      cpu: 50m"]
    if rng.random() < 0.7:
        out += [f"{ind}  livenessProbe:", f"{ind}    httpGet:", f"{ind}      path: /healthz",
                f"{ind}      port: http", f"{ind}  readinessProbe:", f"{ind}    httpGet:",
                f"{ind}      path: /ready", f"{ind}      port: http"]
    out.append(_env_block(rng, ind + "  ", mem))
    out += [f"{ind}  volumeMounts:", f"{ind}  - name: config", f"{ind}    mountPath: /etc/{name}"]
    return "\n".join(out)


def _pod_spec(rng: random.Random, ind: str, name: str, go_image: str) -> str:
    cs = [_container(rng, ind + "  ", name, go_image)]
    if rng.random() < 0.3:
        cs.append(_container(rng, ind + "  ", "sidecar", rng.choice(NOT_GO)))
    init = ""
    if rng.random() < 0.2:
        init = f"{ind}initContainers:\n" + _container(rng, ind + "  ", "migrate", go_image) + "\n"
    return (f"{ind}serviceAccountName: {name}\n{ind}securityContext:\n{ind}  runAsNonRoot: true\n"
            f"{init}{ind}containers:\n" + "\n".join(cs) + f"\n{ind}volumes:\n{ind}- name: config\n"
            f"{ind}  configMap:\n{ind}    name: {name}-config\n")


def _workload(rng: random.Random, name: str, image: str, ns: str, kind: str | None = None) -> str:
    kind = kind or rng.choices(["Deployment", "StatefulSet", "CronJob", "DaemonSet", "Job"], [60, 15, 12, 8, 5])[0]
    meta = (f"metadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/name: {name}\n"
            f"    app.kubernetes.io/part-of: bench\n")
    if kind == "CronJob":
        return (f"apiVersion: batch/v1\nkind: CronJob\n{meta}spec:\n  schedule: \"*/15 * * * *\"\n"
                f"  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n"
                + _pod_spec(rng, "          ", name, image))
    api = "batch/v1" if kind == "Job" else "apps/v1"
    extra = "  replicas: 3\n" if kind in ("Deployment", "StatefulSet") else ""
    if kind == "StatefulSet":
        extra += f"  serviceName: {name}\n"
    tail = "      restartPolicy: Never\n" if kind == "Job" else ""
    return (f"apiVersion: {api}\nkind: {kind}\n{meta}spec:\n{extra}  selector:\n    matchLabels:\n"
            f"      app.kubernetes.io/name: {name}\n  template:\n    metadata:\n      labels:\n"
            f"        app.kubernetes.io/name: {name}\n      annotations:\n        prometheus.io/scrape: \"true\"\n"
            f"    spec:\n{tail}" + _pod_spec(rng, "      ", name, image))


def _service(name: str, ns: str) -> str:
    return (f"apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n"
            f"  selector:\n    app.kubernetes.io/name: {name}\n  ports:\n  - port: 80\n    targetPort: http\n")


def _configmap(rng: random.Random, name: str, ns: str, size: int) -> str:
    lines = []
    n = 0
    while n < size:
        line = f"    {_word(rng, 6)}.{_word(rng, 5)} = {rng.randint(0, 10**9)} # {_word(rng, 30)}"
        lines.append(line)
        n += len(line) + 1
    return (f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {ns}\ndata:\n"
            f"  settings.conf: |\n" + "\n".join(lines) + f"\n  mode: \"{_word(rng)}\"\n")


def _schema(rng: random.Random, depth: int, width: int) -> dict:
    props = {}
    for i in range(width):
        key = f"{_word(rng, 7)}{i}"
        if depth > 0 and rng.random() < 0.45:
            props[key] = {"type": "object", "description": " ".join(_word(rng) for _ in range(12)),
                          "properties": _schema(rng, depth - 1, width)}
        elif rng.random() < 0.2:
            props[key] = {"type": "array", "items": {"type": "string", "pattern": "^[a-z0-9-]+$"},
                          "description": " ".join(_word(rng) for _ in range(8))}
        else:
            props[key] = {"type": rng.choice(["string", "integer", "boolean"]),
                          "description": " ".join(_word(rng) for _ in range(10))}
    # CRD schemas describe pod templates too: the text holds `template:` at some depth
    props["template"] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    return props


def _crd(rng: random.Random, i: int, width: int) -> str:
    import yaml

    group = f"{_word(rng, 6)}.bench.example.com"
    plural = f"{_word(rng, 6)}s{i}"
    doc = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": f"{plural}.{group}"},
           "spec": {"group": group, "names": {"kind": plural.capitalize(), "plural": plural},
                    "scope": "Namespaced",
                    "versions": [{"name": "v1", "served": True, "storage": True,
                                  "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                                      "spec": {"type": "object", "properties": _schema(rng, 3, width)},
                                      "status": {"type": "object", "properties": _schema(rng, 1, width)}}}}}]}}
    return yaml.dump(doc, Dumper=yaml.CSafeDumper, sort_keys=False, width=120)


def _write(p: Path, text: str) -> None:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def _go_service(d: Path, name: str, rng: random.Random) -> None:
    _write(d / "go.mod", f"module example.com/bench/{name}\n\ngo 1.{rng.choice([22, 23, 24, 25])}\n")
    _write(d / "main.go", "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n\t\"os\"\n)\n\n"
           "func main() {\n\thttp.HandleFunc(\"/\", func(w http.ResponseWriter, r *http.Request) "
           "{ fmt.Fprintln(w, os.Getenv(\"GREETING\")) })\n\thttp.ListenAndServe(\":8080\", nil)\n}\n")
    if rng.random() < 0.5:
        df = ("FROM golang:1.23 AS build\nWORKDIR /src\nCOPY go.mod ./\nRUN go mod download\nCOPY . .\n"
              "RUN CGO_ENABLED=0 go build -o /out/app .\nFROM gcr.io/distroless/static-debian12:nonroot\n"
              "COPY --from=build /out/app /app\nENTRYPOINT [\"/app\"]\n")
    else:
        df = ("FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go env -w GOPROXY=https://proxy.golang.org\n"
              "RUN go build -o /usr/local/bin/app .\nCMD app\n")
    _write(d / "Dockerfile", df)


def generate(dest: Path, kind: str, seed: int = 12) -> Path:
    rng = random.Random(f"{seed}-{kind}")
    root = dest / kind
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    if kind == "gen-k8s":
        # 320 workload files (workload + Service + a small ConfigMap each), 5 install bundles with
        # 6 CRDs (big schemas), 2 MB-sized ConfigMaps and 10 workloads each
        for i in range(320):
            name = f"app-{i:03d}"
            ns = f"team-{i % 12}"
            image = f"ghcr.io/bench/{name}:v1.{i}" if rng.random() < 0.75 else rng.choice(NOT_GO)
            text = "---\n".join([_workload(rng, name, image, ns), _service(name, ns),
                                 _configmap(rng, f"{name}-config", ns, rng.randint(200, 4000))])
            _write(root / "deploy" / ns / f"{name}.yaml", text)
        for b in range(5):
            docs = [_crd(rng, b * 10 + j, 10) for j in range(6)]
            docs += [_configmap(rng, f"bundle-{b}-data-{j}", "bundles", 1_000_000 + rng.randint(0, 400_000))
                     for j in range(2)]
            for j in range(10):
                name = f"bundle-{b}-app-{j}"
                docs += [_workload(rng, name, f"ghcr.io/bench/{name}:v2", "bundles"), _service(name, "bundles")]
            rng.shuffle(docs)
            _write(root / "install" / f"bundle-{b}.yaml", "---\n".join(docs))
        return root
    # gen-monorepo: 60 Go services (Dockerfile + go.mod + main.go + deploy/), compose, kustomize, CRDs
    for i in range(60):
        name = f"svc-{i:02d}"
        d = root / "services" / name
        _go_service(d, name, rng)
        for j in range(5):
            wname = f"{name}-{j}"
            image = f"registry.example.com/bench/{name}:latest" if j < 3 else rng.choice(NOT_GO)
            docs = [_workload(rng, wname, image, "prod"), _service(wname, "prod")]
            if j == 0:
                docs.append(_configmap(rng, f"{wname}-config", "prod", rng.randint(2000, 60_000)))
            _write(d / "deploy" / f"{wname}.yaml", "---\n".join(docs))
    # docker build lines: which image each Dockerfile builds
    _write(root / "Makefile", "up-prod:\n\tdocker compose -f compose.yaml -f compose.prod.yaml up -d\n\nimages:\n" + "".join(
        f"\tdocker build -t registry.example.com/bench/svc-{i:02d}:latest services/svc-{i:02d}\n" for i in range(60)))
    # compose: base + override + a prod file, .env interpolation
    svcs, over, prod = [], [], []
    for i in range(40):
        name = f"svc-{i:02d}"
        svcs.append(f"  {name}:\n    build: ./services/{name}\n    image: registry.example.com/bench/{name}:${{TAG:-latest}}\n"
                    f"    environment:\n      GOMEMLIMIT: ${{GOMEMLIMIT_{i}:-200MiB}}\n      LOG_LEVEL: info\n"
                    f"    mem_limit: ${{MEM_{i}:-256m}}\n    healthcheck:\n      test: [\"CMD\", \"/app\", \"-health\"]\n")
        over.append(f"  {name}:\n    environment:\n      - DEBUG=1\n      - GOGC=${{GOGC:-100}}\n    cpus: \"0.5\"\n")
        prod.append(f"  {name}:\n    deploy:\n      resources:\n        limits:\n          memory: 512M\n          cpus: \"1.5\"\n")
    for db in ("postgres:16.4", "redis:7.2-alpine"):
        svcs.append(f"  {db.split(':')[0]}:\n    image: {db}\n    mem_limit: 1g\n")
    _write(root / "compose.yaml", "services:\n" + "".join(svcs))
    _write(root / "compose.override.yaml", "services:\n" + "".join(over))
    _write(root / "compose.prod.yaml", "services:\n" + "".join(prod))
    _write(root / ".env", "TAG=1.4.2\nGOMEMLIMIT_3=768Mi\nMEM_3=1g\n")
    # kustomize: a base of 20 workloads + 3 overlays with strategic-merge patches
    kb = root / "deploy" / "kustomize" / "base"
    res = []
    for i in range(20):
        name = f"k-{i:02d}"
        _write(kb / f"{name}.yaml", _workload(rng, name, f"registry.example.com/bench/svc-{i:02d}:latest", "default",
                                             kind="Deployment"))
        res.append(f"{name}.yaml")
    _write(kb / "kustomization.yaml", "resources:\n" + "".join(f"- {r}\n" for r in res))
    for ov, mem in (("dev", "128Mi"), ("staging", "512Mi"), ("prod", "2Gi")):
        od = kb.parent / "overlays" / ov
        patches = []
        for i in range(0, 20, 2):
            pname = f"patch-{i:02d}.yaml"
            _write(od / pname, f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: k-{i:02d}\n"
                   "  namespace: default\nspec:\n"
                   f"  template:\n    spec:\n      containers:\n      - name: k-{i:02d}\n        resources:\n"
                   f"          limits:\n            memory: {mem}\n        env:\n        - name: GOMEMLIMIT\n"
                   f"          value: {mem}B\n")
            patches.append(pname)
        _write(od / "kustomization.yaml", f"namespace: {ov}\nnamePrefix: {ov}-\nresources:\n- ../../base\n"
               "patches:\n" + "".join(f"- path: {p}\n" for p in patches))
    # an install bundle with CRDs and a big ConfigMap next to workloads (what operators ship)
    docs = [_crd(rng, j, 10) for j in range(6)]
    docs.append(_configmap(rng, "dashboards", "monitoring", 1_500_000))
    for j in range(8):
        docs.append(_workload(rng, f"operator-{j}", f"ghcr.io/bench/operator:v{j}", "operators"))
    _write(root / "deploy" / "install.yaml", "---\n".join(docs))
    return root


# ------------------------------------------------------------------------------------------------
# measuring
# ------------------------------------------------------------------------------------------------
def run(cmd: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> tuple[float, float, int, str]:
    """(wall s, CPU s = user+sys of the child and every process it waited for, exit code, stdout)"""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                         env=env, cwd=cwd)
    out = p.stdout.read()
    _pid, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, p.returncode, out.decode("utf-8", "replace")


def spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3)}


SRC = ROOT / "src"


def golayer_env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(SRC),
               PYTHONPYCACHEPREFIX=os.environ.get("GOLAYER_BENCH_PYCACHE", "/tmp/golayer-bench-pycache"))
    env.pop("GOLAYER_PROGRESS_DELAY", None)
    return env


def what_golayer_reads(d: Path, tmp: Path, env: dict[str, str]) -> dict:
    """The deployments of `golayer check d`: YAML files read as they are, kustomizations rendered once."""
    _w, _c, rc, out = run([sys.executable, "-m", "golayer", "check", str(d), "-f", "json"], env)
    if rc not in (0, 1):
        raise SystemExit(f"golayer check {d} failed (exit {rc})")
    rep = json.loads(out)
    files: list[str] = []
    kdirs: list[str] = []
    rendered: list[str] = []
    for dep in rep["project"]["deployments"]:
        if dep["kind"] == "kubernetes":
            files.append(dep["path"])
        elif dep["kind"] == "compose":
            files.extend(dep["files"])
        elif dep["kind"] == "kustomize":
            kd = str(Path(dep["path"]).parent)
            p = subprocess.run(["kubectl", "kustomize", kd], capture_output=True, env=dict(os.environ,
                               KUBECONFIG=os.devnull))
            if p.returncode == 0:
                out_file = tmp / f"rendered-{len(kdirs):03d}.yaml"
                out_file.write_bytes(p.stdout)
                kdirs.append(kd)
                rendered.append(str(out_file))
    files = list(dict.fromkeys(files))
    size = sum(Path(f).stat().st_size for f in files + rendered)
    return {"files": files, "kustomize_dirs": kdirs, "rendered": rendered, "bytes": size,
            "dockerfiles": len(rep["project"]["dockerfiles"]), "findings": len(rep["findings"])}


def bench_one(name: str, d: Path, tmp: Path, repeat: int, save_json: Path | None) -> dict:
    env = golayer_env()
    reads = what_golayer_reads(d, tmp, env)
    yaml_files = reads["files"] + reads["rendered"]
    empty = tmp / "empty"
    empty.mkdir(exist_ok=True)
    gl = [sys.executable, "-m", "golayer"]
    cmds = {
        "check": gl + ["check", str(d), "-f", "json"],
        "runtime": gl + ["runtime", "-f", "json", *yaml_files],
        "loader": [sys.executable, "-c", LOADER, *yaml_files],
        "lint": gl + ["lint", str(d), "-f", "json"],
        "start_golayer": gl + ["check", str(empty), "-f", "json"],
        "start_python": [sys.executable, "-c", "import yaml"],
    }
    kenv = dict(os.environ, KUBECONFIG=os.devnull)
    times: dict[str, dict[str, list[float]]] = {k: {"wall": [], "cpu": []} for k in [*cmds, "kubectl"]}
    loader_inproc: list[float] = []
    loader_inproc_cpu: list[float] = []
    load = [os.getloadavg()[0]]
    order = list(cmds) + ["kubectl"]
    for r in range(repeat):
        for key in order[r % len(order):] + order[:r % len(order)]:
            if key == "kubectl":
                w = c = 0.0
                for kd in reads["kustomize_dirs"]:
                    w1, c1, _rc, _o = run(["kubectl", "kustomize", kd], kenv)
                    w, c = w + w1, c + c1
            else:
                w, c, rc, out = run(cmds[key], env if key != "loader" else None)
                if key == "loader":
                    loader_inproc.append(float(out.split()[0]))
                    loader_inproc_cpu.append(float(out.split()[1]))
                if key == "check" and save_json is not None and r == 0:
                    save_json.mkdir(parents=True, exist_ok=True)
                    (save_json / f"{name}.json").write_text(out)
            times[key]["wall"].append(w)
            times[key]["cpu"].append(c)
        load.append(os.getloadavg()[0])

    def ratios(num: str, den: str, what: str, minus: str | tuple[str, ...] | None = None,
               den_minus: str | None = None) -> dict:
        vals = []
        minus = (minus,) if isinstance(minus, str) else minus or ()
        for i in range(repeat):
            a = times[num][what][i] - sum(times[m][what][i] for m in minus)
            b = times[den][what][i] - (times[den_minus][what][i] if den_minus else 0)
            vals.append(a / b if b > 0 else float("inf"))
        return spread(vals)

    res = {
        "name": name, "dir": str(d), "yaml_files": len(yaml_files), "yaml_bytes": reads["bytes"],
        "kustomizations": len(reads["kustomize_dirs"]), "dockerfiles": reads["dockerfiles"],
        "findings": reads["findings"], "load_avg": [round(x, 2) for x in load],
        "times": {k: {m: spread(v) for m, v in t.items()} for k, t in times.items()},
        "loader_in_process": spread(loader_inproc),
        "loader_in_process_cpu": spread(loader_inproc_cpu),
        "ratio": {
            "check/loader wall": ratios("check", "loader", "wall"),
            "check/loader cpu": ratios("check", "loader", "cpu"),
            "(check-kubectl)/loader wall": ratios("check", "loader", "wall", minus="kubectl"),
            "(check-kubectl)/loader cpu": ratios("check", "loader", "cpu", minus="kubectl"),
            "(check-kubectl-lint)/(loader-start) cpu": ratios("check", "loader", "cpu", minus=("kubectl", "lint"),
                                                                den_minus="start_python"),
            "runtime/loader wall": ratios("runtime", "loader", "wall"),
            "runtime/loader cpu": ratios("runtime", "loader", "cpu"),
            "runtime/loader cpu, start-up subtracted": ratios("runtime", "loader", "cpu", minus="start_golayer",
                                                              den_minus="start_python"),
        },
    }
    return res


def show(res: dict) -> None:
    t = res["times"]
    print(f"\n== {res['name']}: {res['yaml_files']} YAML files golayer reads, {res['yaml_bytes'] / 1e6:.1f} MB, "
          f"{res['kustomizations']} kustomizations, {res['dockerfiles']} Dockerfiles, {res['findings']} findings; "
          f"load {res['load_avg'][0]} -> {res['load_avg'][-1]}")
    for k, v in t.items():
        print(f"  {k:14s} wall {v['wall']['median']:7.3f} s ({v['wall']['min']:.3f}-{v['wall']['max']:.3f})"
              f"   cpu {v['cpu']['median']:7.3f} s ({v['cpu']['min']:.3f}-{v['cpu']['max']:.3f})")
    li = res["loader_in_process"]
    lc = res["loader_in_process_cpu"]
    print(f"  loader in-process (no interpreter start): wall {li['median']:.3f} s ({li['min']:.3f}-{li['max']:.3f}),"
          f" cpu {lc['median']:.3f} s ({lc['min']:.3f}-{lc['max']:.3f})")
    for k, v in res["ratio"].items():
        print(f"  {k:42s} {v['median']:.2f}x ({v['min']:.2f}-{v['max']:.2f})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", default=",".join(GENERATED + REAL[:4]),
                    help="comma-separated inputs: gen-k8s, gen-monorepo and <owner>+<name> trees of the corpus")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", default=None, help="write the results here")
    ap.add_argument("--keep", default=None, help="generate into this directory (kept) instead of a temporary one")
    ap.add_argument("--save-json", default=None,
                    help="write golayer check's JSON report of each input here (for before/after comparisons)")
    ap.add_argument("--generate-only", action="store_true", help="only generate the monorepos (with --keep)")
    ap.add_argument("--src", default=None, help="golayer's source tree to run (default: this checkout's src/), "
                                                "e.g. a copy of an older commit's for before/after figures")
    args = ap.parse_args(argv)
    if args.src:
        global SRC
        SRC = Path(args.src).resolve()
    if shutil.which("kubectl") is None:
        print("bench_manifests: kubectl is needed (kustomize overlays are rendered with it)", file=sys.stderr)
        return 2
    out = []
    with tempfile.TemporaryDirectory(prefix="golayer-bench-manifests-") as tmpd:
        tmp = Path(tmpd)
        gen_dir = Path(args.keep) if args.keep else tmp / "gen"
        for name in args.only.split(","):
            name = name.strip()
            if not name:
                continue
            if name in GENERATED:
                d = generate(gen_dir, name)
                if args.generate_only:
                    print(f"generated {d}")
                    continue
            else:
                d = CORPUS / name
                if not d.is_dir():
                    print(f"skipping {name}: not in {CORPUS}", file=sys.stderr)
                    continue
            work = tmp / f"work-{name}"
            work.mkdir()
            res = bench_one(name, d, work, args.repeat, Path(args.save_json) if args.save_json else None)
            show(res)
            out.append(res)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
