"""World times as text (Env.iso and http_date answer what datetime and email.utils answer) and ids."""

from __future__ import annotations

import datetime as dt
import random
from email.utils import formatdate

from dtu.twins.core.env import Env, http_date


def _reference_iso(t: float, millis: bool) -> str:
    d = dt.datetime.fromtimestamp(t, dt.UTC)
    if millis:
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


INSTANTS = [0.0, 59.0, 60.0, -1.0, -61.0, 1.5, 59.9999999, -0.5, 1.7e9, 253402300799.0, -62135596800.0,
            951782400.0, 4102444799.999]


def test_iso_is_datetimes_text() -> None:
    rng = random.Random(7)
    instants = INSTANTS + [float(rng.randint(-62135596800, 253402300799)) for _ in range(20000)] + [
        rng.uniform(-1e9, 4e9) for _ in range(5000)]
    env = Env(0, 0.0)
    for t in instants:
        for millis in (True, False):
            assert env.iso(t, millis) == _reference_iso(t, millis), (t, millis)
            assert env.iso(t, millis) == _reference_iso(t, millis), (t, millis)  # the memo's answer


def test_http_date_is_formatdate() -> None:
    rng = random.Random(8)
    instants = INSTANTS + [float(rng.randint(-10**10, 253402300799)) for _ in range(20000)]
    for t in instants:
        assert http_date(t) == formatdate(t, usegmt=True), t
        assert http_date(t) == formatdate(t, usegmt=True), t


def _reference_token(env: Env, length: int, alphabet: str) -> str:
    """Env.token as first written: one character per 6 bits of a draw, a new draw below 8."""
    out: list[str] = []
    base = len(alphabet)
    x = env.bits()
    left = 64
    while len(out) < length:
        if left < 8:
            x = env.bits()
            left = 64
        out.append(alphabet[x % base])
        x //= base
        left -= 6
    return "".join(out)


def test_tokens_are_the_streams_characters() -> None:
    """Ids drawn two characters at a time are the ids drawn one at a time (replays depend on them)."""
    alphabets = ["0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789abcdef", "01",
                 "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"]
    for seed in range(40):
        for alphabet in alphabets:
            ours, theirs = Env(seed, 0.0), Env(seed, 0.0)
            for length in [*range(0, 50), 64, 100]:
                assert ours.token(length, alphabet) == _reference_token(theirs, length, alphabet)
            assert ours.n == theirs.n
