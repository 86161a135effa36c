"""``golayer lab runtime``: run golayer's proof workload in Docker under real memory and CPU limits,
in the variants the runtime rules talk about, and measure what happens.

The workload (``proofprog/main.go``, compiled here with the bundled Go toolchain, ``CGO_ENABLED=0``,
packed on the distroless-like stand-in, or ``scratch`` when that is absent) holds a live heap and
loops requests that allocate short-lived buffers. It prints JSON lines (start, samples every 50 ms
of the cgroup's memory usage read from inside the container, and a final report from
``runtime/metrics``). Docker supplies the exit code and whether it recorded an OOM kill.

Data flow: options (+ manifest limits/env read by ``golayer.runtime``) -> variants -> one container
per variant and repeat -> parsed program output + ``docker inspect`` -> per-run measures ->
medians and spread -> text / JSON / HTML.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, TextIO

from golayer.errors import InputError, UsageError
from golayer.lab import dockercli

Progress = Callable[[str], None]

LABEL = "golayer.lab"  # every container and image this module creates carries LABEL=runtime
LABEL_RUN = "golayer.lab.run"
IMAGE_REPO = "golayer-lab/runtime-proof"
STATIC_BASE = "golayer-lab/static:latest"
MiB = 1 << 20

DEFAULT_MEMORY = "256Mi"
DEFAULT_CPUS = "1"
DEFAULT_LIVE_SHARE = Fraction(55, 100)  # live heap above half the limit: GOGC=100 alone cannot fit
DEFAULT_DURATION = 5.0
DEFAULT_WORKERS = 4
DEFAULT_ALLOC = 64 * 1024
OLD_GO_LINE = "1.24"  # a main module from before the container-aware GOMAXPROCS default (Go 1.25)

GO_ENV = ("GOMEMLIMIT", "GOGC", "GOMAXPROCS", "GODEBUG")


def _stderr(msg: str) -> None:
    print(f"golayer lab runtime: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- settings


@dataclass
class Limits:
    memory_bytes: int
    cpus: Fraction | None  # None: no CPU limit
    memory_text: str = ""
    cpus_text: str | None = None
    source: str = "flags"  # "flags" | "Deployment/api/app in deploy.yaml"


@dataclass
class Variant:
    name: str
    env: dict[str, str]
    summary: str
    group: str = "memory"  # memory | cpu | manifest
    go_line: str | None = None  # None: the toolchain's own go line; "1.24": the old-go-line build

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "env": dict(self.env), "summary": self.summary, "group": self.group,
                "go_line": self.go_line}


def parse_size(text: str, what: str = "--memory", minimum: int = 6 * MiB) -> int:
    """A size as ``docker run --memory`` reads it (``256m``, ``1g``, ``1G`` = 1 GiB, ``256Mi``), else as a
    Kubernetes quantity (``1e9``, ``500M`` is docker's 500 MiB, not 500 MB), in bytes."""
    from golayer.runtime import quantities as q

    s = str(text).strip()
    for parse in (q.compose_bytes, q.quantity_bytes):
        try:
            n = parse(s)
        except (q.QuantityError, ValueError, TypeError, ArithmeticError):
            continue
        if n < minimum:
            raise UsageError(f"{what} {text!r}: at least {minimum} bytes")
        return n
    raise UsageError(f"{what} {text!r} is not a size (256Mi, 512m, 1Gi, 268435456)")


def parse_memory(text: str) -> int:
    """A container memory limit (Docker needs at least 6 MiB)."""
    return parse_size(text, "--memory", 6 * MiB)


def parse_cpus(text: str) -> Fraction | None:
    """``1``, ``0.5``, ``500m`` -> CPUs; ``none``/``0`` -> no CPU limit."""
    from golayer.runtime import quantities as q

    s = str(text).strip().lower()
    if s in ("none", "off", "0", ""):
        return None
    try:
        f = Fraction(q.quantity_millis(s), 1000)
    except (q.QuantityError, ValueError, TypeError):
        raise UsageError(f"--cpus {text!r} is not a CPU count (1, 0.5, 500m, none)") from None
    if f < 0:
        raise UsageError(f"--cpus {text!r}: a CPU limit cannot be negative (1, 0.5, 500m, none)")
    if f == 0:
        return None
    if f < Fraction(1, 100):
        raise UsageError(f"--cpus {text!r}: Docker needs at least 0.01 CPUs")
    return f


def cpus_arg(cpus: Fraction) -> str:
    """Docker's ``--cpus`` value (a decimal: 0.001 precision is what Docker keeps)."""
    return f"{float(cpus):.3f}".rstrip("0").rstrip(".")


def recommended_gomemlimit(limit_bytes: int, ratio: Fraction) -> str:
    """The GOMEMLIMIT golayer's runtime rules recommend for this limit (the same function)."""
    from golayer.runtime import quantities as q

    return q.recommend_gomemlimit(limit_bytes, ratio)


def gomaxprocs_for(cpus: Fraction) -> int:
    """``GOMAXPROCS`` golayer's gomaxprocs-cpu-limit rule prints for a CPU limit: ceil(limit)."""
    return max(1, math.ceil(cpus))


def standard_variants(limits: Limits, ratio: Fraction) -> list[Variant]:
    rec = recommended_gomemlimit(limits.memory_bytes, ratio)
    pct = f"{float(ratio) * 100:g}%"
    out = [
        Variant("no-gomemlimit", {}, "no GOMEMLIMIT, GOGC=100 (the default)"),
        Variant("gomemlimit-recommended", {"GOMEMLIMIT": rec},
                f"golayer's recommendation: {pct} of the limit, whole MiB"),
        Variant("gomemlimit-at-limit", {"GOMEMLIMIT": str(limits.memory_bytes)},
                "GOMEMLIMIT = the limit, what `resourceFieldRef: limits.memory` gives: no headroom"),
        Variant("gomemlimit-768Mi", {"GOMEMLIMIT": "768Mi"}, "Kubernetes quantity syntax, which Go rejects"),
        Variant("gogc-off", {"GOGC": "off"}, "GOGC=off and no GOMEMLIMIT"),
        Variant("gogc-off-gomemlimit", {"GOGC": "off", "GOMEMLIMIT": rec}, "GOGC=off with the recommended GOMEMLIMIT"),
    ]
    if limits.cpus is not None:
        n = gomaxprocs_for(limits.cpus)
        out += [
            Variant("gomaxprocs-set", {"GOMEMLIMIT": rec, "GOMAXPROCS": str(n)},
                    f"GOMAXPROCS={n} (ceil of the CPU limit), recommended GOMEMLIMIT", group="cpu"),
            Variant(f"go{OLD_GO_LINE}-module", {"GOMEMLIMIT": rec},
                    f"main module with `go {OLD_GO_LINE}`: no container-aware GOMAXPROCS default", group="cpu",
                    go_line=OLD_GO_LINE),
        ]
    return out


def select_variants(variants: list[Variant], names: Iterable[str]) -> list[Variant]:
    wanted = [n.strip() for v in names for n in v.split(",") if n.strip()]
    if not wanted:
        return variants
    by = {v.name: v for v in variants}
    groups = {"memory", "cpu", "manifest"}
    out: list[Variant] = []
    for n in wanted:
        picked = [v for v in variants if v.group == n] if n in groups else ([by[n]] if n in by else None)
        if picked is None:
            raise UsageError(f"--variant {n!r}: unknown variant",
                             hint=f"known: {', '.join(by)} (or a group: {', '.join(sorted(groups))})")
        out += [v for v in picked if v not in out]
    if not out:
        raise UsageError(f"--variant {', '.join(wanted)}: nothing to run",
                         hint="the manifest variant needs --manifest; the cpu variants need a CPU limit")
    return out


# --------------------------------------------------------------------------- --manifest


@dataclass
class ManifestContainer:
    label: str
    memory_bytes: int | None
    memory_text: str | None
    cpus: Fraction | None
    cpus_text: str | None
    env: dict[str, str]  # every variable whose value is known
    unknown_env: list[str]
    image: str | None


def read_manifest(path: str, container: str | None) -> ManifestContainer:
    """The limits and environment of one container of a Kubernetes manifest or compose file, read
    exactly as ``golayer runtime`` reads them."""
    from golayer.runtime import manifests

    loaded = manifests.load_paths([path], strict=True)
    cands = [(w, c) for w in loaded.workloads for c in w.containers if not (c.init and not c.sidecar)]
    if not cands:
        raise InputError(f"{path}: no Kubernetes workload container or compose service found")
    if container:
        match = [(w, c) for w, c in cands if container in (c.name, f"{w.ref}/{c.name}", w.name)]
        if not match:
            raise UsageError(f"--container {container!r}: not in {path}",
                             hint="containers: " + ", ".join(f"{w.ref}/{c.name}" for w, c in cands))
        if len(match) > 1:
            raise UsageError(f"--container {container!r} matches several containers",
                             hint="use WORKLOAD/CONTAINER: " + ", ".join(f"{w.ref}/{c.name}" for w, c in match))
        cands = match
    elif len(cands) > 1:
        raise UsageError(f"{path} has {len(cands)} containers: choose one with --container",
                         hint=", ".join(f"{w.ref}/{c.name}" for w, c in cands))
    w, c = cands[0]
    env: dict[str, str] = {}
    unknown: list[str] = []
    names = list(c.env) + [k for k in c.go.image_env if k not in c.env]
    for name in names:
        v = c.var(name)
        if v is None:
            continue
        if v.value is None:
            unknown.append(name)
        else:
            env[name] = v.value
    return ManifestContainer(label=f"{w.ref}/{c.name} in {w.file}", memory_bytes=c.memory_limit,
                             memory_text=c.memory_limit_text, cpus=c.cpu_limit, cpus_text=c.cpu_limit_text,
                             env=env, unknown_env=unknown, image=c.image)


# --------------------------------------------------------------------------- the proof program


def proof_source() -> dict[str, bytes]:
    pkg = resources.files("golayer.lab") / "proofprog"
    return {name: (pkg / name).read_bytes() for name in ("main.go", "go.mod")}


def cache_root() -> Path:
    env = os.environ.get("GOLAYER_CACHE_DIR")
    if env:
        return Path(env) / "lab-runtime"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg or Path.home() / ".cache") / "golayer" / "lab-runtime"


def _go() -> tuple[str, str]:
    from golayer.lab import bases

    root = bases.goroot()
    return str(root / "bin" / "go"), bases.go_version(root)


def _with_go_line(gomod: bytes, line: str) -> bytes:
    out = []
    for ln in gomod.decode().splitlines():
        out.append(f"go {line}" if ln.startswith("go ") else ln)
    return ("\n".join(out) + "\n").encode()


def build_binaries(progress: Progress = _stderr) -> tuple[dict[str, Path], str]:
    """Compile the proof program (static, CGO_ENABLED=0) for the toolchain's own go line and for
    ``go 1.24``; cached by source and toolchain. Returns ({"": path, "1.24": path}, go version)."""
    go, version = _go()
    src = proof_source()
    own_line = ".".join(version.split(".")[:2])
    out: dict[str, Path] = {}
    for key, line in (("", own_line), (OLD_GO_LINE, OLD_GO_LINE)):
        gomod = _with_go_line(src["go.mod"], line)
        digest = hashlib.sha256(src["main.go"] + gomod + version.encode()).hexdigest()[:16]
        d = cache_root() / digest
        binary = d / "labproof"
        if not binary.exists():
            progress(f"compiling the proof workload (go {line} module, Go {version}) into {d}")
            d.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=d) as tmp:
                (Path(tmp) / "main.go").write_bytes(src["main.go"])
                (Path(tmp) / "go.mod").write_bytes(gomod)
                env = dict(os.environ, CGO_ENABLED="0", GOTOOLCHAIN="local", GOFLAGS="-mod=mod",
                           GOOS="linux", GOARCH=os.environ.get("GOLAYER_LAB_GOARCH", "amd64"))
                env.pop("GOENV", None)
                cp = subprocess.run([go, "build", "-trimpath", "-o", str(Path(tmp) / "labproof"), "."], cwd=tmp,
                                    env=env, capture_output=True, text=True, timeout=600)
                if cp.returncode != 0:
                    raise InputError(f"compiling the proof workload failed: {cp.stderr.strip()[-1500:]}")
                os.replace(Path(tmp) / "labproof", binary)
        out[key] = binary
    return out, version


def ensure_image(progress: Progress = _stderr) -> tuple[str, str, str]:
    """The proof image (both binaries on the static stand-in, or scratch): (tag, base, go version)."""
    binaries, version = build_binaries(progress)
    base = STATIC_BASE if dockercli.image_exists(STATIC_BASE) else "scratch"
    h = hashlib.sha256(base.encode())
    for key in sorted(binaries):
        h.update(binaries[key].read_bytes())
    tag = f"{IMAGE_REPO}:{h.hexdigest()[:12]}"
    if dockercli.image_exists(tag):
        return tag, base, version
    progress(f"building {tag} on {base}")
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Path(tmp)
        shutil.copy2(binaries[""], ctx / "labproof")
        shutil.copy2(binaries[OLD_GO_LINE], ctx / "labproof-go1.24")
        (ctx / "Dockerfile").write_text(
            f"FROM {base}\nCOPY labproof labproof-go1.24 /\nLABEL {LABEL}=runtime\nUSER 65532:65532\n"
            'ENTRYPOINT ["/labproof"]\n')
        cp = dockercli.run(["build", "-q", "-t", tag, str(ctx)], env={"DOCKER_BUILDKIT": "0"}, check=False,
                           timeout=600)
        if cp.returncode != 0:
            raise InputError(f"building the proof image failed: {cp.stderr.strip()[-1500:]}")
    return tag, base, version


# --------------------------------------------------------------------------- running


@dataclass
class Workload:
    live_bytes: int
    alloc_bytes: int = DEFAULT_ALLOC
    workers: int = DEFAULT_WORKERS
    duration_s: float = DEFAULT_DURATION
    rate: float = 0.0  # requests/s across workers; 0 = closed loop (as fast as the CPU allows)

    def args(self) -> list[str]:
        return [f"-live={self.live_bytes}", f"-alloc={self.alloc_bytes}", f"-workers={self.workers}",
                f"-duration={self.duration_s:g}s", f"-rate={self.rate:g}"]

    def to_json(self) -> dict[str, Any]:
        return {"live_heap_bytes": self.live_bytes, "alloc_per_request_bytes": self.alloc_bytes,
                "workers": self.workers, "duration_s": self.duration_s, "rate": self.rate or None}


class Containers:
    """Tracks every container of one run, and removes them all (also on Ctrl-C)."""

    def __init__(self) -> None:
        self.run_id = uuid.uuid4().hex[:10]
        self.names: list[str] = []

    def new_name(self, what: str) -> str:
        name = f"golayer-lab-rt-{self.run_id}-{len(self.names)}-{what}"[:120]
        self.names.append(name)
        return name

    def labels(self) -> list[str]:
        return ["--label", f"{LABEL}=runtime", "--label", f"{LABEL_RUN}={self.run_id}"]

    def remove(self, name: str) -> None:
        dockercli.run(["rm", "-f", name], check=False, timeout=60)

    def cleanup(self) -> None:
        cp = dockercli.run(["ps", "-aq", "--filter", f"label={LABEL_RUN}={self.run_id}"], check=False, timeout=60)
        ids = cp.stdout.split() if cp.returncode == 0 else []
        if ids:
            dockercli.run(["rm", "-f", *ids], check=False, timeout=120)


def limit_args(limits: Limits) -> list[str]:
    # --memory-swap equal to --memory: no swap, as on Kubernetes nodes
    args = ["--memory", str(limits.memory_bytes), "--memory-swap", str(limits.memory_bytes)]
    if limits.cpus is not None:
        args += ["--cpus", cpus_arg(limits.cpus)]
    return args


def parse_output(stdout: str) -> dict[str, Any]:
    """The proof program's JSON lines: {"start": {...}, "samples": [...], "report": {...}|None}."""
    start: dict[str, Any] = {}
    report: dict[str, Any] | None = None
    samples: list[dict[str, Any]] = []
    for line in stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue  # a line cut by the OOM kill
        kind = obj.get("golayer_proof") if isinstance(obj, dict) else None
        if kind == "start":
            start = obj
        elif kind == "sample":
            samples.append(obj)
        elif kind == "report":
            report = obj
    return {"start": start, "samples": samples, "report": report}


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def measure(parsed: dict[str, Any], exit_code: int | None, oom_killed: bool, stderr_tail: str = "") -> dict[str, Any]:
    """One run's measures from the program's output and Docker's state."""
    start, samples, rep = parsed["start"], parsed["samples"], parsed["report"]
    peaks = [s.get(k) for s in samples for k in ("cgroup_peak", "cgroup_usage")]
    peak_vals = [int(p) for p in peaks if isinstance(p, int) and p >= 0]
    if rep and isinstance(rep.get("cgroup_peak_bytes"), int) and rep["cgroup_peak_bytes"] >= 0:
        peak_vals.append(rep["cgroup_peak_bytes"])
    peak = max(peak_vals) if peak_vals else None
    m: dict[str, Any] = {
        "exit_code": exit_code, "oom_killed": oom_killed, "peak_memory_bytes": peak,
        "gc_cycles": None, "gc_cpu_fraction": None, "gomaxprocs": start.get("gomaxprocs"), "ops_per_s": None,
        "completed": rep is not None and rep.get("reason") == "done",
        "latency_p50_ms": None, "latency_p99_ms": None,
        "throttled_periods": None, "periods": None, "throttled_s": None, "cpu_used_s": None,
        "gc_cpu_s": None, "heap_goal_bytes": None,
        "gomemlimit_in_effect": None, "gogc_in_effect": start.get("gogc"),
        "go_version": start.get("go_version"), "default_godebug": start.get("default_godebug"),
        "num_cpu": start.get("num_cpu"), "output": None,
    }
    gml = start.get("gomemlimit")
    if isinstance(gml, int) and 0 <= gml < (1 << 62):
        m["gomemlimit_in_effect"] = gml
    if samples:
        m["gc_cycles"] = samples[-1].get("gc_cycles")
        m["heap_goal_bytes"] = samples[-1].get("heap_goal")
    if rep:
        m["gc_cycles"] = rep.get("gc_cycles")
        m["heap_goal_bytes"] = rep.get("heap_goal")
        cpu, gc = _num(rep.get("cpu_seconds")), _num(rep.get("gc_cpu_seconds"))
        if cpu and gc is not None:
            m["gc_cpu_fraction"] = round(gc / cpu, 4)
            m["gc_cpu_s"] = round(gc, 3)
        m["gomaxprocs"] = rep.get("gomaxprocs", m["gomaxprocs"])
        if m["completed"]:
            m["ops_per_s"] = round(float(rep.get("ops_per_s") or 0), 1)
        for k, src in (("latency_p50_ms", "latency_p50_us"), ("latency_p99_ms", "latency_p99_us")):
            v = _num(rep.get(src))
            m[k] = round(v / 1000, 3) if v is not None and v >= 0 else None
        ns = rep.get("cgroup_cpu_ns")
        if isinstance(ns, int) and ns >= 0:
            m["cpu_used_s"] = round(ns / 1e9, 3)
        st = rep.get("cpu_stat") or {}
        if "nr_periods" in st:
            m["periods"] = st.get("nr_periods")
            m["throttled_periods"] = st.get("nr_throttled")
            m["throttled_s"] = round((st.get("throttled_time") or 0) / 1e9, 3)
    if exit_code not in (0, None) and not oom_killed:
        m["output"] = _first_lines(stderr_tail)
    return m


def _first_lines(text: str, n: int = 3) -> str | None:
    """What a failed start printed: the Go runtime's 'fatal error' line first, else the first lines."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal error", "panic:", "exec "))]
    picked = fatal[:1] + [ln for ln in lines[:n] if ln not in fatal[:1]]
    return "\n".join(picked[:n])[:600] or None


def series(parsed: dict[str, Any]) -> list[list[float]]:
    """[[t seconds, cgroup memory usage bytes], ...] for the chart."""
    out = []
    for s in parsed["samples"]:
        t, u = _num(s.get("t")), s.get("cgroup_usage")
        if t is not None and isinstance(u, int) and u >= 0:
            out.append([round(t, 3), u])
    return out


def saw_oom_event(name: str, since: int) -> bool:
    """Whether the daemon emitted an ``oom`` event for the container. Docker 20.10 sometimes
    reports ``OOMKilled: false`` for a container the kernel's memory cgroup OOM-killed (exit 137;
    the kernel log shows the kill): the flag and the exit race. The event is still in the
    daemon's event log, so ask it (waiting up to 1 s for a late event)."""
    until = int(time.time()) + 1
    cp = dockercli.run(["events", "--since", str(since), "--until", str(until), "--filter", f"container={name}",
                        "--filter", "event=oom", "--format", "{{.Action}}"], check=False, timeout=30)
    return cp.returncode == 0 and "oom" in cp.stdout.split()


def run_once(image: str, variant: Variant, limits: Limits, work: Workload, boxes: Containers) -> dict[str, Any]:
    name = boxes.new_name(variant.name)
    cmd = ["run", "-d", "--name", name, *boxes.labels(), "--network", "none", *limit_args(limits)]
    for k, v in variant.env.items():
        cmd += ["-e", f"{k}={v}"]
    if variant.go_line == OLD_GO_LINE:
        cmd += ["--entrypoint", "/labproof-go1.24"]
    cmd += [image, *work.args()]
    t0 = time.monotonic()
    since = int(time.time()) - 1
    try:
        cp = dockercli.run(cmd, check=False, timeout=120)
        if cp.returncode != 0:
            raise InputError(f"variant {variant.name}: docker run failed: {cp.stderr.strip()[-800:]}")
        budget = work.duration_s + 60 + work.live_bytes / (50 * MiB)
        dockercli.run(["wait", name], check=False, timeout=budget)
    except subprocess.TimeoutExpired:  # over its time budget: stopped, then judged on what it left
        dockercli.run(["kill", name], check=False, timeout=60)  # SIGKILL: a thrashing container may ignore TERM
        try:
            dockercli.run(["wait", name], check=False, timeout=60)
        except subprocess.TimeoutExpired:
            raise InputError(f"variant {variant.name}: the container {name} did not stop within 60 s of "
                             "`docker kill`; the Docker daemon is not answering") from None
    finally:
        wall = time.monotonic() - t0
    info = dockercli.run(["inspect", "--format", "{{json .State}}", name], check=False, timeout=60)
    state = json.loads(info.stdout) if info.returncode == 0 and info.stdout.strip() else {}
    oom_flag = bool(state.get("OOMKilled"))
    oom_event = False
    if state.get("ExitCode") == 137 and not oom_flag:
        oom_event = saw_oom_event(name, since)
    logs = dockercli.run(["logs", name], check=False, timeout=60)
    boxes.remove(name)
    parsed = parse_output(logs.stdout)
    m = measure(parsed, state.get("ExitCode"), oom_flag or oom_event, logs.stderr)
    m["oom_seen_by"] = "inspect" if oom_flag else ("events" if oom_event else None)
    m["wall_s"] = round(wall, 2)
    m["memory_series"] = series(parsed)
    return m


# --------------------------------------------------------------------------- aggregation

NUMERIC = ("peak_memory_bytes", "gc_cycles", "gc_cpu_fraction", "ops_per_s", "latency_p50_ms", "latency_p99_ms",
           "throttled_periods", "periods", "throttled_s", "cpu_used_s", "gc_cpu_s", "heap_goal_bytes", "gomaxprocs",
           "wall_s")


def _median(vals: list[float]) -> float | int | None:
    if not vals:
        return None
    med = statistics.median(vals)
    return int(med) if all(isinstance(v, int) for v in vals) and float(med).is_integer() else med


def aggregate(variant: Variant, limits: Limits, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """A variant's row: medians of the runs, the majority exit code / OOM verdict, and min-max spread."""
    codes = [r["exit_code"] for r in runs]
    exit_code = max(set(codes), key=lambda c: (codes.count(c), -codes.index(c))) if codes else None
    ooms = sum(1 for r in runs if r["oom_killed"])
    row: dict[str, Any] = {
        "name": variant.name, "env": dict(variant.env),
        "memory_limit_bytes": limits.memory_bytes,
        "cpu_limit": float(limits.cpus) if limits.cpus is not None else None,
        "exit_code": exit_code, "oom_killed": ooms * 2 > len(runs),
    }
    spread: dict[str, list[Any]] = {}
    for k in NUMERIC:
        vals = [r[k] for r in runs if _num(r.get(k)) is not None]
        row[k] = _median(vals)
        if len(runs) > 1 and vals:
            spread[k] = [min(vals), max(vals)]
    first = runs[0] if runs else {}
    row.update({
        "summary": variant.summary, "group": variant.group, "go_line": variant.go_line or "toolchain",
        "repeat": len(runs), "oom_kills": ooms, "exit_codes": codes,
        "completed": sum(1 for r in runs if r["completed"]),
        "gomemlimit_in_effect": first.get("gomemlimit_in_effect"), "go_version": first.get("go_version"),
        "default_godebug": first.get("default_godebug"), "num_cpu": first.get("num_cpu"),
        "output": next((r["output"] for r in runs if r.get("output")), None),
        "spread": spread,
        "runs": [{k: v for k, v in r.items() if k != "memory_series"} for r in runs],
        "memory_series": first.get("memory_series", []),
    })
    return row


# --------------------------------------------------------------------------- --image


def _host_peak(pid: int) -> int | None:
    """Peak memory of a running container's cgroup, read from the host (v1 or v2), or None."""
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError:
        return None
    for ln in lines:
        _, ctrls, path = ln.split(":", 2)
        if "memory" in ctrls.split(","):
            f = Path("/sys/fs/cgroup/memory") / path.lstrip("/") / "memory.max_usage_in_bytes"
        elif ctrls == "":
            f = Path("/sys/fs/cgroup") / path.lstrip("/") / "memory.peak"
        else:
            continue
        try:
            return int(f.read_text().strip())
        except (OSError, ValueError):
            continue
    return None


def smoke_image(ref: str, env: dict[str, str], limits: Limits, stay_s: float, boxes: Containers,
                progress: Progress) -> dict[str, Any]:
    """Start the user's image under the limits and env (no network, no load) and see whether it
    is still running after ``stay_s`` seconds."""
    if not dockercli.image_exists(ref):
        raise InputError(f"--image {ref}: not in the local image store (golayer never pulls)",
                         hint=f"docker pull {ref} (or docker load) first")
    name = boxes.new_name("image")
    cmd = ["run", "-d", "--name", name, *boxes.labels(), "--network", "none", *limit_args(limits)]
    for k, v in env.items():
        cmd += ["-e", f"{k}={v}"]
    cmd.append(ref)
    progress(f"starting {ref} under the limits for {stay_s:g} s (no network, no load)")
    cp = dockercli.run(cmd, check=False, timeout=120)
    res: dict[str, Any] = {"image": ref, "env": dict(env), "stay_s": stay_s, "started": False, "stayed_up": False,
                           "exit_code": None, "oom_killed": False, "peak_memory_bytes": None, "output": None}
    if cp.returncode != 0:
        res["output"] = cp.stderr.strip()[-800:]
        boxes.remove(name)
        return res
    res["started"] = True
    peak = None
    deadline = time.monotonic() + stay_s
    state: dict[str, Any] = {}
    while True:
        info = dockercli.run(["inspect", "--format", "{{json .State}}", name], check=False, timeout=60)
        state = json.loads(info.stdout) if info.returncode == 0 and info.stdout.strip() else {}
        if state.get("Pid"):
            p = _host_peak(int(state["Pid"]))
            if p is not None:
                peak = max(peak or 0, p)
        if not state.get("Running") or time.monotonic() >= deadline:
            break
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
    res["stayed_up"] = bool(state.get("Running"))
    if not res["stayed_up"]:
        res["exit_code"] = state.get("ExitCode")
        res["oom_killed"] = bool(state.get("OOMKilled"))
        logs = dockercli.run(["logs", "--tail", "30", name], check=False, timeout=60)
        res["output"] = (logs.stdout + logs.stderr).strip()[-800:] or state.get("Error") or None
    res["peak_memory_bytes"] = peak
    boxes.remove(name)
    return res


# --------------------------------------------------------------------------- the whole run


def run(limits: Limits, variants: list[Variant], work: Workload, *, repeat: int = 1, ratio: Fraction,
        image_ref: str | None = None, image_env: dict[str, str] | None = None, stay_s: float = 10.0,
        notes: list[str] | None = None, progress: Progress = _stderr) -> dict[str, Any]:
    docker_version = dockercli.ensure_daemon()
    boxes = Containers()
    rows: list[dict[str, Any]] = []
    image_res = None
    try:
        tag, base, go_version = ensure_image(progress)
        total = len(variants) * repeat
        i = 0
        for v in variants:
            runs = []
            for _ in range(repeat):
                i += 1
                progress(f"[{i}/{total}] {v.name} ({' '.join(f'{k}={x}' for k, x in v.env.items()) or 'no Go env'})")
                r = run_once(tag, v, limits, work, boxes)
                verdict = ("OOM-killed" if r["oom_killed"] else f"exit {r['exit_code']}")
                progress(f"      {verdict}, peak {_mib(r['peak_memory_bytes'])}, {r['wall_s']:.1f} s")
                runs.append(r)
            rows.append(aggregate(v, limits, runs))
        if image_ref:
            image_res = smoke_image(image_ref, image_env or {}, limits, stay_s, boxes, progress)
    finally:
        boxes.cleanup()
    doc: dict[str, Any] = {
        "lab": {"docker": docker_version, "run_id": boxes.run_id, "image": tag, "base": base,
                "go_version": go_version, "repeat": repeat, "gomemlimit_ratio": str(float(ratio)),
                "limits_from": limits.source, "memory_limit_bytes": limits.memory_bytes,
                "cpu_limit": float(limits.cpus) if limits.cpus is not None else None,
                "workload": work.to_json()},
        "variants": rows,
        "notes": list(notes or []),
    }
    if image_res is not None:
        doc["image"] = image_res
    return doc


# --------------------------------------------------------------------------- text


def _mib(n: Any) -> str:
    return "-" if not isinstance(n, (int, float)) else f"{n / MiB:.1f} MiB"


def _f(x: Any, fmt: str = "{:g}") -> str:
    return "-" if x is None else fmt.format(x)


def write_text(doc: dict[str, Any], out: TextIO) -> None:
    lab = doc["lab"]
    cpu = lab["cpu_limit"]
    w = lab["workload"]
    out.write(f"golayer lab runtime: memory limit {_mib(lab['memory_limit_bytes'])}, "
              f"CPU limit {cpu if cpu is not None else 'none'} ({lab['limits_from']}); Go {lab['go_version']}; "
              f"live heap {_mib(w['live_heap_bytes'])}, {w['workers']} workers x "
              f"{w['alloc_per_request_bytes'] // 1024} KiB per request, {w['duration_s']:g} s; "
              f"repeat {lab['repeat']}\n\n")
    head = ["variant", "env", "exit", "OOM", "peak", "GC", "GC CPU", "GOMAXPROCS", "ops/s", "p99 ms", "throttled"]
    rows = [head]
    for v in doc["variants"]:
        env = " ".join(f"{k}={x}" for k, x in v["env"].items()) or "-"
        oom = "yes" if v["oom_killed"] else "no"
        if v["repeat"] > 1:
            oom += f" {v['oom_kills']}/{v['repeat']}"
        peak = _mib(v["peak_memory_bytes"])
        sp = v["spread"].get("peak_memory_bytes")
        if sp and sp[0] != sp[1]:
            peak += f" ({sp[0] / MiB:.0f}-{sp[1] / MiB:.0f})"
        thr = "-"
        if v.get("periods"):
            thr = f"{v['throttled_periods']}/{v['periods']} ({v['throttled_s']:.2f} s)"
        rows.append([v["name"], env, _f(v["exit_code"]), oom, peak, _f(v["gc_cycles"]),
                     _f(v["gc_cpu_fraction"], "{:.0%}"), _f(v["gomaxprocs"]), _f(v["ops_per_s"], "{:.0f}"),
                     _f(v["latency_p99_ms"], "{:.1f}"), thr])
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
    for r in rows:
        out.write("  ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)).rstrip() + "\n")
    fails = [v for v in doc["variants"] if v.get("output")]
    if fails:
        out.write("\n")
        for v in fails:
            first = v["output"].strip().splitlines()[0][:200]
            out.write(f"{v['name']}: {first}\n")
    img = doc.get("image")
    if img:
        out.write("\n")
        if not img["started"]:
            out.write(f"image {img['image']}: did not start: {img['output']}\n")
        elif img["stayed_up"]:
            out.write(f"image {img['image']}: started and stayed up {img['stay_s']:g} s "
                      f"(peak {_mib(img['peak_memory_bytes'])})\n")
        else:
            why = "OOM-killed" if img["oom_killed"] else f"exited {img['exit_code']}"
            out.write(f"image {img['image']}: started but {why} within {img['stay_s']:g} s\n")
            if img.get("output"):
                out.write("  " + "\n  ".join(img["output"].splitlines()[-8:]) + "\n")
    notes = doc.get("notes") or []
    if notes:
        out.write("\n" + "".join(f"note: {n}\n" for n in notes))


# --------------------------------------------------------------------------- HTML

_COLORS = ["#d0453a", "#2b8a3e", "#8a5cd0", "#e08a1e", "#1f77b4", "#17becf", "#7f7f7f", "#bcbd22", "#e377c2"]


def render_html(doc: dict[str, Any]) -> str:
    """One self-contained page (inline CSS and SVG, no scripts): memory over time per variant
    against the limit, and the table."""
    from html import escape as e

    lab = doc["lab"]
    limit = lab["memory_limit_bytes"]
    vs = [v for v in doc["variants"] if v.get("memory_series")]
    tmax = max([s[-1][0] for v in vs for s in [v["memory_series"]]] + [1.0])
    ymax = max([limit] + [p[1] for v in vs for p in v["memory_series"]]) * 1.08
    W, H, L, B = 860, 360, 70, 40
    pw, ph = W - L - 190, H - B - 20

    def x(t: float) -> float:
        return L + pw * t / tmax

    def y(b: float) -> float:
        return 20 + ph * (1 - b / ymax)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" role="img" '
             f'aria-label="{e("cgroup memory usage over time per variant")}">']
    parts.append(f'<rect x="{L}" y="20" width="{pw}" height="{ph}" fill="none" stroke="#ccc"/>')
    step = 1
    while ymax / MiB / step > 6:
        step *= 2
    b = 0.0
    while b <= ymax:
        parts.append(f'<text x="{L - 6}" y="{y(b) + 4:.1f}" text-anchor="end">{b / MiB:.0f}</text>'
                     f'<line x1="{L}" x2="{L + pw}" y1="{y(b):.1f}" y2="{y(b):.1f}" stroke="#f0f0f0"/>')
        b += step * MiB
    for i in range(6):
        t = tmax * i / 5
        parts.append(f'<text x="{x(t):.1f}" y="{H - B + 16}" text-anchor="middle">{t:.1f}</text>')
    parts.append(f'<text x="{L + pw / 2}" y="{H - 6}" text-anchor="middle">seconds since start</text>')
    parts.append(f'<text x="14" y="{20 + ph / 2}" transform="rotate(-90 14 {20 + ph / 2})" '
                 'text-anchor="middle">MiB (cgroup usage)</text>')
    parts.append(f'<line x1="{L}" x2="{L + pw}" y1="{y(limit):.1f}" y2="{y(limit):.1f}" stroke="#000" '
                 'stroke-dasharray="6 4"/>')
    parts.append(f'<text x="{L + 4}" y="{y(limit) - 4:.1f}">{e("memory limit " + _mib(limit))}</text>')
    for gml in sorted({v["gomemlimit_in_effect"] for v in vs if v.get("gomemlimit_in_effect")}):
        if gml < ymax:
            parts.append(f'<line x1="{L}" x2="{L + pw}" y1="{y(gml):.1f}" y2="{y(gml):.1f}" stroke="#888" '
                         f'stroke-dasharray="2 3"/><text x="{L + pw - 4}" y="{y(gml) + 13:.1f}" text-anchor="end">'
                         f'{e("GOMEMLIMIT " + _mib(gml))}</text>')
    ooms = 0
    for i, v in enumerate(vs):
        c = _COLORS[i % len(_COLORS)]
        pts = " ".join(f"{x(t):.1f},{y(b):.1f}" for t, b in v["memory_series"])
        parts.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.6" points="{pts}"/>')
        if v["oom_killed"]:
            t, b = v["memory_series"][-1]
            parts.append(f'<circle cx="{x(t):.1f}" cy="{y(b):.1f}" r="4" fill="none" stroke="{c}" stroke-width="2"/>'
                         f'<text x="{x(t) + 8:.1f}" y="{y(b) + 16 + 13 * ooms:.1f}" fill="{c}">'
                         f'OOM-killed: {e(v["name"][:24])}</text>')
            ooms += 1
        ly = 30 + 18 * i
        parts.append(f'<rect x="{W - 180}" y="{ly - 9}" width="10" height="10" fill="{c}"/>'
                     f'<text x="{W - 165}" y="{ly}">{e(v["name"][:26])}</text>')
    parts.append("</svg>")

    head = ["variant", "env", "exit", "OOM-killed", "peak MiB", "GC cycles", "GC CPU", "GOMAXPROCS", "ops/s",
            "p99 ms", "throttled periods"]
    trs = []
    for v in doc["variants"]:
        env = " ".join(f"{k}={val}" for k, val in v["env"].items()) or "-"
        cells = [v["name"], env, _f(v["exit_code"]), ("yes" if v["oom_killed"] else "no") + (
            f" ({v['oom_kills']}/{v['repeat']})" if v["repeat"] > 1 else ""),
            _f(v["peak_memory_bytes"] and v["peak_memory_bytes"] / MiB, "{:.1f}"), _f(v["gc_cycles"]),
            _f(v["gc_cpu_fraction"], "{:.0%}"), _f(v["gomaxprocs"]), _f(v["ops_per_s"], "{:.0f}"),
            _f(v["latency_p99_ms"], "{:.1f}"),
            "-" if not v.get("periods") else f"{v['throttled_periods']}/{v['periods']}"]
        trs.append("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in cells) + "</tr>")
        if v.get("output"):
            trs.append(f'<tr><td></td><td colspan="{len(head) - 1}"><code>{e(v["output"][:300])}</code></td></tr>')
    w = lab["workload"]
    title = (f"memory limit {_mib(limit)}, CPU limit {lab['cpu_limit'] if lab['cpu_limit'] is not None else 'none'}"
             f" ({lab['limits_from']}), Go {lab['go_version']}, live heap {_mib(w['live_heap_bytes'])}, "
             f"{w['duration_s']:g} s, repeat {lab['repeat']}")
    notes = "".join(f"<li>{e(n)}</li>" for n in doc.get("notes") or [])
    img = doc.get("image")
    img_html = ""
    if img:
        verdict = ("stayed up" if img["stayed_up"] else
                   ("did not start" if not img["started"] else
                    ("OOM-killed" if img["oom_killed"] else f"exited {img['exit_code']}")))
        img_html = (f"<h2>Image</h2><p><code>{e(img['image'])}</code>: {e(verdict)} "
                    f"({e(str(img['stay_s']))} s)</p>")
        if img.get("output"):
            img_html += f"<pre>{e(img['output'])}</pre>"
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>golayer lab runtime</title><style>"
            "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}"
            "table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #eee;"
            "text-align:left}svg text{font-size:11px;fill:#333}code{font-size:12px}</style></head><body>"
            f"<h1>golayer lab runtime</h1><p>{e(title)}</p>"
            "<h2>Memory over time</h2>" + "".join(parts) +
            "<h2>Variants</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>" +
            "".join(trs) + "</table>" + img_html + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "") +
            "</body></html>\n")


def write_atomic(path: str, text: str) -> None:
    """The lab's reports go through the one atomic writer (golayer.limits.atomic_write)."""
    from golayer.limits import atomic_write

    atomic_write(path, text)

