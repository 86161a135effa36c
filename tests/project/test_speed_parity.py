"""What was made faster for big repositories (issue 12) gives exactly what the plain way gives:
renders run a few at a time, image/service -> build lookups through indexes, the known-image screen."""

from __future__ import annotations

import fnmatch
import random
import time
from pathlib import Path

from golayer import project as project_mod
from golayer.knowledge import images
from golayer.project import ImageBuild, Project, normalize_image


def write(p: Path, text: str) -> None:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def _overlays(root: Path, n: int) -> None:
    write(root / "base/kustomization.yaml", "resources:\n- app.yaml\n")
    write(root / "base/app.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n"
          "  template:\n    spec:\n      containers:\n      - name: app\n        image: acme/app:1\n"
          "        resources:\n          limits:\n            memory: 1Gi\n")
    for i in range(n):
        write(root / f"overlays/o{i}/kustomization.yaml",
              f"namePrefix: o{i}-\nresources:\n- ../../base\npatches:\n- path: p.yaml\n")
        write(root / f"overlays/o{i}/p.yaml",
              "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n"
              "      containers:\n      - name: app\n        env:\n        - name: GOMEMLIMIT\n"
              f"          value: {i + 1}00Mi\n")


def test_concurrent_renders_give_the_report_of_one_at_a_time(tmp_path, cli, kubectl, monkeypatch):
    _overlays(tmp_path, 6)
    together = cli(["check", str(tmp_path), "-f", "json"])
    monkeypatch.setattr(project_mod, "RENDER_JOBS", 1)
    alone = cli(["check", str(tmp_path), "-f", "json"])
    assert together.code == alone.code == 1
    assert together.out == alone.out
    assert together.out.count('"kind": "kustomize"') == 6


def test_render_results_do_not_depend_on_which_finishes_first():
    items = [Path(f"k{i}") for i in range(9)]
    delays = {id(p): random.Random(i).random() / 50 for i, p in enumerate(items)}

    def render(p):
        time.sleep(delays[id(p)])
        return str(p), None

    said = []
    got = project_mod._render_all(items, render, said.append, "kustomize")
    assert {k: v for k, v in got.items()} == {id(p): (str(p), None) for p in items}
    assert said[0] == "kustomize 0/9" and said[-1] == "kustomize 9/9" and len(said) == 10


def _naive_for_image(proj: Project, ref: str):
    want = normalize_image(ref)
    if want is None:
        return None
    hits = [b for b in proj.builds if any(normalize_image(i) == want for i in b.images)]
    if not hits:
        name = want.rsplit(":", 1)[0]
        hits = [b for b in proj.builds if any((normalize_image(i) or "").rsplit(":", 1)[0] == name for i in b.images)]
        if len({b.dockerfile for b in hits}) != 1:
            return None
    return hits[0] if hits else None


def test_build_lookups_match_a_scan_of_every_build(tmp_path):
    rng = random.Random(7)
    names = ["app", "api", "docker.io/library/web", "ghcr.io/o/worker", "reg:5000/x/job", "${REG}/svc", ""]
    tags = ["", ":1", ":dev", ":latest", "@sha256:" + "a" * 64]
    builds = []
    for i in range(40):
        df = tmp_path / f"d{i % 7}" / "Dockerfile"
        write(df, "FROM scratch\n")
        imgs = tuple(rng.choice(names) + rng.choice(tags) for _ in range(rng.randint(0, 3)))
        builds.append(ImageBuild(dockerfile=df, context=df.parent, target=None, build_args={}, images=imgs,
                                 origin=f"b{i}", dockerignore=None))
    proj = Project(root=tmp_path, builds=builds)
    for i in range(10):
        proj.service_builds[(tmp_path / ("compose.yaml" if i % 2 else "compose.override.yaml"), f"s{i % 4}")] = \
            builds[i]
    refs = [n + t for n in names for t in tags] + ["APP", "app:2", "library/app", "index.docker.io/app:1"]
    for ref in refs:
        assert proj.build_for_image(ref) is _naive_for_image(proj, ref), ref
    for f in ("compose.yaml", "compose.override.yaml", "./compose.yaml", "other.yaml"):
        for s in ("s0", "s1", "s2", "s3", "s9"):
            want = next((b for (ff, ss), b in proj.service_builds.items()
                         if ss == s and ff.resolve() == (tmp_path / f).resolve()), None)
            assert proj.build_for_service(tmp_path / f, s) is want
    for d in range(8):
        df = tmp_path / f"d{d}" / "Dockerfile"
        assert proj.builds_for(df) == [b for b in builds if b.dockerfile.resolve() == df.resolve()]
    # a build added later is found (the indexes follow the list)
    extra = ImageBuild(dockerfile=tmp_path / "d0/Dockerfile", context=tmp_path, target=None, build_args={},
                       images=("brand-new:1",), origin="late", dockerignore=None)
    proj.builds.append(extra)
    assert proj.build_for_image("brand-new:1") is extra


def test_known_image_screen_never_drops_a_match():
    pats = [p for e in images.entries() for p in e["repos"]]
    cands = {"ghcr.io/acme/app", "nginx", "library/nginx", "x/pgbouncer", "", "a"}
    for p in pats:
        for fill in ("", "x", "abc/def", "-controller", "nginx"):
            cands.add(p.replace("*", fill).replace("?", "q"))
    for c in sorted(cands):
        assert images._in_some_entry(c) == any(fnmatch.fnmatchcase(c, p) for p in pats), c
