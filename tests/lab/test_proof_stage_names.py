"""Proof: how BuildKit resolves a stage name that two stages share, and that golayer's Dockerfile model
(``DockerfileModel.stage_named``) resolves it the same way (docs/measurements.md, "Duplicate stage names").

* ``FROM a`` takes the last stage named ``a`` defined before that FROM line;
* ``COPY --from=a``, ``RUN --mount=from=a`` and ``--target a`` take the last stage named ``a`` in the file,
  even from a line above it (whose build then reads that stage before its own instructions ran);
* the legacy builder refuses the file ("a stage name already used").
"""

from __future__ import annotations

import pytest

from golayer.dockerfile.build import build_model

pytestmark = pytest.mark.docker

SHARED = """FROM debian:bookworm AS a
RUN echo first > /marker
FROM a AS between
RUN cp /marker /based
FROM debian:bookworm AS a
RUN echo second > /marker
FROM a AS after
RUN --mount=type=bind,from=a,target=/m cp /m/marker /mounted && cp /marker /based
FROM debian:bookworm
COPY --from=a /marker /copied
COPY --from=between /based /from-between
COPY --from=after /based /from-after
COPY --from=after /mounted /mounted
"""

# COPY --from=a written between the two stages named a: BuildKit still takes the second one
EARLY_COPY = """FROM debian:bookworm AS a
RUN echo first > /marker
FROM debian:bookworm AS early
COPY --from=a /marker /copied
FROM debian:bookworm AS a
RUN echo second > /marker
FROM early
"""


def _cat(lab, tag: str, *paths: str) -> list[str]:
    cp = lab.run(tag, "-c", " && ".join(f"cat {p}" for p in paths), entrypoint="/bin/sh")
    assert cp.returncode == 0, cp.stderr
    return cp.stdout.split()


def test_duplicate_stage_names_in_buildkit_and_in_the_model(lab, tmp_path):
    ctx = lab.context({"README": "context\n"})
    lab.build(SHARED, ctx, "dup-names", no_cache=True)
    got = _cat(lab, lab.tag("dup-names"), "/copied", "/from-between", "/from-after", "/mounted")
    assert got == ["second", "first", "second", "second"]
    lab.build(SHARED, ctx, "dup-names-target", target="a", no_cache=True)
    assert _cat(lab, lab.tag("dup-names-target"), "/marker") == ["second"]
    res = lab.build(EARLY_COPY, ctx, "dup-names-early", no_cache=True, check=False)
    assert not res.ok and "/marker: no such file or directory" in (res.error or "") + res.output
    res = lab.build(SHARED, ctx, "dup-names-legacy", builder="legacy", check=False)
    assert not res.ok and "a stage name already used" in res.output

    # golayer's model: the same answers
    df = tmp_path / "Dockerfile"
    df.write_text(SHARED)
    m = build_model(df)
    first, between, second, after, final = m.stages
    assert between.base_stage is first and after.base_stage is second
    assert m.stage("a") is second and after.depends_on == {2} and final.depends_on == {2, 1, 3}
    t = build_model(df, target="a")
    assert t.target is t.stages[2]
    df.write_text(EARLY_COPY)
    m = build_model(df)
    assert m.stage("a") is m.stages[2] and m.stages[1].depends_on == {2}
