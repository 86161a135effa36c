"""Registry credentials, found the way the docker CLI finds them.

Order for a registry host (the first that yields credentials wins):

1. ``--username`` with the password from ``--password-stdin`` or ``GOLAYER_REGISTRY_PASSWORD``
   (``GOLAYER_REGISTRY_USERNAME`` also works): meant for CI, applies to the registry being read;
2. ``credHelpers[host]`` of the docker config -> ``docker-credential-<helper> get``;
3. ``credsStore`` of the docker config -> ``docker-credential-<store> get``;
4. ``auths[host]`` of the docker config: ``auth`` (base64 ``user:password``), ``username`` /
   ``password``, or ``identitytoken`` (an OAuth2 refresh token);
5. none: anonymous.

The docker config is ``$DOCKER_CONFIG/config.json``, else ``~/.docker/config.json``. Keys of
``auths`` are matched like the docker CLI does: ``host``, ``https://host``, ``http://host``, with
or without a path (``https://index.docker.io/v1/`` for Docker Hub).

A credential helper is a program the *user* configured (``docker-credential-pass``,
``-ecr-login``, ``-gcloud``, ...), found on ``PATH`` and run with the registry host on stdin; it is
never something read from an image or a repository. It gets 30 seconds.

Secrets never leave this module in a printable form: :class:`Credentials` hides them from
``repr``/``str``, error messages name the host and the source of the credentials only.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field

from golayer.errors import InputError

HUB_KEY = "https://index.docker.io/v1/"
HUB_HOSTS = ("docker.io", "index.docker.io", "registry-1.docker.io")


@dataclass
class Credentials:
    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    identity_token: str = field(default="", repr=False)  # OAuth2 refresh token (docker login to some registries)
    source: str = ""  # where they came from, for messages ("docker config auths", "credential helper pass")

    def __repr__(self) -> str:
        return f"Credentials(source={self.source!r})"

    __str__ = __repr__

    def basic(self) -> str:
        raw = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")


@dataclass
class Explicit:
    """Credentials given on the command line / environment (CI)."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)


def config_path() -> str:
    d = os.environ.get("DOCKER_CONFIG")
    if d:
        return os.path.join(d, "config.json")
    return os.path.join(os.path.expanduser("~"), ".docker", "config.json")


def _load_config() -> dict:
    path = config_path()
    try:
        with open(path, "rb") as fh:
            data = fh.read(4 << 20)
    except OSError:
        return {}
    try:
        cfg = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise InputError(f"{path} is not valid JSON (the docker CLI config)",
                         hint="fix it or point DOCKER_CONFIG at another directory") from None
    return cfg if isinstance(cfg, dict) else {}


def _keys(host: str) -> list[str]:
    if host in HUB_HOSTS:
        return [HUB_KEY, "index.docker.io", "docker.io", "https://index.docker.io", "registry-1.docker.io"]
    return [host, f"https://{host}", f"http://{host}"]


def _host_of_key(key: str) -> str:
    k = re.sub(r"^[a-z]+://", "", key)
    return k.split("/", 1)[0]


def _helper(name: str, host: str) -> Credentials | None:
    if not re.fullmatch(r"[A-Za-z0-9._-]+", name or ""):
        raise InputError(f"docker config names an invalid credential helper {name!r} (in {config_path()})")
    prog = shutil.which(f"docker-credential-{name}")
    if not prog:
        raise InputError(f"the docker config ({config_path()}) uses the credential helper {name!r} for {host},"
                         f" but docker-credential-{name} is not on PATH",
                         hint="install it, or remove it from the config")
    server = HUB_KEY if host in HUB_HOSTS else host
    try:
        r = subprocess.run([prog, "get"], input=server.encode() + b"\n", capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"credential helper docker-credential-{name} failed for {host}: {type(exc).__name__}") from None
    if r.returncode != 0:
        out = (r.stdout + r.stderr).decode("utf-8", "replace")
        if "credentials not found" in out.lower():
            return None
        # never echo the helper's output: a helper may print secrets in its errors
        raise InputError(f"credential helper docker-credential-{name} failed for {host} (exit {r.returncode})")
    try:
        data = json.loads(r.stdout)
        user, secret = str(data.get("Username") or ""), str(data.get("Secret") or "")
    except (ValueError, AttributeError, UnicodeDecodeError):
        raise InputError(f"credential helper docker-credential-{name} returned something that is not its JSON"
                         f" answer (for {host})") from None
    if not secret:
        return None
    if user == "<token>":  # the helper protocol's marker for an identity (refresh) token
        return Credentials(identity_token=secret, source=f"credential helper {name}")
    return Credentials(user, secret, source=f"credential helper {name}")


def lookup(host: str, explicit: Explicit | None = None) -> Credentials | None:
    """Credentials for ``host`` (a registry host[:port]) or None (anonymous)."""
    if explicit and explicit.username:
        if explicit.password is None:
            raise InputError("--username needs a password: pipe it to --password-stdin or set GOLAYER_REGISTRY_PASSWORD")
        return Credentials(explicit.username, explicit.password, source="--username")
    cfg = _load_config()
    helpers = cfg.get("credHelpers") if isinstance(cfg.get("credHelpers"), dict) else {}
    for k in _keys(host):
        if k in helpers:
            return _helper(str(helpers[k]), host)
    auths = cfg.get("auths") if isinstance(cfg.get("auths"), dict) else {}
    entry = None
    for k in _keys(host):
        if isinstance(auths.get(k), dict):
            entry = auths[k]
            break
    if entry is None:
        for k, v in auths.items():
            if isinstance(v, dict) and _host_of_key(str(k)) == host:
                entry = v
                break
    store = cfg.get("credsStore")
    if isinstance(store, str) and store:
        got = _helper(store, host)
        if got is not None:
            return got
    if not entry:
        return None
    where = f"docker config auths ({config_path()})"
    if entry.get("identitytoken"):
        return Credentials(username=str(entry.get("username") or ""), identity_token=str(entry["identitytoken"]),
                           source=where)
    if entry.get("auth"):
        try:
            raw = base64.b64decode(str(entry["auth"]), validate=False).decode("utf-8")
            user, sep, pw = raw.partition(":")
        except (ValueError, UnicodeDecodeError):
            sep = ""
        if not sep:
            raise InputError(f"{config_path()}: the auths entry for {host} is not base64 'user:password'")
        return Credentials(user, pw, source=where)
    if entry.get("username") and entry.get("password"):
        return Credentials(str(entry["username"]), str(entry["password"]), source=where)
    return None


_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^",\s]*))\s*,?')


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``WWW-Authenticate: Bearer realm="...",service="...",scope="..."`` -> ("bearer", {...})."""
    header = (header or "").strip()
    scheme, _, rest = header.partition(" ")
    params: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        m = _PARAM.match(rest, pos)
        if not m or m.end() == pos:
            break
        params[m.group(1).lower()] = m.group(2).replace('\\"', '"') if m.group(2) is not None else m.group(3)
        pos = m.end()
    return scheme.lower(), params
