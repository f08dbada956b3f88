"""`${name}` templates in plan arguments: filled from values saved from earlier responses."""

from __future__ import annotations

import re
from typing import Any

VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def substitute(x: Any, env: dict[str, Any]) -> Any:
    """`${name}` in strings; a string that is exactly one `${name}` takes the value as is."""
    if isinstance(x, str):
        if "${" not in x:
            return x
        m = VAR.fullmatch(x)
        if m:
            return env.get(m.group(1), x)
        return VAR.sub(lambda m: str(env.get(m.group(1), m.group(0))), x)
    if isinstance(x, dict):
        return {k: substitute(v, env) for k, v in x.items()}
    if isinstance(x, list):
        return [substitute(v, env) for v in x]
    return x
