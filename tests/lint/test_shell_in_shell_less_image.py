"""shell-in-shell-less-image (GLD014)."""

from tests.lint.final_helpers import dedent, fixed_text, relint
from tests.lint.helpers import lint, of_rule

RULE = "shell-in-shell-less-image"

BUILD = """
    FROM golang:1.22 AS build
    RUN CGO_ENABLED=0 go build -o /out/app .
"""


def found(tmp_path, df, **kw):
    return of_rule(lint(tmp_path, df, **kw), RULE)


def test_shell_form_entrypoint_on_distroless(tmp_path):
    fs = found(tmp_path, BUILD + """
    FROM gcr.io/distroless/static-debian12:nonroot
    COPY --from=build /out/app /app
    ENTRYPOINT /app --listen :8080
    """)
    assert len(fs) == 1
    f = fs[0]
    assert f.line == 6 and f.severity.name == "ERROR"  # BUILD + blank line
    assert "/app --listen :8080" in f.message and "gcr.io/distroless/static-debian12:nonroot" in f.message
    assert str(f.fix.applicability) == "safe"


def test_every_shell_less_base(tmp_path):
    for base in ("scratch", "gcr.io/distroless/base-debian12", "cgr.dev/chainguard/static:latest",
                 "gcr.io/distroless/cc-debian12:nonroot"):
        fs = found(tmp_path, f"""
            FROM {base}
            COPY app /app
            CMD /app
        """)
        assert len(fs) == 1, base


def test_exec_form_and_shell_bases_pass(tmp_path):
    assert found(tmp_path, """
        FROM scratch
        COPY app /app
        ENTRYPOINT ["/app"]
        CMD ["--port", "8080"]
        HEALTHCHECK CMD ["/app", "health"]
    """) == []
    for base in ("alpine:3.20", "debian:bookworm"):
        assert found(tmp_path, f"""
            FROM {base}
            COPY app /app
            CMD /app
        """) == [], base


def test_shell_form_healthcheck_and_run(tmp_path):
    fs = found(tmp_path, """
        FROM scratch
        COPY app /app
        RUN /app migrate
        HEALTHCHECK --interval=5s CMD /app health || exit 1
        ENTRYPOINT ["/app"]
    """)
    assert [(f.line, "RUN" in f.message, "HEALTHCHECK" in f.message) for f in fs] == [
        (3, True, False), (4, False, True)]
    # the compound healthcheck has no automatic fix, the RUN has one
    by_line = {f.line: f for f in fs}
    assert by_line[4].fix is None and by_line[3].fix is not None


def test_heredoc_run_in_scratch_stage(tmp_path):
    fs = found(tmp_path, """
        FROM golang:1.22 AS build
        RUN go build -o /out/app .
        FROM scratch AS final
        COPY --from=build /out/app /app
        RUN <<EOF
        /app init
        EOF
        ENTRYPOINT ["/app"]
    """)
    assert [f.line for f in fs] == [5] and fs[0].stage == "final"
    assert fs[0].fix is None  # heredocs are never rewritten


def test_inherited_cmd_through_from_stage(tmp_path):
    fs = found(tmp_path, """
        FROM scratch AS base
        COPY app /app
        CMD /app
        FROM base AS final
        LABEL x=y
    """)
    assert [f.line for f in fs] == [3]


def test_entrypoint_in_child_stage_resets_inherited_cmd(tmp_path):
    assert found(tmp_path, """
        FROM scratch AS base
        COPY app /app
        CMD /app
        FROM base
        ENTRYPOINT ["/app"]
    """) == []


def test_shell_form_cmd_under_exec_entrypoint_is_not_run_by_sh(tmp_path):
    assert found(tmp_path, """
        FROM scratch
        COPY app /app
        ENTRYPOINT ["/app"]
        CMD --port 8080
    """) == []


def test_shell_instruction_or_copied_shell_makes_it_unknown(tmp_path):
    assert found(tmp_path, """
        FROM scratch
        COPY --from=busybox:1.36 /bin/busybox /bin/sh
        RUN echo hi
        CMD /app
    """) == []
    assert found(tmp_path, """
        FROM scratch
        SHELL ["/busybox/sh", "-c"]
        CMD /app
    """) == []


def test_unused_stage_and_unknown_base_are_silent(tmp_path):
    assert found(tmp_path, """
        FROM scratch AS unused
        RUN echo never built
        FROM example.com/mystery:1
        CMD /app
    """) == []


def test_fix_rewrites_to_exec_form_byte_for_byte(tmp_path):
    df = BUILD + """
    FROM gcr.io/distroless/static-debian12:nonroot
    COPY --from=build /out/app /app
    ENTRYPOINT  /app --listen ":8080"   
    HEALTHCHECK --interval=5s CMD /app health
    """
    new = fixed_text(tmp_path, df, RULE)
    want = dedent(df).replace('ENTRYPOINT  /app --listen ":8080"   ',
                              'ENTRYPOINT  ["/app", "--listen", ":8080"]   ')
    want = want.replace("CMD /app health", 'CMD ["/app", "health"]')
    assert new == want
    assert of_rule(relint(tmp_path, new), RULE) == []
    assert all(f.fix is None for f in of_rule(relint(tmp_path, new), RULE))


def test_no_fix_for_variables_or_multiline(tmp_path):
    fs = found(tmp_path, """
        FROM scratch
        CMD /app --port $PORT
    """)
    assert len(fs) == 1 and fs[0].fix is None
    fs = found(tmp_path, """
        FROM scratch
        CMD /app \\
            --port 80
    """)
    assert len(fs) == 1 and fs[0].fix is None


def test_copying_the_binary_into_a_bin_directory_is_not_a_shell(tmp_path):
    fs = found(tmp_path, BUILD + """
    FROM gcr.io/distroless/static-debian12:nonroot
    COPY --from=build /out/app /usr/bin/
    COPY --from=build /out/app /bin/app
    CMD app
    """)
    assert len(fs) == 1
    assert found(tmp_path, """
        FROM scratch
        COPY --from=busybox:1.36-musl /bin /bin
        CMD app
    """) == []


def test_distroless_debug_has_no_bin_sh(tmp_path):
    fs = found(tmp_path, """
        FROM gcr.io/distroless/base-debian12:debug
        RUN mkdir /opt/x
        CMD /app
    """)
    assert [f.line for f in fs] == [2, 3]
    assert "/busybox/sh" in fs[0].hint
    # with SHELL pointing at busybox the shell form works
    assert found(tmp_path, """
        FROM gcr.io/distroless/base-debian12:debug
        SHELL ["/busybox/sh", "-c"]
        RUN mkdir /opt/x
    """) == []
