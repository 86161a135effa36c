"""Flags shell-form commands in a stage whose image has no `/bin/sh`.

## What it finds
- A shell-form `CMD`, `ENTRYPOINT` or `HEALTHCHECK CMD` in effect for the **target stage**
  (set in it or inherited through `FROM <stage>`) when the target's base has no `/bin/sh`:
  `scratch`, `gcr.io/distroless/*`, `cgr.dev/chainguard/static`. This includes distroless
  `:debug` images: their busybox shell is `/busybox/sh`, and `/bin/sh` does not exist
  (GoogleContainerTools/distroless#419: `RUN mkdir` fails there with the same error).
- A shell-form `RUN` (including heredoc `RUN <<EOF`) in any stage the build runs whose base
  has no `/bin/sh`.

Not flagged: exec (JSON) forms; stages after a
`SHELL [...]` instruction or a `COPY` that brings a shell in (golayer cannot tell whether that
interpreter exists); bases unknown to golayer; a shell-form `CMD` under an exec-form
`ENTRYPOINT` (it is passed to the entrypoint as `/bin/sh -c ...` arguments rather than run).

## Why it is bad
Shell form means Docker runs `/bin/sh -c "<command>"`. Without `/bin/sh` the container never
starts. Measured: the container exits with code 127 and `exec: "/bin/sh": stat /bin/sh: no
such file or directory`; a shell-form `HEALTHCHECK` there reports `unhealthy` forever, so
orchestrators restart or never route to a healthy program. A shell-form `RUN` fails the build
the same way. The Dockerfile looks fine and builds (for CMD/ENTRYPOINT): the failure shows only
at run time.

## Example
Bad:
```dockerfile
FROM golang:1.22 AS build
RUN CGO_ENABLED=0 go build -o /app .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /app /app
ENTRYPOINT /app --listen :8080
```
Good:
```dockerfile
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /app /app
ENTRYPOINT ["/app", "--listen", ":8080"]
```

## Fix
Safe fix for a one-line command made of plain words (no variables, quotes with `$`,
operators, redirections, globs or shell builtins): rewrite it in exec form, e.g.
`ENTRYPOINT /app --listen :8080` → `ENTRYPOINT ["/app", "--listen", ":8080"]`. The shell form
cannot run at all in this image, so nothing that worked changes. Commands that need a shell
(`$PORT`, `&&`, pipes) get no automatic fix: expand the variables in the program itself (Go
reads `os.Getenv` at start-up) or use a base with a shell.

## References
- Dockerfile reference, shell and exec form: https://docs.docker.com/reference/dockerfile/#shell-and-exec-form
- distroless images (no shell): https://github.com/GoogleContainerTools/distroless
- distroless `:debug` has no `/bin/sh`: https://github.com/GoogleContainerTools/distroless/issues/419
- Proof (real containers, and the fix starting the program): `tests/lint/test_final_proofs.py::test_shell_form_on_scratch_exits_127_and_the_fix_starts`
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.dockerfile import final
from golayer.findings import Applicability, Severity

RULE = Rule(
    code="GLD014",
    name="shell-in-shell-less-image",
    severity=Severity.ERROR,
    summary="shell-form CMD/ENTRYPOINT/HEALTHCHECK or RUN in a stage whose image has no /bin/sh",
    fix=Applicability.SAFE,
)


def _finding(model, ins, stage, what, base):
    text = final.command_text(ins)
    edit = final.exec_form_edit(model, ins)
    fix = None
    if edit is not None:
        fix = RULE.fixed(f"rewrite {ins.cmd} in exec form: {edit.text}", [edit])
    hint = ("use exec (JSON) form" if fix else
            "use exec (JSON) form; move shell logic (variables, &&) into the program or use a base with a shell")
    if final.busybox_debug_shell(stage):
        hint += '; on :debug images the shell is /busybox/sh: SHELL ["/busybox/sh", "-c"] makes shell form work'
    return RULE.finding(
        f"{what} `{text}` needs /bin/sh, which {base.ref} (stage {stage.label}) does not have",
        file=str(model.path), line=ins.start_line, end_line=ins.end_line,
        stage=ins.stage.label if ins.stage else stage.label, hint=hint, fix=fix,
        subject=f"{ins.cmd} {text}",
    )


def check(model):
    seen: set[int] = set()
    target = model.target
    if target is not None:
        proc = final.effective_process(target)
        entries = []
        if proc.entrypoint is not None:
            entries.append((proc.entrypoint, "shell-form ENTRYPOINT"))
        if proc.cmd is not None and (proc.entrypoint is None or not proc.entrypoint.json_form):
            if proc.entrypoint is None:
                entries.append((proc.cmd, "shell-form CMD"))
        if proc.healthcheck is not None:
            entries.append((proc.healthcheck, "shell-form HEALTHCHECK CMD"))
        for ins, what in entries:
            if not final.is_shell_form(ins):
                continue
            if final.has_shell(target, before=None) is not False:
                continue
            seen.add(ins.index)
            yield _finding(model, ins, target, what, final.root_base(target))
    for stage in model.stages:
        if not (stage.needed or stage.is_target or stage.in_final_image):
            continue
        for ins in stage.instructions:
            if ins.cmd != "RUN" or ins.json_form or ins.index in seen:
                continue
            if any(body.lstrip().startswith("#!") for _, body in ins.heredocs):
                continue  # the script names its own interpreter
            if final.has_shell(stage, before=ins) is not False:
                continue
            seen.add(ins.index)
            yield _finding(model, ins, stage, "shell-form RUN", final.root_base(stage))
