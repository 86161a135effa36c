"""Run ``docker build`` with either builder and read back which steps ran and how long they took.

BuildKit is run with ``--progress=plain``: every vertex prints ``#N <name>``, then ``#N CACHED``
or ``#N DONE 1.2s`` (or ``#N ERROR: …``). The legacy builder prints ``Step i/n : INSTR`` followed
by `` ---> Using cache`` when the step was cached; its step times come from timestamps taken
while its output streams.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from golayer.errors import InputError
from golayer.lab import dockercli


@dataclass
class Step:
    name: str  # the instruction as the builder printed it: "RUN go build -o /app ."
    stage: str | None = None  # BuildKit stage name ("build"), None for unnamed / legacy
    cached: bool = False
    seconds: float = 0.0
    index: str = ""  # "2/5"

    @property
    def label(self) -> str:
        return f"{self.stage}: {self.name}" if self.stage else self.name


@dataclass
class BuildResult:
    ok: bool
    seconds: float
    steps: list[Step] = field(default_factory=list)
    output: str = ""
    image: str | None = None  # tag or id
    error: str | None = None

    def rerun(self) -> list[str]:
        """Labels of the Dockerfile steps that ran (not cached). FROM lines are not steps."""
        return [s.label for s in self.steps if not s.cached and not s.name.upper().startswith("FROM ")]

    def step(self, pattern: str) -> Step | None:
        """The last step whose name matches the regex ``pattern``."""
        found = [s for s in self.steps if re.search(pattern, s.name)]
        return found[-1] if found else None


_BK_HEAD = re.compile(r"^#(\d+) (\[.*)$")
_BK_STEP = re.compile(r"^\[(?:(?P<stage>[^\]\s]+) )?(?P<idx>\d+/\d+)\] (?P<name>.*)$")
_BK_DONE = re.compile(r"^#(\d+) DONE (\d+(?:\.\d+)?)s$")
_BK_CACHED = re.compile(r"^#(\d+) CACHED$")
_BK_ERROR = re.compile(r"^#(\d+) ERROR: (.*)$")


def parse_buildkit(lines: Sequence[str]) -> tuple[list[Step], str | None]:
    steps: dict[str, Step] = {}
    order: list[str] = []
    logs: dict[str, list[str]] = {}
    error: str | None = None
    err_vertex: str | None = None
    for line in lines:
        m = _BK_HEAD.match(line)
        if m:
            vid, rest = m.groups()
            sm = _BK_STEP.match(rest)
            if sm and vid not in steps:
                steps[vid] = Step(name=sm.group("name").strip(), stage=sm.group("stage"), index=sm.group("idx"))
                order.append(vid)
            continue
        m = _BK_CACHED.match(line)
        if m and m.group(1) in steps:
            steps[m.group(1)].cached = True
            continue
        m = _BK_DONE.match(line)
        if m and m.group(1) in steps:
            steps[m.group(1)].seconds = float(m.group(2))
            continue
        m = _BK_ERROR.match(line)
        if m:
            err_vertex = m.group(1)
            error = m.group(2)
            continue
        m = re.match(r"^#(\d+) (?:\d+\.\d+ )?(.*)$", line)
        if m:
            logs.setdefault(m.group(1), []).append(m.group(2))
    if err_vertex:
        name = steps[err_vertex].label if err_vertex in steps else f"#{err_vertex}"
        tail = "\n".join(logs.get(err_vertex, [])[-20:])
        error = f"step {name} failed: {error}" + (f"\n{tail}" if tail else "")
    return [steps[v] for v in order], error


_LEG_STEP = re.compile(r"^Step (\d+/\d+) : (.*)$")


def parse_legacy(timed: Sequence[tuple[float, str]], end: float) -> tuple[list[Step], str | None]:
    steps: list[Step] = []
    starts: list[float] = []
    tail: list[str] = []
    for t, line in timed:
        m = _LEG_STEP.match(line)
        if m:
            steps.append(Step(name=m.group(2).strip(), index=m.group(1)))
            starts.append(t)
            tail = []
            continue
        if steps and line.strip() == "---> Using cache":
            steps[-1].cached = True
        tail.append(line)
    for i, s in enumerate(steps):
        s.seconds = round((starts[i + 1] if i + 1 < len(starts) else end) - starts[i], 2)
    error = None
    err_lines = [ln for ln in tail if "returned a non-zero code" in ln or ln.startswith("ERROR") or "error" in ln.lower()]
    if err_lines and steps:
        error = f"step {steps[-1].name} failed: {err_lines[-1]}\n" + "\n".join(tail[-20:])
    return steps, error


def docker_build(context: Path, dockerfile: Path, tag: str, *, builder: str = "buildkit", no_cache: bool = False,
                 network_host: bool = False, build_args: dict[str, str] | None = None,
                 target: str | None = None, extra: Sequence[str] = (), timeout: float = 3600) -> BuildResult:
    """Build and time one image. Never raises for a failed build: ``ok`` is False and ``error``
    holds the failing step's output tail."""
    args = ["build", "-f", str(dockerfile), "-t", tag]
    env = dict(os.environ)
    if builder == "buildkit":
        env["DOCKER_BUILDKIT"] = "1"
        args.append("--progress=plain")
    elif builder == "legacy":
        env["DOCKER_BUILDKIT"] = "0"
    else:
        raise ValueError(builder)
    if no_cache:
        args.append("--no-cache")
    if network_host:
        args += ["--network", "host"]
    for k, v in (build_args or {}).items():
        args += ["--build-arg", f"{k}={v}"]
    if target:
        args += ["--target", target]
    args += list(extra)
    args.append(str(context))
    timed: list[tuple[float, str]] = []
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen([dockercli.docker_path(), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env=env, text=True, errors="replace", bufsize=1)
    except FileNotFoundError:
        raise InputError("no docker client found", hint=dockercli.START_HINT) from None
    assert proc.stdout is not None
    deadline = t0 + timeout
    try:
        for line in proc.stdout:
            timed.append((time.monotonic() - t0, line.rstrip("\n")))
            if time.monotonic() > deadline:
                proc.kill()
                break
        rc = proc.wait()
    except BaseException:  # interrupted: do not leave the build running behind us
        proc.kill()
        proc.wait()
        raise
    seconds = time.monotonic() - t0
    lines = [ln for _, ln in timed]
    if builder == "buildkit":
        steps, error = parse_buildkit(lines)
    else:
        steps, error = parse_legacy(timed, seconds)
    ok = rc == 0
    if not ok and not error:
        error = "\n".join(lines[-25:]) or f"docker build exited {rc}"
    if not ok and "Cannot connect to the Docker daemon" in "\n".join(lines[-5:]):
        raise InputError("no Docker daemon reachable", hint=dockercli.START_HINT)
    return BuildResult(ok=ok, seconds=round(seconds, 3), steps=steps, output="\n".join(lines),
                       image=tag if ok else None, error=None if ok else error)
