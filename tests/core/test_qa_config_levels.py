"""A bad severity level in a config file names the file, like every other config error."""

import pytest


@pytest.mark.parametrize("toml, words", [
    ('fail-on = "bogus"\n', "unknown severity 'bogus'"),
    ('[severity]\nruns-as-root = "loud"\n', "unknown severity 'loud'"),
])
def test_bad_level_in_config_names_the_file(cli, tmp_path, toml, words):
    cfg = tmp_path / "golayer.toml"
    cfg.write_text(toml)
    df = tmp_path / "Dockerfile"
    df.write_text("FROM golang:1.22\n")
    r = cli(["lint", "--config", str(cfg), str(df)])
    assert r.code == 2
    assert r.err.startswith(f"golayer: error: {cfg}: {words}"), r.err
