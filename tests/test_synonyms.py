"""Moderators add the community's own synonyms; matching uses them at once."""

from __future__ import annotations

import discord
import pytest
from sqlalchemy import func, select

from bot.errors import UserError
from bot.services import synonyms
from models import SynonymGroup
from tests.sim import synced_guild, take_user_errors


@pytest.fixture
async def world(simcord_env):
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
    return env, guild, channel, officer, fien, gert


async def group_count(env) -> int:
    async with env.bot.db.session() as session:
        return (await session.execute(select(func.count()).select_from(SynonymGroup))).scalar_one()


async def test_a_synonym_group_makes_the_community_jargon_match(world):
    env, guild, channel, officer, fien, gert = world
    before = await fien.slash(channel, "match")
    assert before.response.content.startswith("No suggestions right now.")

    added = await officer.slash(channel, "synonym add", terms="plogging, zwerfvuil, zwerfafval")
    assert added.ephemeral
    assert added.response.content.startswith("Added synonym group 1: plogging, zwerfvuil, zwerfafval.")

    after = await fien.slash(channel, "match")
    field = after.response.embeds[0].fields[0]
    assert field.name == "1. Gert"
    assert "You need “plogging groep”: Gert offers “zwerfvuil prikkers”." in field.value

    listed = await officer.slash(channel, "synonym list")
    assert listed.response.embeds[0].description == "`1` plogging, zwerfvuil, zwerfafval"
    choices = await officer.autocomplete(channel, "synonym remove", "group", "zwerf")
    assert choices == [{"name": "1: plogging, zwerfvuil, zwerfafval", "value": 1}]
    removed = await officer.slash(channel, "synonym remove", group=1)
    assert removed.response.content == "Removed the synonym group: plogging, zwerfvuil, zwerfafval."
    gone = await fien.slash(channel, "match")
    assert gone.response.content.startswith("No suggestions right now.")


async def test_members_are_refused_even_when_the_command_is_opened_to_them(world):
    env, guild, channel, officer, fien, gert = world
    await officer.slash(channel, "synonym add", terms="plogging, zwerfvuil")
    command = env.backend.find_command("synonym", guild.id)
    guild.set_command_permissions(int(command["id"]), {guild.default_role: True})
    for name, options in (
        ("synonym add", {"terms": "a b, c d"}),
        ("synonym list", {}),
        ("synonym remove", {"group": 1}),
    ):
        refused = await fien.slash(channel, name, **options)
        assert refused.ephemeral and refused.response.content == "You are not allowed to do that here."
    assert await fien.autocomplete(channel, "synonym remove", "group", "") == []
    assert len(take_user_errors(env)) == 3
    assert await group_count(env) == 1


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
    env, guild, channel, officer, *_ = world
    result = await officer.slash(channel, "synonym add", terms=terms)
    assert result.ephemeral and result.response.content == message
    take_user_errors(env)
    assert await group_count(env) == 0


async def test_duplicates_and_unknown_ids(world):
    env, guild, channel, officer, *_ = world
    await officer.slash(channel, "synonym add", terms="kringloop, tweedehands")
    again = await officer.slash(channel, "synonym add", terms="Tweedehands; kringloop")
    assert again.response.content == "This server already has exactly this synonym group."
    unknown = await officer.slash(channel, "synonym remove", group=99)
    assert unknown.response.content.startswith("There is no synonym group 99 in this server.")
    assert [e.key for e in take_user_errors(env)] == ["synonym.duplicate", "synonym.unknown"]
    assert await group_count(env) == 1


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
