"""A make target golayer cannot follow because the Makefile is outside the assumed build context says which
directory it took as the context and how to give another, instead of claiming the file is not in "the" context."""

from tests.conftest import run_cli

DOCKERFILE = """\
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN make build

FROM scratch
COPY --from=build /src/app /app
ENTRYPOINT ["/app"]
"""


def test_unresolved_make_names_the_assumed_context(tmp_path):
    (tmp_path / "Makefile").write_text("build:\n\tgo build -o app .\n")
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text(DOCKERFILE)
    r = run_cli(["lint", "-v", "docker/Dockerfile"], cwd=tmp_path)
    notes = [ln for ln in (r.out + r.err).splitlines() if "`make build` not resolved" in ln]
    assert notes, r.err
    assert notes[0].endswith("`Makefile` is not in the build context docker (the Dockerfile's directory; "
                             "`golayer lint --context DIR` for another)"), notes[0]
    r = run_cli(["lint", "-v", "--context", ".", "docker/Dockerfile"], cwd=tmp_path)
    assert "`make build` not resolved" not in r.out + r.err, r.out
