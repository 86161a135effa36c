"""Hostile or broken Dockerfiles: golayer lint never crashes, and --fix converges to a fixed point."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golayer.dockerfile.engine import lint_path
from golayer.dockerfile.fixes import fix_content

LINES = [
    "FROM golang:1.22 AS build", "FROM build", "FROM scratch", "FROM ${IMG}", "FROM --platform=$BUILDPLATFORM alpine",
    "ARG IMG=alpine", "ARG VERSION", "ENV GO111MODULE=on", "ENV A B C", "ENV HOME=/home/x", "USER 1000", "USER app",
    "WORKDIR ../..", "WORKDIR src", "COPY . .", "COPY go.* ./", "COPY --from=build /app /app", "COPY --from=9 / /",
    "ADD . /src", "RUN go env -w GOPROXY=direct", "RUN go build -o /app . && go env -w GOFLAGS=-x",
    "RUN --mount=type=cache,target=/root/.cache/go-build go build ./...", "RUN <<EOF", "go env -w X=1", "EOF",
    "RUN sh -c 'go mod download; go env -w Y=2'", "RUN GO111MODULE=on go vet ./... \\", "    && go test ./...",
    "RUN [\"sh\", \"-c\", \"go build\"]", "CMD app", "ENTRYPOINT [\"/app\"]", "# golayer ignore=all",
    "# golayer global ignore=go-env-write", "# escape=`", "RUN useradd -m app", "ONBUILD RUN go build",
    "SHELL [\"/bin/bash\", \"-c\"]", "RUN apk add gcc", "HEALTHCHECK CMD wget -q localhost", "", "\\", "'", "\"",
    "RUN --mount=type=cache,target=/go/pkg/mod,id=x go mod download", "RUN cd /src && go build -o /b .",
]


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(LINES), min_size=0, max_size=14), st.sampled_from(["\n", "\r\n"]))
def test_lint_and_fix_never_crash_and_converge(tmp_path_factory, lines, nl):
    tmp = tmp_path_factory.mktemp("fuzz")
    (tmp / "go.mod").write_text("module x\n\ngo 1.22\n")
    path = tmp / "Dockerfile"
    text = nl.join(lines) + nl
    path.write_text(text, newline="")
    lint_path(path, content=text)
    fixed, _ = fix_content(path, text, unsafe=True)
    again, n = fix_content(path, fixed, unsafe=True)
    assert (again, n) == (fixed, 0)  # fixes converge: applying them again changes nothing
