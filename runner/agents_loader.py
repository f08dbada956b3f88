"""Resolving `--agent` specs without importing agent internals: entry points and plugins.

  scripted                      an agent registered under the `dtu.agents` entry-point group
  noisy:skip=0.1,corrupt=0.05   the same, with an argument string handed to its factory
  command:python my_agent.py    ditto
  package.module:factory        a user's own agent (a plugin): factory(arg) -> Agent
"""

from __future__ import annotations

import functools
import importlib
from importlib.metadata import entry_points
from typing import Any

from .errors import DtuError

GROUP = "dtu.agents"


@functools.cache
def registered() -> dict[str, Any]:
    """Installed agent plugins by name (read once: a Ray task resolving its agents rescanned every
    installed package's metadata, 3.4 of its 4 ms)."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def resolve(spec: str) -> Any:
    """An agent instance for a spec."""
    known = registered()
    name, sep, arg = spec.partition(":")
    if name in known:
        factory = known[name].load()
        agent = factory(arg) if sep else factory()
    elif sep:
        module, _, attr = spec.partition(":")
        attr, _, farg = attr.partition(":")
        try:
            mod = importlib.import_module(module)
        except ImportError as e:
            raise DtuError(f"--agent {spec}: cannot import {module!r}: {e}") from None
        factory = getattr(mod, attr, None)
        if factory is None:
            raise DtuError(f"--agent {spec}: {module} has no attribute {attr!r}")
        agent = factory(farg) if farg else factory()
    else:
        raise DtuError(f"--agent {spec}: unknown agent; use one of {', '.join(sorted(known))} "
                       "or package.module:factory")
    if not hasattr(agent, "run") or not hasattr(agent, "name"):
        raise DtuError(f"--agent {spec}: {type(agent).__name__} is not an agent (needs .name and async .run)")
    return agent
