"""Bytes stored in the image's layers but invisible in its filesystem.

## What it finds
Files that a layer stores but a later layer hides -- deleted (`rm`, a whiteout), overwritten,
hidden by an opaque directory, or replaced by a file/directory of another type. The count is
exact (`wasted = total - visible`, every hidden file counted once, in the layer that hid it), and
it names the layers that wasted the most and their biggest hidden paths. `chmod`/`chown` copy-ups
(same size, new mode or owner) are reported separately as metadata-only rewrites. Reported when
the wasted bytes reach `wasted-threshold` (`[tool.golayer.image]`, default 1 MB).

## Why it is bad
Every layer is downloaded and stored whole: a file deleted in a later `RUN` still costs its full
size for every pull and every node. dive's "wasted space" is not this number: it also counts the
surviving copy of an overwritten file, counts 0 for `rm -rf dir`, and ignores opaque whiteouts
(measured on synthetic images, see docs/image.md), so its efficiency score can call a wasteful
image "100% efficient".

## Example
Bad:
```dockerfile
RUN apt-get update && apt-get install -y build-essential
RUN make && apt-get purge -y build-essential && rm -rf /var/lib/apt/lists/*
RUN chown -R app:app /opt/app
```
Good:
```dockerfile
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
 && make && apt-get purge -y build-essential && rm -rf /var/lib/apt/lists/*
COPY --chown=app:app app /opt/app
```

## Fix
No automatic fix. Delete in the same `RUN` that creates, use multi-stage builds, and set owners
and modes while copying (`COPY --chown/--chmod`) instead of in a later `RUN`.

## References
- OCI image spec, layer changesets and whiteouts: https://github.com/opencontainers/image-spec/blob/main/layer.md
"""

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.rules.image._util import bytes_exact, human, layer_desc

RULE = Rule("GLI007", "image-wasted-bytes", Severity.WARNING, "layers store bytes that later layers hide (deleted or overwritten files)")

DEFAULT_THRESHOLD = 1_000_000


def _threshold(ana) -> int:
    from golayer.image.units import parse_size

    raw = (getattr(ana, "settings", None) or {}).get("wasted-threshold")
    return DEFAULT_THRESHOLD if raw is None else parse_size(raw, "wasted-threshold")


def check(ana):
    if ana.wasted_bytes <= 0 or ana.wasted_bytes < _threshold(ana):
        return
    by_hider: dict[int, list] = {}
    for h in ana.hidden:
        by_hider.setdefault(h[3], []).append(h)
    worst = sorted(by_hider.items(), key=lambda kv: -sum(x[1] for x in kv[1]))
    parts = []
    for hider, items in worst[:3]:
        total = sum(x[1] for x in items)
        biggest = sorted(items, key=lambda x: -x[1])[:3]
        paths = ", ".join(f"{p} ({human(s)} from layer {w})" for p, s, w, _h, _c in biggest)
        parts.append(f"{layer_desc(ana, hider)} hides {human(total)}: {paths}")
    pct = 100.0 * ana.wasted_bytes / ana.total_bytes if ana.total_bytes else 0.0
    meta = ""
    if ana.metadata_only_bytes:
        meta = f" ({bytes_exact(ana.metadata_only_bytes)} of it are chmod/chown copy-ups)"
    msg = (f"{bytes_exact(ana.wasted_bytes)} ({pct:.1f}% of {human(ana.total_bytes)}) are stored in layers but"
           f" invisible in the final filesystem{meta}; " + "; ".join(parts))
    top = worst[0][0] if worst else None
    yield RULE.finding(msg, hint="delete in the same RUN that creates, use multi-stage builds and COPY --chown/--chmod",
                       location=ana.ref, layer=top, bytes=ana.wasted_bytes,
                       metadata_only_bytes=ana.metadata_only_bytes, subject="wasted")
