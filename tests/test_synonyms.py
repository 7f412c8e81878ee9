"""Moderators add the community's own synonyms; matching uses them at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord
import pytest
from sqlalchemy import func, select

from bot.errors import UserError
from bot.services import synonyms
from bot.simulation import run_jobs
from models import MemberItem, SynonymGroup
from tests.sim import over_discord_limits, sent_messages, synced_guild, take_user_errors


@dataclass
class World:
    env: Any
    guild: Any
    channel: Any
    officer: Any
    fien: Any
    gert: Any


@pytest.fixture
async def world(simcord_env) -> World:
    env = simcord_env
    guild = await synced_guild(env)
    channel = guild.create_text_channel("algemeen")
    officers = guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))
    officer = guild.add_member(env.create_user("officer"), roles=[officers])
    fien = guild.add_member(env.create_user("fien", global_name="Fien"))
    gert = guild.add_member(env.create_user("gert", global_name="Gert"))
    await fien.slash(channel, "need add", text="plogging groep")
    await gert.slash(channel, "offer add", text="zwerfvuil prikkers")
    for member in (fien, gert):
        await member.slash(channel, "intro join")
    return World(env, guild, channel, officer, fien, gert)


async def group_count(env) -> int:
    async with env.bot.db.session() as session:
        return (await session.execute(select(func.count()).select_from(SynonymGroup))).scalar_one()


async def test_a_synonym_group_makes_the_community_jargon_match(world):
    w = world
    before = await w.fien.slash(w.channel, "match")
    assert before.response.content.startswith("No suggestions right now.")

    added = await w.officer.slash(w.channel, "synonym add", terms="plogging, zwerfvuil, zwerfafval")
    assert added.ephemeral
    assert added.response.content.startswith("Added synonym group 1: plogging, zwerfvuil, zwerfafval.")

    after = await w.fien.slash(w.channel, "match")
    field = after.response.embeds[0].fields[0]
    assert field.name == "1. Gert"
    assert "You need “plogging groep”: Gert offers “zwerfvuil prikkers”." in field.value

    listed = await w.officer.slash(w.channel, "synonym list")
    assert listed.response.embeds[0].description == "`1` plogging, zwerfvuil, zwerfafval"
    choices = await w.officer.autocomplete(w.channel, "synonym remove", "group", "zwerf")
    assert choices == [{"name": "1: plogging, zwerfvuil, zwerfafval", "value": 1}]
    removed = await w.officer.slash(w.channel, "synonym remove", group=1)
    assert removed.response.content == "Removed the synonym group: plogging, zwerfvuil, zwerfafval."
    gone = await w.fien.slash(w.channel, "match")
    assert gone.response.content.startswith("No suggestions right now.")


async def test_members_are_refused_even_when_the_command_is_opened_to_them(world):
    w = world
    await w.officer.slash(w.channel, "synonym add", terms="plogging, zwerfvuil")
    command = w.env.backend.find_command("synonym", w.guild.id)
    w.guild.set_command_permissions(int(command["id"]), {w.guild.default_role: True})
    for name, options in (
        ("synonym add", {"terms": "a b, c d"}),
        ("synonym list", {}),
        ("synonym remove", {"group": 1}),
    ):
        refused = await w.fien.slash(w.channel, name, **options)
        assert refused.ephemeral and refused.response.content == "You are not allowed to do that here."
    assert await w.fien.autocomplete(w.channel, "synonym remove", "group", "") == []
    assert len(take_user_errors(w.env)) == 3
    assert await group_count(w.env) == 1


@pytest.mark.parametrize(
    ("terms", "message"),
    [
        ("plogging", "Give at least two different words or phrases, separated by commas."),
        ("plogging, PLOGGING", "Give at least two different words or phrases, separated by commas."),
        ("x, zwerfvuil", "“x” cannot be used: each term needs 2 to 60 characters."),
        (", ".join(f"woord{i}" for i in range(11)), "Give at most 10 terms in one group."),
    ],
)
async def test_bad_groups_are_refused(world, terms, message):
    w = world
    result = await w.officer.slash(w.channel, "synonym add", terms=terms)
    assert result.ephemeral and result.response.content == message
    take_user_errors(w.env)
    assert await group_count(w.env) == 0


async def test_duplicates_and_unknown_ids(world):
    w = world
    await w.officer.slash(w.channel, "synonym add", terms="kringloop, tweedehands")
    again = await w.officer.slash(w.channel, "synonym add", terms="Tweedehands; kringloop")
    assert again.response.content == "This server already has exactly this synonym group."
    unknown = await w.officer.slash(w.channel, "synonym remove", group=99)
    assert unknown.response.content.startswith("There is no synonym group 99 in this server.")
    assert [e.key for e in take_user_errors(w.env)] == ["synonym.duplicate", "synonym.unknown"]
    assert await group_count(w.env) == 1


async def test_service_parses_separators(db):
    assert synonyms.parse_terms(" kringloop |tweedehands;  second   hand ") == [
        "kringloop",
        "tweedehands",
        "second hand",
    ]
    with pytest.raises(UserError):
        synonyms.parse_terms("")
    async with db.session() as session:
        group = await synonyms.add_group(session, 5, "a b, c d", created_by=1)
        other = await synonyms.add_group(session, 6, "a b, c d", created_by=1)  # another server may have it too
    assert group.id != other.id


async def test_a_long_list_of_groups_stays_within_discords_limits(world):
    w = world
    groups = 40
    async with w.env.bot.db.session() as session:
        for g in range(groups):
            terms = ", ".join(f"{g:02d}{t} " + "x" * (synonyms.TERM_MAX - 4) for t in range(synonyms.TERMS_MAX))
            await synonyms.add_group(session, w.guild.id, terms, created_by=w.officer.id)
    listed = await w.officer.slash(w.channel, "synonym list")
    description = listed.response.embeds[0].description
    shown = description.count("`") // 2
    assert description.startswith("`1` 000 ")
    assert description.endswith(f"… and {groups - shown} more") and 1 <= shown < groups
    assert [problem for m in sent_messages(w.env) for problem in over_discord_limits(m)] == []


async def test_the_minute_job_analyses_new_offers_and_a_synonym_group_makes_it_redo_them(world) -> None:
    w = world
    await w.fien.slash(w.channel, "offer add", text="Zwerfvuil opruimen in de wijk")

    async def analysis() -> str | None:
        async with w.env.bot.db.read() as session:
            return await session.scalar(
                select(MemberItem.analysis).where(
                    MemberItem.guild_id == w.guild.id, MemberItem.folded == "zwerfvuil opruimen in de wijk"
                )
            )

    assert await analysis() is None
    await run_jobs(w.env, "analyses")
    before = await analysis()
    assert before is not None and "zwerfvuil" in before
    await w.officer.slash(w.channel, "synonym add", terms="plogging, zwerfvuil")
    assert await analysis() is None  # made under the old vocabulary: made again
    await run_jobs(w.env, "analyses")
    after = await analysis()
    assert after is not None and after != before
