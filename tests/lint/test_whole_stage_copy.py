"""whole-stage-copy (GLD016)."""

from tests.lint.helpers import lint, of_rule

RULE = "whole-stage-copy"

BUILD = """
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /go/bin/app .
"""


def found(tmp_path, df, **kw):
    return of_rule(lint(tmp_path, df, **kw), RULE)


def test_copy_root_of_builder(tmp_path):
    fs = found(tmp_path, BUILD + """
FROM gcr.io/distroless/static-debian12
COPY --from=build / /
""")
    assert len(fs) == 1 and fs[0].line == 7
    assert "whole file system of stage build" in fs[0].message and "GOCACHE" in fs[0].message


def test_copy_gopath_home_and_caches(tmp_path):
    for src in ("/go", "/go/", "/go/pkg", "/go/pkg/mod", "/root", "/root/.cache", "/root/.cache/go-build"):
        fs = found(tmp_path, BUILD + f"""
FROM debian:bookworm
COPY --from=build {src} /x
""")
        assert len(fs) == 1, src


def test_copying_the_binary_out_of_gopath_is_fine(tmp_path):
    assert found(tmp_path, BUILD + """
FROM gcr.io/distroless/static-debian12
COPY --from=build /go/bin/app /app
COPY --from=build /go/bin/ /usr/local/bin/
""") == []


def test_cache_mounts_keep_caches_out_of_the_builder(tmp_path):
    df = """
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \\
    --mount=type=cache,target=/root/.cache/go-build \\
    go build -o /go/bin/app .
FROM debian:bookworm
COPY --from=build /go /go
COPY --from=build /root /root
"""
    assert found(tmp_path, df) == []


def test_from_a_compiling_stage(tmp_path):
    fs = found(tmp_path, BUILD + """
FROM build AS final
CMD ["/go/bin/app"]
""")
    assert len(fs) == 1 and fs[0].line == 6 and fs[0].stage == "final"
    assert "FROM build," in fs[0].message


def test_from_a_stage_that_did_not_compile_is_fine(tmp_path):
    assert found(tmp_path, """
FROM debian:bookworm AS base
RUN apt-get update && apt-get install -y ca-certificates
FROM base AS final
COPY app /app
""") == []


def test_scratch_export_stage_copy_root_is_fine(tmp_path):
    assert found(tmp_path, BUILD + """
FROM scratch AS export
COPY --from=build /go/bin/app /app
FROM gcr.io/distroless/static-debian12
COPY --from=export / /
""") == []


def test_only_stages_in_the_image(tmp_path):
    # a test stage that copies everything does not ship
    assert found(tmp_path, BUILD + """
FROM debian:bookworm AS test
COPY --from=build / /
FROM gcr.io/distroless/static-debian12
COPY --from=build /go/bin/app /app
""") == []


def test_heredoc_build_and_custom_gocache(tmp_path):
    fs = found(tmp_path, """
FROM golang:1.22 AS build
ENV GOCACHE=/cache/go
RUN <<EOF
go build -o /out/app .
EOF
FROM debian:bookworm
COPY --from=build /cache /cache
COPY --from=build /root /root
""")
    assert [f.line for f in fs] == [7]
    assert "/cache/go" in fs[0].message


def test_squash_of_a_stage_that_built_nothing_is_fine(tmp_path):
    assert found(tmp_path, """
FROM debian:bookworm AS rootfs
RUN apt-get update && apt-get install -y systemd
FROM scratch
COPY --from=rootfs / /
""") == []


def test_relative_sources_start_at_the_stage_root(tmp_path):
    fs = found(tmp_path, BUILD + """
FROM debian:bookworm
COPY --from=build go/pkg /x
COPY --from=build ./ /y
""")
    assert [f.line for f in fs] == [7, 8]
