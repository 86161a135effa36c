"""An image gate from the command line or config failed.

## What it finds
The thresholds a team sets for its images -- `--max-size`, `--max-wasted` (bytes or percent of the
image), `--min-efficiency` (visible / total bytes), `--min-dive-efficiency` (dive's score, so
`.dive-ci` thresholds carry over) and `--forbid-category NAME` -- or the same keys in
`[tool.golayer.image]` (`max-size`, `max-wasted`, `min-efficiency`, `min-dive-efficiency`,
`forbid-category`). One finding per violated gate, with the measured value and the limit.

## Why it is bad
A gate is a promise the team made about its images (size budget, no build debris); a violation
means a change broke it. Sizes are exact byte counts from the layer tars, not estimates.

## Example
Bad (`golayer image app.tar --max-size 50MB` on a 650.6 MB single-stage image):
```
image-gate: image is 650.6 MB (650,600,000 bytes), over the --max-size gate of 50.0 MB
```
Good: a multi-stage build with the binary on `scratch` (9.4 MB) passes the same gate.

## Fix
No automatic fix: change the Dockerfile (or the gate).

## References
- docs/image.md, "Gates"
"""

from golayer.catalogue import Rule
from golayer.findings import Severity

RULE = Rule("GLI011", "image-gate", Severity.ERROR, "an image size, waste, efficiency or category gate failed")


def check(ana):
    """Gates are evaluated by `golayer image` (they need the flags); see golayer.commands.image."""
    for f in getattr(ana, "gate_findings", []):
        yield f
