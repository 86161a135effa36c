"""The entrypoint needs a shell that the image does not have.

## What it finds
An image whose `Entrypoint` (or, without one, `Cmd`) starts a shell -- the shell form
`["/bin/sh", "-c", "..."]` that `ENTRYPOINT app` / `CMD app` produce, an explicit `sh`/`bash`
command, or a script whose `#!` line names an interpreter -- when that shell or interpreter does
not resolve inside the image (following the image's own symlinks and its `PATH`).

## Why it is bad
Measured: on images without `/bin/sh` (scratch, distroless) any shell form fails to start at all:
exit 127, `exec: "/bin/sh": stat /bin/sh: no such file or directory`; a shell-form HEALTHCHECK
there reports `unhealthy` forever. Where a shell exists, shell form still leaves `sh` as PID 1 on
dash-based images, so the Go program never sees SIGTERM (5.1 s to stop instead of 0.2 s).

## Example
Bad:
```dockerfile
FROM scratch
COPY app /app
ENTRYPOINT /app --port 8080
```
Good:
```dockerfile
FROM scratch
COPY app /app
ENTRYPOINT ["/app", "--port", "8080"]
```

## Fix
No automatic fix on the image (the lint rule for shell-form ENTRYPOINT/CMD rewrites the
Dockerfile). Use the exec (JSON) form.

## References
- https://docs.docker.com/reference/dockerfile/#shell-and-exec-form
"""

from golayer.catalogue import Rule
from golayer.findings import Severity

RULE = Rule("GLI010", "entrypoint-needs-shell", Severity.ERROR, "the entrypoint needs a shell or interpreter that is not in the image")

SHELLS = {"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox"}
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _lookup(ana, prog: str):
    tree = ana.tree
    if "/" in prog:
        p = prog if prog.startswith("/") else "/" + prog
        return tree.resolve(p), p
    path = ana.env.get("PATH", DEFAULT_PATH)
    for d in path.split(":"):
        if d:
            e = tree.resolve(d.rstrip("/") + "/" + prog)
            if e is not None and e.type in ("file", "hardlink"):
                return e, d.rstrip("/") + "/" + prog
    return None, prog


def check(ana):
    cfg = ana.config.get("config") or {}
    ep = cfg.get("Entrypoint") or []
    cmd = cfg.get("Cmd") or []
    argv = list(ep) + list(cmd) if ep else list(cmd)
    if not argv or not isinstance(argv[0], str):
        return
    which = "ENTRYPOINT" if ep else "CMD"
    prog = argv[0]
    base = prog.rsplit("/", 1)[-1]
    shown = " ".join(str(a) for a in argv)
    if len(shown) > 80:
        shown = shown[:79] + "…"
    if base in SHELLS:
        e, where = _lookup(ana, prog)
        if e is None:
            yield RULE.finding(
                f"{which} runs `{shown}` but {where} does not exist in this image: the container will fail to"
                f" start with exit 127 (`exec: \"{prog}\": stat {prog}: no such file or directory`)",
                hint='use the exec form, e.g. ENTRYPOINT ["/app"]', location=ana.ref, path=where, subject=which)
        return
    e, where = _lookup(ana, prog)
    if e is None or e.type not in ("file", "hardlink"):
        return
    try:
        head = ana.tree.read(e, 256)
    except Exception:
        return
    if not head.startswith(b"#!"):
        return
    line = head[2:].split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    if not line:
        return
    parts = line.split()
    interp = parts[0]
    if interp.endswith("/env") and len(parts) > 1:
        ie, iwhere = _lookup(ana, parts[1])
        if _lookup(ana, interp)[0] is None:
            ie, iwhere = None, interp
    else:
        ie, iwhere = _lookup(ana, interp)
    if ie is None:
        yield RULE.finding(
            f"{which} starts the script {where}, whose `#!{line}` interpreter {iwhere} does not exist in this image:"
            f" the container will fail with `exec {where}: no such file or directory`",
            hint="ship the interpreter, or make the entrypoint the Go binary itself", location=ana.ref, path=where,
            subject=f"{which}:{where}")
