"""A Go container with a memory limit and no `GOMEMLIMIT`.

## What it finds
A Go container whose memory is limited (`resources.limits.memory`, pod-level `spec.resources.limits`,
a namespace `LimitRange` default in the same input,
compose `mem_limit` or `deploy.resources.limits.memory`) but whose environment sets no `GOMEMLIMIT`
(or sets it to `off`), and whose binary does not link `github.com/KimMachineGun/automemlimit`
(known only when the image is analysed with `--image NAME=REF`).

Not reported either when the program sets GOMEMLIMIT itself: its command line turns on a built-in
automatic limit (a flag naming `gomemlimit`/`memlimit`: Prometheus
`--enable-feature=auto-gomemlimit`, Thanos `--enable-auto-gomemlimit`, kube-state-metrics
`--auto-gomemlimit`), or the image is one that does so by default (Prometheus 3, unless
`--no-auto-gomemlimit`; golayer/knowledge/images.toml).

## Why it is bad
A container memory limit alone sets no GOMEMLIMIT: the Go runtime does not read the memory cgroup.
With the default `GOGC=100` the heap may grow to twice the live heap before a collection, so a
service whose live heap crosses half the limit is OOM-killed (exit 137) although a collection would
have freed plenty. `GOMEMLIMIT` makes the collector work harder as the process approaches the limit
instead.

## Example
Bad:
```yaml
resources:
  limits: {memory: 1Gi}
```
Good (90% of the limit, rounded down to whole MiB):
```yaml
resources:
  limits: {memory: 1Gi}
env:
- name: GOMEMLIMIT
  value: 921MiB
```

## Fix
golayer prints the value: the configured share (`gomemlimit-ratio`, default 0.9) of the limit,
rounded down to whole MiB, in Go syntax; `golayer runtime --fix` adds it to the container's
environment (not when an `envFrom` / `env_file` golayer cannot see may set it). If the value comes
from such a ConfigMap or Secret, suppress the finding with the `golayer/ignore` annotation.

## References
- https://go.dev/doc/gc-guide#Memory_limit
- https://pkg.go.dev/runtime/debug#SetMemoryLimit
- https://github.com/KimMachineGun/automemlimit
- Proof: `tests/lab/test_proof_runtime.py::test_no_gomemlimit_is_oom_killed_and_the_recommended_one_survives`
  (`golayer lab runtime`; numbers in docs/measurements.md)
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.findings import Finding, Severity
from golayer.rules.runtime._common import env_fix, env_how, finding, limit_text, ratio_text, recommended
from golayer.runtime.model import RuntimeModel

RULE = Rule(
    code="GLR002",
    name="gomemlimit-missing",
    severity=Severity.WARNING,
    summary="a memory limit and no GOMEMLIMIT: the Go GC ignores the limit and the container is OOM-killed",
)


def check(model: RuntimeModel) -> Iterator[Finding]:
    for w, c in model.go_containers():
        if c.memory_limit is None or c.go.automemlimit or c.sets_own_gomemlimit():
            continue
        ev = c.var("GOMEMLIMIT")
        if ev is not None and (ev.value is None or ev.value not in ("", "off")):
            continue  # set (possibly to something we cannot see, or invalid: another rule)
        rec = recommended(model, c)
        if rec is None:
            continue
        what = ("GOMEMLIMIT=off" if ev.value == "off" else 'an empty GOMEMLIMIT (no limit)') if ev is not None \
            else "no GOMEMLIMIT"
        extra = ""
        if ev is None and c.env_unknown:
            extra = f" (unless {', '.join(c.env_unknown)} provides it: golayer cannot see that)"
        src = c.memory_limit_source or "memory limit"
        fix = f"set GOMEMLIMIT={rec} ({ratio_text(model)} of the limit): {env_how(w, 'GOMEMLIMIT', rec)}"
        yield finding(
            RULE, w, c,
            f"memory limit {limit_text(c)} ({src}) and {what}{extra}: the Go garbage collector does not read "
            f"the cgroup limit, so the heap can grow past it and the container is OOM-killed; set GOMEMLIMIT={rec}",
            (ev.line if ev is not None else None) or c.memory_limit_line, "missing", hint=fix,
            recommended=f"GOMEMLIMIT={rec}", env_fix=env_fix(w, c, "GOMEMLIMIT", rec))
