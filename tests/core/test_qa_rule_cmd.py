"""`golayer rule NAME` prints the rule's documentation without the docs page's maintainer comment."""


def test_rule_doc_in_the_terminal_has_no_html_comment(cli):
    r = cli(["rule", "GLD001"])
    assert r.code == 0
    assert r.out.startswith("# go-env-write (GLD001)")
    assert "<!--" not in r.out and "## What it finds" in r.out
    assert "\n\n\n" not in r.out
