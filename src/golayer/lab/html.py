"""``golayer lab compare --html FILE``: one self-contained offline page (inline CSS and SVG, no
scripts, no fetches), in the look of ``golayer image --html`` (same stylesheet and category
colours when that module is in the build):

* the side-by-side table (size, binary, size/binary, cold and rebuild times, smoke);
* bars per measurement, one per variant;
* per variant: layer sizes stacked by image-analysis category, the steps that re-ran per
  scenario, and the smoke output.
"""

from __future__ import annotations

import html
from typing import Any

_FALLBACK_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
table{border-collapse:collapse;width:100%;font-size:13px} td,th{padding:3px 8px;border-bottom:1px solid #eee;text-align:left}
td.n,th.n{text-align:right} .sw{display:inline-block;width:10px;height:10px;margin-right:4px}
svg text{font-size:11px;fill:#333} code{font-size:12px}
"""


def _style() -> tuple[str, dict[str, str]]:
    try:
        from golayer.report import html as image_html  # the image report's look

        return image_html._CSS, dict(image_html.COLORS)
    except (ImportError, AttributeError):
        return _FALLBACK_CSS, {}


def _h(n: float | None) -> str:
    if n is None:
        return "-"
    for unit, k in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= k:
            return f"{n / k:.1f} {unit}"
    return f"{int(n)} B"


def _s(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f} s"


def _bars(title: str, values: list[tuple[str, float | None]], fmt) -> str:
    top = max((v for _, v in values if v), default=1) or 1
    rows = []
    for i, (name, v) in enumerate(values):
        w = 420 * (v or 0) / top
        y = 6 + i * 22
        rows.append(f'<text x="0" y="{y + 12}">{html.escape(name[:28])}</text>'
                    f'<rect class="bar" x="190" y="{y}" width="{max(w, 1):.1f}" height="16" fill="#4a7bd0"/>'
                    f'<text x="{196 + w:.1f}" y="{y + 12}">{html.escape(fmt(v))}</text>')
    return (f"<h3>{html.escape(title)}</h3><svg width=\"760\" height=\"{10 + 22 * len(values)}\" role=\"img\">"
            + "".join(rows) + "</svg>")


def _layer_chart(layers: list[dict[str, Any]], colors: dict[str, str]) -> str:
    if not layers or not any(la.get("categories") for la in layers):
        return ""
    top = max((la.get("added_bytes") or 0 for la in layers), default=1) or 1
    bw, gap, base, height = 28, 8, 170, 160
    parts = []
    for i, la in enumerate(layers):
        x = 50 + i * (bw + gap)
        y = float(base)
        for cat, b in (la.get("categories") or {}).items():
            if b <= 0:
                continue
            hgt = max(1.0, height * b / top)
            y -= hgt
            parts.append(f'<rect x="{x}" y="{y:.1f}" width="{bw}" height="{hgt:.1f}" fill="{colors.get(cat, "#ccc")}"'
                         f' data-category="{html.escape(cat)}"><title>layer {i}: {html.escape(cat)} {_h(b)}</title></rect>')
        parts.append(f'<text x="{x + bw / 2}" y="{base + 14}" text-anchor="middle">{i}</text>')
    width = 60 + len(layers) * (bw + gap)
    cats = sorted({c for la in layers for c, b in (la.get("categories") or {}).items() if b > 0})
    legend = "".join(f'<span><i class="sw" style="background:{colors.get(c, "#ccc")}"></i>{html.escape(c)}</span> '
                     for c in cats)
    return (f'<svg width="{width}" height="{base + 22}" role="img"><line x1="45" y1="{base}" x2="{width}" y2="{base}" '
            f'stroke="#999"/><text x="0" y="14">{_h(top)}</text>{"".join(parts)}</svg>'
            f'<div class="legend">{legend}</div>')


def render(doc: dict[str, Any]) -> str:
    css, colors = _style()
    e = html.escape
    vs = doc["variants"]
    head = ["", *[v["name"] for v in vs]]
    rows = [
        ["image size", *[_h(v.get("image_size_bytes")) for v in vs]],
        ["Go binaries", *[_h(v.get("binary_bytes")) for v in vs]],
        ["size / binary", *[f"{v['size_over_binary']:.2f}x" if v.get("size_over_binary") else "-" for v in vs]],
        ["cold build", *[_s(v.get("cold_s")) for v in vs]],
        *[[f"rebuild: {s}", *[_s(v["rebuild_s"].get(s)) for v in vs]] for s in ("nochange", "touch", "edit", "gomod")],
    ]
    if any("smoke" in v for v in vs):
        rows.append(["smoke start", *[("started" if v["smoke"]["started"] else "FAILED") if "smoke" in v else "-"
                                      for v in vs]])
    table = "<table><tr>" + "".join(f"<th>{e(c)}</th>" for c in head) + "</tr>" + "".join(
        "<tr>" + "".join(f'<td{" class=n" if j else ""}>{e(str(c))}</td>' for j, c in enumerate(r)) + "</tr>"
        for r in rows) + "</table>"
    charts = [_bars("Image size", [(v["name"], v.get("image_size_bytes")) for v in vs], _h),
              _bars("Cold build", [(v["name"], v.get("cold_s")) for v in vs], _s)]
    for scen in ("edit", "gomod"):
        charts.append(_bars(f"Rebuild after {scen}", [(v["name"], v["rebuild_s"].get(scen)) for v in vs], _s))
    sections = []
    for v in vs:
        steps = "".join(
            f"<tr><td>{e(s)}</td><td>{e('; '.join(r)) if r else ('all cached' if r is not None else '-')}</td></tr>"
            for s, r in v["steps_rerun"].items())
        layer_rows = "".join(
            f"<tr><td class=n>{e(_h(la['added_bytes']) if 'added_bytes' in la else str(la.get('size', '')))}</td>"
            f"<td><code>{e(la['created_by'][:160])}</code></td>"
            f"<td>{e(', '.join(f'{k} {_h(b)}' for k, b in (la.get('categories') or {}).items() if b))}</td></tr>"
            for la in v.get("layers", []))
        smoke = ""
        if "smoke" in v:
            smoke = (f"<p>smoke: <b>{'started' if v['smoke']['started'] else 'FAILED'}</b> "
                     f"<code>{e(v['smoke']['output'][-300:])}</code></p>")
        notes = "".join(f"<li>{e(n)}</li>" for n in v.get("notes", []))
        sections.append(
            f"<h2>{e(v['name'])}</h2><div class=\"sub\"><code>{e(v['dockerfile'])}</code></div>{smoke}"
            f"<h3>Layer sizes by category</h3>{_layer_chart(v.get('layers', []), colors)}"
            f"<h3>Steps that re-ran</h3><table><tr><th>scenario</th><th>steps</th></tr>{steps}</table>"
            f"<h3>Layers ({e(v.get('analysis', ''))})</h3><table><tr><th class=n>bytes</th><th>created by</th>"
            f"<th>categories</th></tr>{layer_rows}</table>" + (f"<ul>{notes}</ul>" if notes else ""))
    notes = "".join(f"<li>{e(n)}</li>" for n in doc.get("notes", []))
    lab = doc["lab"]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>golayer lab compare</title><style>{css}</style></head>
<body><h1>golayer lab compare</h1>
<div class="sub">builder {e(lab['builder'])} · docker {e(lab['docker'])} · repeat {lab['repeat']}</div>
{table}{''.join(charts)}{''.join(sections)}<h2>Notes</h2><ul>{notes}</ul>
</body></html>
"""
