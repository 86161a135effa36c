"""Names from a manifest (YAML allows "\\e" escapes) never reach the terminal as raw control characters."""

MANIFEST = r'''apiVersion: apps/v1
kind: Deployment
metadata: {name: "ap\e[31mp"}
spec:
  template:
    spec:
      containers:
      - name: "c\e]0;title\a"
        image: x
        resources: {limits: {memory: 1Gi}}
'''


def test_runtime_text_output_has_no_raw_control_characters(cli, tmp_path):
    p = tmp_path / "deploy.yaml"
    p.write_text(MANIFEST)
    r = cli(["runtime", "--no-color", "--assume-go", str(p)])
    assert r.code == 1
    assert "\x1b" not in r.out and "\x07" not in r.out
    assert "note: assumed Go for 1 container (Deployment/ap\\x1b[31mp/c\\x1b]0;title\\x07)" in r.out
