"""Members use /profile, /offer and /need in the simulated Discord, in English and in Dutch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord
import pytest
from sqlalchemy import func, select

from bot.errors import UserError
from bot.services import profiles
from bot.simulation import member_locales
from models import ItemKind, Member, MemberItem
from tests.sim import over_discord_limits, pings_nobody, sent_messages, synced_guild, take_user_errors


@dataclass
class World:
    env: Any
    guild: Any
    channel: Any
    anouk: Any
    farid: Any


@pytest.fixture
async def world(simcord_env) -> World:
    guild = await synced_guild(simcord_env)
    channel = guild.create_text_channel("algemeen")
    anouk = guild.add_member(simcord_env.create_user("anouk", global_name="Anouk de Vries"))
    farid = guild.add_member(simcord_env.create_user("farid", global_name="Farid El Amrani"))
    return World(simcord_env, guild, channel, anouk, farid)


@pytest.fixture
def dutch():
    """Members added to this mapping use a Dutch Discord client."""
    with member_locales({}) as locales:
        yield locales


async def items_of(env, guild_id: int, user_id: int, kind: ItemKind) -> list[str]:
    async with env.bot.db.session() as session:
        return await profiles.list_items(session, guild_id, user_id, kind)


async def row_counts(env) -> tuple[int, int]:
    async with env.bot.db.session() as session:
        members = (await session.execute(select(func.count()).select_from(Member))).scalar_one()
        items = (await session.execute(select(func.count()).select_from(MemberItem))).scalar_one()
    return members, items


# --- the commands, in English ---------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ItemKind))
async def test_add_list_remove_in_english(world, kind):
    w = world
    group = kind.value

    added = await w.anouk.slash(w.channel, f"{group} add", text="  Legal   advice for foundations ")
    assert added.ephemeral
    plural = "offers" if kind is ItemKind.OFFER else "needs"
    assert added.response.content == f"Added to your {plural}: **Legal advice for foundations** (1/25)."

    listed = await w.anouk.slash(w.channel, f"{group} list")
    assert listed.ephemeral
    embed = listed.response.embeds[0]
    assert embed.title == f"Your {plural} (1/25)"
    assert embed.description == "• Legal advice for foundations"

    removed = await w.anouk.slash(w.channel, f"{group} remove", text="legal advice for FOUNDATIONS")
    assert removed.ephemeral
    assert removed.response.content == f"Removed from your {plural}: **Legal advice for foundations**."
    assert await items_of(w.env, w.guild.id, w.anouk.id, kind) == []

    empty = await w.anouk.slash(w.channel, f"{group} list")
    assert f"You have no {plural} yet" in empty.response.content


async def test_profile_set_and_show_in_english(world):
    w = world
    result = await w.anouk.slash(
        w.channel,
        "profile set",
        sector="government",
        organisation="Gemeente Tilburg",
        region="Tilburg",
        bio="Policy adviser, social domain",
    )
    assert result.ephemeral
    assert result.response.content == "Your profile is saved."
    await w.anouk.slash(w.channel, "offer add", text="meeting room at the city office")
    await w.anouk.slash(w.channel, "need add", text="ideas from residents")

    shown = await w.farid.slash(w.channel, "profile show", member=w.anouk)
    assert shown.ephemeral
    embed = shown.response.embeds[0]
    fields = {f.name: f.value for f in embed.fields}
    assert embed.title == "Anouk de Vries"
    assert embed.description == "Policy adviser, social domain"
    assert fields["Sector"] == "Government"
    assert fields["Organisation"] == "Gemeente Tilburg"
    assert fields["Region"] == "Tilburg"
    assert fields["Offers"] == "• meeting room at the city office"
    assert fields["Needs"] == "• ideas from residents"

    async with w.env.bot.db.session() as session:
        stored = await profiles.get_profile(session, w.guild.id, w.anouk.id)
    assert stored is not None and stored.sector == "government" and stored.locale == "en"


async def test_profile_show_own_defaults_to_caller(world):
    w = world
    await w.anouk.slash(w.channel, "offer add", text="beleidsadvies")
    shown = await w.anouk.slash(w.channel, "profile show")
    fields = {f.name: f.value for f in shown.response.embeds[0].fields}
    assert fields["Offers"] == "• beleidsadvies"
    assert fields["Needs"] == "none yet"


# --- the commands, in Dutch -------------------------------------------------------------------


async def test_dutch_member_gets_dutch_replies_and_language_is_stored(world, dutch):
    w = world
    dutch[w.anouk.id] = "nl"

    added = await w.anouk.slash(w.channel, "offer add", text="vergaderruimte stadskantoor")
    assert added.response.content == "Toegevoegd aan je aanbod: **vergaderruimte stadskantoor** (1/25)."
    need = await w.anouk.slash(w.channel, "need add", text="ideeën van bewoners")
    assert need.response.content == "Toegevoegd aan je vraag: **ideeën van bewoners** (1/25)."

    listed = await w.anouk.slash(w.channel, "need list")
    assert listed.response.embeds[0].title == "Je vraag (1/25)"

    saved = await w.anouk.slash(w.channel, "profile set", sector="government", organisation="Gemeente Tilburg")
    assert saved.response.content == "Je profiel is opgeslagen."
    fields = {f.name: f.value for f in saved.response.embeds[0].fields}
    assert fields["Sector"] == "Overheid"
    assert fields["Organisatie"] == "Gemeente Tilburg"
    assert fields["Aanbod"] == "• vergaderruimte stadskantoor"

    removed = await w.anouk.slash(w.channel, "offer remove", text="Vergaderruimte stadskantoor")
    assert removed.response.content == "Verwijderd uit je aanbod: **vergaderruimte stadskantoor**."

    async with w.env.bot.db.session() as session:
        stored = await profiles.get_profile(session, w.guild.id, w.anouk.id)
    assert stored is not None and stored.locale == "nl"

    # Switching the client to English is remembered too (weekly posts have no interaction to ask).
    del dutch[w.anouk.id]
    await w.anouk.slash(w.channel, "offer list")
    async with w.env.bot.db.session() as session:
        stored = await profiles.get_profile(session, w.guild.id, w.anouk.id)
    assert stored is not None and stored.locale == "en"


async def test_dutch_errors_are_dutch(world, dutch):
    w = world
    dutch[w.anouk.id] = "nl"
    await w.anouk.slash(w.channel, "offer add", text="fietsen repareren")
    duplicate = await w.anouk.slash(w.channel, "offer add", text="Fietsen Repareren")
    assert duplicate.ephemeral
    assert duplicate.response.content == "Je biedt **fietsen repareren** al aan."
    too_long = await w.anouk.slash(w.channel, "need add", text="z" * 150)
    assert too_long.response.content == "Dat is te lang (150 tekens): houd het bij 100 tekens."
    unknown = await w.anouk.slash(w.channel, "profile show", member=w.farid)
    assert unknown.response.content == "Farid El Amrani heeft nog geen profiel in deze server."
    assert [e.key for e in take_user_errors(w.env)] == ["offer.duplicate", "item.too_long", "profile.not_found"]


# --- autocomplete -----------------------------------------------------------------------------


async def test_add_autocomplete_suggests_community_terms(world):
    w = world
    await w.anouk.slash(w.channel, "need add", text="subsidieaanvraag schrijven")
    await w.anouk.slash(w.channel, "offer add", text="vergaderruimte stadskantoor")

    choices = await w.farid.autocomplete(w.channel, "need add", "text", "subsidei")
    assert choices[0]["value"] == "subsidieaanvraag schrijven"
    # Offers and needs share one vocabulary: an offer helps word a need.
    choices = await w.farid.autocomplete(w.channel, "need add", "text", "vergader")
    assert "vergaderruimte stadskantoor" in [c["value"] for c in choices]
    # Typing something new is fine: free text stays allowed, nothing is forced.
    added = await w.farid.slash(w.channel, "need add", text="a mentor for starting a social business")
    assert added.response.content.startswith("Added to your needs")


async def test_remove_autocomplete_offers_only_own_items(world):
    w = world
    await w.anouk.slash(w.channel, "offer add", text="contacten binnen de gemeente")
    await w.anouk.slash(w.channel, "offer add", text="beleidsadvies sociaal domein")
    await w.farid.slash(w.channel, "offer add", text="web development")

    mine = await w.anouk.autocomplete(w.channel, "offer remove", "text", "")
    assert [c["value"] for c in mine] == ["contacten binnen de gemeente", "beleidsadvies sociaal domein"]
    narrowed = await w.anouk.autocomplete(w.channel, "offer remove", "text", "beleid")
    assert narrowed[0]["value"] == "beleidsadvies sociaal domein"
    assert await w.farid.autocomplete(w.channel, "offer remove", "text", "beleid") == []


# --- bad input: a clear message, nothing changed ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   ", "Please write a few words: the text is empty."),
        ("x", "That is too short: use at least 2 characters."),
        ("w" * 101, "That is too long (101 characters): keep it to 100 characters."),
    ],
)
async def test_bad_text_is_refused_and_changes_nothing(world, text, message):
    w = world
    result = await w.anouk.slash(w.channel, "offer add", text=text)
    assert result.ephemeral
    assert result.response.content == message
    assert [type(e) for e in take_user_errors(w.env)] == [UserError]
    assert await row_counts(w.env) == (0, 0)


async def test_duplicate_and_twenty_sixth_offer_are_refused(world):
    w = world
    for i in range(25):
        await w.anouk.slash(w.channel, "offer add", text=f"vaardigheid {i}")
    before = await row_counts(w.env)

    duplicate = await w.anouk.slash(w.channel, "offer add", text="VAARDIGHEID 3")
    assert duplicate.ephemeral
    assert duplicate.response.content == "You already offer **vaardigheid 3**."
    full = await w.anouk.slash(w.channel, "offer add", text="iets nieuws")
    assert full.ephemeral
    assert full.response.content.startswith("You already have 25 offers")

    assert [e.key for e in take_user_errors(w.env)] == ["offer.duplicate", "offer.limit"]
    assert await row_counts(w.env) == before
    assert len(await items_of(w.env, w.guild.id, w.anouk.id, ItemKind.OFFER)) == 25


async def test_removing_something_you_do_not_have(world):
    w = world
    result = await w.anouk.slash(w.channel, "need remove", text="een vergaderruimte")
    assert result.ephemeral
    assert result.response.content == "You have no need “een vergaderruimte”. See your needs with `/need list`."
    take_user_errors(w.env)
    assert await row_counts(w.env) == (0, 0)


async def test_profile_of_unknown_member(world):
    w = world
    result = await w.anouk.slash(w.channel, "profile show", member=w.farid)
    assert result.ephemeral
    assert result.response.content == "Farid El Amrani has no profile in this server yet."
    own = await w.anouk.slash(w.channel, "profile show")
    assert own.response.content.startswith("You have no profile yet")
    assert [e.key for e in take_user_errors(w.env)] == ["profile.not_found", "profile.none_yet"]
    # Only Anouk's language is remembered (for later DMs); no profile, nothing for Farid.
    assert await row_counts(w.env) == (1, 0)
    async with w.env.bot.db.session() as session:
        anouk = await profiles.get_member(session, w.guild.id, w.anouk.id)
        assert anouk is not None and anouk.locale == "en" and anouk.name == "Anouk de Vries"
        assert await profiles.get_member(session, w.guild.id, w.farid.id) is None


async def test_bad_profile_fields_change_nothing(world):
    w = world
    await w.anouk.slash(w.channel, "profile set", sector="citizen", region="Goirle")
    too_long = await w.anouk.slash(w.channel, "profile set", region="Tilburg", bio="b" * 501)
    assert too_long.response.content == "Your bio is too long (501 characters): keep it to 500."
    nothing = await w.anouk.slash(w.channel, "profile set")
    assert nothing.response.content.startswith("Nothing to change")
    take_user_errors(w.env)
    async with w.env.bot.db.session() as session:
        stored = await profiles.get_profile(session, w.guild.id, w.anouk.id)
    assert stored is not None and stored.region == "Goirle" and stored.bio is None


async def test_data_is_per_server(simcord_env):
    first = await synced_guild(simcord_env, name="Midden-Brabant")
    second = await synced_guild(simcord_env, name="Mechelen")
    user = simcord_env.create_user("greet")
    here = first.add_member(user)
    there = second.add_member(user)
    await here.slash(first.create_text_channel("a"), "offer add", text="ervaring met hackathons")
    listed = await there.slash(second.create_text_channel("b"), "offer list")
    assert "You have no offers yet" in listed.response.content


# --- nobody gets pinged by what members write -------------------------------------------------


async def test_mentions_in_member_text_never_ping(world):
    w = world
    role = w.guild.create_role("Bestuur")
    texts = ["@everyone gratis koffie", "@here vergaderruimte", f"{role.mention} advies", f"hulp van {w.farid.mention}"]
    for text in texts:
        added = await w.anouk.slash(w.channel, "offer add", text=text)
        assert "@everyone" not in added.response.content
        assert "@here" not in added.response.content
    await w.anouk.slash(w.channel, "offer add", text="@everyone gratis koffie")  # duplicate: echoed in an error
    take_user_errors(w.env)
    await w.anouk.slash(w.channel, "offer list")
    await w.farid.slash(w.channel, "profile show", member=w.anouk)
    await w.farid.autocomplete(w.channel, "offer add", "text", "everyone")

    assert pings_nobody(w.env)
    sent = [r for r in w.env.http_requests if r.method == "POST" and "/callback" in r.path]
    assert len(sent) >= 8
    for request in sent:
        data = request.json.get("data", {})
        if "content" in data or "embeds" in data:
            assert data["allowed_mentions"] == {"parse": []}


# --- Discord's limits at maximal input -----------------------------------------------------------


# Everything at the longest the services allow; "@here" grows when it is made inert.
def exactly(length: int, pattern: str) -> str:
    return (pattern * (length // len(pattern) + 1))[: length - 1] + "."


LONG_NAME = exactly(profiles.FIELD_MAX, "Stichting Maatschappelijke Innovatie @here ")
LONG_BIO = exactly(profiles.BIO_MAX, "Ik verbind gemeente, bedrijven en bewoners @here. ")
LONG_FIELD = exactly(profiles.FIELD_MAX, "Gemeente Midden-Brabant @here ")


def long_item(kind: ItemKind, number: int) -> str:
    return exactly(profiles.ITEM_MAX, f"{kind.value} {number:02d} @here vergaderruimte en begeleiding ")


async def fill_profile(w: World, user_id: int, *, name: str) -> None:
    async with w.env.bot.db.session() as session:
        for kind in ItemKind:
            for number in range(profiles.ITEMS_PER_KIND):
                await profiles.add_item(session, w.guild.id, user_id, kind, long_item(kind, number), name=name)
        await profiles.set_profile(
            session, w.guild.id, user_id, name=name, sector="government", organisation=LONG_FIELD, region=LONG_FIELD
        )
        await profiles.set_profile(session, w.guild.id, user_id, bio=LONG_BIO)


def listed(embed, title: str) -> tuple[int, int]:
    """(items shown, items said to be left out) of a list that may continue in unnamed fields."""
    shown = left_out = 0
    inside = False
    for field in embed.fields:
        if field.name == title:
            inside = True
        elif field.name != "\u200b":
            inside = False
        if inside:
            for line in field.value.split("\n"):
                if line.startswith("• "):
                    shown += 1
                elif line.startswith("… and "):
                    left_out += int(line.split()[2])
    return shown, left_out


async def test_a_full_profile_stays_within_discords_limits(world):
    w = world
    await fill_profile(w, w.farid.id, name=LONG_NAME)

    shown = await w.anouk.slash(w.channel, "profile show", member=w.farid)
    embed = shown.response.embeds[0]
    assert embed.title == discord.utils.escape_mentions(LONG_NAME)
    assert embed.description == discord.utils.escape_mentions(LONG_BIO)
    # Not everything fits: each list says how many it leaves out, and none is lost silently.
    for title in ("Offers", "Needs"):
        count, left_out = listed(embed, title)
        assert count + left_out == profiles.ITEMS_PER_KIND and count >= 10 and left_out >= 1, (title, count)

    # Their own /profile set shows the same card; /offer list shows all 25.
    saved = await w.farid.slash(w.channel, "profile set", bio=LONG_BIO)
    assert saved.response.content == "Your profile is saved."
    full = await w.farid.slash(w.channel, "offer list")
    assert full.response.embeds[0].description.count("• ") == profiles.ITEMS_PER_KIND

    messages = sent_messages(w.env)
    assert sum(bool(m.get("embeds")) for m in messages) == 3
    assert [problem for m in messages for problem in over_discord_limits(m)] == []
    assert take_user_errors(w.env) == []


async def test_an_error_after_saving_does_not_say_nothing_changed(world):
    w = world
    # The reply with the saved profile fails once; the change is in the database already.
    w.env.inject_error("POST", "/interactions/*/callback", status=500)
    result = await w.anouk.slash(w.channel, "profile set", region="Tilburg")
    assert result.ephemeral
    assert result.response.content.startswith("Your change was saved, but something went wrong on my side")
    assert "Nothing was changed" not in result.response.content
    async with w.env.bot.db.session() as session:
        stored = await profiles.get_profile(session, w.guild.id, w.anouk.id)
    assert stored is not None and stored.region == "Tilburg"
