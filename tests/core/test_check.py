"""`golayer check`: one report from every analysis that applies, and images shared with runtime."""

import json
import shutil
from pathlib import Path

import pytest

from golayer.commands.check import _split_image

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "naive-service"


@pytest.mark.parametrize("value,expected", [
    ("app=docker:myapp:1", ("app", "docker:myapp:1")),
    ("docker:myapp:1", (None, "docker:myapp:1")),
    ("docker-archive:/tmp/a=b.tar", (None, "docker-archive:/tmp/a=b.tar")),
    ("web.v2=oci:./layout", ("web.v2", "oci:./layout")),
])
def test_image_option_names_a_container_only_with_a_plain_name(value, expected):
    assert _split_image(value) == expected


def test_check_runs_lint_and_runtime_on_the_example(cli, tmp_path):
    proj = tmp_path / "naive-service"
    shutil.copytree(EXAMPLE, proj)
    # the manifest's image is not known to golayer, but it sets GOMEMLIMIT: only Go reads that
    r = cli(["check", str(proj), "-f", "json"])
    assert r.code == 1, r.err
    doc = json.loads(r.out)
    rules = {f["rule"] for f in doc["findings"]}
    assert {"toolchain-in-final-image", "go-env-write", "gomemlimit-invalid"} <= rules
    assert "lint (1 Dockerfile), runtime (1 deployment: 1 kubernetes)" in r.err
    c = doc["runtime"]["containers"][0]
    assert c["go_assumed"] is False and c["go"]["decided_by"] in ("build", "env"), c


def test_check_of_an_empty_directory_says_so(cli, tmp_path):
    r = cli(["check", str(tmp_path)])
    assert r.code == 0 and "nothing to check" in r.err


def test_named_image_feeds_the_runtime_rules(cli, tmp_path, go):
    """`--image app=REF`: the runtime rules read container app's Go facts from the image's binary."""
    from tests.image import gobuild
    from tests.image.helpers import Layer, docker_archive

    binary = gobuild.build("static")
    if binary is None:
        pytest.fail("could not compile the test program")
    archive = docker_archive(tmp_path / "app.tar", [Layer().file("app", binary.read_bytes(), mode=0o755)],
                             entrypoint=["/app"], user="65532")
    proj = tmp_path / "naive-service"
    shutil.copytree(EXAMPLE, proj)
    r = cli(["check", str(proj), "--image", f"app={archive}", "-f", "json"])
    doc = json.loads(r.out)
    (container,) = doc["runtime"]["containers"]
    assert container["go_assumed"] is False, r.err
    assert doc["image"][0]["binaries"][0]["path"] == "/app"


def test_check_never_echoes_lines_of_a_file_that_is_not_a_dockerfile(tmp_path):
    """A Dockerfile-named file that does not parse as one (here: a token file with a NUL byte) is reported
    without its content by `check` as by `lint`."""
    from tests.conftest import run_cli

    (tmp_path / "Dockerfile.ci").write_bytes(b"ghp_0123456789abcdefTOKEN\x00\nmore-secret-line\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY app /app\nUSER 65532\nENTRYPOINT [\"/app\"]\n")
    for cmd in (["check", "."], ["lint", "."]):
        r = run_cli(cmd, cwd=tmp_path)
        assert "Dockerfile.ci" in r.out, r.out
        assert "ghp_0123456789" not in r.out + r.err and "more-secret-line" not in r.out + r.err, (cmd, r.out)
