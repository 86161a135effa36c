"""make and project scripts called from RUN: golayer reads them (never runs them) when they are in the stage."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.lint.helpers import fix_all, lint, model, of_rule

GOMOD = "module example.com/app\n\ngo 1.22\n"

BUILDER = """
    FROM golang:1.22 AS build
    WORKDIR /src
    COPY . .
    RUN {run}
    FROM gcr.io/distroless/static-debian12
    COPY --from=build /src/bin/app /app
    ENTRYPOINT ["/app"]
"""

MAKEFILE = """\
GO ?= go
VERSION := $(shell git describe --tags)
BIN = bin/app

.PHONY: build deps
build: deps
\t@echo building $(VERSION)
\t$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/app

deps:
\tgo mod download
"""


def _cmds(m, line=None):
    return [c for i in m.runs() for c in i.commands if line is None or i.start_line == line]


def _cli(args, cwd=None):
    import os

    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "golayer", *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120)


def test_go_commands_of_a_make_target_are_commands_of_the_run(tmp_path):
    fs = lint(tmp_path, BUILDER.format(run="make build"), files={"go.mod": GOMOD, "Makefile": MAKEFILE},
              dockerignore=".git\n")
    [f] = of_rule(fs, "missing-cache-mount")
    assert f.line == 4  # the finding stays on the RUN line
    assert f.extra["origin"] == "Makefile:11"
    assert "`go mod download` (Makefile:11, via `make build`)" in f.message
    assert "`go build` (Makefile:8, via `make build`)" in f.message
    assert f.fix is not None and "target=/root/.cache/go-build" in f.fix.description
    # the $(shell ...) in -ldflags is kept as written: the go build is still seen
    m = model(tmp_path, BUILDER.format(run="make build"), files={"go.mod": GOMOD, "Makefile": MAKEFILE})
    gos = [c for c in _cmds(m) if c.go]
    assert [c.go.sub for c in gos] == ["mod download", "build"]
    assert gos[1].go.flags["-o"] == "bin/app" and gos[1].cwd == "/src"
    assert "$(shell git describe --tags)" in gos[1].go.flags["-ldflags"]
    assert m.unresolved == []


def test_the_fix_puts_the_mount_on_the_run_that_runs_make(tmp_path):
    new = fix_all(tmp_path, BUILDER.format(run="make build"), files={"go.mod": GOMOD, "Makefile": MAKEFILE},
                  dockerignore=".git\n")
    assert "RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build make build" \
        in new


def test_makefile_not_copied_into_the_stage_is_not_read(tmp_path):
    df = """
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY go.mod ./
        RUN make build
        FROM scratch
        COPY --from=build /src/bin/app /app
    """
    fs = lint(tmp_path, df, files={"go.mod": GOMOD, "Makefile": MAKEFILE})
    assert of_rule(fs, "missing-cache-mount") == []
    m = model(tmp_path, df, files={"go.mod": GOMOD, "Makefile": MAKEFILE})
    [(line, step, reason)] = m.unresolved
    assert (line, step) == (4, "make build")
    assert "no GNUmakefile, makefile or Makefile in /src" in reason


def test_makefile_excluded_by_dockerignore_is_not_read(tmp_path):
    fs = lint(tmp_path, BUILDER.format(run="make build"), files={"go.mod": GOMOD, "Makefile": MAKEFILE},
              dockerignore=".git\nMakefile\n")
    assert of_rule(fs, "missing-cache-mount") == []
    m = model(tmp_path, BUILDER.format(run="make build"), files={"go.mod": GOMOD, "Makefile": MAKEFILE},
              dockerignore=".git\nMakefile\n")
    assert "excluded by .dockerignore" in m.unresolved[0][2]


def test_a_later_copy_into_the_same_directory_keeps_an_earlier_copied_makefile(tmp_path):
    df = """
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY Makefile go.mod /src/
        COPY cmd/ /src/
        RUN make deps
        FROM scratch
        COPY --from=build /src/bin/app /app
    """
    m = model(tmp_path, df, files={"go.mod": GOMOD, "Makefile": MAKEFILE, "cmd/main.go": "package main\n"})
    assert [c.go.sub for c in _cmds(m) if c.go] == ["mod download"]


def test_make_features_nested_make_include_target_vars_conditionals(tmp_path):
    files = {
        "go.mod": GOMOD,
        "Makefile": """\
            include build/common.mk
            -include local.mk
            PLATFORM ?= linux
            ifeq ($(PLATFORM),linux)
            OS := linux
            else
            OS := windows
            endif
            ifndef NOPE
            TAGS = netgo
            endif
            SRCS := a.go b.go
            OBJS = $(SRCS:.go=.o)
            NAMES = $(patsubst %.go,cmd/%,$(SRCS))
            all: app

            app: EXTRA = -trimpath
            app:
            \tcd cmd && GOOS=$(OS) $(GO) build $(EXTRA) -tags $(TAGS) -o ../bin/$@ . # a comment
            \t+$(MAKE) -C tools install BINDIR=$(CURDIR)/bin
            \t@echo $(OBJS) $(NAMES) $(words $(SRCS)) $(if $(TAGS),tags,none) $(addprefix -X ,$(firstword $(SRCS)))
            """,
        "build/common.mk": "GO := go\nexport CGO_ENABLED := 0\n",
        "tools/Makefile": "install:\n\tgo install golang.org/x/tools/cmd/stringer@v0.20.0\n\t@echo $(BINDIR)\n",
    }
    m = model(tmp_path, BUILDER.format(run="make PLATFORM=darwin"), files=files)
    cmds = [c for c in _cmds(m) if c.origin]
    build = next(c for c in cmds if c.go and c.go.sub == "build")
    assert build.argv == ["go", "build", "-trimpath", "-tags", "netgo", "-o", "../bin/app", "."]
    assert build.assignments == {"GOOS": "windows"}  # PLATFORM=darwin on the command line wins over ?=
    assert build.env["CGO_ENABLED"] == "0" and build.cwd == "/src/cmd" and build.origin == "Makefile:19"
    assert next(c for c in cmds if c.origin == "Makefile:21").argv == [
        "echo", "a.o", "b.o", "cmd/a", "cmd/b", "2", "tags", "-X", "a.go"]
    inst = next(c for c in cmds if c.go and c.go.sub == "install")
    assert inst.origin == "tools/Makefile:2" and inst.cwd == "/src/tools" and inst.via == "make PLATFORM=darwin"
    echo = next(c for c in cmds if c.name == "echo" and c.origin.startswith("tools/"))
    assert echo.argv == ["echo", "/src/bin"]  # command-line variables reach the sub-make
    assert m.unresolved == []
    # the `cd cmd` of the recipe does not move the RUN's shell: the binary is traced from /src/bin/app
    from golayer.dockerfile import final

    assert [b.path for b in final.binaries_built_in(m, m.stages[0])][:1] == ["/src/bin/app"]


def test_make_precedence_command_line_makefile_environment(tmp_path):
    mk = "CGO_ENABLED = 1\nexport CGO_ENABLED\nb:\n\tgo build -o /app .\n"
    df = """
        FROM golang:1.22 AS build
        ENV CGO_ENABLED=0
        WORKDIR /src
        COPY . .
        RUN {run}
        FROM scratch
        COPY --from=build /app /app
    """
    def env(run):
        m = model(tmp_path, df.format(run=run), files={"go.mod": GOMOD, "Makefile": mk})
        return next(c for c in _cmds(m) if c.go).env["CGO_ENABLED"]

    assert env("make b") == "1"  # the makefile over the environment
    assert env("make -e b") == "0"  # -e: the environment wins
    assert env("make b CGO_ENABLED=0") == "0"  # the command line over the makefile


def test_shell_functions_unresolved_and_unknown_targets(tmp_path):
    mk = "GO := $(shell which go)\nb:\n\t$(GO) build -o /app .\n"
    df = BUILDER.format(run="make b && make nothere")
    fs = lint(tmp_path, df, files={"go.mod": GOMOD, "Makefile": mk}, dockerignore=".git\n")
    assert of_rule(fs, "missing-cache-mount") == []  # the compile cannot be seen: silent
    m = model(tmp_path, df, files={"go.mod": GOMOD, "Makefile": mk})
    reasons = [r for _, _, r in m.unresolved]
    assert any("`$(shell which go)` runs a command" in r for r in reasons)
    assert any("no rule for target `nothere`" in r for r in reasons)


def test_unresolved_steps_in_json_and_the_text_note(tmp_path):
    (tmp_path / "go.mod").write_text(GOMOD)
    (tmp_path / "Dockerfile").write_text(
        "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY go.mod ./\nRUN make build && ./scripts/gen.sh\n"
        "FROM scratch\nCOPY --from=build /src/app /app\n")
    r = _cli(["lint", "-f", "json", str(tmp_path / "Dockerfile")])
    doc = json.loads(r.stdout)
    [df] = doc["dockerfiles"]
    assert [(u["line"], u["step"]) for u in df["unresolved"]] == [(4, "make build"), (4, "./scripts/gen.sh")]
    r = _cli(["lint", str(tmp_path / "Dockerfile")])
    assert "note: 2 build steps not resolved (--verbose for details)" in r.stdout
    r = _cli(["lint", "--verbose", str(tmp_path / "Dockerfile")])
    assert "Dockerfile:4: `./scripts/gen.sh` not resolved: " in r.stdout


def test_scripts_functions_cd_export_and_env_prefixes(tmp_path):
    files = {
        "go.mod": GOMOD,
        "scripts/build.sh": """\
            #!/bin/sh
            set -eu
            unused() {
              go generate ./...
            }
            build() {
              cd "$1"
              CGO_ENABLED=1 go build -o /out/app .
            }
            export GOFLAGS=-mod=mod
            build cmd/app
            """,
    }
    df = """
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN sh scripts/build.sh
        FROM scratch
        COPY --from=build /out/app /app
    """
    m = model(tmp_path, df, files=files)
    gos = [c for c in _cmds(m) if c.go]
    assert [c.go.sub for c in gos] == ["build"]  # a function that is never called runs nothing
    assert gos[0].origin == "scripts/build.sh:8" and gos[0].via == "sh scripts/build.sh"
    assert gos[0].env["GOFLAGS"] == "-mod=mod" and gos[0].assignments == {"CGO_ENABLED": "1"}
    fs = lint(tmp_path, df, files=files, dockerignore=".git\n")
    [cgo] = of_rule(fs, "cgo-libc-mismatch")
    assert "CGO_ENABLED=1" in cgo.message
    [mm] = of_rule(fs, "mod-mode-mod")
    assert "scripts/build.sh:" in mm.message and "via `sh scripts/build.sh`" in mm.message


def test_script_variables_are_expanded_where_known(tmp_path):
    files = {"go.mod": GOMOD, "build.sh": """\
        #!/bin/bash
        GO=${GO:-go}
        OUT=bin
        LDFLAGS="-s -w"
        $GO build -ldflags "$LDFLAGS" -o "$OUT/app" ./cmd/app
        """}
    m = model(tmp_path, BUILDER.format(run="./build.sh"), files=files)
    [go] = [c for c in _cmds(m) if c.go]
    assert go.argv == ["go", "build", "-ldflags", "-s -w", "-o", "bin/app", "./cmd/app"] and go.origin == "build.sh:5"


def test_dot_slash_scripts_and_bash_c(tmp_path):
    files = {"go.mod": GOMOD, "build.sh": "#!/usr/bin/env bash\ngo build -o /app ./cmd\n",
             "tools.py": "#!/usr/bin/env python3\nprint('x')\n",
             "Makefile": "b:\n\t./build.sh\n"}
    df = """
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY . .
        RUN ./build.sh && bash -c "make b" && ./tools.py && ./bin/app --version && /usr/local/bin/tool
        FROM scratch
        COPY --from=build /app /app
    """
    m = model(tmp_path, df, files=files)
    gos = [c for c in _cmds(m) if c.go]
    assert [(c.origin, c.via) for c in gos] == [("build.sh:2", "./build.sh"), ("build.sh:2", "make b")]
    # a program built in the stage (./bin/app) or installed (/usr/local/bin/tool) is not a script to read
    assert [r for _, _, r in m.unresolved] == ["`tools.py` is not a shell script (/usr/bin/env python3)"]


def test_script_from_another_stage_is_not_read(tmp_path):
    files = {"go.mod": GOMOD, "build.sh": "go build -o /app .\n"}
    df = """
        FROM golang:1.22 AS src
        COPY build.sh /build.sh
        FROM golang:1.22 AS build
        COPY --from=src /build.sh /build.sh
        RUN /build.sh
        FROM scratch
        COPY --from=build /app /app
    """
    m = model(tmp_path, df, files=files)
    assert [c for c in _cmds(m) if c.go] == []
    assert "copies it from `src`" in m.unresolved[0][2]


def test_hostile_makefiles_are_bounded(tmp_path):
    files = {
        "go.mod": GOMOD,
        "Makefile": "X = $(X) a\nb:\n\techo $(X)\n",
        "a/Makefile": "A0 = x\n" + "".join(f"A{i} = $(A{i-1})$(A{i-1})\n" for i in range(1, 60)) + "b:\n\techo $(A59)\n",
        "r/Makefile": "b:\n\t$(MAKE) b\n",
    }
    for run, why in (("make b", "references itself"), ("make -C a b", "stopped reading"), ("make -C r b", "deeper")):
        start = time.monotonic()
        m = model(tmp_path, BUILDER.format(run=run), files=files)
        assert time.monotonic() - start < 5
        assert any(why in r for _, _, r in m.unresolved), (run, m.unresolved)


def test_unknown_base_gets_no_fix_on_a_guessed_cache_path(tmp_path):
    df = """
        FROM registry.example.com/team/gobuilder:3 AS build
        WORKDIR /src
        COPY . .
        RUN make build
        FROM scratch
        COPY --from=build /src/bin/app /app
    """
    fs = lint(tmp_path, df, files={"go.mod": GOMOD, "Makefile": MAKEFILE}, dockerignore=".git\n")
    [f] = of_rule(fs, "missing-cache-mount")
    assert f.fix is None
    assert "/root/" not in f.message and "runs without any cache mount" in f.message
    # ... and where the Dockerfile sets the paths, they are known
    fs = lint(tmp_path, df.replace("WORKDIR /src", "ENV GOPATH=/go GOCACHE=/cache/go\nWORKDIR /src"),
              files={"go.mod": GOMOD, "Makefile": MAKEFILE}, dockerignore=".git\n")
    [f] = of_rule(fs, "missing-cache-mount")
    assert f.fix is not None and "target=/cache/go" in f.fix.description and "target=/go/pkg/mod" in f.fix.description


def test_cache_path_follows_a_home_exported_by_make(tmp_path):
    mk = "export HOME := /home/builder\nb:\n\tgo build -o /app .\n"
    fs = lint(tmp_path, BUILDER.format(run="make b"), files={"go.mod": GOMOD, "Makefile": mk},
              dockerignore=".git\n")
    [f] = of_rule(fs, "missing-cache-mount")
    assert "target=/home/builder/.cache/go-build" in f.fix.description  # not /root/...: that would be a no-op


def test_deps_after_sources_silent_when_an_unresolved_step_may_download(tmp_path):
    df = """
        FROM golang:1.22 AS build
        WORKDIR /src
        COPY go.mod go.sum ./
        RUN make deps
        COPY . .
        RUN go build -o /app .
        FROM scratch
        COPY --from=build /app /app
    """
    fs = lint(tmp_path, df, files={"go.mod": GOMOD, "go.sum": ""}, dockerignore=".git\n")
    assert of_rule(fs, "deps-after-sources") == []


def test_stdin_has_no_context_to_read(tmp_path):
    (tmp_path / "Makefile").write_text(MAKEFILE)
    r = subprocess.run([sys.executable, "-m", "golayer", "lint", "-f", "json", "-"], cwd=tmp_path, text=True,
                       input="FROM golang:1.22 AS b\nCOPY . .\nRUN make build\nFROM scratch\nCOPY --from=b /x /x\n",
                       capture_output=True, timeout=120)
    doc = json.loads(r.stdout)
    assert doc["dockerfiles"][0]["unresolved"][0]["reason"] == "standard input has no build context"


def test_static_pattern_rules_and_pattern_recipes(tmp_path):
    # the shape of a Makefile that builds one binary per app through a static pattern rule
    mk = """\
        BLDDIR = build
        APPS = alpha beta
        all: $(APPS)
        $(BLDDIR)/alpha: $(wildcard apps/alpha/*.go)
        $(BLDDIR)/%:
        \tgo build ${BLDFLAGS} -o $@ ./apps/$*
        $(APPS): %: $(BLDDIR)/%
        .PHONY: $(APPS)
        """
    m = model(tmp_path, BUILDER.format(run="CGO_ENABLED=0 make BLDDIR=/out BLDFLAGS='-ldflags=\"-s -w\"'"),
              files={"go.mod": GOMOD, "Makefile": mk})
    gos = [c for c in _cmds(m) if c.go]
    assert [c.argv for c in gos] == [["go", "build", "-ldflags=-s -w", "-o", "/out/alpha", "./apps/alpha"],
                                     ["go", "build", "-ldflags=-s -w", "-o", "/out/beta", "./apps/beta"]]
    assert all(c.env["CGO_ENABLED"] == "0" for c in gos)


def test_conditions_that_need_a_command_are_reported_only_where_the_build_depends_on_them(tmp_path):
    mk = """\
        HAS_LINT := $(shell command -v golangci-lint)
        ifndef HAS_LINT
        LINT = go run lint@v1
        endif
        ifeq ($(shell uname -m),x86_64)
        TARGET_ARCH ?= amd64
        else
        TARGET_ARCH ?= arm64
        endif
        app:
        \tGOARCH=$(TARGET_ARCH) go build -o /app .
        dist:
        ifeq ($(shell uname -s),Darwin)
        \tgo build -o /dist .
        else
        \tCGO_ENABLED=0 go build -o /dist .
        endif
        \techo done
        """
    m = model(tmp_path, BUILDER.format(run="make app && make dist"), files={"go.mod": GOMOD, "Makefile": mk})
    gos = [c for c in _cmds(m) if c.go]
    assert len(gos) == 1 and gos[0].assignments["GOARCH"] == "$(TARGET_ARCH)"  # not guessed: kept as written
    reasons = sorted(r for _, _, r in m.unresolved)
    assert len(reasons) == 2  # nothing about HAS_LINT: the build does not use it
    assert reasons[0].startswith("`$(TARGET_ARCH)`: it is defined under `ifeq ($(shell uname -m),x86_64)`")
    assert reasons[1].startswith("recipe lines of `dist` are under `ifeq ($(shell uname -s),Darwin)`")
    # the cross-compile rule does not take a value it cannot know for "no GOARCH"
    fs = lint(tmp_path, BUILDER.format(run="make app").replace("FROM golang:1.22 AS build",
                                                               "FROM --platform=$BUILDPLATFORM golang:1.22 AS build"),
              files={"go.mod": GOMOD, "Makefile": mk}, dockerignore=".git\n")
    assert of_rule(fs, "cross-compile-wrong-arch") == []


def test_unknown_base_no_cache_path_guess_for_any_rule(tmp_path):
    df = """
        ARG BUILD_BASE_IMAGE
        FROM $BUILD_BASE_IMAGE AS build
        WORKDIR /src
        COPY . .
        RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build make build
        FROM scratch
        COPY --from=build /src/bin/app /app
    """
    fs = lint(tmp_path, df, files={"go.mod": GOMOD, "Makefile": MAKEFILE}, dockerignore=".git\n")
    assert of_rule(fs, "cache-mount-wrong-target") == [] and of_rule(fs, "missing-cache-mount") == []


def test_define_call_oneshell_dash_f_and_recursive_wildcard_helpers(tmp_path):
    files = {
        "go.mod": GOMOD,
        "build/release.mk": """\
            rwildcard = $(wildcard $1$2) $(foreach d,$(wildcard $1*),$(call rwildcard,$d/,$2))
            SH_FILES := $(call rwildcard,./,*.sh)
            define title
            @printf '== %s\\n' $(1)
            @echo start
            endef
            export GO_BUILD = CGO_ENABLED=0 go build -trimpath
            .ONESHELL:
            release: out/$(BINARY)$(EXT)
            out/$(BINARY)$(EXT):
            \t$(call title,$@)
            \tcd cmd/app
            \t$(GO_BUILD) -o /out/app .
            lint: $(SH_FILES)
            """,
    }
    m = model(tmp_path, BUILDER.format(run="make -f build/release.mk BINARY=app release lint"), files=files)
    cmds = [c for c in _cmds(m) if c.origin]
    assert [c.argv[0] for c in cmds] == ["printf", "echo", "cd", "go"]  # .ONESHELL: one shell for the recipe
    go = cmds[-1]
    assert go.origin == "build/release.mk:13" and go.cwd == "/src/cmd/app" and go.assignments["CGO_ENABLED"] == "0"
    reasons = [r for _, _, r in m.unresolved]
    assert reasons and all(r.startswith("prerequisite `$(") and r.endswith("of `lint` is not known statically")
                           for r in reasons), reasons


def test_missing_include_and_missing_dash_f_file(tmp_path):
    files = {"go.mod": GOMOD, "Makefile": "include gen/vars.mk\nb:\n\tgo build -o /app .\n"}
    m = model(tmp_path, BUILDER.format(run="make b && make -f other.mk"), files=files)
    reasons = [r for _, _, r in m.unresolved]
    assert any("`gen/vars.mk` is not in the build context" in r for r in reasons)
    assert any(r.startswith("`other.mk` in /src at this point:") for r in reasons)
    assert [c.go.sub for c in _cmds(m) if c.go] == ["build"]  # the rest of the Makefile is still read


def test_two_alike_commands_of_a_makefile_each_say_where_they_are(tmp_path):
    mk = "tidy:\n\tgo mod tidy\n\tcd proto && go mod tidy\n"
    fs = lint(tmp_path, BUILDER.format(run="make tidy"), files={"go.mod": GOMOD, "Makefile": mk},
              dockerignore=".git\n")
    tidy = of_rule(fs, "go-mod-tidy-in-build")
    assert sorted(f.extra["origin"] for f in tidy) == ["Makefile:2", "Makefile:3"]
    assert all(f.line == 4 and "via `make tidy`" in f.message for f in tidy)


def test_scripts_calling_themselves_and_symlinks_out_of_the_context_are_bounded(tmp_path):
    import os

    outside = tmp_path / "outside.sh"
    outside.write_text("go build -o /secret .\n")
    ctx = tmp_path / "ctx"
    files = {"go.mod": GOMOD, "a.sh": "#!/bin/sh\nf() { f; }\nf\nsh ./a.sh\n"}
    for rel, body in files.items():
        (ctx / rel).parent.mkdir(parents=True, exist_ok=True)
        (ctx / rel).write_text(body)
    os.symlink(outside, ctx / "link.sh")
    (ctx / "Dockerfile").write_text(
        "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN ./a.sh && ./link.sh\n"
        "FROM scratch\nCOPY --from=build /app /app\n")
    from golayer.dockerfile.build import build_model

    m = build_model(ctx / "Dockerfile")
    assert [c for c in _cmds(m) if c.go] == []  # the symlink points outside the context: not read
    reasons = [r for _, _, r in m.unresolved]
    assert any("nesting deeper than 8" in r for r in reasons)
