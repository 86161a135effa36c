"""Hostile and careless text input (Dockerfiles, manifests, compose files, config, stdin): each input is
built here by a small generator and given to ``golayer`` in a child process under a memory limit
(RLIMIT_AS) and a time limit. The answer is a clear one-line error (exit 2) or a bounded result,
never a traceback (exit 3), a hang or an out-of-memory kill. Limits: docs/security.md."""

from __future__ import annotations

import json
import os
import resource
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")
MEMORY = 1536 << 20  # 1.5 GiB of address space: every one of these inputs took 6-24 GB before


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def golayer(args: list[str], *, stdin: bytes | None = None, cwd: Path | None = None, timeout: float = 60,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "golayer", *args], input=stdin, capture_output=True,
                          timeout=timeout, preexec_fn=_limit, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": SRC, "GOLAYER_JOBS": "1", **(env or {})})


def clear_error(r: subprocess.CompletedProcess, *needles: str) -> str:
    """Exit 2 with one ``golayer: error:`` line naming the problem."""
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 2, (r.returncode, err[-2000:])
    assert err.startswith("golayer: error: ") and "Traceback" not in err, err
    first = err.splitlines()[0]
    for n in needles:
        assert n in first, first
    return first


# --- 1. Dockerfile ARG/ENV expansion --------------------------------------------------------------------
def test_arg_chain_that_grows_tenfold_per_line_is_refused(tmp_path):
    lines = ["FROM alpine", "ARG A0=xxxxxxxxxx"]
    lines += [f"ARG A{i}=" + f"${{A{i - 1}}}" * 10 for i in range(1, 12)]  # 10^12 characters unbounded
    lines.append("RUN echo hi")
    p = tmp_path / "Dockerfile"
    p.write_text("\n".join(lines) + "\n")
    assert p.stat().st_size < 1500
    first = clear_error(golayer(["lint", str(p)]), "128 KiB", "argument list too long")
    assert f"{p}:7: ARG" in first  # A5 = 10^6 characters: the first value past the limit, on its own line


def test_env_chain_in_one_instruction_and_global_args_are_bounded_too(tmp_path):
    envs = " ".join(f"E{i}=" + f"${{E{i - 1}}}" * 8 for i in range(1, 12))
    p = tmp_path / "Dockerfile"
    p.write_text(f"FROM alpine\nENV E0=yyyyyyyy {envs}\nRUN true\n")
    clear_error(golayer(["lint", str(p)]), "128 KiB")
    glob = "\n".join(f"ARG G{i}=" + f"$G{i - 1}" * 10 for i in range(1, 12))
    p.write_text(f"ARG G0=zzzzzzzzzz\n{glob}\nFROM alpine:$G11\n")
    clear_error(golayer(["lint", str(p)]), "128 KiB")


def test_total_expansion_work_is_bounded(tmp_path):
    # every value stays under the per-value limit, but together they would be gigabytes
    big = "x" * 60_000
    lines = ["FROM alpine", f"ARG BIG={big}"] + [f"ARG C{i}=${{BIG}}${{BIG}}" for i in range(2000)]
    p = tmp_path / "Dockerfile"
    p.write_text("\n".join(lines) + "\n")
    clear_error(golayer(["lint", str(p)]), "MiB in total")


def test_legitimate_expansion_is_untouched(tmp_path):
    p = tmp_path / "Dockerfile"
    p.write_text("ARG GO=1.22\nFROM golang:${GO}-alpine AS build\nARG PKG=./cmd/app\nENV X=${PKG:-none}/${GO}\n"
                 "RUN go build -o /app ${PKG}\nFROM scratch\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n")
    r = golayer(["lint", str(p), "-f", "json"])
    assert r.returncode in (0, 1), r.stderr


# --- 2. YAML billion laughs through mapping keys --------------------------------------------------------
def _laughs(key_alias: bool) -> str:
    out = ["l0: &l0 [a, a, a, a, a, a, a, a, a, a]"]
    out += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 10)]
    out.append("boom:\n  ? *l9\n  : v" if key_alias else "boom: *l9")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("key_alias", [True, False], ids=["alias-as-key", "alias-as-value"])
def test_billion_laughs_is_refused_as_key_and_as_value(tmp_path, key_alias):
    p = tmp_path / "laughs.yaml"
    p.write_text(_laughs(key_alias))
    assert p.stat().st_size < 700
    clear_error(golayer(["runtime", str(p)]), "alias expansion exceeds")


def test_billion_laughs_in_a_compose_file_key(tmp_path):
    text = _laughs(True).replace("boom:", "x-boom:") + "services:\n  app:\n    image: golang\n"
    (tmp_path / "compose.yaml").write_text(text)
    clear_error(golayer(["runtime", str(tmp_path / "compose.yaml")]), "alias expansion exceeds")


# --- 6. standard input is capped like files ---------------------------------------------------------------
@pytest.mark.parametrize("cmd", [["lint", "-"], ["runtime", "-"]])
def test_endless_stdin_is_refused_at_the_size_limit(cmd):
    yes = subprocess.Popen(["yes", "RUN echo hi"], stdout=subprocess.PIPE)
    try:
        r = subprocess.run([sys.executable, "-m", "golayer", *cmd], stdin=yes.stdout, capture_output=True,
                           timeout=60, preexec_fn=_limit, env={**os.environ, "PYTHONPATH": SRC})
    finally:
        yes.kill()
        yes.wait()
    clear_error(r, "standard input is larger than", "MiB")


# --- 7 and 15. numbers: exponents and digit counts are bounded before exact arithmetic ---------------------
def _deployment(env: dict[str, str], memory: str = "512Mi", cpu: str = "1") -> str:
    items = "\n".join(f"        - {{name: {k}, value: '{v}'}}" for k, v in env.items())
    return ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n"
            "      containers:\n      - name: app\n        image: golang:1.22\n"
            f"        resources: {{limits: {{memory: '{memory}', cpu: '{cpu}'}}}}\n        env:\n{items}\n")


HUGE = "9" * 5000


@pytest.mark.parametrize("doc", [
    _deployment({"GOMEMLIMIT": HUGE + "MiB"}),
    _deployment({"GOGC": HUGE}),
    _deployment({"GOMAXPROCS": HUGE}),
    _deployment({"GOMEMLIMIT": "100MiB"}, memory=HUGE + "Mi"),
    _deployment({"GOMEMLIMIT": "100MiB"}, memory="0." + "0" * 5000 + "1"),
    _deployment({"GOMEMLIMIT": "100MiB"}, cpu=HUGE + "m"),
    "services:\n  app:\n    image: golang\n    mem_limit: '" + HUGE + "'\n",
    "services:\n  app:\n    image: golang\n    mem_limit: " + HUGE + "\n",
    "services:\n  app:\n    image: golang\n    cpus: '1e999999999'\n",
    "services:\n  app:\n    image: golang\n    cpus: '1e-999999999'\n",
    "services:\n  app:\n    image: golang\n    cpus: " + HUGE + "\n",
    "services:\n  app:\n    image: golang\n    deploy: {resources: {limits: {cpus: '1e999999999', memory: 1g}}}\n",
    "services:\n  app:\n    image: golang\n    deploy: {resources: {limits: {cpus: '1e-999999999'}}}\n",
], ids=["gomemlimit", "gogc", "gomaxprocs", "k8s-memory", "k8s-tiny-fraction", "k8s-cpu", "compose-size-str",
        "compose-size-int", "cpus-huge-exp", "cpus-tiny-exp", "cpus-digits", "deploy-cpus", "deploy-cpus-tiny"])
def test_huge_numbers_give_a_bounded_answer(tmp_path, doc):
    name = "compose.yaml" if doc.startswith("services") else "deploy.yaml"
    (tmp_path / name).write_text(doc)
    t = time.monotonic()
    r = golayer(["runtime", str(tmp_path / name), "-f", "json"], timeout=30)
    assert r.returncode in (0, 1, 2), r.stderr
    assert b"Traceback" not in r.stderr and b"internal error" not in r.stderr, r.stderr
    if r.returncode == 2:
        clear_error(r)
    else:
        json.loads(r.stdout)
    assert time.monotonic() - t < 30


@pytest.mark.parametrize("how", ["flag", "config"])
@pytest.mark.parametrize("value", ["1e-999999999", "1e999999999", "0." + "0" * 5000 + "1"])
def test_gomemlimit_ratio_with_huge_exponents_is_a_usage_error(tmp_path, how, value):
    (tmp_path / "d.yaml").write_text(_deployment({}))
    args = ["runtime", str(tmp_path / "d.yaml")]
    if how == "flag":
        args += ["--gomemlimit-ratio", value]
    else:
        (tmp_path / ".golayer.toml").write_text(f'[runtime]\ngomemlimit-ratio = "{value}"\n')
        args += ["--config", str(tmp_path / ".golayer.toml")]
    clear_error(golayer(args, timeout=30), "gomemlimit-ratio")


# --- 8. Kubernetes $(VAR) expansion ------------------------------------------------------------------------
def test_kubernetes_var_chain_is_bounded_and_explained(tmp_path):
    env = {"V0": "x" * 100}
    env.update({f"V{i}": f"$(V{i - 1})" * 10 for i in range(1, 12)})  # 10^13 characters unbounded
    env["GOMEMLIMIT"] = "400MiB"
    (tmp_path / "d.yaml").write_text(_deployment(env))
    assert (tmp_path / "d.yaml").stat().st_size < 1500
    r = golayer(["runtime", str(tmp_path / "d.yaml")], timeout=30)
    assert r.returncode in (0, 1), r.stderr
    out = r.stdout + r.stderr
    assert b"env V4 expands to more than 128 KiB" in out and b"E2BIG" in out, out


def test_kubernetes_expansion_semantics():
    from golayer.runtime.manifests import _expand
    from golayer.runtime.model import EnvValue

    env = {"A": EnvValue("A", 1, "a$(B)", source="value"), "N": EnvValue("N", 2, None, source="secret")}
    assert _expand("$(A)-$$(A)-$$$(A)-$(Z)", env, False) == "a$(B)-$(A)-$a$(B)-$(Z)"  # once, not re-scanned
    assert _expand("x$(N)", env, False) is None  # a value golayer cannot see makes it unknown


# --- 10. lint is linear in instructions and stages --------------------------------------------------------
def _lint_seconds(tmp_path: Path, text: str, name: str) -> tuple[float, subprocess.CompletedProcess]:
    p = tmp_path / name
    p.write_text(text)
    t = time.monotonic()
    r = golayer(["lint", str(p), "-f", "json"], timeout=300)
    return time.monotonic() - t, r


def _runs(n: int) -> str:
    return "FROM golang:1.22 AS build\n" + "".join(f"RUN go build -o /app{i} ./cmd/{i}\n" for i in range(n)) + \
        "FROM scratch\nCOPY --from=build /app0 /app\n"


def _stages(n: int) -> str:
    out = ["FROM golang:1.22 AS s0\nRUN go mod download\n"]
    out += [f"FROM s{i - 1} AS s{i}\nCOPY --from=s{i - 1} /go/pkg /go/pkg\nRUN go build ./...\n" for i in range(1, n)]
    return "".join(out)


def test_lint_scales_linearly_in_chained_stages(tmp_path):
    """1,000 stages each FROM the previous: what a stage inherits is memoised along the chain. CPU time of
    this process (not wall time: the machine is shared), best of 3 for the small input."""
    from golayer.dockerfile.engine import lint_path

    def cpu(n: int, tries: int) -> float:
        p = tmp_path / f"s{n}"
        p.write_text(_stages(n))
        best = float("inf")
        for _ in range(tries):
            t = time.process_time()
            lint_path(p)
            best = min(best, time.process_time() - t)
        return best

    cpu(20, 1)  # warm-up: imports, parser
    small, big = cpu(100, 3), cpu(1000, 1)
    # 10x the input: linear is ~10x; the chains themselves (a list per stage) add a little; quadratic ~100x
    assert big < 30 * max(small, 0.01), (small, big)


@pytest.mark.parametrize("make,small,big", [(_runs, 2000, 20000)], ids=["runs"])
def test_lint_scales_linearly(tmp_path, make, small, big):
    base, _ = _lint_seconds(tmp_path, "FROM scratch\n", "empty")  # interpreter + parser start-up
    t_small, r1 = _lint_seconds(tmp_path, make(small), "small")
    t_big, r2 = _lint_seconds(tmp_path, make(big), "big")
    assert r1.returncode in (0, 1) and r2.returncode in (0, 1), r2.stderr[-2000:]
    work_small, work_big = max(t_small - base, 0.05), t_big - base
    # 10x the input: linear is ~10x the work; quadratic would be ~100x. Allow for a shared, noisy machine.
    assert work_big < 30 * work_small, (base, t_small, t_big)


# --- 11. atomic writes; reports never overwrite an input ----------------------------------------------------
def test_fix_replaces_the_file_atomically_keeping_mode_and_symlink(tmp_path):
    real = tmp_path / "real.Dockerfile"
    real.write_text("FROM golang:1.22\nRUN go env -w GOPROXY=direct\nRUN go build -o /app .\n")
    real.chmod(0o640)
    link = tmp_path / "Dockerfile"
    link.symlink_to(real.name)
    ino = real.stat().st_ino
    r = golayer(["lint", "--fix", str(link)])
    assert r.returncode in (0, 1), r.stderr
    assert link.is_symlink() and "ENV GOPROXY=direct" in real.read_text()
    assert stat.S_IMODE(real.stat().st_mode) == 0o640 and real.stat().st_ino != ino  # a new file, renamed over
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".golayer-tmp")]


def test_fix_that_cannot_write_leaves_the_file_whole(tmp_path):
    p = tmp_path / "Dockerfile"
    text = "FROM golang:1.22\nRUN go env -w GOPROXY=direct\n" + "".join(f"RUN echo {i:04d}\n" for i in range(300))
    p.write_text(text)

    def small_files():  # RLIMIT_FSIZE: a write past 2 KiB fails (EFBIG), as `ulimit -f` or a full disk would
        _limit()
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    r = subprocess.run([sys.executable, "-m", "golayer", "lint", "--fix", str(p)], capture_output=True, timeout=60,
                       preexec_fn=small_files, env={**os.environ, "PYTHONPATH": SRC})
    assert r.returncode == 2 and b"cannot write" in r.stderr and b"Traceback" not in r.stderr, r.stderr
    assert p.read_text() == text
    assert not [q for q in tmp_path.iterdir() if q.name.endswith(".golayer-tmp")]


@pytest.mark.parametrize("flag", ["-o", "--output"])
def test_report_output_naming_an_input_is_refused(tmp_path, flag):
    p = tmp_path / "Dockerfile"
    text = "FROM golang:1.22\nRUN go env -w GOPROXY=direct\n"
    p.write_text(text)
    (tmp_path / "alias").symlink_to(p.name)
    clear_error(golayer(["lint", str(p), flag, str(tmp_path / "alias")]), "refusing to write", "input")
    clear_error(golayer(["lint", "--fix", str(p), flag, str(p)]), "refusing to write")
    assert p.read_text() == text
    (tmp_path / "d.yaml").write_text(_deployment({}))
    clear_error(golayer(["runtime", str(tmp_path / "d.yaml"), flag, str(tmp_path / "d.yaml")]), "refusing")
    r = golayer(["lint", str(p), flag, str(tmp_path / "report.txt")])
    assert r.returncode == 1 and "go-env-write" in (tmp_path / "report.txt").read_text()


# --- 12. files that do not parse as Dockerfiles are never echoed ---------------------------------------------
SECRET = "ghp_" + "A1b2C3d4" * 4


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_a_credentials_file_behind_a_dockerfile_symlink_is_not_echoed(tmp_path, fmt):
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / ".git-credentials").write_text(f"https://user:{SECRET}@github.com\n")
    (outside / "config").write_text(f'[core]\n\tbare = false\n[remote "origin"]\n\turl = https://x:{SECRET}@h/r\n'
                                    f"{SECRET} = 1\n")
    repo = tmp_path / "repo"
    (repo / "docker").mkdir(parents=True)
    (repo / "Dockerfile.ci").symlink_to(outside / ".git-credentials")
    (repo / "docker" / "Dockerfile").symlink_to(outside / "config")
    for target in (repo / "Dockerfile.ci", repo / "docker" / "Dockerfile"):
        r = golayer(["lint", str(target), "-f", fmt])
        out = r.stdout.decode() + r.stderr.decode()
        assert r.returncode == 1, out
        assert SECRET not in out and "@github.com" not in out and '"origin"' not in out, out
        assert "not a Dockerfile" in out or fmt == "sarif"


def test_a_real_dockerfile_with_a_parse_error_still_shows_its_line(tmp_path):
    p = tmp_path / "Dockerfile"
    p.write_text("FROM alpine\nFROBNICATE now\n")
    r = golayer(["lint", str(p)])
    assert b"unknown instruction: FROBNICATE" in r.stdout and b"2 | FROBNICATE now" in r.stdout


# --- 16. closed standard streams ---------------------------------------------------------------------------
def test_closed_stdout_is_a_defined_exit_without_traceback(tmp_path):
    p = tmp_path / "Dockerfile"
    p.write_text("FROM golang:1.22\n" + "RUN go env -w GOPROXY=direct\n" * 2000)
    for _ in range(3):  # the answer must not depend on timing
        r = subprocess.run([sys.executable, "-m", "golayer", "lint", str(p)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=60, preexec_fn=_limit,
                           env={**os.environ, "PYTHONPATH": SRC})
        assert r.returncode == 1, r.stderr
    for _ in range(3):  # a reader that goes away: exit 141 (128 + SIGPIPE), like other CLIs, no traceback
        proc = subprocess.Popen([sys.executable, "-m", "golayer", "lint", str(p)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, preexec_fn=_limit, env={**os.environ, "PYTHONPATH": SRC})
        proc.stdout.read(10)
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 141 and b"Traceback" not in err and b"internal error" not in err, err


def test_closed_stdin_and_stdout_file_descriptors(tmp_path):
    p = tmp_path / "Dockerfile"
    p.write_text("FROM golang:1.22\nRUN go env -w GOPROXY=direct\n")
    env = {**os.environ, "PYTHONPATH": SRC}
    # stdin closed (fd 0 not open): `lint -` is a clear input error
    r = subprocess.run(f"{sys.executable} -m golayer lint - <&-", shell=True, capture_output=True, timeout=60,
                       env=env)
    clear_error(r, "standard input")
    # stdout closed (fd 1 not open): the report cannot be written -> exit 141, no traceback
    r = subprocess.run(f"{sys.executable} -m golayer lint {p} >&-", shell=True, capture_output=True, timeout=60,
                       env=env)
    assert r.returncode == 141 and b"Traceback" not in r.stderr and b"internal error" not in r.stderr, r.stderr


# --- 19. BuildKit's line splitting ---------------------------------------------------------------------------
@pytest.mark.parametrize("sep", ["\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"])
def test_unicode_line_separators_are_not_line_breaks(tmp_path, sep):
    p = tmp_path / "Dockerfile"
    p.write_text(f"FROM golang:1.22 AS build\nRUN echo a{sep}b\nRUN go env -w GOPROXY=direct\n"
                 f"FROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /app /app\nCMD [\"app\"]{sep}\n",
                 encoding="utf-8")
    r = golayer(["lint", str(p), "-f", "json"])
    doc = json.loads(r.stdout)
    rules = {(f["rule"], f["line"]) for f in doc["findings"]}
    assert not any(rule == "golayer-parse-error" for rule, _ in rules), rules
    assert ("go-env-write", 3) in rules, rules
    assert not any(rule == "runs-as-root" for rule, _ in rules), rules


def test_cr_only_file_is_one_line_as_buildkit_reads_it(tmp_path):
    p = tmp_path / "Dockerfile"
    p.write_bytes(b"FROM alpine\rUSER nobody\rRUN echo hi\r")
    r = golayer(["lint", str(p), "-f", "json"])
    assert r.returncode in (0, 1), r.stderr
    from golayer.dockerfile.parse import split_lines

    assert split_lines("a\rb\r\nc\x85d\u2028e\n") == ["a\rb\r\n", "c\x85d\u2028e\n"]
    assert split_lines("a\r\nb", keepends=False) == ["a", "b"]


def test_fix_keeps_bytes_after_a_line_separator(tmp_path):
    p = tmp_path / "Dockerfile"
    text = "FROM golang:1.22\nRUN go env -w GOPROXY=direct\x85\nCMD [\"app\"]\x85\n"
    p.write_text(text, encoding="utf-8")
    r = golayer(["lint", "--fix", str(p)])
    assert r.returncode in (0, 1), r.stderr
    new = p.read_text(encoding="utf-8")
    assert new.endswith('CMD ["app"]\x85\n') and new.count("\n") == text.count("\n")


# --- 15. config of the wrong type: one schema, a clear error naming the file and key ----------------------
@pytest.mark.parametrize("text,needle", [
    ("[tool]\ngolayer = 5\n", "[tool.golayer] must be a table"),
    ('tool = "x"\n', "'tool' must be a table"),
    ("[tool.golayer.image]\nplatform = 5\n", "[image] platform must be a string"),
    ("[tool.golayer.image]\nforbid-category = 5\n", "[image] forbid-category must be"),
    ('[tool.golayer.image]\nverify = "false"\n', "[image] verify must be true or false"),
    ("[tool.golayer.lint]\nbogus = 1\n", "unknown [lint] setting 'bogus'"),
])
def test_config_of_the_wrong_type_is_a_usage_error(tmp_path, text, needle):
    (tmp_path / "pyproject.toml").write_text(text)
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    first = clear_error(golayer(["lint", "Dockerfile"], cwd=tmp_path), needle)
    assert "pyproject.toml" in first
