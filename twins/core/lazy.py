"""Lazy restore: a world decodes only the entities it reads.

A world starts from its scenario's seed snapshot. Decoding the whole state up front costs as
much as the seed is large (a generated organisation's Drive is ~200 µs), while a trajectory
reads a handful of users, files or issues. `Restorer` decodes a snapshot's skeleton instead,
once per snapshot: every collection of entities (a state field typed `dict[K, SomeStruct]`)
becomes, in each world, a `LazyMap` copied from it whose values stay encoded (`msgspec.Raw`, a
view into the snapshot) until something reads them; the other fields, kept encoded apart, are
decoded for each world.

A `LazyMap` is a `dict`, so handlers use it as one. Reading a value (`[]`, `get`, `pop`,
`setdefault`) decodes that value once and keeps it; `values`, `items`, `copy`, comparisons and
`dict(...)` decode every value first. Writing needs no decoding. MessagePack encoding (snapshots
and digests) writes a still-encoded value's bytes as they are, so an untouched entity costs a
copy, and the snapshot is byte for byte the one an eager restore would give.

What a `LazyMap` must not meet: code reading its values through the C API without its methods.
`msgspec.to_builtins` is one (it fails on a `Raw` with a TypeError): call `loaded` first."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

import msgspec

from .memo import Bounded, derived

K = TypeVar("K")
V = TypeVar("V")
_Raw = msgspec.Raw


class Seed:
    """The seed's entities of one collection of one snapshot, decoded once and shared by every
    world restored from it: for reading only (`LazyMap.peek_items`, `LazyMap.seed_index`)."""

    __slots__ = ("dec", "entities", "raw")

    def __init__(self, dec: msgspec.msgpack.Decoder[Any], raw: dict[Any, Any]) -> None:
        self.dec = dec
        self.raw = raw  # every entity of the collection in the snapshot, encoded: each world copies it
        self.entities: dict[Any, Any] = {}

    def get(self, key: Any, raw: msgspec.Raw) -> Any:
        e = self.entities.get(key)
        if e is None:
            e = self.entities[key] = self.dec.decode(raw)
        return e


class LazyMap(dict[K, V]):
    """A state's collection whose values are decoded when first read (see the module)."""

    __slots__ = ("_dec", "_seed", "_whole")

    def __iter__(self) -> Any:
        # Not dict's own iterator slot: `dict(m)`, `{**m}` and `update(m)` then read through
        # `keys()` and `m[k]`, which decode, instead of copying encoded values.
        return dict.__iter__(self)

    def __init__(self, raw: dict[K, Any], seed: Seed) -> None:
        dict.__init__(self, raw)
        self._dec = seed.dec
        self._seed = seed
        self._whole = False

    def __getitem__(self, key: K) -> V:
        v: Any = dict.__getitem__(self, key)
        if type(v) is _Raw:
            v = self._dec.decode(v)
            dict.__setitem__(self, key, v)
        return v

    def get(self, key: K, default: Any = None) -> Any:
        v: Any = dict.get(self, key, default)
        if type(v) is _Raw:
            v = self._dec.decode(v)
            dict.__setitem__(self, key, v)
        return v

    def pop(self, key: K, *default: Any) -> Any:
        v: Any = dict.pop(self, key, *default)
        return self._dec.decode(v) if type(v) is _Raw else v

    def popitem(self) -> tuple[K, V]:
        k, v = dict.popitem(self)
        return k, (self._dec.decode(v) if type(v) is _Raw else v)  # type: ignore[arg-type]

    def setdefault(self, key: K, default: Any = None) -> Any:
        if key in self:
            return self[key]
        dict.__setitem__(self, key, default)
        return default

    def peek_items(self) -> Iterator[tuple[K, Any]]:
        """`items()` to read and nothing else, without decoding this world's copies: an entity
        this world has not read yet is the seed's, decoded once for every world, so it must not
        be changed or handed out (`m[key]` gives the world's own)."""
        get = self._seed.get
        v: Any
        for k, v in dict.items(self):
            yield k, (get(k, v) if type(v) is _Raw else v)

    def seed_index(self, name: str, build: Callable[[Iterable[tuple[K, Any]]], Any]) -> Any:
        """`build` over the seed's entities (key, entity), in the snapshot's order: built once per
        snapshot and shared by every world, so for reading only, and about the seed alone (an
        entity this world read may differ now; one still encoded does not)."""
        return derived(self._seed, name, lambda seed: build((k, seed.get(k, v)) for k, v in seed.raw.items()))

    def load(self) -> LazyMap[K, V]:
        """Decode every value still encoded; answers itself."""
        if not self._whole:
            dec = self._dec
            for k, v in dict.items(self):
                if type(v) is _Raw:
                    dict.__setitem__(self, k, dec.decode(v))  # type: ignore[arg-type]  # a value, not a key: iteration holds
            self._whole = True
        return self

    def values(self) -> Any:
        return dict.values(self.load())

    def items(self) -> Any:
        return dict.items(self.load())

    def copy(self) -> dict[K, V]:
        return dict(dict.items(self.load()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyMap):
            other.load()
        return dict.__eq__(self.load(), other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def __or__(self, other: Any) -> Any:
        return self.copy() | other

    def __ror__(self, other: Any) -> Any:
        return other | self.copy()

    def __repr__(self) -> str:
        return dict.__repr__(self.load())

    def __reduce__(self) -> Any:
        return dict, (self.copy(),)


def peek_items(m: dict[K, V]) -> Iterable[tuple[K, Any]]:
    """`m.items()` for reading only: a `LazyMap`'s `peek_items`, any other dict's `items`."""
    return m.peek_items() if type(m) is LazyMap else m.items()


def is_raw(v: Any) -> bool:
    """Whether a value read with `dict.items(m)` / `dict.get(m, k)` is still encoded: an entity
    nothing has read, so it is the seed's own (a view may reuse the seed's view of it)."""
    return type(v) is _Raw


def loaded(x: Any) -> Any:
    """`x` with every `LazyMap` inside it decoded (a state, a collection, or anything else): for
    code that reads values without a `LazyMap`'s methods, such as `msgspec.to_builtins`."""
    if isinstance(x, LazyMap):
        x.load()
    elif isinstance(x, msgspec.Struct):
        for name in x.__struct_fields__:
            v = getattr(x, name)
            if isinstance(v, LazyMap):
                v.load()
    return x


class Restorer:
    """Restores snapshots of one state type lazily (see the module)."""

    def __init__(self, state_type: type[msgspec.Struct]) -> None:
        self.state_type = state_type
        self.lazy: dict[str, msgspec.msgpack.Decoder[Any]] = {}
        self._seeds: Bounded[bytes, tuple[bytes, dict[str, Seed]]] = Bounded(256)
        hints = typing.get_type_hints(state_type)
        fields = []
        for f in msgspec.structs.fields(state_type):
            typ = hints[f.name]
            args = typing.get_args(typ)
            if (typing.get_origin(typ) is dict and len(args) == 2 and isinstance(args[1], type)
                    and issubclass(args[1], msgspec.Struct)):
                self.lazy[f.name] = msgspec.msgpack.Decoder(args[1])
                typ = types.GenericAlias(dict, (args[0], msgspec.Raw))
            default = (msgspec.field(default_factory=f.default_factory, name=f.encode_name)
                       if f.default_factory is not msgspec.NODEFAULT
                       else msgspec.field(default=f.default, name=f.encode_name)
                       if f.default is not msgspec.NODEFAULT else msgspec.field(name=f.encode_name))
            fields.append((f.name, typ, default))
        self._omits = state_type.__struct_config__.omit_defaults
        skeleton = msgspec.defstruct(f"{state_type.__name__}Skeleton", fields)
        self._skeleton = msgspec.msgpack.Decoder(skeleton)
        # the other fields alone: decoding skips the collections' bytes without building them
        rest = msgspec.defstruct(f"{state_type.__name__}Rest", [f for f in fields if f[0] not in self.lazy])
        self._rest = msgspec.msgpack.Decoder(rest)
        self._others = tuple(f[0] for f in fields if f[0] not in self.lazy)

    def restore(self, snapshot: bytes) -> Any:
        got = self._seeds.get(snapshot)
        if got is None:
            # once a snapshot: each collection's encoded entities, copied into every world's
            # LazyMap, and the other fields encoded apart (a few hundred bytes, not the snapshot)
            sk = self._skeleton.decode(snapshot)
            got = self._seeds.keep(snapshot, (msgspec.msgpack.encode(self._rest.decode(snapshot)),
                                              {name: Seed(dec, getattr(sk, name)) for name, dec in self.lazy.items()}))
        rest = self._rest.decode(got[0])
        kwargs: dict[str, Any] = {name: getattr(rest, name) for name in self._others}
        for name, seed in got[1].items():
            kwargs[name] = LazyMap(seed.raw, seed) if seed.raw else {}
        return self.state_type(**kwargs)

    def encodable(self, state: Any) -> Any:
        """`state` as MessagePack should see it: with `omit_defaults`, msgspec omits an empty
        `dict` but not an empty `LazyMap` (an emptied collection), so those are swapped for `{}`
        in a shallow copy."""
        if not self._omits:
            return state
        empty: dict[str, Any] = {name: {} for name in self.lazy if type(v := getattr(state, name)) is LazyMap and not v}
        return msgspec.structs.replace(state, **empty) if empty else state
