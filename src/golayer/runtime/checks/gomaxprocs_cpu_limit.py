"""A CPU limit the Go runtime will not follow, or `GOMAXPROCS` above the limit.

## What it finds
A Go container with a CPU limit (`resources.limits.cpu`, compose `cpus` /
`deploy.resources.limits.cpus`) where either

- no valid `GOMAXPROCS` is set, the binary does not link `go.uber.org/automaxprocs`, and the
  runtime will not size itself to the quota: the binary was built with Go < 1.25, or its main
  module's `go.mod` says `go` < 1.25 (its buildinfo `DefaultGODEBUG` contains
  `containermaxprocs=0`), or `GODEBUG=containermaxprocs=0` is set. Without `--image` the Go version
  is unknown; the finding is then reported at `info` severity; or
- `GOMAXPROCS` is set above what the limit can feed: more than `max(ceil(limit), 2)`, the value Go
  1.25+ itself would choose.

An invalid `GOMAXPROCS` (`0`, `-1`, `2.5`, `two`) is ignored by the runtime without a message; it
counts as unset.

## Why it is bad
Go ≥ 1.25, for main modules whose go.mod says `go 1.25` or later, sets GOMAXPROCS to
`max(ceil(quota/period), 2)` (only ever lowering it below the CPU count). Older toolchains and
older go lines keep the old behaviour: GOMAXPROCS = the node's CPU count. A service limited to 2
CPUs on a 64-CPU node then runs 64 threads of Go code against a 2-CPU CFS quota; the quota is used
up early in each 100 ms period and the whole process is throttled for the rest of it, which shows
as tail-latency spikes. (Measured: a `go 1.24` module built with Go 1.27.3 has
`DefaultGODEBUG=containermaxprocs=0,…,updatemaxprocs=0` and keeps the old behaviour.)

## Example
Bad (module built from a `go 1.24` go.mod):
```yaml
resources: {limits: {cpu: "2"}}
```
Good:
```yaml
resources: {limits: {cpu: "2"}}
env:
- name: GOMAXPROCS
  valueFrom:
    resourceFieldRef: {resource: limits.cpu}   # "2" (rounded up to whole CPUs)
```

## Fix
golayer prints `GOMAXPROCS=<ceil(limit)>`; in Kubernetes the `resourceFieldRef` form above keeps it
in step with the limit. Raising the module's `go` line to 1.25 (and building with Go ≥ 1.25) or
linking `go.uber.org/automaxprocs` fixes it too. No automatic edit.

## References
- https://go.dev/doc/go1.25#container-aware-gomaxprocs
- https://github.com/uber-go/automaxprocs
- Go runtime, `defaultGOMAXPROCS` / `adjustCgroupGOMAXPROCS` (src/runtime/cgroup_linux.go)
- Proof: `tests/lab/test_proof_runtime.py::test_gomaxprocs_under_a_cpu_limit_of_one` (measured with Go
  1.27.3 under `--cpus 1`: a go 1.27 module chooses 2, never 1; a `go 1.24` module chooses the CPU count)
"""

from __future__ import annotations

import math
from typing import Iterator

from golayer.catalogue import Rule
from golayer.findings import Finding, Severity
from golayer.runtime import quantities as q
from golayer.runtime.checks._common import env_how, finding
from golayer.runtime.model import RuntimeModel

RULE = Rule(
    code="GLR006",
    name="gomaxprocs-cpu-limit",
    severity=Severity.WARNING,
    summary="a CPU limit the Go runtime will not follow (Go/go.mod < 1.25, no GOMAXPROCS), or GOMAXPROCS above it",
)


def _cpu(c) -> str:
    return c.cpu_limit_text or str(c.cpu_limit)


def check(model: RuntimeModel) -> Iterator[Finding]:
    for w, c in model.go_containers():
        if c.cpu_limit is None or c.cpu_limit <= 0:
            continue
        want = max(math.ceil(c.cpu_limit), 1)
        ceiling = q.go_maxprocs_for_quota(c.cpu_limit)
        ev = c.var("GOMAXPROCS")
        how = env_how(w, "GOMAXPROCS", str(want))
        if w.source == "kubernetes":
            how += " or valueFrom.resourceFieldRef {resource: limits.cpu}"
        line = c.cpu_limit_line
        ignored = ""
        if ev is not None:
            if ev.value is None:
                continue  # set from somewhere we cannot see
            n = c.gomaxprocs()
            if n is not None:
                if n > ceiling:
                    fix = f"set GOMAXPROCS={want}"
                    yield finding(
                        RULE, w, c,
                        f"GOMAXPROCS={ev.value} but the CPU limit is {_cpu(c)}: {n} threads run Go code against "
                        f"a quota of {q.format_cpu(math.ceil(c.cpu_limit * 1000))} CPU and the container is "
                        f"throttled; {fix}",
                        ev.line or line, "above", hint=fix, recommended=f"GOMAXPROCS={want}")
                continue
            ignored = f"GOMAXPROCS={ev.value!r} is not a positive integer, so the runtime ignores it, and "
            line = ev.line or line
        if c.go.automaxprocs:
            continue
        info = c.go
        reason = None
        unknown = False
        if c.godebug("containermaxprocs") == "0":
            reason = "GODEBUG=containermaxprocs=0 turns off the runtime's CPU-limit awareness"
        elif info.version_tuple is not None and info.version_tuple < (1, 25):
            reason = f"the binary was built with {info.go_version}, which ignores CPU limits (Go < 1.25)"
        elif info.module_go_before_125:
            reason = (f"the main module's go.mod says go < 1.25 (buildinfo DefaultGODEBUG has containermaxprocs=0),"
                      f" so {info.go_version or 'the runtime'} keeps GOMAXPROCS = the node's CPU count")
        elif info.version_tuple is not None and info.version_tuple >= (1, 25):
            continue  # Go >= 1.25 with a go >= 1.25 module follows the quota
        else:
            unknown = True
            reason = ("the Go version is unknown: unless the binary is built with Go >= 1.25 from a go.mod "
                      "that says go >= 1.25, GOMAXPROCS stays the node's CPU count (pass --image to know)")
        fix = f"set GOMAXPROCS={want}: {how}"
        f = finding(
            RULE, w, c,
            f"CPU limit {_cpu(c)} but {ignored}{reason}; the container is throttled under load; set GOMAXPROCS={want}",
            line, "ignored", hint=fix, recommended=f"GOMAXPROCS={want}", go_version_known=not unknown)
        if unknown:
            f.severity = Severity.INFO
        yield f
