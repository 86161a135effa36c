"""A small Go project written in the test: compose (override, extends, include, interpolation), bake
(hcl and json), a Makefile `docker build -t`, a kustomize base + overlay with patches, an example
directory and a symlink that leaves the tree."""

from __future__ import annotations

from pathlib import Path

GO_DOCKERFILE = """\
FROM golang:1.23 AS build
WORKDIR /src
COPY go.mod ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app
FROM gcr.io/distroless/static-debian12 AS runtime
COPY --from=build /out/app /app
USER 65532:65532
ENTRYPOINT ["/app"]
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def project(root: Path) -> Path:
    write(root, {
        "go.mod": "module example.com/app\n\ngo 1.23\n",
        "cmd/app/main.go": "package main\n\nfunc main() {}\n",
        "build/api.Dockerfile": GO_DOCKERFILE,
        "build/api.Dockerfile.dockerignore": ".git\n",
        ".dockerignore": "*\n!go.mod\n",
        "worker/Dockerfile-worker": GO_DOCKERFILE,
        "worker/go.mod": "module example.com/worker\n\ngo 1.22\n",
        "tools/Dockerfile": GO_DOCKERFILE,
        ".env": "API_MEM=768MiB\n",
        "compose.yaml": """\
services:
  api:
    build:
      context: .
      dockerfile: build/api.Dockerfile
      args:
        - GO_VERSION=1.23
      target: ${API_TARGET:-runtime}
    image: acme/api:${TAG:-dev}
    mem_limit: 1g
    environment:
      GOMEMLIMIT: ${API_MEM}
      LOG: info
  worker:
    extends:
      file: common.yaml
      service: gobase
    build:
      context: ./worker
      dockerfile: Dockerfile-worker
  redis:
    image: redis:7
include:
  - extra/compose.yaml
""",
        "compose.override.yaml": """\
services:
  api:
    build:
      args:
        EXTRA: "1"
    environment:
      LOG: debug
      GOMEMLIMIT: ${NOPE:-${ALSO_NOPE:-921MiB}}
    ports: ["8080:8080"]
  debugonly:
    environment:
      X: "1"
""",
        "common.yaml": """\
services:
  gobase:
    image: acme/worker
    mem_limit: 512m
    environment:
      GOMEMLIMIT: 460MiB
""",
        "extra/compose.yaml": """\
services:
  sidecar:
    build: .
    mem_limit: 256m
""",
        "extra/Dockerfile": GO_DOCKERFILE,
        "docker-bake.hcl": """\
variable "TAG" { default = "v1" }
target "tools" {
  context = "tools"
  tags = ["acme/tools:${TAG}"]
  args = { CGO_ENABLED = "0" }
}
""",
        "Makefile": """\
IMAGE ?= acme/api
image:
\tdocker build -t acme/api-make:latest \\
\t  -f build/api.Dockerfile --build-arg VERSION=1 .
\tdocker build -t $(IMAGE):$(VERSION) .
""",
        "deploy/base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
        "deploy/base/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: acme/api:dev
          resources:
            limits: {memory: 1Gi}
""",
        "deploy/prod/kustomization.yaml": """\
resources:
  - ../base
patches:
  - path: memory.yaml
images:
  - name: acme/api
    newTag: v2
""",
        "deploy/prod/memory.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          env:
            - name: GOMEMLIMIT
              value: 2GiB
""",
        "examples/demo/deploy.yaml": """\
apiVersion: v1
kind: Pod
metadata: {name: demo}
spec:
  containers:
    - name: demo
      image: demo
""",
        "examples/compose.yaml": "services:\n  ex:\n    image: ex\n",
    })
    return root
