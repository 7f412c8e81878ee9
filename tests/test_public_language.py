"""Public posts of events and challenges in the server's language, naming commands as Discord
command mentions (issue 14 item 3); a member's DM in the language they last used, remembered from
their first interaction even without a profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord
import pytest
from sqlalchemy import select

from bot.simulation import member_locales
from models import Challenge, Event, Member
from tests.sim import synced_guild


@dataclass
class World:
    env: Any
    guild: Any
    general: Any
    channel: Any
    officer: Any
    anouk: Any
    bram: Any


@pytest.fixture
async def world(simcord_env) -> World:
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    channel = guild.create_text_channel("evenementen")
    officers = guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))
    officer = guild.add_member(env.create_user("officer"), roles=[officers])
    anouk = guild.add_member(env.create_user("anouk", global_name="Anouk de Vries"))
    bram = guild.add_member(env.create_user("bram", global_name="Bram Janssen"))
    return World(env, guild, general, channel, officer, anouk, bram)


async def create(w: World, **options: Any) -> Event:
    options = {
        "kind": "hackathon",
        "title": "Hack de Stad",
        "start": "2026-12-03 19:30",
        "duration": "3h",
        "location": "LocHal",
    } | options
    shown = await w.officer.slash(w.general, "event create", **options)
    assert shown.modal is not None, shown.response and shown.response.content
    await w.officer.submit_modal(shown, {"text": "Samen bouwen."})
    async with w.env.bot.db.session() as session:
        return (await session.execute(select(Event).order_by(Event.id.desc()))).scalars().first()


async def announcement(w: World, event_id: int) -> discord.Message:
    async with w.env.bot.db.session() as session:
        message_id = (await session.get(Event, event_id)).announcement_message_id
    return next(m for m in w.channel.history() if m.id == message_id)


async def test_an_english_server_gets_english_event_posts(world):
    w = world
    done = await w.officer.slash(w.general, "event setup", channel=w.channel, language="en")
    assert done.response.content.splitlines()[-1] == "Announcements, reminders and the agenda are in English."
    event = await create(w, capacity=10)
    posted = await announcement(w, event.id)
    fields = {f.name: f.value for f in posted.embeds[0].fields}
    assert fields["Going"] == "0 of 10 places"
    assert [c.label for row in posted.components for c in row.children] == ["Going", "Maybe", "Can't go"]
    edited = await w.officer.slash(w.general, "event edit", event=event.id, start="2026-12-04 19:30")
    assert edited.response.content.startswith("Updated **Hack de Stad**")
    [notice] = [m for m in w.channel.history() if m.content.startswith("📅")]
    assert notice.content.startswith("📅 **Hack de Stad** has changed.")

    # Back to Dutch: the next post is Dutch.
    again = await w.officer.slash(w.general, "event setup", channel=w.channel, language="nl")
    assert again.response.content.endswith("Announcements, reminders and the agenda are in Dutch.")
    meetup = await create(w, kind="meetup", title="Borrel")
    assert {f.name for f in (await announcement(w, meetup.id)).embeds[0].fields} >= {"Wanneer", "Waar", "Gaan"}


async def test_a_dutch_hackathon_announcement_has_a_dutch_challenges_heading(world):
    w = world
    await w.officer.slash(w.general, "event setup", channel=w.channel)
    event = await create(w)
    forum = w.guild.create_forum_channel("uitdagingen")
    await w.officer.slash(w.general, "challenge setup", channel=forum)
    shown = await w.officer.slash(
        w.general, "challenge post", title="Schone Piushaven", skills="communicatie", event=event.id
    )
    await w.officer.submit_modal(shown, {"description": "Zwerfafval in de Piushaven aanpakken."})
    names = [f.name for f in (await announcement(w, event.id)).embeds[0].fields]
    assert "Uitdagingen" in names and "Challenges" not in names


def join_mention(w: World) -> str:
    """How Discord shows /challenge join clickable, in each reader's own language."""
    return f"</challenge join:{w.env.backend.find_command('challenge', w.guild.id)['id']}>"


@pytest.mark.parametrize(
    ("language", "field", "how"),
    [
        ("nl", "Meedoen", "Druk hieronder op **Meedoen**, of gebruik {command} met nummer {id}."),
        ("en", "Join", "Press **Join** below, or use {command} with number {id}."),
    ],
)
async def test_challenge_posts_are_in_the_servers_language_and_name_the_command_as_a_mention(
    world, language, field, how
):
    w = world
    forum = w.guild.create_forum_channel("uitdagingen")
    done = await w.officer.slash(w.general, "challenge setup", channel=forum, language=language)
    assert done.response.content.splitlines()[-1] == (
        f"Challenge posts and their threads are in {'Dutch' if language == 'nl' else 'English'}."
    )
    shown = await w.officer.slash(w.general, "challenge post", title="Schone Piushaven", skills="communicatie")
    await w.officer.submit_modal(shown, {"description": "Zwerfafval in de Piushaven aanpakken."})
    async with w.env.bot.db.session() as session:
        challenge = (await session.execute(select(Challenge))).scalar_one()
    embed = forum.threads[0].history()[0].embeds[0]
    fields = {f.name: f.value for f in embed.fields}
    assert fields[field] == how.format(command=join_mention(w), id=challenge.id)
    assert embed.footer.text == ("Uitdaging #1" if language == "nl" else "Challenge #1")
    # No hard-coded command name anywhere in what the bot posted publicly (private replies are in
    # the reader's own language already).
    public = [r.json for r in w.env.http_requests if r.method in ("POST", "PATCH") and r.path.startswith("/channels/")]
    assert any("Schone Piushaven" in str(body) for body in public)
    for message in public:
        assert "/uitdaging" not in str(message) and "/challenge" not in str(message).replace("</challenge", "")


async def test_a_members_dm_uses_the_language_of_their_first_interaction(world):
    """The server posts in English; Anouk's client is Dutch and she never made a profile."""
    w = world
    await w.officer.slash(w.general, "event setup", channel=w.channel, language="en")
    event = await create(w, capacity=1)
    with member_locales({w.anouk.id: "nl"}):
        await w.bram.click(await announcement(w, event.id), label="Going")
        waiting = await w.anouk.click(await announcement(w, event.id), label="Going")
        assert waiting.response.content.startswith("**Hack de Stad** zit vol, dus je staat op de wachtlijst")
        assert "Klik op “Can't go” bij de aankondiging" in waiting.response.content
    async with w.env.bot.db.session() as session:
        member = (await session.execute(select(Member).where(Member.user_id == w.anouk.id))).scalar_one()
    assert (member.locale, member.intro_joined, member.sector) == ("nl", False, None)
    await w.bram.click(await announcement(w, event.id), label="Can't go")
    assert w.anouk.user.dm_channel.last_message.content.startswith(
        "Goed nieuws: er is een plek vrijgekomen voor **Hack de Stad**"
    )


async def test_the_dutch_ask_the_expert_command_cannot_be_mistaken_for_a_need(world):
    w = world
    ask = w.env.backend.find_command("ask", w.guild.id)
    need = w.env.backend.find_command("need", w.guild.id)
    assert ask["name_localizations"]["nl"] == "expertvraag"
    assert need["name_localizations"]["nl"] == "vraag"
    assert ask["name_localizations"]["nl"] not in ("vraag", "vragen")
