"""missing-dockerignore (GLD038): whole-context COPY without a .dockerignore excluding .git."""

import pytest

from tests.lint.helpers import lint as _lint, of_rule


def lint(tmp_path, df, **kw):
    # the context holds the module the Dockerfile builds (a context without it is another context)
    kw["files"] = {"go.mod": "module x\n\ngo 1.22\n", **(kw.get("files") or {})}
    return _lint(tmp_path, df, **kw)

R = "missing-dockerignore"
DF = """
    FROM golang:1.22 AS build
    WORKDIR /src
    COPY . .
    RUN go build -o /out/app .
    FROM scratch
    COPY --from=build /out/app /app
"""


def test_no_dockerignore(tmp_path):
    fs = of_rule(lint(tmp_path, DF), R)
    assert [(f.line, f.stage) for f in fs] == [(3, "build")] and "no .dockerignore" in fs[0].message


@pytest.mark.parametrize("src", ["./", "*", "./ ./"])
def test_other_whole_context_spellings(tmp_path, src):
    fs = of_rule(lint(tmp_path, f"""
        FROM golang:1.22
        ADD {src} /src/
    """), R)
    assert len(fs) == 1


def test_dockerignore_without_git(tmp_path):
    (tmp_path / ".git").mkdir()
    fs = of_rule(lint(tmp_path, DF, dockerignore="bin/\n*.md\n"), R)
    assert len(fs) == 1 and "does not exclude .git" in fs[0].message


@pytest.mark.parametrize("ignore", [".git\n", "**/.git\n", ".git/\n", "/.git\n", ".*\n", ".git*\n", ".git/*\n"])
def test_dockerignore_excluding_git(tmp_path, ignore):
    (tmp_path / ".git").mkdir()
    assert of_rule(lint(tmp_path, DF, dockerignore=ignore), R) == []


def test_negation_brings_git_back(tmp_path):
    (tmp_path / ".git").mkdir()
    assert len(of_rule(lint(tmp_path, DF, dockerignore=".git\n!.git\n"), R)) == 1


def test_dockerfile_specific_ignore_file_wins(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "build.Dockerfile.dockerignore").write_text(".git\n")
    assert of_rule(lint(tmp_path, DF, name="build.Dockerfile", dockerignore="bin/\n"), R) == []


def test_no_git_in_context_and_a_dockerignore_is_fine(tmp_path):
    assert of_rule(lint(tmp_path, DF, dockerignore="bin/\n"), R) == []


def test_selective_copies_and_unneeded_stages_are_fine(tmp_path):
    assert of_rule(lint(tmp_path, """
        FROM golang:1.22 AS dev
        COPY . .
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY go.mod go.sum ./
        COPY cmd/ cmd/
        COPY <<EOF /src/x.txt
        hello
        EOF
        RUN go build ./cmd/app
    """), R) == []


def test_message_says_which_case_and_which_file(tmp_path):

    df = "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n"
    (tmp_path / ".git").mkdir()
    fs = of_rule(lint(tmp_path, df), "missing-dockerignore")
    assert len(fs) == 1 and "has no .dockerignore (nor Dockerfile.dockerignore)" in fs[0].message
    assert ".git included" in fs[0].message
    (tmp_path / "Dockerfile.dockerignore").write_text("bin/\n")
    fs = of_rule(lint(tmp_path, df), "missing-dockerignore")
    assert len(fs) == 1 and "Dockerfile.dockerignore" in fs[0].message and "does not exclude .git" in fs[0].message


@pytest.mark.parametrize("line", ["RUN go build -ldflags \"-X main.version=$(git describe --tags)\" -o /app .",
                                  "RUN git rev-parse HEAD > /commit && go build -o /app .",
                                  "RUN go build -buildvcs=true -o /app .",
                                  "COPY .git .git\nRUN go build -o /app ."])
def test_no_advice_to_exclude_git_from_a_build_that_reads_it(tmp_path, line):

    df = f"FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\n{line}\n"
    (tmp_path / ".git").mkdir()
    (tmp_path / ".dockerignore").write_text("bin/\n")
    assert of_rule(lint(tmp_path, df), "missing-dockerignore") == []
    (tmp_path / ".dockerignore").unlink()
    fs = of_rule(lint(tmp_path, df), "missing-dockerignore")
    assert len(fs) == 1 and "keep .git" in fs[0].hint and ".git included" not in fs[0].message


def test_silent_when_the_dockerfile_is_built_from_another_context(tmp_path):

    # cmd/app/Dockerfile copies cmd/app/config.yaml: it is built from the repository root, not cmd/app
    df = "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app ./cmd/app\n" \
         "FROM alpine:3.20\nCOPY --from=build /app /app\nCOPY cmd/app/config.yaml /etc/app/\nCMD [\"/app\"]\n"
    assert of_rule(lint(tmp_path, df, name="cmd/app/Dockerfile"), "missing-dockerignore") == []
    # the same file where that path exists (the right context): reported
    assert len(of_rule(lint(tmp_path, df, files={"cmd/app/config.yaml": "a: 1\n"}), "missing-dockerignore")) == 1


def test_silent_when_the_module_is_not_in_the_context(tmp_path):
    # a Dockerfile in deploy/ that builds the module of the repository root: built from the root
    df = "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app ./cmd/app\n" \
         "FROM alpine:3.20\nCOPY --from=build /app /app\nCMD [\"/app\"]\n"
    assert of_rule(_lint(tmp_path, df, name="deploy/Dockerfile"), R) == []
    assert len(of_rule(lint(tmp_path, df), R)) == 1


def test_silent_when_the_context_is_no_project_top(tmp_path):
    # seen in the corpus: tests/Dockerfile does `COPY . /tmp/project` and is built with the root as context
    df = "FROM golang:1.22\nCOPY . /tmp/project\nWORKDIR /tmp/project\nCMD [\"make\", \"e2e\"]\n"
    assert of_rule(_lint(tmp_path, df, name="tests/Dockerfile", files={"tests/e2e/case.yaml": "a: 1\n"}), R) == []


@pytest.mark.parametrize("run,said", [
    ("RUN set -e && \\\n    git rev-parse HEAD > /commit && \\\n    go build -o /app .", "`git rev-parse` at line 5"),
    ("RUN set -e && \\\n    export V=$(git describe --always) && \\\n    go build -o /app .",
     "`git describe` in the RUN at line 4"),
])
def test_the_git_read_is_placed_on_the_line_that_holds_it(tmp_path, run, said):
    # seen on drakkan/sftpgo: `git describe` inside $(...) on a continuation line of a RUN
    df = f"FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\n{run}\n"
    (tmp_path / "go.mod").write_text("module x\n")
    fs = of_rule(lint(tmp_path, df), "missing-dockerignore")
    assert len(fs) == 1 and fs[0].hint.endswith(f"{said})"), fs[0].hint
