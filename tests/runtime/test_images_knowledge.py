"""The list of well-known images (golayer/knowledge/images.toml) and how it decides a container's language."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from golayer.knowledge import images as known
from tests.runtime.helpers import rules_of, run_json, write


def test_every_entry_parses_and_matches_its_examples():
    data = tomllib.loads(known.DATA.read_text(encoding="utf-8"))
    assert data["schema"] == 1
    for e in data["image"]:
        assert set(e) <= {"repos", "tags", "go", "what", "examples", "sets-gomemlimit"}, e
        assert isinstance(e["go"], bool) and e["what"] and e["repos"] and e["examples"], e
        for ex in e["examples"]:
            hit = known.lookup(ex)
            assert hit is not None and hit.what == e["what"], (ex, hit)


@pytest.mark.parametrize("ref,go", [
    ("redis:7", False), ("docker.io/library/redis:7-alpine", False), ("mirror.gcr.io/library/postgres:16", False),
    ("harbor.example.com/proxy/library/nginx:1.27", False), ("registry.k8s.io/ingress-nginx/controller:v1.11.2", False),
    ("envoyproxy/envoy:v1.31-latest", False), ("confluentinc/cp-kafka:7.6.0", False), ("busybox", False),
    ("influxdb:3-core", False), ("influxdb:2.7", True), ("quay.io/calico/node:v3.28.0", True),
    ("prom/prometheus:v2.53.0", True), ("grafana/grafana:11.1.0", True), ("minio/minio", True),
    ("registry.k8s.io/pause:3.9", False), ("jaegertracing/all-in-one:1.58", True),
])
def test_lookup(ref, go):
    hit = known.lookup(ref)
    assert hit is not None and hit.go is go, hit


@pytest.mark.parametrize("ref", ["registry.example.com/team/api:1.4", "${REGISTRY}/api:1", "myapp", ""])
def test_unknown_images_stay_unknown(ref):
    assert known.lookup(ref) is None


POD = """
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - {name: cache, image: "redis:7", resources: {limits: {memory: 1Gi}}}
  - {name: web, image: "nginx:1.27", resources: {limits: {memory: 1Gi}}}
  - {name: prom, image: "quay.io/prometheus/prometheus:v2.53.0", resources: {limits: {memory: 1Gi}},
     livenessProbe: {}, readinessProbe: {}}
  - {name: mine, image: "registry.example.com/api:1", resources: {limits: {memory: 1Gi}}}
"""


def test_only_go_containers_are_judged_and_each_says_why(tmp_path):
    p = write(tmp_path, POD)
    _, doc = run_json(str(p), assume_go=False)
    by = {c["container"]: c for c in doc["containers"]}
    assert by["cache"]["language"] == "not-go" and "well-known image" in by["cache"]["language_reason"]
    assert by["prom"]["language"] == "go" and by["prom"]["go"]["decided_by"] == "knowledge"
    assert by["mine"]["language"] == "unknown" and by["mine"]["is_go"] is False
    assert [(f["container"], f["rule"]) for f in doc["findings"]] == [("prom", "gomemlimit-missing")]
    assert "well-known image" in doc["findings"][0]["language"]
    # --assume-go: the unknown one is judged too, never the known non-Go ones
    _, doc = run_json(str(p), assume_go=True)
    assert {f["container"] for f in doc["findings"]} == {"prom", "mine"}


def test_config_patterns_beat_the_knowledge(tmp_path):
    (tmp_path / ".golayer.toml").write_text('[runtime]\nnot-go-images = ["quay.io/prometheus/*"]\n'
                                            'go-images = ["redis:*"]\n')
    p = write(tmp_path, POD)
    _, doc = run_json(str(p), cwd=tmp_path, assume_go=False)
    assert {f["container"] for f in doc["findings"]} == {"cache"}


def test_text_output_lists_the_decision(tmp_path):
    from tests.conftest import run_cli

    p = write(tmp_path, POD)
    r = run_cli(["runtime", str(p)])
    assert "Pod/p/cache: not Go (well-known image, Redis-compatible server (C/C++))" in r.out
    assert "Pod/p/mine: unknown (" in r.out and "1 container of unknown language" in r.out


# --- the project's BuildLookup ------------------------------------------------------------------
class _Build:
    def __init__(self, root: Path, images=("registry.example.com/api:1",)):
        self.dockerfile = root / "Dockerfile"
        self.context = root
        self.target = None
        self.build_args = {}
        self.images = images
        self.origin = "Makefile:3 docker build -t"


class _Project:
    def __init__(self, root: Path):
        self.root = root
        self.build = _Build(root)

    def build_for_image(self, ref):
        return self.build if ref and ref.startswith("registry.example.com/api") else None

    def build_for_service(self, compose_file, service):
        return None


GO_DOCKERFILE = """FROM golang:1.25 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/api ./cmd/api
FROM gcr.io/distroless/static-debian12
COPY --from=build /out/api /api
ENTRYPOINT ["/api"]
"""


@pytest.mark.parametrize("go_line,expect_gmp", [("1.24", "ignored"), ("1.25", None)])
def test_project_build_decides_go_and_the_go_line(tmp_path, go_line, expect_gmp):
    from golayer.commands.runtime import run_runtime
    from golayer.config import Config
    from golayer.runtime.detect import project_lookup

    (tmp_path / "Dockerfile").write_text(GO_DOCKERFILE)
    (tmp_path / "go.mod").write_text(f"module example.com/api\n\ngo {go_line}\n")
    p = write(tmp_path, """
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - {name: api, image: "registry.example.com/api:1", resources: {limits: {memory: 1Gi, cpu: "2"}},
             env: [{name: GOMEMLIMIT, value: 900MiB}]}
        """)
    rep = run_runtime([str(p)], Config(), lookup=project_lookup(_Project(tmp_path)))
    [c] = rep.data["containers"]
    assert c["language"] == "go" and c["go"]["decided_by"] == "build"
    assert "built from Dockerfile (Makefile:3 docker build -t), whose final stage holds a Go binary" in \
        c["language_reason"]
    assert c["go"]["go_mod_go_line"] == go_line
    gmp = [f for f in rep.findings if f.rule == "gomaxprocs-cpu-limit"]
    if expect_gmp is None:
        assert gmp == []  # go 1.25: the runtime follows the limit
    else:
        [f] = gmp
        assert f.severity.name == "WARNING" and f"go.mod:3 says go {go_line}" in f.message and str(tmp_path) not in f.message
        assert "raise the go.mod go line to 1.25" in f.message


def test_project_build_without_a_go_binary_is_unknown(tmp_path):
    from golayer.commands.runtime import run_runtime
    from golayer.config import Config
    from golayer.runtime.detect import project_lookup

    (tmp_path / "Dockerfile").write_text("FROM nginx:1.27\nCOPY site /usr/share/nginx/html\n")
    p = write(tmp_path, "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                        "  - {name: api, image: 'registry.example.com/api:1', resources: {limits: {memory: 1Gi}}}\n")
    rep = run_runtime([str(p)], Config(), lookup=project_lookup(_Project(tmp_path)))
    [c] = rep.data["containers"]
    assert c["language"] == "unknown" and "cannot tell" in c["language_reason"]
    assert rep.findings == []


def test_go_mod_facts(tmp_path):
    from golayer.runtime.detect import go_mod_facts

    gm = tmp_path / "go.mod"
    gm.write_text("module x\n\ngo 1.24.2 // comment\n\ntoolchain go1.25.1\n\ngodebug (\n    containermaxprocs=1\n)\n"
                  "godebug updatemaxprocs=0\n")
    assert go_mod_facts(gm) == ("1.24.2", "go1.25.1", {"containermaxprocs": "1", "updatemaxprocs": "0"})
    assert go_mod_facts(tmp_path / "nope") == (None, None, {})
    where: dict = {}
    go_mod_facts(gm, where=where)
    assert where == {"go": 3, "godebug:containermaxprocs": 8, "godebug:updatemaxprocs": 10}


def test_language_neutral_rules_are_opt_in(tmp_path):
    p = write(tmp_path, "kind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n"
                        "      - {name: prom, image: 'prom/prometheus:v2.53.0'}\n")
    _, doc = run_json(str(p), assume_go=False, opt_in=False)
    assert doc["findings"] == []
    _, doc = run_json(str(p), "--select", "GLR", assume_go=False, opt_in=False)
    assert doc["findings"] == []  # a code prefix does not turn an opt-in rule on
    _, doc = run_json(str(p), "--select", "memory-limit-missing,GLR008", assume_go=False, opt_in=False)
    assert sorted(rules_of(doc)) == ["memory-limit-missing", "probes-missing"]


# --- false-positive patterns seen on public repositories (docs/corpus-runtime.md) ---------------
NOT_GO_POD = """
apiVersion: v1
kind: Pod
metadata: {name: fixtures}
spec:
  containers:
  - {name: a, image: "public.ecr.aws/docker/library/nginx:latest", resources: {limits: {memory: 256Mi, cpu: 100m}}}
  - {name: b, image: "registry.k8s.io/pause:latest", resources: {limits: {memory: 10Mi, cpu: 10m}}}
  - {name: c, image: "ghcr.io/zalando/postgres-operator/pgbouncer:v2.0.1", resources: {limits: {memory: 500Mi}}}
  - {name: d, image: "redis:8.10-alpine", resources: {limits: {memory: 1Gi, cpu: "2"}}}
  - {name: e, image: "mysql:8.4", resources: {limits: {memory: 1Gi, cpu: "2"}}}
  - {name: f, image: "scylladb/scylla:5.4.7@sha256:d73f652cbce3622827eeff35a650936d70b2bf2939ea5dd6b7e6c3e8944537fe"}
  - {name: g, image: "busybox", resources: {limits: {memory: 64Mi}}}
  - {name: h, image: "openpolicyagent/nginx", resources: {limits: {memory: 64Mi}}}
  # built by the repository from Java / Python / Node sources: unknown without the project model
  - {name: i, image: "adservice", resources: {limits: {memory: 300Mi, cpu: 300m}}}
  - {name: j, image: "us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/emailservice:v0.10.6",
     resources: {limits: {memory: 128Mi, cpu: 200m}}}
  - {name: k, image: "frontend:lastest", resources: {limits: {memory: 512Mi}}}
"""


def test_non_go_and_unknown_images_get_no_go_finding(tmp_path):
    p = write(tmp_path, NOT_GO_POD)
    _, doc = run_json(str(p), assume_go=False)
    assert doc["findings"] == []
    langs = {c["container"]: c["language"] for c in doc["containers"]}
    assert [k for k, v in langs.items() if v == "not-go"] == list("abcdefg")
    assert [k for k, v in langs.items() if v == "unknown"] == list("hijk")


def test_go_images_with_a_current_go_line_are_not_gomaxprocs_findings(tmp_path):
    """Knowledge says Go but not which version: Go >= 1.25 modules follow the limit, so no finding."""
    p = write(tmp_path, """
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - {name: t, image: "grafana/tempo:3.0.0", resources: {limits: {cpu: "1", memory: 3Gi}},
             env: [{name: GOMEMLIMIT, value: 2700MiB}]}
          - {name: k, image: "ghcr.io/kedacore/keda:latest", resources: {limits: {cpu: "1", memory: 1Gi}},
             env: [{name: GOMEMLIMIT, value: 900MiB}]}
        """)
    _, doc = run_json(str(p), assume_go=False, opt_in=False)
    assert doc["findings"] == []
    assert any("2 Go containers with a CPU limit and an unknown Go version" in n for n in doc["notes"])


@pytest.mark.parametrize("args", [["--enable-auto-gomemlimit"], ["--auto-gomemlimit=true"],
                                  ["--enable-feature=auto-gomemlimit,exemplar-storage"]])
def test_programs_with_their_own_automatic_gomemlimit_flag(tmp_path, args):
    p = write(tmp_path, f"""
        kind: Pod
        metadata: {{name: p}}
        spec:
          containers:
          - {{name: x, image: "quay.io/thanos/thanos:v0.35.1", resources: {{limits: {{memory: 2Gi}}}}, args: {args}}}
        """)
    _, doc = run_json(str(p), assume_go=False, opt_in=False)
    assert doc["findings"] == []
    assert doc["containers"][0]["sets_own_gomemlimit"].startswith("its command line has")


def test_kyverno_sets_its_own_gomemlimit_unless_turned_off(tmp_path):
    p = write(tmp_path, """
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - {name: auto, image: "ghcr.io/kyverno/kyverno:latest", resources: {limits: {memory: 384Mi}}}
          - {name: manual, image: "ghcr.io/kyverno/kyverno:latest", resources: {limits: {memory: 384Mi}},
             args: ["--autoMemLimitEnabled=false"]}
          - {name: ui, image: "ghcr.io/zalando/postgres-operator-ui:v2.0.1", resources: {limits: {memory: 200Mi}}}
          - {name: test, image: "ghcr.io/kyverno/test-verify-image:signed", resources: {limits: {memory: 64Mi}}}
        """)
    _, doc = run_json(str(p), assume_go=False, opt_in=False)
    assert [f["container"] for f in doc["findings"]] == ["manual"]


def test_divisor_zero_as_the_api_server_writes_it_is_the_default(tmp_path):
    """`kubectl get -o yaml` shows an unset divisor as "0": that is divisor 1, the limit in bytes."""
    p = write(tmp_path, """
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
          - name: c
            image: otel/opentelemetry-collector-contrib:0.103.0
            resources: {limits: {memory: 1Gi}}
            env:
            - name: GOMEMLIMIT
              valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: "0"}}
        """)
    _, doc = run_json(str(p), assume_go=False, opt_in=False)
    assert rules_of(doc) == ["gomemlimit-no-headroom"]
    assert "with divisor 0 is 1073741824 bytes" in doc["findings"][0]["message"]


def test_check_judges_only_the_go_services_of_a_compose_file(tmp_path):
    import json as _json

    from tests.conftest import run_cli

    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  cache: {image: 'redis:7', mem_limit: 1g}\n"
        "  db: {image: 'postgres:16', mem_limit: 2g, cpus: 2}\n"
        "  metrics: {image: 'prom/prometheus:v2.53.0', mem_limit: 1g}\n"
        "  app: {image: 'registry.example.com/app:1', mem_limit: 1g}\n")
    r = run_cli(["check", str(tmp_path), "-f", "json"])
    doc = _json.loads(r.out)
    assert [(f["container"], f["rule"]) for f in doc["findings"]] == [("metrics", "gomemlimit-missing")], r.out
    langs = {c["container"]: c["language"] for c in doc["runtime"]["containers"]}
    assert langs == {"cache": "not-go", "db": "not-go", "metrics": "go", "app": "unknown"}
    r = run_cli(["check", str(tmp_path), "--assume-go", "-f", "json"])
    assert {f["container"] for f in _json.loads(r.out)["findings"]} == {"metrics", "app"}


def test_go_debug_directive_in_the_main_package_turns_container_awareness_off(tmp_path):
    from golayer.commands.runtime import run_runtime
    from golayer.config import Config
    from golayer.runtime.detect import main_package_godebug, project_lookup

    (tmp_path / "Dockerfile").write_text(GO_DOCKERFILE)
    (tmp_path / "go.mod").write_text("module example.com/api\n\ngo 1.26\n")
    (tmp_path / "cmd" / "api").mkdir(parents=True)
    (tmp_path / "cmd" / "api" / "main.go").write_text(
        "// Command api.\n//go:debug containermaxprocs=0\npackage main\n\nfunc main() {}\n")
    (tmp_path / "internal").mkdir()
    (tmp_path / "internal" / "x.go").write_text("//go:debug containermaxprocs=1\npackage internal\n")
    assert main_package_godebug(tmp_path) == {"containermaxprocs": "0"}
    p = write(tmp_path, "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                        "  - {name: api, image: 'registry.example.com/api:1', resources: {limits: {memory: 1Gi, cpu: '2'}},"
                        " env: [{name: GOMEMLIMIT, value: 900MiB}]}\n")
    rep = run_runtime([str(p)], Config(), lookup=project_lookup(_Project(tmp_path)))
    [f] = [f for f in rep.findings if f.rule == "gomaxprocs-cpu-limit"]
    # the message names the line that decides, not "go.mod or a //go:debug line"
    assert "(//go:debug in cmd/api/main.go:2) sets containermaxprocs=0" in f.message, f.message
    assert "remove the containermaxprocs=0 directive" in f.message and "go.mod" not in f.message


def test_gomaxprocs_message_names_the_go_mod_godebug_line_that_decides(tmp_path):
    from golayer.commands.runtime import run_runtime
    from golayer.config import Config
    from golayer.runtime.detect import project_lookup

    (tmp_path / "Dockerfile").write_text(GO_DOCKERFILE)
    (tmp_path / "go.mod").write_text("module example.com/api\n\ngo 1.26\n\ngodebug (\n\tpanicnil=1\n"
                                     "\tcontainermaxprocs=0\n)\n")
    (tmp_path / "cmd" / "api").mkdir(parents=True)
    (tmp_path / "cmd" / "api" / "main.go").write_text("package main\n\nfunc main() {}\n")
    p = write(tmp_path, "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                        "  - {name: api, image: 'registry.example.com/api:1', resources: {limits: {memory: 1Gi, cpu: '2'}},"
                        " env: [{name: GOMEMLIMIT, value: 900MiB}]}\n")
    rep = run_runtime([str(p)], Config(), lookup=project_lookup(_Project(tmp_path)))
    [f] = [f for f in rep.findings if f.rule == "gomaxprocs-cpu-limit"]
    assert "a godebug directive of the main module (go.mod:7) sets containermaxprocs=0" in f.message, f.message
    assert "//go:debug" not in f.message and "remove the containermaxprocs=0 directive" in f.message
    # two main packages that agree: the first read is named, the other counted
    (tmp_path / "go.mod").write_text("module example.com/api\n\ngo 1.26\n\ngodebug containermaxprocs=1\n")
    (tmp_path / "cmd" / "api" / "main.go").write_text("//go:debug containermaxprocs=0\npackage main\n")
    (tmp_path / "cmd" / "worker").mkdir()
    (tmp_path / "cmd" / "worker" / "main.go").write_text("//go:debug containermaxprocs=0\npackage main\n")
    rep = run_runtime([str(p)], Config(), lookup=project_lookup(_Project(tmp_path)))
    [f] = [f for f in rep.findings if f.rule == "gomaxprocs-cpu-limit"]
    assert "(//go:debug in cmd/" in f.message and "/main.go:1 and 1 more main package) sets" in f.message, f.message


def test_check_decides_from_the_dockerfile_a_compose_service_is_built_from(tmp_path):
    """The project model (compose `build:`) + the Dockerfile's final stage + the go.mod go line."""
    import json as _json

    from tests.conftest import run_cli

    (tmp_path / "cmd" / "api").mkdir(parents=True)
    (tmp_path / "cmd" / "api" / "main.go").write_text("package main\n\nfunc main() {}\n")
    (tmp_path / "go.mod").write_text("module example.com/api\n\ngo 1.24\n")
    (tmp_path / "Dockerfile").write_text(GO_DOCKERFILE.replace("/out/api ./cmd/api", "/out/api ./cmd/api"))
    (tmp_path / "compose.yaml").write_text("services:\n  api:\n    build: .\n    mem_limit: 1g\n    cpus: 2\n"
                                           "  cache: {image: 'redis:7', mem_limit: 1g}\n")
    r = run_cli(["check", str(tmp_path), "--select", "GLR", "-f", "json"])
    doc = _json.loads(r.out)
    by = {c["container"]: c for c in doc["runtime"]["containers"]}
    assert by["api"]["go"]["decided_by"] == "build" and by["api"]["go"]["go_mod_go_line"] == "1.24", by["api"]
    assert by["cache"]["language"] == "not-go"
    assert sorted(f["rule"] for f in doc["findings"]) == ["gomaxprocs-cpu-limit", "gomemlimit-missing"]
    [g] = [f for f in doc["findings"] if f["rule"] == "gomaxprocs-cpu-limit"]
    assert "but go.mod:3 says go 1.24, so" in g["message"] and g["severity"] == "warning"
