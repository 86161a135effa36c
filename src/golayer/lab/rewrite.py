"""Rewrite a *temporary copy* of a Dockerfile for a lab build (the user's file is never touched).

* ``FROM`` lines: official bases that are not in the local image store are replaced by their
  stand-ins (``golayer lab bases``), or by what ``--base-map`` says. We rewrite the copy rather
  than ``docker tag`` the stand-ins under official names, so the shared image store is never
  altered and a real ``golang:1.22`` pulled later is not shadowed by a stand-in.
* ``# syntax=`` directives are commented out (the frontend image cannot be pulled offline; the
  builder's built-in frontend is used instead).
* ``RUN --mount=type=cache`` mounts get a per-run ``id=`` so a "cold" build really starts with
  empty caches, while the rebuilds of the same run share them.
* With a GOPROXY, ``ENV GOPROXY=…`` is inserted after each FROM of a Go toolchain stand-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

_INSTR = re.compile(r"^\s*([A-Za-z]+)(\s+|$)")
_HEREDOC = re.compile(r"<<(-?)\s*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass
class FromLine:
    line: int  # 0-based index of the physical line
    image: str  # as written
    resolved: str  # after ARG substitution
    alias: str | None
    replaced_by: str | None = None


@dataclass
class Rewritten:
    text: str
    froms: list[FromLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _logical_lines(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) physical line index of each instruction, skipping heredoc bodies."""
    out: list[tuple[int, int]] = []
    i = 0
    n = len(lines)
    while i < n:
        raw = lines[i]
        if not raw.strip() or raw.lstrip().startswith("#"):
            i += 1
            continue
        first = i
        text = raw
        while text.rstrip().endswith("\\") and i + 1 < n:
            i += 1
            text = lines[i]
        last = i
        joined = " ".join(lines[first:last + 1])
        for m in _HEREDOC.finditer(joined):
            term = m.group(3)
            strip = m.group(1) == "-"
            while i + 1 < n:
                i += 1
                body = lines[i].rstrip("\n")
                if (body.lstrip("\t") if strip else body) == term:
                    break
            last = i
        out.append((first, last))
        i += 1
    return out


def _subst(value: str, args: dict[str, str]) -> str:
    def rep(m: re.Match) -> str:
        name = m.group(1) or m.group(2)
        return args.get(name, "")

    return _VAR.sub(rep, value)


def rewrite(text: str, map_base: Callable[[str], str | None], *, cache_token: str | None = None,
            goproxy: str | None = None, is_go_image: Callable[[str], bool] = lambda s: False,
            build_args: dict[str, str] | None = None) -> Rewritten:
    """``map_base(resolved_ref) -> replacement or None`` decides each FROM of an image."""
    lines = text.splitlines(keepends=True)
    res = Rewritten(text=text)
    global_args: dict[str, str] = {}
    stages: set[str] = set()
    seen_from = False
    inserts: dict[int, str] = {}  # after physical line index -> text
    replace: dict[int, str] = {}
    # parser directives
    for i, ln in enumerate(lines):
        if re.match(r"^\s*#\s*syntax\s*=", ln, re.I):
            replace[i] = "# (golayer lab: syntax directive disabled offline) " + ln.lstrip("# ")
            res.notes.append(f"ignored `{ln.strip()}`: the frontend image cannot be pulled offline; "
                             "the builder's built-in Dockerfile frontend is used")
            continue
        if not ln.strip().startswith("#"):
            break
    go_stage = False
    stage_go: dict[str, bool] = {}
    for first, last in _logical_lines(lines):
        m = _INSTR.match(lines[first])
        if not m:
            continue
        instr = m.group(1).upper()
        body = "".join(lines[first:last + 1])
        if instr == "ARG" and not seen_from:
            for tok in body.split()[1:]:
                if tok == "\\":
                    continue
                k, eq, v = tok.partition("=")
                global_args[k] = (build_args or {}).get(k, v.strip("\"'") if eq else "")
            continue
        if instr == "FROM":
            seen_from = True
            toks = [t for t in re.split(r"\s+", body.replace("\\\n", " ").strip()) if t][1:]
            toks = [t for t in toks if not t.startswith("--")]
            if not toks:
                continue
            image = toks[0]
            alias = toks[2] if len(toks) >= 3 and toks[1].upper() == "AS" else None
            resolved = _subst(image, global_args)
            fl = FromLine(first, image, resolved, alias)
            go_stage = False
            if resolved.lower() in stages:
                go_stage = stage_go.get(resolved.lower(), False)
            elif resolved != "scratch":
                new = map_base(resolved)
                if new and new != resolved:
                    fl.replaced_by = new
                    replace[first] = re.sub(re.escape(image), new, lines[first], count=1) if image in lines[first] \
                        else lines[first]
                go_stage = is_go_image(new or resolved)
            if alias:
                stages.add(alias.lower())
                stage_go[alias.lower()] = go_stage
            res.froms.append(fl)
            if goproxy and go_stage:
                inserts[last] = f"ENV GOPROXY={goproxy}\n"
            continue
        if instr == "RUN" and cache_token and "type=cache" in body:
            new_lines = [_cache_ids(ln, cache_token) for ln in lines[first:last + 1]]
            for j, nl in enumerate(new_lines):
                if nl != lines[first + j]:
                    replace[first + j] = nl
    out: list[str] = []
    for i, ln in enumerate(lines):
        new = replace.get(i, ln)
        if i in inserts and not new.endswith("\n"):
            new += "\n"
        out.append(new)
        if i in inserts:
            out.append(inserts[i])
    res.text = "".join(out)
    return res


_MOUNT = re.compile(r"--mount=(\S+)")


def _cache_ids(line: str, token: str) -> str:
    def rep(m: re.Match) -> str:
        spec = m.group(1)
        parts = spec.split(",")
        kv = {}
        for p in parts:
            k, _, v = p.partition("=")
            kv[k] = v
        if kv.get("type") != "cache":
            return m.group(0)
        if "id" in kv:
            parts = [f"id={token}-{kv['id']}" if p.startswith("id=") else p for p in parts]
        else:
            target = kv.get("target") or kv.get("dst") or kv.get("destination") or ""
            parts.append(f"id={token}-{target}")
        return "--mount=" + ",".join(parts)

    return _MOUNT.sub(rep, line)
