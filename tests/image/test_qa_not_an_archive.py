"""A file that is not an image archive is named as such, with a hint in the user's terms (no "blob")."""

import pytest

from tests.conftest import run_cli


@pytest.mark.parametrize("cmd", [["image"], ["explore", "--no-tui"]])
def test_random_file_is_not_an_image_archive(tmp_path, cmd):
    f = tmp_path / "notes.tar"
    f.write_bytes(b"hello, this is not a tar file\n" * 40)
    r = run_cli([*cmd, str(f)])
    assert r.code == 2 and r.out == ""
    lines = r.err.strip().splitlines()
    assert lines[0].startswith(f"golayer: error: {f} cannot be read as an image archive: not a tar stream")
    assert lines[1] == "golayer: hint: give complete `docker save` output or an OCI archive (oci-archive:PATH)"
    assert "blob" not in r.err and "Traceback" not in r.err
