"""The JMESPath closure compiler answers exactly what jmespath's own interpreter answers."""

from __future__ import annotations

from typing import Any

import jmespath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dtu.runner.jmes import Shared, compile_query

QUERIES = [
    "a[].b", "a[*].c", "a[?b > `0`].c", "a[?b == `1`] | [0].d", "m.* | [?name=='g' && !p] | length(@)",
    "a[0].d[1:3]", "a[].d[]", "m.{x: k1.name, y: k2.p}", "sort_by(a[?b != null], &b)[].c",
    "!z", "z || s", "[a[0].b, s]", "keys(m)", "a[-1]", "m.k1.n[0]", "a[?d]", "a[?!d].b", "a[?c != ''].c",
    "a[?n == null]", "a[?n != null]", "m.k1.name", "m.k1.name.x", "s.x.y", "a[?c == 'x'].b", "a[?c != 'x']",
    "a[?missing == 'x']", "a[?b == `true`]", "a[?b == `0`]", "m.*.name", "a[?b < `2` || c == 'yx'].c",
    "length(a)", "a[?contains(d, `1`)]", "a[?b >= `1`] | length(@)", "@", "`[1, 2]`", "m.k1 && m.k2", "a[1:]",
    "a[?c == 'x' && b == null]", "a[?c == 'x' || !(n == 'g')]", "a[?!(c == 'x')].b", "a[?c == 'x' && d]",
    "a[?n == 'g' && c != 'x' && b != null].b", "a[?b == c]", "a[?b != c]", "m.* | [?name == 'g' || p == null]",
    "a[?c == 'x'] | [0]", "a[?!(b == `1`) && c == 'yx']", "a[?contains(d, `1`) && c == 'x']",
    "a[?contains(d, `1`) || !contains(d, `0`)].c", "a[?starts_with(c, 'y') || b == `1`]",
    "m.* | [?ends_with(name, 'g') && !contains(n, `1`)]",
    "a[?o.x == 'g']", "a[?o.x == 'g'].c", "a[?c == 'x' && o.y == 'h']", "a[?o.x == 'g' && o.y == 'yx'].o.y",
    "a[?c == 'x'].d", "a[?c == 'x' && n == 'g'].b", "m.* | [?name == 'g' && p == 'h'] | [0].n", "a[?o.x.y == 'g']",
    "a[?c == '']", "a[?o == 'x']",
    # functions written out for the types they accept, and handed to jmespath for every other
    "sort(a[].c)", "sort(a[].b)", "join(', ', a[].c)", "join(s, a[].c)", "sum(a[].b)", "keys(m)", "values(m)",
    "to_string(s)", "starts_with(s, 'y')", "ends_with(z, 'x')", "length(a[].d[])", "contains(a[].c, 'x')",
    "contains(s, z)", "not_null(z, s)", "m.*.n | sort(@)", "length(m)", "keys(s)", "sort(m)", "sum(a)",
    "a[?b < c]", "a[?b <= `1.5`].b", "[`1.5`, `\"x\"`, `[1]`] | [2]", "`1`.a", "`\"x\"`.[a, b]", "a[?`true`]",
    "a[?b && c].c", "a[?b || c] | [0]", "!(z && s)", "a[].[b, c]", "a[].{b: b, d: d[0]}", "a[-2]", "a[::-1].b",
    "m.*.name | [?@ == 'g']", "a[*].d[*][]", "a[?d[?@ == `1`]].c", "length(a[?c == 'x'] || z)",
]
LEAF = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "x", "yx", "g", "h"]))
OBJ = st.one_of(LEAF, st.fixed_dictionaries({}, optional={"x": st.one_of(LEAF, st.fixed_dictionaries({"y": LEAF})),
                                                           "y": LEAF}))
ITEM = st.fixed_dictionaries({}, optional={"b": LEAF, "c": LEAF, "d": st.lists(LEAF, max_size=3), "n": LEAF, "o": OBJ})
DOC = st.fixed_dictionaries({
    "a": st.lists(st.one_of(ITEM, LEAF), max_size=5),
    "m": st.dictionaries(st.sampled_from(["k1", "k2", "k3"]),
                         st.fixed_dictionaries({}, optional={"name": LEAF, "p": LEAF, "n": st.lists(LEAF, max_size=2)}),
                         max_size=3),
    "z": LEAF, "s": LEAF,
})


def answer(f: Any, doc: Any) -> Any:
    try:
        return ("ok", f(doc))
    except (jmespath.exceptions.JMESPathError, TypeError) as e:
        return ("error", type(e).__name__)


@pytest.mark.parametrize("query", QUERIES)
@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(doc=DOC)
def test_same_answers_as_jmespath(query: str, doc: dict[str, Any]) -> None:
    expr = jmespath.compile(query)
    assert answer(compile_query(query), doc) == answer(expr.search, doc)


CHOSEN = {  # documents where the equality filters' paths hit, miss, end early and meet non-objects
    "a": [{"c": "x", "o": {"x": "g", "y": "h"}}, {"o": {"x": "g"}}, "g", None, {"o": "g"}, {"o": {"x": {"y": "g"}}},
          {"c": "x", "n": "g", "b": 1}, {"c": "", "n": None}, {"o": {"x": "g", "y": "yx"}}, {"c": "x", "d": [1]}, 1],
    "m": {"k1": {"name": "g", "p": "h", "n": [1]}, "k2": {"name": "g"}, "k3": {"name": "g", "p": "h", "n": [2]}},
}


def test_queries_are_written_out_as_one_function() -> None:
    """The common shapes become generated Python (runner/jmes_gen.py), not closures."""
    source = compile_query("m.* | [?contains(n, `1`) && name == 'g'].p | sort(@)").source  # type: ignore[attr-defined]
    assert "for " in source and "_sortable(" in source and "call('contains'" in source


def test_queries_of_one_shape_share_their_code_and_keep_their_own_values() -> None:
    """A scenario's draws give the same query with other names in it: compiled once, answered apart."""
    x, g = compile_query("a[?c == 'x'].b"), compile_query("a[?c == 'g'].b")
    doc = {"a": [{"c": "x", "b": 1}, {"c": "g", "b": 2}]}
    assert x.__code__ is g.__code__  # type: ignore[attr-defined]
    assert (x(doc), g(doc)) == ([1], [2])
    assert compile_query("a[?c == `1`].b").__code__ is not x.__code__  # type: ignore[attr-defined]


@pytest.mark.parametrize("query", [q for q in QUERIES if "==" in q])
def test_equality_filters_on_chosen_documents(query: str) -> None:
    assert answer(compile_query(query), CHOSEN) == answer(jmespath.compile(query).search, CHOSEN)


SHARED = [*QUERIES, "m.* | [?name=='g'] | [0].p", "m.* | [?name=='g'] | [0].n", "m.* | [?name=='g']",
          "a[?b == `1`] | [0].c", "a[?b == `1`] | length(@)"]


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(docs=st.lists(DOC, min_size=2, max_size=3))
def test_queries_compiled_together_answer_as_each_alone(docs: list[dict[str, Any]]) -> None:
    """Starts several queries share are computed once per document, never carried to the next."""
    shared = Shared(SHARED)
    fns = [shared.compile(q) for q in SHARED]
    for doc in docs:
        assert [answer(f, doc) for f in fns] == [answer(jmespath.compile(q).search, doc) for q in SHARED]
        shared.clear()
    assert all(slot == [None, None] for slot in shared._slots) and len(shared._slots) >= 3
