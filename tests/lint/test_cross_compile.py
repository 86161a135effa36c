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
