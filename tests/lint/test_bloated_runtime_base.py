"""bloated-runtime-base (GLD011)."""

from tests.lint.helpers import lint, of_rule

RULE = "bloated-runtime-base"

BUILD = """FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .
"""


def found(tmp_path, df, **kw):
    return of_rule(lint(tmp_path, df, **kw), RULE)


def test_debian_runtime_with_only_binary_and_ca(tmp_path):
    fs = found(tmp_path, BUILD + """FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates tzdata \\
    && rm -rf /var/lib/apt/lists/*
RUN useradd -u 10001 app
COPY --from=build /out/app /usr/local/bin/app
USER app
ENTRYPOINT ["/usr/local/bin/app"]
""")
    assert len(fs) == 1 and fs[0].line == 5 and fs[0].stage == "1"
    assert "debian:bookworm" in fs[0].message and "gcr.io/distroless/static-debian12:nonroot" in fs[0].message


def test_cgo_binary_gets_the_glibc_recommendation(tmp_path):
    fs = found(tmp_path, """FROM golang:1.22 AS build
RUN go build -o /out/app .
FROM ubuntu:24.04
COPY --from=build /out/app /app
CMD ["/app"]
""")
    assert len(fs) == 1 and "gcr.io/distroless/base-debian12:nonroot" in fs[0].message


def test_runtime_dependencies_or_shell_use_pass(tmp_path):
    cases = [
        'RUN apt-get update && apt-get install -y git\nCOPY --from=build /out/app /app\nCMD ["/app"]',
        'COPY --from=build /out/app /app\nCMD /app',
        'COPY --from=build /out/app /app\nCOPY entrypoint.sh /\nENTRYPOINT ["/entrypoint.sh"]',
        'COPY --from=build /out/app /app\nENTRYPOINT ["sh", "-c", "/app"]',
        'COPY --from=build /out/app /app\nHEALTHCHECK CMD ["curl", "-f", "http://localhost/"]\nCMD ["/app"]',
        'COPY --from=build /out/app /app',  # no CMD: the base's bash runs
        'COPY --from=build /out/app /app\nRUN <<EOF\n/app migrate\nEOF\nCMD ["/app"]',
    ]
    for c in cases:
        assert found(tmp_path, BUILD + "FROM debian:bookworm-slim\n" + c + "\n") == [], c


def test_small_or_unknown_bases_pass(tmp_path):
    for base in ("alpine:3.20", "gcr.io/distroless/static-debian12", "scratch", "example.com/base:1"):
        assert found(tmp_path, BUILD + f'FROM {base}\nCOPY --from=build /out/app /app\nCMD ["/app"]\n') == [], base


def test_golang_runtime_is_left_to_toolchain_rule(tmp_path):
    fs = lint(tmp_path, BUILD + 'FROM golang:1.22\nCOPY --from=build /out/app /app\nCMD ["/app"]\n')
    assert of_rule(fs, RULE) == [] and len(of_rule(fs, "toolchain-in-final-image")) == 1


def test_not_a_go_binary_or_not_the_target(tmp_path):
    assert found(tmp_path, 'FROM debian:bookworm\nCOPY app /app\nCMD ["/app"]\n') == []
    assert found(tmp_path, BUILD + """FROM debian:bookworm AS debug
COPY --from=build /out/app /app
CMD ["/app"]
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
""") == []


def test_through_from_stage_chain(tmp_path):
    fs = found(tmp_path, BUILD + """FROM debian:bookworm-slim AS base
RUN apt-get update && apt-get install -y ca-certificates
FROM base
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
""")
    assert len(fs) == 1 and fs[0].line == 5


def test_untraced_cgo_build_in_a_copied_stage_gets_the_glibc_recommendation(tmp_path):
    fs = found(tmp_path, BUILD + """FROM golang:1.22 AS tools
WORKDIR /t
RUN git clone https://example.com/tool.git && cd tool && go build
FROM debian:bookworm-slim
COPY --from=build /out/app /app
COPY --from=tools /t/tool/tool /usr/local/bin/tool
CMD ["/app"]
""")
    assert len(fs) == 1 and "gcr.io/distroless/base-debian12:nonroot" in fs[0].message
