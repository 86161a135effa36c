"""Flags shell-form CMD/ENTRYPOINT where `/bin/sh` stays between Docker and the Go program.

## What it finds
The effective `ENTRYPOINT` or `CMD` of the **target stage** in shell form
(`CMD /app --flag`), when the image has a shell:
- on Debian/Ubuntu-based images (`/bin/sh` is dash, including the Debian-based `golang`
  images): any shell-form `ENTRYPOINT`, and any shell-form `CMD` that does not start with
  `exec`;
- on busybox-sh images (alpine, `golang:*-alpine`, busybox, wolfi-base) and bash
  images (amazonlinux, fedora, UBI): a shell-form `ENTRYPOINT` always, a shell-form `CMD` only
  when it is a compound command (`&&`, `;`, `|`, redirections, subshells) — these shells exec a
  single simple command themselves;
- on images whose shell golayer does not know: the same as busybox (only what is wrong on
  every shell).

The same applies to an exec-form `["sh", "-c", "<script>"]` (or `bash -c`): the shell is
started explicitly, with the same PID-1 behaviour (no "ignores CMD" problem there).

Not flagged: exec (JSON) forms that start the program itself; one-shot file jobs whose every command
exits by itself (`ENTRYPOINT cp /pki/ca.pem /out/`: no signal ever has to reach them); scripts that `trap` TERM
(the shell then handles the signal itself); `CMD exec /app ...` and scripts whose last step is
`… && exec /app ...` (the shell replaces itself with the program); a shell-form `CMD` under an exec-form `ENTRYPOINT`; stages that are not the target;
images without a shell (that is `shell-in-shell-less-image`, an error).

## Why it is bad
Shell form runs `/bin/sh -c "<command>"` as PID 1. Measured with `docker stop -t 5`:
- On Debian (dash) `ENTRYPOINT /app` leaves `sh` as PID 1. `sh` does not forward SIGTERM, so
  the Go program never runs its graceful shutdown (draining connections, flushing) and is
  SIGKILLed when the timeout ends: the stop took **5.1 s instead of 0.2 s** with exec form.
- busybox sh (alpine) execs a single simple command: `ENTRYPOINT /app --flag x` made the
  program PID 1 and it got SIGTERM. A compound command (`/app && true`, `;`, pipes) keeps sh
  as PID 1 on both shells.
- Independently of signals, a shell-form `ENTRYPOINT` ignores `CMD` and `docker run`
  arguments (Kubernetes `args:` too), on every shell.

## Example
Bad:
```dockerfile
FROM debian:bookworm-slim
COPY --from=build /out/app /usr/local/bin/app
CMD app --listen :8080
```
Good:
```dockerfile
FROM debian:bookworm-slim
COPY --from=build /out/app /usr/local/bin/app
CMD ["app", "--listen", ":8080"]
```
If you need the shell (variables, `&&`), end the script with `exec`: `CMD exec app --port "$PORT"`.

## Fix
Safe fix for a one-line command made of plain words (no variables, quotes with `$`,
operators, redirections, globs or shell builtins): rewrite it in exec form with the same
words; a leading `exec` is dropped; `["sh", "-c", "/app --flag"]` becomes `["/app", "--flag"]`. Exec form looks the program up in the image's `PATH` as the
shell did. A shell-form `ENTRYPOINT` is only rewritten when the stage sets no `CMD` (otherwise
the rewrite would start appending that `CMD` as arguments). Anything else has no automatic fix.

## References
- Dockerfile reference, ENTRYPOINT (shell form and signals): https://docs.docker.com/reference/dockerfile/#entrypoint
- `docker stop`: https://docs.docker.com/reference/cli/docker/container/stop/
- Go `os/signal`: https://pkg.go.dev/os/signal
- Proof (`docker stop -t 3`: ≥3 s with dash as PID 1, <2 s after the fix): `tests/lint/test_final_proofs.py::test_shell_form_on_dash_delays_stop_and_the_fix_does_not`
"""

from __future__ import annotations

import re

from golayer.catalogue import Rule
from golayer.dockerfile import final
from golayer.findings import Applicability, Severity

RULE = Rule(
    code="GLD015",
    name="shell-form-entrypoint",
    severity=Severity.WARNING,
    summary="shell-form CMD/ENTRYPOINT: SIGTERM goes to sh, not the Go program",
    fix=Applicability.SAFE,
)


def _stage_sets_cmd(ins) -> bool:
    return any(i.cmd == "CMD" for i in (ins.stage.instructions if ins.stage else []))


def _fix(model, ins):
    words = final.plain_words(final.command_text(ins).strip())
    if words is None:
        text = final.command_text(ins).strip()
        if final.starts_with_exec(text):
            words = final.plain_words(text.split(None, 1)[1] if " " in text else "")
    elif words and words[0] == "exec":
        words = words[1:] or None
    if not words:
        return None
    if ins.cmd == "ENTRYPOINT" and _stage_sets_cmd(ins):
        return None
    edit = final.exec_form_edit(model, ins, words)
    if edit is None:
        return None
    return RULE.fixed(f"rewrite {ins.cmd} in exec form: {edit.text}", [edit])


_SHELLS = {"sh", "bash", "dash", "ash"}
_TRAPS_TERM = re.compile(r"\btrap\b[^;&|\n]*\b(TERM|SIGTERM|15)\b")


def _sh_c_script(ins) -> str | None:
    """The script of an exec-form ``["sh", "-c", "<script>"]`` (nothing after it), else None."""
    argv = final.exec_argv(ins)
    if argv and len(argv) == 3 and argv[0].rsplit("/", 1)[-1] in _SHELLS and argv[1] == "-c":
        return argv[2]
    return None


def _sh_c_fix(model, ins, script: str):
    import json  # for fixes only: not on every lint's start-up

    from golayer.findings import Edit

    words = final.plain_words(script.strip())
    if words is None and final.starts_with_exec(script):
        rest = script.strip().split(None, 1)
        words = final.plain_words(rest[1]) if len(rest) > 1 else None
    if not words or not final.single_line(model, ins):
        return None
    if ins.cmd == "ENTRYPOINT" and _stage_sets_cmd(ins):
        return None
    raw = model.content[ins.start:ins.end].rstrip("\r\n").rstrip()
    i, j = raw.find("["), raw.rfind("]")
    if i < 0 or j < i:
        return None
    new = json.dumps(words)
    return RULE.fixed(f"run the program directly: {ins.cmd} {new}",
                      [Edit(str(model.path), ins.start + i, ins.start + j + 1, new)])


def check(model):
    target = model.target
    if target is None:
        return
    if final.has_shell(target) is not True:
        return
    kind = final.shell_kind(target)
    proc = final.effective_process(target)
    todo = []
    if proc.entrypoint is not None:
        todo.append(proc.entrypoint)
    if proc.cmd is not None and proc.entrypoint is None:
        todo.append(proc.cmd)
    shell = {"dash": "dash", "busybox": "busybox sh", "bash": "bash"}.get(kind or "", "/bin/sh")
    for ins in todo:
        script = None
        if ins.json_form:
            script = _sh_c_script(ins)
            if script is None:
                continue
            text = script.strip()
        else:
            text = final.command_text(ins).strip()
        if final.one_shot_job(text):
            continue  # `cp a b`, `echo …`: the command ends by itself; no signal ever has to reach it
        simple = final.simple_command(text)
        # `exec prog` replaces the shell; a script that traps TERM handles the signal itself
        execs = (final.starts_with_exec(text) and simple) or final.ends_with_exec(text) \
            or bool(_TRAPS_TERM.search(text))
        if ins.cmd == "ENTRYPOINT" and script is None:
            if kind == "dash" and not execs:
                why = f"{shell} stays PID 1 and the program never gets SIGTERM; CMD and `docker run` arguments are ignored"
            else:
                why = "a shell-form ENTRYPOINT ignores CMD and `docker run` arguments"
                if not simple:
                    why = f"{shell} stays PID 1 for a compound command (no SIGTERM for the program); " + why
        else:
            if execs:
                continue
            if kind == "dash":
                why = f"{shell} stays PID 1 and the program never gets SIGTERM (killed after the stop timeout)"
            elif not simple:
                why = f"{shell} stays PID 1 for a compound command and the program never gets SIGTERM"
            else:
                continue
        if script is not None:
            fix = _sh_c_fix(model, ins, script)
            what = f"{ins.cmd} runs `sh -c '{text}'`"
        else:
            fix = _fix(model, ins)
            what = f"shell-form {ins.cmd} `{text}`"
        yield RULE.finding(
            f"{what} in stage {target.label}: {why}",
            file=str(model.path), line=ins.start_line, end_line=ins.end_line,
            stage=ins.stage.label if ins.stage else target.label,
            hint="use exec form, e.g. " + (fix.edits[0].text if fix else '["/app", "--flag"]')
            + ("" if fix else "; or end a needed shell script with `exec /app ...`"),
            fix=fix, subject=f"{ins.cmd} {text}",
        )
