"""twins/core/memo.text_cache: a short text's result is computed once and shared; a long one (an
agent's huge query or formula) is computed every time and never kept. memo.Bounded never holds
more than its size; memo.derived builds once per object."""

from __future__ import annotations

from dtu.twins.core.memo import Bounded, derived, text_cache


def test_short_texts_are_kept_and_long_ones_are_not() -> None:
    calls: list[object] = []

    @text_cache(maxsize=8, longest=10)
    def parse(text: object, flag: bool = False) -> list[object]:
        calls.append(text)
        return [text, flag]

    assert parse("a = 1") is parse("a = 1") and calls == ["a = 1"]
    assert parse("a = 1", True) == ["a = 1", True] and len(calls) == 2  # other arguments, other entry
    long = "x" * 11
    assert parse(long) == [long, False] and parse(long) is not parse(long) and calls.count(long) == 3
    parts = ("abcdef", "ghijk")  # a tuple of texts is measured whole
    assert parse(parts) is not parse(parts)
    assert parse(("abc", "def")) is parse(("abc", "def"))
    for i in range(20):  # at most maxsize entries: the first is gone
        parse(f"q{i}")
    before = len(calls)
    parse("a = 1")
    assert len(calls) == before + 1


def test_a_bounded_memo_forgets_all_when_full() -> None:
    memo: Bounded[str, int] = Bounded(3)
    assert memo.keep("a", 1) == 1 and memo.keep("b", 2) == 2 and memo.keep("c", 3) == 3
    assert memo == {"a": 1, "b": 2, "c": 3}
    assert memo.keep("d", 4) == 4 and memo == {"d": 4}  # full: forgotten, then kept
    for i in range(1000):
        memo.keep(str(i), i)
        assert len(memo) <= 3


def test_what_is_derived_from_an_object_is_built_once_for_that_object_only() -> None:
    built: list[int] = []

    def build(obj: dict[str, int]) -> int:
        built.append(obj["n"])
        return obj["n"] * 2

    a, b = {"n": 1}, {"n": 1}  # equal, but other objects: each gets its own
    assert derived(a, "double", build) == 2
    assert derived(a, "double", build) == 2
    assert derived(b, "double", build) == 2
    assert derived(a, "other", lambda o: -o["n"]) == -1  # another name, another entry
    assert built == [1, 1]
