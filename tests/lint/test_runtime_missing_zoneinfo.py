"""runtime-missing-zoneinfo (GLD019)."""

from tests.lint.helpers import lint, of_rule

RULE = "runtime-missing-zoneinfo"
MAIN = 'package main\n\nimport "time"\n\nfunc main() { time.LoadLocation("Europe/Berlin") }\n'
PLAIN = 'package main\n\nfunc main() {}\n'


def df(runtime="scratch", build="CGO_ENABLED=0 go build -o /out/app .", extra=""):
    return f"""
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN {build}
FROM {runtime}
{extra}COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
"""


def found(tmp_path, text, files):
    return of_rule(lint(tmp_path, text, files=files), RULE)


def test_loadlocation_on_scratch_and_alpine(tmp_path):
    for rt in ("scratch", "alpine:3.20"):
        fs = found(tmp_path, df(rt), {"main.go": MAIN, "go.mod": "module x\n"})
        assert len(fs) == 1, rt
        assert "main.go calls time.LoadLocation" in fs[0].message and fs[0].line == 5


def test_no_loadlocation_or_test_only_use(tmp_path):
    assert found(tmp_path, df(), {"main.go": PLAIN}) == []
    assert found(tmp_path, df(), {"main.go": PLAIN, "zone_test.go": MAIN, "vendor/x/x.go": MAIN}) == []


def test_bases_with_tzdata_and_unknown_bases(tmp_path):
    for rt in ("gcr.io/distroless/static-debian12:nonroot", "golang:1.22", "example.com/base:1", "debian:bookworm-slim"):
        assert found(tmp_path, df(rt), {"main.go": MAIN}) == [], rt


def test_embedded_or_copied_or_installed_tzdata(tmp_path):
    files = {"main.go": MAIN}
    assert found(tmp_path, df(build="CGO_ENABLED=0 go build -tags timetzdata -o /out/app ."), files) == []
    assert found(tmp_path, df(extra="COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo\n"), files) == []
    assert found(tmp_path, df("alpine:3.20", extra="RUN apk add --no-cache tzdata\n"), files) == []
    assert found(tmp_path, df(extra="ENV ZONEINFO=/zoneinfo.zip\n"), files) == []
    assert found(tmp_path, df(), {"main.go": MAIN, "tz.go": 'package main\n\nimport _ "time/tzdata"\n'}) == []


def test_heredoc_build_into_final_stage_chain(tmp_path):
    fs = found(tmp_path, """
FROM golang:1.22 AS build
RUN <<EOF
CGO_ENABLED=0 go build -o /out/app .
EOF
FROM scratch AS base
COPY --from=build /out/app /app
FROM base AS final
ENTRYPOINT ["/app"]
""", {"cmd/main.go": MAIN})
    assert len(fs) == 1 and fs[0].stage == "final"


def test_go_file_named_relative_to_context_however_the_context_is_spelled(tmp_path, monkeypatch):
    """The Go file in the message is its path inside the context, for a context given as `.`, with `..`
    or absolute (golayer names it from the directory walk, not by re-normalising both paths)."""
    from golayer.dockerfile.engine import lint_path

    (tmp_path / "app" / "cmd" / "srv").mkdir(parents=True)
    (tmp_path / "app" / "cmd" / "srv" / "main.go").write_text(MAIN)
    (tmp_path / "app" / "Dockerfile").write_text(df())
    monkeypatch.chdir(tmp_path / "app")
    for path, ctx in (("Dockerfile", None), ("Dockerfile", "."), ("Dockerfile", "../app"),
                      ("../app/Dockerfile", None), (str(tmp_path / "app" / "Dockerfile"), str(tmp_path / "app"))):
        _, findings = lint_path(path, context_dir=ctx)
        fs = of_rule(findings, RULE)
        assert len(fs) == 1 and "cmd/srv/main.go calls time.LoadLocation" in fs[0].message, (path, ctx)
        assert "./" not in fs[0].message and "../" not in fs[0].message, (path, ctx, fs[0].message)


# --- which of the context's programs the image holds (golayer.dockerfile.goreach) ------------------
SERVER = ('package main\n\nimport (\n\t"time"\n\n\t"example.com/app/internal/web"\n)\n\n'
          'func main() { time.LoadLocation("UTC"); web.Serve() }\n')
AGENT = 'package main\n\nimport "example.com/app/internal/web"\n\nfunc main() { web.Serve() }\n'
WEB = 'package web\n\nfunc Serve() {}\n'
TZ = 'package tz\n\nimport "time"\n\nfunc Berlin() { time.LoadLocation("Europe/Berlin") }\n'
REPO = {"go.mod": "module example.com/app\n\ngo 1.22\n", "cmd/server/main.go": SERVER,
        "cmd/agent/main.go": AGENT, "internal/web/web.go": WEB, "tools/gen/main.go": MAIN}


def test_only_the_programs_the_image_holds_count(tmp_path):
    # the agent's image: neither cmd/server nor tools/gen are compiled into it
    for build in ("go build -o /out/app ./cmd/agent", "go build -o /out/app example.com/app/cmd/agent",
                  "cd cmd/agent && go build -o /out/app .", "go build -o /out/app cmd/agent/main.go"):
        assert found(tmp_path, df(build=build), REPO) == [], build
    # the server's image calls LoadLocation itself; the message names only files the binary holds
    fs = found(tmp_path, df(build="go build -o /out/app ./cmd/server"), REPO)
    assert len(fs) == 1 and fs[0].message.startswith("cmd/server/main.go calls time.LoadLocation")
    # a package the agent imports, transitively, counts
    web = 'package web\n\nimport "example.com/app/internal/tz"\n\nfunc Serve() { tz.Berlin() }\n'
    fs = found(tmp_path, df(build="go build -o /out/app ./cmd/agent"), {**REPO, "internal/web/web.go": web,
                                                                       "internal/tz/tz.go": TZ})
    assert len(fs) == 1 and fs[0].message.startswith("internal/tz/tz.go calls time.LoadLocation")


def test_unknown_programs_keep_the_whole_context(tmp_path):
    # ./... , a variable, a package outside the module, a directory not in the context: not narrowed
    for build in ("go build -o /out/ ./...", "go build -o /out/app $PKG", "go build -o /out/app other.org/x/cmd/y",
                  "go build -o /out/app ./cmd/missing"):
        fs = found(tmp_path, df(build=build), REPO)
        assert len(fs) == 1 and "calls time.LoadLocation" in fs[0].message, build
