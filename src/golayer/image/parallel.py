"""Parse an image's layers in forked worker processes while this process stacks the ones parsed.

Layers are independent until they are stacked (:mod:`golayer.image.tree`), and parsing their tar
headers is Python work, so threads would not help. On a machine with several CPUs, when the
distinct layer blobs of a local image are plain tars (``docker save`` archives, OCI layouts with
tar layers: parsing reads headers only) and hold at least :data:`MIN_BYTES` bytes in all, up to
``jobs - 1`` ``fork``-ed workers parse them *while this process stacks them*:

* the distinct layers wait in stack order in a queue (a pipe holding one 4-byte token per
  layer, written before the fork: a read of 4 bytes takes one whole token, whichever process
  reads). Workers take the next layer whenever they are free; so does this process, but only
  when the next layer it has to stack is not ready yet -- otherwise it stacks (the caller's loop
  over :meth:`Pipeline.get`), so stacking overlaps parsing and no process waits while there is
  work left. No estimate of a layer's cost is needed (header-walk cost is per entry, which layer
  sizes do not predict).
* a worker parses a layer exactly as the serial path would (:func:`golayer.image.sources.
  layer_from_file`), writes it to its own anonymous memory file (``memfd``) as ``marshal`` data
  (plain tuples: path, type, size, mode, uid, gid, link, mtime, data offset; in chunks of
  :data:`CHUNK` members, so this process never holds one big buffer) and sends a 40-byte notice
  through a pipe (which never fills, so a worker never waits for this process). This process
  rebuilds the records when it reaches them in stack order; nothing else crosses.

The report is byte for byte the one ``GOLAYER_JOBS=1`` gives (tests/image/test_parallel_parity.py).
Errors keep their serial meaning: a layer whose parse failed raises when the stack reaches it,
and :func:`golayer.image.analyse` finishes every layer's parse before it reports an error of the
stacking itself (``sources.LazyLayers.finish``), so the first failing layer in stack order is the
one reported. A worker that dies or sends nothing usable is not trusted: the layers it did not
deliver are parsed here. ``GOLAYER_JOBS=N`` sets the number of processes (1: no workers); the
default is this process plus one per idle CPU (1-minute load average), at most 4 in all. Compressed layers share one capture budget in stack
order (see :mod:`golayer.image.layers`) and stay serial.
"""

from __future__ import annotations

import marshal
import mmap
import os
import struct
from typing import Any, Callable

from golayer.errors import GolayerError, InputError
from golayer.image.layers import LayerRecord, TEntry
from golayer.image.tarstream import sniff


def _min_bytes() -> int:
    """``GOLAYER_PARALLEL_MIN_BYTES`` (a byte count); anything else (``64MiB``, empty) is the default."""
    try:
        return max(0, int(os.environ.get("GOLAYER_PARALLEL_MIN_BYTES", "")))
    except ValueError:
        return 64 << 20


MIN_BYTES = _min_bytes()
MAX_JOBS = 4
CHUNK = 4096  # members per marshal chunk a worker writes
_NOTE = struct.Struct("<5q")  # worker, position in the queue, status (0 ok, 1 error), offset, length
_TOKEN = 4


class Failed:
    """A layer whose parse raised ``error`` (raised when the stack reaches that layer)."""

    def __init__(self, error: GolayerError):
        self.error = error


def jobs() -> int:
    """``GOLAYER_JOBS``, else this process plus one per idle CPU (by the 1-minute load average), at
    most :data:`MAX_JOBS`. A worker pays only where it gets a CPU of its own: on a machine already
    busy it competes with this process, which then waits for it (docs/benchmarks.md: at load 4 on
    2 CPUs, the 299 MB build took 0.59 s with a worker vs 0.31 s without). The load decides only
    how many processes parse, never what they find."""
    v = os.environ.get("GOLAYER_JOBS", "").strip()
    if v and v != "0":
        try:
            return max(1, int(v))
        except ValueError:
            return 1
    cpus = os.cpu_count() or 1
    try:
        idle = cpus - os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average on this platform: every CPU counts
        idle = cpus
    return max(1, min(cpus, MAX_JOBS, 1 + int(idle)))


def _workers(store, order: list[tuple[Any, int, str, str, str | None]]) -> int:
    """How many worker processes to fork (0: stay serial)."""
    n = min(jobs(), len(order)) - 1
    if n < 1 or not hasattr(os, "fork") or not hasattr(os, "memfd_create"):
        return 0
    from golayer.image.sources import _done

    total = 0
    for _key, _i, blob, _shown, _did in order:
        try:
            fd, off, size = store.get(blob)
        except (KeyError, GolayerError):
            return 0  # the serial path reports it, in order
        try:
            head = os.pread(fd, 512, off)
        except OSError:
            return 0
        finally:
            _done(store, fd)
        if sniff(head) != "tar":
            return 0
        total += size
    return n if total >= MIN_BYTES else 0


def _encode(rec: LayerRecord) -> list[bytes]:
    from golayer.image.tree import DiveScore

    members = rec.members
    head = (rec.compression, rec.fd, rec.base, rec.path, rec.digest, rec.entries, rec.problems, rec.whiteouts,
            rec.opaques, DiveScore.leaves(rec), (len(members) + CHUNK - 1) // CHUNK)
    out = [marshal.dumps(head)]
    for s in range(0, len(members), CHUNK):
        out.append(marshal.dumps([(e.path, e.type, e.size, e.mode, e.uid, e.gid, e.linkname, e.mtime, e.off)
                                  for e in members[s : s + CHUNK]]))
    return out


def _decode(shown: str, fd: int, off: int, length: int) -> LayerRecord:
    """Rebuild a record from the chunks a worker wrote at ``off`` of its memory file ``fd`` (read one
    chunk at a time)."""
    end = off + length
    (comp, rfd, base, path, digest, entries, problems, whiteouts, opaques, leaves, nchunks), pos = \
        _chunk(fd, off, end)
    rec = LayerRecord(name=shown, compression=comp)
    rec.fd, rec.base, rec.path, rec.digest, rec.entries = rfd, base, path, digest, entries
    rec.problems, rec.whiteouts, rec.opaques, rec.dive_leaves = problems, whiteouts, opaques, tuple(leaves)
    new = TEntry
    members = rec.members
    for _ in range(nchunks):
        part, pos = _chunk(fd, pos, end)
        members.extend([new(p, t, sz, m, u, g, -1, ln, None, mt, o, rec) for p, t, sz, m, u, g, ln, mt, o in part])
    if pos != end or len(leaves[0]) != len(members) or len(leaves[1]) != len(opaques):
        raise ValueError("inconsistent record")
    return rec


def _chunk(fd: int, pos: int, end: int) -> tuple[Any, int]:
    """(the marshal chunk at ``pos`` of a worker's memory file ``fd``, the position after it); a chunk
    must end by ``end``."""
    (n,) = struct.unpack("<q", _read(fd, 8, pos, end))
    return marshal.loads(_read(fd, n, pos + 8, end)), pos + 8 + n


def _read(fd: int, n: int, at: int, end: int) -> bytes:
    from golayer.image.tarstream import pread_all

    if n < 0 or at + n > end:
        raise ValueError("chunk out of bounds")
    data = pread_all(fd, n, at)
    if len(data) != n:
        raise ValueError("short read")
    return data


def _worker(w: int, queue: int, notes: int, mem: int, claimed: Any, order: list[tuple],
            parse_one: Callable[..., LayerRecord]) -> None:
    """Runs in the forked child: take layers from the queue, parse, write, notify; never return."""
    code = 1
    try:
        off = 0
        while True:
            tok = os.read(queue, _TOKEN)
            if len(tok) < _TOKEN:
                break
            q = int.from_bytes(tok, "little")
            claimed[q] = 1
            _key, i, blob, shown, did = order[q]
            try:
                parts = _encode(parse_one(i, blob, shown, did))
                status = 0
            except GolayerError as exc:
                parts = [marshal.dumps((type(exc).__name__, exc.message, exc.hint))]
                status = 1
            start = off
            for p in parts:
                for b in (struct.pack("<q", len(p)), p):
                    view = memoryview(b)
                    while view:
                        k = os.pwrite(mem, view, off)
                        view = view[k:]
                        off += k
            del parts
            os.write(notes, _NOTE.pack(w, q, status, start, off - start))
        code = 0
    except BaseException:  # noqa: BLE001 - the parent parses whatever a worker did not deliver
        pass
    finally:
        os._exit(code)


class Pipeline:
    """Records of the distinct layers ``order`` (key, index, blob, shown, diff_id), parsed by workers
    and by this process; :meth:`get` returns one in stack order, working meanwhile."""

    def __init__(self, order: list[tuple], parse_one: Callable[..., LayerRecord], n: int,
                 progress: Callable[[str], None] | None):
        self.order = order
        self.parse_one = parse_one
        self.progress = progress
        self.pos = {o[0]: q for q, o in enumerate(order)}  # key -> position in the queue
        self.done: dict[int, Any] = {}  # position -> record, Failed, or ("w", worker, status, off, length)
        self.mine: set[int] = set()  # positions taken here
        self.pids: list[int] = []
        self.mems: list[int] = []
        self.buf = b""
        qr, qw = os.pipe()
        nr, nw = os.pipe()
        try:
            os.write(qw, b"".join(q.to_bytes(_TOKEN, "little") for q in range(len(order))))
        finally:
            os.close(qw)
        self.queue, self.notes = qr, nr
        self.claimed = mmap.mmap(-1, len(order))  # shared with the workers: 1 where one has taken the layer
        os.read(qr, _TOKEN)  # the bottom layer is this process's: stacking starts as soon as it is parsed
        self.mine.add(0)
        try:
            for w in range(n):
                mem = os.memfd_create(f"golayer-layers-{w}", getattr(os, "MFD_CLOEXEC", 0))
                self.mems.append(mem)
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the child; its coverage is the parity test's result
                    os.close(nr)
                    _worker(w, qr, nw, mem, self.claimed, order, parse_one)
                self.pids.append(pid)
        except OSError:  # no fork or memfd (limits): whatever no worker takes is parsed here
            pass
        os.close(nw)
        os.set_blocking(nr, False)
        self.eof = False

    # -- this process's share
    def _take(self) -> bool:
        """Parse the next layer of the queue here; False when the queue is empty."""
        try:  # (no process writes to the queue any more: an empty queue reads as its end)
            tok = os.read(self.queue, _TOKEN)
        except OSError:
            tok = b""
        if len(tok) < _TOKEN:
            return False
        q = int.from_bytes(tok, "little")
        self.mine.add(q)
        self._parse_here(q)
        return True

    def _parse_here(self, q: int) -> None:
        _key, i, blob, shown, did = self.order[q]
        if self.progress:
            self.progress(f"layer {i + 1} (of {len(self.order)} distinct)")
        try:
            self.done[q] = self.parse_one(i, blob, shown, did)
        except GolayerError as exc:
            self.done[q] = Failed(exc)

    # -- the workers' share
    def _notes(self, block: bool) -> bool:
        """Read the notices there are (with ``block``, wait for one); False at the end of all notices."""
        if self.eof:
            return False
        os.set_blocking(self.notes, block)
        try:
            b = os.read(self.notes, _NOTE.size * 64)
        except BlockingIOError:
            return True
        if not b:
            self.eof = True
            self._reap()
            return False
        self.buf += b
        k = len(self.buf) // _NOTE.size * _NOTE.size
        for w, q, status, off, length in _NOTE.iter_unpack(self.buf[:k]):
            self.done[q] = ("w", w, status, off, length)
        self.buf = self.buf[k:]
        return True

    def _open(self, q: int) -> Any:
        """A worker's delivery turned into a record or Failed (parsed here if it is not usable)."""
        _tag, w, status, off, length = self.done[q]
        _key, i, blob, shown, did = self.order[q]
        try:
            if status == 0:
                rec: Any = _decode(shown, self.mems[w], off, length)
            else:
                (_name, message, hint), _pos = _chunk(self.mems[w], off, off + length)
                rec = Failed(InputError(message, hint=hint))
        except (ValueError, EOFError, TypeError, OSError, struct.error):
            self._parse_here(q)
            return self.done[q]
        self.done[q] = rec
        return rec

    def get(self, key: Any) -> LayerRecord | Failed:
        """The record of the layer ``key``; meanwhile parse queued layers here when it is not ready."""
        q = self.pos[key]
        while True:
            got = self.done.get(q)
            if got is not None:
                return self._open(q) if got.__class__ is tuple else got
            if q in self.mine:
                self._parse_here(q)
                continue
            if self._notes(False) and q in self.done:
                continue
            # parse here only what no worker has taken yet: this process also stacks every layer, so
            # while a worker is on the layer needed next, waiting for it costs less than a new layer
            if not self.claimed[q] and self._take():
                continue
            if not self._notes(True) and q not in self.done:
                self._parse_here(q)  # every worker is gone without delivering it

    def _reap(self) -> None:
        for pid in self.pids:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        self.pids = []

    def close(self) -> None:
        """Stop workers still running (an analysis that ended early) and free the queue and memory files."""
        import signal

        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self._reap()
        for fd in (self.queue, self.notes, *self.mems):
            try:
                os.close(fd)
            except OSError:
                pass
        self.mems = []
        self.queue = self.notes = -1
        self.claimed.close()


def start(store, order: list[tuple[Any, int, str, str, str | None]], parse_one: Callable[..., LayerRecord],
          progress: Callable[[str], None] | None) -> Pipeline | None:
    """A :class:`Pipeline` over the distinct layers ``order``, or None when workers would not pay."""
    n = _workers(store, order)
    if not n:
        return None
    try:
        return Pipeline(order, parse_one, n, progress)
    except OSError:  # no pipe or shared memory (descriptor limits): parse serially
        return None
