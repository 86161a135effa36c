"""A long-running Go workload without liveness and readiness probes.

**Opt-in**: this rule runs only when selected by name or code (`--select probes-missing`, or
`select = ["probes-missing", ...]` in the config): probes are not specific to Go (Kubernetes
linters cover them for every container), and many Go controllers and agents without a network
endpoint have none on purpose. When selected it judges only containers golayer knows (or, with
`--assume-go`, assumes) to be Go.

## What it finds
A container of a long-running Kubernetes workload (Deployment, StatefulSet, DaemonSet, ReplicaSet,
ReplicationController, or a Pod with `restartPolicy: Always`, the default) without a
`livenessProbe` or without a `readinessProbe`. Jobs, CronJobs, init containers and sidecars are
not checked; neither are compose services (compose has no readiness concept; its `healthcheck`
does not restart anything by itself).

## Why it is bad
Without a readiness probe a pod receives traffic as soon as its process starts, before the Go
server has bound its port or warmed its caches, and keeps receiving it while it shuts down or is
stuck; without a liveness probe a deadlocked Go program (all goroutines asleep but the process
alive, or a wedged mutex) is never restarted. Both are cheap for a Go HTTP service: one handler.

## Example
Bad:
```yaml
containers:
- name: api
  image: registry.example.com/api:1.4
```
Good:
```yaml
containers:
- name: api
  image: registry.example.com/api:1.4
  readinessProbe: {httpGet: {path: /readyz, port: 8080}}
  livenessProbe: {httpGet: {path: /healthz, port: 8080}}
```

## Fix
Add both probes; the endpoints are the program's. No automatic edit. Programs that serve no network
traffic can suppress the rule with the `golayer/ignore: probes-missing` annotation.

## References
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.findings import Finding, Severity
from golayer.rules.runtime._common import finding
from golayer.runtime.model import RuntimeModel

RULE = Rule(
    code="GLR008",
    name="probes-missing",
    severity=Severity.WARNING,
    summary="a long-running Go workload without liveness and readiness probes",
)

# Off unless selected by name or code (--select, or select in the config): not specific to Go.
OPT_IN = True


def check(model: RuntimeModel) -> Iterator[Finding]:
    for w, c in model.go_containers():
        if w.source != "kubernetes" or not w.long_running or c.init or c.sidecar:
            continue
        missing = [p for p, ok in (("livenessProbe", c.liveness), ("readinessProbe", c.readiness)) if not ok]
        if not missing:
            continue
        what = " and no ".join(missing)
        yield finding(
            RULE, w, c,
            f"{w.ref} container {c.name} has no {what}: "
            + ("traffic reaches it before it is ready and while it is stuck" if "readinessProbe" in missing
               else "a deadlocked process is never restarted"),
            c.line, "probes", hint=f"add {' and '.join(missing)} (e.g. httpGet on a /healthz handler)", missing=missing)
