"""A Go container with no memory limit.

**Opt-in**: this rule runs only when selected by name or code (`--select memory-limit-missing`, or
`select = ["memory-limit-missing", ...]` in the config). A missing limit is not specific to Go, and
on 46 public repositories most containers without one were in install manifests that leave
resources to the user or in development compose files (docs/corpus-runtime.md); Kubernetes
linters (kube-linter, Polaris) cover it for every container. When selected it judges only
containers golayer knows (or, with `--assume-go`, assumes) to be Go.

## What it finds
A Go container with no memory limit: no `resources.limits.memory` (and no pod-level limit or `LimitRange` default in
the same input), no compose `mem_limit` / `deploy.resources.limits.memory` (or `-1`/`0`, which
mean unlimited). Containers that set a numeric `GOMEMLIMIT` are reported by
`gomemlimit-without-limit` instead.

## Why it is bad
Without a limit neither the kernel nor the Go runtime bounds the process: the Go heap grows with
the node's memory (the runtime does not read any limit it is not told about), a leak or a burst is
paid for by every other pod on the node, and the scheduler cannot place the pod by its real
needs. A limit plus `GOMEMLIMIT` at ~90% of it makes the GC work harder before the kernel kills.

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
  resources: {limits: {memory: 512Mi}}
  env:
  - {name: GOMEMLIMIT, value: 460MiB}
```

## Fix
Choose a limit from the service's measured peak; golayer cannot know it. No automatic edit.
A cluster-wide `LimitRange` default satisfies the rule when it is part of the input.

## References
- https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
- https://kubernetes.io/docs/concepts/policy/limit-range/
- https://go.dev/doc/gc-guide#Memory_limit
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.findings import Finding, Severity
from golayer.rules.runtime._common import finding, limit_key, ratio_text
from golayer.runtime.model import RuntimeModel

RULE = Rule(
    code="GLR007",
    name="memory-limit-missing",
    severity=Severity.WARNING,
    summary="a Go container with no memory limit",
)

# Off unless selected by name or code (--select, or select in the config): not specific to Go.
OPT_IN = True


def check(model: RuntimeModel) -> Iterator[Finding]:
    for w, c in model.go_containers():
        if c.memory_limit is not None:
            continue
        ev = c.var("GOMEMLIMIT")
        gml = c.gomemlimit()
        if ev is not None and (gml is None or gml.bytes is not None or ev.source == "resourceFieldRef"):
            continue  # gomemlimit-without-limit's case (or a value we cannot see)
        fix = f"set {limit_key(w)} and GOMEMLIMIT to {ratio_text(model)} of it"
        yield finding(
            RULE, w, c,
            f"{'init container' if c.init else 'container'} {c.name} has no memory limit: the Go heap is bounded "
            f"only by the node's memory; {fix}",
            c.line, "nolimit", hint=fix)
