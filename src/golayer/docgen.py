"""Write ``docs/rules/*.md`` and ``docs/rules/README.md`` from the rule modules.

Run ``python -m golayer.docgen [DIR]``; a test fails when the committed pages differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

from golayer import catalogue


def pages() -> dict[str, str]:
    out: dict[str, str] = {}
    index = ["# Rule reference", "", "Generated from the rule modules by `python -m golayer.docgen`.", ""]
    titles = {"dockerfile": "Dockerfile (`golayer lint`)", "image": "Image (`golayer image`)",
              "runtime": "Runtime manifests (`golayer runtime`)"}
    for domain in catalogue.RULE_PACKAGES:
        rs = catalogue.rules(domain)
        if not rs:
            continue
        index += [f"## {titles[domain]}", "", "| code | name | severity | fix | finds |", "|---|---|---|---|---|"]
        for r in rs:
            out[f"{r.name}.md"] = catalogue.render_doc(r)
            fix = str(r.fix) if r.fix else ""
            index.append(f"| {r.code} | [{r.name}]({r.name}.md) | {r.severity} | {fix} | {r.summary} |")
        index.append("")
    out["README.md"] = "\n".join(index)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "docs" / "rules"
    root.mkdir(parents=True, exist_ok=True)
    want = pages()
    for old in root.glob("*.md"):
        if old.name not in want:
            old.unlink()
    for name, text in want.items():
        (root / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(want)} pages to {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
