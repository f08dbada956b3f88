"""The machinery every twin shares: operations, worlds, errors, ids and clock."""

from .env import Env, derive, mix, parse_time
from .errors import ErrorKit, TwinError
from .ops import Ctx, NoParams, Operation, Raw, Registry, Reply
from .twin import Twin, bearer
from .world import Call, FaultHook, SeedImage, World

__all__ = [
    "Call",
    "Ctx",
    "Env",
    "ErrorKit",
    "FaultHook",
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
