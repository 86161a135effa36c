"""The editor server reloads its project model when a file that names builds changes: the same file
names the project walk reads builds from (compose overrides, bake overrides, every Makefile spelling,
scripts, CI workflows, Woodpecker/Drone pipelines, goreleaser) and .dockerignore; other files keep the cached
model."""

import pytest

from golayer.server.analysis import ProjectCache

BUILD_DEFINITIONS = ["compose.yaml", "compose.override.yaml", "docker-compose.yml", "docker-compose.prod.yaml",
                     "docker-bake.hcl", "docker-bake.override.hcl", "docker-bake.json", "Makefile", "makefile",
                     "GNUmakefile", "build/rules.mk", "hack/build-image.sh", ".goreleaser.yaml",
                     ".github/workflows/release.yml", ".woodpecker.yml", ".woodpecker/docker.yaml", ".drone.yml",
                     "app/.dockerignore", "Dockerfile.dockerignore"]
OTHER = ["main.go", "go.mod", "README.md", "deploy/deployment.yaml", "values.yaml", "Dockerfile",
         ".woodpecker/notes.md", ".github/dependabot.yml"]


@pytest.mark.parametrize("rel", BUILD_DEFINITIONS)
def test_a_build_definition_invalidates(tmp_path, rel):
    assert ProjectCache(tmp_path).affected_by(str(tmp_path / rel))
    assert ProjectCache(tmp_path).affected_by((tmp_path / rel).as_uri())


@pytest.mark.parametrize("rel", OTHER)
def test_other_files_keep_the_model(tmp_path, rel):
    assert not ProjectCache(tmp_path).affected_by(str(tmp_path / rel))
