"""`GOMEMLIMIT` at or above the documented share of the container's memory limit.

## What it finds
A Go container whose `GOMEMLIMIT` is at or above `gomemlimit-max-ratio` (default 95%) of its
memory limit — including the common downward-API form
`valueFrom.resourceFieldRef: {resource: limits.memory}` without a divisor or with `divisor: 1`
(or any divisor at or below 1), which sets GOMEMLIMIT to the limit in bytes or more. (A divisor
above 1 makes the value far too small: that is `gomemlimit-invalid`.)

## Why it is bad
GOMEMLIMIT counts only memory the Go runtime manages (heap, stacks, runtime metadata). The cgroup
also charges memory outside it: cgo and C allocations, the mapped binary, thread stacks of the OS,
and files the container writes to memory-backed volumes (tmpfs, `emptyDir: {medium: Memory}`). With GOMEMLIMIT equal to the limit the kernel's OOM
killer fires before the collector has any reason to work harder, so the setting protects nothing.
The Go GC guide recommends leaving headroom; golayer recommends `gomemlimit-ratio` (90% by
default) and reports values at or above `gomemlimit-max-ratio` (95%).

## Example
Bad:
```yaml
resources: {limits: {memory: 1Gi}}
env:
- name: GOMEMLIMIT
  valueFrom:
    resourceFieldRef: {resource: limits.memory}   # = 1073741824, 100% of the limit
```
Good:
```yaml
resources: {limits: {memory: 1Gi}}
env:
- name: GOMEMLIMIT
  value: 921MiB
```

## Fix
golayer prints the value at the configured ratio, rounded down to whole MiB (`921MiB` for 1Gi);
`golayer runtime --fix` writes it (a `resourceFieldRef` is replaced by the value).

## References
- https://go.dev/doc/gc-guide#Memory_limit
- https://pkg.go.dev/runtime/debug#SetMemoryLimit
- Measured (`golayer lab runtime`, docs/measurements.md): GOMEMLIMIT is a soft limit. Under a 128Mi
  limit with requests as fast as one CPU allowed, GOMEMLIMIT = the limit was OOM-killed 3 of 3 times,
  90% survived 3 of 3 (peak 126 MiB).
- Proof: `tests/lab/test_proof_runtime.py::test_gomemlimit_at_the_limit_leaves_no_headroom`
"""

from __future__ import annotations

from fractions import Fraction
from typing import Iterator

from golayer.catalogue import Rule
from golayer.findings import Finding, Severity
from golayer.runtime import quantities as q
from golayer.rules.runtime._common import env_fix, finding, limit_text, pct, ratio_text, recommended
from golayer.runtime.model import RuntimeModel

RULE = Rule(
    code="GLR003",
    name="gomemlimit-no-headroom",
    severity=Severity.WARNING,
    summary="GOMEMLIMIT at or above the documented share of the memory limit leaves no headroom",
)


def check(model: RuntimeModel) -> Iterator[Finding]:
    for w, c in model.go_containers():
        if c.memory_limit is None or c.memory_limit <= 0:
            continue
        ev = c.var("GOMEMLIMIT")
        gml = c.gomemlimit()
        if ev is None or gml is None or gml.bytes is None:
            continue
        if ev.source == "resourceFieldRef" and ev.divisor is not None and not divisor_at_most_one(ev.divisor):
            continue  # a divisor above 1 makes the value tiny: gomemlimit-invalid's finding
        if Fraction(gml.bytes) < model.max_ratio * c.memory_limit:
            continue
        rec = recommended(model, c)
        if ev.source == "resourceFieldRef":
            how = "without a divisor" if ev.divisor is None else f"with divisor {ev.divisor}"
            what = f"GOMEMLIMIT from resourceFieldRef {ev.resource} {how} is {gml.bytes} bytes"
        else:
            what = f"GOMEMLIMIT={ev.value}"
        share = pct(gml.bytes, c.memory_limit)
        above = " — above the limit itself" if gml.bytes > c.memory_limit else ""
        fix = f"set GOMEMLIMIT={rec} ({ratio_text(model)} of the limit)"
        yield finding(
            RULE, w, c,
            f"{what}, {share} of the memory limit {limit_text(c)}{above}: memory the Go runtime does not manage (cgo, "
            f"tmpfs, the binary) has no room and the container is OOM-killed before the GC reacts; {fix}",
            ev.line or c.memory_limit_line, "headroom", hint=fix, recommended=f"GOMEMLIMIT={rec}",
            env_fix=env_fix(w, c, "GOMEMLIMIT", rec) if rec else None)


def divisor_at_most_one(divisor: str) -> bool:
    """A resourceFieldRef divisor of 1 (``"1"``, ``1``, ``"1000m"``) or below leaves the value at or
    above the limit in bytes."""
    try:
        return q.parse_quantity(divisor) <= 1
    except q.QuantityError:
        return False
