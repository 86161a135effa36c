"""toolchain-in-final-image (GLD010): detection and the unsafe single-stage rewrite."""

import shutil
import subprocess
from pathlib import Path

import pytest

from golayer.dockerfile.build import build_model
from golayer.findings import apply_edits
from golayer.rules.dockerfile import toolchain_in_final_image as rule_mod
from tests.lint.final_helpers import fixed_text, relint
from tests.lint.helpers import lint, of_rule

RULE = "toolchain-in-final-image"
ROOT = Path(__file__).resolve().parents[2]


def found(tmp_path, df, **kw):
    return of_rule(lint(tmp_path, df, **kw), RULE)


# ------------------------------------------------------------------------------------ detection

def test_single_stage_golang_is_flagged(tmp_path):
    fs = found(tmp_path, """
        FROM golang:1.22
        COPY . .
        RUN go build -o /app .
        CMD ["/app"]
    """)
    assert len(fs) == 1 and fs[0].line == 1 and fs[0].stage == "0"
    assert "golang:1.22" in fs[0].message and "toolchain" in fs[0].message


def test_builder_stage_and_dev_stage_are_fine(tmp_path):
    assert found(tmp_path, """
        FROM golang:1.22 AS build
        RUN CGO_ENABLED=0 go build -o /app .
        FROM golang:1.22 AS dev
        RUN go install github.com/go-delve/delve/cmd/dlv@v1.22.0
        FROM gcr.io/distroless/static-debian12:nonroot
        COPY --from=build /app /app
    """) == []


def test_target_toolchain_stage_is_flagged(tmp_path):
    fs = found(tmp_path, """
        FROM golang:1.22 AS app
        RUN go build -o /app .
        CMD ["/app"]
        FROM gcr.io/distroless/static-debian12:nonroot
        COPY --from=app /app /app
    """, target="app")
    assert [f.stage for f in fs] == ["app"]
    assert fs[0].fix is None  # multi-stage files are not rewritten


@pytest.mark.parametrize("name", ["dev", "test", "ci", "debug", "lint", "golangci-lint", "e2e-test"])
def test_target_stage_named_for_development_is_not_flagged(tmp_path, name):
    # the image's job is to carry the toolchain: "remove it" would break it
    assert found(tmp_path, f"""
        FROM golang:1.22 AS {name}
        RUN go build -o /app .
        CMD ["/app"]
        FROM gcr.io/distroless/static-debian12:nonroot
        COPY --from={name} /app /app
    """, target=name) == []


@pytest.mark.parametrize("fname", ["Dockerfile.dev", "dev.Dockerfile", "Dockerfile-ci", "Dockerfile.test",
                                   "debug.Dockerfile", "Dockerfile.builder", ".devcontainer/Dockerfile"])
def test_file_named_for_development_is_not_flagged(tmp_path, fname, monkeypatch):
    monkeypatch.chdir(tmp_path)  # directories count below the working directory only
    # (a CMD that runs the program: a shell-only CMD would make it a tools image whatever its name)
    df = "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nCMD [\"/app\"]\n"
    assert found(tmp_path, df, name=fname) == []
    assert len(found(tmp_path, df, name="Dockerfile.server")) == 1  # a name that says nothing


@pytest.mark.parametrize("cmd", ['ENTRYPOINT ["golangci-lint"]\nCMD ["run"]', 'CMD ["go", "test", "./..."]',
                                 "ENTRYPOINT [\"/go/bin/dlv\", \"debug\"]", "CMD air -c .air.toml",
                                 'ENTRYPOINT ["sh", "-c", "gotestsum --format testname"]',
                                 'ENTRYPOINT ["/usr/local/bin/goreleaser"]'])
def test_entrypoint_that_needs_the_go_command_is_not_flagged(tmp_path, cmd):
    assert found(tmp_path, "FROM golang:1.22\nRUN go install example.com/tool@v1.2.3\n" + cmd + "\n") == []


def test_purpose_is_one_fact_for_bloated_runtime_base_too(tmp_path):
    # a test image on a full distro: bloated-runtime-base would tell it to drop the tools it runs
    df = """
        FROM golang:1.22 AS build
        RUN CGO_ENABLED=0 go build -o /out/app .
        FROM debian:bookworm AS test
        COPY --from=build /out/app /app
        CMD ["/app"]
    """
    assert of_rule(lint(tmp_path, df), "bloated-runtime-base") == []
    assert len(of_rule(lint(tmp_path, df.replace("AS test", "AS runtime")), "bloated-runtime-base")) == 1


def test_derived_from_toolchain_stage(tmp_path):
    fs = found(tmp_path, """
        FROM golang:1.22-alpine AS build
        RUN go build -o /app .
        FROM build AS final
        CMD ["/app"]
    """)
    assert len(fs) == 1 and fs[0].line == 3 and fs[0].stage == "final"
    assert "via stage build" in fs[0].message


def test_installing_go_in_the_final_stage(tmp_path):
    cases = {
        "RUN apt-get update && apt-get install -y golang-go": "apt-get install golang-go",
        "RUN apk add --no-cache go git": "apk install go",
        "RUN curl -fsSL https://go.dev/dl/go1.22.5.linux-amd64.tar.gz | tar -C /usr/local -xz":
            "download of go1.22.5.linux-amd64.tar.gz",
        "ADD https://go.dev/dl/go1.22.5.linux-amd64.tar.gz /tmp/": "ADD of go1.22.5.linux-amd64.tar.gz",
        "COPY --from=golang:1.22 /usr/local/go /usr/local/go": "COPY of /usr/local/go from golang:1.22",
        "RUN wget -qO- https://dl.google.com/go/go${GO_VERSION}.linux-${ARCH}.tar.gz | tar -xz -C /usr/local":
            "download of go${GO_VERSION}.linux-${ARCH}.tar.gz",
    }
    for line, how in cases.items():
        fs = found(tmp_path, f"FROM debian:bookworm\n{line}\nCMD [\"/app\"]\n")
        assert len(fs) == 1, line
        assert how in fs[0].message, (line, fs[0].message)


def test_installing_go_in_a_builder_is_fine(tmp_path):
    assert found(tmp_path, """
        FROM debian:bookworm AS build
        RUN apt-get update && apt-get install -y golang-go
        RUN <<EOF
        go build -o /app .
        EOF
        FROM debian:bookworm-slim
        COPY --from=build /app /app
        RUN apt-get update && apt-get install -y golang-doc-unrelated-not-go ca-certificates
    """) == []


# ------------------------------------------------------------------------------------ the rewrite

NAIVE = """\
# single stage
FROM golang:1.22
ENV GO111MODULE=on CGO_ENABLED=0 PORT=8080
WORKDIR /app
COPY . .
RUN go mod download
RUN go build -o /usr/local/bin/naive-service .
EXPOSE 8080
CMD naive-service --port 8080
"""


def test_rewrite_of_a_single_stage_file_byte_for_byte(tmp_path):
    new = fixed_text(tmp_path, NAIVE, RULE, files={"main.go": "package main\n", "go.mod": "module x\n"})
    assert new == NAIVE.replace("FROM golang:1.22\n", "FROM golang:1.22 AS build\n") + (
        "\n"
        "# runtime stage added by golayer (toolchain-in-final-image)\n"
        "FROM gcr.io/distroless/static-debian12:nonroot\n"
        "ENV PORT=8080\n"
        "WORKDIR /app\n"
        "COPY --from=build /usr/local/bin/naive-service /usr/local/bin/naive-service\n"
        "EXPOSE 8080\n"
        'CMD ["/usr/local/bin/naive-service", "--port", "8080"]\n'
    )
    after = relint(tmp_path, new)
    for rule in (RULE, "shell-in-shell-less-image", "runs-as-root", "whole-stage-copy", "cgo-libc-mismatch",
                 "bloated-runtime-base"):
        assert of_rule(after, rule) == [], rule
    # idempotent: nothing left for this rule to rewrite
    assert all(f.fix is None for f in of_rule(after, RULE))


def test_rewrite_description_lists_decisions(tmp_path):
    fs = found(tmp_path, NAIVE, files={"main.go": "package main\n"})
    desc = fs[0].fix.description
    assert str(fs[0].fix.applicability) == "unsafe"
    assert "gcr.io/distroless/static-debian12:nonroot" in desc and "CGO_ENABLED=0" in desc
    assert "left out everything else" in desc and "nonroot (uid 65532)" in desc


def test_cgo_on_picks_the_glibc_base_and_named_stage_is_kept(tmp_path):
    df = """\
FROM golang:1.22 AS compile
WORKDIR /src
COPY . .
RUN go build -o server ./cmd/server
ENTRYPOINT ["./server"]
CMD ["--verbose"]
"""
    new = fixed_text(tmp_path, df, RULE)
    assert new == df + (
        "\n# runtime stage added by golayer (toolchain-in-final-image)\n"
        "FROM gcr.io/distroless/base-debian12:nonroot\n"
        "WORKDIR /src\n"
        "COPY --from=compile /src/server /src/server\n"
        'ENTRYPOINT ["/src/server"]\n'
        'CMD ["--verbose"]\n'
    )
    assert of_rule(relint(tmp_path, new), "cgo-libc-mismatch") == []


def test_runtime_files_from_explicit_copies_and_the_context(tmp_path):
    df = """\
FROM golang:1.22
ENV CGO_ENABLED=0
WORKDIR /srv
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY settings.yaml /etc/app/
COPY migrations/ ./db/migrations/
RUN go install ./cmd/api
USER 10001
CMD ["api"]
"""
    files = {
        "go.mod": "module example.com/svc\n", "go.sum": "", "settings.yaml": "a: 1\n",
        "cmd/api/main.go": "package main\n", "internal/x/x.go": "package x\n",
        "templates/index.html": "<p>\n", "static/app.css": "p{}\n", "deploy/k8s.yaml": "kind: Pod\n",
        "config.yaml": "b: 2\n", "migrations/001.sql": "select 1;\n", "README.md": "x\n",
    }
    new = fixed_text(tmp_path, df, RULE, files=files, dockerignore="static\n")
    head, tail = new[: new.index("\n# runtime")], new[new.index("\n# runtime"):]
    assert head == df.replace("FROM golang:1.22\n", "FROM golang:1.22 AS build\n")
    assert tail == (
        "\n# runtime stage added by golayer (toolchain-in-final-image)\n"
        "FROM gcr.io/distroless/static-debian12:nonroot\n"
        "WORKDIR /srv\n"
        "COPY --from=build /go/bin/api /go/bin/api\n"
        # from COPY . .: runtime-looking names seen in the context, not .dockerignored (static/)
        "COPY --from=build /srv/config.yaml /srv/config.yaml\n"
        "COPY --from=build /srv/migrations /srv/migrations\n"
        "COPY --from=build /srv/settings.yaml /srv/settings.yaml\n"
        "COPY --from=build /srv/templates /srv/templates\n"
        # explicit COPYs, at the path they landed on
        "COPY --from=build /etc/app/settings.yaml /etc/app/settings.yaml\n"
        "COPY --from=build /srv/db/migrations /srv/db/migrations\n"
        "USER 10001\n"
        'CMD ["/go/bin/api"]\n'
    )


def test_named_user_brings_passwd_and_heredoc_build(tmp_path):
    df = """\
FROM golang:1.22-alpine
RUN adduser -D app
WORKDIR /app
COPY . .
RUN <<EOF
set -e
go build -o /app/bin/svc .
EOF
USER app
ENTRYPOINT ["/app/bin/svc"]
"""
    new = fixed_text(tmp_path, df, RULE)
    tail = new[new.index("\n# runtime"):]
    assert "FROM gcr.io/distroless/static-debian12:nonroot\n" in tail  # alpine golang: no gcc, cgo off
    assert "COPY --from=build /app/bin/svc /app/bin/svc\n" in tail
    assert "COPY --from=build /etc/passwd /etc/passwd\nCOPY --from=build /etc/group /etc/group\nUSER app\n" in tail
    assert tail.endswith('ENTRYPOINT ["/app/bin/svc"]\n')


def test_configured_scratch(tmp_path):
    df = "FROM golang:1.22\nRUN CGO_ENABLED=0 go build -o /app .\nENTRYPOINT [\"/app\"]\n"
    (tmp_path / "Dockerfile").write_text(df)
    m = build_model(tmp_path / "Dockerfile")
    rw = rule_mod.rewrite(m, runtime_base="scratch")
    new = apply_edits(df, rw.fix.edits)
    assert new.endswith("\nFROM scratch\nCOPY --from=build /app /app\n"
                        "COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\n"
                        "ENTRYPOINT [\"/app\"]\n")
    # sources that load time zones get Go's zone database on scratch
    (tmp_path / "main.go").write_text('package main\n\nimport "time"\n\nfunc main() { time.LoadLocation("UTC") }\n')
    m = build_model(tmp_path / "Dockerfile")
    new = apply_edits(df, rule_mod.rewrite(m, runtime_base="scratch").fix.edits)
    assert "\nFROM scratch\nENV ZONEINFO=/zoneinfo.zip\n" in new
    assert "COPY --from=build /usr/local/go/lib/time/zoneinfo.zip /zoneinfo.zip\n" in new
    (tmp_path / "Dockerfile").write_text(new)
    after = lint(tmp_path, new)
    assert of_rule(after, "runtime-missing-zoneinfo") == [] and of_rule(after, RULE) == []


def test_no_rewrite_when_undecidable(tmp_path):
    cases = {
        "FROM golang:1.22\nRUN go build -o /app .\nCMD /app --port $PORT\n": "needs a shell",
        "FROM golang:1.22\nRUN make build\nCMD [\"/app\"]\n": "make/script step",
        "FROM golang:1.22\nRUN go build -o /app .\nCMD [\"./tool\", \"run\"]\n": "not a binary built",
        "FROM golang:1.22-alpine\nRUN apk add gcc musl-dev\nRUN go build -o /app .\nCMD [\"/app\"]\n": "musl",
    }
    for df, why in cases.items():
        fs = found(tmp_path, df)
        assert len(fs) == 1 and fs[0].fix is None, df
        assert "no automatic rewrite" in fs[0].hint and why in fs[0].hint, (df, fs[0].hint)


def test_rewrite_needs_the_final_newline(tmp_path):
    df = "FROM golang:1.22\nRUN CGO_ENABLED=0 go build -o /app .\nCMD [\"/app\"]"
    (tmp_path / "Dockerfile").write_text(df)
    m = build_model(tmp_path / "Dockerfile")
    new = apply_edits(df, rule_mod.rewrite(m).fix.edits)
    assert new.startswith(df.replace("FROM golang:1.22", "FROM golang:1.22 AS build") + "\n\n# runtime stage")
    assert new.endswith('CMD ["/app"]\n')


# ------------------------------------------------------------------------------------ real build

STANDINS = {"golang:1.22": "golayer-lab/golang:1.27",
            "gcr.io/distroless/base-debian12:nonroot": "golayer-lab/base:latest",
            "gcr.io/distroless/static-debian12:nonroot": "golayer-lab/static:nonroot"}


@pytest.mark.docker
def test_rewritten_example_builds_and_starts(tmp_path, docker):
    missing = [img for img in STANDINS.values()
               if subprocess.run([docker, "image", "inspect", img], capture_output=True).returncode != 0]
    if missing:
        pytest.skip(f"lab base stand-ins not built ({', '.join(missing)}): run `golayer lab bases`")
    ctx = tmp_path / "ctx"
    shutil.copytree(ROOT / "examples" / "naive-service", ctx)
    df = ctx / "Dockerfile"
    m = build_model(df)
    new = apply_edits(m.content, rule_mod.rewrite(m).fix.edits)
    for official, standin in STANDINS.items():
        new = new.replace(f"FROM {official}", f"FROM {standin}")
    df.write_text(new)
    tag = "golayer-test-lintfinal-rewrite:latest"
    env = {"DOCKER_BUILDKIT": "1", "PATH": "/usr/bin:/bin"}
    try:
        b = subprocess.run([docker, "build", "-q", "-t", tag, str(ctx)], capture_output=True, text=True,
                           env=env, timeout=900)
        assert b.returncode == 0, b.stderr
        size = int(subprocess.run([docker, "image", "inspect", "-f", "{{.Size}}", tag], capture_output=True,
                                  text=True).stdout)
        assert size < 60_000_000  # the single-stage original is ~650 MB
        cid = subprocess.run([docker, "run", "-d", "--network", "none", tag], capture_output=True,
                             text=True).stdout.strip()
        try:
            import time

            for _ in range(20):
                logs = subprocess.run([docker, "logs", cid], capture_output=True, text=True)
                if "listening on :8080" in logs.stdout + logs.stderr:
                    break
                time.sleep(0.25)
            state = subprocess.run([docker, "inspect", "-f", "{{.State.Running}}", cid], capture_output=True,
                                   text=True).stdout.strip()
            assert state == "true", logs.stdout + logs.stderr
            assert "listening on :8080" in logs.stdout + logs.stderr
        finally:
            subprocess.run([docker, "rm", "-f", cid], capture_output=True)
    finally:
        subprocess.run([docker, "rmi", "-f", tag], capture_output=True)


def test_toolchain_image_without_cmd_is_not_flagged(tmp_path):
    # no ENTRYPOINT/CMD: a toolchain/builder image others run their commands in (decision table, row 4)
    assert found(tmp_path, "FROM golang:1.22\nRUN go install golang.org/x/tools/gopls@v0.16.0\n") == []
    m = build_model(tmp_path / "Dockerfile")
    from golayer.dockerfile import final
    assert "no ENTRYPOINT/CMD" in final.image_purpose(m).why


def test_dev_directory_counts_only_inside_the_project(tmp_path, monkeypatch):
    df = "FROM golang:1.22\nRUN go build -o /app .\nCMD [\"/app\"]\n"
    monkeypatch.chdir(tmp_path)
    assert found(tmp_path, df, name="test/e2e/Dockerfile") == []
    assert len(found(tmp_path, df, name="cmd/server/Dockerfile")) == 1
    # a machine path that happens to contain "test" (pytest's own tmp dirs, /home/ci/...) does not count
    monkeypatch.chdir("/")
    assert len(found(tmp_path, df, name="Dockerfile")) == 1


def test_runtime_base_setting_from_config(tmp_path, cli):
    (tmp_path / "Dockerfile").write_text('FROM golang:1.22\nRUN CGO_ENABLED=0 go build -o /app .\nENTRYPOINT ["/app"]\n')
    (tmp_path / ".golayer.toml").write_text('select = ["toolchain-in-final-image"]\n[lint]\nruntime-base = "scratch"\n')
    r = cli(["lint", "--diff", "--unsafe-fixes", str(tmp_path / "Dockerfile")], cwd=tmp_path)
    assert "+FROM scratch\n" in r.out and "+COPY --from=build /app /app\n" in r.out, r.out + r.err


def test_configured_libc_less_base_turns_default_cgo_off(tmp_path):
    df = 'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nENTRYPOINT ["/app"]\n'
    (tmp_path / "Dockerfile").write_text(df)
    m = build_model(tmp_path / "Dockerfile")
    rw = rule_mod.rewrite(m, runtime_base="gcr.io/distroless/static-debian12:nonroot")
    new = apply_edits(df, rw.fix.edits)
    assert new.startswith("FROM golang:1.22 AS build\nENV CGO_ENABLED=0\nWORKDIR /src\n")
    assert "\nFROM gcr.io/distroless/static-debian12:nonroot\n" in new
    assert any("CGO_ENABLED=0" in n for n in rw.notes)
    (tmp_path / "Dockerfile").write_text(new)
    after = lint(tmp_path, new)
    assert of_rule(after, "cgo-libc-mismatch") == [] and of_rule(after, RULE) == []
    # an explicit CGO_ENABLED=1 is not overridden: no rewrite onto a libc-less base
    df2 = 'FROM golang:1.22\nRUN CGO_ENABLED=1 go build -o /app .\nENTRYPOINT ["/app"]\n'
    (tmp_path / "Dockerfile").write_text(df2)
    rw = rule_mod.rewrite(build_model(tmp_path / "Dockerfile"), runtime_base="scratch")
    assert rw.fix is None and "explicitly" in rw.reason


def test_rewrite_carries_labels_args_healthcheck_and_drops_build_env(tmp_path):
    df = """\
FROM golang:1.22
ARG VERSION=dev
ENV CGO_ENABLED=0 GOFLAGS=-trimpath GOMEMLIMIT=512MiB APP_MODE=prod
LABEL org.opencontainers.image.version=$VERSION
WORKDIR /src
COPY . .
RUN go build -o /usr/local/bin/svc .
HEALTHCHECK --interval=5s CMD ["svc", "health"]
STOPSIGNAL SIGINT
ENTRYPOINT ["svc"]
CMD ["serve"]
"""
    new = fixed_text(tmp_path, df, RULE)
    assert new[new.index("\n# runtime"):] == (
        "\n# runtime stage added by golayer (toolchain-in-final-image)\n"
        "FROM gcr.io/distroless/static-debian12:nonroot\n"
        "ARG VERSION=dev\n"
        "ENV GOMEMLIMIT=512MiB APP_MODE=prod\n"
        "WORKDIR /src\n"
        "COPY --from=build /usr/local/bin/svc /usr/local/bin/svc\n"
        "LABEL org.opencontainers.image.version=$VERSION\n"
        "STOPSIGNAL SIGINT\n"
        'HEALTHCHECK --interval=5s CMD ["/usr/local/bin/svc", "health"]\n'
        'ENTRYPOINT ["/usr/local/bin/svc"]\n'
        'CMD ["serve"]\n'
    )
    shell_hc = df.replace('HEALTHCHECK --interval=5s CMD ["svc", "health"]', "HEALTHCHECK CMD curl -f localhost || exit 1")
    fs = of_rule(lint(tmp_path, shell_hc), RULE)
    assert "left out HEALTHCHECK" in fs[0].fix.description
    assert "HEALTHCHECK" not in apply_edits(shell_hc, fs[0].fix.edits).split("# runtime stage")[1]


PURE_GO = {"go.mod": "module example.com/app\n\ngo 1.22\n",
           "main.go": 'package main\n\nimport (\n\t"fmt"\n\t"net/http"\n)\n\nfunc main() { fmt.Println(http.StatusOK) }\n'}
SINGLE = """\
FROM golang:1.22
WORKDIR /src
COPY . .
RUN go build -o /app .
CMD ["/app"]
"""


def test_default_cgo_off_when_no_source_needs_cgo(tmp_path):
    # cgo is on only because gcc is in golang:1.22; no file imports "C": build static, ship on the static base
    new = fixed_text(tmp_path, SINGLE, RULE, files=PURE_GO)
    assert "FROM golang:1.22 AS build\nENV CGO_ENABLED=0\n" in new
    assert "FROM gcr.io/distroless/static-debian12:nonroot\n" in new
    f = of_rule(lint(tmp_path, SINGLE, files=PURE_GO), RULE)[0]
    assert 'imports "C"' in f.fix.description and "CGO_ENABLED=0" in f.fix.description
    assert of_rule(relint(tmp_path, new, files=PURE_GO), "cgo-libc-mismatch") == []


@pytest.mark.parametrize("extra", [
    {"c.go": 'package main\n\n// #include <stdlib.h>\nimport "C"\n\nfunc f() { C.free(nil) }\n'},
    {"c.go": 'package main\n\nimport (\n\t"unsafe"\n\n\t"C"\n)\n\nvar _ = unsafe.Pointer(nil)\n'},
    {"go.mod": "module example.com/app\n\ngo 1.22\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n"},
])
def test_cgo_kept_when_a_source_or_module_needs_it(tmp_path, extra):
    new = fixed_text(tmp_path, SINGLE, RULE, files={**PURE_GO, **extra})
    assert "CGO_ENABLED" not in new
    assert "FROM gcr.io/distroless/base-debian12:nonroot\n" in new


def test_explicit_cgo_is_respected(tmp_path):
    df = SINGLE.replace("RUN go build", "RUN CGO_ENABLED=1 go build")
    new = fixed_text(tmp_path, df, RULE, files=PURE_GO)
    assert "ENV CGO_ENABLED=0" not in new and "distroless/base-debian12" in new


def test_rewrite_keeps_files_the_program_opens_and_names_the_missing_ones(tmp_path):
    main = ('package main\n\nimport (\n\t"os"\n\t"github.com/joho/godotenv"\n)\n\n'
            'func main() {\n\t_ = godotenv.Load()\n\tb, _ := os.ReadFile("data/words.txt")\n'
            '\t_, _ = os.Open("certs/server.pem")\n\t_ = b\n}\n')
    files = {"main.go": main, "go.mod": "module example.com/app\n\ngo 1.22\n", "data/words.txt": "a\n",
             ".env": "A=1\n"}
    df = 'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /app .\nCMD ["/app"]\n'
    fs = found(tmp_path, df, files=files)
    assert len(fs) == 1 and fs[0].fix is not None
    new = fixed_text(tmp_path, df, "toolchain-in-final-image", files=files)
    runtime = new.split("# runtime stage", 1)[1]
    assert "COPY --from=build /src/data/words.txt /src/data/words.txt" in runtime
    assert "COPY --from=build /src/.env /src/.env" in runtime
    assert "certs/server.pem" not in runtime
    assert "left out certs/server.pem: main.go may open it at run time" in fs[0].fix.description


@pytest.mark.parametrize("cmd", ['CMD ["/bin/sh"]', "CMD /bin/sh", 'CMD ["bash", "-l"]', 'ENTRYPOINT ["/bin/ash"]'])
def test_tools_image_that_only_starts_a_shell_is_not_flagged(tmp_path, cmd):
    # seen in woodpecker-ci/woodpecker docker/Dockerfile.make: golang base + build tools, CMD /bin/sh
    df = f"FROM golang:1.22\nRUN apt-get update && apt-get install -y make zip\n{cmd}\n"
    assert found(tmp_path, df) == []
    from golayer.dockerfile import final
    assert "only starts a shell" in final.image_purpose(build_model(tmp_path / "Dockerfile")).why


@pytest.mark.parametrize("cmd", ['CMD ["/bin/sh", "-c", "/app"]', "CMD /bin/sh /start.sh",
                                 'ENTRYPOINT ["/bin/sh"]\nCMD ["/run.sh"]', 'CMD ["/app"]'])
def test_a_shell_that_runs_something_is_still_a_service(tmp_path, cmd):
    df = f"FROM golang:1.22\nCOPY . .\nRUN go build -o /app .\n{cmd}\n"
    assert len(found(tmp_path, df)) == 1
