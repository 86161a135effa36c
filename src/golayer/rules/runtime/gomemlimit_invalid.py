"""A `GOMEMLIMIT` value the Go runtime rejects (or misreads) in a container's environment.

## What it finds
A Go container whose `GOMEMLIMIT` (from `env[].value`, compose `environment`, or the image's `ENV`)
is not in the runtime's own grammar: an integer with an optional suffix `B`, `KiB`, `MiB`, `GiB` or
`TiB` (case-sensitive, no spaces, no decimals), or exactly `off`. Kubernetes quantities (`768Mi`,
`1G`), SI/docker units (`768MB`, `768M`), decimals (`0.75GiB`), lower case (`768mib`) and spaces
(`768 MiB`) are all invalid.

It also finds a `GOMEMLIMIT` taken from the downward API (`valueFrom.resourceFieldRef` on
`limits.memory` or `requests.memory`) with a `divisor` above 1: Kubernetes then writes the
limit *in divisor units* as a bare number (`1024` for a 1Gi limit with `divisor: 1Mi`), which Go
reads as that many **bytes**.

## Why it is bad
The runtime parses `GOMEMLIMIT` before `main` runs and aborts on a malformed value (measured with
Go 1.27.3): every start of the container dies with

```
GOMEMLIMIT=768Mi
fatal error: malformed GOMEMLIMIT; see `go doc runtime/debug.SetMemoryLimit`
```

and exit status 2 — a crash loop (`CrashLoopBackOff`) that no Kubernetes validation catches,
because Kubernetes quantity syntax (`768Mi`) is not Go syntax (`768MiB`). A divisor makes the value
valid but absurd: a 1024-*byte* memory limit makes the garbage collector run almost continuously.

## Example
Bad:
```yaml
env:
- name: GOMEMLIMIT
  value: 768Mi            # Kubernetes syntax: fatal at start-up
- name: GOMEMLIMIT
  valueFrom:
    resourceFieldRef: {resource: limits.memory, divisor: 1Mi}   # "1024" = 1024 bytes
```
Good:
```yaml
env:
- name: GOMEMLIMIT
  value: 768MiB
```

## Fix
golayer prints the valid spelling of the value you wrote (`768Mi` → `768MiB`; for a bare `M`/`G`
also the decimal reading). `golayer runtime --fix` writes it when there is only one reading
(`768Mi` → `768MiB`); a bare `M`/`G` (MB or MiB?) is left to you. A divisor is replaced by the
value at the configured ratio of the limit.

## References
- Go runtime, `parseByteCount` and `readGOMEMLIMIT` (src/runtime/string.go, mgcpacer.go)
- https://pkg.go.dev/runtime/debug#SetMemoryLimit
- https://kubernetes.io/docs/tasks/inject-data-application/environment-variable-expose-pod-information/
- Proof: `tests/lab/test_proof_cgo.py::test_gomemlimit_kubernetes_syntax_exits_2`
- Proof: `tests/lab/test_proof_cgo.py::test_gomemlimit_runtime_rule_agrees_with_container`
- Proof: `tests/lab/test_proof_runtime.py::test_gomemlimit_768Mi_exits_2_at_start`
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.findings import Finding, Severity
from golayer.runtime import quantities as q
from golayer.rules.runtime._common import env_fix, finding, recommended
from golayer.runtime.model import RuntimeModel

RULE = Rule(
    code="GLR001",
    name="gomemlimit-invalid",
    severity=Severity.ERROR,
    summary="GOMEMLIMIT the Go runtime rejects (fatal at start-up) or misreads (resourceFieldRef divisor)",
)


def check(model: RuntimeModel) -> Iterator[Finding]:
    for w, c in model.go_containers():
        ev = c.var("GOMEMLIMIT")
        if ev is None:
            continue
        if ev.source == "resourceFieldRef" and ev.resource in ("limits.memory", "requests.memory") \
                and ev.divisor is not None:
            try:
                div = q.parse_quantity(ev.divisor)
            except q.QuantityError:
                div = None
            if div is not None and div > 1:
                shown = f"{ev.value}" if ev.value is not None else "the limit in divisor units"
                rec = recommended(model, c)
                fix = f"use GOMEMLIMIT={rec}" if rec else "write GOMEMLIMIT as a value in MiB, e.g. 768MiB"
                yield finding(
                    RULE, w, c,
                    f"GOMEMLIMIT from resourceFieldRef {ev.resource} with divisor {ev.divisor} is {shown}, "
                    f"which Go reads as bytes, not {ev.divisor} units: the garbage collector will run almost "
                    f"continuously; {fix}",
                    ev.line, "divisor", hint=fix, value=ev.value, divisor=ev.divisor,
                    env_fix=env_fix(w, c, "GOMEMLIMIT", rec) if rec else None)
            continue
        if ev.value is None:
            continue
        parsed = q.parse_gomemlimit(ev.value)
        if parsed.valid:
            continue
        sugg = q.suggest_go_byte_count(ev.value)
        if sugg:
            good, alt = sugg
            fix = f"write GOMEMLIMIT={good}"
            if alt:
                fix += f" (or GOMEMLIMIT={alt} if decimal units were meant)"
        else:
            rec = recommended(model, c)
            fix = (f"write an integer with an optional B, KiB, MiB, GiB or TiB suffix, e.g. GOMEMLIMIT={rec}"
                   if rec else "write an integer with an optional B, KiB, MiB, GiB or TiB suffix, e.g. 768MiB")
        where = " (from the image's ENV)" if ev.source == "image" else ""
        shown = ev.value if ev.value and not any(ch.isspace() for ch in ev.value) else f'"{ev.value}"'
        yield finding(
            RULE, w, c,
            f"GOMEMLIMIT={shown}{where} is not Go syntax: the container crashes at start with "
            f"\"fatal error: malformed GOMEMLIMIT\" (exit 2); {fix}",
            ev.line, "value", hint=fix, value=ev.value, suggestion=sugg[0] if sugg else None,
            env_fix=env_fix(w, c, "GOMEMLIMIT", sugg[0]) if sugg and not sugg[1] and ev.source != "image" else None)
