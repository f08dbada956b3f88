"""YAML with positions: decode a file, and find the line of a field named by a msgspec path.

Loading is bounded: a document larger than MAX_BYTES, one whose aliases expand past MAX_NODES
nodes (the "billion laughs"), one nested deeper than MAX_DEPTH or one that refers to itself is
refused with `TooLarge` before anything walks it."""

from __future__ import annotations

import re
from typing import Any

import yaml

MAX_BYTES = 4 * 1024 * 1024
MAX_NODES = 1_000_000
MAX_DEPTH = 100


class TooLarge(ValueError):
    """A document past one of the bounds; `line` is where the offending node starts, when known."""

    def __init__(self, message: str, fix: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.field = field  # the top-level field it happened under, when the document is a mapping


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
    """Decode a YAML document within the bounds (raises TooLarge, or yaml.YAMLError)."""
    if len(text) > MAX_BYTES:
        raise TooLarge(f"the file is {len(text):,} characters, over the limit of {MAX_BYTES:,}",
                       "split it, or keep large data out of the scenario file")
    data = yaml.load(text, Loader=_FastLoader)
    sizes: dict[int, int] = {}
    if isinstance(data, dict):
        total = 1
        for key, value in data.items():
            try:
                total += expanded_size(value, sizes)
            except TooLarge as e:
                e.field = str(key)
                raise
        if total > MAX_NODES:
            raise TooLarge(f"expands to more than {MAX_NODES:,} nodes through its aliases",
                           "keep large data out of the scenario file")
    else:
        expanded_size(data, sizes)
    return data


def expanded_size(data: Any, sizes: dict[int, int] | None = None) -> int:
    """How many nodes `data` has once every alias is expanded, computed without expanding them
    (a node shared through aliases is measured once). Raises TooLarge past the bounds."""
    sizes = {} if sizes is None else sizes
    open_: set[int] = set()
    # an explicit stack (no recursion): (node, depth, children measured yet?)
    stack: list[tuple[Any, int, bool]] = [(data, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            kids = node.values() if isinstance(node, dict) else node
            n = 1 + sum(sizes.get(id(k), 1) for k in kids)
            open_.discard(key)
            sizes[key] = n
            if n > MAX_NODES:
                raise TooLarge(f"expands to more than {MAX_NODES:,} nodes through its aliases",
                               "write the data out without nested aliases (`*name`)")
            continue
        if not isinstance(node, dict | list) or key in sizes:
            continue
        if key in open_:
            raise TooLarge("holds an alias to a node that contains it (a cycle)",
                           "remove the self-referencing alias (`*name` inside `&name`)")
        if depth > MAX_DEPTH:
            raise TooLarge(f"is nested more than {MAX_DEPTH} levels deep", "flatten the data")
        open_.add(key)
        stack.append((node, depth, True))
        for k in (node.values() if isinstance(node, dict) else node):
            if isinstance(k, dict | list):
                stack.append((k, depth + 1, False))
    return sizes.get(id(data), 1)


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
