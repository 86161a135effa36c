"""cross-compile-emulation (GLD017) and cross-compile-wrong-arch (GLD018)."""

from tests.lint.final_helpers import fixed_text, relint
from tests.lint.helpers import lint, of_rule

EMU = "cross-compile-emulation"
WRONG = "cross-compile-wrong-arch"

RUNTIME = """
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
"""


def test_emulation_when_target_arch_used_without_buildplatform(tmp_path):
    fs = of_rule(lint(tmp_path, """
FROM golang:1.22 AS build
ARG TARGETARCH
RUN GOARCH=$TARGETARCH CGO_ENABLED=0 go build -o /out/app .
""" + RUNTIME), EMU)
    assert len(fs) == 1 and fs[0].line == 1 and fs[0].stage == "build"
    assert "TARGETARCH" in fs[0].message and "emulation" in fs[0].message


def test_no_multi_platform_intent_is_silent(tmp_path):
    assert of_rule(lint(tmp_path, """
FROM golang:1.22 AS build
RUN CGO_ENABLED=0 go build -o /out/app .
""" + RUNTIME), EMU) == []


def test_buildplatform_or_literal_platform_is_not_emulation(tmp_path):
    for plat in ("$BUILDPLATFORM", "${BUILDPLATFORM}", "linux/amd64"):
        assert of_rule(lint(tmp_path, f"""
FROM --platform={plat} golang:1.22 AS build
ARG TARGETOS TARGETARCH
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
""" + RUNTIME), EMU) == [], plat


def test_targetplatform_builder_is_emulated(tmp_path):
    fs = of_rule(lint(tmp_path, """
FROM --platform=$TARGETPLATFORM golang:1.22 AS build
RUN go build -o /out/app .
""" + RUNTIME), EMU)
    assert len(fs) == 1 and fs[0].fix is None


def test_child_stage_inherits_platform_and_unneeded_stages_skip(tmp_path):
    assert of_rule(lint(tmp_path, """
FROM --platform=$BUILDPLATFORM golang:1.22 AS base
ARG TARGETARCH
FROM base AS build
RUN GOARCH=$TARGETARCH go build -o /out/app .
FROM golang:1.22 AS lint-only
RUN go build ./...
""" + RUNTIME), EMU) == []


def test_emulation_unsafe_fix_only_when_goarch_comes_from_target(tmp_path):
    df = """
FROM golang:1.22 AS build
ARG TARGETOS TARGETARCH
RUN <<EOF
GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
EOF
""" + RUNTIME
    fs = of_rule(lint(tmp_path, df), EMU)
    assert str(fs[0].fix.applicability) == "unsafe"
    new = fixed_text(tmp_path, df, EMU)
    assert new.startswith("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n")
    fs2 = relint(tmp_path, new)
    assert of_rule(fs2, EMU) == [] and of_rule(fs2, WRONG) == []
    fs = of_rule(lint(tmp_path, """
FROM golang:1.22 AS build
ARG TARGETARCH
RUN go build -o /out/app .
""" + RUNTIME), EMU)
    assert len(fs) == 1 and fs[0].fix is None


def test_wrong_arch_without_goarch(tmp_path):
    fs = of_rule(lint(tmp_path, """
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go mod download && CGO_ENABLED=0 go build -o /out/app .
""" + RUNTIME), WRONG)
    assert len(fs) == 1 and fs[0].line == 4 and fs[0].severity.name == "ERROR"
    assert "sets no GOARCH" in fs[0].message and "CGO_ENABLED=0 go build -o /out/app ." in fs[0].message


def test_goarch_any_way_passes(tmp_path):
    variants = [
        "ARG TARGETARCH\nRUN GOARCH=$TARGETARCH go build -o /out/app .",
        "ARG TARGETARCH\nENV GOARCH=$TARGETARCH\nRUN go build -o /out/app .",
        "ARG TARGETARCH\nRUN export GOARCH=$TARGETARCH && go build -o /out/app .",
        "ARG GOARCH=arm64\nRUN go build -o /out/app .",
        "RUN GOARCH=arm64 go build -o /out/app .",
        "ARG TARGETARCH\nRUN go env -w GOARCH=$TARGETARCH\nRUN go build -o /out/app .",
        "RUN xx-go build -o /out/app .",
    ]
    for v in variants:
        df = "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n" + v + "\n" + RUNTIME
        assert of_rule(lint(tmp_path, df), WRONG) == [], v


def test_wrong_arch_only_for_shipped_binaries(tmp_path):
    # a tool built for the build machine and run during the build is right to use the host arch
    fs = of_rule(lint(tmp_path, """
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETARCH
RUN go build -o /usr/local/bin/gen ./tools/gen && gen ./...
RUN GOARCH=$TARGETARCH go build -o /out/app .
""" + RUNTIME), WRONG)
    assert fs == []
    # not on the build platform: nothing to say
    assert of_rule(lint(tmp_path, """
FROM golang:1.22 AS build
RUN go build -o /out/app .
""" + RUNTIME), WRONG) == []


def test_wrong_arch_fix_declares_target_args(tmp_path):
    df = """
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
RUN CGO_ENABLED=0 go build -o /out/app .
""" + RUNTIME
    new = fixed_text(tmp_path, df, WRONG)
    assert new.startswith("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n"
                          "ARG TARGETOS TARGETARCH\nENV GOOS=$TARGETOS GOARCH=$TARGETARCH\n"
                          "RUN CGO_ENABLED=0 go build")
    assert of_rule(relint(tmp_path, new), WRONG) == []


def test_relative_copy_source_and_build_tools_run_during_the_build(tmp_path):
    # kind-style: a host tool installed for the build, the shipped binary cross-compiled,
    # copied with a source path relative to the stage root
    assert of_rule(lint(tmp_path, """
FROM --platform=$BUILDPLATFORM golang:1.22
WORKDIR /go/src
RUN GOBIN=/usr/local/bin go install github.com/google/go-licenses@v1.6.0
COPY . .
ARG TARGETARCH
RUN CGO_ENABLED=0 GOARCH=$TARGETARCH go build -o ./app ./cmd/app && go-licenses save --save_path=/L ./cmd/app
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=0 ./go/src/app /bin/app
COPY --from=0 /L/* /LICENSES/
"""), WRONG) == []
    # a stage that only builds a build tool (copied into another builder) is not flagged
    assert of_rule(lint(tmp_path, """
FROM --platform=$BUILDPLATFORM golang:1.22 AS tool
RUN GOBIN=/out go install github.com/josephspurrier/goversioninfo/cmd/goversioninfo@v1.4.0
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETARCH
COPY --from=tool /out/goversioninfo /usr/local/bin/
RUN GOARCH=$TARGETARCH go build -o /out/app .
FROM scratch
COPY --from=build /out/app /app
"""), WRONG) == []


def test_go_install_in_the_image_stage_itself_is_not_a_builder(tmp_path):
    # a tools image: its stage must be for the target platform; --platform=$BUILDPLATFORM would be wrong
    assert of_rule(lint(tmp_path, """
FROM golang:1.22-alpine
ARG TARGETOS TARGETARCH
RUN GOBIN=/usr/local/bin go install github.com/bufbuild/buf/cmd/buf@v1.63.0
ENTRYPOINT ["buf"]
"""), EMU) == []


def test_goarch_from_undeclared_platform_arg(tmp_path):
    # ENV with an undeclared $TARGETARCH: GOARCH is empty, go builds for the host
    fs = of_rule(lint(tmp_path, """
ARG TARGETARCH
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ENV GOARCH=$TARGETARCH
RUN go build -o /out/app .
""" + RUNTIME), WRONG)
    assert len(fs) == 1 and "empty GOARCH" in fs[0].message and "$TARGETARCH is not declared" in fs[0].message
    # inline, undeclared
    df = """
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .
""" + RUNTIME
    fs = of_rule(lint(tmp_path, df), WRONG)
    assert len(fs) == 1 and "$TARGETARCH, which is not declared" in fs[0].message
    new = fixed_text(tmp_path, df, WRONG)
    assert new.startswith("FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nARG TARGETOS TARGETARCH\nRUN GOOS")
    assert of_rule(relint(tmp_path, new), WRONG) == []
    # GOARCH computed from a declared TARGETPLATFORM is fine
    assert of_rule(lint(tmp_path, """
FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETPLATFORM
RUN GOARCH=$(echo $TARGETPLATFORM | cut -d/ -f2) go build -o /out/app .
""" + RUNTIME), WRONG) == []
