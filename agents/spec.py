"""`key=value,key=value` argument strings of agent specs (`noisy:skip=0.1,corrupt=0.05`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dtu.runner.errors import DtuError


def parse(agent: str, arg: str, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The options of `agent:arg`, typed after their defaults; unknown keys are an error."""
    out = dict(defaults)
    for part in filter(None, (p.strip() for p in arg.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in defaults:
            raise DtuError(f"--agent {agent}:{arg}: bad option {part!r}; options: "
                           + ", ".join(f"{k}=" for k in defaults))
        kind = type(defaults[key]) if defaults[key] is not None else str
        try:
            if kind is bool:
                out[key] = value.strip().lower() in ("1", "true", "yes", "on")
            else:
                out[key] = kind(value.strip())
        except ValueError:
            raise DtuError(f"--agent {agent}:{arg}: {key} must be a {kind.__name__}, not {value!r}") from None
    return out
