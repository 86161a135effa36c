"""Proofs: a cgo (dynamic) Go binary cannot start on scratch or on a musl rootfs; with
CGO_ENABLED=0 it starts; a static binary on scratch fails time.LoadLocation; GOMEMLIMIT in
Kubernetes quantity syntax kills a Go program at start (exit 2)."""

from __future__ import annotations

import pytest

from tests.lab.helpers import GOCACHE_MOUNT, TZ_NET_MAIN

pytestmark = pytest.mark.docker

DOCKERFILE = f"""FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod main.go ./
RUN {GOCACHE_MOUNT} CGO_ENABLED=1 go build -o /out/app-cgo . && CGO_ENABLED=0 go build -o /out/app-static .

FROM scratch AS scratch-cgo
COPY --from=build /out/app-cgo /app
ENTRYPOINT ["/app"]

FROM alpine:3.20 AS musl-cgo
COPY --from=build /out/app-cgo /app
ENTRYPOINT ["/app"]

FROM scratch AS scratch-static
COPY --from=build /out/app-static /app
ENTRYPOINT ["/app"]

FROM gcr.io/distroless/static-debian12 AS distroless-static
COPY --from=build /out/app-static /app
ENTRYPOINT ["/app"]
"""

TARGETS = ("scratch-cgo", "musl-cgo", "scratch-static", "distroless-static")


@pytest.fixture(scope="module")
def cgo_images(lab):
    ctx = lab.context({"go.mod": "module example.com/tznet\n\ngo 1.22\n", "main.go": TZ_NET_MAIN})
    out = {}
    for t in TARGETS:
        lab.build(DOCKERFILE, ctx, f"cgo-{t}", target=t)
        out[t] = lab.tag(f"cgo-{t}")
    return out


def _analyse(tag: str):
    analyse = pytest.importorskip("golayer.image.analyse", reason="image analysis (branch image-core) not on main yet")
    an = analyse.analyse(f"docker:{tag}")
    if not getattr(an, "binaries_available", True):
        pytest.skip("Go binary inspection (branch gobinary) not on main yet")
    return an


def _rule(name: str):
    from golayer.catalogue import rules

    found = [r for r in rules() if r.name == name]
    if not found:
        pytest.skip(f"rule {name} not on main yet")
    return found[0]


@pytest.mark.parametrize("target", ["scratch-cgo", "musl-cgo"])
def test_cgo_binary_without_glibc_fails_with_no_such_file(lab, cgo_images, target):
    cp = lab.run(cgo_images[target])
    assert cp.returncode != 0
    assert "exec /app: no such file or directory" in cp.stdout + cp.stderr


@pytest.mark.parametrize("target", ["scratch-cgo", "musl-cgo"])
def test_image_analysis_predicts_missing_interpreter(cgo_images, target):
    an = _analyse(cgo_images[target])
    app = next(b for b in an.binaries if b.path == "/app")
    assert app.linkage == "dynamic" and app.interpreter == "/lib64/ld-linux-x86-64.so.2"
    assert app.interpreter in app.missing
    rule = _rule("binary-missing-interpreter")
    found = [f for f in rule.check(an)]
    assert found and "no such file or directory" in found[0].message


def test_cgo_disabled_binary_starts_on_scratch(lab, cgo_images):
    cp = lab.run(cgo_images["scratch-static"])
    assert "lookup localhost ok" in cp.stdout  # the program ran


def test_static_binary_on_scratch_fails_load_location(lab, cgo_images):
    cp = lab.run(cgo_images["scratch-static"])
    assert cp.returncode == 3
    assert "LoadLocation failed: unknown time zone Europe/Berlin" in cp.stdout
    ok = lab.run(cgo_images["distroless-static"])  # zoneinfo present: the same binary works
    assert ok.returncode == 0 and "zone ok: Europe/Berlin" in ok.stdout


def test_missing_zoneinfo_flagged(cgo_images):
    rule = _rule("missing-zoneinfo")
    an = _analyse(cgo_images["scratch-static"])
    assert [f for f in rule.check(an)], "missing-zoneinfo must flag the scratch image"
    good = _analyse(cgo_images["distroless-static"])
    assert not [f for f in rule.check(good)]


GOMEMLIMITS = {"768Mi": False, "1G": False, "768MB": False, "768MiB": True, "805306368": True, "1GiB": True}


def test_gomemlimit_kubernetes_syntax_exits_2(lab, cgo_images):
    tag = cgo_images["distroless-static"]
    for value, ok in GOMEMLIMITS.items():
        cp = lab.run(tag, env={"GOMEMLIMIT": value})
        if ok:
            assert cp.returncode == 0, (value, cp.stdout, cp.stderr)
        else:
            assert cp.returncode == 2, (value, cp.returncode)
            assert "GOMEMLIMIT" in cp.stderr and "malformed" in cp.stderr, cp.stderr


def test_gomemlimit_runtime_rule_agrees_with_container(lab, cgo_images, cli, tmp_path):
    pytest.importorskip("golayer.rules.runtime.gomemlimit_invalid",
                        reason="runtime rules (branch runtime) not on main yet")
    for value, ok in GOMEMLIMITS.items():
        manifest = tmp_path / f"deploy-{value}.yaml"
        manifest.write_text(f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: svc}}
spec:
  template:
    spec:
      containers:
        - name: app
          image: example/app
          env: [{{name: GOMEMLIMIT, value: "{value}"}}]
          resources: {{limits: {{memory: 1Gi}}}}
""")
        res = cli(["runtime", "--select", "gomemlimit-invalid", "--format", "json", str(manifest)])
        flagged = '"gomemlimit-invalid"' in res.out
        assert flagged == (not ok), (value, res.out, res.err)
