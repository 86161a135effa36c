"""The image runs as root.

## What it finds
An image config whose `User` is empty, `root`, `0`, or `0:<group>` / `root:<group>` -- the
container's process runs as uid 0 unless the runtime overrides it.

## Why it is bad
A Go service rarely needs root: binding ports below 1024 needs only `CAP_NET_BIND_SERVICE`, and
a static Go binary needs no writable system paths. Root in the container turns an RCE or a path
traversal bug into write access to everything the container can reach, and Kubernetes
`runAsNonRoot: true` refuses to start such images.

## Example
Bad:
```dockerfile
FROM gcr.io/distroless/static
COPY app /app
ENTRYPOINT ["/app"]
```
Good:
```dockerfile
FROM gcr.io/distroless/static
COPY app /app
USER 65532:65532
ENTRYPOINT ["/app"]
```

## Fix
No automatic fix. Add `USER <uid>:<gid>` (a numeric uid works on `scratch`, which has no
/etc/passwd) to the final stage.

## References
- https://docs.docker.com/reference/dockerfile/#user
- https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
"""

from golayer.catalogue import Rule
from golayer.findings import Severity

RULE = Rule("GLI008", "image-runs-as-root", Severity.WARNING, "the image's default user is root")


def check(ana):
    user = str(((ana.config.get("config") or {}).get("User")) or "").strip()
    name = user.split(":", 1)[0]
    if name in ("", "root", "0"):
        shown = repr(user) if user else "not set"
        yield RULE.finding(f"the image runs as root (config User is {shown})",
                           hint="add `USER 65532:65532` (or another non-root uid) to the final stage",
                           location=ana.ref, subject="user")
