"""Categories by content signature, wherever caches and toolchains live."""

from golayer.image.categories import CATEGORIES, Categoriser


def test_signatures_not_default_paths():
    paths = [
        "/ci/gocache/README", "/ci/gocache/trim.txt", "/ci/gocache/3f", "/ci/gocache/3f/3fab-d",
        "/ws/pkg/mod/cache/download/github.com/a/b/@v/v1.0.0.zip", "/ws/pkg/mod/github.com/a/b@v1.0.0/b.go",
        "/opt/sdk/go1.22/VERSION", "/opt/sdk/go1.22/src/runtime", "/opt/sdk/go1.22/src/runtime/proc.go",
        "/opt/sdk/go1.22/pkg/tool", "/opt/sdk/go1.22/bin/go",
        "/notcache/README", "/notcache/trim.txt",  # no hex dirs: not a build cache
    ]
    cz = Categoriser(paths, {"XDG_CONFIG_HOME": "/cfg"})
    c = cz.category
    assert c("/ci/gocache/3f/3fab-d") == "go-build-cache"
    assert c("/notcache/trim.txt") == "other"
    assert c("/ws/pkg/mod/github.com/a/b@v1.0.0/b.go") == "go-module-cache"
    assert c("/opt/sdk/go1.22/bin/go", True) == "go-toolchain"  # toolchain outranks go-binary
    assert c("/cfg/go/env") == "go-env-file" and c("/home/u/.config/go/telemetry/local/x.count") == "go-env-file"
    assert c("/src/.git/objects/ab/cd") == "vcs-metadata" and c("/src/.gitignore") == "other"
    assert c("/var/cache/apt/archives/gcc.deb") == "package-manager-cache"
    assert c("/var/lib/apt/lists/deb.debian.org_dists") == "package-manager-cache"
    assert c("/root/.cache/pip/wheels/x.whl") == "package-manager-cache"
    assert c("/usr/lib/gcc/x86_64-linux-gnu/12/cc1") == "c-toolchain" and c("/usr/include/stdio.h") == "c-toolchain"
    assert c("/usr/bin/gcc") == "c-toolchain" and c("/usr/bin/ls") == "os-base"
    assert c("/app/server", True) == "go-binary" and c("/src/app/main.go") == "go-source"
    assert c("/src/app/go.sum") == "go-source" and c("/srv/data.bin") == "other"
    assert c("/usr/share/doc/git/contrib/persistent-https/main.go") == "os-base"
    assert set(CATEGORIES) == {"go-build-cache", "go-module-cache", "go-toolchain", "go-source", "vcs-metadata",
                               "go-env-file", "c-toolchain", "package-manager-cache", "go-binary", "os-base", "other"}
