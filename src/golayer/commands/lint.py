"""``golayer lint PATH...``: lint Dockerfiles for the ways Go programs go wrong in containers.

PATH is a Dockerfile, a directory (every ``Dockerfile``, ``*.Dockerfile``, ``Dockerfile.*``,
``Dockerfile-*`` and ``Containerfile*`` below it, skipping hidden, vendor, node_modules, third_party and
testdata directories and symlinks leaving the tree; each linted with the build context compose, bake or
a ``docker build`` line gives it: docs/project.md) or ``-`` for standard input. ``--diff`` shows what ``--fix`` would change; ``--fix`` applies safe fixes in place;
``--unsafe-fixes`` adds the unsafe ones.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from golayer.commands.common import finish, load_config, report_options
from golayer.report import Report

def looks_like_dockerfile(path: str | Path) -> bool:
    from golayer.project.discover import looks_like_dockerfile as _looks

    return _looks(path)


def discover(paths: list[str | Path]) -> list[Path]:
    """Dockerfiles named by or found below ``paths`` (files are taken as given), sorted, no duplicates;
    the walk is golayer.project.discover's (symlinks leaving the tree are never followed)."""
    given = [Path(p) for p in paths]
    if any(os.path.isdir(p) for p in given):
        from golayer.project.discover import dockerfiles

        return dockerfiles(paths)
    # files only (pre-commit, editors): what dockerfiles() does for files, without importing the project model;
    # os.path on each path once (Path.exists + Path.resolve cost ~3x as much: hundreds of files in CI)
    found: list[Path] = []
    seen: set[Path | str] = set()
    from golayer.fsutil import realpath_memo

    memo: dict[str, str] = {}  # each directory resolved once (hundreds of files in CI)
    for p in given:
        key: Path | str = realpath_memo(p, memo) if os.path.exists(p) else p
        if key not in seen:
            seen.add(key)
            found.append(p)
    return found


def check_context(context_dir: str | None) -> None:
    """``--context DIR`` must name a directory, as for ``docker build``."""
    from golayer.errors import UsageError

    if context_dir is not None and not Path(context_dir).is_dir():
        raise UsageError(f"--context {context_dir}: no such directory")


def _parse_build_args(values: tuple[str, ...] | list[str]) -> dict[str, str]:
    from golayer.errors import UsageError

    out: dict[str, str] = {}
    for v in values:
        k, eq, val = v.partition("=")
        if not k.strip():
            raise UsageError(f"--build-arg {v!r}: expected KEY=VALUE")
        if not eq:  # `--build-arg K` takes K from the environment, as docker does
            if k in os.environ:
                out[k] = os.environ[k]
            continue
        out[k.strip()] = val
    return out


def _read(path: Path) -> str:
    from golayer.dockerfile.build import read_dockerfile

    return read_dockerfile(path)  # stdin too: bounded; refuses devices, FIFOs and oversized files


def _write(path: Path, content: str) -> None:
    """--fix: the file is replaced atomically (temporary file, fsync, mode/owner kept, rename; through a
    symlink its target is replaced), so a full disk or a kill leaves the old file, never a part."""
    from golayer.limits import atomic_write

    atomic_write(path, content.encode("utf-8", errors="surrogateescape"))


def _stage_data(model: Any) -> dict[str, Any]:
    from golayer.dockerfile.engine import is_dockerfile

    ctx = getattr(model, "context", None)
    return {
        "file": str(model.path),
        "parsed": is_dockerfile(model),
        "context": str(ctx.dir) if ctx is not None and str(model.path) != "-" else None,
        "dockerignore": str(ctx.dockerignore) if ctx is not None and ctx.dockerignore else None,
        "target": model.target.label if model.target else None,
        "stages": [{"index": s.index, "name": s.name, "base": s.base, "known_base": s.base_image.known,
                    "needed": s.needed, "in_final_image": s.in_final_image} for s in model.stages],
        # make/script steps of RUNs golayer could not follow (rules that depend on them stay silent)
        "unresolved": [{"line": line, "step": step, "reason": reason} for line, step, reason in model.unresolved],
    }


def unresolved_notes(files: list[dict[str, Any]], verbose: bool) -> list[str]:
    """The text report's note about build steps golayer could not follow: one line, or each with --verbose."""
    items = [(d["file"], u) for d in files if d for u in d.get("unresolved", [])]
    if not items:
        return []
    if verbose:
        return [f"note: {f}:{u['line']}: `{u['step']}` not resolved: {u['reason']}" for f, u in items]
    n = len(items)
    return [f"note: {n} build step{'s' if n != 1 else ''} not resolved (--verbose for details)"]


PARALLEL_MIN_FILES = 200  # below this, starting worker processes costs more than it saves


def _lint_one(path: Path, content: str | None, cfg: Any, target: str | None, build_args: dict[str, str] | None,
              context_dir: str | None, several: bool) -> tuple[str, list, dict[str, Any] | None, str | None]:
    """Lint one file: (path, findings, stage data, skip note). Runs in worker processes too."""
    from golayer.dockerfile.engine import lint_path
    from golayer.errors import UsageError

    if content is None:
        content = _read(path)
    try:
        model, findings = lint_path(path, content=content, target=target, build_args=build_args,
                                    context_dir=context_dir, cfg=cfg)
    except UsageError as exc:
        if several and target:
            return str(path), [], None, f"golayer: skipping {path}: {exc.message}"
        raise
    return str(path), findings, _stage_data(model), None


FORK_MIN_FILES = 48  # forked workers start in milliseconds: worth it from a few dozen files


def _can_fork() -> bool:
    """Forking is safe while the Go runtime inside the parser is not loaded in this process (a CLI run
    has not parsed anything yet; an in-process caller may have)."""
    return "dockerfile" not in sys.modules and hasattr(os, "fork") and sys.platform.startswith("linux")


def _lint_many(jobs: list[tuple], workers: int, on_done: Any = None) -> list[tuple]:
    """Lint files in worker processes: forked when that is safe (see _can_fork), else spawned (the Go
    runtime inside the parser is not fork-safe once loaded). Results come back in input order."""
    if _can_fork():
        return _fork_map(jobs, workers, on_done)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    out: list[tuple] = []
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        for r in pool.map(_lint_star, jobs, chunksize=max(1, len(jobs) // (workers * 8))):
            out.append(r)
            if on_done is not None:
                on_done(len(out), len(jobs))
    return out


class _WorkerLost(RuntimeError):
    """A forked worker ended without returning all its results (killed, out of memory): the caller lints
    serially instead."""


def _fork_map(jobs: list[tuple], workers: int, on_done: Any = None) -> list[tuple]:
    """Forked workers without multiprocessing: they inherit the jobs, take chunks of job indices from one
    pipe (written whole before the fork: 4-byte reads from a pipe are atomic) and send each chunk's
    results back, pickled, through a pipe of their own. A job that raises in a worker raises here."""
    import gc
    import pickle
    import selectors
    import struct

    _preload()  # once here, shared by every forked worker (copy-on-write), not once per worker
    # about 8 chunks a worker, and at most 15,000 (4 bytes each: the queue fits in a pipe's 64 KiB)
    size = max(1, len(jobs) // (workers * 8), -(-len(jobs) // 15000))
    starts = range(0, len(jobs), size)
    qr, qw = os.pipe()
    os.write(qw, b"".join(struct.pack("<I", s) for s in starts))
    os.close(qw)
    # the objects that exist now (modules, rules, knowledge tables, the jobs) are never garbage: the
    # workers' collections skip them and do not touch (and so copy) their pages
    gc.freeze()
    pids: list[int] = []
    reads: list[int] = []
    try:
        for _ in range(min(workers, len(starts))):
            rr, rw = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: never returns
                os.close(rr)
                _fork_worker(jobs, size, qr, rw)
            os.close(rw)
            pids.append(pid)
            reads.append(rr)
        os.close(qr)
        qr = -1
        out: list[Any] = [None] * len(jobs)
        done = 0
        sel = selectors.DefaultSelector()
        bufs = {fd: bytearray() for fd in reads}
        for fd in reads:
            sel.register(fd, selectors.EVENT_READ)
        open_fds = len(reads)
        while open_fds:
            for key, _ev in sel.select():
                fd = key.fd
                data = os.read(fd, 1 << 20)
                if not data:
                    sel.unregister(fd)
                    open_fds -= 1
                    continue
                buf = bufs[fd]
                buf += data
                while len(buf) >= 4:
                    n = struct.unpack_from("<I", buf)[0]
                    if len(buf) < 4 + n:
                        break
                    start, results, error = pickle.loads(bytes(buf[4:4 + n]))
                    del buf[:4 + n]
                    if error is not None:
                        raise error
                    out[start:start + len(results)] = results
                    done += len(results)
                    if on_done is not None:
                        on_done(done, len(jobs))
        sel.close()
        if done != len(jobs) or any(bufs.values()):
            raise _WorkerLost("a lint worker ended early")
        return out
    finally:
        if qr != -1:
            os.close(qr)
        for fd in reads:
            try:
                os.close(fd)
            except OSError:
                pass
        for pid in pids:
            try:
                if os.waitpid(pid, os.WNOHANG) == (0, 0):
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        gc.unfreeze()


def _fork_worker(jobs: list[tuple], size: int, queue: int, results: int) -> None:
    """A forked worker's life: take chunks until the queue is empty, send their results, exit."""
    import pickle
    import struct

    code = 0
    try:
        while True:
            got = os.read(queue, 4)
            if len(got) < 4:
                break
            start = struct.unpack("<I", got)[0]
            try:
                res: Any = [_lint_one(*job) for job in jobs[start:start + size]]
                err = None
            except BaseException as exc:  # noqa: BLE001 - raised again in the parent, as pool.map does
                res, err = [], exc
            try:
                blob = pickle.dumps((start, res, err), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # noqa: BLE001 - an unpicklable error: its text
                blob = pickle.dumps((start, [], RuntimeError(f"lint worker: {exc!r}")))
            view = memoryview(struct.pack("<I", len(blob)) + blob)
            while view:
                view = view[os.write(results, view):]
            if err is not None:
                break
    except BaseException:  # noqa: BLE001 - the parent sees the missing results and lints serially
        code = 1
    finally:
        os._exit(code)


def _preload() -> None:
    """Import what every lint runs (model builder, rules, the shell grammar) before forking workers. The
    BuildKit parser (a Go runtime, not fork-safe) is left for each worker to load."""
    import json  # noqa: F401 - several rules build their fixes with it

    from golayer import catalogue, fsutil  # noqa: F401
    from golayer.dockerfile import engine, final, make, resolve, shell  # noqa: F401
    from golayer.knowledge import load

    load("bases.toml")  # imports the parsed tables once, not once per worker

    catalogue.rules("dockerfile")
    shell.parser()


def _lint_star(job: tuple) -> tuple:
    return _lint_one(*job)


def run_lint(paths: list[Path] | list[str], cfg: Any, target: str | None = None,
             build_args: dict[str, str] | None = None, context_dir: str | None = None,
             contents: dict[str, str] | None = None, verbose: bool = False,
             builds: list[Any] | None = None, on_done: Any = None) -> Report:
    """Lint every Dockerfile in ``paths`` into one report. With several files, a ``target`` that a
    file does not define skips that file (it is a usage error for a single file). Many files are
    linted in parallel worker processes (``GOLAYER_JOBS=1`` turns that off). ``on_done(done, total)``
    is called after each file (for a progress line).

    ``builds`` (golayer.project.ImageBuild) lint each Dockerfile with the context, target and build
    arguments it is really built with (a Dockerfile built several ways is linted once per way;
    identical findings are reported once); paths no build names are linted as given."""
    report = Report(command="lint")
    several = len(paths) > 1 or len(builds or []) > 1
    jobs = []
    origins: dict[int, tuple[str, str | None]] = {}  # job index -> (build origin, build target)
    built = {str(b.dockerfile) for b in builds or []}
    for b in builds or []:
        origins[len(jobs)] = (b.origin, b.target)
        jobs.append((Path(b.dockerfile), (contents or {}).get(str(b.dockerfile)), cfg, b.target,
                     dict(b.build_args) or None, str(b.context), several))
    jobs += [(Path(p), (contents or {}).get(str(p)), cfg, target, build_args, context_dir, several)
             for p in paths if str(p) not in built]
    asked = os.environ.get("GOLAYER_JOBS", "").strip() not in ("", "0")
    # forked workers pay off from a few dozen files (not pre-commit's few)
    fork = several and len(jobs) >= (2 if asked else FORK_MIN_FILES) and _can_fork()
    try:  # spawned workers start slowly: on fewer than 4 CPUs only when asked, unless they can be forked
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        workers = int(os.environ.get("GOLAYER_JOBS", "0")) or (
            min(4, cpus) if cpus >= 4 or (fork and cpus >= 2) else 1)
    except ValueError:
        workers = 1
    results = None
    least = 2 if asked else FORK_MIN_FILES if fork else PARALLEL_MIN_FILES
    from golayer.dockerfile import final

    with final.batch():  # the files do not change during the run: scan each context's sources once
        if workers > 1 and len(jobs) >= least and not any(str(p) == "-" for p in paths):
            try:
                results = _lint_many(jobs, workers, on_done)
            except (OSError, ImportError, RuntimeError):  # no processes here (sandbox): lint serially
                results = None
        if results is None:
            results = []
            for job in jobs:
                results.append(_lint_one(*job))
                if on_done is not None:
                    on_done(len(results), len(jobs))
    files: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    for i, (name, findings, data, note) in enumerate(results):
        if note:
            click.echo(note, err=True)
            continue
        if name not in report.inputs:
            report.inputs.append(name)
        for f in findings:  # a Dockerfile built several ways: the same finding once
            key = (f.file, f.line, f.rule, f.message)
            if key not in seen:
                seen.add(key)
                report.findings.append(f)
        if i in origins:
            data["context_origin"], data["build_target"] = origins[i]
        files.append(data)
    report.data["dockerfiles"] = files
    report.notes.extend(unresolved_notes(files, verbose))
    shown = [d for d in files if d.get("context_origin") and d["context_origin"] != "directory of the Dockerfile"]
    if shown:
        report.text_sections.append(lambda out, color: _context_notes(out, color, shown))
    # files that do not parse as Dockerfiles: the text report never shows their lines
    report.objects.setdefault("hidden_sources", set()).update(d["file"] for d in files if not d.get("parsed", True))
    if contents:  # the text report shows the lines that were linted (stdin's too), never re-reads a file
        report.objects["sources"] = {k: v for k, v in contents.items() if v is not None}
    return report


def _context_notes(out: Any, color: bool, files: list[dict[str, Any]]) -> None:
    """One line per Dockerfile linted with a context other than its own directory."""
    from golayer.report.text import paint, visible

    for d in files:
        extra = f", target {d['build_target']}" if d.get("build_target") else ""
        out.write(paint("note: ", "36", color) + visible(f"{d['file']}: context {d['context']}{extra}"
                                                         f" (from {d['context_origin']})") + "\n")


@click.command("lint")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--target", default=None, metavar="STAGE", help="Target stage (default: the last stage).")
@click.option("--build-arg", "build_arg", multiple=True, metavar="KEY=VALUE",
              help="Build argument value, as `docker build --build-arg` (repeatable).")
@click.option("--context", "context_dir", type=click.Path(file_okay=False), default=None, metavar="DIR",
              help="Build context directory (default: the Dockerfile's directory).")
@click.option("--diff", is_flag=True, help="Print a unified diff of the fixes instead of applying them.")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix/--diff, also apply fixes that may change behaviour.")
@click.option("-v", "--verbose", is_flag=True, help="Print each make/script step golayer could not follow.")
@report_options
def lint(paths: tuple[str, ...], target: str | None, build_arg: tuple[str, ...], context_dir: str | None,
         diff: bool, fix: bool, unsafe_fixes: bool, verbose: bool, fmt: str, output: str | None,
         config_path: str | None, select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str | None,
         color: bool | None) -> int:
    """Lint Dockerfiles (files, directories, or - for stdin) for Go-in-container mistakes.

    \b
    Suppress a finding with a comment before the instruction:
      # golayer ignore=go-env-write           (next instruction; before FROM: the whole stage)
      # golayer global ignore=runs-as-root    (the whole file)
    """
    from golayer.errors import InputError

    for p in paths:
        if p != "-" and not Path(p).exists():
            raise InputError(f"{p}: no such file or directory")
    check_context(context_dir)
    files = discover([p for p in paths if p != "-"])
    if "-" in paths:
        files = [Path("-")] + files
    if not files:
        raise InputError(f"no Dockerfile found in {', '.join(paths)}",
                         hint="golayer looks for Dockerfile, *.Dockerfile, Dockerfile.* and Containerfile")
    first = files[0]
    start = (Path.cwd() if str(first) == "-" else (first if first.is_dir() else first.parent))
    cfg = load_config(config_path, select, ignore, fail_on, start=start)
    build_args = _parse_build_args(build_arg)
    if output:  # before anything is written (--fix): the report must not replace a Dockerfile
        from golayer.limits import refuse_overwriting_input

        refuse_overwriting_input(output, list(files))
    contents = {str(f): _read(f) for f in files}
    builds = _project_builds([p for p in paths if p != "-" and Path(p).is_dir()], cfg, context_dir,
                             build_args, target)
    first_build = {}
    for b in builds:
        first_build.setdefault(str(b.dockerfile), b)

    if diff or fix:
        from golayer.dockerfile.fixes import fix_content

        fixed_total = 0
        changed: dict[str, str] = {}
        for f in files:
            b = first_build.get(str(f))  # fix with the context the file is really built with
            try:
                new, n = fix_content(f, contents[str(f)], unsafe=unsafe_fixes, target=b.target if b else target,
                                     build_args=dict(b.build_args) if b else build_args,
                                     context_dir=str(b.context) if b else context_dir, cfg=cfg)
            except Exception as exc:  # a usage error for one file of many
                from golayer.errors import UsageError

                if isinstance(exc, UsageError) and len(files) > 1:
                    continue
                raise
            if new != contents[str(f)]:
                changed[str(f)] = new
                fixed_total += n
        if diff:
            import difflib

            for name, new in changed.items():
                old = contents[name]
                sys.stdout.write("".join(difflib.unified_diff(
                    old.splitlines(keepends=True), new.splitlines(keepends=True),
                    fromfile=name if name.startswith("/") else f"a/{name}",
                    tofile=name if name.startswith("/") else f"b/{name}")))
            n = len(changed)
            click.echo(f"golayer: {fixed_total} fix{'es' if fixed_total != 1 else ''} would change "
                       f"{n} file{'s' if n != 1 else ''}" + ("" if unsafe_fixes else " (safe fixes only)"),
                       err=True)
            return 1 if changed else 0
        for name, new in changed.items():
            if name == "-":
                sys.stdout.write(new)
            else:
                _write(Path(name), new)
            contents[name] = new
        report = run_lint(files, cfg, target=target, build_args=build_args, context_dir=context_dir,
                          contents=contents, verbose=verbose, builds=builds)
        report.fixed = fixed_total
        if "-" in changed:  # the fixed Dockerfile went to stdout: the report goes to stderr
            click.echo(f"golayer: {fixed_total} fix{'es' if fixed_total != 1 else ''} applied", err=True)
            return 0
        return finish(report, cfg, fmt, output, color)

    report = run_lint(files, cfg, target=target, build_args=build_args, context_dir=context_dir,
                      contents=contents, verbose=verbose, builds=builds)
    return finish(report, cfg, fmt, output, color)


def _project_builds(dirs: list[str], cfg: Any, context_dir: str | None, build_args: dict[str, str],
                    target: str | None) -> list[Any]:
    """The builds (context, target, args) of the Dockerfiles below each directory argument, from the
    project model (compose build:, bake, docker build lines)."""
    if not dirs:
        return []
    from golayer.project import lint_builds, load_project

    out: list[Any] = []
    for d in dirs:
        proj = load_project(Path(d), config=cfg, context=Path(context_dir) if context_dir else None,
                            build_args=build_args, target=target, manifests=False)
        out += lint_builds(proj)
    return out
