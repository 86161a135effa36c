"""shell-form-entrypoint (GLD015)."""

from tests.lint.final_helpers import dedent, fixed_text, relint
from tests.lint.helpers import lint, of_rule

RULE = "shell-form-entrypoint"


def found(tmp_path, df, **kw):
    return of_rule(lint(tmp_path, df, **kw), RULE)


def test_debian_shell_form_cmd_is_flagged_with_dash_reason(tmp_path):
    fs = found(tmp_path, """
        FROM golang:1.22 AS build
        RUN go build -o /out/app .
        FROM debian:bookworm-slim
        COPY --from=build /out/app /usr/local/bin/app
        CMD app --listen :8080
    """)
    assert len(fs) == 1
    assert fs[0].line == 5 and "dash stays PID 1" in fs[0].message and "SIGTERM" in fs[0].message
    assert fs[0].fix.edits[0].text == '["app", "--listen", ":8080"]'


def test_alpine_single_simple_cmd_passes_but_compound_is_flagged(tmp_path):
    # busybox sh execs a single simple command (measured): the program gets SIGTERM
    assert found(tmp_path, """
        FROM alpine:3.20
        COPY app /app
        CMD /app --flag x
    """) == []
    assert found(tmp_path, """
        FROM golang:1.22-alpine
        CMD /app --port $PORT
    """) == []
    for cmd in ("/app && true", "/app; echo done", "/app | tee log", "/app > /tmp/log", "cd /srv && /app"):
        fs = found(tmp_path, f"""
            FROM alpine:3.20
            CMD {cmd}
        """)
        assert len(fs) == 1 and "compound" in fs[0].message, cmd


def test_entrypoint_shell_form_always_flagged(tmp_path):
    fs = found(tmp_path, """
        FROM alpine:3.20
        ENTRYPOINT /app --flag x
    """)
    assert len(fs) == 1 and "ignores CMD" in fs[0].message
    fs = found(tmp_path, """
        FROM debian:bookworm
        ENTRYPOINT exec /app
    """)
    assert len(fs) == 1 and "ignores CMD" in fs[0].message and "PID 1" not in fs[0].message


def test_exec_prefixed_cmd_passes_on_dash(tmp_path):
    assert found(tmp_path, """
        FROM debian:bookworm
        CMD exec /app --port "$PORT"
    """) == []


def test_exec_forms_and_shell_less_images_pass(tmp_path):
    assert found(tmp_path, """
        FROM debian:bookworm
        ENTRYPOINT ["/app"]
        CMD --port 8080
    """) == []
    assert found(tmp_path, """
        FROM scratch
        CMD /app
    """) == []  # shell-in-shell-less-image reports that one
    assert found(tmp_path, """
        FROM example.com/unknown:1
        CMD /app
    """) == []


def test_only_the_target_counts_and_inheritance(tmp_path):
    assert found(tmp_path, """
        FROM debian:bookworm AS dev
        CMD /app
        FROM gcr.io/distroless/static-debian12:nonroot
        CMD ["/app"]
    """) == []
    fs = found(tmp_path, """
        FROM debian:bookworm AS base
        CMD /app
        FROM base AS final
        RUN <<EOF
        useradd app
        EOF
    """)
    assert [(f.line, f.stage) for f in fs] == [(2, "base")]


def test_fix_exec_form_and_idempotent(tmp_path):
    df = """
        FROM debian:bookworm
        COPY app /usr/local/bin/app
        CMD   app --name 'my service' -v
    """
    new = fixed_text(tmp_path, df, RULE)
    assert new == dedent(df).replace("app --name 'my service' -v", '["app", "--name", "my service", "-v"]')
    assert of_rule(relint(tmp_path, new), RULE) == []


def test_entrypoint_fix_only_without_cmd_in_stage(tmp_path):
    fs = found(tmp_path, """
        FROM debian:bookworm
        ENTRYPOINT /app
        CMD ["--port", "80"]
    """)
    assert len(fs) == 1 and fs[0].fix is None
    df = """
        FROM debian:bookworm
        ENTRYPOINT exec /app serve
    """
    assert fixed_text(tmp_path, df, RULE) == dedent(df).replace("exec /app serve", '["/app", "serve"]')


def test_no_fix_for_shell_syntax(tmp_path):
    fs = found(tmp_path, """
        FROM ubuntu:24.04
        CMD /app --port ${PORT:-8080}
    """)
    assert len(fs) == 1 and fs[0].fix is None


def test_explicit_sh_c_in_exec_form(tmp_path):
    df = """
        FROM debian:bookworm
        CMD ["sh", "-c", "/app --port 8080"]
    """
    fs = found(tmp_path, df)
    assert len(fs) == 1 and "sh -c" in fs[0].message and "dash stays PID 1" in fs[0].message
    assert fixed_text(tmp_path, df, RULE) == dedent(df).replace('["sh", "-c", "/app --port 8080"]',
                                                                '["/app", "--port", "8080"]')
    # busybox sh execs a single simple command; a compound one keeps sh as PID 1
    assert found(tmp_path, 'FROM alpine:3.20\nENTRYPOINT ["/bin/sh", "-c", "/app"]\n') == []
    fs = found(tmp_path, 'FROM alpine:3.20\nENTRYPOINT ["/bin/sh", "-c", "/app migrate && /app"]\n')
    assert len(fs) == 1 and fs[0].fix is None
    assert found(tmp_path, 'FROM debian:bookworm\nCMD ["sh", "-c", "exec /app --port \\"$PORT\\""]\n') == []


def test_script_that_traps_term_handles_the_signal(tmp_path):
    assert found(tmp_path, """
        FROM alpine:3.20
        CMD ["sh", "-c", "trap exit INT HUP TERM; sleep infinity & wait"]
    """) == []
    assert found(tmp_path, """
        FROM debian:bookworm
        CMD trap 'kill $PID' TERM; /app & PID=$!; wait
    """) == []


def test_script_ending_in_exec_hands_pid_1_to_the_program(tmp_path):
    from tests.lint.helpers import lint, of_rule

    # seen in the corpus: CMD ["sh", "-c", "ulimit -n 65536 && exec /app/bin/server"]
    base = 'FROM debian:bookworm-slim\nCOPY server /app/bin/server\n'
    assert of_rule(lint(tmp_path, base + 'CMD ["sh", "-c", "ulimit -n 65536 && exec /app/bin/server"]\n'),
                   "shell-form-entrypoint") == []
    assert of_rule(lint(tmp_path, base + "CMD ulimit -n 65536; exec /app/bin/server --port 80\n"),
                   "shell-form-entrypoint") == []
    # exec piped into something else does not replace the shell that runs the pipeline
    assert len(of_rule(lint(tmp_path, base + 'CMD ["sh", "-c", "ulimit -n 65536 && /app/bin/server"]\n'),
                       "shell-form-entrypoint")) == 1


def test_one_shot_copy_job_is_not_reported(tmp_path):
    from tests.lint.helpers import lint, of_rule

    # seen in the corpus: a cert-generator image whose ENTRYPOINT copies a file out and exits
    base = "FROM debian:bookworm-slim\nCOPY ca.pem /pki/ca.pem\n"
    assert of_rule(lint(tmp_path, base + "ENTRYPOINT cp /pki/ca.pem /pki-out/ca.pem\n"), "shell-form-entrypoint") == []
    assert len(of_rule(lint(tmp_path, base + "ENTRYPOINT cp /pki/ca.pem /out/ && /app/server\n"),
                       "shell-form-entrypoint")) == 1
