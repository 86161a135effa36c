"""A hint that the message already says is not printed a second time (text, github, sarif)."""

import json

import pytest

MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: app
          image: example.com/api:1
          env:
            - {name: GOMEMLIMIT, value: 768Mi}
          resources:
            limits: {memory: 1Gi}
"""


@pytest.mark.parametrize("fmt", ["text", "github", "sarif"])
def test_hint_contained_in_message_is_shown_once(cli, tmp_path, fmt):
    m = tmp_path / "deploy.yaml"
    m.write_text(MANIFEST)
    findings = json.loads(cli(["runtime", "-f", "json", str(m)]).out)["findings"]
    repeated = [f for f in findings if f["hint"] and f["hint"] in f["message"]]
    assert repeated, "fixture should produce a finding whose message contains its hint"
    out = cli(["runtime", "-f", fmt, str(m)]).out
    if fmt == "sarif":
        out = "\n".join(r["message"]["text"] for r in json.loads(out)["runs"][0]["results"])
    for f in repeated:
        assert out.count(f["hint"]) == out.count(f["message"]) >= 1, out
    if fmt == "text":
        assert "= hint: " + repeated[0]["hint"] + "\n" not in out
