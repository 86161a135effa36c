"""runs-as-root (GLD013)."""

import pytest

from tests.lint.final_helpers import dedent, fixed_text, relint
from tests.lint.helpers import lint, of_rule

RULE = "runs-as-root"


def found(tmp_path, df, **kw):
    return of_rule(lint(tmp_path, df, **kw), RULE)


def test_no_user_on_root_base_is_flagged(tmp_path):
    fs = found(tmp_path, """
        FROM golang:1.22 AS build
        RUN CGO_ENABLED=0 go build -o /out/app .
        FROM debian:bookworm-slim
        COPY --from=build /out/app /app
        ENTRYPOINT ["/app"]
    """)
    assert len(fs) == 1
    assert fs[0].line == 3 and fs[0].stage == "1"
    assert "no USER" in fs[0].message and "debian:bookworm-slim" in fs[0].message


def test_explicit_root_user_is_flagged_at_the_user_line(tmp_path):
    for user in ("root", "0", "0:0", "root:root"):
        fs = found(tmp_path, f"""
            FROM alpine:3.20
            USER app
            USER {user}
            CMD ["/app"]
        """)
        assert [f.line for f in fs] == [3], user


def test_scratch_without_user_runs_as_root(tmp_path):
    fs = found(tmp_path, """
        FROM scratch
        COPY app /app
        ENTRYPOINT ["/app"]
    """)
    assert len(fs) == 1


def test_non_root_users_pass(tmp_path):
    for user in ("65532", "65532:65532", "nonroot", "app:app", "1000:0"):
        assert found(tmp_path, f"""
            FROM debian:bookworm
            USER {user}
            CMD ["/app"]
        """) == [], user


def test_distroless_nonroot_is_not_root(tmp_path):
    assert found(tmp_path, """
        FROM gcr.io/distroless/static-debian12:nonroot
        COPY app /app
        ENTRYPOINT ["/app"]
    """) == []
    assert len(found(tmp_path, """
        FROM gcr.io/distroless/static-debian12
        COPY app /app
        ENTRYPOINT ["/app"]
    """)) == 1


def test_unknown_base_without_user_stays_silent(tmp_path):
    assert found(tmp_path, """
        FROM registry.example.com/team/runtime:7
        COPY app /app
    """) == []


def test_user_from_variable_stays_silent(tmp_path):
    assert found(tmp_path, """
        FROM debian:bookworm
        ARG UID
        USER $UID
    """) == []


def test_only_the_target_stage_counts(tmp_path):
    # the builder runs as root, the target does not
    assert found(tmp_path, """
        FROM golang:1.22 AS build
        RUN go build -o /out/app .
        FROM gcr.io/distroless/static-debian12:nonroot
        COPY --from=build /out/app /app
    """) == []
    # --target picks the app stage, which runs as root
    df = """
        FROM golang:1.22 AS app
        RUN go build -o /out/app .
        CMD ["/out/app"]
        FROM gcr.io/distroless/static-debian12:nonroot
        COPY --from=app /out/app /app
    """
    fs = found(tmp_path, df, target="app")
    assert [f.stage for f in fs] == ["app"]
    # a dev stage as the target: a development image that installs and writes as root on purpose
    assert found(tmp_path, df.replace("app", "dev"), target="dev") == []


def test_user_inherited_through_from_stage(tmp_path):
    assert found(tmp_path, """
        FROM debian:bookworm AS base
        RUN useradd -u 1000 app
        USER app
        FROM base AS final
        COPY app /app
        CMD ["/app"]
    """) == []
    fs = found(tmp_path, """
        FROM debian:bookworm AS base
        USER app
        FROM base AS final
        USER root
        RUN <<EOF
        apt-get update
        EOF
        CMD ["/app"]
    """)
    assert [f.line for f in fs] == [4]


def test_unsafe_fix_inserts_numeric_user_before_cmd(tmp_path):
    df = """
        FROM golang:1.22 AS build
        RUN CGO_ENABLED=0 go build -o /out/app .

        FROM debian:bookworm-slim
        RUN apt-get update
        COPY --from=build /out/app /app
        # start it
        CMD ["/app"]
    """
    fs = found(tmp_path, df)
    assert fs[0].fix is not None and str(fs[0].fix.applicability) == "unsafe"
    new = fixed_text(tmp_path, df, RULE)
    assert new == dedent(df).replace('# start it\nCMD', '# start it\nUSER 65532:65532\nCMD')
    assert of_rule(relint(tmp_path, new), RULE) == []


def test_fix_appends_at_end_without_newline(tmp_path):
    df = "FROM scratch\nENTRYPOINT [\"/app\"]\nCOPY app /app"
    (tmp_path / "Dockerfile").write_text(df)
    new = fixed_text(tmp_path, df, RULE)
    assert new == df + "\nUSER 65532:65532\n"


def test_no_program_no_finding(tmp_path):
    # a data/bundle image: no ENTRYPOINT/CMD, whoever runs it picks program and user
    assert found(tmp_path, """
        FROM alpine:3.20
        COPY manifests/ /manifests/
    """) == []


@pytest.mark.parametrize("ep", ['ENTRYPOINT ["su-exec", "app", "/app"]', 'ENTRYPOINT ["gosu", "1000", "/app"]',
                                'CMD ["setpriv", "--reuid=1000", "--regid=1000", "--init-groups", "/app"]',
                                "CMD s6-setuidgid app /app", 'ENTRYPOINT ["runuser", "-u", "app", "--", "/app"]'])
def test_entrypoint_that_drops_privileges_is_fine(tmp_path, ep):
    assert found(tmp_path, "FROM alpine:3.20\nRUN apk add su-exec\nCOPY app /app\n" + ep + "\n") == []


def test_entrypoint_script_that_drops_privileges_is_fine(tmp_path):
    script = "#!/bin/sh\nset -e\nchown -R app /data\nexec su-exec app /app \"$@\"\n"
    df = """
        FROM alpine:3.20
        COPY app /app
        COPY docker-entrypoint.sh /usr/local/bin/
        ENTRYPOINT ["docker-entrypoint.sh"]
    """
    assert found(tmp_path, df, files={"docker-entrypoint.sh": script}) == []
    # the same script without the switch: root all the way
    fs = found(tmp_path, df, files={"docker-entrypoint.sh": "#!/bin/sh\nexec /app \"$@\"\n"})
    assert len(fs) == 1


def test_no_user_fix_where_it_would_break_the_image(tmp_path):
    fs = found(tmp_path, """
        FROM debian:bookworm-slim
        RUN mkdir -p /var/lib/app
        VOLUME /var/lib/app
        COPY app /app
        CMD ["/app"]
    """)
    assert len(fs) == 1 and fs[0].fix is None


def test_entrypoint_script_copied_from_a_builder_stage_is_read(tmp_path):
    # seen in the corpus: the builder copies the whole context, the runtime stage takes the script from it
    script = "#!/bin/sh\nchown -R \"$PUID:$PGID\" /var/data\nexec su-exec \"$PUID:$PGID\" \"$@\"\n"
    assert found(tmp_path, """
        FROM golang:1.22 AS builder
        WORKDIR /src
        COPY . .
        RUN CGO_ENABLED=0 go build -o /out/app .
        FROM alpine:3.20
        RUN apk add --no-cache su-exec
        COPY --from=builder /out/app /bin/app
        COPY --from=builder /src/script/docker-entrypoint.sh /bin/entrypoint.sh
        ENTRYPOINT ["/bin/entrypoint.sh", "/bin/app"]
    """, files={"script/docker-entrypoint.sh": script}) == []


def test_test_suite_images_deep_in_the_project_are_not_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    df = 'FROM alpine:3.20\nCOPY agent /agent\nENTRYPOINT ["/agent"]\n'
    assert found(tmp_path, df, name="test/integration/suites/rotation/Dockerfile") == []
    assert len(found(tmp_path, df, name="deploy/agent/Dockerfile")) == 1


def test_unreadable_entrypoint_script_is_unknown_and_su_with_a_variable_user(tmp_path):
    # the script comes from an image golayer cannot read: whether it drops root is unknown
    assert found(tmp_path, """
        FROM alpine:3.20
        COPY --from=example.com/tools:1 /entrypoint.sh /entrypoint.sh
        COPY app /app
        ENTRYPOINT ["/sbin/tini", "--", "/entrypoint.sh"]
    """) == []
    # seen in the corpus: `exec su $USER -c "..."` in a script under docker/
    assert found(tmp_path, """
        FROM alpine:3.20
        COPY docker ./docker
        ENTRYPOINT ["./docker/entrypoint.sh"]
    """, files={"docker/entrypoint.sh": '#!/bin/sh\nexec su $USER -c "/app/server"\n'}) == []


def test_one_shot_copy_job_is_not_reported(tmp_path):
    df = 'FROM alpine:3.20\nCOPY ca.pem /pki/ca.pem\nVOLUME ["/pki-out"]\nENTRYPOINT {}\n'
    assert found(tmp_path, df.format("cp /pki/ca.pem /pki-out/ca.pem")) == []
    assert len(found(tmp_path, df.format('["/app/server"]'))) == 1
