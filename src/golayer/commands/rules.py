"""``golayer rules`` and ``golayer rule NAME``."""

from __future__ import annotations

import json

import click

from golayer import catalogue


@click.command("rules")
@click.option("--analysis", type=click.Choice(list(catalogue.RULE_PACKAGES)), default=None,
              help="Only the rules of one analysis.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="Output format.")
def rules_cmd(analysis: str | None, fmt: str) -> int:
    """List the rule catalogue: code, name, default severity, fix, and what each finds."""
    rs = catalogue.rules(analysis)
    if fmt == "json":
        click.echo(json.dumps([{"code": r.code, "name": r.name, "analysis": r.domain, "severity": str(r.severity),
                                "fix": str(r.fix) if r.fix else None, "summary": r.summary,
                                "help_uri": r.help_uri} for r in rs], indent=2))
        return 0
    if fmt == "markdown":
        click.echo("| code | name | analysis | severity | fix | finds |\n|---|---|---|---|---|---|")
        for r in rs:
            click.echo(f"| {r.code} | {r.name} | {r.domain} | {r.severity} | {r.fix or ''} | {r.summary} |")
        return 0
    width = max((len(r.name) for r in rs), default=10)
    for r in rs:
        fix = {"safe": "fix", "unsafe": "fix*"}.get(str(r.fix), "") if r.fix else ""
        click.echo(f"{r.code:<7} {r.name:<{width}}  {str(r.severity):<7} {fix:<4}  {r.summary}")
    click.echo(f"\n{len(rs)} rules. `golayer rule NAME` shows one; fix = safe fix, fix* = unsafe fix.")
    return 0


@click.command("rule")
@click.argument("name")
def rule_cmd(name: str) -> int:
    """Print the documentation of the rule NAME (its name or code)."""
    import re

    text = catalogue.render_doc(catalogue.get(name))
    # the docs/ page's note for maintainers means nothing in a terminal
    click.echo(re.sub(r"<!-- generated [^\n]*-->\n\n?", "", text, count=1), nl=False)
    return 0
