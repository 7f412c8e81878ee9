"""Synonym groups a server adds to the shipped vocabulary, so its own jargon matches."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import UserError
from bot.services import analyses
from bot.text import clean, fold
from models import SynonymGroup

TERM_MIN = 2
TERM_MAX = 60
TERMS_MAX = 10
_SEPARATORS = re.compile(r"[|,;]")


@dataclass(frozen=True, slots=True)
class Group:
    id: int
    terms: list[str]


def parse_terms(text: str) -> list[str]:
    """ "kringloop, tweedehands | second hand" → three terms; validated, duplicates dropped."""
    terms: dict[str, str] = {}
    for raw in _SEPARATORS.split(text or ""):
        term = clean(raw)
        if not term:
            continue
        if len(term) < TERM_MIN or len(term) > TERM_MAX:
            raise UserError("synonym.bad_term", term=term[:TERM_MAX], min=TERM_MIN, max=TERM_MAX)
        terms.setdefault(fold(term), term)
    if len(terms) < 2:
        raise UserError("synonym.too_few")
    if len(terms) > TERMS_MAX:
        raise UserError("synonym.too_many", max=TERMS_MAX)
    return list(terms.values())


async def add_group(session: AsyncSession, guild_id: int, text: str, *, created_by: int) -> Group:
    terms = parse_terms(text)
    key = "|".join(sorted(fold(t) for t in terms))
    group = SynonymGroup(guild_id=guild_id, key=key, terms="|".join(terms), created_by=created_by)
    try:
        async with session.begin_nested():
            session.add(group)
            await session.flush()
    except IntegrityError:
        raise UserError("synonym.duplicate") from None
    await analyses.forget(session, guild_id)
    return Group(group.id, terms)


async def list_groups(session: AsyncSession, guild_id: int) -> list[Group]:
    rows = await session.execute(
        select(SynonymGroup.id, SynonymGroup.terms).where(SynonymGroup.guild_id == guild_id).order_by(SynonymGroup.id)
    )
    return [Group(group_id, terms.split("|")) for group_id, terms in rows]


async def remove_group(session: AsyncSession, guild_id: int, group_id: int) -> Group:
    group = await session.get(SynonymGroup, group_id)
    if group is None or group.guild_id != guild_id:
        raise UserError("synonym.unknown", id=group_id)
    await session.delete(group)
    await session.flush()
    await analyses.forget(session, guild_id)
    return Group(group_id, group.terms.split("|"))
