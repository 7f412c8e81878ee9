"""Profiles and the offers and needs on them.

Every function takes an open ``AsyncSession`` (the caller owns the transaction) and
primitive ids. Validation happens before any write, so a refused request changes
nothing; a :class:`~bot.errors.UserError` tells the member why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.errors import UserError
from bot.text import clean, fold
from models import ItemKind, Member, MemberItem, Sector

ITEM_MIN = 2
ITEM_MAX = 100
ITEMS_PER_KIND = 25
FIELD_MAX = 100
BIO_MAX = 500
# Autocomplete ranks at most this many distinct community terms (the most used first).
VOCABULARY_WINDOW = 5000


@dataclass(frozen=True, slots=True)
class Profile:
    guild_id: int
    user_id: int
    name: str
    sector: str | None
    organisation: str | None
    region: str | None
    bio: str | None
    locale: str
    offers: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)


def validate_item(text: str) -> tuple[str, str]:
    """Return the cleaned text and its comparison key, or raise a UserError."""
    cleaned = clean(text)
    if not cleaned:
        raise UserError("item.empty")
    if len(cleaned) < ITEM_MIN:
        raise UserError("item.too_short", min=ITEM_MIN)
    if len(cleaned) > ITEM_MAX:
        raise UserError("item.too_long", max=ITEM_MAX, length=len(cleaned))
    return cleaned, fold(cleaned)


def _optional_field(value: str | None, key: str, limit: int) -> str | None:
    if value is None:
        return None
    cleaned = clean(value)
    if len(cleaned) > limit:
        raise UserError(key, max=limit, length=len(cleaned))
    return cleaned


def validate_sector(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return Sector(value).value
    except ValueError:
        raise UserError("profile.bad_sector") from None


async def get_member(session: AsyncSession, guild_id: int, user_id: int) -> Member | None:
    stmt = (
        select(Member).where(Member.guild_id == guild_id, Member.user_id == user_id).options(selectinload(Member.items))
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def ensure_member(
    session: AsyncSession, guild_id: int, user_id: int, *, name: str | None = None, locale: str | None = None
) -> Member:
    """The member's row, created on first use; name and language kept current."""
    member = await get_member(session, guild_id, user_id)
    if member is None:
        member = Member(guild_id=guild_id, user_id=user_id, name=clean(name)[:FIELD_MAX], items=[])
        if locale is not None:
            member.locale = locale
        session.add(member)
        await session.flush()
        return member
    if name and clean(name)[:FIELD_MAX] != member.name:
        member.name = clean(name)[:FIELD_MAX]
    if locale is not None and member.locale != locale:
        member.locale = locale
    return member


async def remember_locale(
    session: AsyncSession, guild_id: int, user_id: int, locale: str, *, name: str | None = None
) -> None:
    """Keep the language of the member's last interaction, from their very first one on.

    A member without a row gets one (no profile, no offers, no consent to anything), so a DM that
    later reaches them without an interaction (a waitlist promotion, a reminder) is in their language.
    """
    member = (
        await session.execute(select(Member).where(Member.guild_id == guild_id, Member.user_id == user_id))
    ).scalar_one_or_none()
    if member is not None:
        if member.locale != locale:
            member.locale = locale
        if name and not member.name:
            member.name = clean(name)[:FIELD_MAX]
        return
    try:
        # A savepoint: a concurrent first interaction of the same member may insert the row first.
        async with session.begin_nested():
            session.add(Member(guild_id=guild_id, user_id=user_id, name=clean(name or "")[:FIELD_MAX], locale=locale))
            await session.flush()
    except IntegrityError:
        pass


def to_profile(member: Member) -> Profile:
    return Profile(
        guild_id=member.guild_id,
        user_id=member.user_id,
        name=member.name,
        sector=member.sector,
        organisation=member.organisation,
        region=member.region,
        bio=member.bio,
        locale=member.locale,
        offers=[i.text for i in member.items if i.kind == ItemKind.OFFER],
        needs=[i.text for i in member.items if i.kind == ItemKind.NEED],
    )


def is_bare(member: Member) -> bool:
    """Only a remembered language: no profile fields, no offers or needs, not in introductions."""
    filled = (member.sector, member.organisation, member.region, member.bio)
    return not any(filled) and not member.items and not member.intro_joined


async def get_profile(session: AsyncSession, guild_id: int, user_id: int) -> Profile | None:
    """The member's profile; None when they have none (also when only their language is remembered)."""
    member = await get_member(session, guild_id, user_id)
    return to_profile(member) if member is not None and not is_bare(member) else None


async def set_profile(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    *,
    name: str | None = None,
    locale: str | None = None,
    sector: str | None = None,
    organisation: str | None = None,
    region: str | None = None,
    bio: str | None = None,
) -> Profile:
    """Update the given fields; an empty text clears a field. At least one field is required."""
    if sector is None and organisation is None and region is None and bio is None:
        raise UserError("profile.nothing_to_set")
    sector = validate_sector(sector)
    organisation = _optional_field(organisation, "profile.organisation_too_long", FIELD_MAX)
    region = _optional_field(region, "profile.region_too_long", FIELD_MAX)
    bio = _optional_field(bio, "profile.bio_too_long", BIO_MAX)

    member = await ensure_member(session, guild_id, user_id, name=name, locale=locale)
    if sector is not None:
        member.sector = sector
    if organisation is not None:
        member.organisation = organisation or None
    if region is not None:
        member.region = region or None
    if bio is not None:
        member.bio = bio or None
    await session.flush()
    return to_profile(member)


async def add_item(
    session: AsyncSession,
    guild_id: int,
    user_id: int,
    kind: ItemKind,
    text: str,
    *,
    name: str | None = None,
    locale: str | None = None,
) -> str:
    """Add an offer or need; returns the text as stored."""
    cleaned, folded = validate_item(text)
    member = await ensure_member(session, guild_id, user_id, name=name, locale=locale)
    own = [i for i in member.items if i.kind == kind]
    for item in own:
        if item.folded == folded:
            raise UserError(f"{kind.value}.duplicate", text=item.text)
    if len(own) >= ITEMS_PER_KIND:
        raise UserError(f"{kind.value}.limit", max=ITEMS_PER_KIND)
    member.items.append(MemberItem(guild_id=guild_id, kind=kind.value, text=cleaned, folded=folded))
    try:
        await session.flush()
    except IntegrityError:
        # A concurrent add of the same text won the race.
        raise UserError(f"{kind.value}.duplicate", text=cleaned) from None
    return cleaned


async def remove_item(
    session: AsyncSession, guild_id: int, user_id: int, kind: ItemKind, text: str, *, locale: str | None = None
) -> str:
    """Remove an offer or need by its text (case and accents ignored); returns the removed text."""
    folded = fold(text)
    member = await get_member(session, guild_id, user_id)
    item = None
    if member is not None and folded:
        item = next((i for i in member.items if i.kind == kind and i.folded == folded), None)
    if item is None:
        raise UserError(f"{kind.value}.not_found", text=clean(text)[:ITEM_MAX])
    assert member is not None
    member.items.remove(item)
    if locale is not None:
        member.locale = locale
    await session.flush()
    return item.text


async def list_items(session: AsyncSession, guild_id: int, user_id: int, kind: ItemKind) -> list[str]:
    stmt = (
        select(MemberItem.text)
        .join(Member)
        .where(Member.guild_id == guild_id, Member.user_id == user_id, MemberItem.kind == kind.value)
        .order_by(MemberItem.id)
    )
    return list((await session.execute(stmt)).scalars())


def _rank(query: str, candidates: list[str], limit: int) -> list[str]:
    """Closest first: words starting with what was typed, then containing it, then fuzzy (typos)."""
    query = fold(query)
    if not query:
        return candidates[:limit]
    scored: list[tuple[float, int, str]] = []
    for position, candidate in enumerate(candidates):
        folded = fold(candidate)
        if any(word.startswith(query) for word in folded.split()):
            score = 200.0
        elif query in folded:
            score = 150.0
        else:
            score = fuzz.WRatio(query, folded, score_cutoff=70)
        if score:
            scored.append((-score, position, candidate))
    return [candidate for _, _, candidate in sorted(scored)[:limit]]


async def own_item_choices(
    session: AsyncSession, guild_id: int, user_id: int, kind: ItemKind, query: str, *, limit: int = 25
) -> list[str]:
    """The member's own offers or needs that fit what they typed (for remove autocomplete)."""
    return _rank(query, await list_items(session, guild_id, user_id, kind), limit)


async def community_terms(session: AsyncSession, guild_id: int, query: str, *, limit: int = 25) -> list[str]:
    """Terms already used in this server, closest to ``query`` first, so members converge on shared words."""
    stmt = (
        select(func.min(MemberItem.text))
        .where(MemberItem.guild_id == guild_id)
        .group_by(MemberItem.folded)
        .order_by(func.count().desc(), MemberItem.folded)
        .limit(VOCABULARY_WINDOW)
    )
    terms = list((await session.execute(stmt)).scalars())
    return _rank(query, terms, limit)
