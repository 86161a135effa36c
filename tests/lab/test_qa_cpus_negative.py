"""`golayer lab runtime --cpus -3` is a usage error, not a run without a CPU limit."""

import pytest

from golayer.errors import UsageError
from golayer.lab import runtimelab as rl
from tests.conftest import run_cli


@pytest.mark.parametrize("text", ["-3", "-500m", "-0.5"])
def test_negative_cpus_is_rejected(text):
    with pytest.raises(UsageError, match="cannot be negative"):
        rl.parse_cpus(text)


def test_negative_cpus_on_the_command_line_is_a_one_line_error():
    r = run_cli(["lab", "runtime", "--cpus", "-3"])
    assert r.code == 2 and r.out == ""
    assert r.err.strip() == "golayer: error: --cpus '-3': a CPU limit cannot be negative (1, 0.5, 500m, none)"
