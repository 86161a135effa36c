"""Messages name a stage one way: `stage 0` / `stage build`, as in the `(stage 0)` header, never `stage '0'`."""

import json

DF = """FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN go build -o /app .
FROM debian:12 AS run
COPY --from=build / /
ENTRYPOINT /app
"""


def test_no_quoted_stage_labels_in_messages_fixes_or_hints(cli, tmp_path):
    df = tmp_path / "Dockerfile"
    df.write_text(DF)
    r = cli(["lint", "-f", "json", str(df)])
    data = json.loads(r.out)
    texts = []
    for f in data["findings"]:
        texts += [f["message"], f["hint"] or "", (f["fix"] or {}).get("description", "")]
    assert texts and any("stage run" in t or "stage build" in t for t in texts)
    assert not [t for t in texts if "stage '" in t]
