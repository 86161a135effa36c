"""toolchain-download (GLD033): go.mod newer than the builder's Go."""

import pytest

from golayer.dockerfile.gofacts import go_version_key, version_satisfies
from golayer.findings import Severity
from tests.lint.helpers import lint, of_rule

R = "toolchain-download"


def gomod(go="1.23.1", toolchain=None):
    text = f"module example.com/app\n\ngo {go}\n"
    if toolchain:
        text += f"\ntoolchain {toolchain}\n"
    return {"go.mod": text}


DF = """
    FROM {image} AS build
    {env}
    WORKDIR /src
    COPY go.mod go.sum ./
    RUN go mod download
    COPY . .
    RUN go build -o /out/app .
    FROM scratch
    COPY --from=build /out/app /app
"""


def test_local_toolchain_fails_the_build_error(tmp_path):
    fs = of_rule(lint(tmp_path, DF.format(image="golang:1.22", env=""), files=gomod("1.23.1")), R)
    assert len(fs) == 1
    f = fs[0]
    assert f.severity == Severity.ERROR and f.line == 5 and f.stage == "build"
    assert "requires go >= 1.23.1" in f.message and "GOTOOLCHAIN=local" in f.message and "fails" in f.message


def test_auto_downloads_warning(tmp_path):
    fs = of_rule(lint(tmp_path, DF.format(image="golang:1.22-alpine", env="ENV GOTOOLCHAIN=auto"),
                      files=gomod("1.23.1")), R)
    assert len(fs) == 1 and fs[0].severity == Severity.WARNING and "downloads a toolchain" in fs[0].message


def test_newer_toolchain_line_ignored_under_local_downloaded_under_auto(tmp_path):
    files = gomod("1.22.0", "go1.23.4")
    assert of_rule(lint(tmp_path, DF.format(image="golang:1.22", env=""), files=files), R) == []
    fs = of_rule(lint(tmp_path, DF.format(image="golang:1.22", env="ENV GOTOOLCHAIN=auto"), files=files), R)
    assert len(fs) == 1 and "toolchain line (go1.23.4)" in fs[0].message


def test_inline_gotoolchain_in_a_heredoc(tmp_path):
    fs = of_rule(lint(tmp_path, """
        FROM golang:1.22
        COPY . /src
        RUN <<EOF
        cd /src
        GOTOOLCHAIN=auto go build ./...
        EOF
    """, files=gomod("1.24")), R)
    assert len(fs) == 1 and fs[0].severity == Severity.WARNING and "GOTOOLCHAIN=auto" in fs[0].message


@pytest.mark.parametrize("image,go", [("golang:1.23", "1.23.1"), ("golang:1.23.1", "1.23.1"),
                                      ("golang:1.24-alpine", "1.23.1"), ("golang:1.23rc1", "1.23")])
def test_new_enough_builder_is_fine(tmp_path, image, go):
    assert of_rule(lint(tmp_path, DF.format(image=image, env=""), files=gomod(go)), R) == []


def test_patch_level_compared_when_the_tag_has_one(tmp_path):
    fs = of_rule(lint(tmp_path, DF.format(image="golang:1.23.0", env=""), files=gomod("1.23.1")), R)
    assert len(fs) == 1 and fs[0].severity == Severity.ERROR


def test_only_stages_that_copy_go_mod_and_only_module_commands(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.21 AS tools
        RUN go install golang.org/x/tools/cmd/stringer@v0.20.0
        FROM golang:1.23 AS build
        COPY . .
        RUN go build ./...
    """, files=gomod("1.23.1")), R) == []


def test_unknown_builder_or_no_go_mod_is_silent(tmp_path):
    assert of_rule(lint(tmp_path, DF.format(image="mycorp/go-builder:latest", env=""), files=gomod("1.30")),
                   R) == []
    assert of_rule(lint(tmp_path / "x", DF.format(image="golang:1.20", env="")), R) == []


def test_go_version_order():
    order = ["1.21", "1.21rc1", "1.21.0", "1.21.1", "1.22", "1.22.0", "go1.22.3", "1.23rc2"]
    keys = [go_version_key(v) for v in order]
    assert keys == sorted(keys)
    assert go_version_key("1.21rc1") < go_version_key("1.21rc2") < go_version_key("1.21.0")
    assert version_satisfies("1.22", "1.22.9") is True  # a floating tag follows patch releases
    assert version_satisfies("1.22.3", "1.22.4", have_floating=False) is False
    assert version_satisfies("1", "1.22") is None


def test_pinned_gotoolchain_other_than_the_images_downloads(tmp_path):
    df = """
        FROM golang:1.22.5
        ENV GOTOOLCHAIN={tc}
        COPY go.mod ./
        RUN go build ./...
    """
    fs = of_rule(lint(tmp_path, df.format(tc="go1.23.2"), files=gomod("1.22")), R)
    assert len(fs) == 1 and "download go1.23.2" in fs[0].message
    assert of_rule(lint(tmp_path, df.format(tc="go1.22.5"), files=gomod("1.22")), R) == []


def test_path_mode_fails_like_local(tmp_path):
    fs = of_rule(lint(tmp_path, DF.format(image="golang:1.22", env="ENV GOTOOLCHAIN=local+path"),
                      files=gomod("1.23.0")), R)
    assert len(fs) == 1 and fs[0].severity == Severity.ERROR
