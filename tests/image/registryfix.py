"""A real registry for the tests: Debian's ``docker-registry`` (the CNCF distribution registry).

``Registry(tmp, auth=None|"htpasswd"|"token", tls=False).start()`` runs one on 127.0.0.1 with a
generated config; ``push(layout_dir, "repo:tag")`` copies an OCI layout into it with ``skopeo``.
``auth="token"`` runs a small token server (a thread in the test) that signs RS256 JWTs with a key
made by ``openssl``, the way the registry's token auth expects (``x5c`` header, root bundle).
``FaultProxy`` sits in front of any server and injects 429/500/resets/redirects.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import shutil
import socket
import socketserver
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Callable

REGISTRY = shutil.which("docker-registry") or shutil.which("registry")
SKOPEO = shutil.which("skopeo")
HTPASSWD = shutil.which("htpasswd")
OPENSSL = shutil.which("openssl")

USER, PASSWORD = "ci-user", "s3cret-Pa55-word-7d1e"
IDENTITY_TOKEN = "refresh-9f3b2c71-identity"


def missing() -> str | None:
    for name, path in (("docker-registry", REGISTRY), ("skopeo", SKOPEO), ("htpasswd (apache2-utils)", HTPASSWD),
                       ("openssl", OPENSSL)):
        if not path:
            return f"{name} is not installed (apt-get install docker-registry skopeo apache2-utils openssl)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(d: Path, cn: str = "127.0.0.1") -> tuple[Path, Path]:
    key, crt = d / f"{cn}.key", d / f"{cn}.crt"
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(crt),
                    "-days", "2", "-subj", f"/CN={cn}", "-addext",
                    f"subjectAltName=IP:{cn},DNS:localhost" if cn[0].isdigit() else f"subjectAltName=DNS:{cn}"],
                   check=True, capture_output=True)
    return key, crt


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class _Served:
    """A threaded HTTP server on 127.0.0.1 (a free port) running handler class ``H``."""

    def _serve(self, H) -> None:
        self.httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class TokenServer(_Served):
    """``GET /token?service=..&scope=..`` -> a signed JWT granting the requested actions (basic auth checked)."""

    def __init__(self, d: Path, service: str, need_auth: bool = True, expires: int = 300):
        self.key, self.crt = make_cert(d, "token-signer")
        self.service, self.need_auth, self.expires = service, need_auth, expires
        self.issued = 0
        self.requests: list[dict] = []
        der = subprocess.run([OPENSSL, "x509", "-in", str(self.crt), "-outform", "DER"], check=True,
                             capture_output=True).stdout
        self.x5c = base64.b64encode(der).decode()
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):  # quiet
                pass

            def do_GET(self):
                from urllib.parse import parse_qs, urlsplit

                q = parse_qs(urlsplit(self.path).query)
                authz = self.headers.get("Authorization") or ""
                outer.requests.append({"path": self.path, "authorization": authz})
                ok = authz == "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                if outer.need_auth and not ok:
                    self.send_response(401)
                    self.end_headers()
                    return
                access = []
                for sc in q.get("scope", []):
                    typ, name, actions = sc.split(":") if sc.count(":") == 2 else (None, None, None)
                    if typ:
                        access.append({"type": typ, "name": name, "actions": actions.split(",")})
                body = json.dumps({"token": outer.sign(access), "expires_in": outer.expires}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # the OAuth2 refresh-token grant (docker login's identitytoken)
                from urllib.parse import parse_qs

                n = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(n).decode())
                outer.requests.append({"path": self.path, "authorization": self.headers.get("Authorization") or "",
                                       "form": {k: v[0] for k, v in form.items() if k != "refresh_token"}})
                if form.get("grant_type") != ["refresh_token"] or form.get("refresh_token") != [IDENTITY_TOKEN]:
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                access = []
                for sc in form.get("scope", []):
                    typ, name, actions = sc.split(":")
                    access.append({"type": typ, "name": name, "actions": actions.split(",")})
                body = json.dumps({"access_token": outer.sign(access), "expires_in": outer.expires}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._serve(H)

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def sign(self, access: list[dict]) -> str:
        now = int(time.time())
        self.issued += 1
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": "golayer-test-issuer", "sub": USER, "aud": self.service, "exp": now + self.expires,
                  "nbf": now - 10, "iat": now, "jti": f"t{self.issued}-{now}", "access": access}
        signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
        sig = subprocess.run([OPENSSL, "dgst", "-sha256", "-sign", str(self.key)], input=signing_input.encode(),
                             check=True, capture_output=True).stdout
        return signing_input + "." + _b64(sig)


class Registry:
    def __init__(self, tmp: Path, auth: str | None = None, tls: bool = False):
        self.dir = Path(tmp)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.auth, self.tls = auth, tls
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.token: TokenServer | None = None
        self.ca: Path | None = None

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "Registry":
        lines = ["version: 0.1", "log:", "  level: error", "  accesslog:", "    disabled: true", "storage:",
                 "  filesystem:", f"    rootdirectory: {self.dir / 'data'}", "  delete:", "    enabled: true",
                 "http:", f"  addr: 127.0.0.1:{self.port}", "  secret: golayer-test-secret"]
        if self.tls:
            key, crt = make_cert(self.dir)
            self.ca = crt
            lines += ["  tls:", f"    certificate: {crt}", f"    key: {key}"]
        if self.auth == "htpasswd":
            pw = self.dir / "htpasswd"
            subprocess.run([HTPASSWD, "-Bbc", str(pw), USER, PASSWORD], check=True, capture_output=True)
            lines += ["auth:", "  htpasswd:", "    realm: golayer-test", f"    path: {pw}"]
        elif self.auth == "token":
            self.token = TokenServer(self.dir, service="golayer-test-registry")
            lines += ["auth:", "  token:", f"    realm: {self.token.realm}", "    service: golayer-test-registry",
                      "    issuer: golayer-test-issuer", f"    rootcertbundle: {self.token.crt}"]
        cfg = self.dir / "config.yml"
        cfg.write_text("\n".join(lines) + "\n")
        self.log = open(self.dir / "registry.log", "wb")
        self.proc = subprocess.Popen([REGISTRY, "serve", str(cfg)], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"docker-registry exited: {(self.dir / 'registry.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("docker-registry did not start listening")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.log.close()
        if self.token:
            self.token.stop()

    def push(self, src: str, name: str, *, all_platforms: bool = False, fmt: str | None = None) -> None:
        """skopeo copy SRC (oci:DIR / docker-archive:PATH / oci-archive:PATH) docker://HOST/NAME."""
        cmd = [SKOPEO, "--insecure-policy", "copy", "--quiet", "--retry-times", "0"]
        if all_platforms:
            cmd.append("--all")
        if fmt:
            cmd += ["--format", fmt]
        if self.tls:
            certs = self.dir / "skopeo-certs"
            certs.mkdir(exist_ok=True)
            shutil.copy(self.ca, certs / "ca.crt")
            cmd += ["--dest-cert-dir", str(certs)]
        else:
            cmd.append("--dest-tls-verify=false")
        if self.auth:
            cmd += ["--dest-creds", f"{USER}:{PASSWORD}"]
        cmd += [src, f"docker://{self.host}/{name}"]
        env = {**os.environ, "REGISTRY_AUTH_FILE": str(self.dir / "skopeo-auth.json")}
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
        if r.returncode != 0:
            raise RuntimeError(f"skopeo copy failed: {r.stderr}")


class FaultProxy(_Served):
    """A plain-HTTP proxy on 127.0.0.1 in front of ``upstream`` (http://host:port) that injects faults.

    ``plan(method, path, n)`` -> None (pass through) or an action: ("status", code, headers),
    ("reset", after_bytes) -- send the upstream answer but cut the connection after that many body
    bytes, ("redirect", url), ("ignore-range",) -- pass through without the Range header."""

    def __init__(self, upstream: str, plan: Callable[[str, str, int, dict], tuple | None]):
        self.upstream, self.plan = upstream, plan
        self.seen: list[dict] = []
        self.count: dict[str, int] = {}
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                hdrs = {k: v for k, v in self.headers.items()}
                key = self.path.split("?")[0]
                outer.count[key] = outer.count.get(key, 0) + 1
                outer.seen.append({"path": self.path, "headers": hdrs})
                act = outer.plan("GET", self.path, outer.count[key], hdrs)
                if act and act[0] == "status":
                    self.send_response(act[1])
                    for k, v in (act[2] if len(act) > 2 else {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if act and act[0] == "redirect":
                    self.send_response(307)
                    self.send_header("Location", act[1])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if act and act[0] == "ignore-range":
                    hdrs.pop("Range", None)
                req = urllib.request.Request(outer.upstream + self.path, headers={
                    k: v for k, v in hdrs.items() if k.lower() not in ("host", "connection")})
                opener = urllib.request.build_opener(_NoRedirect)
                try:
                    resp = opener.open(req, timeout=30)
                except urllib.error.HTTPError as exc:
                    resp = exc
                body = resp.read()
                self.send_response(resp.status if hasattr(resp, "status") else resp.code)
                for k, v in resp.headers.items():
                    if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if act and act[0] == "reset":
                    self.wfile.write(body[: act[1]])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self._serve(H)


import urllib.error  # noqa: E402


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **kw):
        return None


class Recorder(_Served):
    """A plain HTTP server on 127.0.0.1 that records requests and answers ``body_for(path)``: bytes,
    ``(status, headers, bytes)`` or None (404). A blob-storage stand-in, or a fake registry."""

    def __init__(self, body_for: Callable[[str], "bytes | tuple | None"]):
        self.seen: list[dict] = []
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                outer.seen.append({"path": self.path, "headers": dict(self.headers.items())})
                body = body_for(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, headers = 200, {}
                if isinstance(body, tuple):
                    status, headers, body = body
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._serve(H)
