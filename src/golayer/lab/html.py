"""A self-contained, offline HTML page for ``golayer lab compare --html`` (no scripts, no fetches).

It uses golayer's HTML report module when the build has one (``golayer.report.html`` with a
``render_lab``), else this page: a side-by-side table and bars for size and rebuild times.
"""

from __future__ import annotations

import html
from typing import Any


def render(doc: dict[str, Any]) -> str:
    try:
        from golayer.report import html as shared  # type: ignore

        if hasattr(shared, "render_lab"):
            return shared.render_lab(doc)
    except ImportError:
        pass
    vs = doc["variants"]
    e = html.escape

    def bars(title: str, values: list[tuple[str, float | None]], unit: str) -> str:
        top = max((v for _, v in values if v), default=1) or 1
        rows = "".join(
            f'<div class="row"><span class="lbl">{e(n)}</span><span class="bar" style="width:{(v or 0) / top * 60:.1f}%">'
            f'</span><span class="val">{"-" if v is None else f"{v:.1f} {unit}"}</span></div>' for n, v in values)
        return f"<h3>{e(title)}</h3>{rows}"

    parts = [bars("Image size", [(v["name"], v["image_size_bytes"] / 1e6) for v in vs], "MB")]
    parts.append(bars("Cold build", [(v["name"], v["cold_s"]) for v in vs], "s"))
    for scen in ("nochange", "touch", "edit", "gomod"):
        parts.append(bars(f"Rebuild after {scen}", [(v["name"], v["rebuild_s"].get(scen)) for v in vs], "s"))
    tables = []
    for v in vs:
        rows = "".join(f"<tr><td>{e(s)}</td><td>{e('; '.join(r) if r else ('all cached' if r is not None else '-'))}</td></tr>"
                       for s, r in v["steps_rerun"].items())
        layers = "".join(
            f"<tr><td>{la.get('added_bytes', la.get('size', ''))}</td><td><code>{e(la['created_by'][:160])}</code></td>"
            f"<td>{e(', '.join(f'{k} {b}' for k, b in (la.get('categories') or {}).items()))}</td></tr>"
            for la in v.get("layers", []))
        smoke = ""
        if "smoke" in v:
            smoke = f"<p>smoke: {'started' if v['smoke']['started'] else 'FAILED'} <code>{e(v['smoke']['output'][-300:])}</code></p>"
        tables.append(f"<h2>{e(v['name'])}</h2><p><code>{e(v['dockerfile'])}</code></p>{smoke}"
                      f"<table><tr><th>scenario</th><th>steps that re-ran</th></tr>{rows}</table>"
                      f"<table><tr><th>bytes</th><th>created by</th><th>categories</th></tr>{layers}</table>")
    notes = "".join(f"<li>{e(n)}</li>" for n in doc.get("notes", []))
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>golayer lab compare</title><style>
body{{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}} .row{{display:flex;align-items:center;margin:2px 0}}
.lbl{{width:12em}} .bar{{background:#4a7bd0;height:14px;display:inline-block;margin-right:.5em}}
table{{border-collapse:collapse;margin:1em 0}} td,th{{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}}
</style></head><body><h1>golayer lab compare</h1><p>builder {e(doc['lab']['builder'])}, docker {e(doc['lab']['docker'])},
repeat {doc['lab']['repeat']}</p>{''.join(parts)}{''.join(tables)}<ul>{notes}</ul></body></html>
"""
