"""Parse an image's layers in forked worker processes while this process parses others.

Layers are independent until they are stacked (:mod:`golayer.image.tree`), and parsing their tar
headers is Python work, so threads would not help: on a machine with several CPUs, the distinct
layer blobs of a local image are split by size between this process and up to ``jobs - 1``
``fork``-ed workers (biggest first, each to the least loaded). A worker parses its layers exactly
as the serial path would (:func:`golayer.image.sources.layer_from_file`), sends each record back
through a pipe as ``marshal`` data (plain tuples: path, type, size, mode, uid, gid, link, mtime,
data offset) and exits; nothing else crosses. The parent rebuilds the records, so the report is
byte for byte the one ``GOLAYER_JOBS=1`` gives (tests/image/test_parallel_parity.py).

When it is used: only plain (uncompressed) tar layers in local files -- ``docker save`` archives,
OCI layouts with tar layers -- where parsing reads headers only, and only when a worker gets at
least :data:`MIN_SHARE` bytes (256 MiB) of layer blobs: below that, on a shared 2-CPU machine, the
fork and rebuilding the records here cost about what the worker saves (docs/benchmarks.md).
Compressed layers share one capture budget in stack order (see :mod:`golayer.image.layers`) and
stay serial. Errors keep their serial meaning: the first failing layer in stack order is the one
reported. A worker that dies or sends nothing usable is not trusted: its layers are parsed again
here. ``GOLAYER_JOBS=N`` sets the number of processes (1: no workers); the default is the number
of CPUs, at most 4.
"""

from __future__ import annotations

import marshal
import os
from typing import Any, Callable

from golayer.errors import GolayerError, InputError
from golayer.image.layers import LayerRecord, TEntry
from golayer.image.tarstream import sniff


def _min_share() -> int:
    """``GOLAYER_PARALLEL_MIN_BYTES`` (a byte count); anything else (``64MiB``, empty) is the default."""
    try:
        return max(0, int(os.environ.get("GOLAYER_PARALLEL_MIN_BYTES", "")))
    except ValueError:
        return 256 << 20


MIN_SHARE = _min_share()
MAX_JOBS = 4


class Failed:
    """A layer whose parse raised ``error`` (raised when the stack reaches that layer)."""

    def __init__(self, error: GolayerError):
        self.error = error


def jobs() -> int:
    v = os.environ.get("GOLAYER_JOBS", "").strip()
    if v and v != "0":
        try:
            return max(1, int(v))
        except ValueError:
            return 1
    return min(os.cpu_count() or 1, MAX_JOBS)


def _plan(store, order: list[tuple[Any, int, str, str, str | None]]) -> list[list[tuple]] | None:
    """Bins of (size, key, index, blob, shown, diff_id); bin 0 is this process. None: stay serial."""
    n = jobs()
    if n < 2 or len(order) < 2 or not hasattr(os, "fork"):
        return None
    from golayer.image.sources import _done

    sized = []
    for key, i, blob, shown, did in order:
        try:
            fd, off, size = store.get(blob)
        except (KeyError, GolayerError):
            return None  # the serial path reports it, in order
        try:
            head = os.pread(fd, 512, off)
        except OSError:
            return None
        finally:
            _done(store, fd)
        if sniff(head) != "tar":
            return None
        sized.append((size, key, i, blob, shown, did))
    bins: list[list[Any]] = [[0, []] for _ in range(n)]
    for item in sorted(sized, key=lambda x: (-x[0], x[2])):
        b = min(bins, key=lambda b: b[0])
        b[0] += item[0]
        b[1].append(item)
    out = [bins[0][1]]
    for total, items in bins[1:]:
        if total >= MIN_SHARE:
            out.append(items)
        else:
            out[0].extend(items)
    return out if len(out) > 1 else None


def _encode(rec: LayerRecord) -> tuple:
    return (rec.compression, rec.fd, rec.base, rec.path, rec.digest, rec.entries, rec.problems, rec.whiteouts,
            rec.opaques, [(e.path, e.type, e.size, e.mode, e.uid, e.gid, e.linkname, e.mtime, e.off)
                          for e in rec.members])


def _decode(shown: str, data: tuple) -> LayerRecord:
    comp, fd, base, path, digest, entries, problems, whiteouts, opaques, members = data
    rec = LayerRecord(name=shown, compression=comp)
    rec.fd, rec.base, rec.path, rec.digest, rec.entries = fd, base, path, digest, entries
    rec.problems, rec.whiteouts, rec.opaques = problems, whiteouts, opaques
    new = TEntry
    rec.members = [new(p, t, sz, m, u, g, -1, ln, None, mt, off, rec) for p, t, sz, m, u, g, ln, mt, off in members]
    return rec


def _worker(items: list[tuple], parse_one: Callable[..., LayerRecord], w: int) -> None:
    """Runs in the forked child: parse, send, never return."""
    code = 1
    try:
        out = []
        for _size, _key, i, blob, shown, did in items:
            try:
                out.append(("ok", i, _encode(parse_one(i, blob, shown, did))))
            except GolayerError as exc:
                out.append(("error", i, (type(exc).__name__, exc.message, exc.hint)))
        data = memoryview(marshal.dumps(out))
        while data:
            data = data[os.write(w, data):]
        code = 0
    except BaseException:  # noqa: BLE001 - the parent re-parses whatever a worker did not deliver
        pass
    finally:
        os._exit(code)


def parse_layers(store, order: list[tuple[Any, int, str, str, str | None]],
                 parse_one: Callable[..., LayerRecord], progress: Callable[[str], None] | None
                 ) -> dict[Any, LayerRecord | Failed] | None:
    """{key: record or Failed} of every distinct layer, or None when it is not worth a process."""
    plan = _plan(store, order)
    if plan is None:
        return None
    workers = []
    try:
        for items in plan[1:]:
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child; its coverage is the parity test's result
                os.close(r)
                _worker(items, parse_one, w)
            os.close(w)
            workers.append((pid, r, items))
    except OSError:  # no fork (limits): whatever did not start is parsed here
        for items in plan[1 + len(workers):]:
            plan[0].extend(items)
    out: dict[Any, Any] = {}
    for _size, key, i, blob, shown, did in sorted(plan[0], key=lambda x: x[2]):
        if progress:
            progress(f"layer {i + 1} (of {len(order)} distinct)")
        try:
            out[key] = parse_one(i, blob, shown, did)
        except GolayerError as exc:
            out[key] = Failed(exc)
    for pid, r, items in workers:
        chunks = []
        with os.fdopen(r, "rb") as fh:
            while True:
                b = fh.read(1 << 20)
                if not b:
                    break
                chunks.append(b)
        _pid, status = os.waitpid(pid, 0)
        got: dict[int, Any] = {}
        if os.waitstatus_to_exitcode(status) == 0:
            try:
                for kind, i, payload in marshal.loads(b"".join(chunks)):
                    got[i] = (kind, payload)
            except (ValueError, EOFError, TypeError):
                got = {}
        del chunks
        for _size, key, i, blob, shown, did in items:
            hit = got.get(i)
            if hit is None:  # the worker failed: parse it here, as the serial path would
                try:
                    out[key] = parse_one(i, blob, shown, did)
                except GolayerError as exc:
                    out[key] = Failed(exc)
            elif hit[0] == "ok":
                out[key] = _decode(shown, hit[1])
            else:
                _name, message, hint = hit[1]
                out[key] = Failed(InputError(message, hint=hint))
    return out
