"""A failure after something was stored never claims that nothing changed (issue 14): events,
experts and challenges wrap what follows a store in ``bot.ui.already_stored``."""

from __future__ import annotations

import sys

import discord
import pytest
from sqlalchemy import select

from models import ChallengeMember, Event, EventRsvp
from tests.sim import synced_guild

SAVED = "Your change was saved, but something went wrong on my side afterwards."


async def broken(*args, **kwargs):
    raise RuntimeError("Discord hiccup")


def loaded(name: str):
    """The module as the running bot loaded it (each bot loads its extensions afresh)."""
    return sys.modules[name]


@pytest.fixture
async def server(simcord_env):
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    channel = guild.create_text_channel("evenementen")
    officer = guild.add_member(
        env.create_user("officer"),
        roles=[guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))],
    )
    anouk = guild.add_member(env.create_user("anouk"))
    await officer.slash(general, "event setup", channel=channel)
    shown = await officer.slash(
        general,
        "event create",
        kind="hackathon",
        title="Hack de Stad",
        start="2026-12-03 19:30",
        duration="3h",
        location="LocHal",
    )
    await officer.submit_modal(shown, {"text": "Samen bouwen."})
    return env, guild, general, channel, officer, anouk


def said(result) -> list[str]:
    texts = [result.response.content] if result.response is not None else []
    return texts + [f.content for f in result.followups]


async def test_an_answer_is_saved_even_when_the_announcement_update_fails(server, monkeypatch):
    env, guild, general, channel, officer, anouk = server
    posted = next(m for m in channel.history() if m.embeds)
    monkeypatch.setattr(loaded("cogs.events.buttons"), "refresh_announcement", broken)
    clicked = await anouk.click(posted, label="Ik ga")
    assert any(text.startswith(SAVED) for text in said(clicked))
    assert not any("may not have been finished" in text for text in said(clicked))
    async with env.bot.db.session() as session:
        assert (await session.execute(select(EventRsvp.status))).scalar_one() == "going"


async def test_a_cancel_is_saved_even_when_telling_members_fails(server, monkeypatch):
    env, guild, general, channel, officer, anouk = server
    async with env.bot.db.session() as session:
        event_id = (await session.execute(select(Event.id))).scalar_one()
    monkeypatch.setattr(loaded("cogs.events.notify"), "tell_cancelled", broken)
    cancelled = await officer.slash(general, "event cancel", event=event_id)
    assert said(cancelled)[-1].startswith(SAVED)
    async with env.bot.db.session() as session:
        assert (await session.get(Event, event_id)).status == "cancelled"


async def test_joining_a_challenge_is_saved_even_when_the_post_update_fails(server, monkeypatch):
    env, guild, general, channel, officer, anouk = server
    await officer.slash(general, "challenge setup", channel=guild.create_forum_channel("uitdagingen"))
    shown = await officer.slash(general, "challenge post", title="Schone Piushaven", skills="communicatie")
    await officer.submit_modal(shown, {"description": "Zwerfafval in de Piushaven aanpakken."})
    monkeypatch.setattr(loaded("cogs.challenges.buttons"), "refresh_post", broken)
    joined = await anouk.slash(general, "challenge join", id=1)
    assert said(joined)[0].startswith("You joined the team of “Schone Piushaven”.")
    assert said(joined)[-1].startswith(SAVED)
    async with env.bot.db.session() as session:
        assert list((await session.execute(select(ChallengeMember.user_id))).scalars()) == [anouk.id]
