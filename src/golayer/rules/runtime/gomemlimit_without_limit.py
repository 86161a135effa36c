"""`GOMEMLIMIT` set for a container that has no memory limit.

## What it finds
A Go container with a numeric `GOMEMLIMIT` but no memory limit (`resources.limits.memory`,
`LimitRange` default, compose `mem_limit` / `deploy.resources.limits.memory`), including
`resourceFieldRef: {resource: limits.memory}` in a container without a limit, where Kubernetes
substitutes the node's allocatable memory.

## Why it is bad
GOMEMLIMIT is a soft limit meant to keep the Go heap under a hard one. Without a container limit
there is nothing to protect: the process may still grow past GOMEMLIMIT (the runtime lets it when
the live heap needs it), the node's memory is the only bound, and other pods pay for it. It is
usually a forgotten `limits.memory`: the setting was copied without the limit it was computed from.

## Example
Bad:
```yaml
env:
- {name: GOMEMLIMIT, value: 921MiB}
# no resources.limits.memory
```
Good:
```yaml
resources: {limits: {memory: 1Gi}}
env:
- {name: GOMEMLIMIT, value: 921MiB}
```

## Fix
golayer prints the matching limit: GOMEMLIMIT divided by `gomemlimit-ratio`, rounded up to whole
Mi, in Kubernetes (`1Gi`) or compose (`1g`) syntax. No automatic edit.

## References
- https://go.dev/doc/gc-guide#Memory_limit
- https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Iterator

from golayer.catalogue import Rule
from golayer.findings import Finding, Severity
from golayer.runtime import quantities as q
from golayer.rules.runtime._common import finding, limit_key, ratio_text
from golayer.runtime.model import RuntimeModel

RULE = Rule(
    code="GLR004",
    name="gomemlimit-without-limit",
    severity=Severity.WARNING,
    summary="GOMEMLIMIT with no container memory limit for it to protect",
)


def check(model: RuntimeModel) -> Iterator[Finding]:
    for w, c in model.go_containers():
        if c.memory_limit is not None:
            continue
        ev = c.var("GOMEMLIMIT")
        if ev is None:
            continue
        if ev.source == "resourceFieldRef" and ev.resource == "limits.memory":
            yield finding(
                RULE, w, c,
                "GOMEMLIMIT from resourceFieldRef limits.memory, but the container has no memory limit: "
                "Kubernetes substitutes the node's allocatable memory, so the Go runtime never limits itself; "
                f"set {limit_key(w)}",
                ev.line, "fieldref", hint=f"set {limit_key(w)} and GOMEMLIMIT to {ratio_text(model)} of it")
            continue
        gml = c.gomemlimit()
        if gml is None or gml.bytes is None or gml.bytes == 0:
            continue
        limit = math.ceil(Fraction(gml.bytes) / model.ratio)
        shown = q.format_compose_bytes(limit) if w.source == "compose" else q.format_k8s_bytes(limit)
        fix = f"set {limit_key(w)}: {shown} (GOMEMLIMIT is {float(model.ratio) * 100:g}% of it)"
        yield finding(
            RULE, w, c,
            f"GOMEMLIMIT={ev.value} but no memory limit: nothing bounds the container, and the soft limit only "
            f"makes the GC work harder near it; {fix}",
            ev.line, "nolimit", hint=fix, recommended=f"{limit_key(w)}: {shown}")
