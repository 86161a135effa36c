(function(){
/* The explorable file tree of golayer's HTML image report: layer selector, whole image vs one layer's changes,
   wasted-only and category filters, path search, lazily rendered directories with aggregated sizes.
   Every name is inserted with textContent, never as HTML. */
const T = JSON.parse(document.getElementById('golayer-tree').textContent);
const P = T.parent, N = T.name, V = T.versions, CATS = T.categories, TYPES = T.types, NL = T.layers;
const kids = new Map(), vers = new Map();
for (let i = 0; i < P.length; i++) { const p = P[i]; if (p >= 0) { if (!kids.has(p)) kids.set(p, []); kids.get(p).push(i); } }
for (let k = 0; k < V.length; k += 6) { const n = V[k]; if (!vers.has(n)) vers.set(n, []); vers.get(n).push(k); }
const path = i => { const parts = []; while (i > 0) { parts.push(N[i]); i = P[i]; } return '/' + parts.reverse().join('/'); };
function h(n){const u=[['GB',1e9],['MB',1e6],['kB',1e3]];for(const [s,k] of u){if(Math.abs(n)>=k)return (n/k).toFixed(1)+' '+s;}return n+' B';}
const st = {layer: NL - 1, changes: false, wasted: false, cat: '', q: '', open: new Set([0])};
let view = null;
function state(i){ // [versionOffset, mark, wasted] or null
  const vs = vers.get(i); if (!vs) return null;
  let shown = -1, removed = -1, earlier = false, here = false;
  for (const k of vs) {
    const l = V[k+1], hid = V[k+2];
    if (l > st.layer) break;
    if (l < st.layer) earlier = true; else here = true;
    if (hid >= 0 && hid <= st.layer) { if (hid === st.layer) removed = k; continue; }
    shown = k;
  }
  if (shown >= 0) {
    if (V[shown+1] === st.layer) return [shown, earlier ? 'modified' : 'added', V[shown+2] >= 0];
    return st.changes ? null : [shown, 'unchanged', V[shown+2] >= 0];
  }
  return (removed >= 0 && !here) ? [removed, 'removed', false] : null;
}
function passes(s){
  if (st.wasted && !s[2]) return false;
  if (st.cat && CATS[V[s[0]+4]] !== st.cat) return false;
  return true;
}
function compute(){ // one pass: shown nodes and directory sizes for this layer/view/filter
  const shown = new Map(), size = new Float64Array(P.length), wasted = new Uint8Array(P.length), live = new Uint8Array(P.length);
  for (const [i] of vers) {
    const s = state(i); if (!s) continue;
    shown.set(i, s);
    const isDir = TYPES[V[s[0]+5]] === 'dir';
    if (isDir ? (st.wasted || st.cat) : !passes(s)) continue;  // with a filter, only matching files open a path
    const b = (s[1] === 'removed' || isDir) ? 0 : V[s[0]+3];
    let p = i; live[i] = 1;
    while (p > 0) { p = P[p]; size[p] += b; if (s[2]) wasted[p] = 1; live[p] = 1; }
  }
  view = {shown, size, wasted, live};
}
const MARK = {added:'+', modified:'~', removed:'-', unchanged:' '};
function row(i, depth){
  const s = view.shown.get(i), isDir = kids.has(i);
  const li = document.createElement('li');
  li.className = 'node ' + (s ? s[1] : 'unchanged') + ((s && s[2]) || (isDir && view.wasted[i]) ? ' wasted' : '');
  li.dataset.path = path(i);
  const line = document.createElement('div'); line.className = 'line'; line.style.paddingLeft = (depth * 16) + 'px';
  const tw = document.createElement('span'); tw.className = 'tw'; tw.textContent = isDir ? (st.open.has(i) ? '▾' : '▸') : ' ';
  const mk = document.createElement('span'); mk.className = 'mk'; mk.textContent = (s && s[2] && s[1] !== 'removed') ? '!' : MARK[s ? s[1] : 'unchanged'];
  const nm = document.createElement('span'); nm.className = 'nm'; nm.textContent = N[i] + (isDir ? '/' : '');
  const sz = document.createElement('span'); sz.className = 'sz';
  sz.textContent = isDir ? h(view.size[i]) : (s ? h(V[s[0]+3]) : '');
  if (s && !isDir) { const c = CATS[V[s[0]+4]]; if (c) { nm.title = c + ', layer ' + V[s[0]+1] + (V[s[0]+2] >= 0 ? ', hidden by layer ' + V[s[0]+2] : ''); li.dataset.category = c; } }
  line.append(tw, mk, nm, sz); li.appendChild(line);
  if (isDir) {
    line.addEventListener('click', () => { if (st.open.has(i)) st.open.delete(i); else st.open.add(i); render(); });
    if (st.open.has(i)) li.appendChild(list(i, depth + 1));
  }
  return li;
}
function list(parent, depth){
  const ul = document.createElement('ul');
  const ks = (kids.get(parent) || []).filter(k => view.live[k]);
  ks.sort((a, b) => (kids.has(b) - kids.has(a)) || (N[a] < N[b] ? -1 : N[a] > N[b] ? 1 : 0));
  for (const k of ks) ul.appendChild(row(k, depth));
  return ul;
}
function render(){
  const box = document.getElementById('tree'); box.textContent = '';
  if (st.q) {
    const ul = document.createElement('ul'); let n = 0;
    for (let i = 1; i < P.length && n < 200; i++) {
      if (!view.live[i] || kids.has(i)) continue;
      const p = path(i); if (p.toLowerCase().indexOf(st.q) < 0) continue;
      const li = row(i, 0); li.querySelector('.nm').textContent = p; ul.appendChild(li); n++;
    }
    box.appendChild(ul);
  } else box.appendChild(list(0, 0));
  document.getElementById('tree-status').textContent = (st.changes ? 'changes of layer ' : 'image as of layer ') + st.layer;
}
const sel = document.getElementById('tree-layer');
for (let l = 0; l < NL; l++) { const o = document.createElement('option'); o.value = l; o.textContent = 'layer ' + l; sel.appendChild(o); }
sel.value = st.layer;
const csel = document.getElementById('tree-category');
for (const c of CATS) { if (!c) continue; const o = document.createElement('option'); o.value = c; o.textContent = c; csel.appendChild(o); }
function update(){ st.layer = +sel.value; st.changes = document.getElementById('tree-changes').checked;
  st.wasted = document.getElementById('tree-wasted').checked; st.cat = csel.value;
  st.q = document.getElementById('tree-search').value.trim().toLowerCase(); compute(); render(); }
for (const id of ['tree-layer', 'tree-changes', 'tree-wasted', 'tree-category']) document.getElementById(id).addEventListener('change', update);
document.getElementById('tree-search').addEventListener('input', update);
compute(); render();
document.getElementById('tree').setAttribute('data-rendered', '1');
})();
