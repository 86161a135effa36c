"""Registry source without a real registry: references, credentials, refusals (fake servers on 127.0.0.1)."""

from __future__ import annotations

import base64
import json

import pytest

from golayer.errors import UsageError
from golayer.image import auth, registry
from tests.image import helpers as H
from tests.image.registryfix import Recorder

sha = H.sha


@pytest.mark.parametrize("ref,host,repo,tag,digest", [
    ("alpine", "docker.io", "library/alpine", "latest", None),
    ("golang:1.22", "docker.io", "library/golang", "1.22", None),
    ("docker.io/org/app:1", "docker.io", "org/app", "1", None),
    ("localhost/app", "localhost", "app", "latest", None),
    ("localhost:5000/team/app:v1.2", "localhost:5000", "team/app", "v1.2", None),
    ("ghcr.io/o/r@sha256:" + "a" * 64, "ghcr.io", "o/r", None, "sha256:" + "a" * 64),
    ("127.0.0.1:5000/a/b:t@sha256:" + "b" * 64, "127.0.0.1:5000", "a/b", "t", "sha256:" + "b" * 64),
    ("[::1]:5000/app:1", "[::1]:5000", "app", "1", None),
])
def test_reference_parsing(ref, host, repo, tag, digest):
    r = registry.parse(ref)
    assert (r.host, r.repo, r.tag, r.digest) == (host, repo, tag, digest)


@pytest.mark.parametrize("ref", ["Upper/case", "host:5000/app@sha256:short", "app:bad tag", "a//b", ""])
def test_bad_references_are_usage_errors(ref):
    with pytest.raises(UsageError):
        registry.parse(ref)


def test_which_references_name_a_registry():
    assert registry.names_registry("ghcr.io/o/r:1")
    assert registry.names_registry("localhost/app")
    assert registry.names_registry("myhost:5000/app")
    assert not registry.names_registry("myapp:latest")
    assert not registry.names_registry("org/app:1")  # Docker Hub style: stays the daemon, as before


def test_challenge_parsing():
    s, p = auth.parse_challenge('Bearer realm="https://auth.example/token",service="reg.example",'
                                'scope="repository:a/b:pull,push"')
    assert s == "bearer" and p == {"realm": "https://auth.example/token", "service": "reg.example",
                                   "scope": "repository:a/b:pull,push"}
    assert auth.parse_challenge('Basic realm="x"') == ("basic", {"realm": "x"})


def test_docker_config_lookup(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.delenv("GOLAYER_REGISTRY_USERNAME", raising=False)
    enc = base64.b64encode(b"hubuser:hubpass").decode()
    (tmp_path / "config.json").write_text(json.dumps({"auths": {
        "https://index.docker.io/v1/": {"auth": enc},
        "https://reg.example:5000/v2/": {"username": "u", "password": "p"},
        "tok.example": {"identitytoken": "refresh-me"},
    }}))
    c = auth.lookup("docker.io")
    assert (c.username, c.password) == ("hubuser", "hubpass")
    c = auth.lookup("reg.example:5000")
    assert (c.username, c.password) == ("u", "p")
    assert auth.lookup("tok.example").identity_token == "refresh-me"
    assert auth.lookup("other.example") is None
    assert "hubpass" not in repr(auth.lookup("docker.io")) and "hubpass" not in str(auth.lookup("docker.io"))
    c = auth.lookup("docker.io", auth.Explicit("ci", "pw"))
    assert (c.username, c.password, c.source) == ("ci", "pw", "--username")


def _serve(docs: dict[str, tuple[str, bytes]]):
    """A fake registry: path -> (content type, body)."""

    def body(path):
        path = path.split("?")[0]
        if path == "/v2/":
            return (200, {}, b"{}")
        if path in docs:
            ct, b = docs[path]
            return (200, {"Content-Type": ct}, b)
        return None

    return Recorder(body)


def test_schema1_manifest_is_refused(cli):
    s1 = json.dumps({"schemaVersion": 1, "name": "a/b", "tag": "1", "fsLayers": []}).encode()
    srv = _serve({"/v2/a/b/manifests/1": ("application/vnd.docker.distribution.manifest.v1+prettyjws", s1)})
    try:
        res = cli(["image", f"registry:{srv.host}/a/b:1"])
    finally:
        srv.stop()
    assert res.code == 2 and "schema 1 manifest" in res.err and "re-push" in res.err


def test_foreign_layers_are_refused(cli):
    cfg = json.dumps(H.config_for([b"x"])).encode()
    man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                      "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": sha(cfg),
                                 "size": len(cfg)},
                      "layers": [{"mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                                  "digest": sha(b"x"), "size": 1, "urls": ["https://example.invalid/x"]}]}).encode()
    srv = _serve({"/v2/a/b/manifests/1": ("application/vnd.docker.distribution.manifest.v2+json", man),
                  f"/v2/a/b/blobs/{sha(cfg)}": ("application/octet-stream", cfg)})
    try:
        res = cli(["image", f"registry:{srv.host}/a/b:1"])
    finally:
        srv.stop()
    assert res.code == 2 and "foreign (non-distributable) layer" in res.err
    assert not [s for s in srv.seen if sha(b"x") in s["path"]]  # never fetched


def test_manifest_not_matching_the_requested_digest_is_refused(cli):
    desc, blobs = H.oci_image([H.Layer().file("a", b"1")])
    man = blobs[desc["digest"]]
    wrong = "sha256:" + "0" * 64
    srv = _serve({f"/v2/a/b/manifests/{wrong}": ("application/vnd.oci.image.manifest.v1+json", man)})
    try:
        res = cli(["image", f"registry:{srv.host}/a/b@{wrong}"])
    finally:
        srv.stop()
    assert res.code == 2 and "does not match its digest" in res.err


def test_enormous_manifest_is_bounded(cli, monkeypatch):
    from golayer.image import sources

    monkeypatch.setattr(sources, "MAX_JSON", 1000)
    srv = _serve({"/v2/a/b/manifests/1": ("application/vnd.oci.image.manifest.v1+json", b"{" + b" " * 5000 + b"}")})
    try:
        res = cli(["image", f"registry:{srv.host}/a/b:1"])
    finally:
        srv.stop()
    assert res.code == 2 and "implausibly large" in res.err


def test_plain_http_redirect_away_from_loopback_is_refused(cli):
    srv = Recorder(lambda p: (200, {}, b"{}") if p == "/v2/" else
                   (307, {"Location": "http://example.invalid/blob"}, b""))
    try:
        res = cli(["image", f"registry:{srv.host}/a/b:1"])
    finally:
        srv.stop()
    assert res.code == 2 and "refusing to follow a redirect to plain HTTP (example.invalid)" in res.err


def test_only_loopback_and_named_hosts_may_use_plain_http():
    c = registry.Client(registry.parse("reg.example/a:1"), registry.Options())
    assert c._probe() == "https" and not c._plain_ok("reg.example")
    c = registry.Client(registry.parse("reg.example/a:1"), registry.Options(insecure=["reg.example"]))
    assert c._plain_ok("reg.example") and not c._plain_ok("other.example")
    for host in ("localhost:5000", "127.0.0.1:5000", "[::1]:5000", "127.9.9.9"):
        assert registry.Client(registry.parse(f"{host}/a:1"), registry.Options()).loopback


def test_short_names_stay_the_daemon_and_registry_prefix_forces_the_registry():
    from golayer.image.sources import parse_ref

    assert parse_ref("myapp:latest") == ("docker", "myapp:latest")
    assert parse_ref("ghcr.io/o/app:1") == ("registry-or-daemon", "ghcr.io/o/app:1")
    assert parse_ref("registry:myapp:1") == ("registry", "myapp:1")
    assert parse_ref("docker:ghcr.io/o/app:1") == ("docker", "ghcr.io/o/app:1")


def test_host_like_reference_the_daemon_holds_is_read_from_the_daemon(cli, docker, tmp_path):
    import subprocess

    arc = H.docker_archive(tmp_path / "a.tar", [H.Layer().file("hello", b"hi")], tags=["localhost:5999/golayer-test/held:1"])
    subprocess.run([docker, "load", "-i", str(arc)], check=True, capture_output=True)
    try:
        res = cli(["image", "localhost:5999/golayer-test/held:1", "--format", "json"])
        assert res.code in (0, 1), res.err
        data = json.loads(res.out)
        assert data["image"]["source"] == "docker"
        assert "local Docker daemon, which holds localhost:5999/golayer-test/held:1" in data["image"]["source_note"]
        res = cli(["image", "registry:localhost:5999/golayer-test/held:1"])  # nothing listens there
        assert res.code == 2 and "Connection refused" in res.err
    finally:
        subprocess.run([docker, "rmi", "localhost:5999/golayer-test/held:1"], capture_output=True)


def test_index_cycles_and_fan_out_are_bounded(cli):
    idx_mt = "application/vnd.oci.image.index.v1+json"
    man_mt = "application/vnd.oci.image.manifest.v1+json"
    docs = {}
    # a cycle: index A lists index B, B lists A (content addressing makes a real one impossible: the
    # registry has to lie about a digest, which is refused)
    a_digest, b_digest = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    a = json.dumps({"schemaVersion": 2, "mediaType": idx_mt,
                    "manifests": [{"mediaType": idx_mt, "digest": b_digest, "size": 1}]}).encode()
    b = json.dumps({"schemaVersion": 2, "mediaType": idx_mt,
                    "manifests": [{"mediaType": idx_mt, "digest": a_digest, "size": 1}]}).encode()
    docs["/v2/c/y/manifests/1"] = (idx_mt, a)
    docs[f"/v2/c/y/manifests/{a_digest}"] = (idx_mt, a)
    docs[f"/v2/c/y/manifests/{b_digest}"] = (idx_mt, b)
    # a fan-out: one index listing 1,000 distinct (valid) manifests
    mans = [json.dumps({"schemaVersion": 2, "mediaType": man_mt, "config": {}, "layers": [],
                        "annotations": {"n": str(i)}}).encode() for i in range(1000)]
    fan = json.dumps({"schemaVersion": 2, "mediaType": idx_mt,
                      "manifests": [{"mediaType": man_mt, "digest": sha(m), "size": len(m),
                                     "platform": {"os": "linux", "architecture": f"a{i}"}}
                                    for i, m in enumerate(mans)]}).encode()
    docs["/v2/f/y/manifests/1"] = (idx_mt, fan)
    for m in mans:
        docs[f"/v2/f/y/manifests/{sha(m)}"] = (man_mt, m)
    srv = _serve(docs)
    try:
        t0 = __import__("time").monotonic()
        cyc = cli(["image", f"registry:{srv.host}/c/y:1"])
        fan_res = cli(["image", f"registry:{srv.host}/f/y:1"])
        elapsed = __import__("time").monotonic() - t0
    finally:
        srv.stop()
    assert cyc.code == 2 and "does not match its digest" in cyc.err
    assert fan_res.code == 2 and "fans out to more than 256 manifests" in fan_res.err, fan_res.err
    assert len(srv.seen) < 400 and elapsed < 60
