"""What every Okta operation shares: the registry, the admin check, lookups and Link pagination."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from msgspec import Raw

from ..core import Ctx, Meter, Registry, Reply
from ..core.lazy import LazyMap
from ..core.memo import Bounded
from .errors import OktaError, forbidden, found, not_found
from .state import App, Group, OktaState, RateWindow, User

ops = Registry("okta")
S = Ctx[OktaState]
T = TypeVar("T")
MAX_LIMIT = 200


def count(rate: RateWindow, now: float) -> OktaError | None:
    """Count a call at `now` in the org-wide rate window (a 403 or a 429 counts too): the
    429 when it is past the limit. The world counts each call before its handler (`Twin.meter`)."""
    if not rate.used or now - rate.start >= 60:
        rate.start = float(int(now))
        rate.used = 0
    rate.used += 1
    if rate.used > rate.limit:
        return OktaError("E0000047", "API call exceeded rate limit due to too many requests.", status=429)
    return None


def _put_rate(s: OktaState, rate: RateWindow) -> None:
    s.rate = rate


METER: Meter[OktaState, RateWindow] = Meter(of=lambda s: s.rate, put=_put_rate, tick=count)


def admin(ctx: S) -> OktaState:
    """The state, once the caller is known to be an admin (the world has counted the call: `METER`)."""
    s = ctx.state
    actor = ctx.actor
    if actor != s.me:
        u = s.users.get(actor)
        if u is None or not u.admin or u.status != "ACTIVE":
            raise forbidden()
    return s


def base(ctx: S) -> str:
    """The org URL links point at: the door's base URL, or the org's Okta domain in process."""
    return ctx.env.base_url or f"https://{ctx.state.org}.okta.com"


def derived_id(prefix: str, *parts: str) -> str:
    """A stable 20-character id made from other ids (app assignment ids)."""
    x = int.from_bytes(hashlib.blake2b("\0".join(parts).encode(), digest_size=16).digest(), "big")
    out = []
    for _ in range(20 - len(prefix)):
        x, r = divmod(x, 62)
        out.append("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[r])
    return prefix + "".join(out)


def new_id(ctx: S, prefix: str) -> str:
    """An Okta id: 20 characters, `00u…` users, `00g…` groups, `0oa…` apps."""
    return ctx.env.id(prefix, 20, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


# -- lookups ----------------------------------------------------------------------------------------

def find_user(s: OktaState, ref: str, actor: str = "") -> User | None:
    """A user by id, by login, or by login's short name (the part before @), as Okta resolves them."""
    if ref == "me" and actor in s.users:
        return s.users[actor]
    u = s.users.get(ref)
    if u is not None:
        return u
    low = ref.lower()
    users = s.users
    if type(users) is LazyMap:
        return _find_lazily(users, low)
    for u in users.values():
        if _login(u) == low:
            return u
    if "@" not in low:
        for u in users.values():
            if _login(u).split("@")[0] == low:
                return u
    return None


def _login(u: User) -> str:
    return str(u.profile.get("login", "")).lower()


LoginIndex = tuple[dict[str, list[str]], dict[str, list[str]], dict[str, int]]


def _login_index(seeded: Iterable[tuple[str, User]]) -> LoginIndex:
    """The seed's users by login and by its short name (each in the snapshot's order), and each
    user's place in that order."""
    full: dict[str, list[str]] = {}
    short: dict[str, list[str]] = {}
    place: dict[str, int] = {}
    for i, (uid, u) in enumerate(seeded):
        login = _login(u)
        full.setdefault(login, []).append(uid)
        short.setdefault(login.split("@")[0], []).append(uid)
        place[uid] = i
    return full, short, place


def _find_lazily(users: LazyMap[str, User], low: str) -> User | None:
    """`find_user`'s scans in a lazily restored world, without decoding or visiting every user:
    the first user in the world's order whose login (then short name) matches, found among the
    seed's users still encoded (so as the seed has them) through the seed's index, and among the
    users this world read or made (who may have changed) by one tight scan. The world's order is
    the seed's, with users made since after them."""
    full, short, place = users.seed_index("okta.logins", _login_index)
    read = [(uid, u) for uid, u in dict.items(users) if type(u) is not Raw]
    for index, key in ((full, low), (short, low if "@" not in low else None)):
        if key is None:
            continue
        hit = next((uid for uid in index.get(key, ()) if type(dict.get(users, uid)) is Raw), None)
        last = place[hit] if hit is not None else len(place)  # users made since come after the seed's
        for uid, u in read:
            if place.get(uid, len(place)) > last:
                break
            if (_login(u) if index is full else _login(u).split("@")[0]) == key:
                return u
        if hit is not None:
            return users[hit]
    return None


def get_user(ctx: S, ref: str) -> User:
    """A user by reference (`find_user`), or Okta's 404. Every handler that changes a user finds them
    here, so the user is marked (state.view_delta rebuilds their view), reads included."""
    u = read_user(ctx, ref)
    ctx.changed.add(("user", u.id))  # ctx.mark, without a call on every lookup
    return u


def read_user(ctx: S, ref: str) -> User:
    """`get_user` for a handler that only reads the user (nothing marked)."""
    u = find_user(ctx.state, ref, ctx.actor)
    if u is None:
        raise not_found("User", ref)
    return u


def get_group(s: OktaState, gid: str) -> Group:
    return found(s.groups, gid, "UserGroup")


def get_app(s: OktaState, aid: str) -> App:
    return found(s.apps, aid, "AppInstance")


# -- pagination -------------------------------------------------------------------------------------

def page_after(items: Sequence[T], after: str, limit: int | None, key: Any, default: int = MAX_LIMIT
               ) -> tuple[list[T], str | None]:
    """One page after the item whose id is `after`; the cursor of the next page, or None."""
    size = default if limit is None or limit <= 0 else min(limit, MAX_LIMIT)
    start = 0
    if after:
        ids = [key(x) for x in items]
        start = ids.index(after) + 1 if after in ids else len(items)
    chunk = list(items[start:start + size])
    more = start + size < len(items)
    return chunk, (key(chunk[-1]) if more and chunk else None)


_QUERIES: Bounded[tuple[tuple[str, type, Any], ...], str] = Bounded(4096)
"""Query strings already encoded (a list call's Link header), keyed on the parameters alone (with
their types: `True == 1` but they encode differently)."""
def _query_string(q: dict[str, Any]) -> str:
    """`urlencode(q)`, memoised: the same few list queries recur in every world."""
    key = tuple((k, type(v), v) for k, v in q.items())
    try:
        text = _QUERIES.get(key)
    except TypeError:  # an unhashable value
        return urlencode(q)
    if text is None:
        text = urlencode(q)
        if len(text) <= 512:  # an agent's huge query is not kept
            _QUERIES.keep(key, text)
    return text


def paged(ctx: S, path: str, query: dict[str, Any], body: list[Any], nxt: str | None) -> Reply:
    """A list answer with Okta's Link headers: `self` first, `next` last."""
    q = {k: v for k, v in query.items() if v not in (None, "") and k != "after"}
    root = base(ctx)
    self_q = {'after': query['after'], **q} if query.get("after") else q
    links = [f'<{root}{path}{"?" + _query_string(self_q) if self_q else ""}>; rel="self"']
    if nxt is not None:
        links.append(f'<{root}{path}?{_query_string({"after": nxt, **q})}>; rel="next"')
    headers: dict[str, Any] = {"Link": links}
    return Reply(200, body, headers)
