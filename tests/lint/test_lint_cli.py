"""`golayer lint` as a user runs it: discovery, exit codes, formats, pragmas, --diff/--fix, stdin."""

import json
import textwrap

from tests.lint.helpers import lint, rules_of

BAD = textwrap.dedent("""\
    FROM golang:1.22 AS build
    RUN go env -w GOPROXY=direct
    RUN go build -o /app .
    FROM scratch
    COPY --from=build /app /app
    ENTRYPOINT ["/app"]
""")


def write(tmp_path, rel, text):
    p = tmp_path / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def test_discovery_skips_hidden_vendor_testdata(tmp_path):
    from golayer.commands.lint import discover, looks_like_dockerfile

    for rel in ["Dockerfile", "svc/api.Dockerfile", "svc/Dockerfile.dev", "svc/Containerfile",
                "vendor/x/Dockerfile", ".git/Dockerfile", "pkg/testdata/Dockerfile", "node_modules/Dockerfile",
                "Dockerfile.dockerignore", "docs/Dockerfile.md"]:
        write(tmp_path, rel, "FROM scratch\n")
    got = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])]
    assert got == ["Dockerfile", "svc/Containerfile", "svc/Dockerfile.dev", "svc/api.Dockerfile"]
    assert looks_like_dockerfile("build/Dockerfile") and not looks_like_dockerfile("x.Dockerfile.dockerignore")


def test_exit_codes_and_text_output(tmp_path, cli):
    p = write(tmp_path, "Dockerfile", BAD)
    r = cli(["lint", str(p), "--no-color"])
    assert r.code == 1
    assert f"{p}:2 warning go-env-write [GLD001] (stage build)" in r.out
    assert "   2 | RUN go env -w GOPROXY=direct" in r.out
    assert "= fix (safe, --fix): replace the RUN with `ENV GOPROXY=direct`" in r.out
    assert cli(["lint", str(p), "--select", "go-env-write", "--fail-on", "error"]).code == 0
    clean = write(tmp_path, "ok/Dockerfile", "FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n")
    assert cli(["lint", str(clean), "--select", "go-env-write"]).code == 0
    r = cli(["lint", str(tmp_path / "missing")])
    assert r.code == 2 and "no such file" in r.err and "Traceback" not in r.err


def test_unknown_target_is_a_usage_error(tmp_path, cli):
    p = write(tmp_path, "Dockerfile", BAD)
    r = cli(["lint", str(p), "--target", "nope"])
    assert r.code == 2 and "target stage 'nope' not found" in r.err and "build" in r.err


def test_json_contract(tmp_path, cli):
    p = write(tmp_path, "Dockerfile", BAD)
    r = cli(["lint", str(p), "-f", "json"])
    doc = json.loads(r.out)
    f = next(x for x in doc["findings"] if x["rule"] == "go-env-write")
    assert {k: f[k] for k in ("code", "severity", "line", "end_line", "stage")} == {
        "code": "GLD001", "severity": "warning", "line": 2, "end_line": 2, "stage": "build"}
    assert f["fix"]["applicability"] == "safe" and f["fix"]["edits"][0]["text"] == "ENV GOPROXY=direct\n"
    assert doc["dockerfiles"][0]["target"] == "1"


def test_diff_writes_nothing_and_fix_applies(tmp_path, cli):
    p = write(tmp_path, "Dockerfile", BAD)
    r = cli(["lint", "--diff", str(p), "--select", "go-env-write"])
    assert r.code == 1
    assert "-RUN go env -w GOPROXY=direct\n+ENV GOPROXY=direct\n" in r.out
    assert p.read_text() == BAD
    r = cli(["lint", "--fix", str(p), "--no-color", "--select", "GLD001"])
    assert p.read_text() == BAD.replace("RUN go env -w GOPROXY=direct", "ENV GOPROXY=direct")
    assert "go-env-write" not in r.out and "fixed" in r.out
    r = cli(["lint", "--diff", str(p), "--select", "GLD001"])
    assert r.code == 0 and r.out == ""


def test_stdin(tmp_path, cli):
    r = cli(["lint", "-", "--no-color"], stdin=BAD)
    assert r.code == 1 and "-:2 warning go-env-write" in r.out
    r = cli(["lint", "-", "--fix", "--select", "go-env-write"], stdin=BAD)
    assert r.out == BAD.replace("RUN go env -w GOPROXY=direct", "ENV GOPROXY=direct")


def test_build_arg_option(tmp_path, cli):
    p = write(tmp_path, "Dockerfile", "ARG IMG=alpine\nFROM ${IMG}\n")
    r = cli(["lint", str(p), "--build-arg", "IMG=golang:1.22", "-f", "json", "--fail-on", "error"])
    assert json.loads(r.out)["dockerfiles"][0]["stages"][0]["base"] == "golang:1.22"


def test_parse_error_finding(tmp_path, cli):
    p = write(tmp_path, "Dockerfile", "FROM alpine\nRUN <<EOF\necho\n")
    r = cli(["lint", str(p), "-f", "json"])
    doc = json.loads(r.out)
    assert r.code == 1 and [(f["rule"], f["line"], f["severity"]) for f in doc["findings"]] == [
        ("golayer-parse-error", 2, "error")]


def test_global_pragma_and_stage_pragma(tmp_path):
    fs = lint(tmp_path, """
        # golayer global ignore=GLD001
        FROM golang:1.22
        RUN go env -w GOPROXY=direct
    """)
    assert "go-env-write" not in rules_of(fs)
    fs = lint(tmp_path, """
        # golayer ignore=go-env-write
        FROM golang:1.22 AS a
        RUN go env -w GOPROXY=direct
        FROM golang:1.22 AS b
        RUN go env -w GOPROXY=direct
    """)
    assert [(f.rule, f.line) for f in fs if f.rule == "go-env-write"] == [("go-env-write", 5)]


def test_unused_and_unknown_pragmas_are_reported(tmp_path):
    fs = lint(tmp_path, """
        FROM golang:1.22
        # golayer ignore=go-env-write
        RUN go build ./...
        # golayer ignore=no-such-rule
        RUN true
        # golayer global ignore=go-env-write
    """)
    got = [(f.rule, f.line, f.message) for f in fs if f.rule == "golayer-unused-pragma"]
    assert [(r, line) for r, line, _ in got] == [("golayer-unused-pragma", 2), ("golayer-unused-pragma", 4),
                                                 ("golayer-unused-pragma", 6)]
    assert "no Dockerfile rule is named 'no-such-rule'" in got[1][2]


def test_check_umbrella_runs_lint(tmp_path, cli):
    write(tmp_path, "svc/Dockerfile", BAD)
    r = cli(["check", str(tmp_path), "-f", "json"])
    doc = json.loads(r.out)
    assert r.code == 1 and "go-env-write" in [f["rule"] for f in doc["findings"]]


def test_directory_without_dockerfiles(tmp_path, cli):
    r = cli(["lint", str(tmp_path)])
    assert r.code == 2 and "no Dockerfile found" in r.err


def test_invalid_utf8_and_nul_bytes_never_crash_and_fix_keeps_bytes(tmp_path, cli):
    p = tmp_path / "Dockerfile"
    raw = b"FROM golang:1.22\n# caf\xe9 \xff\nRUN go env -w GOPROXY=direct\nLABEL x=\"\xfe\"\n"
    p.write_bytes(raw)
    r = cli(["lint", str(p), "--select", "go-env-write"])
    assert r.code == 1 and "go-env-write" in r.out
    cli(["lint", "--fix", str(p), "--select", "go-env-write"])
    assert p.read_bytes() == raw.replace(b"RUN go env -w GOPROXY=direct", b"ENV GOPROXY=direct")
    p.write_bytes(b"FROM alpine\nRUN echo \x00\n")
    r = cli(["lint", str(p)])
    assert r.code == 1 and "NUL" in r.out and "Traceback" not in r.err


def test_pragma_scope_is_the_parsed_instruction(tmp_path):
    fs = lint(tmp_path, """
        FROM golang:1.22
        # golayer ignore=go-env-write

        RUN <<EOF
        go build ./...
        go env -w GOPROXY=direct
        EOF
        RUN go mod download && \\
        # golayer ignore=go-env-write
            go env -w GOFLAGS=-trimpath
        RUN go env -w GONOSUMDB=x
    """)
    got = [(f.rule, f.line) for f in fs if f.rule in ("go-env-write", "golayer-unused-pragma")]
    assert got == [("go-env-write", 11)]


def test_many_files_in_parallel_give_the_same_report(tmp_path, monkeypatch):
    from golayer.commands import lint as lint_cmd
    from golayer.config import Config

    for i in range(12):
        write(tmp_path, f"s{i:02}/Dockerfile", BAD if i % 2 else "FROM scratch\nCOPY app /app\n")
    files = lint_cmd.discover([tmp_path])
    monkeypatch.setattr(lint_cmd, "PARALLEL_MIN_FILES", 4)
    monkeypatch.setenv("GOLAYER_JOBS", "2")
    par = lint_cmd.run_lint(files, Config())
    monkeypatch.setenv("GOLAYER_JOBS", "1")
    ser = lint_cmd.run_lint(files, Config())
    assert [f.to_json() for f in par.findings] == [f.to_json() for f in ser.findings]
    assert par.inputs == ser.inputs and par.data == ser.data and len(par.inputs) == 12
