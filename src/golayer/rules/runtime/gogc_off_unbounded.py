"""`GOGC=off` without `GOMEMLIMIT`: a heap that only grows.

## What it finds
A Go container whose `GOGC` turns the collector off (`off`, or any negative integer, which the
runtime treats the same) while no `GOMEMLIMIT` is in effect (unset, `off`, or not linked through
`github.com/KimMachineGun/automemlimit`).

## Why it is bad
With `GOGC=off` the garbage collector only runs when the heap approaches GOMEMLIMIT. With no
GOMEMLIMIT it never runs: every allocation stays, the heap grows until the container's memory limit
OOM-kills it (exit 137) — or, with no limit, until the node runs out of memory. `GOGC=off` is a
sound setting only together with GOMEMLIMIT.

## Example
Bad:
```yaml
env:
- {name: GOGC, value: "off"}
```
Good:
```yaml
resources: {limits: {memory: 1Gi}}
env:
- {name: GOGC, value: "off"}
- {name: GOMEMLIMIT, value: 921MiB}
```

## Fix
golayer prints the GOMEMLIMIT for the container's limit (or asks for a limit first); with a limit,
`golayer runtime --fix` adds that GOMEMLIMIT to the container's environment.

## References
- https://go.dev/doc/gc-guide#Memory_limit
- Go runtime, `readGOGC` (src/runtime/mgcpacer.go)
- Proof: `tests/lab/test_proof_runtime.py::test_gogc_off_needs_a_gomemlimit` (`golayer lab runtime`)
"""

from __future__ import annotations

from typing import Iterator

from golayer.catalogue import Rule
from golayer.findings import Finding, Severity
from golayer.rules.runtime._common import env_fix, finding, limit_key, recommended, ratio_text
from golayer.runtime.model import RuntimeModel

RULE = Rule(
    code="GLR005",
    name="gogc-off-unbounded",
    severity=Severity.ERROR,
    summary="GOGC=off without GOMEMLIMIT: the collector never runs and the heap grows until OOM",
)


def check(model: RuntimeModel) -> Iterator[Finding]:
    for w, c in model.go_containers():
        gogc = c.gogc()
        if gogc is None or not gogc.off or c.go.automemlimit or c.sets_own_gomemlimit():
            continue
        ev = c.var("GOMEMLIMIT")
        if ev is not None:
            gml = c.gomemlimit()
            if gml is None or not gml.valid or gml.bytes is not None:
                continue  # set to something (unknown, invalid: another rule, or a real limit)
        rec = recommended(model, c)
        fix = f"set GOMEMLIMIT={rec}" if rec else f"set {limit_key(w)} and GOMEMLIMIT to {ratio_text(model)} of it, or drop GOGC=off"
        gv = c.var("GOGC")
        yield finding(
            RULE, w, c,
            f"GOGC={gv.value if gv else 'off'} turns the garbage collector off and no GOMEMLIMIT bounds the heap: "
            f"it grows until the container is OOM-killed; {fix}",
            gv.line if gv else None, "gogc", hint=fix, recommended=f"GOMEMLIMIT={rec}" if rec else None,
            env_fix=env_fix(w, c, "GOMEMLIMIT", rec) if rec else None)
