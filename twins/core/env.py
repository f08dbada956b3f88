"""A world's deterministic sources: its virtual clock, its id generator and its randomness."""

from __future__ import annotations

import datetime as _dt
import hashlib
import time as _time
from typing import NamedTuple

from .memo import Bounded

MASK = (1 << 64) - 1
ALNUM_UPPER = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
HEX = "0123456789abcdef"
TICK = 1.0  # world seconds one call takes


def mix(x: int) -> int:
    """splitmix64: a cheap, well-distributed 64-bit hash."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def derive(seed: int, *parts: str | int) -> int:
    """A child seed from a seed and labels (scenario id, trial), stable across processes."""
    x = mix(seed & MASK)
    for part in parts:
        if isinstance(part, int):
            x = mix(x ^ (part & MASK))
        else:
            h = int.from_bytes(hashlib.blake2b(part.encode(), digest_size=8).digest(), "little")
            x = mix(x ^ h)
    return x


_PAIRS: dict[str, list[str]] = {}  # alphabet -> its characters two at a time (a few alphabets, fixed in code)


class Grant(NamedTuple):
    """A capability one call handed out (see `Env.grant`)."""

    placeholder: str
    ops: tuple[str, ...]
    args: dict[str, str]


class Env:
    """Clock, ids and randomness of one world. A leaf object: it references nothing else."""

    __slots__ = ("base_url", "grants", "n", "now", "seed", "world_id")

    def __init__(self, seed: int, now: float, n: int = 0, world_id: str = "", base_url: str = "") -> None:
        self.seed = seed & MASK
        self.now = now
        self.n = n
        self.world_id = world_id
        self.base_url = base_url
        self.grants: list[Grant] | None = None
        """Capabilities handed out by the call in progress, for a door that swaps them for
        secrets (the HTTP door sets a list); None: nobody collects them (door 1)."""

    # -- capabilities -----------------------------------------------------------------------
    def grant(self, placeholder: str, ops: tuple[str, ...], args: dict[str, str]) -> str:
        """Hand out a capability (an upload URL): `placeholder` is the part of the answer that
        stands for it, `ops` the operations it opens and `args` what it means to them.

        The world only ever sees the placeholder, drawn from its seeded stream, so its state,
        its call log and its digest stay deterministic. The HTTP door swaps the placeholder for
        a secret from a CSPRNG on the way out, and the secret back for `args` on the way in;
        in-process (door 1) the world object itself is the credential. Returns `placeholder`."""
        if self.grants is not None:
            self.grants.append(Grant(placeholder, ops, args))
        return placeholder

    # -- randomness -------------------------------------------------------------------------
    def bits(self) -> int:
        """Next 64 random bits of this world's stream."""
        self.n += 1
        return mix((self.seed + self.n * 0xD1B54A32D192ED03) & MASK)

    def random(self) -> float:
        """A float in [0, 1) from this world's stream."""
        return (self.bits() >> 11) * (1.0 / (1 << 53))

    def randint(self, lo: int, hi: int) -> int:
        """An int in [lo, hi]."""
        return lo + self.bits() % (hi - lo + 1)

    # -- ids --------------------------------------------------------------------------------
    def token(self, length: int, alphabet: str = ALNUM_UPPER) -> str:
        """`length` characters from `alphabet`, from this world's stream."""
        # one character from each 6 bits of a 64-bit draw (x % base, then x //= base), a new draw
        # when fewer than 8 are left; two at a time from a table of pairs while 14 are left
        out: list[str] = []
        base = len(alphabet)
        pairs = _PAIRS.get(alphabet)
        if pairs is None:
            pairs = _PAIRS[alphabet] = [alphabet[p % base] + alphabet[p // base] for p in range(base * base)]
        base2 = base * base
        x = self.bits()
        left = 64
        n = 0
        while n < length:
            if left < 8:
                x = self.bits()
                left = 64
            if left >= 14 and length - n >= 2:
                out.append(pairs[x % base2])
                x //= base2
                left -= 12
                n += 2
            else:
                out.append(alphabet[x % base])
                x //= base
                left -= 6
                n += 1
        return "".join(out)

    def id(self, prefix: str, length: int, alphabet: str = ALNUM_UPPER) -> str:
        """An id of `length` characters in all, starting with `prefix`."""
        return prefix + self.token(length - len(prefix), alphabet)

    # -- clock ------------------------------------------------------------------------------
    def tick(self, seconds: float = TICK) -> float:
        self.now += seconds
        return self.now

    def iso(self, t: float | None = None, millis: bool = True) -> str:
        """ISO-8601 UTC, `2024-01-15T09:00:00.000Z`."""
        key = (self.now if t is None else t, millis)
        s = _ISO.get(key)
        if s is None:
            s = _ISO.keep(key, _iso(*key))
        return s


# Worlds of one scenario start at the same time and tick alike, so the same instants are
# formatted over and over: a bounded memo (a pure function of the instant, shared safely).
_ISO: Bounded[tuple[float, bool], str] = Bounded(65_536)
_ISO_MINUTES: Bounded[int, str] = Bounded(4096)


def _iso(t: float, millis: bool) -> str:
    if t == int(t):  # a whole second: the minute's text, kept, and the seconds
        minute, second = divmod(int(t), 60)
        head = _ISO_MINUTES.get(minute)
        if head is None:
            head = _ISO_MINUTES.keep(minute, _dt.datetime.fromtimestamp(minute * 60, _dt.UTC).strftime("%Y-%m-%dT%H:%M:"))
        return f"{head}{second:02d}.000Z" if millis else f"{head}{second:02d}Z"
    d = _dt.datetime.fromtimestamp(t, _dt.UTC)
    if millis:
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str | float | int | _dt.datetime | None, default: float) -> float:
    """Epoch seconds from an ISO string, a datetime or a number."""
    if value is None:
        return default
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, _dt.datetime):
        d = value
    else:
        d = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if d.tzinfo is None:
        d = d.replace(tzinfo=_dt.UTC)
    return d.timestamp()


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


_MINUTES: Bounded[int, str] = Bounded(4096)


def http_date(t: float) -> str:
    """An HTTP `Date` (RFC 7231 IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`), what
    `email.utils.formatdate(t, usegmt=True)` gives, without its layers: a served world's clock
    moves a second a call and every answer needs a new one. The text up to the seconds is kept
    for the last 4,096 minutes asked for."""
    if t != int(t):  # a fraction rounds as datetime rounds microseconds (59.9999999 is the next minute)
        g = _dt.datetime.fromtimestamp(t, _dt.UTC).timetuple()
        return f"{_DAYS[g[6]]}, {g[2]:02d} {_MONTHS[g[1] - 1]} {g[0]:04d} {g[3]:02d}:{g[4]:02d}:{g[5]:02d} GMT"
    minute, second = divmod(int(t), 60)
    head = _MINUTES.get(minute)
    if head is None:
        g = _time.gmtime(minute * 60)
        head = f"{_DAYS[g[6]]}, {g[2]:02d} {_MONTHS[g[1] - 1]} {g[0]:04d} {g[3]:02d}:{g[4]:02d}:"
        _MINUTES.keep(minute, head)
    return f"{head}{second:02d} GMT"
