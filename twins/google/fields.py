"""Google's `fields` partial-response selector: `nextPageToken, files(id,name,owners/emailAddress)`.

`parse` turns a selector into a tree (`{"files": {"id": None, ...}}`, None meaning the whole value,
`*` meaning every field); `select` applies it to a response, walking into lists."""

from __future__ import annotations

from typing import Any

Tree = dict[str, "Tree | None"]


class FieldsError(ValueError):
    """A selector that does not parse; `str()` is Drive's message."""


def parse(spec: str) -> Tree:
    """The tree of a selector; raises FieldsError when it is malformed."""
    tree, pos = _list(spec, 0, top=True)
    if pos != len(spec):
        raise FieldsError(f"Invalid field selection {spec}")
    return tree


def _list(s: str, i: int, top: bool) -> tuple[Tree, int]:
    tree: Tree = {}
    n = len(s)
    while True:
        while i < n and s[i] in " \t\n":
            i += 1
        start = i
        while i < n and (s[i].isalnum() or s[i] in "_/*-.@"):
            i += 1
        path = s[start:i]
        if not path:
            raise FieldsError(f"Invalid field selection {s}")
        while i < n and s[i] == " ":
            i += 1
        sub: Tree | None = None
        if i < n and s[i] == "(":
            sub, i = _list(s, i + 1, top=False)
            if i >= n or s[i] != ")":
                raise FieldsError(f"Invalid field selection {s}")
            i += 1
        _merge(tree, [p for p in path.split("/")], sub, s)
        while i < n and s[i] == " ":
            i += 1
        if i < n and s[i] == ",":
            i += 1
            continue
        if i >= n or (not top and s[i] == ")"):
            return tree, i
        raise FieldsError(f"Invalid field selection {s}")


def _merge(tree: Tree, parts: list[str], sub: Tree | None, spec: str) -> None:
    if any(not p for p in parts):
        raise FieldsError(f"Invalid field selection {spec}")
    node = tree
    for p in parts[:-1]:
        child = node.get(p, {})
        if child is None:
            return  # already selected whole
        node[p] = child
        node = child
    last = parts[-1]
    if last in node and node[last] is None:
        return
    if sub is None:
        node[last] = None
    else:
        existing = node.get(last)
        if isinstance(existing, dict):
            for k, v in sub.items():
                existing[k] = v
        else:
            node[last] = sub


def select(value: Any, tree: Tree | None) -> Any:
    """The parts of `value` that `tree` selects."""
    if tree is None or ("*" in tree and len(tree) == 1):
        return value
    if isinstance(value, list):
        return [select(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    if "*" in tree:
        return value
    out: dict[str, Any] = {}
    for k, sub in tree.items():
        if k in value:
            out[k] = select(value[k], sub)
    return out


def subtree(tree: Tree | None, key: str) -> Tree | None:
    """What `select(value, tree)` selects of `value[key]`: None for all of it, {} for none of it."""
    if tree is None or "*" in tree:
        return None
    if key not in tree:
        return {}
    return tree[key]


def check(tree: Tree, known: dict[str, Any], spec: str) -> None:
    """Raise FieldsError for a top-level or nested name that the resource does not have."""
    for k, sub in tree.items():
        if k == "*":
            continue
        if k not in known:
            raise FieldsError(f"Invalid field selection {k}")
        child = known[k]
        if sub and isinstance(child, dict):
            check(sub, child, spec)


_CACHE: dict[str, Tree] = {}


def cached(spec: str) -> Tree:
    """`parse`, memoised (trees are never mutated after parsing)."""
    tree = _CACHE.get(spec)
    if tree is None:
        tree = parse(spec)
        if len(_CACHE) < 4096:
            _CACHE[spec] = tree
    return tree
