"""Compose as deployed: the files compose itself would merge, merged with compose's rules.

Which files make one compose project:

* a directory's default project: the first of ``compose.yaml``, ``compose.yml``,
  ``docker-compose.yaml``, ``docker-compose.yml``, plus the first of ``compose.override.yaml``,
  ``compose.override.yml``, ``docker-compose.override.yaml``, ``docker-compose.override.yml``;
* ``--compose-file F`` (repeatable) lists, in order, as ``docker compose -f``;
* any other ``*compose*.yml`` is a project of its own unless it is only a fragment (no service has
  ``image``, ``build`` or ``extends``: an override meant for ``-f``); an ``*.override.*`` file is
  never judged alone.

Within a project: ``extends`` (same file or ``file:``, recursively, cycles refused) and
``include`` (its services added; relative paths stay relative to the included file) are
resolved, then later files are merged over earlier ones: mappings merge key by key;
``environment``, ``labels``, ``build.args`` (list or mapping form) merge by variable;
``command``, ``entrypoint`` and ``healthcheck.test`` are replaced; other sequences (``ports``,
``volumes``, ``dns``...) are appended without duplicates; scalars are replaced. Interpolation
(:mod:`golayer.project.interpolate`) uses the ``.env`` file of the project directory (the first
file's directory). Every mapping keeps the file and line each key came from, so findings point at
the file that set the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golayer.errors import InputError
from golayer.project.interpolate import interpolate, read_dotenv

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDE_FILES = ("compose.override.yaml", "compose.override.yml", "docker-compose.override.yaml",
                  "docker-compose.override.yml")
REPLACE_KEYS = {"command", "entrypoint"}
BY_KEY = {"environment", "labels", "args", "extra_hosts", "annotations", "sysctls"}
CONTEXT_KEY = "x-golayer-context"  # the absolute build context, set where `context` is read
DEFAULT_CONTEXT_KEY = "x-golayer-default-context"  # the directory "." means, for a build without context
MAX_DEPTH = 10


@dataclass
class ComposeProject:
    files: list[Path]
    project_dir: Path
    name: str
    env: dict[str, str]
    doc: Any  # merged document: PosDict {"services": {...}}
    notes: list[str] = field(default_factory=list)
    consumed: set[Path] = field(default_factory=set)  # files read through extends / include
    service_files: dict[str, Path] = field(default_factory=dict)  # service -> file that defines it first
    fragments: list[str] = field(default_factory=list)  # services without image/build: not judged
    parsed: dict[Path, Any] = field(default_factory=dict, repr=False)  # resolved path -> its document as read


def project_name(directory: Path) -> str:
    n = re.sub(r"[^a-z0-9_-]", "", directory.resolve().name.lower())
    return n.lstrip("_-") or "default"


def default_project_files(directory: Path) -> list[Path]:
    out = []
    base = next((directory / n for n in DEFAULT_FILES if (directory / n).is_file()), None)
    if base is not None:
        out.append(base)
        over = next((directory / n for n in OVERRIDE_FILES if (directory / n).is_file()), None)
        if over is not None:
            out.append(over)
    return out


def is_override_name(p: Path) -> bool:
    return ".override." in p.name


# ----------------------------------------------------------------------------------------------
def _parse(path: Path) -> Any:
    from golayer.runtime.manifests import PosDict, PosList, _parse_docs, read_text

    name, text = read_text(str(path))
    docs = [d for d in _parse_docs(text, name, 0) if d is not None]
    if not docs:
        return PosDict()
    doc = docs[0]
    if not isinstance(doc, dict):
        raise InputError(f"{path}: not a compose file (the document is not a mapping)")
    # tag every node with its file, so merged documents know where each key came from
    seen: set[int] = set()
    stack = [doc]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, (PosDict, PosList)):
            n.file = str(path)
            stack.extend(n.values() if isinstance(n, dict) else n)
    return doc


def _copy_map(src: Any) -> Any:
    from golayer.runtime.manifests import PosDict

    out = PosDict()
    out.line = getattr(src, "line", 0)
    out.file = getattr(src, "file", None)
    out.key_lines = dict(getattr(src, "key_lines", {}))
    out.raw = dict(getattr(src, "raw", {}))
    out.key_files = dict(getattr(src, "key_files", {}))
    for k, v in src.items():
        out[k] = v
        out.key_files.setdefault(k, out.file)
    return out


def _as_map(node: Any) -> Any:
    """``environment``/``labels``/``args`` in list form (``K=V`` / ``K``) as a mapping with positions."""
    from golayer.runtime.manifests import PosDict, PosList

    if isinstance(node, dict):
        return _copy_map(node)
    out = PosDict()
    out.line = getattr(node, "line", 0)
    out.file = getattr(node, "file", None)
    out.key_lines, out.raw, out.key_files = {}, {}, {}
    if isinstance(node, PosList):
        for i, item in enumerate(node):
            if not isinstance(item, str):
                continue
            k, sep, v = item.partition("=")
            out[k] = v if sep else None
            out.key_lines[k] = node.item_lines[i] if i < len(node.item_lines) else node.line
            out.key_files[k] = out.file
    return out


def _take_position(out: Any, src: Any, k: str) -> None:
    """Key ``k`` of ``out`` now comes from the mapping ``src``: its line, file and raw text too."""
    out.key_lines[k] = getattr(src, "key_lines", {}).get(k, getattr(src, "line", 0))
    out.key_files[k] = getattr(src, "key_files", {}).get(k, getattr(src, "file", None))
    raw = getattr(src, "raw", {})
    if k in raw:
        out.raw[k] = raw[k]
    else:
        out.raw.pop(k, None)


def merge(base: Any, over: Any, key: str | None = None) -> Any:
    """``over`` merged onto ``base`` with compose's rules (see the module docstring)."""
    from golayer.runtime.manifests import PosList

    if key in BY_KEY and isinstance(base, (dict, list)) and isinstance(over, (dict, list)):
        out = _as_map(base)
        add = _as_map(over)
        for k, v in add.items():
            out[k] = v
            _take_position(out, add, k)
        return out
    if isinstance(base, dict) and isinstance(over, dict) and key not in REPLACE_KEYS:
        out = _copy_map(base)
        for k, v in over.items():
            if k == "test" and key == "healthcheck":
                out[k] = v
            else:
                out[k] = merge(out[k], v, k) if k in out else v
            _take_position(out, over, k)
        return out
    if isinstance(base, list) and isinstance(over, list) and key not in REPLACE_KEYS:
        out = PosList(base)
        out.line = getattr(base, "line", 0)
        out.item_lines = list(getattr(base, "item_lines", [0] * len(base)))
        out.raw = {}
        out.file = getattr(base, "file", None)
        for i, item in enumerate(over):
            if isinstance(item, (str, int, float)) and item in out:
                continue
            out.append(item)
            lines = getattr(over, "item_lines", [])
            out.item_lines.append(lines[i] if i < len(lines) else getattr(over, "line", 0))
        return out
    return over


# ----------------------------------------------------------------------------------------------
class _Loader:
    def __init__(self, project_dir: Path, env: dict[str, str], notes: list[str]) -> None:
        self.project_dir = project_dir
        self.env = env
        self.notes = notes
        self.cache: dict[Path, Any] = {}
        self.consumed: set[Path] = set()
        self.defined: dict[str, Path] = {}  # service -> the file that defines it first

    def doc(self, path: Path) -> Any:
        key = path.resolve()
        if key not in self.cache:
            self.cache[key] = _parse(path)
        return self.cache[key]

    def text(self, value: Any) -> str | None:
        if not isinstance(value, str):
            return None if value is None else str(value)
        return interpolate(value, self.env).value

    def services(self, path: Path, base_dir: Path, depth: int = 0) -> dict[str, Any]:
        """Services of one file with extends and include resolved and build contexts made absolute."""
        if depth > MAX_DEPTH:
            raise InputError(f"{path}: extends/include nested more than {MAX_DEPTH} levels")
        doc = self.doc(path)
        raw = doc.get("services") if isinstance(doc, dict) else None
        out: dict[str, Any] = {}
        for inc in (doc.get("include") or []) if isinstance(doc, dict) and isinstance(doc.get("include"), list) else []:
            paths = inc.get("path") if isinstance(inc, dict) else inc
            for rel in paths if isinstance(paths, list) else [paths]:
                rel = self.text(rel)
                if not rel:
                    continue
                f = (path.parent / rel)
                if not f.is_file():
                    self.notes.append(f"{path}: include {rel}: no such file; its services are not judged")
                    continue
                from golayer.fsutil import inside

                if not inside(f, self.project_dir) and not inside(f, path.parent):
                    self.notes.append(f"{path}: include {rel}: outside the project tree; not read")
                    continue
                self.consumed.add(f.resolve())
                for name, svc in self.services(f, f.parent, depth + 1).items():
                    out[name] = svc
        if not isinstance(raw, dict):
            return out
        for name, svc in raw.items():
            if not isinstance(svc, dict):
                continue
            out[str(name)] = self.service(path, base_dir, str(name), depth, set())
            self.defined.setdefault(str(name), path)
        return out

    def service(self, path: Path, base_dir: Path, name: str, depth: int, chain: set) -> Any:
        key = (path.resolve(), name)
        if key in chain or len(chain) > MAX_DEPTH:
            raise InputError(f"{path}: service {name}: extends forms a cycle or is nested too deeply")
        svc = self.doc(path)["services"][name]
        svc = self._absolute_build(svc, base_dir)
        ext = svc.get("extends")
        if ext is None:
            return svc
        if isinstance(ext, str):
            ext = {"service": ext}
        if not isinstance(ext, dict) or not isinstance(ext.get("service"), str):
            return svc
        src, src_dir = path, base_dir
        if ext.get("file"):
            rel = self.text(ext.get("file"))
            if not rel:
                return svc
            src = path.parent / rel
            from golayer.fsutil import inside

            if not src.is_file() or not (inside(src, self.project_dir) or inside(src, path.parent)):
                self.notes.append(f"{path}: service {name}: extends file {rel} not found in the project; "
                                  "values it would add are unknown")
                return svc
            self.consumed.add(src.resolve())
            src_dir = src.parent
        other = self.doc(src).get("services") or {}
        if ext["service"] not in other:
            self.notes.append(f"{path}: service {name}: extends {ext['service']}, which {src} does not define")
            return svc
        parent = self.service(src, src_dir, ext["service"], depth, chain | {key})
        own = _copy_map(svc)
        own.pop("extends", None)
        return merge(parent, own)

    def _absolute_build(self, svc: Any, base_dir: Path) -> Any:
        from golayer.runtime.manifests import PosDict

        b = svc.get("build")
        if b is None:
            return svc
        svc = _copy_map(svc)
        if isinstance(b, str):
            nb = PosDict({"context": b})
            nb.line = svc.key_lines.get("build", svc.line)
            nb.file = svc.file
            nb.key_lines = {"context": nb.line}
            nb.raw, nb.key_files = {}, {"context": nb.file}
            b = nb
        elif isinstance(b, dict):
            b = _copy_map(b)
        else:
            return svc
        if "context" in b:
            ctx = self.text(b.get("context"))
            if ctx is None or re.match(r"^(?:[a-z]+://|git@|github\.com/)", ctx):
                b[CONTEXT_KEY] = None  # a remote or unknown context: nothing on this disk to read
            else:
                b[CONTEXT_KEY] = str(base_dir / ctx)
        else:  # no context here: "." of the file that defines the build, unless a merged file sets one
            b[DEFAULT_CONTEXT_KEY] = str(base_dir)
        svc["build"] = b
        return svc


def load(files: list[Path], project_dir: Path | None = None) -> ComposeProject:
    """Merge ``files`` (as ``docker compose -f a -f b``) into one project."""
    files = [Path(f) for f in files]
    pdir = project_dir or files[0].parent
    env = read_dotenv(pdir / ".env")
    notes: list[str] = []
    loader = _Loader(pdir, env, notes)
    services: dict[str, Any] = {}
    service_files: dict[str, Path] = {}
    for f in files:
        for name, svc in loader.services(f, pdir).items():
            if name in services:
                services[name] = merge(services[name], svc)
            else:
                services[name] = svc
                service_files[name] = loader.defined.get(name, f)
    from golayer.runtime.manifests import PosDict

    merged = PosDict()
    merged.line, merged.key_lines, merged.raw, merged.key_files = 0, {}, {}, {}
    merged.file = str(files[0])
    svcs = PosDict()
    first_doc = loader.doc(files[0])
    first_svcs = first_doc.get("services") if isinstance(first_doc, dict) else None
    svcs.line = getattr(first_svcs, "line", 0)
    svcs.file = str(files[0])
    svcs.key_lines, svcs.raw, svcs.key_files = {}, {}, {}
    fragments = []
    for name, svc in services.items():
        if not any(k in svc for k in ("image", "build")):
            fragments.append(name)
            continue
        svcs[name] = svc
        f = service_files[name]
        holder = loader.doc(f).get("services") if isinstance(loader.doc(f), dict) else None
        svcs.key_lines[name] = getattr(holder, "key_lines", {}).get(name, getattr(svc, "line", 0))
        svcs.key_files[name] = str(f)
    merged["services"] = svcs
    merged.key_lines["services"] = svcs.line
    for name in fragments:
        notes.append(f"{service_files[name]}: service {name} has no image or build after merging "
                     f"{' + '.join(str(f) for f in files)}; not judged (an override fragment?)")
    return ComposeProject(files=files, project_dir=pdir, name=project_name(pdir), env=env, doc=merged,
                          notes=notes, consumed=loader.consumed, service_files=service_files,
                          fragments=fragments, parsed=loader.cache)


def build_of(proj: ComposeProject, service: str, root: Path | None = None) -> dict[str, Any] | None:
    """The build settings of a merged service: context, dockerfile, target, args, images, line; None
    without a (local) build."""
    svc = proj.doc["services"].get(service)
    if not isinstance(svc, dict) or not isinstance(svc.get("build"), dict):
        return None
    b = svc["build"]
    if "dockerfile_inline" in b:
        return None  # the Dockerfile is in the compose file: no file to lint
    ctx = b.get(CONTEXT_KEY) if CONTEXT_KEY in b else b.get(DEFAULT_CONTEXT_KEY)
    if not ctx:
        return None
    ctx_path = Path(ctx)

    def txt(v: Any) -> str | None:
        if v is None:
            return None
        return interpolate(str(v), proj.env).value

    dockerfile = txt(b.get("dockerfile")) or "Dockerfile"
    args: dict[str, str] = {}
    raw_args = b.get("args")
    if raw_args is not None:
        for k, v in _as_map(raw_args).items():
            if v is None:
                continue  # taken from the environment of `docker compose`: unknown
            val = txt(v if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v))
            if val is not None:
                args[str(k)] = val
    images = []
    img = txt(svc.get("image"))
    images.append(img if img else f"{proj.name}-{service}")
    for t in b.get("tags") or [] if isinstance(b.get("tags"), list) else []:
        t = txt(t)
        if t:
            images.append(t)
    file = proj.service_files.get(service, proj.files[0])
    own = _cached_service(proj, file, service)
    line = (getattr(own, "key_lines", {}).get("build", getattr(own, "line", 0)) if own is not None else 0) + 1
    return {"context": ctx_path, "dockerfile": ctx_path / dockerfile if not Path(dockerfile).is_absolute()
            else Path(dockerfile), "target": txt(b.get("target")), "args": args, "images": tuple(images),
            "origin": f"{_rel(Path(file), root or proj.project_dir)}:{line}, service {service}", "file": str(file)}


def _cached_service(proj: ComposeProject, file: Path, service: str) -> Any:
    """The service as ``file`` itself writes it, from the documents the project was merged from (the
    loader never changes them: merging copies), read again only if the project never read that file."""
    try:
        key = Path(file).resolve()
        doc = proj.parsed.get(key)
        if doc is None:
            doc = proj.parsed[key] = _parse(Path(file))
    except Exception:  # noqa: BLE001 - the file was read once already
        return None
    svcs = doc.get("services") if isinstance(doc, dict) else None
    return svcs.get(service) if isinstance(svcs, dict) else None


def _rel(p: Path, base: Path) -> str:
    try:
        return str(p.relative_to(base))
    except ValueError:
        return str(p)
