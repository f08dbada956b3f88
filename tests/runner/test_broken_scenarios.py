"""Every kind of malformed scenario file gets one clear error naming its file, line and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dtu.runner.errors import ScenarioError
from dtu.runner.scenario import load_file
from dtu.twins.slack import TWIN as SLACK

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
        load_file(path, {"slack": SLACK})
    err = info.value
    assert err.path == str(path)
    assert err.line == line, str(err)
    assert err.field == field, str(err)
    text = str(err)
    assert str(path) in text and (field in text)
    assert "Traceback" not in text


def test_the_directory_covers_many_kinds() -> None:
    assert len(BROKEN) >= 12
