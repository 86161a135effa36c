"""gofacts: the derived Go facts several rules share (Go's own glob and version semantics)."""

import pytest

from golayer.dockerfile import gofacts
from tests.lint.helpers import model


@pytest.mark.parametrize("value,want", [
    ("*", ("all", "*")),
    ("*/*", ("all", "*/*")),
    ("example.com/x,*", ("all", "*")),
    ("github.com", ("host", "github.com")),
    ("github.com/*", ("host", "github.com")),
    ("gopkg.in/", ("host", "gopkg.in")),
    ("github.com/*/*", ("host", "github.com")),  # every github.com/org/repo
    ("github.com/*/*/*", None),  # only modules in sub-directories of repositories
    ("gopkg.in/*/*", None),
    ("github.com/myorg/*", None),
    ("*.corp.example.com", None),
    ("", None),
    (",,", None),
    ("$PRIVATE", None),
])
def test_glob_list_covers(value, want):
    assert gofacts.glob_list_covers(value) == want


def test_command_dir_follows_cd_and_go_C(tmp_path):
    m = model(tmp_path, """
        FROM golang:1.22
        WORKDIR /src
        RUN cd app && go build . && cd /x && go -C sub build . && cd "$D" && go build .
    """)
    run = m.instructions[-1]
    gos = [c for c in run.commands if c.go is not None]
    assert [gofacts.command_dir(run, c) for c in gos] == ["/src/app", "/x/sub", None]


def test_setting_sources_are_computed_once_per_model(tmp_path):
    m = model(tmp_path, """
        FROM golang:1.22
        ENV GOSUMDB=off GOFLAGS=-mod=mod
        RUN go build ./...
    """)
    a = list(gofacts.setting_sources(m, ("GOSUMDB",)))
    b = list(gofacts.setting_sources(m, ("GOFLAGS", "GOSUMDB")))
    assert [(s.name, s.value, s.how, s.line) for s in a] == [("GOSUMDB", "off", "ENV", 2)]
    assert {s.name for s in b} == {"GOFLAGS", "GOSUMDB"} and a[0] in b
