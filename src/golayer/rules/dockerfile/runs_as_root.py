"""Flags a target stage whose container process runs as root.

## What it finds
The effective user of the **target stage** (the image you ship) is root: the stage and the
stages it derives from set no `USER` and the base image defaults to root (`debian`, `alpine`,
`golang`, `ubuntu`, `scratch`, distroless without `:nonroot`, ...), or the last `USER` is
`root`, `0`, `0:0` or `root:<group>`.

It stays silent when:
- the last `USER` is anything else (`65532`, `nonroot`, `app:app`, `1000:0`);
- the base image already defaults to a non-root user (`gcr.io/distroless/*:nonroot` runs as
  65532, `cgr.dev/chainguard/static` as 65532);
- the base image is unknown to golayer and no `USER` is set: golayer does not guess what an
  image it does not know defaults to;
- `USER` names a variable (`USER $UID`) whose value cannot be known statically;
- a stage is not the target (a `build` stage running as root does not ship);
- the image runs no program of its own: neither the Dockerfile nor a known base sets an
  `ENTRYPOINT`/`CMD` (data, bundle or base images: whoever uses them picks the program and user);
- the entrypoint drops privileges: its ENTRYPOINT/CMD runs `gosu`, `su-exec`, `setpriv`,
  `s6-setuidgid`, `runuser`, `chpst`, or an entrypoint script COPY'd from the build context that
  calls one of them (or `chroot --userspec`, `su … -c`). Such an image must start as root to
  `chown` volumes and then switch: `USER` would break it;
- the ENTRYPOINT/CMD is a one-shot file job (`cp`, `mv`, `echo`, … only) that writes a mounted
  volume and exits;
- the ENTRYPOINT/CMD starts a script (`*.sh`, `*entrypoint*`) that golayer cannot read (from an
  image, or from a build context it does not see): whether it drops root is unknown.

- it is a development/CI/tool image (the decision table *What the image is for* in
  toolchain-in-final-image): such images install and write as root on purpose, and `USER` breaks them.

## Why it is bad
A Go server needs no privileges to serve HTTP on a port above 1023. Running as uid 0 means a
bug in the program (or a dependency) that lets an attacker write files or execute code does so
as root inside the container: it can rewrite the binary, read every mounted secret, and uses
uid 0 against the kernel, which is what container escapes need. Kubernetes' `runAsNonRoot:
true` refuses to start such an image at all when the user is not numeric.

A distroless-like base with a `nonroot` user (uid 65532) costs nothing: the measured image was
11.0 MB against 9.4 MB for `scratch` (see FACTS: *Where the bytes of a single-stage Go image go*).
`scratch` has no `/etc/passwd`, so use a numeric `USER 65532:65532` there.

## Example
Bad:
```dockerfile
FROM golang:1.22 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

FROM debian:bookworm-slim
COPY --from=build /out/app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
```
Good:
```dockerfile
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
```
or keep the base and add `USER 65532:65532` (numeric: works without a passwd entry).

## Fix
Unsafe fix (`--unsafe-fixes`), offered when the stage sets no `USER` at all: insert
`USER 65532:65532` after the last `RUN`/`COPY` of the target stage (before its closing
`CMD`/`ENTRYPOINT`, or at its end). Every `RUN` of the stage still runs as
root; only the container process changes user. It is unsafe because a program that writes
into directories owned by root (its WORKDIR, `/var/lib/...`) or binds a port below 1024 will
then fail; check the program's writable paths (mount an `emptyDir`/volume) before applying.
An explicit `USER root` is left to you. No fix either where it would break the image: the stage
creates directories as root for the program (`VOLUME`, `RUN mkdir` with no `chown`/`chmod`).

## References
- Dockerfile reference, USER: https://docs.docker.com/reference/dockerfile/#user
- Kubernetes `runAsNonRoot`: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
- distroless `nonroot` images: https://github.com/GoogleContainerTools/distroless
"""

from __future__ import annotations

from golayer.catalogue import Rule
from golayer.dockerfile import final
from golayer.findings import Applicability, Edit, Severity

RULE = Rule(
    code="GLD013",
    name="runs-as-root",
    severity=Severity.WARNING,
    summary="the target stage's effective user is root",
    fix=Applicability.UNSAFE,
)


def _insertion_point(model, target):
    """Before the stage's trailing CMD/ENTRYPOINT block (after every RUN), else at its end."""
    ins = target.instructions
    if not ins and target.from_instruction is None:
        return None
    last_run = max((i for i, x in enumerate(ins) if x.cmd in ("RUN", "COPY", "ADD")), default=-1)
    for x in ins[last_run + 1:]:
        if x.cmd in ("CMD", "ENTRYPOINT"):
            return x.start, "USER 65532:65532\n"
    last = ins[-1] if ins else target.from_instruction
    pre = "" if model.content[: last.end].endswith("\n") else "\n"
    return last.end, pre + "USER 65532:65532\n"


def check(model):
    target = model.target
    if target is None:
        return
    user, ins = final.effective_user(target)
    if not final.is_root_user(user):
        return
    purpose = final.image_purpose(model)
    if not purpose.runs_program or purpose.needs_toolchain:
        return  # no program of its own (data, bundle, base image), or a dev/CI image that needs root
    if final.drops_privileges(model, target):
        return  # the entrypoint starts as root on purpose and hands the program to another user
    proc = final.effective_process(target)
    main = proc.entrypoint or proc.cmd
    if main is not None and final.one_shot_job(" ".join(final.process_words(main))):
        return  # a copy/init job (`cp … /out/`) that writes mounted volumes and exits: no service to confine
    if final.unread_entry_script(model, target):
        return  # an entrypoint script golayer cannot read: whether it drops root is unknown
    if ins is not None:
        yield RULE.finding(
            f"stage {target.label} runs as root: USER {user} (line {ins.start_line}) is the last USER",
            file=str(model.path), line=ins.start_line, end_line=ins.end_line, stage=target.label,
            hint="switch to a non-root user, e.g. USER 65532:65532 or a distroless :nonroot base",
            subject=f"USER {user}",
        )
        return
    base = final.root_base(target)
    fi = target.from_instruction
    line = fi.start_line if fi else 1
    fix = None
    where = _insertion_point(model, target)
    made = final.writable_paths_created(target)
    if made:
        where = None  # USER would break it: directories only root may write
    if where is not None:
        pos, text = where
        fix = RULE.fixed(
            f"add USER 65532:65532 to stage {target.label} (the program then cannot write where only root may)",
            [Edit(str(model.path), pos, pos, text)],
            unsafe=True,
        )
    yield RULE.finding(
        f"stage {target.label} runs as root: no USER and {base.ref} defaults to root",
        file=str(model.path), line=line, end_line=fi.end_line if fi else line, stage=target.label,
        hint="add USER 65532:65532 (numeric, works without /etc/passwd) or use a :nonroot distroless base",
        fix=fix, subject="no USER",
    )
