"""Every kind of malformed scenario file gets one clear error naming its file, line and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dtu.runner import yamlsrc
from dtu.runner.errors import ScenarioError
from dtu.runner.loadcheck import MAX_INTENT, MAX_PUBLIC
from dtu.runner.scenario import load_file
from dtu.twins.registry import TWINS

BROKEN = sorted((Path(__file__).parent / "broken").glob("*.yaml"))


def expectation(path: Path) -> tuple[int | None, str]:
    head = path.read_bytes().split(b"\n", 1)[0].decode()
    m = re.match(r"# expect: line=(\d*) field=(\S*)", head)
    assert m, f"{path.name} lacks its # expect: header"
    return (int(m.group(1)) if m.group(1) else None), m.group(2)


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_names_file_line_and_field(path: Path) -> None:
    line, field = expectation(path)
    with pytest.raises(ScenarioError) as info:
        load_file(path, TWINS)
    err = info.value
    assert err.path == str(path)
    assert err.line == line, str(err)
    assert err.field == field, str(err)
    text = str(err)
    assert str(path) in text and (field in text)
    assert "Traceback" not in text


def test_the_directory_covers_many_kinds() -> None:
    assert len(BROKEN) >= 32


BASE = "id: big\ntitle: big\nintent: do things\nseed: {slack: {}}\ncheck" + "s: [{query: slack.users, op: exists}]\n"


def _error(tmp_path: Path, text: str) -> ScenarioError:
    path = tmp_path / "big.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_file(path, TWINS)
    return info.value


def test_intent_and_public_are_bounded(tmp_path: Path) -> None:
    err = _error(tmp_path, BASE.replace("do things", "x" * (MAX_INTENT + 1)))
    assert (err.field, err.line) == ("intent", 3) and f"{MAX_INTENT:,}" in err.message
    rows = "\n".join(f"  - {'y' * 100}" for _ in range(MAX_PUBLIC // 100))
    err = _error(tmp_path, BASE + "public:\n" + rows + "\n")
    assert (err.field, err.line) == ("public", 6) and "bytes as JSON" in err.message
    ok = tmp_path / "ok.yaml"
    ok.write_text(BASE + "public: {repo: acme/web}\n")
    assert load_file(ok, TWINS).scenario.public == {"repo": "acme/web"}


def test_file_size_and_nesting_are_bounded(tmp_path: Path) -> None:
    err = _error(tmp_path, BASE + "# " + "z" * yamlsrc.MAX_BYTES + "\n")
    assert err.line is None and "over the limit" in err.message
    deep = "[" * (yamlsrc.MAX_DEPTH + 5) + "]" * (yamlsrc.MAX_DEPTH + 5)
    err = _error(tmp_path, BASE + f"public: {deep}\n")
    assert (err.field, err.line) == ("public", 6) and "levels deep" in err.message


def test_shared_aliases_within_the_bound_still_load(tmp_path: Path) -> None:
    path = tmp_path / "aliases.yaml"
    path.write_text(BASE + "public:\n  a: &a [1, 2, 3]\n  b: [*a, *a, *a]\n")
    assert load_file(path, TWINS).scenario.public == {"a": [1, 2, 3], "b": [[1, 2, 3]] * 3}
    assert yamlsrc.expanded_size({"a": [1, 2, 3], "b": [[1, 2, 3]] * 3}) == 1 + 4 + 1 + 3 * 4
