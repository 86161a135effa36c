"""golayer explore in a real terminal (tmux), as a person would: start it, read the screen, press keys, quit.
Also: without a terminal it prints the text report; --no-tui likewise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.explore.helpers import sample_image

ROOT = Path(__file__).resolve().parents[2]
TMUX = shutil.which("tmux")


def test_without_a_terminal_it_prints_the_text_report(tmp_path: Path) -> None:
    img = sample_image(tmp_path)
    r = run_cli(["explore", f"docker-archive:{img}"])
    assert r.code in (0, 1) and "layer" in r.out.lower() and "\x1b[" not in r.out
    r2 = run_cli(["explore", "--no-tui", f"docker-archive:{img}"])
    assert r2.out == r.out


def test_bad_reference_is_a_clear_error(tmp_path: Path) -> None:
    r = run_cli(["explore", f"docker-archive:{tmp_path / 'missing.tar'}"])
    assert r.code == 2 and r.err.startswith("golayer: error:")


@pytest.mark.skipif(TMUX is None and not os.environ.get("CI"), reason="TMUX UNAVAILABLE: apt-get install tmux")
def test_in_tmux_keys_work_and_q_quits(tmp_path: Path) -> None:
    assert TMUX, "tmux must be installed in CI (.ci/run installs it)"
    img = sample_image(tmp_path)
    sock = str(tmp_path / "tmux.sock")
    session = "golayer-explore-test"
    env_cmd = (f"cd {ROOT} && PYTHONPATH={ROOT / 'src'} TERM=xterm-256color {sys.executable} -m golayer explore "
               f"docker-archive:{img}; echo EXITED:$?; sleep 30")
    tmux = [TMUX, "-S", sock]
    subprocess.run(tmux + ["new-session", "-d", "-s", session, "-x", "140", "-y", "40", env_cmd], check=True)

    def screen() -> str:
        return subprocess.run(tmux + ["capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout

    def wait_for(text: str, timeout: float = 60) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s = screen()
            if text in s:
                return s
            time.sleep(0.3)
        raise AssertionError(f"{text!r} never appeared; screen:\n{screen()}")

    try:
        s = wait_for("image as of layer 2")
        assert "COPY app /app" in s and "app" in s
        subprocess.run(tmux + ["send-keys", "-t", session, "C-l"], check=True)
        wait_for("changes of layer 2")
        subprocess.run(tmux + ["send-keys", "-t", session, "?"], check=True)
        wait_for("golayer explore — keys")
        subprocess.run(tmux + ["send-keys", "-t", session, "Escape"], check=True)
        time.sleep(0.5)
        subprocess.run(tmux + ["send-keys", "-t", session, "q"], check=True)
        wait_for("EXITED:0")
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)
