"""An endless input (/dev/zero, a pipe that never ends) is refused after the size limit, not read
until memory runs out."""

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_runtime_on_dev_zero_is_a_clear_input_error():
    def limit():  # without the bound the read would take all memory: cap it so the bug shows as a crash
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    r = subprocess.run([sys.executable, "-m", "golayer", "runtime", "/dev/zero"], capture_output=True,
                       text=True, timeout=60, preexec_fn=limit, env={**os.environ, "PYTHONPATH": SRC})
    assert r.returncode == 2, r.stderr
    assert "golayer: error: /dev/zero is not a regular file" in r.stderr
