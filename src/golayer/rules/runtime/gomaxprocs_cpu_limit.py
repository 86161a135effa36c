"""A CPU limit the Go runtime will not follow, or `GOMAXPROCS` above the limit.

## What it finds
A Go container with a CPU limit (`resources.limits.cpu`, compose `cpus` /
`deploy.resources.limits.cpus`) where either

- no valid `GOMAXPROCS` is set, the binary does not link `go.uber.org/automaxprocs`, and the
  runtime will not size itself to the limit: the binary was built with Go < 1.25; or the `go` line
  of its main module's go.mod is below 1.25 (seen in the binary's buildinfo, where
  `DefaultGODEBUG` then contains `containermaxprocs=0`, or in the go.mod of the module this
  repository builds the image from); or `GODEBUG=containermaxprocs=0` is set in the environment or
  by a go.mod `godebug` directive or a `//go:debug` line of a main package. When none of that is known (no `--image`, no go.mod of a build of this
  repository for the image) there is no finding: the output says how many Go containers with a CPU
  limit have an unknown Go version (most current Go programs are built with Go ≥ 1.25 from go ≥
  1.25 modules, and then follow the limit); or
- `GOMAXPROCS` is set above what the limit can feed: more than `max(ceil(limit), 2)`, the value Go
  1.25+ itself would choose.

An invalid `GOMAXPROCS` (`0`, `-1`, `2.5`, `two`) is ignored by the runtime without a message; it
counts as unset.

## How Go ≥ 1.25 sizes GOMAXPROCS
Read from the Go runtime source (`src/runtime/cgroup_linux.go`, `adjustCgroupGOMAXPROCS`, and the
`runtime.GOMAXPROCS` documentation in `src/runtime/debug.go`, Go 1.27.3):

- the default is the minimum of the CPU count, the affinity mask and
  `max(ceil(quota / period), 2)` — the CPU **limit**, rounded up, never below 2; CPU
  **requests** play no part;
- the runtime re-reads the limit about once a second and updates GOMAXPROCS when it changes;
- `GODEBUG=containermaxprocs=0` turns the limit off (GOMAXPROCS = CPU count), and it is the
  default for main modules whose go.mod says `go 1.24` or lower; `GODEBUG=updatemaxprocs=0` (also
  the default below `go 1.25`) only stops the updates — the value at start-up still follows the
  limit, so golayer does not report it;
- a `GOMAXPROCS` environment variable (a positive integer) wins and disables the updates. golayer
  therefore never recommends a fixed value for a container whose runtime already follows the
  limit; for `GOMAXPROCS` above the limit there it recommends removing the variable.

Measured (Go 1.27.3, Docker 20.10, 2-CPU host): a `go 1.24` module's binary carries
`DefaultGODEBUG=containermaxprocs=0,…,updatemaxprocs=0`, a `go 1.25` module's does not; under
`--cpus=1` a `go 1.25` binary reports GOMAXPROCS 2 (the minimum) and with `GOMAXPROCS=8` in the
environment 8 (the variable wins). A 2-CPU host cannot show the limit below the CPU count; that
part is read from the source.

## Why it is bad
Without container awareness, GOMAXPROCS is the node's CPU count. A service limited to 2 CPUs on a
64-CPU node then runs 64 threads of Go code against a 2-CPU CFS quota; the quota is used up early
in each 100 ms period and the whole process is throttled for the rest of it, which shows as
tail-latency spikes. (Measured: a `go 1.24` module built with Go 1.27.3 has
`DefaultGODEBUG=containermaxprocs=0,…,updatemaxprocs=0` and keeps the old behaviour.)

## Example
Bad (module built from a `go 1.24` go.mod):
```yaml
resources: {limits: {cpu: "2"}}
```
Good: raise the go.mod `go` line to 1.25 (built with Go ≥ 1.25), or
```yaml
resources: {limits: {cpu: "2"}}
env:
- name: GOMAXPROCS
  valueFrom:
    resourceFieldRef: {resource: limits.cpu}   # "2" (rounded up to whole CPUs)
```

## Fix
The message names what decides when the project shows it: the go.mod line (`go.mod:3 says go
1.24`, `a godebug directive of the main module (go.mod:7) ...`) or the main package's `//go:debug`
line (`(//go:debug in cmd/api/main.go:2)`). golayer prints the fix that fits what it knows: raise the `go` line (the runtime then follows the
limit and its changes), or `GOMAXPROCS=<ceil(limit)>` — in Kubernetes the `resourceFieldRef` form
above keeps it in step with the limit — or link `go.uber.org/automaxprocs`. No automatic edit.

## References
- https://go.dev/doc/go1.25#container-aware-gomaxprocs
- https://pkg.go.dev/runtime#GOMAXPROCS
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
from golayer.rules.runtime._common import env_how, finding
from golayer.runtime.model import RuntimeModel

RULE = Rule(
    code="GLR006",
    name="gomaxprocs-cpu-limit",
    severity=Severity.WARNING,
    summary="a CPU limit the Go runtime will not follow (Go/go.mod < 1.25, no GOMAXPROCS), or GOMAXPROCS above it",
)


def _cpu(c) -> str:
    return c.cpu_limit_text or str(c.cpu_limit)


def _go_line_at(info) -> str:
    """"go.mod:3" where the go line was read, else the go.mod's path (or "go.mod")."""
    where = info.go_mod or "go.mod"
    return f"{where}:{info.go_line_no}" if info.go_mod and info.go_line_no else where


_REMEDY_GODEBUG = "remove containermaxprocs=0 from GODEBUG"
_REMEDY_DIRECTIVE = "remove the containermaxprocs=0 directive"
_REMEDY_TOOLCHAIN = "build with Go >= 1.25 from a go.mod that says go >= 1.25"
_REMEDY_GO_LINE = "raise the go.mod go line to 1.25 or later"


def follows_limit(c) -> tuple[bool | None, str]:
    """Does the container's Go runtime size GOMAXPROCS to the CPU limit by itself? (answer, why)."""
    answer, why, _remedy = _follows(c)
    return answer, why


def _follows(c) -> tuple[bool | None, str, str | None]:
    """(answer, why, what to change when the answer is no) -- the remedy decided where the reason is."""
    info = c.go
    env_debug = c.godebug("containermaxprocs")
    if env_debug == "0":
        return False, "GODEBUG=containermaxprocs=0 turns off the runtime's CPU-limit awareness", _REMEDY_GODEBUG
    vt = info.version_tuple
    if vt is not None and vt < (1, 25):
        return (False, f"the binary was built with {info.go_version}, which ignores CPU limits (Go < 1.25)",
                _REMEDY_TOOLCHAIN)
    if info.default_debug("containermaxprocs") == "0" or info.module_go_before_125:
        remedy = _REMEDY_GO_LINE
        if info.module_godebug.get("containermaxprocs") == "0":
            at = info.module_godebug_at.get("containermaxprocs")
            src = (f"a godebug directive of the main module ({at or (info.go_mod or 'go.mod') + ' or a //go:debug line'})"
                   " sets containermaxprocs=0")
            remedy = _REMEDY_DIRECTIVE
        elif info.go_line and info.go_mod:
            src = f"{_go_line_at(info)} says go {info.go_line}"
        elif info.default_godebug.get("containermaxprocs") == "0":
            src = "the main module's go.mod says go < 1.25 (buildinfo DefaultGODEBUG has containermaxprocs=0)"
        else:
            src = "the main module turns containermaxprocs off"
        if env_debug == "1" and (vt is None or vt >= (1, 25)):
            return True, "GODEBUG=containermaxprocs=1", None
        return False, f"{src}, so {info.go_version or 'the runtime'} keeps GOMAXPROCS = the node's CPU count", remedy
    if vt is not None and vt >= (1, 25):
        return True, f"{info.go_version} follows the limit", None
    if info.go_line and info.module_go_before_125 is False:
        return True, f"{_go_line_at(info)} says go {info.go_line}", None
    return None, "the Go version is unknown", None


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
        follows, why, remedy = _follows(c)
        if ev is not None:
            if ev.value is None:
                continue  # set from somewhere we cannot see
            n = c.gomaxprocs()
            if n is not None:
                if n > ceiling:
                    if follows:
                        fix = (f"remove GOMAXPROCS: {why} (GOMAXPROCS={ceiling}) and keeps following it, which a "
                               "fixed value turns off")
                    else:
                        fix = f"set GOMAXPROCS={want}"
                    yield finding(
                        RULE, w, c,
                        f"GOMAXPROCS={ev.value} but the CPU limit is {_cpu(c)}: {n} threads run Go code against "
                        f"a quota of {q.format_cpu(math.ceil(c.cpu_limit * 1000))} CPU and the container is "
                        f"throttled; {fix}",
                        ev.line or line, "above", hint=fix,
                        recommended=None if follows else f"GOMAXPROCS={want}")
                continue
            ignored = f"GOMAXPROCS={ev.value!r} is not a positive integer, so the runtime ignores it, and "
            line = ev.line or line
        if c.go.automaxprocs or follows:
            continue
        if follows is None:
            continue  # the Go version is unknown: said once in the notes, not guessed per container
        short = f"{remedy}, or set GOMAXPROCS={want}"
        if remedy == _REMEDY_GO_LINE:
            fix = f"{remedy} (the runtime then follows the limit and its changes), or {how}"
        else:
            fix = f"{remedy}, or {how}"
        yield finding(
            RULE, w, c,
            f"CPU limit {_cpu(c)} but {ignored}{why}; the container is throttled under load; {short}",
            line, "ignored", hint=fix, recommended=f"GOMAXPROCS={want}", go_version_known=True)
