"""YAML with positions: decode a file, and find the line of a field named by a msgspec path."""

from __future__ import annotations

import re
from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings (the scenario format parses them itself)."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same, on libyaml when PyYAML has it (about 10x faster); positions come from _Loader."""


_RESOLVERS = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_Loader.yaml_implicit_resolvers = _RESOLVERS
_FastLoader.yaml_implicit_resolvers = _RESOLVERS

_PATH = re.compile(r"\[(\d+)\]|\.([^.\[]+)")


def load(text: str) -> Any:
    return yaml.load(text, Loader=_FastLoader)


def line_of(text: str, path: str) -> int | None:
    """The 1-based line of the node at a msgspec path like `$.checks[2].op` (for a mapping
    key, the line of the key itself)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    best = node.start_mark.line + 1
    for index, key in _PATH.findall(path.removeprefix("$")):
        nxt = None
        if index and isinstance(node, yaml.SequenceNode):
            i = int(index)
            if i < len(node.value):
                nxt = node.value[i]
                best = nxt.start_mark.line + 1
        elif key and isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if getattr(k, "value", None) == key:
                    best = k.start_mark.line + 1
                    nxt = v
                    break
        if nxt is None:
            break
        node = nxt
    return best
