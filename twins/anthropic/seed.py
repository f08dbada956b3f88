"""Builds the Anthropic twin's state from `seed.anthropic`.

A `plan` makes the world a scripted one (`dtu-scripted`, `dtu-noisy`). The engine writes it only
into the worlds of oracles (runner/engine.py `Prepared.world`); whoever seeds one by hand hands
it to every client of that world. The plan is a list of tool calls, each either `{name, input, save}` (a tool name as the model
says it) or a reference step `{twin, op, args, save}` (named `twin__op` the catalog's way); what
only the world can answer (`when`, `until`, `observe`) goes with the call under the reserved
input key `__dtu`, for the oracle agent to judge (state.DTU)."""

from __future__ import annotations

from typing import Any

import msgspec

from ..core.env import ALNUM, Env
from .mime import mime_of
from .naming import tool_name
from .noise import DEFAULT_NOISE, Noise
from .state import AnthropicState, PlannedCall, StoredFile


class SeedCall(msgspec.Struct, forbid_unknown_fields=True):
    name: str = ""
    input: dict[str, Any] = {}
    twin: str = ""
    op: str = ""
    args: dict[str, Any] = {}
    save: dict[str, str] = {}
    required: bool = False
    note: str = ""
    when: str = ""  # a JMESPath query over the world: the call is made only when it finds something
    until: str = ""  # for a wait: the query over the world it waits for
    observe: dict[str, str] = {}  # {var: query over the world} the oracle agent answers under `saved`


class SeedFile(msgspec.Struct, forbid_unknown_fields=True):
    """A file already in the Files API: text `content`; `downloadable` for one a tool made."""

    filename: str
    content: str = ""
    mime_type: str = ""
    id: str = ""
    downloadable: bool = False


class AnthropicSeed(msgspec.Struct, forbid_unknown_fields=True):
    """`seed.anthropic`: the scripted model's plan and the fault knobs tests use."""

    plan: list[SeedCall] | None = None
    noise: Noise = DEFAULT_NOISE
    overloaded_first: int = 0
    rate_limited_first: int = 0
    retry_after: float = 1.0
    final_text: str = "Done."
    files: list[SeedFile] = []


def build(data: Any, env: Env) -> AnthropicState:
    seed = msgspec.convert(data or {}, AnthropicSeed)
    plan = []
    for i, c in enumerate(seed.plan or ()):
        if c.name:
            name, args = c.name, c.input
        elif c.twin and c.op:
            name, args = tool_name(c.twin, c.op), c.args
        else:
            raise ValueError(f"seed.anthropic.plan[{i}]: give `name` (and `input`) or `twin` and `op`")
        plan.append(PlannedCall(name=name, input=args, save=c.save, when=c.when, until=c.until,
                                observe=c.observe))
    files: dict[str, StoredFile] = {}
    for f in seed.files:
        fid = f.id or env.id("file_011", 29, ALNUM)
        data = f.content.encode()
        files[fid] = StoredFile(id=fid, filename=f.filename, mime_type=f.mime_type or mime_of(f.filename, ""),
                                size_bytes=len(data), created_at=env.now, content=data, downloadable=f.downloadable)
    return AnthropicState(files=files, plan=plan, scripted=seed.plan is not None, noise=seed.noise, overloaded_first=seed.overloaded_first,
                          rate_limited_first=seed.rate_limited_first, retry_after=seed.retry_after,
                          final_text=seed.final_text)
