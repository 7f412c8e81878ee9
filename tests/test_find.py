"""/find: who offers this (or needs it), ranked by the matching engine, each with a consent-first "Introduce us"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord
import pytest
from sqlalchemy import select

from bot.services import intros
from bot.services.find import PROBE_ID, find_members
from bot.simulation import member_locales
from models import Introduction, IntroStatus, ItemKind
from tests.sim import over_discord_limits, pings_nobody, sent_messages, synced_guild, take_user_errors


@dataclass
class World:
    env: Any
    guild: Any
    general: Any
    intros_channel: Any
    anouk: Any
    bram: Any
    carol: Any
    dirk: Any
    eva: Any


@pytest.fixture
async def world(simcord_env) -> World:
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    intros_channel = guild.create_text_channel("kennismaken")
    officers = guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))
    officer = guild.add_member(env.create_user("officer"), roles=[officers])
    await officer.slash(general, "intro setup", channel=intros_channel)

    def member(name: str, full: str) -> Any:
        return guild.add_member(env.create_user(name, global_name=full))

    anouk, bram = member("anouk", "Anouk de Vries"), member("bram", "Bram Janssen")
    carol, dirk, eva = member("carol", "Carol Peeters"), member("dirk", "Dirk Claes"), member("eva", "Eva Smit")
    await anouk.slash(general, "profile set", sector="government", organisation="Gemeente Tilburg")
    await anouk.slash(general, "offer add", text="subsidieaanvraag schrijven")
    await anouk.slash(general, "need add", text="vergaderruimte in het centrum")
    await bram.slash(general, "offer add", text="subsidies aanvragen")
    await carol.slash(general, "offer add", text="subsidieadvies")  # never joined introductions
    await dirk.slash(general, "offer add", text="subsidie aanvragen")
    for joined in (anouk, bram, dirk):
        await joined.slash(general, "intro join")
    await dirk.slash(general, "intro pause", weeks=4)
    return World(env, guild, general, intros_channel, anouk, bram, carol, dirk, eva)


def labels(message) -> list[str]:
    return [c["label"] for row in message.components for c in row["components"]]


async def test_find_shows_who_offers_it_privately_with_reasons_and_buttons(world):
    w = world
    result = await w.eva.slash(w.general, "find", text="subsidie aanvragen")
    assert result.ephemeral and result.response.ephemeral
    embed = result.response.embeds[0]
    assert embed.title == "Who offers “subsidie aanvragen”"
    names = [f.name for f in embed.fields]
    # Only members who joined introductions and are not paused; never Carol (not joined) or Dirk (paused).
    assert sorted(names) == ["1. Bram Janssen", "2. Anouk de Vries"] or sorted(names) == [
        "1. Anouk de Vries",
        "2. Bram Janssen",
    ]
    bram = next(f for f in embed.fields if "Bram" in f.name)
    assert "You need “subsidie aanvragen”: Bram Janssen offers “subsidies aanvragen”." in bram.value
    anouk = next(f for f in embed.fields if "Anouk" in f.name)
    assert "**Anouk de Vries** (Government, Gemeente Tilburg)" in anouk.value
    assert labels(result.response) == ["Introduce us (1)", "Introduce us (2)"]
    # Eva has not joined introductions: the reply says how, with a clickable command.
    command = w.env.backend.find_command("intro", w.guild.id)
    assert f"</intro join:{command['id']}>" in embed.description
    assert pings_nobody(w.env)


async def test_introduce_us_from_find_is_consent_first(world):
    w = world
    await w.eva.slash(w.general, "intro join")
    shown = await w.eva.slash(w.general, "find", text="subsidie aanvragen")
    number = next(i for i, f in enumerate(shown.response.embeds[0].fields, start=1) if "Bram" in f.name)
    assert "</intro join:" not in (shown.response.embeds[0].description or "")
    asked = await w.eva.click(shown.response, label=f"Introduce us ({number})")
    assert asked.response.content.startswith("I have asked both of you.")
    # Both are asked by DM; nothing is opened until both say yes.
    for user in (w.eva, w.bram):
        proposal = user.user.dm_channel.last_message
        assert proposal.embeds[0].title == "An introduction for you"
    why = w.bram.user.dm_channel.last_message.embeds[0].fields[0].value
    assert why == "One of you asked for this introduction."  # Eva's profile holds no reason; not "chance"
    assert w.intros_channel.threads == []
    async with w.env.bot.db.session() as session:
        [intro] = (await session.execute(select(Introduction))).scalars().all()
        assert intro.status == IntroStatus.PENDING and intro.requested_by == w.eva.id and not intro.chance

    # Looking again: Bram is shown, marked as introduced recently, without a button.
    again = await w.eva.slash(w.general, "find", text="subsidie aanvragen")
    bram = next(f for f in again.response.embeds[0].fields if "Bram" in f.name)
    assert "You two were introduced recently." in bram.value
    assert len(labels(again.response)) == 1


async def test_kind_need_shows_who_needs_what_you_could_give(world):
    w = world
    result = await w.eva.slash(w.general, "find", text="vergaderruimte", kind="need")
    embed = result.response.embeds[0]
    assert embed.title == "Who needs “vergaderruimte”"
    assert [f.name for f in embed.fields] == ["1. Anouk de Vries"]
    assert "Anouk de Vries needs “vergaderruimte in het centrum”: you offer “vergaderruimte”." in embed.fields[0].value
    assert labels(result.response) == ["Introduce us (1)"]


async def test_find_answers_in_dutch(world):
    w = world
    with member_locales({w.eva.id: "nl"}):
        result = await w.eva.slash(w.general, "find", text="subsidie aanvragen")
        nothing = await w.eva.slash(w.general, "find", text="kameelhaar spinnen", kind="need")
    embed = result.response.embeds[0]
    assert embed.title == "Wie biedt “subsidie aanvragen”"
    assert embed.description.startswith("Alleen jij ziet dit.")
    bram = next(f for f in embed.fields if "Bram" in f.name)
    assert "Jij zoekt “subsidie aanvragen”: Bram Janssen biedt “subsidies aanvragen”." in bram.value
    assert labels(result.response) == ["Stel ons voor (1)", "Stel ons voor (2)"]
    assert nothing.response.content.startswith("Nog niemand die meedoet met kennismakingen zoekt iets dat past bij")


async def test_nothing_found_and_bad_text_are_clear_private_answers(world):
    w = world
    none = await w.eva.slash(w.general, "find", text="kameelhaar spinnen")
    assert none.ephemeral
    assert none.response.content.startswith(
        "Nobody who joined introductions offers something that fits “kameelhaar spinnen” yet."
    )
    short = await w.eva.slash(w.general, "find", text=" x ")
    assert short.ephemeral and short.response.content == "That is too short: use at least 2 characters."
    long = await w.eva.slash(w.general, "find", text="s" * 101)
    assert long.response.content.startswith("That is too long (101 characters)")
    mention = await w.eva.slash(w.general, "find", text="@everyone kameelhaar")
    assert "“@\u200beveryone kameelhaar”" in mention.response.content  # shown inert
    assert [e.key for e in take_user_errors(w.env)] == ["item.too_short", "item.too_long"]
    assert pings_nobody(w.env)


async def test_a_member_never_finds_themselves(world):
    w = world
    result = await w.bram.slash(w.general, "find", text="subsidies aanvragen")
    assert all("Bram" not in f.name for f in result.response.embeds[0].fields)


async def test_at_most_ten_members_and_within_discords_limits(world):
    w = world
    for number in range(14):
        member = w.guild.add_member(w.env.create_user(f"m{number}", global_name=f"{'Lid ' * 25}{number}"))
        await member.slash(w.general, "profile set", organisation="O" * 100, sector="citizen")
        for text in ("subsidie aanvragen", "subsidies aanvragen voor buurtprojecten", "subsidieaanvraag schrijven"):
            await member.slash(w.general, "offer add", text=f"{text} {'x' * (95 - len(text))}"[:100])
        await member.slash(w.general, "intro join")
    before = len(sent_messages(w.env))
    result = await w.eva.slash(w.general, "find", text="subsidie aanvragen")
    embed = result.response.embeds[0]
    assert len(embed.fields) == 10
    assert len(labels(result.response)) == 10
    for message in sent_messages(w.env)[before:]:
        assert over_discord_limits(message) == []


async def test_a_member_who_left_introductions_is_not_found(world):
    w = world
    async with w.env.bot.db.session() as session:
        await intros.leave(session, w.guild.id, w.bram.id)
    result = await w.eva.slash(w.general, "find", text="subsidie aanvragen")
    assert all("Bram" not in f.name for f in result.response.embeds[0].fields)


async def test_a_member_who_left_the_server_or_is_private_is_not_found(world):
    w = world
    await w.anouk.slash(w.general, "profile set", visibility="private")
    w.guild.remove_member(w.bram)
    await w.env.settle()
    result = await w.eva.slash(w.general, "find", text="subsidie aanvragen")
    reply = result.response
    shown = " ".join([reply.content or ""] + [f.name + f.value for e in reply.embeds for f in e.fields])
    assert result.ephemeral and "Bram" not in shown and "Anouk" not in shown


async def test_text_autocomplete_offers_the_communitys_words(world):
    w = world
    choices = await w.eva.autocomplete(w.general, "find", "text", "subsid")
    assert "subsidies aanvragen" in [c["value"] for c in choices]


async def test_the_probe_leaves_the_shared_index_as_it_was(world, clock):
    w = world
    bot = w.env.bot
    async with bot.db.session() as session:
        index = await bot.matcher.index(session, w.guild.id)
        before = index.member_ids()
        await find_members(session, bot.matcher, w.guild.id, w.eva.id, "subsidie aanvragen", now=clock())
        await find_members(session, bot.matcher, w.guild.id, w.eva.id, "vergaderruimte", ItemKind.NEED, now=clock())
        assert (await bot.matcher.index(session, w.guild.id)) is index
    assert index.member_ids() == before and PROBE_ID not in index
