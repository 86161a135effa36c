"""A --select/--ignore value that names no rule is an error (exit 2), not a silently empty report."""

import pytest

DF = "FROM golang:1.22\nRUN go build -o /app .\nCMD [\"/app\"]\n"


@pytest.mark.parametrize("flag, value", [("--select", "NOPE"), ("--ignore", "GLD999"), ("--select", "go-env-wirte")])
def test_unknown_rule_in_select_or_ignore_is_a_usage_error(cli, tmp_path, flag, value):
    df = tmp_path / "Dockerfile"
    df.write_text(DF)
    r = cli(["lint", flag, value, str(df)])
    assert r.code == 2, r.out
    assert r.err.startswith(f"golayer: error: {flag} {value}: no rule")


def test_names_codes_prefixes_and_all_are_accepted(cli, tmp_path):
    df = tmp_path / "Dockerfile"
    df.write_text(DF)
    r = cli(["lint", "--select", "ALL", "--select", "GLD0,go-env-write", "--ignore", "gld013", str(df)])
    assert r.code == 1 and "runs-as-root" not in r.out and "toolchain-in-final-image" in r.out


def test_unknown_rule_in_the_config_file_is_a_usage_error(cli, tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / ".golayer.toml").write_text('ignore = ["runs-as-rot"]\n')
    r = cli(["lint", str(tmp_path / "Dockerfile")], cwd=tmp_path)
    assert r.code == 2 and "runs-as-rot" in r.err and ".golayer.toml" in r.err
    (tmp_path / ".golayer.toml").write_text('ignore = ["runs-as-root", "GLR"]\n[severity]\ngo-env-write = "error"\n')
    assert cli(["lint", str(tmp_path / "Dockerfile")], cwd=tmp_path).code == 0
