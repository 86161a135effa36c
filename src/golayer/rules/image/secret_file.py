"""A credentials file is in the image -- visible, or hidden in a lower layer.

## What it finds
Files that hold credentials, read and confirmed by content (file names alone do not fire):
`.netrc` / `_netrc` with a `password`; `.git-credentials` with a `scheme://user:secret@host`
line; a `.gitconfig` / `gitconfig` with a token (a `https://user:token@` URL, an
`extraheader = AUTHORIZATION: ...`, or a `ghp_`/`github_pat_`/`glpat-` token); private keys
under `.ssh/` (`-----BEGIN ... PRIVATE KEY-----`); a `.docker/config.json` whose `auths` hold an
`auth`, `password` or `identitytoken`. Files deleted by a later layer are reported too: the layer
that added them still ships them.

## Why it is bad
Anyone who can pull the image can read every layer: `docker save` and a tar extract recover a
"deleted" file in seconds. Measured: a `--build-arg` token even lands in the image *history*;
only `RUN --mount=type=secret` leaves no trace in layers or history.

## Example
Bad:
```dockerfile
COPY .netrc /root/.netrc
RUN go mod download && rm /root/.netrc
```
Good:
```dockerfile
RUN --mount=type=secret,id=netrc,target=/root/.netrc go mod download
```

## Fix
No automatic fix. Rotate the credential (it has been published to everyone with pull access),
then use `RUN --mount=type=secret` (or `--mount=type=ssh` for git over SSH).

## References
- https://docs.docker.com/build/building/secrets/
"""

import json
import re

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.rules.image._util import layer_desc

RULE = Rule("GLI009", "image-secret-file", Severity.ERROR, "a credentials file (.netrc, git credentials, SSH key, docker auth) is in a layer")

_TOKEN = re.compile(rb"(ghp_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_\-]{16,}|"
                    rb"https?://[^/\s:@]+:[^@\s]+@|extraheader\s*=\s*authorization:)", re.I)
_CRED_URL = re.compile(rb"[a-z][a-z0-9+.-]*://[^/\s:@]*:[^@\s]+@", re.I)


def classify(path: str, data: bytes) -> str | None:
    """What kind of secret the file holds, or None."""
    base = path.rsplit("/", 1)[-1]
    if base in (".netrc", "_netrc"):
        return ".netrc credentials" if re.search(rb"\bpassword\s+\S", data) else None
    if base == ".git-credentials":
        return "git credentials" if _CRED_URL.search(data) else None
    if base in (".gitconfig", "gitconfig") or path.endswith("/.config/git/config") or path.endswith("/.git/config"):
        return "a token in git config" if _TOKEN.search(data) else None
    if "/.ssh/" in path and not base.endswith(".pub"):
        return "an SSH private key" if re.search(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----", data) else None
    if path.endswith("/.docker/config.json"):
        try:
            doc = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            return None
        auths = doc.get("auths") if isinstance(doc, dict) else None
        if isinstance(auths, dict):
            for v in auths.values():
                if isinstance(v, dict) and any(v.get(k) for k in ("auth", "password", "identitytoken")):
                    return "registry credentials"
    return None


_NAMES = frozenset((".netrc", "_netrc", ".git-credentials", ".gitconfig", "gitconfig"))
_ENDINGS = ("/.docker/config.json", "/.config/git/config", "/.git/config")


def _candidate(path: str) -> bool:  # runs for every file of the image: one C call per test
    return path[path.rfind("/") + 1 :] in _NAMES or "/.ssh/" in path or path.endswith(_ENDINGS)


def _read(ana, e) -> bytes | None:
    try:
        return ana.tree.read(e, 65536)
    except Exception:  # unreadable (streamed and not kept): nothing to confirm
        return None


def check(ana):
    names, endings = _NAMES, _ENDINGS
    for e in ana.tree.iter():  # _candidate() inline: this loop runs once per file of the image
        if e.type == "file" and e.size and e.size <= 1 << 20 and (
                (p := e.path)[p.rfind("/") + 1 :] in names or "/.ssh/" in p or p.endswith(endings)):
            data = _read(ana, e)
            kind = classify(e.path, data) if data else None
            if kind:
                yield RULE.finding(f"{e.path} holds {kind} and is visible in the final image ({layer_desc(ana, e.layer)})",
                                   hint="rotate the credential, then use RUN --mount=type=secret",
                                   location=ana.ref, layer=e.layer, path=e.path, bytes=e.size,
                                   subject=f"{e.path}@{e.layer}")
    for (path, size, layer, hider, _cat), e in zip(ana.hidden, getattr(ana, "hidden_entries", [])):
        if size and size <= 1 << 20 and _candidate(path):
            data = _read(ana, e)
            kind = classify(path, data) if data else None
            if kind:
                yield RULE.finding(
                    f"{path} holds {kind}: deleted by layer {hider}, but still stored in {layer_desc(ana, layer)}"
                    " -- anyone who pulls the image can read it",
                    hint="rotate the credential, then use RUN --mount=type=secret",
                    location=ana.ref, layer=layer, path=path, bytes=size, hidden_by=hider,
                    subject=f"{path}@{layer}")
