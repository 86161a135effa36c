"""cgo-libc-mismatch (GLD012)."""

from tests.lint.final_helpers import fixed_text, relint
from tests.lint.helpers import lint, of_rule

RULE = "cgo-libc-mismatch"


def found(tmp_path, df, **kw):
    return of_rule(lint(tmp_path, df, **kw), RULE)


def df(builder: str, runtime: str, build: str = "go build -o /out/app .", extra: str = "") -> str:
    return f"""
FROM {builder} AS build
WORKDIR /src
COPY . .
{extra}RUN {build}
FROM {runtime}
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
"""


def test_debian_golang_default_cgo_to_scratch_and_static(tmp_path):
    for rt in ("scratch", "gcr.io/distroless/static-debian12:nonroot", "cgr.dev/chainguard/static"):
        fs = found(tmp_path, df("golang:1.22", rt))
        assert len(fs) == 1, rt
        f = fs[0]
        assert f.line == 6 and f.severity.name == "WARNING" and f.stage == "1"
        assert "/out/app" in f.message and "no libc" in f.message and "no such file or directory" in f.message


def test_glibc_builder_to_musl_runtime(tmp_path):
    fs = found(tmp_path, df("golang:1.22-bookworm", "alpine:3.20"))
    assert len(fs) == 1 and "musl" in fs[0].message


def test_musl_builder_with_gcc_to_glibc_runtime(tmp_path):
    fs = found(tmp_path, df("golang:1.22-alpine", "gcr.io/distroless/base-debian12",
                            extra="RUN apk add --no-cache gcc musl-dev\n"))
    assert len(fs) == 1 and "musl" in fs[0].message and "glibc" in fs[0].message


def test_matching_libc_passes(tmp_path):
    # distroless base and cc have glibc: fine after a Debian builder
    for rt in ("gcr.io/distroless/base-debian12:nonroot", "gcr.io/distroless/cc-debian12", "debian:bookworm-slim"):
        assert found(tmp_path, df("golang:1.22", rt)) == [], rt
    # alpine builder with gcc and alpine runtime: both musl
    assert found(tmp_path, df("golang:1.22-alpine", "alpine:3.20", extra="RUN apk add gcc musl-dev\n")) == []


def test_cgo_off_passes(tmp_path):
    # alpine golang has no C compiler: cgo is off by default
    assert found(tmp_path, df("golang:1.22-alpine", "scratch")) == []
    for build in ("CGO_ENABLED=0 go build -o /out/app .",):
        assert found(tmp_path, df("golang:1.22", "scratch", build=build)) == []
    assert found(tmp_path, df("golang:1.22", "scratch", extra="ENV CGO_ENABLED=0\n")) == []
    assert found(tmp_path, df("golang:1.22", "scratch", extra="ARG CGO_ENABLED=0\n")) == []
    assert found(tmp_path, df("golang:1.22", "scratch", build="export CGO_ENABLED=0 && go build -o /out/app .")) == []


def test_static_requests_pass(tmp_path):
    for build in ("go build -tags netgo,osusergo -o /out/app .",
                  "go build -ldflags '-linkmode external -extldflags \"-static\"' -o /out/app ."):
        assert found(tmp_path, df("golang:1.22", "scratch", build=build)) == [], build


def test_glibc_compat_on_alpine_is_not_guessed(tmp_path):
    assert found(tmp_path, df("golang:1.22", "alpine:3.20", extra="") .replace(
        "COPY --from=build", "RUN apk add --no-cache libc6-compat\nCOPY --from=build")) == []


def test_unknown_bases_and_untraceable_copies_are_silent(tmp_path):
    assert found(tmp_path, df("example.com/builder:1", "scratch")) == []
    assert found(tmp_path, df("golang:1.22", "example.com/runtime:1")) == []
    assert found(tmp_path, """
FROM golang:1.22 AS build
RUN make build
FROM scratch
COPY --from=build /out/app /app
""") == []


def test_heredoc_build_and_copy_of_output_directory(tmp_path):
    fs = found(tmp_path, """
FROM golang:1.22 AS build
WORKDIR /src
RUN <<EOF
set -e
go build -o /out/ ./cmd/...
EOF
FROM gcr.io/distroless/static-debian12
COPY --from=build /out/ /usr/local/bin/
""")
    assert len(fs) == 1 and fs[0].line == 8


def test_go_install_binary_in_gopath_bin(tmp_path):
    fs = found(tmp_path, """
FROM golang:1.22 AS build
RUN go install example.com/tool/cmd/tool@v1.2.3
FROM scratch
COPY --from=build /go/bin/tool /tool
""")
    assert len(fs) == 1 and "/go/bin/tool" in fs[0].message


def test_dev_stage_not_in_image_is_silent(tmp_path):
    assert found(tmp_path, """
FROM golang:1.22 AS build
RUN go build -o /out/app .
FROM scratch AS broken-but-unused
COPY --from=build /out/app /app
FROM gcr.io/distroless/base-debian12
COPY --from=build /out/app /app
""") == []


def test_unsafe_fix_adds_cgo_enabled_0_to_builder(tmp_path):
    text = df("golang:1.22", "scratch")
    fs = found(tmp_path, text)
    assert str(fs[0].fix.applicability) == "unsafe"
    new = fixed_text(tmp_path, text, RULE)
    assert new.startswith("FROM golang:1.22 AS build\nENV CGO_ENABLED=0\nWORKDIR /src\n")
    assert of_rule(relint(tmp_path, new), RULE) == []


def test_no_fix_over_explicit_cgo_enabled_1(tmp_path):
    fs = found(tmp_path, df("golang:1.22", "scratch", build="CGO_ENABLED=1 go build -o /out/app ."))
    assert len(fs) == 1 and fs[0].fix is None
