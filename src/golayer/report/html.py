"""``golayer image --html FILE``: one self-contained offline page (inline CSS, JS and SVG).

The page embeds the same data as the JSON report and draws, with a few lines of plain JS:

* a stacked bar chart of layer sizes by category (one bar per layer; hidden bytes drawn as a
  hatched segment below the axis label),
* "where the bytes go": one bar per category split into visible and wasted bytes,
* the layer table, the biggest groups (caches, toolchains, .git), binaries and findings.

No network access, no external fonts or scripts: it opens from a CI artifact or an e-mail.
"""

from __future__ import annotations

import html
import json
from typing import Any

COLORS = {
    "go-build-cache": "#d62728", "go-module-cache": "#ff7f0e", "go-toolchain": "#9467bd", "go-source": "#8c564b",
    "vcs-metadata": "#e377c2", "go-env-file": "#bcbd22", "c-toolchain": "#7f7f7f", "package-manager-cache": "#17becf",
    "go-binary": "#2ca02c", "os-base": "#1f77b4", "other": "#aec7e8",
}

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
.sub{color:#666} .totals span{display:inline-block;margin-right:18px} .totals b{font-size:18px}
table{border-collapse:collapse;width:100%;font-size:13px} td,th{padding:3px 8px;border-bottom:1px solid #eee;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums} .legend span{display:inline-block;margin:2px 10px 2px 0}
.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.sev-error{color:#b00020;font-weight:600} .sev-warning{color:#a15c00;font-weight:600} .sev-info{color:#036}
svg text{font-size:11px;fill:#333} code{font-size:12px}
"""

_JS = r"""
(function(){
const D = JSON.parse(document.getElementById('golayer-data').textContent);
const C = D.colors, NS = 'http://www.w3.org/2000/svg';
function h(n){const u=[['GB',1e9],['MB',1e6],['kB',1e3]];for(const [s,k] of u){if(Math.abs(n)>=k)return (n/k).toFixed(1)+' '+s;}return n+' B';}
function el(t,a,p){const e=document.createElementNS(NS,t);for(const k in a)e.setAttribute(k,a[k]);if(p)p.appendChild(e);return e;}
function title(e,s){const t=el('title',{},e);t.textContent=s;}
const S=D.summary;
document.getElementById('total').textContent=h(S.total_bytes);
document.getElementById('visible').textContent=h(S.visible_bytes);
document.getElementById('wasted').textContent=h(S.wasted_bytes)+' ('+(S.total_bytes?(100*S.wasted_bytes/S.total_bytes).toFixed(1):'0.0')+'%)';
document.getElementById('eff').textContent=(100*S.efficiency).toFixed(2)+'%';
document.getElementById('dive').textContent=(100*S.dive_efficiency).toFixed(2)+'%';
// 1. layers stacked by category
const L=D.layers, W=Math.max(360,Math.min(1100,60+L.length*56)), H=260, top=10, base=200;
const svg=el('svg',{width:W,height:H,viewBox:'0 0 '+W+' '+H,id:'layers-chart',role:'img'},document.getElementById('layers'));
const max=Math.max(1,...L.map(l=>l.added_bytes));
const bw=Math.max(8,Math.min(40,(W-60)/Math.max(1,L.length)-10));
el('line',{x1:50,y1:base,x2:W-5,y2:base,stroke:'#999'},svg);
const yl=el('text',{x:4,y:top+10},svg); yl.textContent=h(max);
L.forEach((l,i)=>{
  const x=55+i*(bw+10); let y=base;
  const cats=Object.entries(l.categories).filter(([k,v])=>v>0);
  for(const [cat,v] of cats){
    const hgt=Math.max(1,(base-top)*v/max); y-=hgt;
    const r=el('rect',{x:x,y:y,width:bw,height:hgt,fill:C[cat]||'#ccc','class':'seg','data-layer':i,'data-category':cat,'data-bytes':v},svg);
    title(r,'layer '+i+': '+cat+' '+h(v));
  }
  if(l.hidden_bytes>0){
    const hh=Math.min(40,Math.max(2,40*l.hidden_bytes/max));
    const r=el('rect',{x:x,y:base+22,width:bw,height:hh,fill:'none',stroke:'#b00020','stroke-dasharray':'3 2','class':'hidden-seg','data-layer':i,'data-bytes':l.hidden_bytes},svg);
    title(r,'layer '+i+' hides '+h(l.hidden_bytes)+' of lower layers');
  }
  const t=el('text',{x:x+bw/2,y:base+14,'text-anchor':'middle'},svg); t.textContent=String(i);
});
// 2. where the bytes go
const cats=Object.entries(D.categories).filter(([k,v])=>v.visible_bytes+v.wasted_bytes>0).sort((a,b)=>(b[1].visible_bytes+b[1].wasted_bytes)-(a[1].visible_bytes+a[1].wasted_bytes));
const W2=900, rowH=22, H2=20+cats.length*rowH;
const s2=el('svg',{width:W2,height:H2,viewBox:'0 0 '+W2+' '+H2,id:'where-chart',role:'img'},document.getElementById('where'));
const m2=Math.max(1,...cats.map(([k,v])=>v.visible_bytes+v.wasted_bytes));
cats.forEach(([cat,v],i)=>{
  const y=10+i*rowH, lab=el('text',{x:0,y:y+13},s2); lab.textContent=cat;
  const wv=480*v.visible_bytes/m2, ww=480*v.wasted_bytes/m2;
  if(v.visible_bytes>0){const r=el('rect',{x:170,y:y,width:Math.max(1,wv),height:16,fill:C[cat]||'#ccc','class':'where','data-category':cat,'data-kind':'visible','data-bytes':v.visible_bytes},s2);title(r,cat+' visible '+h(v.visible_bytes));}
  if(v.wasted_bytes>0){const r=el('rect',{x:170+wv,y:y,width:Math.max(1,ww),height:16,fill:C[cat]||'#ccc','fill-opacity':0.35,stroke:'#b00020','class':'where','data-category':cat,'data-kind':'wasted','data-bytes':v.wasted_bytes},s2);title(r,cat+' wasted '+h(v.wasted_bytes));}
  const t=el('text',{x:176+wv+ww,y:y+13},s2); t.textContent=h(v.visible_bytes)+(v.wasted_bytes?' + '+h(v.wasted_bytes)+' wasted':'');
});
const lg=document.getElementById('legend');
for(const [cat] of cats){const s=document.createElement('span');s.innerHTML='<i class="sw" style="background:'+(C[cat]||'#ccc')+'"></i>'+cat;lg.appendChild(s);}
document.body.setAttribute('data-rendered','1');
})();
"""


def script_json(obj: Any) -> str:
    """JSON that is safe inside a ``<script>`` element whatever the strings hold: ``<``, ``>``, ``&`` and the
    JavaScript line terminators are written as ``\\u`` escapes, so no ``</script>``, ``<!--`` or ``]]>`` in an
    image's names or history can end or comment out the block."""
    text = json.dumps(obj, separators=(",", ":"), default=str)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


_TREE_CSS = """
#tree-controls{margin:8px 0;display:flex;gap:14px;flex-wrap:wrap;align-items:center}
#tree{font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;max-height:640px;overflow:auto;border:1px solid #eee;padding:4px}
#tree ul{list-style:none;margin:0;padding:0} #tree .line{cursor:default;white-space:nowrap}
#tree .tw{display:inline-block;width:14px;color:#666} #tree .mk{display:inline-block;width:14px;font-weight:700}
#tree .sz{color:#888;margin-left:10px} #tree .added>.line .mk{color:#1a7f37} #tree .modified>.line .mk{color:#9a6700}
#tree .removed>.line{color:#b00020;text-decoration:line-through} #tree .wasted>.line .mk{color:#b00020}
"""


def tree_data(ana: Any) -> dict[str, Any]:
    """The image's whole history in a compact form for the page's explorer: a path table (parent index and
    name per node, parents before children) and a flat version table of six integers per version:
    node, layer written, layer that hid it (-1: none), bytes, category index, type index."""
    from golayer.image.explore import Explorer

    ex = Explorer(ana)
    index: dict[str, int] = {"/": 0}
    parent, name = [-1], [""]
    paths = sorted(set(ex.versions) | set(ex.kids), key=lambda p: (p.count("/"), p))
    for p in paths:
        if p == "/":
            continue
        i = p.rfind("/")
        up = p[:i] if i > 0 else "/"
        index[p] = len(parent)
        parent.append(index[up])
        name.append(p[i + 1:])
    cats: dict[str | None, int] = {None: 0}
    types: dict[str, int] = {}
    flat: list[int] = []
    for p, vs in ex.versions.items():
        for v in vs:
            c = cats.setdefault(v.category, len(cats))
            t = types.setdefault(v.type, len(types))
            flat += [index[p], v.layer, -1 if v.hidden_at is None else v.hidden_at, v.size, c, t]
    return {"parent": parent, "name": name, "versions": flat, "layers": len(ana.layers),
            "categories": [c or "" for c in sorted(cats, key=cats.get)],
            "types": sorted(types, key=types.get)}


def _rows(items: list[list[str]], num: set[int]) -> str:
    out = []
    for i, r in enumerate(items):
        tag = "th" if i == 0 else "td"
        out.append("<tr>" + "".join(f'<{tag}{" class=n" if j in num else ""}>{html.escape(str(c))}</{tag}>'
                                    for j, c in enumerate(r)) + "</tr>")
    return "<table>" + "".join(out) + "</table>"


def render(ana: Any, report: Any) -> str:
    from golayer.rules.image._util import created_by, human

    data = dict(report.data)
    data["colors"] = COLORS
    blob = script_json({k: data[k] for k in ("summary", "layers", "categories", "colors")})
    tree_blob = script_json(tree_data(ana))
    from importlib.resources import files

    tree_js = files("golayer.report").joinpath("explore.js").read_text(encoding="utf-8")
    layer_rows = [["#", "size", "hidden", "files", "created by"]] + [
        [str(li.index), human(li.added_bytes), human(li.hidden_bytes), str(li.files), created_by(ana, li.index, 100)]
        for li in ana.layers]
    group_rows = [["category", "path", "visible", "wasted", "files", "layers"]] + [
        [g.category, g.path, human(g.visible_bytes), human(g.wasted_bytes), str(g.files),
         ", ".join(map(str, sorted(g.layers)))] for g in ana.groups[:50]]
    bin_rows = [["path", "go", "linkage", "interpreter", "missing"]] + [
        [b.path, b.buildinfo.go_version if b.buildinfo else "-", b.linkage, b.interpreter or "-",
         ", ".join(b.missing) or "-"] for b in ana.binaries]
    finds = "".join(
        f'<li><span class="sev-{f.severity}">{html.escape(str(f.severity))}</span> <code>{html.escape(f.rule)}</code>'
        f" {html.escape(f.message)}</li>" for f in report.sorted_findings()) or "<li>no findings</li>"
    title = html.escape(f"golayer image {ana.ref}")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title}</title><style>{_CSS}{_TREE_CSS}</style></head>
<body>
<h1>{title}</h1>
<div class="sub">{html.escape(ana.source_kind)} · {html.escape(ana.platform or "")} · {len(ana.layers)} layers</div>
<p class="totals"><span>total <b id="total"></b></span><span>visible <b id="visible"></b></span>
<span>wasted <b id="wasted"></b></span><span>efficiency <b id="eff"></b></span><span>dive's score <b id="dive"></b></span></p>
<h2>Layer sizes by category</h2><div id="layers"></div>
<div class="legend" id="legend"></div>
<h2>Where the bytes go</h2><div id="where"></div>
<h2>Layers</h2>{_rows(layer_rows, {1, 2, 3})}
<h2>Caches, toolchains, sources</h2>{_rows(group_rows, {2, 3, 4}) if len(group_rows) > 1 else "<p>none</p>"}
<h2>Binaries</h2>{_rows(bin_rows, set()) if len(bin_rows) > 1 else "<p>none inspected</p>"}
<h2>Findings</h2><ul>{finds}</ul>
<h2>Files</h2>
<div id="tree-controls"><select id="tree-layer" aria-label="layer"></select>
<label><input type="checkbox" id="tree-changes"> this layer's changes only</label>
<label><input type="checkbox" id="tree-wasted"> wasted only</label>
<select id="tree-category" aria-label="category"><option value="">all categories</option></select>
<input type="search" id="tree-search" placeholder="search paths" aria-label="search paths">
<span id="tree-status" class="sub"></span></div>
<div id="tree"></div>
<p class="sub">marks: + added, ~ modified, - removed, ! hidden by a later layer (wasted); click a directory to open it</p>
<script type="application/json" id="golayer-data">{blob}</script>
<script type="application/json" id="golayer-tree">{tree_blob}</script>
<script>{_JS}</script>
<script>{tree_js}</script>
</body></html>
"""


def write(ana: Any, report: Any, path: str) -> None:
    """Write the page atomically (golayer.limits.atomic_write); never over one of the report's inputs."""
    from golayer.limits import atomic_write, input_paths

    atomic_write(path, render(ana, report), inputs=input_paths(report))
