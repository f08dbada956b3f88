"""The machinery every twin shares: operations, worlds, errors, ids and clock."""

from .env import Env, derive, mix, parse_time
from .errors import ErrorKit, TwinError
from .events import Event
from .ops import Ctx, NoParams, Operation, Raw, Registry, Reply
from .twin import Meter, Twin, bearer
from .world import Call, Clockwork, FaultHook, SeedImage, World

__all__ = [
    "Call",
    "Clockwork",
    "Ctx",
    "Env",
    "ErrorKit",
    "Event",
    "FaultHook",
    "Meter",
    "NoParams",
    "Operation",
    "Raw",
    "Registry",
    "Reply",
    "SeedImage",
    "Twin",
    "TwinError",
    "World",
    "bearer",
    "derive",
    "mix",
    "parse_time",
]
