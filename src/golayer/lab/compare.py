"""``golayer lab compare``: build Dockerfile variants for real and measure them side by side.

For each variant, in a private copy of the build context (the user's files are never modified):

1. cold build (``--no-cache``, fresh cache-mount ids) - repeated ``--repeat`` times;
2. rebuilds with a warm cache after (a) no change, (b) touching a ``.go`` file (mtime only),
   (c) editing it (a comment line appended), (d) editing ``go.mod`` (``// edit`` appended);
3. image size, Go binary bytes, layer table (image analysis when available), optionally a
   smoke start (``--smoke``: ``--network none``, a timeout; the only time the lab executes an
   image, and only with ``--smoke``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TextIO

from golayer.errors import InputError, UsageError
from golayer.lab import bases as bases_mod
from golayer.lab import dockercli
from golayer.lab.build import BuildResult, docker_build
from golayer.lab.rewrite import rewrite

SCENARIOS = ("nochange", "touch", "edit", "gomod")
NOISE_NOTE = ("timings are wall-clock times of `docker build` on this machine; on shared machines they are "
              "noisy (other jobs compete for CPU and disk): compare ratios, use --repeat N for a median")

Progress = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(f"golayer lab: {msg}", file=sys.stderr, flush=True)


@dataclass
class Variant:
    name: str
    dockerfile: str  # as the user named it (or "<name> (golayer lint --fix --unsafe-fixes)")
    text: str
    notes: list[str] = field(default_factory=list)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "variant"


def _stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"median": None, "min": None, "max": None, "runs": []}
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2),
            "max": round(max(values), 2), "runs": [round(v, 2) for v in values]}


# --------------------------------------------------------------------------- variants


def fixed_variant(dockerfile: Path, context: Path, workdir: Path) -> Variant:
    """The Dockerfile after ``golayer lint --fix --unsafe-fixes`` (run on a temporary copy)."""
    try:
        import golayer.commands.lint  # noqa: F401
    except ImportError:
        raise UsageError("--fixed needs `golayer lint` and its fixes, which are not in this build",
                         hint="compare two Dockerfiles instead: golayer lab compare A B") from None
    work = workdir / "fixed"
    shutil.copytree(context, work / "ctx", symlinks=True)
    target = work / "ctx" / dockerfile.name
    if not _inside(dockerfile, context):
        target = work / "ctx" / "Dockerfile.golayer-fixed"
    shutil.copy2(dockerfile, target)
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    cp = subprocess.run([sys.executable, "-m", "golayer", "lint", "--fix", "--unsafe-fixes", "--format", "json",
                         str(target)], capture_output=True, text=True, env=env, cwd=str(work / "ctx"))
    if cp.returncode not in (0, 1):
        raise InputError(f"golayer lint --fix failed on a copy of {dockerfile}: {cp.stderr.strip()[-800:]}")
    text = target.read_text()
    notes = []
    if text == dockerfile.read_text():
        notes.append("golayer lint --fix --unsafe-fixes changed nothing: the fixed variant equals the original")
    try:
        remaining = [f["rule"] for f in json.loads(cp.stdout).get("findings", [])]
        if remaining:
            notes.append("findings left after the fixes: " + ", ".join(sorted(set(remaining))))
    except (ValueError, AttributeError):
        pass
    return Variant("fixed", f"{dockerfile} (golayer lint --fix --unsafe-fixes)", text, notes)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except ValueError:
        return False


# --------------------------------------------------------------------------- base mapping


class BaseMapper:
    def __init__(self, base_map: dict[str, str]):
        self.base_map = base_map
        self.mapped: dict[str, str] = {}
        self.notes: list[str] = []
        self.cat = bases_mod.catalogue()

    def __call__(self, ref: str) -> str | None:
        if ref in self.base_map:
            new = self.base_map[ref]
            if not dockercli.image_exists(new):
                raise InputError(f"--base-map {ref}={new}: {new} is not in the local image store",
                                 hint="run `golayer lab bases` or build/load that image")
            self._note(ref, new, "as --base-map says")
            return new
        if dockercli.image_exists(ref):
            return None
        key = bases_mod.standin_for(ref)
        if key is None:
            raise InputError(f"base image {ref} is not in the local image store and golayer has no stand-in for it",
                             hint=f"load it (docker load / docker pull) or map it: --base-map {ref}=LOCAL-IMAGE")
        tag = self.cat[key].tag
        if not dockercli.image_exists(tag):
            raise InputError(f"base image {ref} is not present locally and its stand-in {tag} is missing too",
                             hint="run `golayer lab bases` to build the offline stand-ins")
        self._note(ref, tag, "not present locally: built against golayer's stand-in")
        return tag

    def _note(self, ref: str, new: str, why: str) -> None:
        if ref not in self.mapped:
            self.mapped[ref] = new
            self.notes.append(f"base {ref} -> {new} ({why})")

    @staticmethod
    def is_go_image(ref: str) -> bool:
        name = ref.split("@")[0].rsplit(":", 1)[0] if ":" in ref.rsplit("/", 1)[-1] else ref
        return name.endswith("golang") or name.endswith("/go") or name.startswith(f"{bases_mod.PREFIX}/golang")


# --------------------------------------------------------------------------- measuring one variant


@dataclass
class Workspace:
    root: Path
    ctx: Path
    dockerfile: Path
    go_file: Path | None
    go_mod: Path | None


def _workspace(variant: Variant, context: Path, tmp: Path) -> Workspace:
    root = tmp / _slug(variant.name)
    ctx = root / "ctx"
    if ctx.exists():
        shutil.rmtree(ctx)
    shutil.copytree(context, ctx, symlinks=True)
    go_files = sorted((p for p in ctx.rglob("*.go") if "vendor" not in p.relative_to(ctx).parts
                       and not any(part.startswith(".") for part in p.relative_to(ctx).parts)),
                      key=lambda p: (p.name != "main.go", len(p.relative_to(ctx).parts), str(p)))
    gomod = ctx / "go.mod"
    return Workspace(root, ctx, root / "Dockerfile", go_files[0] if go_files else None,
                     gomod if gomod.exists() else None)


def measure_variant(variant: Variant, context: Path, tmp: Path, *, builder: str, repeat: int, smoke: bool,
                    mapper: BaseMapper, goproxy: str | None, run_id: str, progress: Progress,
                    scenarios: tuple[str, ...] = SCENARIOS) -> dict[str, Any]:
    ws = _workspace(variant, context, tmp)
    tag = f"golayer-lab-compare/{_slug(variant.name)}:{run_id}"
    out: dict[str, Any] = {"name": variant.name, "dockerfile": variant.dockerfile, "image": tag,
                           "builder": builder, "notes": list(variant.notes)}
    image_ids: set[str] = set()

    def build(label: str, token: str, no_cache: bool) -> BuildResult:
        rw = rewrite(variant.text, mapper, cache_token=token, goproxy=goproxy, is_go_image=mapper.is_go_image)
        ws.dockerfile.write_text(rw.text)
        out["built_dockerfile"] = rw.text
        for n in rw.notes:
            if n not in out["notes"]:
                out["notes"].append(n)
        progress(f"[{variant.name}] {label} build ({builder})")
        res = _clean_result(docker_build(ws.ctx, ws.dockerfile, tag, builder=builder, no_cache=no_cache,
                                         network_host=goproxy is not None))
        if not res.ok:
            raise InputError(f"variant {variant.name}: {label} build failed\n{res.error}",
                             hint=f"the Dockerfile built was {variant.dockerfile}")
        info = dockercli.image_inspect(tag)
        if info:
            image_ids.add(info["Id"])
        progress(f"[{variant.name}] {label}: {res.seconds:.1f} s, re-ran {len(res.rerun())} step(s)")
        return res

    cold: list[float] = []
    cold_res: BuildResult | None = None
    token = ""
    for r in range(repeat):
        token = f"golayer-lab-{run_id}-{_slug(variant.name)}-{r}"
        cold_res = build(f"cold #{r + 1}" if repeat > 1 else "cold", token, True)
        cold.append(cold_res.seconds)
    assert cold_res is not None
    out["cold_s"] = _stats(cold)["median"]
    out["cold"] = _stats(cold)
    out["steps"] = {"cold": _steps_json(cold_res)}
    info = dockercli.image_inspect(tag) or {}
    out["image_size_bytes"] = int(info.get("Size", 0))
    out.update(analyse_image(tag, progress))
    # the binary-only floor: an image holding nothing but the Go binaries
    out["size_over_binary"] = (round(out["image_size_bytes"] / out["binary_bytes"], 3)
                               if out.get("binary_bytes") else None)
    if smoke:
        out["smoke"] = smoke_test(tag, run_id, variant.name)

    rebuild: dict[str, Any] = {}
    rebuild_stats: dict[str, Any] = {}
    steps_rerun: dict[str, Any] = {"cold": cold_res.rerun()}
    for scen in SCENARIOS:
        times: list[float] = []
        last: BuildResult | None = None
        for r in range(repeat if scen in scenarios else 0):
            if scen == "touch":
                if not ws.go_file:
                    break
                now = time.time() + 1 + r
                os.utime(ws.go_file, (now, now))
            elif scen == "edit":
                if not ws.go_file:
                    break
                with ws.go_file.open("a") as fh:
                    fh.write(f"\n// golayer lab edit {run_id} {_slug(variant.name)} {r}\n")
            elif scen == "gomod":
                if not ws.go_mod:
                    break
                with ws.go_mod.open("a") as fh:
                    # unique per run and variant: a cache entry from an earlier run or from the
                    # other variant must not answer for this edit
                    fh.write(f"\n// edit {run_id} {_slug(variant.name)} {r}\n")
            last = build(f"rebuild after {scen}" + (f" #{r + 1}" if repeat > 1 else ""), token, False)
            times.append(last.seconds)
        rebuild[scen] = _stats(times)["median"]
        rebuild_stats[scen] = _stats(times)
        steps_rerun[scen] = last.rerun() if last else None
        if last:
            out["steps"][scen] = _steps_json(last)
    out["rebuild_s"] = rebuild
    out["rebuild"] = rebuild_stats
    out["steps_rerun"] = steps_rerun
    out["edited_files"] = {"go": str(ws.go_file.relative_to(ws.ctx)) if ws.go_file else None,
                           "go_mod": "go.mod" if ws.go_mod else None}
    out["_image_ids"] = sorted(image_ids)
    return out


def _steps_json(res: BuildResult) -> list[dict[str, Any]]:
    return [{"step": s.label, "cached": s.cached, "seconds": s.seconds} for s in res.steps
            if not s.name.upper().startswith("FROM ")]


_LAB_ID = re.compile(r"(,?)id=golayer-lab-[0-9a-f]{8}-[a-z0-9-]*?-\d+-([^,\s]*)")


def clean_step(text: str) -> str:
    """A step as the user wrote it: without the cache-mount ids the lab injected."""
    def rep(m: re.Match) -> str:
        orig = m.group(2)
        # an appended id repeats the target (",id=<token>-/root/.cache/go-build"): drop it
        return "" if orig.startswith("/") and m.group(1) else f"{m.group(1)}id={orig}"

    return _LAB_ID.sub(rep, text)


def _clean_result(res: BuildResult) -> BuildResult:
    for st in res.steps:
        st.name = clean_step(st.name)
    return res


# --------------------------------------------------------------------------- image facts


def analyse_image(tag: str, progress: Progress) -> dict[str, Any]:
    """binary_bytes and a layer table, from golayer's image analysis when it is in this build,
    else from ``docker history`` and a scan of ``docker save`` for Go binaries."""
    try:
        from golayer.image.analyse import analyse  # type: ignore
    except ImportError:
        analyse = None
    if analyse is not None:
        try:
            an = analyse(f"docker:{tag}")
            bins = [b for b in an.binaries if b.is_go and not is_toolchain_path(b.path)]
            cat_bytes = (an.categories.get("go-binary") or {}).get("visible_bytes")
            return {
                # the go-binary category (Go executables outside a toolchain), else the binaries' sizes
                "binary_bytes": cat_bytes if cat_bytes is not None else sum(b.size for b in bins),
                "binaries": [{"path": b.path, "size": b.size, "linkage": b.linkage,
                              "interpreter": b.interpreter, "missing": list(b.missing)} for b in bins],
                "layers": [{"index": la.index, "created_by": la.created_by, "added_bytes": la.added_bytes,
                            "categories": dict(sorted(la.categories.items(), key=lambda kv: -kv[1]))}
                           for la in an.layers],
                "categories": an.categories,
                "analysis": "golayer image",
            }
        except Exception as exc:  # the image analysis failing must not lose the measurements
            progress(f"image analysis of {tag} failed ({type(exc).__name__}: {exc}); using docker history")
    return {"binary_bytes": go_binary_bytes(tag), "layers": _history(tag), "categories": None,
            "analysis": "docker history (golayer image analysis not in this build)"}


def _history(tag: str) -> list[dict[str, Any]]:
    cp = dockercli.run(["history", "--no-trunc", "--format", "{{json .}}", tag], check=False)
    rows = []
    for line in reversed(cp.stdout.splitlines()):
        try:
            h = json.loads(line)
        except ValueError:
            continue
        rows.append({"created_by": h.get("CreatedBy", ""), "size": h.get("Size", "")})
    return rows


GO_MAGIC = b"\xff Go buildinf:"
_TOOLCHAIN = re.compile(r"/pkg/tool/[^/]+/[^/]+$|/bin/(go|gofmt)$")


def is_toolchain_path(path: str) -> bool:
    """Go binaries that belong to a Go toolchain (GOROOT/bin/go, pkg/tool/*), not to the application."""
    return bool(_TOOLCHAIN.search(path))


def go_binary_bytes(tag: str) -> int:
    """Bytes of the Go executables visible in the image's final filesystem, from ``docker save``
    (read as a stream; nothing is extracted or executed)."""
    proc = subprocess.Popen([dockercli.docker_path(), "save", tag], stdout=subprocess.PIPE)
    per_layer: dict[str, tuple[dict[str, int], list[str]]] = {}
    manifest: list[dict[str, Any]] = []
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as outer:
            for m in outer:
                if m.name.endswith("/layer.tar") and m.isfile():
                    f = outer.extractfile(m)
                    if f is not None:
                        per_layer[m.name] = _scan_layer(f)
                elif m.name == "manifest.json":
                    f = outer.extractfile(m)
                    manifest = json.loads(f.read()) if f else []
    finally:
        if proc.stdout:
            proc.stdout.close()
        proc.wait()
    visible: dict[str, int] = {}
    for layer in (manifest[0].get("Layers", []) if manifest else []):
        gos, deleted = per_layer.get(layer, ({}, []))
        for d in deleted:
            visible = {p: s for p, s in visible.items() if p != d and not p.startswith(d + "/")}
        visible.update(gos)
    return sum(visible.values())


def _scan_layer(fileobj) -> tuple[dict[str, int], list[str]]:
    gos: dict[str, int] = {}
    deleted: list[str] = []
    with tarfile.open(fileobj=fileobj, mode="r|") as tf:
        for m in tf:
            name = "/" + m.name.lstrip("./").rstrip("/")
            base = name.rsplit("/", 1)[-1]
            if base.startswith(".wh."):
                parent = name.rsplit("/", 1)[0]
                deleted.append(parent if base == ".wh..wh..opq" else f"{parent}/{base[4:]}")
                continue
            if not m.isfile() or m.size < 1024 or not (m.mode & 0o111):
                continue
            f = tf.extractfile(m)
            if f is None:
                continue
            head = f.read(4)
            if head != b"\x7fELF":
                continue
            data = head + f.read(min(m.size, 512 << 20))
            if GO_MAGIC in data and not is_toolchain_path(name):
                gos[name] = m.size
    return gos, deleted


def smoke_test(tag: str, run_id: str, variant: str, wait: float = 2.0) -> dict[str, Any]:
    """Start the image (``--network none``): started = still running after ``wait`` s, or exit 0."""
    name = f"golayer-lab-smoke-{_slug(variant)}-{run_id}"
    res: dict[str, Any] = {"started": False, "output": "", "exit_code": None}
    cp = dockercli.run(["run", "-d", "--network", "none", "--name", name, tag], check=False, timeout=60)
    try:
        if cp.returncode != 0:
            res["output"] = cp.stderr.strip()[-1000:]
            res["exit_code"] = cp.returncode
            return res
        time.sleep(wait)
        st = dockercli.run(["inspect", "--format", "{{.State.Running}} {{.State.ExitCode}}", name], check=False)
        running, _, code = st.stdout.strip().partition(" ")
        logs = dockercli.run(["logs", "--tail", "20", name], check=False)
        res["output"] = (logs.stdout + logs.stderr).strip()[-1000:]
        res["exit_code"] = None if running == "true" else int(code or -1)
        res["started"] = running == "true" or code == "0"
        return res
    finally:
        dockercli.run(["rm", "-f", name], check=False)


# --------------------------------------------------------------------------- the whole comparison


def compare(dockerfiles: list[Path], *, context: Path | None = None, fixed: bool = False, builder: str = "buildkit",
            repeat: int = 1, smoke: bool = False, base_map: dict[str, str] | None = None,
            goproxy: str | None = None, keep: bool = False, progress: Progress = _stderr,
            scenarios: tuple[str, ...] = SCENARIOS) -> dict[str, Any]:
    if builder not in ("buildkit", "legacy"):
        raise UsageError(f"--builder {builder!r}: use buildkit or legacy")
    if repeat < 1:
        raise UsageError("--repeat must be at least 1")
    if not dockerfiles:
        raise UsageError("give a Dockerfile to build")
    if fixed and len(dockerfiles) > 1:
        raise UsageError("use either a second Dockerfile or --fixed, not both")
    for d in dockerfiles:
        if not d.is_file():
            raise InputError(f"{d}: no such Dockerfile")
    ctx = (context or dockerfiles[0].parent).resolve()
    if not ctx.is_dir():
        raise InputError(f"--context {ctx}: not a directory")
    version = dockercli.ensure_daemon()
    run_id = uuid.uuid4().hex[:8]
    mapper = BaseMapper(base_map or {})
    notes: list[str] = [NOISE_NOTE]
    variants: list[Variant] = []
    names = _variant_names(dockerfiles)
    for d, n in zip(dockerfiles, names):
        variants.append(Variant(n, str(d), d.read_text(encoding="utf-8", errors="replace")))
    server = None
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="golayer-lab-compare-") as tmpd:
        tmp = Path(tmpd)
        if fixed:
            variants.append(fixed_variant(dockerfiles[0], ctx, tmp))
        proxy_url = None
        if goproxy:
            if re.match(r"^https?://", goproxy):
                proxy_url = goproxy
            else:
                from golayer.lab.goproxy import Server

                if not Path(goproxy).is_dir():
                    raise InputError(f"--goproxy {goproxy}: not a directory (generate one with `golayer lab goproxy DIR`)")
                server = Server(Path(goproxy), port=_free_port())
                server.__enter__()
                proxy_url = server.url
            notes.append(f"GOPROXY={proxy_url} injected into Go stages; builds use --network host")
        try:
            for v in variants:
                results.append(measure_variant(v, ctx, tmp, builder=builder, repeat=repeat, smoke=smoke,
                                               mapper=mapper, goproxy=proxy_url, run_id=run_id, progress=progress,
                                               scenarios=scenarios))
        finally:
            if server:
                server.close()
            if not keep:
                for r in results:
                    dockercli.remove_images([r["image"]])
                    dockercli.run(["image", "rm", *r.get("_image_ids", [])], check=False)
    for r in results:
        r.pop("_image_ids", None)
    notes[1:1] = mapper.notes
    return {"lab": {"docker": version, "builder": builder, "repeat": repeat, "context": str(ctx), "run_id": run_id,
                    "kept_images": keep},
            "variants": results, "notes": notes}


def _variant_names(paths: list[Path]) -> list[str]:
    if len(paths) == 1:
        return ["original"]
    names = [p.name for p in paths]
    if len(set(names)) == len(names):
        return names
    return [str(p) for p in paths]


def _free_port() -> int:
    import socket

    for port in (37017, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return s.getsockname()[1]
            except OSError:
                continue
    return 0


# --------------------------------------------------------------------------- text output


def _mb(n: int | None) -> str:
    return "-" if n is None else f"{n / 1e6:.1f} MB"


def _s(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f} s"


def write_text(doc: dict[str, Any], out: TextIO, color: bool = False) -> None:
    vs = doc["variants"]
    bold = (lambda t: f"\x1b[1m{t}\x1b[0m") if color else (lambda t: t)
    out.write(bold(f"golayer lab compare ({doc['lab']['builder']}, docker {doc['lab']['docker']}, "
                   f"repeat {doc['lab']['repeat']})") + "\n\n")
    cols = ["", *[v["name"] for v in vs]]
    rows = [
        ["image size", *[_mb(v["image_size_bytes"]) for v in vs]],
        ["Go binaries", *[_mb(v.get("binary_bytes")) for v in vs]],
        ["size / binary", *[f"{v['size_over_binary']:.2f}x" if v.get("size_over_binary") else "-" for v in vs]],
        ["cold build", *[_s(v["cold_s"]) + _spread(v["cold"]) for v in vs]],
    ]
    for scen, label in (("nochange", "rebuild: no change"), ("touch", "rebuild: touch .go"),
                        ("edit", "rebuild: edit .go"), ("gomod", "rebuild: edit go.mod")):
        rows.append([label, *[_s(v["rebuild_s"][scen]) + _spread(v["rebuild"][scen]) for v in vs]])
    if any("smoke" in v for v in vs):
        rows.append(["smoke start", *[("started" if v["smoke"]["started"] else "FAILED") if "smoke" in v else "-"
                                      for v in vs]])
    if len(vs) == 2 and vs[0]["image_size_bytes"] and vs[1]["image_size_bytes"]:
        a, b = vs
        rows.append(["ratio", f"size {a['image_size_bytes'] / b['image_size_bytes']:.1f}x",
                     _ratio(a["rebuild_s"].get("edit"), b["rebuild_s"].get("edit"), "edit-rebuild")])
    widths = [max(len(str(r[i])) for r in [cols, *rows]) for i in range(len(cols))]
    for r in [cols, *rows]:
        out.write("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() + "\n")
    for v in vs:
        out.write("\n" + bold(f"{v['name']}: {v['dockerfile']}") + "\n")
        for scen in ("cold", *SCENARIOS):
            rr = v["steps_rerun"].get(scen)
            if rr is None:
                continue
            shown = "; ".join(_short(s) for s in rr) if rr else "nothing (all CACHED)"
            out.write(f"  re-ran on {scen:8}: {shown}\n")
        if v.get("smoke") and not v["smoke"]["started"]:
            out.write(f"  smoke: exit {v['smoke']['exit_code']}: {v['smoke']['output'][-300:]}\n")
        out.write(f"  layers ({v['analysis']}):\n")
        for la in v.get("layers", []):
            size = _mb(la["added_bytes"]) if "added_bytes" in la else la.get("size", "")
            cats = ", ".join(f"{k} {_mb(b)}" for k, b in list((la.get("categories") or {}).items())[:3])
            out.write(f"    {size:>10}  {_short(la['created_by'], 70)}" + (f"  [{cats}]" if cats else "") + "\n")
        for n in v.get("notes", []):
            out.write(f"  note: {n}\n")
    out.write("\n")
    for n in doc["notes"]:
        out.write(f"note: {n}\n")


def _spread(st: dict[str, Any]) -> str:
    if not st or st.get("min") is None or len(st.get("runs", [])) < 2:
        return ""
    return f" ({st['min']:.1f}-{st['max']:.1f})"


def _ratio(a: float | None, b: float | None, what: str) -> str:
    if not a or not b:
        return "-"
    return f"{what} {a / b:.1f}x"


def _short(text: str, n: int = 60) -> str:
    text = text.replace("/bin/sh -c #(nop) ", "").removesuffix(" # buildkit")
    if not text.startswith("RUN "):
        text = text.replace("/bin/sh -c ", "RUN ", 1)
    else:
        text = text.replace("RUN /bin/sh -c ", "RUN ", 1)
    text = re.sub(r"\s+", " ", text).strip() or "(base layer)"
    return text if len(text) <= n else text[: n - 1] + "…"
