"""`golayer image` reading from a real registry (Debian's docker-registry), pushed to with skopeo.

Anonymous, htpasswd basic auth, bearer tokens (a token server in the test), TLS with --ca-file;
OCI and Docker schema 2 manifests, multi-platform indexes; faults (429, 5xx, resets mid-blob,
redirects to another host) injected by a proxy in front of the registry. Credentials must never
appear in any output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.image import helpers as H
from tests.image.registryfix import IDENTITY_TOKEN, PASSWORD, USER, FaultProxy, Recorder, Registry

pytestmark = pytest.mark.usefixtures("registry_tools")
ROOT = Path(__file__).resolve().parents[2]


def _layers():
    base = H.Layer().dir("etc").file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n").file("etc/os-release",
                                                                                        b'ID=debian\n')
    app = H.Layer().dir("app").file("app/data.bin", 300_000).file("root/.cache/go-build/ab/cd", 40_000)
    gone = H.Layer().whiteout("app/data.bin")
    return [base, app, gone]


def _layout(tmp: Path, name: str = "layout", arches=("amd64",), compression="gzip") -> Path:
    blobs: dict[str, bytes] = {}
    descs = []
    for a in arches:
        d, _ = H.oci_image(_layers(), compression=compression, blobs=blobs, arch=a)
        descs.append(d)
    return H.write_oci(tmp / name, descs, blobs, nested=len(descs) > 1)  # skopeo copies one top-level entry


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reg-plain")
    r = Registry(tmp / "r").start()
    lay = _layout(tmp)
    r.push(f"oci:{lay}", "team/app:1")
    multi = _layout(tmp, "multi", arches=("amd64", "arm64"))
    r.push(f"oci:{multi}", "team/multi:1", all_platforms=True)
    arc = H.docker_archive(tmp / "d.tar", _layers())
    r.push(f"docker-archive:{arc}", "team/v2s2:1", fmt="v2s2")
    r.layout, r.multi, r.archive = lay, multi, arc
    yield r
    r.stop()


def _json(cli, *args, code=(0, 1)):
    res = cli(["image", *args, "--format", "json", "--fail-on", "error"])
    assert res.code in code, res.err
    return json.loads(res.out), res


def _summary(data):
    s = dict(data["summary"])
    s.pop("seconds")
    return s, data["categories"], [(x["digest"], x["added_bytes"], x["hidden_bytes"]) for x in data["layers"]]


def test_registry_image_matches_the_same_image_read_from_its_oci_layout(cli, plain):
    reg, _ = _json(cli, f"registry:{plain.host}/team/app:1")
    local, _ = _json(cli, f"oci:{plain.layout}")
    assert reg["image"]["source"] == "registry"
    assert reg["image"]["platform"] == "linux/amd64"
    assert _summary(reg) == _summary(local)
    assert reg["summary"]["wasted_bytes"] == 300_000


def test_a_host_like_reference_reads_the_registry_and_says_so(cli, plain):
    data, _ = _json(cli, f"{plain.host}/team/app:1")
    assert data["image"]["source"] == "registry"
    assert "read from the registry" in data["image"]["source_note"]
    res = cli(["image", f"{plain.host}/team/app:1"])
    assert f"read from the registry {plain.host}" in res.out


def test_by_digest_and_docker_schema2(cli, plain):
    data, _ = _json(cli, f"registry:{plain.host}/team/v2s2:1")
    assert data["summary"]["wasted_bytes"] == 300_000
    insp = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--raw", f"docker://{plain.host}/team/v2s2:1"],
                          capture_output=True, text=True, check=True)
    raw = json.loads(insp.stdout)
    assert raw["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
    import hashlib

    digest = "sha256:" + hashlib.sha256(insp.stdout.encode()).hexdigest()
    by_digest, _ = _json(cli, f"registry:{plain.host}/team/v2s2@{digest}")
    assert _summary(by_digest) == _summary(data)


def test_multi_platform_index_default_and_platform_flag(cli, plain):
    data, _ = _json(cli, f"registry:{plain.host}/team/multi:1")
    assert data["image"]["platform"] == "linux/amd64"  # the machine's platform (x86_64 here)
    arm, _ = _json(cli, f"registry:{plain.host}/team/multi:1", "--platform", "linux/arm64")
    assert arm["image"]["platform"] == "linux/arm64"
    res = cli(["image", f"registry:{plain.host}/team/multi:1", "--platform", "linux/s390x"])
    assert res.code == 2 and "no image for platform linux/s390x" in res.err and "linux/arm64" in res.err


def test_missing_tag_and_repository_are_one_line_errors(cli, plain):
    for ref in (f"registry:{plain.host}/team/app:nope", f"registry:{plain.host}/nobody/here:1"):
        res = cli(["image", ref])
        assert res.code == 2, res.err
        assert "not found (HTTP 404" in res.err and "Traceback" not in res.err


def test_check_and_runtime_accept_registry_references(cli, plain, tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    image: team/app:1\n"
                                           "    mem_limit: 512m\n")
    res = cli(["check", str(tmp_path), "--image", f"app={plain.host}/team/app:1", "--format", "json"])
    assert res.code in (0, 1), res.err
    data = json.loads(res.out)
    assert data["image"][0]["image"]["source"] == "registry"
    res = cli(["runtime", str(tmp_path / "compose.yaml"), "--image", f"app=registry:{plain.host}/team/app:1"])
    assert res.code in (0, 1), res.err
    assert "no container, service or image of that name" not in res.out


# ---- authentication ---------------------------------------------------------------------------

def _authed(tmp_path_factory, auth: str):
    tmp = tmp_path_factory.mktemp(f"reg-{'basic' if auth == 'htpasswd' else auth}")
    r = Registry(tmp / "r", auth=auth).start()
    r.layout = _layout(tmp)
    r.push(f"oci:{r.layout}", "team/app:1")
    yield r
    r.stop()


@pytest.fixture(scope="module")
def basic(tmp_path_factory):
    yield from _authed(tmp_path_factory, "htpasswd")


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    yield from _authed(tmp_path_factory, "token")


@pytest.fixture
def no_docker_config(tmp_path, monkeypatch):
    d = tmp_path / "dockercfg"
    d.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(d))
    for k in ("GOLAYER_REGISTRY_USERNAME", "GOLAYER_REGISTRY_PASSWORD"):
        monkeypatch.delenv(k, raising=False)
    return d


def test_basic_auth_needs_credentials_and_takes_them_from_stdin(cli, basic, no_docker_config):
    ref = f"registry:{basic.host}/team/app:1"
    res = cli(["image", ref])
    assert res.code == 2 and "unauthorized" in res.err and "no credentials were found" in res.err
    res = cli(["image", ref, "--username", USER, "--password-stdin", "--format", "json"], stdin=PASSWORD + "\n")
    assert res.code in (0, 1), res.err
    assert json.loads(res.out)["summary"]["wasted_bytes"] == 300_000
    res = cli(["image", ref, "--username", USER, "--password-stdin"], stdin="wrong-password\n")
    assert res.code == 2 and "credentials from --username were rejected" in res.err


def test_basic_auth_from_docker_config_auths(cli, basic, no_docker_config):
    import base64

    (no_docker_config / "config.json").write_text(json.dumps(
        {"auths": {basic.host: {"auth": base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}}}))
    data, _ = _json(cli, f"registry:{basic.host}/team/app:1")
    assert data["summary"]["wasted_bytes"] == 300_000


def test_credential_helper_protocol(cli, basic, no_docker_config, tmp_path, monkeypatch):
    """credHelpers[host] -> docker-credential-NAME get, host on stdin, JSON on stdout (the user's own tool)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "helper.log"
    helper = bindir / "docker-credential-golayertest"
    helper.write_text(f"#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread host\necho \"$host\" >> {log}\n"
                      f"printf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{PASSWORD}\"}}' \"$host\"\n")
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    (no_docker_config / "config.json").write_text(json.dumps({"credHelpers": {basic.host: "golayertest"}}))
    data, _ = _json(cli, f"registry:{basic.host}/team/app:1")
    assert data["summary"]["wasted_bytes"] == 300_000
    assert log.read_text().split() == [basic.host]
    # credsStore: the same protocol for every registry without a credHelpers entry
    (no_docker_config / "config.json").write_text(json.dumps({"credsStore": "golayertest", "auths": {basic.host: {}}}))
    data, _ = _json(cli, f"registry:{basic.host}/team/app:1")
    assert data["summary"]["wasted_bytes"] == 300_000
    (no_docker_config / "config.json").write_text(json.dumps({"credsStore": "not-installed-helper"}))
    res = cli(["image", f"registry:{basic.host}/team/app:1"])
    assert res.code == 2 and "docker-credential-not-installed-helper is not on PATH" in res.err


def test_bearer_token_flow_with_credentials_from_environment(cli, token, no_docker_config, monkeypatch):
    ref = f"registry:{token.host}/team/app:1"
    res = cli(["image", ref])
    assert res.code == 2 and "token server refused access to team/app anonymously" in res.err
    monkeypatch.setenv("GOLAYER_REGISTRY_USERNAME", USER)
    monkeypatch.setenv("GOLAYER_REGISTRY_PASSWORD", PASSWORD)
    before = len(token.token.requests)
    data, _ = _json(cli, ref)
    assert data["summary"]["wasted_bytes"] == 300_000
    reqs = token.token.requests[before:]
    assert reqs and all("scope=repository%3Ateam%2Fapp%3Apull" in r["path"] for r in reqs)
    assert all(r["authorization"].startswith("Basic ") for r in reqs)
    assert len(reqs) == 1  # one token for the manifest, config and all layers


def test_identity_token_from_docker_config_is_exchanged_as_a_refresh_token(cli, token, no_docker_config):
    (no_docker_config / "config.json").write_text(json.dumps(
        {"auths": {token.host: {"auth": "", "identitytoken": IDENTITY_TOKEN}}}))
    before = len(token.token.requests)
    res = cli(["image", f"registry:{token.host}/team/app:1", "--format", "json", "--fail-on", "error"])
    assert res.code in (0, 1), res.err
    posts = [r for r in token.token.requests[before:] if "form" in r]
    assert len(posts) == 1 and posts[0]["form"]["grant_type"] == "refresh_token"
    assert posts[0]["form"]["scope"] == "repository:team/app:pull" and not posts[0]["authorization"]
    assert IDENTITY_TOKEN not in res.out + res.err


def test_expired_token_is_refreshed(cli, token, no_docker_config, monkeypatch):
    monkeypatch.setenv("GOLAYER_REGISTRY_USERNAME", USER)
    monkeypatch.setenv("GOLAYER_REGISTRY_PASSWORD", PASSWORD)
    monkeypatch.setenv("GOLAYER_REGISTRY_JOBS", "1")
    token.token.expires = 1  # golayer treats a token as valid for max(expires_in, 10) - 5 s: 5 s
    try:
        before = len(token.token.requests)
        proxy = FaultProxy(f"http://{token.host}",
                           lambda m, p, n, h: (time.sleep(3), None)[1] if "/blobs/" in p else None)
        try:
            # the proxy is loopback too: the token's audience is the registry's service, not its address
            data, _ = _json(cli, f"registry:{proxy.host}/team/app:1")
        finally:
            proxy.stop()
        assert data["summary"]["wasted_bytes"] == 300_000
        assert len(token.token.requests) - before >= 2  # the first token expired during the slow blobs
    finally:
        token.token.expires = 300


SECRET_ENV = {"GOLAYER_REGISTRY_USERNAME": USER, "GOLAYER_REGISTRY_PASSWORD": PASSWORD}


def test_credentials_never_appear_in_any_output(token, basic, tmp_path):
    """Every output of real runs (stdout, stderr with progress, json/sarif/html reports, errors) is scanned."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "DOCKER_CONFIG": str(tmp_path), **SECRET_ENV}
    outputs = []
    runs = [
        ["image", f"registry:{token.host}/team/app:1", "--progress", "--format", "json",
         "--output", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html")],
        ["image", f"registry:{basic.host}/team/app:1", "--progress", "--format", "sarif",
         "--output", str(tmp_path / "r.sarif")],
        ["image", f"registry:{basic.host}/team/app:nope", "--progress"],
    ]
    for argv in runs:
        p = subprocess.run([sys.executable, "-m", "golayer", *argv], env=env, capture_output=True, text=True,
                           timeout=120)
        outputs += [p.stdout, p.stderr]
        assert "Traceback" not in p.stderr
    # wrong password: the error names where the credentials came from, not what they are
    bad = {**env, "GOLAYER_REGISTRY_PASSWORD": "wrong-" + PASSWORD}
    p = subprocess.run([sys.executable, "-m", "golayer", "image", f"registry:{basic.host}/team/app:1"], env=bad,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "rejected" in p.stderr
    outputs += [p.stdout, p.stderr]
    for f in ("r.json", "r.html", "r.sarif"):
        outputs.append((tmp_path / f).read_text())
    import base64

    encoded = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    for text in outputs:
        assert PASSWORD not in text and encoded not in text and "Bearer " not in text and "eyJ" not in text


# ---- TLS ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reg-tls")
    r = Registry(tmp / "r", tls=True).start()
    r.layout = _layout(tmp)
    r.push(f"oci:{r.layout}", "team/app:1")
    yield r
    r.stop()


def test_tls_needs_the_ca_file(cli, tls):
    ref = f"registry:{tls.host}/team/app:1"
    res = cli(["image", ref])
    assert res.code == 2 and "TLS certificate is not trusted" in res.err and "--ca-file" in (res.err + res.out)
    data, _ = _json(cli, ref, "--ca-file", str(tls.ca))
    assert data["summary"]["wasted_bytes"] == 300_000
    data, _ = _json(cli, ref, "--insecure-registry", tls.host)  # explicitly insecure: certificate not verified
    assert data["summary"]["wasted_bytes"] == 300_000


# ---- faults ------------------------------------------------------------------------------------

@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setenv("GOLAYER_REGISTRY_BACKOFF", "0.01")
    monkeypatch.setenv("GOLAYER_REGISTRY_JOBS", "1")


def _proxy(reg, plan):
    return FaultProxy(f"http://{reg.host}", plan)


def test_429_with_retry_after_is_honoured(cli, plain, fast_retries):
    def plan(m, p, n, h):
        return ("status", 429, {"Retry-After": "1"}) if "/manifests/" in p and n == 1 else None

    px = _proxy(plain, plan)
    try:
        t0 = time.monotonic()
        data, _ = _json(cli, f"registry:{px.host}/team/app:1")
        assert time.monotonic() - t0 >= 1.0
    finally:
        px.stop()
    assert data["summary"]["wasted_bytes"] == 300_000
    assert sum(1 for s in px.seen if "/manifests/1" in s["path"]) == 2


def test_500s_then_success_and_persistent_500(cli, plain, fast_retries):
    px = _proxy(plain, lambda m, p, n, h: ("status", 500) if "/blobs/" in p and n <= 2 else None)
    try:
        data, _ = _json(cli, f"registry:{px.host}/team/app:1")
    finally:
        px.stop()
    assert data["summary"]["wasted_bytes"] == 300_000
    px = _proxy(plain, lambda m, p, n, h: ("status", 503) if "/blobs/" in p else None)
    try:
        res = cli(["image", f"registry:{px.host}/team/app:1"])
    finally:
        px.stop()
    assert res.code == 2 and "HTTP 503" in res.err and "after 5 attempts" in res.err


def _biggest_blob(reg):
    index = json.loads((reg.layout / "index.json").read_text())
    man = json.loads((reg.layout / "blobs/sha256" / index["manifests"][0]["digest"][7:]).read_bytes())
    big = max(man["layers"], key=lambda d: d["size"])
    return big["digest"], big["size"]


def test_reset_mid_blob_is_resumed_with_range(cli, plain, fast_retries):
    digest, size = _biggest_blob(plain)
    assert size > 1000

    def plan(m, p, n, h):
        return ("reset", size // 2) if p.endswith(digest) and n == 1 else None

    px = _proxy(plain, plan)
    try:
        data, _ = _json(cli, f"registry:{px.host}/team/app:1")
    finally:
        px.stop()
    assert data["summary"]["wasted_bytes"] == 300_000
    asks = [s["headers"].get("Range") for s in px.seen if s["path"].endswith(digest)]
    assert asks == [None, f"bytes={size // 2}-"]


def test_reset_mid_blob_without_range_support_restarts_and_skips(cli, plain, fast_retries):
    digest, size = _biggest_blob(plain)

    def plan(m, p, n, h):
        if p.endswith(digest):
            return ("reset", size // 3) if n == 1 else ("ignore-range",)
        return None

    px = _proxy(plain, plan)
    try:
        data, _ = _json(cli, f"registry:{px.host}/team/app:1")
    finally:
        px.stop()
    assert data["summary"]["wasted_bytes"] == 300_000


def test_truncated_blob_every_time_is_a_clear_error(cli, plain, fast_retries):
    """Every answer is cut before its first byte: the blob never arrives -> one error, after 5 attempts."""
    digest, size = _biggest_blob(plain)
    px = _proxy(plain, lambda m, p, n, h: ("reset", 0) if p.endswith(digest) else None)
    try:
        res = cli(["image", f"registry:{px.host}/team/app:1"])
    finally:
        px.stop()
    assert res.code == 2 and "truncated" in res.err and "Traceback" not in res.err


def test_redirect_to_blob_storage_does_not_forward_credentials(cli, basic, no_docker_config, monkeypatch,
                                                               fast_retries):
    monkeypatch.setenv("GOLAYER_REGISTRY_USERNAME", USER)
    monkeypatch.setenv("GOLAYER_REGISTRY_PASSWORD", PASSWORD)
    blobs = basic.layout / "blobs" / "sha256"
    storage = Recorder(lambda p: (blobs / p.split("/")[-1].split("?")[0]).read_bytes()
                       if (blobs / p.split("/")[-1].split("?")[0]).is_file() else None)

    def plan(m, p, n, h):
        if "/blobs/sha256:" in p and h.get("Authorization"):
            return ("redirect", f"http://{storage.host}/storage/{p.rsplit(':', 1)[1]}?sig=abc")
        return None

    px = _proxy(basic, plan)
    try:
        data, _ = _json(cli, f"registry:{px.host}/team/app:1")
    finally:
        px.stop()
        storage.stop()
    assert data["summary"]["wasted_bytes"] == 300_000
    assert storage.seen, "the blobs were not fetched from the redirect target"
    assert all("Authorization" not in s["headers"] for s in storage.seen)
    assert any(s["headers"].get("Authorization") for s in px.seen)


def test_wrong_blob_content_is_refused(cli, plain, fast_retries):
    digest, size = _biggest_blob(plain)
    index = json.loads((plain.layout / "index.json").read_text())
    man = json.loads((plain.layout / "blobs/sha256" / index["manifests"][0]["digest"][7:]).read_bytes())
    cfg_digest = man["config"]["digest"]
    evil = Recorder(lambda p: b'{"architecture": "amd64", "os": "linux"}' if p.endswith("/config") else
                    b"\x1f\x8b" + b"\x00" * (size - 2))
    for target, path, expect in ((cfg_digest, "/config", "does not match its digest"),
                                 (digest, "/layer", "corrupt gzip data")):
        px = _proxy(plain, lambda m, p, n, h: ("redirect", f"http://{evil.host}{path}") if p.endswith(target)
                    else None)
        try:
            res = cli(["image", f"registry:{px.host}/team/app:1"])
        finally:
            px.stop()
        assert res.code == 2 and expect in res.err and "Traceback" not in res.err, res.err
    evil.stop()


def test_concurrent_layer_fetches_give_the_same_result(cli, plain, monkeypatch):
    monkeypatch.setenv("GOLAYER_REGISTRY_JOBS", "1")
    one, _ = _json(cli, f"registry:{plain.host}/team/app:1")
    monkeypatch.setenv("GOLAYER_REGISTRY_JOBS", "4")
    four, _ = _json(cli, f"registry:{plain.host}/team/app:1")
    assert _summary(one) == _summary(four)


def test_cache_dir_keeps_verified_blobs_and_reuses_them(cli, plain, tmp_path, fast_retries):
    import hashlib

    cache = tmp_path / "cache"
    px = _proxy(plain, lambda m, p, n, h: None)
    try:
        first, _ = _json(cli, f"registry:{px.host}/team/app:1", "--cache", str(cache))
        fetched = [s["path"] for s in px.seen if "/blobs/" in s["path"]]
        px.seen.clear()
        second, _ = _json(cli, f"registry:{px.host}/team/app:1", "--cache", str(cache))
        refetched = [s["path"] for s in px.seen if "/blobs/" in s["path"]]
    finally:
        px.stop()
    assert _summary(first) == _summary(second)
    kept = list((cache / "blobs" / "sha256").iterdir())
    assert len(kept) == 3 and all(hashlib.sha256(p.read_bytes()).hexdigest() == p.name for p in kept)
    assert len(fetched) >= 4 and len(refetched) == 1  # the config only; the 3 layers come from the cache
    # a corrupted cached copy is detected and removed, never trusted
    victim = max(kept, key=lambda p: p.stat().st_size)
    data = bytearray(victim.read_bytes())
    data[-8] ^= 0xFF  # inside the gzip CRC: the stream still decompresses, only the digest can tell
    victim.write_bytes(bytes(data))
    res = cli(["image", f"registry:{plain.host}/team/app:1", "--cache", str(cache)])
    assert res.code == 2 and "does not match its digest" in res.err and not victim.exists()


def test_nothing_is_written_without_cache(cli, plain, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    _json(cli, f"registry:{plain.host}/team/app:1")
    assert list(tmp_path.iterdir()) == []


def test_runtime_fetches_only_the_layers_down_to_the_entrypoint(cli, plain, tmp_path, go):
    """runtime --image needs the entrypoint's buildinfo: the layers below the one holding it are not fetched."""
    from tests.image.gobuild import build

    binary = Path(build("static")).read_bytes()
    layers = [H.Layer().dir("etc").file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
              H.Layer().file("opt/big.bin", 400_000),
              H.Layer().file("app", binary, mode=0o755),
              H.Layer().file("etc/motd", b"hi\n")]
    desc, blobs = H.oci_image(layers, entrypoint=["/app"])
    H.write_oci(tmp_path / "lay", [desc], blobs)
    plain.push(f"oci:{tmp_path / 'lay'}", "team/goapp:1")
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    image: team/goapp:1\n    mem_limit: 512m\n")
    man = json.loads(blobs[desc["digest"]])
    px = _proxy(plain, lambda m, p, n, h: None)
    try:
        res = cli(["runtime", str(tmp_path / "compose.yaml"), "--image", f"app=registry:{px.host}/team/goapp:1",
                   "--format", "json"])
    finally:
        px.stop()
    assert res.code in (0, 1), res.err
    fetched = {s["path"].rsplit("/", 1)[1] for s in px.seen if "/blobs/" in s["path"]}
    wanted = {d["digest"] for d in man["layers"]}
    assert fetched & wanted == {man["layers"][2]["digest"], man["layers"][3]["digest"]}
    assert "only layers 2-3 of 4 were fetched" in res.out and "/app" in res.out
    data = json.loads(res.out)
    assert "Go binary /app" in json.dumps(data)  # the runtime rules saw the real binary


def test_progress_shows_bytes_layers_and_rate_only_when_asked(cli, plain):
    res = cli(["image", f"registry:{plain.host}/team/app:1", "--progress"])
    assert res.code in (0, 1)
    lines = [x for x in res.err.splitlines() if "layers " in x]
    assert lines and "layers 3/3" in lines[-1] and "MB/s" in lines[-1]
    quiet = cli(["image", f"registry:{plain.host}/team/app:1"])  # not a terminal: silent
    assert quiet.err == ""


def test_a_stalled_answer_times_out_and_is_retried(cli, plain, fast_retries, monkeypatch):
    monkeypatch.setenv("GOLAYER_REGISTRY_TIMEOUT", "1")
    digest, _size = _biggest_blob(plain)

    def plan(m, p, n, h):
        if p.endswith(digest) and n == 1:
            time.sleep(2.5)  # longer than the timeout: golayer gives up on this answer and asks again
        return None

    px = _proxy(plain, plan)
    try:
        t0 = time.monotonic()
        data, _ = _json(cli, f"registry:{px.host}/team/app:1")
        elapsed = time.monotonic() - t0
    finally:
        px.stop()
    assert data["summary"]["wasted_bytes"] == 300_000
    assert sum(1 for s in px.seen if s["path"].endswith(digest)) == 2 and elapsed < 20
