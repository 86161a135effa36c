"""The project model as users see it: `golayer check` / `golayer lint` on a project written here."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.project.fixtures import GO_DOCKERFILE, project, write


def _json(r):
    return json.loads(r.out)


def _builds(doc):
    return {(Path(b["dockerfile"]).relative_to(Path(doc["project"]["root"]).resolve())
             if Path(b["dockerfile"]).is_absolute() else b["dockerfile"], b["origin"]): b
            for b in doc["project"]["builds"]}


# --- discovery ------------------------------------------------------------------------------------
def test_discovery_names_and_skipped_dirs(tmp_path, cli):
    names = ["Dockerfile", "Dockerfile-worker", "Containerfile-api", "api.Dockerfile", "Dockerfile.dev",
             "build.containerfile", "vendor/x/Dockerfile", "node_modules/m/Dockerfile", "third_party/t/Dockerfile",
             ".git/Dockerfile", "testdata/Dockerfile", "Dockerfile.md", "Dockerfile-notes.txt"]
    write(tmp_path, {n: "FROM scratch\nCOPY a /a\n" for n in names})
    r = cli(["lint", str(tmp_path), "-f", "json", "--fail-on", "error"])
    files = sorted(Path(d["file"]).relative_to(tmp_path).as_posix() for d in _json(r)["dockerfiles"])
    assert files == ["Containerfile-api", "Dockerfile", "Dockerfile-worker", "Dockerfile.dev", "api.Dockerfile",
                     "build.containerfile"]


SECRET = "ghp_SECRETTOKEN1234567890"


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_symlinks_leaving_the_tree_are_never_read(tmp_path, cli, fmt):
    outside = tmp_path / "home"
    write(outside, {".git-credentials": f"https://user:{SECRET}@github.com\n"})
    repo = write(tmp_path / "repo", {"Dockerfile": GO_DOCKERFILE, "deploy/ok.yaml": "apiVersion: v1\nkind: Pod\n"
                                     "metadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n",
                                     ".git/config": f"[remote]\n\turl = https://u:{SECRET}@h\n"})
    (repo / "Dockerfile.ci").symlink_to(outside / ".git-credentials")
    (repo / "docker").mkdir()
    (repo / "docker" / "Dockerfile").symlink_to("../.git/config")  # inside the tree, but into .git
    (repo / "compose.yaml").symlink_to(outside / ".git-credentials")
    (repo / "deploy" / "leak.yaml").symlink_to(outside / ".git-credentials")
    (repo / "linked").symlink_to(outside, target_is_directory=True)
    for argv in (["check", str(repo)], ["lint", str(repo)]):
        r = cli(argv + ["-f", fmt])
        assert SECRET not in r.out and SECRET not in r.err, argv
    r = cli(["check", str(repo), "-f", "json"])
    skipped = {Path(s["path"]).name: s["reason"] for s in _json(r)["project"]["skipped"]}
    assert skipped["Dockerfile.ci"] == "symlink leaving the tree"
    assert skipped["compose.yaml"] == skipped["leak.yaml"] == skipped["linked"] == "symlink leaving the tree"
    assert skipped["Dockerfile"].startswith("symlink into a hidden")


def test_a_file_that_is_not_a_dockerfile_is_reported_without_its_content(tmp_path, cli):
    p = write(tmp_path, {"Dockerfile.ci": f"https://user:{SECRET}@github.com\n"}) / "Dockerfile.ci"
    for fmt in ("text", "json", "sarif", "github"):
        r = cli(["lint", str(p), "-f", fmt])
        assert r.code == 1 and SECRET not in r.out, fmt
    r = cli(["lint", str(p)])
    assert "not a Dockerfile: no FROM instruction" in r.out and "content not shown" in r.out


def test_a_dockerignore_symlink_leaving_the_context_is_not_read(tmp_path, cli):
    write(tmp_path / "outside", {"ignore": "*\n"})
    repo = write(tmp_path / "repo", {"Dockerfile": "FROM golang:1.23\nWORKDIR /src\nCOPY . .\n"
                                     "RUN go build -o /app .\nFROM scratch\nCOPY --from=0 /app /app\n"})
    (repo / ".dockerignore").symlink_to(tmp_path / "outside" / "ignore")
    doc = _json(cli(["lint", str(repo), "-f", "json"]))
    assert doc["dockerfiles"][0]["dockerignore"] is None


# --- build contexts -------------------------------------------------------------------------------
def test_check_lints_each_dockerfile_with_the_context_it_is_built_with(tmp_path, cli):
    root = project(tmp_path)
    r = cli(["check", str(root), "-f", "json"])
    doc = _json(r)
    by_file = {}
    for d in doc["lint"]["dockerfiles"]:
        by_file.setdefault(Path(d["file"]).relative_to(root).as_posix(), []).append(d)
    api = {d["context_origin"]: d for d in by_file["build/api.Dockerfile"]}
    assert set(api) == {"compose.yaml:3, service api", "Makefile:3 docker build"}
    assert Path(api["compose.yaml:3, service api"]["context"]) == root
    assert api["compose.yaml:3, service api"]["build_target"] == "runtime"  # ${API_TARGET:-runtime}
    # the Dockerfile-specific ignore file wins over the context's .dockerignore
    assert Path(api["compose.yaml:3, service api"]["dockerignore"]) == root / "build/api.Dockerfile.dockerignore"
    assert [Path(d["context"]) for d in by_file["worker/Dockerfile-worker"]] == [root / "worker"]
    assert by_file["worker/Dockerfile-worker"][0]["context_origin"] == "compose.yaml:18, service worker"
    assert by_file["tools/Dockerfile"][0]["context_origin"] == "docker-bake.hcl target tools"
    assert by_file["extra/Dockerfile"][0]["context_origin"] == "extra/compose.yaml:3, service sidecar"
    builds = doc["project"]["builds"]
    api_compose = next(b for b in builds if b["origin"] == "compose.yaml:3, service api")
    # args merged over compose.yaml + compose.override.yaml (list form + mapping form)
    assert api_compose["build_args"] == {"GO_VERSION": "1.23", "EXTRA": "1"}
    assert api_compose["images"] == ["acme/api:dev"]
    make = next(b for b in builds if b["origin"] == "Makefile:3 docker build")
    assert make["images"] == ["acme/api-make:latest"] and make["build_args"] == {"VERSION": "1"}
    # the text output says which context was used
    r = cli(["check", str(root)])
    assert f"note: {root}/worker/Dockerfile-worker: context {root}/worker (from compose.yaml:18, service worker)" in r.out


def test_context_build_arg_and_target_flags(tmp_path, cli):
    root = write(tmp_path, {"app/Dockerfile": "ARG BASE=alpine\nFROM ${BASE} AS one\nFROM scratch AS two\n",
                            "ctx/.dockerignore": ".git\n"})
    r = cli(["check", str(root), "--context", str(root / "ctx"), "--build-arg", "BASE=golang:1.23",
             "--target", "one", "-f", "json", "--fail-on", "error"])
    d = _json(r)["lint"]["dockerfiles"][0]
    assert Path(d["context"]) == root / "ctx" and d["target"] == "one"
    assert d["stages"][0]["base"] == "golang:1.23"
    assert Path(d["dockerignore"]) == root / "ctx/.dockerignore"
    for cmd in ("check", "lint"):
        r = cli([cmd, str(root), "--context", str(root / "nonexistent")])
        assert r.code == 2 and "--context" in r.err and "no such directory" in r.err, cmd


def test_bake_json_variables_inherits(tmp_path):
    from golayer.project import load_project

    root = write(tmp_path, {
        "svc/Dockerfile.prod": GO_DOCKERFILE,
        "docker-bake.json": json.dumps({
            "variable": {"REG": {"default": "ghcr.io/o"}},
            "group": {"default": {"targets": ["prod"]}},
            "target": {"base": {"context": "svc", "args": {"A": "1", "B": "1"}},
                       "prod": {"inherits": ["base"], "dockerfile": "Dockerfile.prod", "args": {"B": "2"},
                                "tags": ["${REG}/svc:1"], "target": "runtime"}}}),
    })
    proj = load_project(root)
    [b] = [b for b in proj.builds if b.origin.startswith("docker-bake")]
    assert (b.dockerfile, b.context, b.target, dict(b.build_args), b.images) == (
        root / "svc/Dockerfile.prod", root / "svc", "runtime", {"A": "1", "B": "2"}, ("ghcr.io/o/svc:1",))
    assert proj.build_for_image("ghcr.io/o/svc:1") is b
    assert proj.build_for_image("ghcr.io/o/svc:2") is b  # another tag of a name only one build makes
    assert proj.build_for_image("unknown/image") is None


def test_build_lookup_by_image_and_service(tmp_path):
    from golayer.project import load_project

    root = project(tmp_path)
    proj = load_project(root)
    assert proj.build_for_image("docker.io/acme/api:dev").dockerfile == root / "build/api.Dockerfile"
    assert proj.build_for_image("acme/tools:v1").origin == "docker-bake.hcl target tools"
    assert proj.build_for_image("redis:7") is None
    assert proj.build_for_service(root / "compose.yaml", "worker").dockerfile == root / "worker/Dockerfile-worker"
    assert proj.build_for_service(root / "compose.override.yaml", "api").images == ("acme/api:dev",)
    assert proj.build_for_service(root / "compose.yaml", "redis") is None
    # compose names an image built without `image:` <project>-<service>
    assert proj.build_for_image(f"{root.name.lower()}-sidecar").dockerfile == root / "extra/Dockerfile"


# --- compose as deployed ----------------------------------------------------------------------------
def test_compose_override_extends_include_interpolation(tmp_path, cli):
    root = project(tmp_path)
    doc = _json(cli(["check", str(root), "-f", "json"]))
    cs = {c["workload"]: c for c in doc["runtime"]["containers"]}
    assert set(cs) >= {"service/api", "service/worker", "service/redis", "service/sidecar"}
    assert "service/debugonly" not in cs  # a service only the override names is not a whole service
    api = cs["service/api"]
    # the override's nested default wins over compose.yaml's ${API_MEM} (.env: 768MiB)
    assert api["gomemlimit"] == "921MiB" and api["memory_limit"] == "1g"
    assert api["image"] == "acme/api:dev"
    worker = cs["service/worker"]  # extends common.yaml's gobase
    assert worker["gomemlimit"] == "460MiB" and worker["memory_limit"] == "512m"
    sidecar = cs["service/sidecar"]  # include: extra/compose.yaml
    assert Path(sidecar["file"]) == root / "extra/compose.yaml"
    # included files are not judged a second time on their own
    assert [d["kind"] for d in doc["project"]["deployments"]].count("compose") == 1


def test_a_value_set_by_the_override_is_reported_in_the_override(tmp_path, cli):
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: acme/api\n    mem_limit: 1g\n    environment:\n"
                        "      GOMEMLIMIT: 900MiB\n",
        "compose.override.yaml": "services:\n  api:\n    environment:\n      GOMEMLIMIT: 2GiB\n",
    })
    r = cli(["check", str(tmp_path), "-f", "json", "--select", "gomemlimit-no-headroom"])
    [f] = _json(r)["findings"]
    assert Path(f["file"]) == tmp_path / "compose.override.yaml" and f["line"] == 4


def test_override_alone_is_never_judged(tmp_path, cli):
    write(tmp_path, {"deploy/compose.override.yaml": "services:\n  api:\n    image: x\n    mem_limit: 1g\n"})
    r = cli(["check", str(tmp_path), "-f", "json"])
    doc = _json(r)
    assert "runtime" not in doc or not doc["runtime"]["containers"]
    assert any("override without its base" in s["reason"] for s in doc["project"]["skipped"])


def test_compose_file_option_merges_in_order(tmp_path, cli):
    write(tmp_path, {
        "docker-compose.yml": "services:\n  api:\n    image: acme/api\n    mem_limit: 1g\n",
        "docker-compose.prod.yml": "services:\n  api:\n    environment: [GOMEMLIMIT=3GiB]\n",
    })
    r = cli(["check", str(tmp_path), "--compose-file", str(tmp_path / "docker-compose.yml"),
             "--compose-file", str(tmp_path / "docker-compose.prod.yml"), "-f", "json"])
    doc = _json(r)
    [c] = doc["runtime"]["containers"]
    assert c["gomemlimit"] == "3GiB" and c["memory_limit"] == "1g"
    # without the flag the prod file is only a fragment (no image/build): skipped, the base judged alone
    doc = _json(cli(["check", str(tmp_path), "-f", "json"]))
    assert [c["gomemlimit"] for c in doc["runtime"]["containers"]] == [None]
    assert any(s["reason"].startswith("compose fragment") for s in doc["project"]["skipped"])


def test_compose_interpolation_grammar():
    from golayer.project.interpolate import interpolate

    env = {"SET": "v", "EMPTY": ""}
    cases = {"${A:-${B:-921MiB}}": "921MiB", "${EMPTY-x}": "", "${EMPTY:-x}": "x", "${UNSET-x}": "x",
             "$$HOME": "$HOME", "${SET:+alt}": "alt", "${EMPTY+alt}": "alt", "${UNSET:+alt}": "",
             "a${SET}b$SET": "avbv", "${SET:?need it}": "v"}
    for text, want in cases.items():
        assert interpolate(text, env).value == want, text
    assert interpolate("${UNSET:?need it}", env).value is None
    assert "requires ${UNSET}" in interpolate("${UNSET?x}", env).note
    assert interpolate("${UNSET}", env).value is None


def test_nested_default_is_not_an_invalid_gomemlimit(tmp_path, cli):
    p = write(tmp_path, {"compose.yaml": "services:\n  api:\n    image: a\n    mem_limit: 1g\n    environment:\n"
                                         "      GOMEMLIMIT: ${A:-${B:-921MiB}}\n"}) / "compose.yaml"
    r = cli(["runtime", str(p), "-f", "json"])
    doc = _json(r)
    assert [f["rule"] for f in doc["findings"] if f["rule"] == "gomemlimit-invalid"] == []
    assert doc["containers"][0]["gomemlimit"] == "921MiB" and doc["containers"][0]["gomemlimit_valid"] is True


# --- examples -----------------------------------------------------------------------------------------
def test_examples_are_skipped_and_counted(tmp_path, cli):
    root = project(tmp_path)
    r = cli(["check", str(root), "-f", "json"])
    assert "skipped 2 manifests in example/test/docs directories (--include-examples)" in r.err
    assert not any(Path(c["file"]).relative_to(root).parts[0] == "examples" for c in _json(r)["runtime"]["containers"])
    r = cli(["check", str(root), "-f", "json", "--include-examples"])
    assert any(c["workload"] == "Pod/demo" for c in _json(r)["runtime"]["containers"])
    write(root, {".golayer.toml": "include-examples = true\n"})
    r = cli(["check", str(root), "-f", "json"])
    assert any(c["workload"] == "Pod/demo" for c in _json(r)["runtime"]["containers"])


# --- kustomize -----------------------------------------------------------------------------------------
def test_kustomize_overlay_is_rendered_and_patches_never_judged_alone(tmp_path, cli, kubectl):
    root = project(tmp_path)
    doc = _json(cli(["check", str(root), "-f", "json"]))
    deps = [d for d in doc["project"]["deployments"] if d["kind"] == "kustomize"]
    assert [Path(d["path"]).relative_to(root).as_posix() for d in deps] == ["deploy/prod/kustomization.yaml"]
    ks = [c for c in doc["runtime"]["containers"] if c["workload"] == "Deployment/api"]
    assert len(ks) == 1  # the base is judged only through the overlay; the patch never alone
    [c] = ks
    assert c["image"] == "acme/api:v2" and c["gomemlimit"] == "2GiB" and c["memory_limit"] == "1Gi"
    [f] = [f for f in doc["findings"] if f["rule"] == "gomemlimit-no-headroom"
           and f.get("extra", {}).get("workload", f.get("workload")) == "Deployment/api"] or [
        f for f in doc["findings"] if f["rule"] == "gomemlimit-no-headroom" and "kustomization" in f["file"]]
    assert Path(f["file"]) == root / "deploy/prod/kustomization.yaml" and f["line"] is None


def test_kustomize_remote_resource_is_not_fetched(tmp_path, cli, kubectl):
    write(tmp_path, {"k/kustomization.yaml": "resources:\n  - https://github.com/o/r//deploy?ref=main\n"})
    doc = _json(cli(["check", str(tmp_path), "-f", "json"]))
    [s] = [s for s in doc["project"]["skipped"] if s["path"].endswith("kustomization.yaml")]
    assert "remote resource" in s["reason"]


def test_kustomize_without_a_binary_is_skipped_and_said(tmp_path, cli, monkeypatch):
    root = project(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "nobin"))
    r = cli(["check", str(root), "-f", "json"])
    doc = _json(r)
    reasons = {Path(s["path"]).relative_to(root).as_posix(): s["reason"] for s in doc["project"]["skipped"]}
    assert reasons["deploy/prod/kustomization.yaml"] == "kustomization not rendered: no kubectl or kustomize binary"
    # the base's plain resource is then judged on its own; the patch file still never
    files = {Path(c["file"]).relative_to(root).as_posix() for c in doc["runtime"]["containers"]}
    assert "deploy/base/deployment.yaml" in files and "deploy/prod/memory.yaml" not in files


def test_helm_chart_without_helm_is_skipped_and_templates_never_read(tmp_path, cli, monkeypatch):
    write(tmp_path, {"chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
                     "chart/templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
                     "  name: {{ .Release.Name }}\nspec:\n  template:\n    spec:\n      containers: []\n",
                     "chart/templates/plain.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                     "spec: {containers: [{name: c, image: x}]}\n"})
    monkeypatch.setenv("PATH", str(tmp_path / "nobin"))
    doc = _json(cli(["check", str(tmp_path), "-f", "json"]))
    assert [s["reason"] for s in doc["project"]["skipped"]] == ["helm chart not rendered: no helm binary"]
    assert "runtime" not in doc or not doc["runtime"]["containers"]


def test_produces_go_binary(tmp_path):
    from golayer.dockerfile.build import build_model
    from golayer.dockerfile.final import produces_go_binary

    root = project(tmp_path)
    assert produces_go_binary(build_model(root / "build/api.Dockerfile", context_dir=root)) is True
    p = write(tmp_path, {"web/Dockerfile": "FROM nginx:1.27\nCOPY site /usr/share/nginx/html\n"}) / "web/Dockerfile"
    assert produces_go_binary(build_model(p)) is None
    # the builder stage alone (--target build) builds it too
    assert produces_go_binary(build_model(root / "build/api.Dockerfile", target="build", context_dir=root)) is True


BAKE_HCL = """\
// shared settings
variable "TAG" {
  default = "dev"
}
variable "REGISTRY" { default = "ghcr.io/acme" }
group "default" {
  targets = ["app", "worker"]
}
/* a base only inherited */
target "_common" {
  context = "."
  args = {
    GO_VERSION = "1.23"
    CGO_ENABLED = "0"
  }
}
target "app" {
  inherits = ["_common"]
  dockerfile = "build/app.Dockerfile"
  target = "runtime"
  tags = ["${REGISTRY}/app:${TAG}", "app:latest"]
  args = { CGO_ENABLED = "1" }
  platforms = ["linux/amd64", "linux/arm64"]
}
target "worker" {
  context = "./worker"
  tags = [notequal("", TAG) ? "x" : "y"]
  labels = {
    "org.opencontainers.image.source" = "https://example.com"
  }
}
"""


def test_bake_hcl_subset(tmp_path):
    from golayer.project import bake

    p = write(tmp_path, {"docker-bake.hcl": BAKE_HCL}) / "docker-bake.hcl"
    bf = bake.load(p)
    assert bf.notes == [] and bf.groups == {"default": ["app", "worker"]}
    got = {b["name"]: b for b in bake.builds(bf)}
    assert set(got) == {"app", "worker"}  # _common is only inherited
    app = got["app"]
    assert (app["context"], app["dockerfile"], app["target"]) == (tmp_path / ".", tmp_path / "./build/app.Dockerfile",
                                                                  "runtime")
    assert app["args"] == {"GO_VERSION": "1.23", "CGO_ENABLED": "1"}
    assert app["images"] == ("ghcr.io/acme/app:dev", "app:latest")
    assert got["worker"]["images"] == ()  # a conditional golayer does not evaluate: no tag, never a guess
    bad = write(tmp_path, {"bad/docker-bake.hcl": 'target "x" {\n  context = \n'}) / "bad/docker-bake.hcl"
    assert "not read as a bake file" in bake.load(bad).notes[0]


def test_kustomize_component_is_never_rendered_alone(tmp_path, cli, kubectl):
    write(tmp_path, {
        "base/kustomization.yaml": "resources: [deploy.yaml]\n",
        "base/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n"
                            "    spec:\n      containers: [{name: a, image: a}]\n",
        "components/mem/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                                             "patches: [{path: patch.yaml}]\n",
        "components/mem/patch.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n"
                                     "  template:\n    spec:\n      containers: [{name: a, env: [{name: GOGC, value: 'off'}]}]\n",
    })
    doc = _json(cli(["check", str(tmp_path), "-f", "json"]))
    assert [(d["kind"], Path(d["path"]).relative_to(tmp_path).as_posix()) for d in doc["project"]["deployments"]] == [
        ("kustomize", "base/kustomization.yaml")]
    assert [c["gogc"] for c in doc["runtime"]["containers"]] == [None]


def test_check_an_override_file_merges_it_over_its_base(tmp_path, cli):
    root = project(tmp_path)
    doc = _json(cli(["check", str(root / "compose.override.yaml"), "-f", "json"]))
    cs = {c["workload"]: c for c in doc["runtime"]["containers"]}
    assert cs["service/api"]["gomemlimit"] == "921MiB" and cs["service/api"]["memory_limit"] == "1g"
    alone = write(tmp_path, {"other/docker-compose.override.yml": "services:\n  a:\n    image: x\n"})
    doc = _json(cli(["check", str(alone / "other/docker-compose.override.yml"), "-f", "json"]))
    assert "runtime" not in doc and doc["project"]["skipped"][0]["reason"].startswith("compose override without")


def test_a_build_context_outside_the_scanned_tree_is_not_read(tmp_path, cli):
    write(tmp_path, {"go.mod": "module x\n\ngo 1.21\n",
                     "sub/compose.yaml": "services:\n  a:\n    build: {context: .., dockerfile: sub/Dockerfile}\n",
                     "sub/Dockerfile": GO_DOCKERFILE})
    doc = _json(cli(["check", str(tmp_path / "sub"), "-f", "json"]))
    [d] = doc["lint"]["dockerfiles"]
    assert Path(d["context"]) == tmp_path / "sub" and "context_origin" in d
    assert any("outside the scanned tree" in n for n in doc["project"]["notes"])
    doc = _json(cli(["check", str(tmp_path), "-f", "json"]))  # from the root the same build is in the tree
    assert [Path(d["context"]) for d in doc["lint"]["dockerfiles"]] == [tmp_path]


def test_compose_file_lists_in_the_repositorys_makefile_are_merged(tmp_path, cli):
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: acme/api\n    mem_limit: 1g\n",
        "compose.prod.yaml": "services:\n  api:\n    environment: {GOMEMLIMIT: 3GiB}\n",
        "compose.extra.yaml": "services:\n  extra:\n    image: acme/extra\n",
        "Makefile": "up:\n\tdocker compose -f compose.yaml \\\n\t  -f compose.prod.yaml up -d\n"
                    "dev:\n\tdocker compose -f $(BASE) -f compose.extra.yaml up\n",
    })
    doc = _json(cli(["check", str(tmp_path), "-f", "json"]))
    deps = [[Path(f).name for f in d["files"]] for d in doc["project"]["deployments"]]
    # the literal list is a project; compose.yaml alone is `docker compose up`'s default project;
    # the $(BASE) line is unknown, so compose.extra.yaml stays a project of its own
    assert sorted(deps) == [["compose.extra.yaml"], ["compose.yaml"], ["compose.yaml", "compose.prod.yaml"]]
    merged = [c for c in doc["runtime"]["containers"] if c["gomemlimit"] == "3GiB"]
    assert len(merged) == 1 and merged[0]["memory_limit"] == "1g"
    # the same finding from both deployments of compose.yaml is reported once
    keys = [(f["file"], f["line"], f["rule"], f["message"]) for f in doc["findings"]]
    assert len(keys) == len(set(keys))


def test_helm_chart_is_rendered_by_the_helm_on_path(tmp_path, cli, monkeypatch):
    """No PyPI package ships a helm binary, so this stands one in that prints what `helm template`
    would (the wiring: argv, values files, output judged and attributed to Chart.yaml)."""
    chart = write(tmp_path, {"chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
                             "chart/templates/d.yaml": "{{ .Values.x }}\n", "prod.yaml": "x: 1\n"})
    bindir = tmp_path / "bin"
    bindir.mkdir()
    helm = bindir / "helm"
    helm.write_text("#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/argv\"\ncat <<'EOF'\n---\napiVersion: apps/v1\n"
                    "kind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n"
                    "        - name: web\n          image: acme/web\n          resources: {limits: {memory: 1Gi}}\n"
                    "          env: [{name: GOMEMLIMIT, value: 2GiB}]\nEOF\n")
    helm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ.get('PATH', '')}")
    doc = _json(cli(["check", str(chart), "--values", str(tmp_path / "prod.yaml"), "-f", "json"]))
    assert (bindir / "argv").read_text().split() == ["template", "golayer", str(tmp_path / "chart"), "--values",
                                                      str(tmp_path / "prod.yaml")]
    [f] = [f for f in doc["findings"] if f["rule"] == "gomemlimit-no-headroom"]
    assert Path(f["file"]) == tmp_path / "chart/Chart.yaml" and f["line"] is None


def test_a_dotenv_symlink_leaving_the_directory_is_not_read(tmp_path, cli):
    write(tmp_path / "outside", {"env": f"TOKEN={SECRET}\n"})
    repo = write(tmp_path / "repo", {"compose.yaml": "services:\n  a:\n    image: x\n    mem_limit: 1g\n"
                                                   "    environment:\n      GOMEMLIMIT: ${TOKEN}\n"})
    (repo / ".env").symlink_to(tmp_path / "outside" / "env")
    for argv in (["check", str(repo)], ["runtime", str(repo / "compose.yaml")]):
        for fmt in ("text", "json"):
            r = cli(argv + ["-f", fmt])
            assert SECRET not in r.out + r.err, argv


def test_lint_a_directory_uses_the_project_contexts(tmp_path, cli):
    root = project(tmp_path)
    r = cli(["lint", str(root / "worker"), "-f", "json"])  # the compose file is not below worker/: its own dir
    assert [d.get("context_origin") for d in _json(r)["dockerfiles"]] == ["directory of the Dockerfile"]
    r = cli(["lint", str(root), "-f", "json"])
    worker = [d for d in _json(r)["dockerfiles"] if d["file"].endswith("Dockerfile-worker")]
    assert [(Path(d["context"]), d["context_origin"]) for d in worker] == [
        (root / "worker", "compose.yaml:18, service worker")]
    r = cli(["lint", str(root)])
    assert "(from docker-bake.hcl target tools)" in r.out


WOODPECKER = """\
variables:
  - &buildx 'docker.io/woodpeckerci/plugin-docker-buildx:6.1.1'
steps:
  vendor:
    image: golang:1.23
    commands: [go mod vendor]
  publish-server:
    image: *buildx
    settings:
      repo: acme/server,quay.io/acme/server
      dockerfile: docker/Dockerfile.server
      build_args: VERSION=1.2,SHA=${CI_COMMIT_SHA}
      target: runtime
  publish-agent:
    image: codeberg.org/woodpecker-plugins/docker-buildx
    directory: agent
    settings:
      repo: [acme/agent]
  from-a-variable:
    image: *buildx
    settings:
      context: ${CI_WORKSPACE}/sub
      dockerfile: docker/Dockerfile.other
  from-an-earlier-step:
    image: *buildx
    settings:
      context: dist
      dockerfile: docker/Dockerfile.other
"""

DRONE = """\
kind: pipeline
type: docker
name: default
steps:
- name: test
  image: golang:1.23
  commands: [go test ./...]
- name: image
  image: plugins/docker
  settings:
    repo: acme/tool
    dockerfile: tools/Dockerfile
    context: tools
- name: another-registry
  image: quay.io/plugins/docker
  settings:
    dockerfile: docker/Dockerfile.other
---
kind: secret
name: token
"""


def test_woodpecker_and_drone_plugin_steps_are_builds(tmp_path, cli):
    """The docker plugins run `docker [buildx] build -f <dockerfile> <context>` in the step's working
    directory, dockerfile defaulting to Dockerfile and context to '.' (their sources, docs/project.md)."""
    write(tmp_path, {
        "go.mod": "module example.com/app\n\ngo 1.23\n", "cmd/app/main.go": "package main\n\nfunc main() {}\n",
        ".woodpecker/docker.yaml": WOODPECKER, ".drone.yml": DRONE,
        "docker/Dockerfile.server": GO_DOCKERFILE, "docker/Dockerfile.other": GO_DOCKERFILE,
        "agent/Dockerfile": GO_DOCKERFILE, "agent/go.mod": "module example.com/agent\n",
        "tools/Dockerfile": GO_DOCKERFILE,
    })
    doc = _json(cli(["check", str(tmp_path), "-f", "json"]))
    builds = {Path(b["dockerfile"]).relative_to(tmp_path).as_posix(): b for b in doc["project"]["builds"]}
    server = builds["docker/Dockerfile.server"]
    assert Path(server["context"]) == tmp_path and server["target"] == "runtime"
    assert server["build_args"] == {"VERSION": "1.2"}  # SHA holds a variable: unknown, dropped
    assert server["images"] == ["acme/server", "quay.io/acme/server"]
    assert server["origin"] == ".woodpecker/docker.yaml:7 woodpecker docker-buildx step publish-server"
    agent = builds["agent/Dockerfile"]  # `directory: agent`: context '.' and Dockerfile there
    assert Path(agent["context"]) == tmp_path / "agent" and agent["images"] == ["acme/agent"]
    assert agent["origin"].startswith(".woodpecker/docker.yaml:14 woodpecker docker-buildx step publish-agent")
    tool = builds["tools/Dockerfile"]
    assert Path(tool["context"]) == tmp_path / "tools" and tool["origin"] == ".drone.yml:8 drone docker step image"
    # a context that holds a variable or that the checkout does not hold (made by an earlier step) is unknown,
    # and an image of the same name on another registry is not the plugin: that Dockerfile keeps its own
    # directory, as without CI
    assert builds["docker/Dockerfile.other"]["origin"] == "directory of the Dockerfile"


def test_check_reads_a_kubernetes_manifest_once_and_judges_it_as_runtime_does(tmp_path, cli, monkeypatch):
    """The project walk reads each manifest (to sniff it) and keeps the bytes; the runtime analysis of
    `golayer check` judges those, it does not open the file again. Same findings and notes as `golayer runtime`
    reading the files itself: a BOM is dropped, bytes that are not UTF-8 are skipped with the same note."""
    import io as _io
    import json as _json

    good = tmp_path / "deploy.yaml"
    good.write_bytes(b"\xef\xbb\xbf# api\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n"
                     b"    spec:\n      containers:\n      - name: api\n        image: example.com/api:1\n"
                     b"        resources: {limits: {memory: 512Mi}}\n        env: [{name: GOGC, value: '50'}]\n")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"apiVersion: v1\nkind: Pod\nmetadata: {name: p\xff}\n")
    opened: list[str] = []
    real_open = _io.open

    def counting_open(file, *a, **k):
        if str(file).endswith(".yaml"):
            opened.append(str(file))
        return real_open(file, *a, **k)

    monkeypatch.setattr(_io, "open", counting_open)
    r = cli(["check", str(tmp_path), "-f", "json", "--select", "GLR"])
    assert sorted(opened) == [str(bad), str(good)], opened  # once each: by the project walk
    doc = _json.loads(r.out)
    monkeypatch.setattr(_io, "open", real_open)
    alone = _json.loads(cli(["runtime", str(good), "-f", "json"]).out)
    key = [(f["rule"], f["line"], f["message"]) for f in doc["findings"]]
    assert key and key == [(f["rule"], f["line"], f["message"]) for f in alone["findings"]]
    err = cli(["runtime", str(bad)]).err
    assert f"golayer: error: {bad}: not UTF-8 text (byte 43)" in err
    assert f"skipped: {bad}: not UTF-8 text (byte 43)" in r.out


def test_a_manifest_that_starts_with_a_byte_order_mark_is_found(tmp_path, cli):
    """Editors on Windows save YAML with a UTF-8 BOM right before `apiVersion:`; `golayer runtime` reads such
    a file, so `golayer check` must find it too."""
    (tmp_path / "deploy.yaml").write_bytes(
        b"\xef\xbb\xbfapiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n"
        b"    spec:\n      containers:\n      - name: api\n        image: example.com/api:1\n"
        b"        resources: {limits: {memory: 512Mi}}\n        env: [{name: GOMEMLIMIT, value: 768Mi}]\n")
    doc = json.loads(cli(["check", str(tmp_path), "-f", "json", "--assume-go"]).out)
    assert [Path(d["files"][0]).name for d in doc["project"]["deployments"]] == ["deploy.yaml"]
    assert "gomemlimit-invalid" in {f["rule"] for f in doc["findings"]}


def test_kept_manifest_bytes_are_bounded(tmp_path, cli, monkeypatch):
    """The walk keeps sniffed manifest bytes for the runtime analysis only up to MAX_KEPT in all; past it a
    manifest is read again when it is judged, with the same findings (memory stays bounded on a tree of
    many big manifests)."""
    import io as _io

    from golayer.project import discover

    doc = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {n}}}\nspec:\n  template:\n    spec:\n"
           "      containers:\n      - name: {n}\n        image: example.com/{n}:1\n"
           "        resources: {{limits: {{memory: 512Mi}}}}\n        env: [{{name: GOMEMLIMIT, value: 768Mi}}]\n")
    for n in ("a", "b"):
        (tmp_path / f"{n}.yaml").write_text(doc.format(n=n))
    args = ["check", str(tmp_path), "-f", "json", "--assume-go"]
    full = json.loads(cli(args).out)["findings"]
    opened: list[str] = []
    real_open = _io.open

    def counting_open(file, *a, **k):
        if str(file).endswith(".yaml"):
            opened.append(Path(file).name)
        return real_open(file, *a, **k)

    monkeypatch.setattr(discover, "MAX_KEPT", len(doc.format(n="a")))  # room for one file's bytes
    monkeypatch.setattr(_io, "open", counting_open)
    capped = json.loads(cli(args).out)["findings"]
    monkeypatch.setattr(_io, "open", real_open)
    assert capped == full and len(full) >= 2
    assert sorted(opened) == ["a.yaml", "b.yaml", "b.yaml"]  # b: sniffed, then read again to be judged
