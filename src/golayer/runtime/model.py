"""The runtime model every runtime check reads: workloads, their containers, the effective Go
settings of each container, with the file and line every value came from.

manifests (Kubernetes YAML, compose) -> :class:`Workload` / :class:`Container`
(env resolved: literal values, downward-API ``resourceFieldRef``, image ENV) -> checks.
Everything a rule needs is computed here once, so two rules never disagree about, say, whether a
container has a memory limit or what GOMEMLIMIT evaluates to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from golayer.runtime import quantities as q


@dataclass
class EnvValue:
    """One environment variable as the container will see it."""

    name: str
    line: int | None  # where it is set (the name's line)
    value: str | None  # the string the process gets; None when unknown (secret, fieldRef, ...)
    source: str = "value"  # value | resourceFieldRef | secretKeyRef | configMapKeyRef | fieldRef | image | compose
    # downward API
    resource: str | None = None  # "limits.memory"
    divisor: str | None = None  # as written ("1Mi"), None = default 1
    ref_container: str | None = None  # resourceFieldRef.containerName when not this container
    note: str | None = None  # e.g. "from ${MEM:-768MiB} (interpolated with its default)"

    @property
    def known(self) -> bool:
        return self.value is not None


@dataclass
class GoInfo:
    """What is known about the program in a container: its language, how that was decided, and for
    Go what governs its runtime (version, go.mod go line, GODEBUG defaults, linked helpers)."""

    is_go: bool = False  # the Go rules judge this container (Go, or assumed Go with --assume-go)
    assumed: bool = False  # is_go only because of --assume-go / assume-go = true
    reason: str = "language unknown"
    language: str = "unknown"  # go | not-go | unknown
    decided_by: str = "unknown"  # image | config | build | knowledge | assumed | unknown
    go_version: str | None = None  # toolchain, "go1.24.3" (buildinfo, or the builder image)
    go_line: str | None = None  # the go.mod `go` line of the module that builds it ("1.24")
    go_mod: str | None = None  # that go.mod's path
    module_go_before_125: bool | None = None  # containermaxprocs=0 by default (go line < 1.25)
    default_godebug: dict[str, str] = field(default_factory=dict)  # buildinfo DefaultGODEBUG
    module_godebug: dict[str, str] = field(default_factory=dict)  # go.mod godebug / //go:debug
    go_line_no: int | None = None  # the go line's line number in go_mod, when read from it
    module_godebug_at: dict[str, str] = field(default_factory=dict)  # key -> "go.mod:7" / "//go:debug in f.go:2"
    automemlimit: bool = False
    automaxprocs: bool = False
    sets_gomemlimit: str | None = None  # the well-known image sets GOMEMLIMIT itself by default (why)
    binary: str | None = None
    image_env: dict[str, str] = field(default_factory=dict)

    @property
    def version_tuple(self) -> tuple[int, int] | None:
        v = self.go_version or ""
        if not v.startswith("go"):
            return None
        parts = v[2:].split(".")
        try:
            return int(parts[0]), int("".join(ch for ch in parts[1] if ch.isdigit()) or 0)
        except (IndexError, ValueError):
            return None

    def default_debug(self, key: str) -> str | None:
        """The GODEBUG default compiled into the binary (DefaultGODEBUG, or the module's
        godebug directives when only the source is known)."""
        return self.default_godebug.get(key, self.module_godebug.get(key))

    def to_json(self) -> dict[str, Any]:
        return {
            "is_go": self.is_go,
            "language": self.language,
            "decided_by": self.decided_by,
            "assumed": self.assumed,
            "reason": self.reason,
            "go_version": self.go_version,
            "go_mod": self.go_mod,
            "go_mod_go_line": self.go_line,
            "module_go_before_1_25": self.module_go_before_125,
            "automemlimit": self.automemlimit,
            "automaxprocs": self.automaxprocs,
            "binary": self.binary,
        }


@dataclass
class Container:
    name: str
    image: str | None
    file: str
    line: int | None
    init: bool = False  # initContainer (runs to completion before the others)
    sidecar: bool = False  # initContainer with restartPolicy: Always
    env: dict[str, EnvValue] = field(default_factory=dict)  # effective, last definition wins
    env_unknown: list[str] = field(default_factory=list)  # envFrom / env_file sources not resolved
    memory_limit: int | None = None  # bytes
    memory_limit_text: str | None = None
    memory_limit_line: int | None = None
    memory_limit_source: str | None = None  # "resources.limits.memory", "mem_limit", "LimitRange x"...
    memory_request: int | None = None
    cpu_limit: Fraction | None = None  # CPUs
    cpu_limit_text: str | None = None
    cpu_limit_line: int | None = None
    argv: list[str] = field(default_factory=list)  # command + args (compose: entrypoint + command)
    liveness: bool = False
    readiness: bool = False
    go: GoInfo = field(default_factory=GoInfo)
    problems: list[str] = field(default_factory=list)  # values we could not parse (reported as notes)

    # --- effective Go settings ----------------------------------------------------------------
    def sets_own_gomemlimit(self) -> str | None:
        """Why the program sets GOMEMLIMIT itself, or None: a command-line flag that turns on a
        built-in automatic memory limit (Prometheus ``--enable-feature=auto-gomemlimit``, Thanos
        ``--enable-auto-gomemlimit``, kube-state-metrics ``--auto-gomemlimit``, ...), or an image
        known to do it by default (unless ``--no-auto-gomemlimit``)."""
        flag = next((w for w in self.argv if "memlimit" in w.lower()), None)
        if flag is not None:
            low = flag.lower()
            if "no-auto-gomemlimit" in low or low.endswith(("=false", "=0")) and "ratio" not in low:
                return None  # turned off on the command line
            return f"its command line has {flag.split('=', 1)[0] if flag.startswith('-') else flag}"
        if self.go.sets_gomemlimit:
            return self.go.sets_gomemlimit
        return None

    def var(self, name: str) -> EnvValue | None:
        v = self.env.get(name)
        if v is None and name in self.go.image_env:
            return EnvValue(name, None, self.go.image_env[name], source="image")
        return v

    def gomemlimit(self) -> q.GoMemLimit | None:
        """GOMEMLIMIT as the runtime will read it; None when not set or its value is unknown."""
        v = self.var("GOMEMLIMIT")
        if v is None or v.value is None:
            return None
        return q.parse_gomemlimit(v.value)

    def has_gomemlimit_setting(self) -> bool:
        """GOMEMLIMIT is set to something (possibly unknown, e.g. from a Secret)."""
        return self.var("GOMEMLIMIT") is not None

    def gogc(self) -> q.GoGC | None:
        v = self.var("GOGC")
        if v is None or v.value is None:
            return None
        return q.parse_gogc(v.value)

    def gomaxprocs(self) -> int | None:
        v = self.var("GOMAXPROCS")
        if v is None or v.value is None:
            return None
        return q.parse_gomaxprocs(v.value)

    def godebug(self, key: str) -> str | None:
        v = self.var("GODEBUG")
        if v is None or v.value is None:
            return None
        found = None
        for part in v.value.split(","):
            k, sep, val = part.strip().partition("=")
            if sep and k == key:
                found = val
        return found


@dataclass
class Workload:
    kind: str  # Deployment, CronJob, ..., or "service" for compose
    name: str
    file: str
    line: int | None
    namespace: str | None = None
    source: str = "kubernetes"  # "kubernetes" | "compose"
    long_running: bool = True
    containers: list[Container] = field(default_factory=list)
    ignore: set[str] = field(default_factory=set)  # from golayer/ignore annotations / labels

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass
class RuntimeModel:
    workloads: list[Workload] = field(default_factory=list)
    ratio: Fraction = q.DEFAULT_GOMEMLIMIT_RATIO
    max_ratio: Fraction = q.DEFAULT_GOMEMLIMIT_MAX_RATIO
    notes: list[str] = field(default_factory=list)

    def containers(self):
        for w in self.workloads:
            for c in w.containers:
                yield w, c

    def go_containers(self):
        for w, c in self.containers():
            if c.go.is_go:
                yield w, c
