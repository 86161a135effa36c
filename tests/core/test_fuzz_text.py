"""Fuzzing (hypothesis) of Dockerfile variable expansion and YAML conversion: any input gives a bounded
result or a clear input error, never another exception. Each test is bounded to ~20 s."""

from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from golayer.errors import InputError  # noqa: E402
from golayer.limits import MAX_ARG_STRLEN, ExpansionBudget, ExpansionError  # noqa: E402

NAMES = st.sampled_from(["A", "B", "C", "HOME", "X_1"])
REF = st.one_of(
    NAMES.map(lambda n: f"${n}"),
    NAMES.map(lambda n: f"${{{n}}}"),
    st.tuples(NAMES, st.sampled_from([":-", "-", ":+", "+"]), st.text("ab$}{\\'\" ", max_size=6)).map(
        lambda t: f"${{{t[0]}{t[1]}{t[2]}}}"),
    st.text("ab$}{\\'\" ", max_size=4),
)
VALUE = st.lists(REF, max_size=12).map("".join)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.lists(st.tuples(NAMES, VALUE), min_size=1, max_size=25))
def test_dockerfile_expansion_chains_are_bounded(decls):
    from golayer.dockerfile import build

    scope: dict[str, str] = {}
    token = build._BUDGET.set(ExpansionBudget())
    try:
        for name, value in decls:
            try:
                scope[name] = build.expand(value, scope)
            except ExpansionError:
                return  # the clear error: a value past the limit
            assert len(scope[name]) <= MAX_ARG_STRLEN + len(value) + len(build.UNKNOWN)
    finally:
        build._BUDGET.reset(token)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["ARG", "ENV"]), NAMES, VALUE), min_size=1, max_size=15))
def test_dockerfile_model_with_random_arg_env_chains(tmp_path_factory, decls):
    from golayer.dockerfile.build import build_model

    lines = ["FROM alpine"] + [f"{kw} {n}={v!r}" if kw == "ENV" else f"{kw} {n}={v!r}" for kw, n, v in decls]
    lines.append("RUN echo $A")
    try:
        build_model("Dockerfile", "\n".join(lines) + "\n", context_dir=tmp_path_factory.getbasetemp())
    except ExpansionError:
        pass


YAML_ATOM = st.one_of(st.sampled_from(["a", "1", "1e999999999", "'x'", "null", "*a", "&a [1, 2]", "? *a", "[",
                                       "{", "-", ":", "9" * 500, "0x" + "f" * 200]),
                      st.text("ab:-?*&[]{}#'\" \n", max_size=10))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(YAML_ATOM, max_size=30).map(" ".join))
def test_yaml_conversion_is_bounded(text):
    from golayer.runtime.manifests import _parse_docs

    try:
        _parse_docs(text, "fuzz.yaml", 0)
    except InputError:
        pass


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(NAMES, st.lists(st.one_of(NAMES.map(lambda n: f"$({n})"), st.just("$$"),
                                                    st.text("ab()$", max_size=3)), max_size=12).map("".join)),
                max_size=20))
def test_kubernetes_expansion_is_bounded(entries):
    from golayer.runtime.manifests import _expand, _TooLong
    from golayer.runtime.model import EnvValue

    env: dict[str, EnvValue] = {}
    budget = ExpansionBudget()
    for name, value in entries:
        try:
            out = _expand(value, env, False, budget)
        except _TooLong:
            out = None
        except ExpansionError:
            return
        assert out is None or len(out) <= MAX_ARG_STRLEN
        env[name] = EnvValue(name, 1, out, source="value")
