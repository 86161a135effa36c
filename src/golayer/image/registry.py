"""``registry:HOST/REPO[:TAG][@DIGEST]``: read an image from a registry (OCI distribution API).

Only the Python standard library is used (``http.client``, ``ssl``); nothing is written to disk.

* **Reference.** ``[HOST[:PORT]/]PATH[:TAG][@sha256:...]``; the first component is a host when it
  contains ``.`` or ``:`` or is ``localhost`` (the docker rule), otherwise Docker Hub
  (``docker.io``, ``library/`` added to one-component names). Default tag ``latest``.
* **Manifests.** ``GET /v2/REPO/manifests/REF`` accepting OCI manifest/index and Docker schema 2
  manifest/list. The index walk, the platform choice (``--platform``; default: the machine's
  platform when the index holds it) and the config reading are those of the OCI layouts
  (:func:`golayer.image.sources.choose_image`). Schema 1 manifests and foreign/non-distributable
  layers are refused with a message. Manifests and configs are read up to 64 MiB and checked
  against their digests.
* **Layers** are streamed once each through the layer reader (:mod:`golayer.image.layers`): the
  compressed bytes are hashed and checked against the manifest's digest and size, the
  uncompressed tar against the config's ``diff_id``. Several layers are fetched at once
  (``GOLAYER_REGISTRY_JOBS``, default 3). A file that was not captured during the pass is read by
  fetching its layer again.
* **Transport.** HTTPS with the system trust store plus ``--ca-file``. Plain HTTP only for
  ``localhost``/loopback addresses and hosts named with ``--insecure-registry`` (for those,
  HTTPS is tried first, as the docker CLI does; an insecure host's certificate is not verified).
  Redirects (blob storage) are followed, at most 5, and credentials are sent only to the
  registry's own origin, never to the redirect target. Timeouts (``GOLAYER_REGISTRY_TIMEOUT``,
  default 60 s per socket operation). 429, 5xx and connection resets are retried with exponential
  back-off (up to 5 attempts) honouring ``Retry-After`` (capped at 60 s). A blob interrupted
  mid-way is resumed with ``Range: bytes=N-`` (a registry that answers 200 instead of 206 is
  read again from the start, skipping what was already seen).
* **Cache.** Nothing is written to disk unless ``--cache DIR``: then verified layer blobs are kept
  as ``DIR/blobs/sha256/<hex>`` (written to a temporary name, renamed after the digest matched)
  and reused, after hashing them again.
* **Authentication** like the docker CLI: anonymous first; on ``401`` the ``WWW-Authenticate``
  challenge decides: ``Bearer`` -> a token from the realm for ``repository:REPO:pull`` (with the
  credentials of :mod:`golayer.image.auth`, if any; refreshed when it expires or is rejected),
  ``Basic`` -> the credentials. Secrets are never printed, logged or put in reports.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import json
import os
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Callable
from urllib.parse import quote, urlencode, urljoin, urlsplit

from golayer.errors import InputError, UsageError
from golayer.image import auth, shapes
from golayer.image.layers import CAPTURE_BUDGET, LayerRecord, parse_hashed, parse_layer
from golayer.image.tarstream import Stream, TarError, decompressing, sniff

ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
])
SCHEMA1 = ("application/vnd.docker.distribution.manifest.v1+json",
           "application/vnd.docker.distribution.manifest.v1+prettyjws")
RETRY_STATUS = (429, 500, 502, 503, 504)
MAX_REDIRECTS = 5
USER_AGENT = "golayer"

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}"


# ---- options --------------------------------------------------------------------------------

@dataclass
class Options:
    ca_file: str | None = None
    insecure: list[str] = field(default_factory=list)  # hosts allowed over plain HTTP / unverified TLS
    explicit: auth.Explicit = field(default_factory=auth.Explicit)
    timeout: float = 60.0
    attempts: int = 5
    backoff: float = 0.5
    jobs: int = 3
    cache: str | None = None  # keep verified blobs here (an OCI layout's blobs/ directory)


_CLI: dict[str, Any] = {}


def configure(ca_file: str | None = None, insecure: tuple[str, ...] | list[str] = (), username: str | None = None,
              password: str | None = None, cache: str | None = None) -> None:
    """Set the command line's registry options (the CLI calls this per command; environment fills the gaps)."""
    _CLI.clear()
    _CLI.update(ca_file=ca_file, insecure=list(insecure), username=username, password=password, cache=cache)


def options() -> Options:
    return _from_env(_CLI.get("ca_file"), _CLI.get("insecure") or [], _CLI.get("username"), _CLI.get("password"),
                     _CLI.get("cache"))


def _from_env(ca_file, insecure, username, password, cache=None) -> Options:
    env = os.environ
    ca = ca_file or env.get("GOLAYER_REGISTRY_CA_FILE") or None
    if ca and not os.path.isfile(ca):
        raise UsageError(f"--ca-file {ca}: no such file")
    hosts = list(insecure) + [h for h in re.split(r"[,\s]+", env.get("GOLAYER_INSECURE_REGISTRIES", "")) if h]
    user = username or env.get("GOLAYER_REGISTRY_USERNAME") or None
    pw = password if password is not None else env.get("GOLAYER_REGISTRY_PASSWORD")

    def num(name: str, default: float) -> float:
        try:
            return float(env.get(name, default))
        except ValueError:
            raise UsageError(f"{name}={env.get(name)!r} is not a number") from None

    return Options(ca_file=ca, insecure=[h.lower() for h in hosts], explicit=auth.Explicit(user, pw),
                   timeout=num("GOLAYER_REGISTRY_TIMEOUT", 60.0), attempts=max(1, int(num("GOLAYER_REGISTRY_ATTEMPTS", 5))),
                   backoff=num("GOLAYER_REGISTRY_BACKOFF", 0.5), jobs=max(1, int(num("GOLAYER_REGISTRY_JOBS", 3))),
                   cache=cache or env.get("GOLAYER_REGISTRY_CACHE") or None)


# ---- references -----------------------------------------------------------------------------

@dataclass
class Reference:
    host: str  # as written (docker.io for Docker Hub)
    repo: str
    tag: str | None
    digest: str | None

    @property
    def api_host(self) -> str:
        return "registry-1.docker.io" if self.host == "docker.io" else self.host

    @property
    def reference(self) -> str:
        return self.digest or self.tag or "latest"

    def __str__(self) -> str:
        s = f"{self.host}/{self.repo}"
        if self.tag:
            s += f":{self.tag}"
        if self.digest:
            s += f"@{self.digest}"
        return s


def names_registry(ref: str) -> bool:
    """True when the first path component of ``ref`` names a registry host (the docker CLI's rule)."""
    first, slash, _rest = ref.partition("/")
    return bool(slash) and ("." in first or ":" in first or first == "localhost")


def parse(ref: str) -> Reference:
    s = ref.strip()
    digest = None
    if "@" in s:
        s, digest = s.split("@", 1)
        if not re.fullmatch(_DIGEST, digest):
            raise UsageError(f"{ref!r}: invalid digest {digest!r} (sha256:<64 hex>)")
    host = "docker.io"
    if names_registry(s):
        host, s = s.split("/", 1)
        if not re.fullmatch(_HOST, host):
            raise UsageError(f"{ref!r}: invalid registry host {host!r}")
    tag = None
    last = s.rsplit("/", 1)[-1]
    if ":" in last:
        s, tag = s.rsplit(":", 1)
        if not re.fullmatch(_TAG, tag):
            raise UsageError(f"{ref!r}: invalid tag {tag!r}")
    if not re.fullmatch(rf"{_COMPONENT}(?:/{_COMPONENT})*", s):
        raise UsageError(f"{ref!r} is not an image reference ([HOST[:PORT]/]REPO[:TAG][@DIGEST], lower case)")
    if host in ("docker.io", "index.docker.io") and "/" not in s:
        s = "library/" + s
    if host == "index.docker.io":
        host = "docker.io"
    if not tag and not digest:
        tag = "latest"
    return Reference(host.lower() if not host.startswith("[") else host, s, tag, digest)


def _is_loopback(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


# ---- HTTP -----------------------------------------------------------------------------------

class _Resp:
    """An open response: status, headers, read(n), close()."""

    def __init__(self, conn: http.client.HTTPConnection, resp: http.client.HTTPResponse, url: str):
        self.conn, self.resp, self.url = conn, resp, url
        self.status = resp.status

    def header(self, name: str) -> str | None:
        return self.resp.getheader(name)

    def read(self, n: int) -> bytes:
        return self.resp.read(n)

    def close(self) -> None:
        try:
            self.resp.close()
        finally:
            self.conn.close()


class Client:
    """One registry host and repository: requests with auth, redirects, retries."""

    def __init__(self, ref: Reference, opts: Options):
        self.ref = ref
        self.opts = opts
        self.host = ref.api_host
        self.loopback = _is_loopback(self.host)
        self.insecure = self.host.lower() in opts.insecure or ref.host.lower() in opts.insecure
        self.scheme: str | None = None
        self._auth_header: str | None = None
        self._token_expiry = 0.0
        self._challenge: tuple[str, dict[str, str]] | None = None
        self._creds: auth.Credentials | None = None
        self._creds_loaded = False
        self._lock = threading.RLock()
        self._contexts: dict[bool, ssl.SSLContext] = {}
        self.requests = 0
        self.retries = 0

    # -- connections --
    def _context(self, verify: bool) -> ssl.SSLContext:
        with self._lock:
            ctx = self._contexts.get(verify)  # loading the system trust store costs ~0.1-0.4 s: once
            if ctx is None:
                ctx = self._contexts[verify] = self._new_context(verify)
        return ctx

    def _new_context(self, verify: bool) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        if self.opts.ca_file:
            try:
                ctx.load_verify_locations(self.opts.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise UsageError(f"--ca-file {self.opts.ca_file}: not a PEM certificate file ({exc})") from None
        if not verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def _connect(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        if scheme == "https":
            verify = not (self.insecure and netloc.lower() == self.host.lower())
            return http.client.HTTPSConnection(netloc, timeout=self.opts.timeout, context=self._context(verify))
        return http.client.HTTPConnection(netloc, timeout=self.opts.timeout)

    def _plain_ok(self, netloc: str) -> bool:
        return netloc.lower() == self.host.lower() and (self.loopback or self.insecure) or _is_loopback(netloc)

    def _base(self) -> str:
        if self.scheme is None:
            self.scheme = self._probe()
        return f"{self.scheme}://{self.host}"

    def _probe(self) -> str:
        """https, or http for loopback/insecure hosts whose https does not answer."""
        if not (self.loopback or self.insecure):
            return "https"
        try:
            conn = self._connect("https", self.host)
            conn.request("GET", "/v2/", headers={"User-Agent": USER_AGENT})
            conn.getresponse().close()
            conn.close()
            return "https"
        except ssl.SSLCertVerificationError as exc:
            raise InputError(f"{self.host}: the TLS certificate is not trusted ({exc.verify_message})",
                             hint="give the CA with --ca-file, or name the host with --insecure-registry") from None
        except (ssl.SSLError, ConnectionError, http.client.HTTPException, OSError):
            return "http"

    # -- auth --
    def _credentials(self) -> auth.Credentials | None:
        if not self._creds_loaded:
            self._creds = auth.lookup(self.ref.host, self.opts.explicit)
            self._creds_loaded = True
        return self._creds

    def _authorize(self, challenge: str | None, failed: bool) -> bool:
        """Get an Authorization header after a 401; False when there is nothing (new) to try."""
        scheme, params = auth.parse_challenge(challenge or "")
        creds = self._credentials()
        if scheme == "basic":
            if creds is None or not creds.password or (failed and self._auth_header and
                                                       self._auth_header.startswith("Basic ")):
                return False
            self._auth_header = creds.basic()
            return True
        if scheme == "bearer" and params.get("realm"):
            self._challenge = (scheme, params)
            self._fetch_token(params, creds)
            return True
        return False

    def _fetch_token(self, params: dict[str, str], creds: auth.Credentials | None) -> None:
        realm = params["realm"]
        u = urlsplit(realm)
        if u.scheme not in ("https", "http") or not u.netloc:
            raise InputError(f"{self.host}: the token realm in its WWW-Authenticate header is not an http(s) URL")
        if u.scheme == "http" and not self._plain_ok(u.netloc):
            raise InputError(f"{self.host}: refusing to send a token request over plain HTTP to {u.netloc}",
                             hint="name the host with --insecure-registry if that is intended")
        scope = f"repository:{self.ref.repo}:pull"
        query = {"scope": scope}
        if params.get("service"):
            query["service"] = params["service"]
        headers = {"User-Agent": USER_AGENT}
        method, body = "GET", None
        if creds is not None and creds.identity_token:
            method = "POST"
            form = {"grant_type": "refresh_token", "refresh_token": creds.identity_token, "client_id": "golayer",
                    "scope": scope}
            if params.get("service"):
                form["service"] = params["service"]
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif creds is not None:
            headers["Authorization"] = creds.basic()
            query["account"] = creds.username
        url = realm + ("&" if "?" in realm else "?") + urlencode(query)
        resp = self._exchange(method, url, headers, body, allow_auth_to=u.netloc)
        try:
            if resp.status in (401, 403):
                who = f" with the credentials from {creds.source}" if creds else " anonymously"
                raise InputError(f"{self.host}: the token server refused access to {self.ref.repo}{who}"
                                 f" (HTTP {resp.status})",
                                 hint="docker login to it, or give --username and --password-stdin")
            if resp.status != 200:
                raise InputError(f"{self.host}: the token server answered HTTP {resp.status}")
            data = _read_bounded(resp, 1 << 20, "token response")
        finally:
            resp.close()
        try:
            doc = json.loads(data)
            token = doc.get("token") or doc.get("access_token")
            expires = int(doc.get("expires_in") or 60)
        except (ValueError, AttributeError, TypeError):
            raise InputError(f"{self.host}: the token server's answer is not JSON with a token") from None
        if not isinstance(token, str) or not token:
            raise InputError(f"{self.host}: the token server's answer holds no token")
        self._auth_header = "Bearer " + token
        self._token_expiry = time.monotonic() + max(expires, 10) - 5

    # -- requests --
    def _exchange(self, method: str, url: str, headers: dict[str, str], body: bytes | None = None,
                  allow_auth_to: str | None = None) -> _Resp:
        """One request, following redirects; Authorization only to the origin it was meant for."""
        origin = urlsplit(url)
        auth_origin = (origin.scheme, (allow_auth_to or origin.netloc).lower())
        for _ in range(MAX_REDIRECTS + 1):
            u = urlsplit(url)
            if u.scheme not in ("http", "https"):
                raise InputError(f"{self.host}: redirected to a non-HTTP URL")
            if u.scheme == "http" and not self._plain_ok(u.netloc):
                raise InputError(f"{self.host}: refusing to follow a redirect to plain HTTP ({u.netloc})")
            h = dict(headers)
            if (u.scheme, u.netloc.lower()) != auth_origin:
                h.pop("Authorization", None)
            conn = self._connect(u.scheme, u.netloc)
            path = u.path or "/"
            if u.query:
                path += "?" + u.query
            self.requests += 1
            try:
                conn.request(method, path, body=body, headers=h)
                resp = conn.getresponse()
            except BaseException:
                conn.close()
                raise
            if resp.status in (301, 302, 303, 307, 308) and resp.getheader("Location"):
                loc = resp.getheader("Location")
                resp.close()
                conn.close()
                url = urljoin(url, loc)
                if resp.status == 303:
                    method, body = "GET", None
                continue
            return _Resp(conn, resp, url)
        raise InputError(f"{self.host}: more than {MAX_REDIRECTS} redirects")

    def open(self, path: str, headers: dict[str, str] | None = None, what: str = "") -> _Resp:
        """GET ``/v2/...`` with auth and retries; the response has a final status (2xx or an error)."""
        url = self._base() + path
        attempt = 0
        authed_after_401 = False
        while True:
            h = {"User-Agent": USER_AGENT, **(headers or {})}
            with self._lock:
                if self._auth_header and self._auth_header.startswith("Bearer ") and \
                        time.monotonic() > self._token_expiry and self._challenge:
                    self._fetch_token(self._challenge[1], self._credentials())
                if self._auth_header:
                    h["Authorization"] = self._auth_header
            try:
                resp = self._exchange("GET", url, h)
            except ssl.SSLCertVerificationError as exc:
                raise InputError(f"{self.host}: the TLS certificate is not trusted ({exc.verify_message})",
                                 hint="give the CA with --ca-file") from None
            except (ConnectionError, socket.timeout, TimeoutError, http.client.HTTPException, ssl.SSLError,
                    OSError) as exc:
                attempt += 1
                final = isinstance(exc, (ConnectionRefusedError, socket.gaierror))  # nobody there: no retry
                if final or attempt >= self.opts.attempts:
                    after = f" (after {attempt} attempts)" if attempt > 1 else ""
                    raise InputError(f"{self.host}: cannot fetch {what or path}: {_oserr(exc)}{after}") from None
                self._sleep(attempt, None)
                continue
            if resp.status == 401:
                challenge = resp.header("WWW-Authenticate")
                resp.close()
                with self._lock:
                    ok = not authed_after_401 and self._authorize(challenge, bool(h.get("Authorization")))
                if ok:
                    authed_after_401 = True
                    continue
                creds = self._credentials()
                who = f"the credentials from {creds.source} were rejected" if creds else "no credentials were found"
                raise InputError(f"{self.host}: unauthorized to read {self.ref.repo} ({who})",
                                 hint="docker login to the registry (or a credential helper), or give --username"
                                      " with --password-stdin / GOLAYER_REGISTRY_PASSWORD")
            if resp.status in RETRY_STATUS:
                attempt += 1
                retry_after = resp.header("Retry-After")
                resp.close()
                if attempt >= self.opts.attempts:
                    raise InputError(f"{self.host}: HTTP {resp.status} for {what or path} (after {attempt} attempts)",
                                     hint="the registry is overloaded or failing; try again later")
                self._sleep(attempt, retry_after)
                continue
            return resp

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        self.retries += 1
        delay = self.opts.backoff * (2 ** (attempt - 1))
        if retry_after:
            ra = retry_after.strip()
            try:
                delay = float(ra) if re.fullmatch(r"\d+(\.\d+)?", ra) else \
                    parsedate_to_datetime(ra).timestamp() - time.time()
            except (TypeError, ValueError, OverflowError):
                pass
        time.sleep(min(max(delay, 0.0), 60.0))

    def error(self, resp: _Resp, what: str) -> InputError:
        """A one-line error for a non-2xx answer (the registry's own error code when it sent one)."""
        try:
            body = resp.read(64 << 10)
        except (OSError, http.client.HTTPException):
            body = b""
        resp.close()
        detail = ""
        try:
            errs = json.loads(body).get("errors") or []
            detail = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errs[:3] if isinstance(e, dict))
        except (ValueError, AttributeError, UnicodeDecodeError):
            pass
        detail = re.sub(r"[\x00-\x1f\x7f]", "?", detail)[:300]
        if resp.status == 404:
            return InputError(f"{self.host}: {what} not found (HTTP 404{': ' + detail if detail else ''})",
                              hint="check the repository, tag and digest")
        if resp.status == 403:
            return InputError(f"{self.host}: access to {self.ref.repo} denied (HTTP 403{': ' + detail if detail else ''})")
        return InputError(f"{self.host}: HTTP {resp.status} for {what}{': ' + detail if detail else ''}")


def _oserr(exc: BaseException) -> str:
    msg = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {msg}"[:200]


def _read_bounded(resp: _Resp, limit: int, what: str) -> bytes:
    parts, n = [], 0
    while True:
        b = resp.read(min(1 << 20, limit + 1 - n))
        if not b:
            break
        parts.append(b)
        n += len(b)
        if n > limit:
            raise InputError(f"{what} is implausibly large (over {limit} bytes)")
    return b"".join(parts)


# ---- blobs ----------------------------------------------------------------------------------

class BlobReader:
    """``read(n)`` over a blob, resumed with Range after a reset, checked against digest and size."""

    def __init__(self, client: Client, digest: str, size: int | None, what: str, check: bool = True,
                 cache: str | None = None):
        self.client, self.digest, self.size, self.what, self.check = client, digest, size, what, check
        algo, _, self.hexd = digest.partition(":")
        self.h = hashlib.new(algo)
        self.pos = 0
        self.resumes = 0
        self.total_resumes = 0
        self.resumed_at = 0
        self.resp: _Resp | None = None
        self.done = False
        self.file = None  # reading a cached copy
        self.tee = None  # writing a copy into the cache: (file, temp path, final path)
        final = os.path.join(cache, "blobs", algo, self.hexd) if cache else None
        if final and os.path.isfile(final):
            self.file = open(final, "rb")
            if check:  # a cached copy is verified before use (a corrupt one could still decompress)
                hv = hashlib.new(algo)
                for chunk in iter(lambda: self.file.read(1 << 20), b""):
                    hv.update(chunk)
                if hv.hexdigest() != self.hexd:
                    self.file.close()
                    os.unlink(final)
                    raise InputError(f"{what}: the cached copy {final} does not match its digest"
                                     " (removed; run again to fetch it)")
                self.file.seek(0)
            return
        if final:
            os.makedirs(os.path.dirname(final), exist_ok=True)
            tmp = f"{final}.part-{os.getpid()}-{threading.get_ident()}"
            self.tee = (open(tmp, "wb"), tmp, final)
        self._open()

    def _open(self) -> None:
        headers = {"Range": f"bytes={self.pos}-"} if self.pos else {}
        resp = self.client.open(f"/v2/{self.client.ref.repo}/blobs/{self.digest}", headers, self.what)
        if resp.status == 206 and self.pos:
            m = re.match(r"bytes (\d+)-", resp.header("Content-Range") or "")
            if not m or int(m.group(1)) != self.pos:
                resp.close()
                raise InputError(f"{self.client.host}: {self.what}: the registry resumed at the wrong offset")
        elif resp.status == 200:
            skip = self.pos  # no Range support: read from the start and drop what was already seen
            while skip:
                b = resp.read(min(skip, 1 << 20))
                if not b:
                    resp.close()
                    raise InputError(f"{self.client.host}: {self.what}: the blob got shorter on a retry")
                skip -= len(b)
        else:
            raise self.client.error(resp, self.what)
        self.resp = resp

    def read(self, n: int) -> bytes:
        if self.done:
            return b""
        if self.file is not None:
            b = self.file.read(n)
            if not b:
                self.done = True
                self.file.close()
                if self.check and self.h.hexdigest() != self.hexd:
                    os.unlink(self.file.name)
                    raise InputError(f"{self.what}: the cached copy {self.file.name} does not match its digest"
                                     " (removed; run again to fetch it)")
                return b""
            self.h.update(b)
            return b
        while True:
            try:
                b = self.resp.read(n)
            except (ConnectionError, socket.timeout, TimeoutError, http.client.HTTPException, ssl.SSLError,
                    OSError) as exc:
                b = None
                err = exc
            if b is None or (not b and self.size is not None and self.pos < self.size):
                self.resp.close()
                # a resume that made progress does not use up an attempt; 20 resumes per blob at most
                self.resumes = 1 if self.pos > self.resumed_at else self.resumes + 1
                self.total_resumes += 1
                self.resumed_at = self.pos
                if self.resumes >= self.client.opts.attempts or self.total_resumes > 20:
                    why = _oserr(err) if b is None else "the connection closed early"
                    raise TarError(f"{self.what}: truncated at byte {self.pos} of {self.size} ({why})",
                                   hint="the registry keeps dropping the connection") from None
                self.client._sleep(self.resumes, None)
                self._open()
                continue
            break
        if not b:
            self.done = True
            self.resp.close()
            if self.h.hexdigest() != self.hexd:
                if self.check:
                    raise InputError(f"{self.what}: content does not match its digest {self.digest}",
                                     hint="the registry served a corrupt or different blob")
            elif self.tee is not None:  # verified: the cached copy becomes visible
                fh, tmp, final = self.tee
                fh.close()
                os.replace(tmp, final)
                self.tee = None
            return b""
        self.pos += len(b)
        if self.size is not None and self.pos > self.size:
            self.resp.close()
            raise InputError(f"{self.what}: longer than the {self.size} bytes its descriptor says")
        self.h.update(b)
        if self.tee is not None:
            self.tee[0].write(b)
        return b

    def close(self) -> None:
        if self.resp is not None:
            self.resp.close()
        if self.file is not None:
            self.file.close()
        if self.tee is not None:  # unfinished or unverified: no partial blob is left behind
            fh, tmp, _final = self.tee
            fh.close()
            try:
                os.unlink(tmp)
            except OSError:
                pass
            self.tee = None


def _prefixed(first: bytes, read: Callable[[int], bytes]) -> Callable[[int], bytes]:
    pending = [first]

    def r(n: int) -> bytes:
        if pending[0]:
            b, pending[0] = pending[0], b""
            return b
        return read(n)

    return r


# ---- the source -----------------------------------------------------------------------------

class _Store:
    """What :func:`golayer.image.sources.choose_image` needs: ``has``/``read_bytes`` over the registry."""

    def __init__(self, client: Client, where: str, top: bytes, top_type: str, top_digest: str):
        self.client, self.path = client, where
        self.cache = {top_digest: top}
        self.index = {"schemaVersion": 2, "manifests": [{"mediaType": top_type, "digest": top_digest,
                                                          "size": len(top)}]}
        self.fetches = 0

    def has(self, name: str) -> bool:
        return name == "index.json"

    def read_bytes(self, name: str, what: str) -> bytes:
        from golayer.image.sources import MAX_JSON

        if name == "index.json":
            return json.dumps(self.index).encode()
        digest = name.replace("blobs/", "", 1).replace("/", ":", 1)
        if digest in self.cache:
            return self.cache[digest]
        if self.fetches > 256:
            raise InputError(f"{self.path}: the index fans out to more than 256 manifests")
        self.fetches += 1
        c = self.client
        if "config" in what:
            resp = c.open(f"/v2/{c.ref.repo}/blobs/{digest}", None, what)
        else:
            resp = c.open(f"/v2/{c.ref.repo}/manifests/{digest}", {"Accept": ACCEPT}, what)
            _refuse_schema1(resp.header("Content-Type"), self.path)
        if resp.status != 200:
            raise c.error(resp, f"{what} {digest}")
        try:
            data = _read_bounded(resp, MAX_JSON, f"{self.path}: {what} {digest}")
        finally:
            resp.close()
        self.cache[digest] = data
        return data


def _refuse_schema1(ctype: str | None, where: str, doc: Any = None) -> None:
    mt = (ctype or "").split(";")[0].strip()
    if mt in SCHEMA1 or (isinstance(doc, dict) and doc.get("schemaVersion") == 1):
        raise InputError(f"{where}: the registry serves a Docker schema 1 manifest, which golayer does not read",
                         hint="schema 1 is deprecated; re-push the image with a current docker, buildx or skopeo")


def machine_platform() -> str:
    import platform as _p

    m = _p.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "armv7l": "arm",
            "i686": "386", "i386": "386", "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}.get(m, m)
    return f"linux/{arch}"


def entrypoint_path(config: dict[str, Any]) -> str | None:
    """The absolute path of the program the image starts, when the config alone tells it."""
    import posixpath

    c = config.get("config") or {}
    argv = [str(a) for a in (c.get("Entrypoint") or []) + (c.get("Cmd") or [])] if isinstance(c, dict) else []
    if not argv or not argv[0]:
        return None
    first = argv[0]
    if not first.startswith("/"):
        if "/" not in first:
            return None  # found through PATH: any layer may hold it
        first = posixpath.join(str(c.get("WorkingDir") or "/"), first)
    return posixpath.normpath(first)


def _holds(rec: LayerRecord, path: str) -> str | None:
    """What layer ``rec`` does to ``path``: 'file', 'gone' (deleted or hidden), 'other', or None."""
    parents = set()
    p = path
    while "/" in p.strip("/"):
        p = p.rsplit("/", 1)[0]
        parents.add(p)
    for w in rec.whiteouts:
        if w == path or w in parents:
            return "gone"
    if any(o in parents for o in rec.opaques):
        hit = next((e for e in rec.members if e.path == path), None)
        return "file" if hit is not None and hit.type == "file" else "gone"
    for e in rec.members:
        if e.path == path:
            return "file" if e.type == "file" else "other"
        if e.path in parents and e.type != "dir":
            return "other"
    return None


def load(target: str, platform: str | None, verify: bool | None, progress: Callable[[str], None] | None,
         entrypoint_only: bool = False):
    """The image ``target`` (a reference) from its registry, as a :class:`~golayer.image.sources.Loaded`."""
    from golayer.image import sources

    ref = parse(target)
    opts = options()
    client = Client(ref, opts)
    where = str(ref)
    resp = client.open(f"/v2/{ref.repo}/manifests/{quote(ref.reference, safe=':')}", {"Accept": ACCEPT},
                       f"manifest {where}")
    if resp.status != 200:
        raise client.error(resp, f"manifest {where}")
    try:
        ctype = resp.header("Content-Type")
        _refuse_schema1(ctype, where)
        top = _read_bounded(resp, sources.MAX_JSON, f"{where}: manifest")
        header_digest = resp.header("Docker-Content-Digest")
    finally:
        resp.close()
    top_digest = ref.digest or (header_digest if header_digest and not header_digest.startswith("sha256:")
                                else "sha256:" + hashlib.sha256(top).hexdigest())
    if header_digest and header_digest.startswith("sha256:") and not ref.digest and \
            header_digest != "sha256:" + hashlib.sha256(top).hexdigest():
        raise InputError(f"{where}: the manifest does not match the digest the registry states ({header_digest})")
    doc = shapes.load_json(top, f"{where}: the manifest")  # nesting bombs and bad JSON: input errors
    if not isinstance(doc, dict):
        raise InputError(f"{where}: the manifest is not a JSON object")
    _refuse_schema1(None, where, doc)
    mt = doc.get("mediaType") or (ctype or "").split(";")[0].strip()
    if mt not in sources.INDEX_TYPES and mt not in sources.MANIFEST_TYPES:
        mt = "application/vnd.oci.image.index.v1+json" if "manifests" in doc else \
            "application/vnd.oci.image.manifest.v1+json"
    store = _Store(client, where, top, mt, top_digest)
    if progress:
        progress(f"{where}: manifest")
    plat, man, config = sources.choose_image(store, store.index, where, platform,
                                             default_platform=machine_platform())
    descs = man.get("layers") or []
    if not isinstance(descs, list):
        raise InputError(f"{where}: the manifest's layers are not a list")
    sources._check_layer_count(len(descs), where)
    ids = sources._diff_ids(config, len(descs), where)
    for i, d in enumerate(descs):
        lmt = d.get("mediaType") if isinstance(d, dict) else None
        if not isinstance(d, dict) or lmt not in sources.LAYER_TYPES:
            raise InputError(f"{where}: layer {i} has unknown media type {lmt!r}",
                             hint="only tar, tar+gzip and tar+zstd image layers are supported")
        if "foreign" in lmt or "nondistributable" in lmt:
            raise InputError(f"{where}: layer {i} is a foreign (non-distributable) layer ({lmt}): its bytes are not"
                             " in the registry but at URLs of its publisher; golayer does not fetch those",
                             hint="foreign layers are Windows base layers; golayer reads Linux images")
        sources._blob_name(d.get("digest", ""))
        if not isinstance(d.get("size"), int) or d["size"] < 0:
            raise InputError(f"{where}: layer {i} has no valid size in the manifest")
    budget = [CAPTURE_BUDGET]
    stats = {"bytes": 0, "done": 0, "shown": 0.0}
    t0 = time.perf_counter()
    lock = threading.Lock()
    total = sum(d["size"] for d in descs)

    def show(force: bool = False) -> None:  # bytes, layers, rate; at most twice a second
        now = time.perf_counter()
        if progress and (force or now - stats["shown"] >= 0.5):
            stats["shown"] = now
            rate = stats["bytes"] / max(now - t0, 1e-6) / 1e6
            progress(f"layers {stats['done']}/{len(descs)}, {stats['bytes'] / 1e6:.1f}/{total / 1e6:.1f} MB,"
                     f" {rate:.1f} MB/s")

    def counted(read: Callable[[int], bytes]) -> Callable[[int], bytes]:
        def r(n: int) -> bytes:
            b = read(n)
            if b and progress:
                with lock:
                    stats["bytes"] += len(b)
                    show()
            return b

        return r

    def one(i: int) -> LayerRecord:
        d = descs[i]
        digest, size = d["digest"], d["size"]
        name = f"{where}@{digest}"
        what = f"layer {i} ({digest})"

        raw = BlobReader(client, digest, size, what, cache=opts.cache)
        try:
            rec = _stream_layer(raw, name, size, verify is not False, budget, counted)
        except TarError as exc:  # the message does not name the blob: named here, once
            raise InputError(f"{where}: {what}: {exc.message}", hint=exc.hint) from None
        finally:
            raw.close()

        def reopen() -> Stream:
            r = BlobReader(client, digest, size, what, check=False, cache=opts.cache)
            first = r.read(4096)
            return Stream(decompressing(sniff(first), _prefixed(first, r.read), name, size))

        rec.reopen = reopen
        sources._check_digest(rec, ids[i], verify)
        with lock:
            stats["done"] += 1
            show(force=True)
        return rec

    jobs = min(opts.jobs, len(descs))
    path = entrypoint_path(config) if entrypoint_only else None
    first = 0
    got: dict[int, LayerRecord] = {}
    if path:  # top-down until the layer that decides what the entrypoint is
        for i in reversed(range(len(descs))):
            got[i] = one(i)
            state = _holds(got[i], path)
            if state in ("file", "gone"):
                first = i
                break
            if state == "other":  # a link or a replaced parent: the lower layers may matter
                break
    if path and first:
        recs = [got[i] for i in range(first, len(descs))]
    elif got:
        recs = [got[i] if i in got else one(i) for i in range(len(descs))]
    elif jobs <= 1:
        recs = [one(i) for i in range(len(descs))]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futs = [pool.submit(one, i) for i in range(len(descs))]
            try:
                recs = [f.result() for f in futs]
            except BaseException:
                for f in futs:
                    f.cancel()
                raise
    loaded = sources.Loaded("registry", where, config, recs, plat, [where], [])
    loaded.first_layer, loaded.entrypoint = first, path  # type: ignore[attr-defined]
    loaded.stats = {"requests": client.requests, "retries": client.retries}  # type: ignore[attr-defined]
    return loaded


def _stream_layer(raw: BlobReader, name: str, size: int, hash_tar: bool, budget: list[int],
                  counted: Callable[[Callable[[int], bytes]], Callable[[int], bytes]] = lambda r: r) -> LayerRecord:
    read = counted(raw.read)
    first = read(4096)
    kind = sniff(first)
    if kind == "unknown":
        raise InputError(f"{name}: unknown layer format (not a tar, gzip or zstd blob)")
    rec = LayerRecord(name=name, compression=kind)
    src = decompressing(kind, _prefixed(first, read), name, size)
    if hash_tar:
        parse_hashed(src, rec, True, budget)
    else:
        s = Stream(src)
        parse_layer(s, rec, capture=True, budget=budget)
        s.drain()
    while read(1 << 20):  # trailing bytes after the compressed stream still count for the digest
        pass
    return rec
