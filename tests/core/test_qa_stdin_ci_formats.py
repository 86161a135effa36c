"""`golayer lint -f FORMAT -` (stdin): the CI formats group the findings under one input `-`, not one per line."""

import json
import xml.etree.ElementTree as ET

from tests.conftest import run_cli

DOCKERFILE = "FROM golang:1.22\nCMD x\n"


def test_junit_one_suite_for_stdin():
    r = run_cli(["lint", "-f", "junit", "-"], stdin=DOCKERFILE)
    suites = ET.fromstring(r.out).findall("testsuite")
    assert [s.get("name") for s in suites] == ["-"]
    assert int(suites[0].get("failures")) >= 2


def test_checkstyle_one_file_for_stdin():
    r = run_cli(["lint", "-f", "checkstyle", "-"], stdin=DOCKERFILE)
    files = ET.fromstring(r.out).findall("file")
    assert [f.get("name") for f in files] == ["-"]
    assert {e.get("line") for e in files[0]} >= {"1", "2"}


def test_gitlab_path_is_stdin_and_line_apart():
    r = run_cli(["lint", "-f", "gitlab", "-"], stdin=DOCKERFILE)
    issues = json.loads(r.out)
    assert {i["location"]["path"] for i in issues} == {"-"}
    assert {i["location"]["lines"]["begin"] for i in issues} >= {1, 2}
