"""The matching engine fed from the database: suggestions for one member, plans for a round.

Engine member ids are Discord user ids (unique within a server), so reasons name people
directly.

**The per-server cache.** A server's :class:`MatchIndex` is built once and then kept up to date
in place: each request reads only the members whose row changed since the last request
(``members.updated_at``, indexed per server) and replaces just those members in the index. What
marks a member changed:

* any change to the member row itself (sector, pause, consent, ...: the column's ``onupdate``);
* adding, changing or removing one of their offers or needs through the ORM: the session hook
  :func:`_touch_members` below stamps the owning member in the same flush;
* the importer stamps every member it changes (Core statements, so it sets the column itself);
* a deleted member (or a member added and one deleted between two requests) shows up as a
  member count that differs from what the cache expects: then the server's member ids are
  read and the missing ones dropped. Counting a large server's members is the dearest part of
  a request (10 ms at 100,000 members), so a request counts at most every ``COUNT_EVERY``
  (a round and ``index`` always count); meanwhile a deleted member is never shown, because the
  names of suggested members are read from their rows.

Each request reads the rows stamped after ``OVERLAP`` before the previous request began (a
transaction may commit a little after it stamped its rows, and processes' clocks differ a
little: a writer whose clock lags this process's by more than ``OVERLAP`` could go unseen); a
member read again with the stamp already applied costs nothing more. A change to the server's
synonym groups changes the vocabulary every text is analysed with: that rebuilds the server's
index (seconds at 100,000 members, not milliseconds). One request per server at a time builds
or updates its index.

Who takes part in introductions (joined, pause) is kept with the index from the same rows, so
``suggest`` reads no list of all members. The cache holds at most ``cache_mib`` of indexes
(estimated); least recently used servers are dropped first, also to make room before a build.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import compress
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, func, inspect, literal_column, null, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement

from bot.db import plain_rows
from bot.services import intros, learning, privacy
from bot.services.analyses import scorer_of, synonym_groups
from bot.services.matching import MatchIndex, MemberData, Reason, chance_meetings, plan_round
from bot.services.matching.forms import spawn_helper
from bot.services.matching.index import gc_paused
from bot.services.profiles import remember_locale
from models import (
    GuildDeparture,
    Introduction,
    IntroParty,
    ItemKind,
    Member,
    MemberItem,
    SynonymGroup,
    Visibility,
    utcnow,
)

DEFAULT_HISTORY = timedelta(weeks=12)
DEFAULT_CACHE_MIB = 768
# A request that only suggests counts the server's members (to notice deleted ones) at most this often.
COUNT_EVERY_S = 10.0
# Rows stamped this long before the previous request began are read again (see the docstring).
OVERLAP = timedelta(seconds=30)
# Above this share of changed members a fresh build is cheaper than replacing them one by one.
REBUILD_SHARE = 0.3
READ_BATCH = 20_000
BUILD_BYTES_PER_MEMBER = 12_000  # what an index about to be built may need, per member (estimate)
CHANGE_BYTES = 24_000  # what a changed member may add to an index, at most (10 new texts)
HELPER_MIN_MEMBERS = 2_000  # a build this large starts its helper process before reading items
_NEED, _OFFER = ItemKind.NEED.value, ItemKind.OFFER.value


@dataclass(frozen=True, slots=True)
class Suggestion:
    user_id: int
    name: str
    sector: str | None
    organisation: str | None
    score: float
    reasons: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Pair:
    a: int
    b: int
    score: float
    reasons: list[dict[str, Any]]
    chance: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    pairs: list[Pair]
    unmatched: list[int]


@dataclass(frozen=True, slots=True)
class _Person:
    name: str
    sector: str | None
    organisation: str | None
    chance: bool


def reason_dict(reason: Reason) -> dict[str, Any]:
    return {
        "need_of": reason.need_of,
        "need": reason.need,
        "offer_of": reason.offer_of,
        "offer": reason.offer,
        "score": round(float(reason.score), 1),
    }


# -- change marks ------------------------------------------------------------------------------


def _touch_members(session: Session, _context: object, _instances: object) -> None:
    """Before a flush: a member whose offers or needs change gets a new ``updated_at``, so the
    matching cache sees the change (see the module docstring)."""
    now = utcnow()
    touched: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, MemberItem):
            member = obj.__dict__.get("member")
            if isinstance(member, Member) and member not in session.deleted:
                member.updated_at = now
            elif obj.member_id is not None:
                touched.add(obj.member_id)
        elif (
            isinstance(obj, Member)
            and obj in session.dirty
            and obj not in session.deleted
            and inspect(obj).attrs["items"].history.has_changes()  # passive: loads nothing
        ):
            obj.updated_at = now
    if touched:
        # Items whose member object is not loaded here: stamp the rows directly (Core).
        session.connection().execute(update(Member).where(Member.id.in_(touched)).values(updated_at=now))


_hooked = False


def install_change_marks() -> None:
    """Register :func:`_touch_members` on every ORM session (once per process)."""
    global _hooked
    if not _hooked:
        from sqlalchemy import event

        event.listen(Session, "before_flush", _touch_members)
        _hooked = True


install_change_marks()


# -- reading -----------------------------------------------------------------------------------


_MEMBER_COLUMNS = (
    Member.id,
    Member.user_id,
    Member.sector,
    Member.updated_at,
    Member.intro_joined,
    Member.intro_paused_until,
    Member.visibility,
)


class _Row(NamedTuple):
    """A member row as ``_MEMBER_COLUMNS`` reads it."""

    id: int
    user_id: int
    sector: str | None
    updated_at: datetime
    intro_joined: bool
    intro_paused_until: datetime | None
    visibility: str


def _version_columns(guild_id: int, count: bool) -> list[Any]:
    """The server's synonym groups' version (count, newest id and stamp) and (``count``) its
    member count."""
    groups = SynonymGroup.guild_id == guild_id
    members = select(func.count()).select_from(Member).where(Member.guild_id == guild_id).scalar_subquery()
    return [
        select(func.count(SynonymGroup.id)).where(groups).scalar_subquery(),
        select(func.max(SynonymGroup.id)).where(groups).scalar_subquery(),
        select(func.max(SynonymGroup.updated_at)).where(groups).scalar_subquery(),
        members if count else null(),
    ]


async def _member_count(session: AsyncSession, guild_id: int) -> int:
    return int(await session.scalar(select(func.count()).select_from(Member).where(Member.guild_id == guild_id)) or 0)


async def _versions(
    session: AsyncSession, guild_id: int, since: datetime | None, *, count: bool = True
) -> tuple[tuple[Any, ...], int | None, list[Any]]:
    """Synonym version, member count (None unless ``count``) and (with ``since``) the member
    rows stamped after it, in one query: a one-row select of the versions, outer-joined to the
    changed members."""
    versions = _version_columns(guild_id, count)
    if since is None:
        row = (await session.execute(select(*versions))).one()
        return tuple(row[:3]), None if row[3] is None else int(row[3]), []
    one = select(literal_column("1").label("one")).subquery()  # no parameter: any dialect
    changed = and_(Member.guild_id == guild_id, Member.updated_at > since)
    rows = (
        await session.execute(select(*versions, *_MEMBER_COLUMNS).select_from(one).outerjoin(Member, changed))
    ).all()
    first = rows[0]
    members = [_Row._make(row[4:]) for row in rows if row[4] is not None]
    return tuple(first[:3]), None if first[3] is None else int(first[3]), members


@dataclass(slots=True)
class _Server:
    """One server's cached index and what it knows of the member rows behind it."""

    index: MatchIndex
    synonyms: tuple[Any, ...]
    user_of: dict[int, int]  # members.id -> user id, every member of the server
    joined: set[int]  # user ids who joined introductions
    paused: dict[int, datetime]  # user id -> paused until (joined members only)
    read_at: datetime  # this process's clock when the rows were last read
    recent: dict[int, datetime] = field(default_factory=dict)  # user id -> stamp applied, within OVERLAP
    # Private profiles: used for their owner's own suggestions, proposed to nobody.
    private: set[int] = field(default_factory=set)
    size: int = 0

    def drop(self, row_ids: Iterable[int]) -> None:
        """Forget the members of these rows (deleted): out of the index and every set."""
        for row_id in row_ids:
            user_id = self.user_of.pop(row_id)
            self.index.remove_member(user_id)
            self.joined.discard(user_id)
            self.private.discard(user_id)
            self.paused.pop(user_id, None)
            self.recent.pop(user_id, None)

    def is_available(self, user_id: int, now: datetime) -> bool:
        if user_id not in self.joined or user_id in self.private:
            return False
        until = self.paused.get(user_id)
        return until is None or until <= now

    def available(self, now: datetime) -> set[int]:
        return self.joined - self.private - {u for u, until in self.paused.items() if until > now}

    def note(self, user_id: int, row_id: int, joined: bool, paused_until: datetime | None, visibility: str) -> None:
        self.user_of[row_id] = user_id
        if visibility == Visibility.MEMBERS.value:
            self.private.discard(user_id)
        else:
            self.private.add(user_id)
        if joined:
            self.joined.add(user_id)
        else:
            self.joined.discard(user_id)
        if joined and paused_until is not None:
            self.paused[user_id] = paused_until
        else:
            self.paused.pop(user_id, None)


class _Unavailable(AbstractSet[int]):
    """Members of the index who do not take part at ``now`` (not joined, paused), as a
    collection that answers ``in`` without listing them."""

    def __init__(self, server: _Server, now: datetime, gone: AbstractSet[int] = frozenset()) -> None:
        self.server, self.now, self.gone = server, now, gone

    def __contains__(self, user_id: object) -> bool:
        return isinstance(user_id, int) and (user_id in self.gone or not self.server.is_available(user_id, self.now))

    def __iter__(self) -> Iterator[int]:
        return (m for m in self.server.index.member_ids() if m in self)

    def __len__(self) -> int:
        return sum(1 for _m in self)


async def _items_of(
    session: AsyncSession,
    where: ColumnElement[bool],
    stored: dict[str, str | None] | None = None,
    distinct: tuple[dict[str, None], dict[str, None]] | None = None,
) -> dict[int, tuple[list[str], list[str]]]:
    """member row id -> (needs, offers), texts in the order they were added. With ``stored``,
    also text -> its stored analysis (texts not analysed yet are left out), and into
    ``distinct`` the distinct texts of the needs and of the offers."""
    # The analyses only when asked for (a bulk build): a refresh does not use them.
    analysis = MemberItem.analysis if stored is not None else null()
    # Per role: member row id -> texts.
    lists: tuple[defaultdict[int, list[str]], defaultdict[int, list[str]]] = (defaultdict(list), defaultdict(list))
    for role, kind in enumerate((_NEED, _OFFER)):
        # One kind at a time, each in the order added: per member the same lists as ordering by
        # member, read straight from the (guild_id, kind) index, and no kind column to read.
        statement = (
            select(MemberItem.member_id, MemberItem.text, analysis)
            .where(where, MemberItem.kind == kind)
            .order_by(MemberItem.id)
        )
        async for part in plain_rows(session, statement, READ_BATCH):
            if part:
                _add_items(lists[role], part, stored, None if distinct is None else distinct[role])
    needs, offers = lists
    return {m: (needs.get(m, []), offers.get(m, [])) for m in needs.keys() | offers.keys()}


def _add_items(
    by_member: defaultdict[int, list[str]],
    rows: Sequence[tuple[Any, ...]],
    stored: dict[str, str | None] | None,
    distinct: dict[str, None] | None,
) -> None:
    """Rows (member id, text, analysis) of one kind into ``by_member`` (and ``stored``,
    ``distinct``: see ``_items_of``), column by column (in C) where it can."""
    ids, texts, analyses = zip(*rows, strict=True)
    for member_id, text in zip(ids, texts, strict=True):
        by_member[member_id].append(text)
    if stored is not None:
        if distinct is not None:
            # Texts, not their (long) analyses: a text's hash is computed once, for both dicts.
            distinct.update(dict.fromkeys(texts))
        # Any row's analysis of a text will do (it depends on the folded text only); rows not
        # analysed yet are left out, the round analyses their text if no row has it.
        stored.update(compress(zip(texts, analyses, strict=True), analyses))


def _member_data(row: Row[Any] | Any, items: tuple[list[str], list[str]] | None) -> MemberData | None:
    if not items:
        return None
    return MemberData(member_id=row.user_id, sector=row.sector, needs=items[0], offers=items[1])


class Matchmaker:
    """Holds one index per server (at most ``cache_mib`` of them); safe to share for the bot's lifetime."""

    def __init__(self, cache_mib: int = DEFAULT_CACHE_MIB) -> None:
        self.budget = cache_mib * 1024 * 1024
        self._cache: OrderedDict[int, _Server] = OrderedDict()
        self._locks: dict[int, asyncio.Lock] = {}
        self.full_builds = 0  # for tests and benchmarks
        self.members_applied = 0
        self._counted: dict[int, float] = {}  # server -> when its members were last counted (monotonic)

    # -- the cache ------------------------------------------------------------------------------

    def cached_servers(self) -> list[int]:
        return list(self._cache)

    def cached_bytes(self) -> int:
        return sum(s.size for s in self._cache.values())

    def forget(self, guild_id: int) -> None:
        self._cache.pop(guild_id, None)

    async def index(self, session: AsyncSession, guild_id: int) -> MatchIndex:
        return (await self._server(session, guild_id)).index

    async def _server(self, session: AsyncSession, guild_id: int, *, exact: bool = True) -> _Server:
        """The server's index, up to date; ``exact=False`` (``suggest``): deleted members may be
        noticed up to ``COUNT_EVERY`` late (see the module docstring)."""
        # One request per server at a time updates or builds its index: two /match at once after
        # a restart build it once, not twice (twice the memory).
        lock = self._locks.get(guild_id)
        if lock is None:
            lock = self._locks[guild_id] = asyncio.Lock()
        async with lock:
            return await self._server_locked(session, guild_id, exact)

    async def _server_locked(self, session: AsyncSession, guild_id: int, exact: bool) -> _Server:
        server = self._cache.get(guild_id)
        read_at = utcnow()
        now = time.monotonic()
        count_now = server is None or exact or now - self._counted.get(guild_id, -COUNT_EVERY_S) >= COUNT_EVERY_S
        synonyms, count, changed = await _versions(
            session, guild_id, None if server is None else server.read_at - OVERLAP, count=count_now
        )
        if count is not None:
            self._counted[guild_id] = now
        if (
            server is None
            or server.synonyms != synonyms
            or not await self._refresh(session, guild_id, server, count, changed, read_at)
        ):
            self._cache.pop(guild_id, None)
            server = None  # the old index goes before the new one is built, not after
            if count is None:
                count = await _member_count(session, guild_id)
            self._evict(keep=None, room=BUILD_BYTES_PER_MEMBER * count)  # make room first
            server = await self._build(session, guild_id, synonyms, count)
        self._store(guild_id, server)
        return server

    def _store(self, guild_id: int, server: _Server) -> None:
        """Keep ``server`` as the most recently used; drop the least recently used over budget."""
        self._cache[guild_id] = server
        self._cache.move_to_end(guild_id)
        self._evict(keep=guild_id)

    def _evict(self, keep: int | None, room: int = 0) -> None:
        """Drop least recently used servers (never ``keep``) until ``room`` more bytes fit."""
        total = self.cached_bytes() + room
        for oldest in list(self._cache):
            if total <= self.budget:
                break
            if oldest != keep:
                total -= self._cache.pop(oldest).size

    async def _build(
        self,
        session: AsyncSession,
        guild_id: int,
        synonyms: tuple[Any, ...],
        count: int | None = None,
        *,
        for_round: bool = False,
    ) -> _Server:
        """A fresh index of the server (``count`` members, when known), read in bulk (Core rows,
        no ORM objects); ``for_round``: for one round only (see ``MatchIndex``)."""
        self.full_builds += 1
        read_at = utcnow()
        if count is None:
            count = await _member_count(session, guild_id)
        # The helper process starts up while the vocabulary is loaded and the rows are read.
        helper = spawn_helper(analyse=False) if count >= HELPER_MIN_MEMBERS else None
        # The collector stays off from the first row read: reading a large server creates
        # millions of long-lived objects and no cycles (a quarter of a round's time otherwise).
        with gc_paused():
            try:
                scorer = scorer_of(await synonym_groups(session, guild_id))
                rows = (
                    await session.execute(
                        select(*_MEMBER_COLUMNS).where(Member.guild_id == guild_id).order_by(Member.user_id)
                    )
                ).all()
            except BaseException:
                if helper is not None:
                    helper.close()
                raise
            index = MatchIndex(scorer, for_round=for_round)
            if helper is not None:
                index.forms.use_helper(helper)
            server = _Server(index, synonyms, {}, set(), {}, read_at)
            stored: dict[str, str | None] = {}
            distinct: tuple[dict[str, None], dict[str, None]] = ({}, {})
            items = await _items_of(session, MemberItem.guild_id == guild_id, stored, distinct)
            # The helper starts on its share of the string matching now, from the stored analyses.
            index.forms.match_early_stored(*(map(stored.get, texts) for texts in distinct))
            del distinct
            for row in rows:
                server.note(row.user_id, row.id, row.intro_joined, row.intro_paused_until, row.visibility)
            index.add_bulk(
                (m for m in (_member_data(row, items.pop(row.id, None)) for row in rows) if m is not None), stored
            )
            del items, stored
            floor = read_at - OVERLAP
            server.recent = {r.user_id: r.updated_at for r in rows if r.updated_at > floor}
            del rows
            index.finish_bulk()
            server.size = index.approx_bytes() + 200 * len(server.user_of)
            return server

    async def _refresh(
        self,
        session: AsyncSession,
        guild_id: int,
        server: _Server,
        count: int | None,
        rows: list[Any],
        read_at: datetime,
    ) -> bool:
        """Apply the members changed since the last request (``rows``, stamped since then;
        ``count`` members now in the server, None when not counted this time; read at
        ``read_at``); False when a rebuild is cheaper."""
        changed = [row for row in rows if server.recent.get(row.user_id) != row.updated_at]
        if len(changed) > max(50, REBUILD_SHARE * len(server.user_of)):
            return False
        index = server.index
        for row in changed:
            old = server.user_of.get(row.id)
            if old is not None and old != row.user_id:
                return False  # a row id reused for someone else: start afresh
        expected = len(server.user_of) + sum(row.id not in server.user_of for row in changed)
        if count is not None and count != expected:
            # Someone left (their row was deleted): drop whoever is gone.
            present = set((await session.execute(select(Member.id).where(Member.guild_id == guild_id))).scalars())
            server.drop([r for r in server.user_of if r not in present])
        if changed:
            items = await _items_of(session, MemberItem.member_id.in_([row.id for row in changed]))
            for row in sorted(changed, key=lambda r: r.user_id):
                server.note(row.user_id, row.id, row.intro_joined, row.intro_paused_until, row.visibility)
                data = _member_data(row, items.get(row.id))
                if data is None:
                    index.remove_member(row.user_id)
                else:
                    index.add_member(data)
                server.recent[row.user_id] = row.updated_at
            self.members_applied += len(changed)
        server.read_at = read_at
        if server.recent:
            floor = read_at - OVERLAP
            server.recent = {u: stamp for u, stamp in server.recent.items() if stamp > floor}
        # Counting the index's relations takes time at 100,000 members: new texts are allowed
        # for instead (an index only grows by what its members add).
        server.size += CHANGE_BYTES * len(changed)
        return True

    # -- asking ---------------------------------------------------------------------------------

    async def suggest(
        self,
        session: AsyncSession,
        guild_id: int,
        user_id: int,
        *,
        now: datetime,
        limit: int = 5,
        history: timedelta = DEFAULT_HISTORY,
        locale: str | None = None,
    ) -> list[Suggestion]:
        """The member's best partners among members who joined introductions and are not paused."""
        if locale is not None:
            await remember_locale(session, guild_id, user_id, locale)
        server = await self._server(session, guild_id, exact=False)
        index = server.index
        if user_id not in index:
            return []
        recent = await _recent_partners(session, guild_id, user_id, now - history)
        gone = await _gone(session, guild_id, index.member_ids)
        # What this server's introductions taught re-ranks what the engine proposes (a few extra
        # candidates stand in for any it drops below the threshold).
        learned = await learning.weights(session, guild_id)
        while True:
            found = index.suggest(
                user_id,
                limit + (learning.LOOKAHEAD if learned else 0),
                exclude=_Unavailable(server, now, gone),
                excluded_pairs=lambda a, b: b in recent,
            )
            people = await _people(session, guild_id, [s.member for s in found])
            deleted = {s.member for s in found if s.member not in people}
            rows = [row_id for row_id, user in server.user_of.items() if user in deleted] if deleted else []
            if not rows:
                break
            # Deleted since the server's members were last counted: gone from the index now, and
            # asked again, so the answer is the one a fresh index gives.
            server.drop(rows)
        suggestions = [_suggestion(people[s.member], s.member, s.score, s.reasons) for s in found if s.member in people]
        return [adjusted.item for adjusted in learning.apply(suggestions, learned)][:limit]

    async def pair(self, session: AsyncSession, guild_id: int, a: int, b: int) -> Suggestion | None:
        """Score and reasons of one pair (for "Introduce us"), None when either has no offers or needs."""
        index = await self.index(session, guild_id)
        if a not in index or b not in index:
            return None
        found = index.suggestion(a, b)
        people = await _people(session, guild_id, [b])
        if b not in people:
            return None
        return _suggestion(people[b], b, found.score, found.reasons)

    async def plan(
        self,
        session: AsyncSession,
        guild_id: int,
        *,
        now: datetime,
        per_member: int = 1,
        history: timedelta = DEFAULT_HISTORY,
        seed: str = "",
        cache: bool = True,
    ) -> Plan:
        """The next weekly round, without sending or storing anything. ``cache=False`` (a one-off
        run such as ``verbinder match``) builds an index for this call and keeps nothing."""
        # A round reads and creates millions of objects and no cycles: the collector waits.
        with gc_paused():
            if cache:
                server = await self._server(session, guild_id)
            else:
                server = await self._build(session, guild_id, (), for_round=True)
            index = server.index
            people = server.available(now)
            people -= await _gone(session, guild_id, lambda: people)
            recent = await intros.recent_pairs(session, guild_id, now - history)

            def met(a: int, b: int) -> bool:
                return frozenset((a, b)) in recent

            planned = plan_round(index, people, met, max_per_member=per_member)
            pairs = [Pair(p.a, p.b, round(p.score, 1), [reason_dict(r) for r in p.reasons]) for p in planned.pairs]
            del planned
            # Learning re-ranks the chosen pairs; one it pushes below the threshold is not proposed.
            pairs = [adjusted.item for adjusted in learning.apply(pairs, await learning.weights(session, guild_id))]
            matched = {p.a for p in pairs} | {p.b for p in pairs}
            # Members without any need-offer match who allowed it meet someone from another sector.
            chance = await _allows_chance(session, guild_id, people - matched)
            allows_chance = {u: sector for u, sector in chance.items()}
            extra = chance_meetings(allows_chance, allows_chance, met, seed=seed)
            pairs += [Pair(p.a, p.b, 0.0, [], chance=True) for p in extra.pairs]
            matched |= {p.a for p in extra.pairs} | {p.b for p in extra.pairs}
            if extra.unmatched:
                # Nobody else without a match wanted one: someone who allows chance meetings and got a
                # proposal this round meets them too (a chance meeting on top of that proposal).
                hosts = await _allows_chance(session, guild_id, people - set(extra.unmatched))
                for pair in chance_hosts(extra.unmatched, allows_chance, hosts, met, seed=seed):
                    pairs.append(pair)
                    matched |= {pair.a, pair.b}
            return Plan(pairs, sorted(people - matched))


def chance_hosts(
    lonely: Sequence[int],
    sector_of: dict[int, str | None],
    hosts: dict[int, str | None],
    met: Callable[[int, int], bool],
    *,
    seed: str,
) -> list[Pair]:
    """A chance meeting for each of ``lonely`` with one of ``hosts`` (each host at most once),
    another sector first; the order of hosts is seeded, so each week differs and a rerun does not."""

    def turn(user_id: int) -> bytes:
        return hashlib.sha256(f"{seed}:{user_id}".encode()).digest()

    free = sorted(hosts, key=turn)
    found: list[Pair] = []
    for user_id in sorted(lonely):
        options = [h for h in free if not met(user_id, h)]
        other_sector = [h for h in options if hosts[h] is None or hosts[h] != sector_of.get(user_id)]
        candidates = other_sector or options
        if not candidates:
            continue
        host = candidates[0]
        free.remove(host)
        found.append(Pair(min(user_id, host), max(user_id, host), 0.0, [], chance=True))
    return found


_ASKER, _PARTNER = aliased(IntroParty), aliased(IntroParty)
# Built once (asked on every /match): the statement's parameters are bound per call.
_RECENT_PARTNERS = (
    select(_PARTNER.user_id)
    .join(_ASKER, and_(_ASKER.introduction_id == _PARTNER.introduction_id, _ASKER.id != _PARTNER.id))
    .join(Introduction, Introduction.id == _ASKER.introduction_id)
    .where(
        _ASKER.member_id  # indexed: intro_parties.member_id
        == select(Member.id)
        .where(Member.guild_id == bindparam("guild"), Member.user_id == bindparam("user"))
        .scalar_subquery(),
        Introduction.created_at >= bindparam("since"),
    )
)


async def _recent_partners(session: AsyncSession, guild_id: int, user_id: int, since: datetime) -> set[int]:
    """Members proposed to ``user_id`` since ``since`` (whatever came of it): not proposed again."""
    rows = await session.execute(_RECENT_PARTNERS, {"guild": guild_id, "user": user_id, "since": since})
    return set(rows.scalars())


async def _people(session: AsyncSession, guild_id: int, user_ids: Iterable[int]) -> dict[int, _Person]:
    wanted = list(user_ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Member.user_id, Member.name, Member.sector, Member.organisation, Member.intro_chance).where(
            Member.guild_id == guild_id, Member.user_id.in_(wanted)
        )
    )
    return {row[0]: _Person(*row[1:]) for row in rows}


async def _gone(session: AsyncSession, guild_id: int, user_ids: Callable[[], Iterable[int]]) -> set[int]:
    """Of ``user_ids()``, those who left the server (all of them when the bot left it): never
    proposed. (A callable: listing a large server's members only when the bot left it.)

    Read on every request from the departure records (few rows), not cached with the index, so a
    leave counts at once."""
    if await session.get(GuildDeparture, guild_id) is not None:
        return set(user_ids())
    return await privacy.departed(session, guild_id)


async def _allows_chance(session: AsyncSession, guild_id: int, user_ids: set[int]) -> dict[int, str | None]:
    """Of ``user_ids``, those who allow a chance meeting, with their sector."""
    rows = await session.execute(
        select(Member.user_id, Member.sector).where(Member.guild_id == guild_id, Member.intro_chance.is_(True))
    )
    return {user_id: sector for user_id, sector in rows if user_id in user_ids}


def _suggestion(person: _Person, user_id: int, score: float, reasons: Sequence[Reason]) -> Suggestion:
    return Suggestion(
        user_id=user_id,
        name=person.name,
        sector=person.sector,
        organisation=person.organisation,
        score=round(float(score), 1),
        reasons=[reason_dict(r) for r in reasons],
    )
