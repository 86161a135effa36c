"""A credential reaches an image layer, the image config or the build history.

## What it finds
* An `ARG` in a stage named like a credential (`GITHUB_TOKEN`, `GH_TOKEN`, `GITLAB_TOKEN`, `NPM_TOKEN`,
  `*_TOKEN`, `*_PASSWORD`, `*_SECRET`, `*_KEY`, `*_API_KEY`, `*_PAT`, ...; not `*_PUBLIC_KEY`, `*_KEY_ID`,
  `GPG_KEY`, `CACHE_KEY`) that is followed by a `RUN` in that stage.
* An `ENV` named like a credential with a non-empty value.
* A value that looks like a real token anywhere in an instruction or heredoc: GitHub (`ghp_`, `gho_`,
  `ghs_`, `ghu_`, `ghr_`, `github_pat_`), GitLab (`glpat-`), Slack (`xoxb-`, `xoxp-` ...), AWS access key
  ids (`AKIA...`), npm (`npm_...`).
* `git config url.https://user:TOKEN@host/.insteadOf ...` written to a git config file that stays in
  the layer (`--global`, `--system`, a repository's config), also when the token is read from a build
  secret - the secret is then copied into `~/.gitconfig` - unless the same RUN removes it again.
* A RUN writing `.netrc` / `.git-credentials` into the layer (redirect, `tee`, `cp`) that the same RUN
  does not delete, and a `COPY`/`ADD` of such files or of SSH private keys from the context.
* `GOPROXY`, `GOSUMDB`, `GONOSUMDB`, `GOPRIVATE`, `GONOPROXY` or `GOINSECURE` set with a URL carrying
  `user:password@`.

Not reported: anything that comes from `RUN --mount=type=secret` and stays there:
`RUN --mount=type=secret,id=netrc,target=/root/.netrc go mod download`, an `env=` secret mount, or
`GITHUB_TOKEN=$(cat /run/secrets/gh) go mod download` inside a secret-mounted RUN. Global ARGs before
the first `FROM` are only reported once a stage re-declares them.

## Why it is bad
Measured (FACTS): a `--build-arg` value of a declared ARG is written into the image history of every
later RUN of the stage, referenced or not, in both builders: `RUN |1 GITHUB_TOKEN=ghp_… /bin/sh -c echo
building` (`docker history --no-trunc` shows it). An `ENV` value is part of the image config
(`docker inspect`), inherited by every stage and image built FROM it; files written by a RUN stay in
its layer even when a later instruction deletes them. `RUN --mount=type=secret` leaves no trace in
layers or history. In a builder stage that is not part of the final image the value still lands in
the build cache, in intermediate images of the legacy builder and in any `--cache-to` export.

## Example
Bad:
```dockerfile
FROM golang:1.22 AS build
ARG GITHUB_TOKEN
RUN git config --global url."https://x:${GITHUB_TOKEN}@github.com/".insteadOf "https://github.com/"
RUN go mod download
```
Good:
```dockerfile
FROM golang:1.22 AS build
ENV GOPRIVATE=github.com/myorg/*
RUN --mount=type=secret,id=netrc,target=/root/.netrc go mod download
```
built with `docker build --secret id=netrc,src=$HOME/.netrc .`

## Fix
No automatic fix. Pass credentials with `--secret` and `RUN --mount=type=secret` (mounted as
`/root/.netrc`, or as an environment variable with `env=`), never as ARG/ENV or files written in a RUN.
Rotate any token that has already been built into an image or pushed history.

## References
- https://docs.docker.com/build/building/secrets/
- https://docs.docker.com/reference/dockerfile/#run---mounttypesecret
- https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/
- https://go.dev/ref/mod#private-module-proxy-auth
"""

from __future__ import annotations

import re
from typing import Iterator

from golayer.catalogue import Rule
from golayer.dockerfile import gofacts
from golayer.dockerfile.model import Command, DockerfileModel, Instruction, is_unknown
from golayer.findings import Finding, Severity

RULE = Rule(
    code="GLD037",
    name="secret-in-build",
    severity=Severity.ERROR,
    summary="a credential reaching a layer or the history: ARG/ENV tokens, `git config … insteadOf` with a "
            "token, writing .netrc; not when it comes from `--mount=type=secret`",
)

_SECRET_NAME = re.compile(
    r"(^|_)(TOKEN|PASSWORD|PASSWD|PASSPHRASE|PASS|PWD|SECRET|SECRETS|APIKEY|API_KEY|ACCESS_KEY|PRIVATE_KEY|"
    r"SECRET_KEY|KEY|PAT|CREDENTIALS|CREDS|AUTH_TOKEN)$")
_NOT_SECRET = re.compile(
    r"(PUBLIC_KEY|PUBKEY|_KEY_ID|KEYID|GPG_KEY|PGP_KEY|GPGKEY|CACHE_KEY|SORT_KEY|PARTITION_KEY|KEYRING|"
    r"SIGNING_KEY_ID|^PWD$|^OLDPWD$|_HASH_KEY$|^KEY$)")
_TOKENS = [
    (re.compile(r"\b(gh[pousr]_[A-Za-z0-9]{20,})"), "a GitHub token"),
    (re.compile(r"\b(github_pat_[A-Za-z0-9_]{20,})"), "a GitHub fine-grained token"),
    (re.compile(r"\b(glpat-[A-Za-z0-9_\-]{20,})"), "a GitLab token"),
    (re.compile(r"\b(xox[abposr]-[A-Za-z0-9-]{10,})"), "a Slack token"),
    (re.compile(r"\b((?:AKIA|ASIA)[0-9A-Z]{16})\b"), "an AWS access key id"),
    (re.compile(r"\b(npm_[A-Za-z0-9]{36})\b"), "an npm token"),
]
_TOKEN_HINT = re.compile(r"gh[pousr]_|github_pat_|glpat-|xox[abposr]-|AKIA|ASIA|npm_")  # cheap prefilter
_USERINFO = re.compile(r"://([^/@\s:]+):(\$\([^)]*\)|\$\{[^}]*\}|[^/@\s]+)@|://(\$\([^)]*\)|\$\{[^}]*\}|[^/@\s:]{8,})@")
_CRED_FILES = (".netrc", "_netrc", ".git-credentials")
_KEY_FILES = ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")
_GO_URL_VARS = ("GOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOINSECURE")


def secret_name(name: str) -> bool:
    n = name.upper()
    return bool(_SECRET_NAME.search(n)) and not _NOT_SECRET.search(n) and n not in ("GOAUTH",)


def _basename(p: str) -> str:
    return p.rstrip("/").rsplit("/", 1)[-1]


def _declared(ins: Instruction) -> list[tuple[str, str | None]]:
    if ins.cmd == "ARG":
        out = []
        for a in ins.args:
            k, eq, v = a.partition("=")
            if k.strip():
                out.append((k.strip(), v if eq else None))
        return out
    if ins.cmd == "ENV":
        return list(zip(ins.args[0::2], ins.args[1::2]))
    return []


def _later_run(ins: Instruction) -> bool:
    st = ins.stage
    if st is None:
        return False
    seen = False
    for x in st.instructions:
        if x is ins:
            seen = True
        elif seen and x.cmd == "RUN":
            return True
    return False


def _where(ins: Instruction) -> str:
    st = ins.stage
    if st is None:
        return ""
    return f"stage {st.label}" + ("" if st.in_final_image else " (a builder stage: build cache and history)")


def _secret_paths(ins: Instruction) -> set[str]:
    return {m.target for m in ins.mounts if m.target} | {"/run/secrets"}


def _from_secret(text: str, ins: Instruction, c: Command | None) -> bool:
    """Does this credential text come from a secret mount of this RUN?"""
    if not any(m.type == "secret" for m in ins.mounts):
        return False
    if "/run/secrets/" in text or any(m.target and m.target in text for m in ins.mounts if m.type == "secret"):
        return True
    envs = {m.env for m in ins.mounts if m.type == "secret" and m.env}
    for var in re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text):
        if var in envs:
            return True
        val = (c.env.get(var) if c is not None else None) or ""
        if "/run/secrets/" in val or any(m.target and m.target in val for m in ins.mounts if m.type == "secret"):
            return True
    return False


def _mounted(path: str, ins: Instruction) -> bool:
    for m in ins.mounts:
        if m.target and m.type in ("secret", "tmpfs", "cache", "bind") and (
                path == m.target or path.startswith(m.target.rstrip("/") + "/")):
            return True
    return False


def _abs(path: str, ins: Instruction, c: Command) -> str:
    home = c.env.get("HOME") or "/root"
    p = path.replace("${HOME}", home).replace("$HOME", home)
    if p.startswith("~/"):
        p = home + p[1:]
    if not p.startswith("/") and not is_unknown(ins.workdir):
        p = ins.workdir.rstrip("/") + "/" + p
    return p


def _removed_later(ins: Instruction, c: Command, suffixes: tuple[str, ...], git_unset: bool = False) -> bool:
    after = False
    for x in ins.commands:
        if x is c:
            after = True
            continue
        if not after:
            continue
        if x.name in ("rm", "shred", "unlink") and any(a.endswith(suffixes) for a in x.argv[1:]):
            return True
        if git_unset and x.name == "git" and "config" in x.argv and any(
                a in ("--unset", "--unset-all", "--remove-section") for a in x.argv):
            return True
    return False


def check(model: DockerfileModel) -> Iterator[Finding]:
    hint = "pass it with --secret and RUN --mount=type=secret (as a file or env=), never as ARG/ENV; " \
           "rotate the credential"
    for ins in model.instructions:
        st = ins.stage
        if st is None:
            continue
        label = st.label
        # 1. ARG/ENV named like credentials
        for name, value in _declared(ins):
            if not secret_name(name):
                continue
            if ins.cmd == "ARG":
                if not _later_run(ins):
                    continue
                yield RULE.finding(
                    f"ARG {name} in {_where(ins)}: its --build-arg value is recorded in the history of every "
                    "later RUN",
                    line=ins.start_line, end_line=ins.end_line, stage=label, hint=hint,
                    subject=f"ARG {name}")
            else:
                if value is None or value.strip().strip("'\"") == "":
                    continue
                yield RULE.finding(
                    f"ENV {name} in {_where(ins)}: the value is stored in the image config (docker inspect) "
                    "and inherited by every stage built on it",
                    line=ins.start_line, end_line=ins.end_line, stage=label, hint=hint,
                    subject=f"ENV {name}")
        # 2. token-looking literals
        texts = [ins.original] + [body for _, body in ins.heredocs]
        found: set[str] = set()
        for text in texts:
            if not _TOKEN_HINT.search(text):
                continue
            for rx, what in _TOKENS:
                for m in rx.finditer(text):
                    tok = m.group(1)
                    if tok in found:
                        continue
                    found.add(tok)
                    shown = tok[:8] + "…"
                    yield RULE.finding(
                        f"{ins.cmd} in stage {label} contains {what} ({shown}): it is in the Dockerfile and "
                        "the image history",
                        line=ins.start_line, end_line=ins.end_line, stage=label, hint=hint,
                        subject=f"token {tok[:12]}")
        # 3. credential files copied from the context
        if ins.cmd in ("COPY", "ADD") and not ins.copy_from:
            for src in ins.copy_sources:
                b = _basename(src)
                if b in _CRED_FILES or b in _KEY_FILES:
                    yield RULE.finding(
                        f"{ins.cmd} {src} in stage {label} puts a credential file into the layer",
                        line=ins.start_line, end_line=ins.end_line, stage=label,
                        hint="mount it for the one RUN that needs it: RUN --mount=type=secret,id=...,target=...",
                        subject=f"copy {b}")
        if ins.cmd != "RUN":
            continue
        for c in ins.commands:
            # 4. git config url.<cred>.insteadOf
            url = c.git_insteadof
            if url:
                m = _USERINFO.search(url)
                if m and not (c.argv and ("--unset" in c.argv or "--unset-all" in c.argv)):
                    cred = m.group(2) or m.group(3) or ""
                    scope = "/etc/gitconfig" if "--system" in c.argv else (
                        "~/.gitconfig" if "--global" in c.argv else "the repository's .git/config")
                    if not _removed_later(ins, c, ("gitconfig", "/config"), git_unset=True):
                        src = "the build secret" if _from_secret(cred, ins, c) else "the credential"
                        yield RULE.finding(
                            f"git config …insteadOf in stage {label} writes {src} into {scope} in the layer",
                            line=c.line, end_line=c.line, stage=label,
                            hint="use a secret-mounted .netrc (RUN --mount=type=secret,id=netrc,"
                                 "target=/root/.netrc) instead of a token in git config",
                            subject=f"insteadof {label}:{c.line}")
            # 5. .netrc / .git-credentials written in the layer
            for w in c.writes_files:
                b = _basename(w)
                if b not in _CRED_FILES:
                    continue
                path = _abs(w, ins, c)
                if _mounted(path, ins) or _removed_later(ins, c, (b,)):
                    continue
                yield RULE.finding(
                    f"RUN in stage {label} writes {w}: the credentials stay in the layer",
                    line=c.line, end_line=c.line, stage=label,
                    hint="mount it instead: RUN --mount=type=secret,id=netrc,target=/root/.netrc go mod download",
                    subject=f"write {b} {label}:{c.line}")
    # 6. credentials inside Go proxy/checksum URLs
    for src in gofacts.setting_sources(model, _GO_URL_VARS):
        m = _USERINFO.search(src.value)
        if not m or (src.command is not None and _from_secret(src.value, src.instruction, src.command)):
            continue
        label = src.stage.label if src.stage is not None else None
        yield RULE.finding(
            f"{src.name} in stage {label} carries credentials in its URL ({src.how})",
            line=src.line, end_line=src.line, stage=label,
            hint="let the go command read them from a secret-mounted .netrc (or GOAUTH) instead",
            subject=f"{src.name} url {src.line}")
