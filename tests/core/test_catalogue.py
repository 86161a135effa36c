"""The catalogue is consistent and the committed rule pages match the rule modules."""

from pathlib import Path

from golayer import catalogue, docgen

ROOT = Path(__file__).resolve().parents[2]


def test_catalogue_has_no_problems():
    assert catalogue.validate() == []


def test_every_rule_name_is_kebab_case_and_code_unique():
    import re

    for r in catalogue.rules():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.name), r.name
        assert re.fullmatch(r"GL[DIR]\d{3}", r.code), r.code


def test_generated_docs_are_in_sync():
    want = docgen.pages()
    have = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "docs" / "rules").glob("*.md")}
    stale = sorted(n for n in want if have.get(n) != want[n])
    extra = sorted(set(have) - set(want))
    assert not stale and not extra, (
        f"docs/rules out of date (stale {stale}, extra {extra}): run `python -m golayer.docgen`")


def test_rule_command_prints_docs(cli):
    rs = catalogue.rules()
    if not rs:
        return
    r = cli(["rule", rs[0].name])
    assert r.code == 0
    assert rs[0].name in r.out and "## What it finds" in r.out
    assert cli(["rule", rs[0].code]).out == r.out


def test_unknown_rule_is_a_clear_error(cli):
    r = cli(["rule", "no-such-rule"])
    assert r.code == 2
    assert "no rule named 'no-such-rule'" in r.err
    assert "Traceback" not in r.err
