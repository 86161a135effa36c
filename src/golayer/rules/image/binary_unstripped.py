"""Reports a Go binary that still carries DWARF debug info and a symbol table.

## What it finds
Go binaries in the final filesystem with a `.symtab` section (symbol table, plus its `.strtab`)
and/or `.debug_*`/`.zdebug_*` sections. The message gives the exact bytes of those sections —
what `-ldflags='-s -w'` would remove from the image.

## Why it is bad
They are dead weight at run time: nothing in a running Go program reads them. Measured (golayer's
facts, Go 1.27.3): `-ldflags='-s -w'` shrinks a small net/http service from 8.63 MB to 5.86 MB
(~32%); in golayer's own test builds a `fmt`-only program carries 831 kB of symbols and DWARF out
of 2.36 MB (35%). Stack traces, `runtime.Caller`, pprof profiles and panics keep working after
stripping: they use `.gopclntab`, which `-s -w` does not remove. What you lose is `dlv`/`gdb`
debugging of *that* file — keep an unstripped copy outside the image if you need it.

## Example
Bad:
```dockerfile
RUN CGO_ENABLED=0 go build -o /app .
```
Good:
```dockerfile
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /app .
```

## Fix
No automatic fix here (the image is already built); `golayer lint` suggests the flags on the
Dockerfile's `go build`. Severity is `info` by default: raise it with
`severity = { binary-unstripped = "warning" }` if size budgets matter to you.

## References
- `go tool link` flags `-s` and `-w`: https://pkg.go.dev/cmd/link
- `docs/go-binaries.md`
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.findings import Severity
from golayer.image.lookups import go_binaries
from golayer.rules.image._binaries import extra, human

RULE = Rule(
    code="GLI022",
    name="binary-unstripped",
    severity=Severity.INFO,
    summary="Go binary ships DWARF debug info and a symbol table that -ldflags='-s -w' would remove",
)


def check(analysis):
    for b in go_binaries(analysis):
        waste = b.debug_bytes + b.symtab_bytes
        if waste <= 0:
            continue
        pct = 100.0 * waste / b.size if b.size else 0.0
        yield RULE.finding(
            f"{b.path}: {human(waste)} of its {human(b.size)} ({pct:.0f}%) are DWARF debug info "
            f"({b.debug_bytes:,} bytes) and the symbol table ({b.symtab_bytes:,} bytes); "
            f"-ldflags='-s -w' removes them (stack traces and pprof keep working via .gopclntab)",
            hint="build with: go build -ldflags='-s -w' ...",
            extra=extra(analysis, b, debug_bytes=b.debug_bytes, symtab_bytes=b.symtab_bytes,
                        saved_bytes=waste),
        )
