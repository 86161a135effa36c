"""What the language server computes for one open document, independent of the LSP library.

A document is a Dockerfile (by language id ``dockerfile`` or by any name ``golayer lint`` discovers) or a
YAML manifest (Kubernetes or compose: the runtime rules). The analysis is the same code path as the command
line (``lint_path`` / ``run_runtime``) on the editor's unsaved text, with the configuration found from the
document's directory upwards and the document's directory as build context. Nothing touches Docker or the
network: image analysis is never started from the editor.

Positions: golayer's fixes are character (code point) offsets; LSP positions count UTF-16 code units unless
the client negotiated another encoding — :class:`Text` converts both ways.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golayer.findings import Finding

PRAGMA = re.compile(r"^\s*#\s*golayer\s+(?:global\s+)?ignore=")
PRAGMA_WORDS = re.compile(r"^(\s*#\s*golayer\s+(?:global\s+)?ignore=)([\w,\s-]*)")


class Text:
    """A document's text with line starts, for offset <-> (line, character) in a given encoding."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.starts.append(i + 1)

    def line(self, n: int) -> str:
        if not 0 <= n < len(self.starts):
            return ""
        end = self.starts[n + 1] - 1 if n + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[n]:end]

    def _units(self, s: str) -> int:
        if self.encoding == "utf-8":
            return len(s.encode("utf-8", "surrogatepass"))
        if self.encoding == "utf-32":
            return len(s)
        return len(s.encode("utf-16-le", "surrogatepass")) // 2

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, len(self.text)))
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:  # the last line start <= offset
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo, self._units(self.text[self.starts[lo]:offset])

    def offset(self, line: int, character: int) -> int:
        if line >= len(self.starts):
            return len(self.text)
        text = self.line(line)
        units = 0
        for i, ch in enumerate(text):
            if units >= character:
                return self.starts[line] + i
            units += self._units(ch)
        return self.starts[line] + len(text)

    def line_end(self, n: int) -> int:
        return self._units(self.line(n))


@dataclass
class Result:
    kind: str  # "dockerfile" | "yaml" | "none"
    text: str
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None  # a configuration or input problem to show once
    stage_lines: dict[str, int] = field(default_factory=dict)  # stage label -> its FROM line (1-based)


def kind_of(path: str, language_id: str | None) -> str:
    from golayer.commands.lint import looks_like_dockerfile

    lang = (language_id or "").lower()
    if lang in ("dockerfile", "containerfile") or looks_like_dockerfile(path):
        return "dockerfile"
    if lang in ("yaml", "dockercompose", "docker-compose") or path.lower().endswith((".yaml", ".yml")):
        return "yaml"
    return "none"


class ConfigCache:
    """Configuration per directory, reloaded when a config file changes (``invalidate``)."""

    def __init__(self) -> None:
        self._by_dir: dict[Path, Any] = {}

    def get(self, directory: Path) -> tuple[Any, str | None]:
        from golayer import config as config_mod
        from golayer.errors import UsageError

        if directory not in self._by_dir:
            try:
                self._by_dir[directory] = (config_mod.load(None, start=directory), None)
            except UsageError as exc:
                self._by_dir[directory] = (config_mod.Config(), f"golayer: {exc.message}; using the defaults")
        return self._by_dir[directory]

    def invalidate(self) -> None:
        self._by_dir.clear()


class ProjectCache:
    """The project model of the workspace (builds only: Dockerfiles and the context, target and build args each
    is built with — compose ``build:``, bake, ``docker build`` lines), loaded on first use and again after a
    build definition changes (``invalidate``). Deployments are not loaded: no kustomize or helm from an editor."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self._project: Any = None
        self._loaded = False

    def build_for(self, path: Path, cfg: Any) -> Any:
        if self.root is None or not path.is_relative_to(self.root):
            return None
        if not self._loaded:
            self._loaded = True
            try:
                from golayer.project import load_project

                self._project = load_project(self.root, config=cfg, manifests=False)
            except Exception:  # noqa: BLE001 - without a project model the Dockerfile's directory is the context
                self._project = None
        if self._project is None:
            return None
        builds = self._project.builds_for(path)
        return builds[0] if builds else None

    def affected_by(self, path: str) -> bool:
        """Can a change to ``path`` change a build? The files the project walk reads builds from (compose,
        bake, Makefiles, scripts, CI workflows, Woodpecker/Drone pipelines, goreleaser: golayer.project.discover's
        names) and .dockerignore."""
        from golayer.project import discover as d

        name = Path(path).name
        if name.endswith(".dockerignore"):
            return True
        names = (d.COMPOSE_NAME, d.BAKE_NAME, d.MAKEFILE_NAME, d.SCRIPT_NAME, d.GORELEASER_NAME)
        if any(rx.match(name) for rx in names):
            return True
        if name in d.PIPELINE_FILES:
            return True
        posix = Path(path).as_posix()
        return (("/.github/workflows/" in posix or f"/{d.PIPELINE_DIR}/" in posix)
                and name.endswith((".yml", ".yaml")))

    def invalidate(self) -> None:
        self._project = None
        self._loaded = False


def analyse(path: str, text: str, language_id: str | None, configs: ConfigCache,
            projects: ProjectCache | None = None) -> Result:
    kind = kind_of(path, language_id)
    res = Result(kind=kind, text=text)
    if kind == "none":
        return res
    t0 = time.perf_counter()
    directory = Path(path).parent if path else Path.cwd()
    cfg, res.error = configs.get(directory)
    try:
        if kind == "dockerfile":
            from golayer.dockerfile.engine import lint_path

            build = projects.build_for(Path(path), cfg) if projects is not None else None
            if build is not None:  # the context, target and build args the project really builds it with
                model, findings = lint_path(path, content=text, context_dir=build.context, cfg=cfg,
                                            target=build.target, build_args=dict(build.build_args) or None)
            else:
                model, findings = lint_path(path, content=text, cfg=cfg,
                                            context_dir=directory if directory.is_dir() else None)
            res.findings = cfg.apply(findings)
            res.stage_lines = {st.label: st.from_instruction.start_line for st in model.stages
                               if st.from_instruction is not None}
        else:
            from golayer.commands.runtime import run_runtime
            from golayer.runtime import manifests

            loaded = manifests.load_text(text, path, Path(path))
            res.findings = cfg.apply(run_runtime([path], cfg, loaded=loaded).findings)
    except Exception as exc:  # noqa: BLE001 - an editor must never lose its server over one document
        from golayer.errors import GolayerError

        res.error = f"golayer: {exc.message}" if isinstance(exc, GolayerError) else \
            f"golayer: cannot analyse {Path(path).name}: {type(exc).__name__}: {exc}"
    res.seconds = time.perf_counter() - t0
    return res


def fix_all(path: str, text: str, configs: ConfigCache) -> str:
    """The document with every safe fix applied (as ``golayer lint --fix``)."""
    from golayer.dockerfile.fixes import fix_content

    directory = Path(path).parent
    cfg, _ = configs.get(directory)
    new, _n = fix_content(path, text, unsafe=False, context_dir=directory if directory.is_dir() else None, cfg=cfg)
    return new


def pragma_prefix(line: str, character: int) -> str | None:
    """The rule list typed so far when the cursor is inside a ``# golayer ignore=`` pragma, else None."""
    m = PRAGMA_WORDS.match(line[:character])
    if not m or len(m.group(0)) != character:
        return None
    return m.group(2).split(",")[-1].strip()


def word_at(line: str, character: int) -> str | None:
    for m in re.finditer(r"[A-Za-z][\w-]*", line):
        if m.start() <= character <= m.end():
            return m.group()
    return None
