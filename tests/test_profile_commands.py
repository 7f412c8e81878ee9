"""Members use /profile, /offer and /need in the simulated Discord, in English and in Dutch."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.errors import UserError
from bot.services import profiles
from bot.simulation import member_locales
from models import ItemKind, Member, MemberItem
from tests.sim import pings_nobody, synced_guild, take_user_errors


@pytest.fixture
async def world(simcord_env):
    guild = await synced_guild(simcord_env)
    channel = guild.create_text_channel("algemeen")
    anouk = guild.add_member(simcord_env.create_user("anouk", global_name="Anouk de Vries"))
    farid = guild.add_member(simcord_env.create_user("farid", global_name="Farid El Amrani"))
    return simcord_env, guild, channel, anouk, farid


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
    env, guild, channel, anouk, _ = world
    group = kind.value

    added = await anouk.slash(channel, f"{group} add", text="  Legal   advice for foundations ")
    assert added.ephemeral
    plural = "offers" if kind is ItemKind.OFFER else "needs"
    assert added.response.content == f"Added to your {plural}: **Legal advice for foundations** (1/25)."

    listed = await anouk.slash(channel, f"{group} list")
    assert listed.ephemeral
    embed = listed.response.embeds[0]
    assert embed.title == f"Your {plural} (1/25)"
    assert embed.description == "• Legal advice for foundations"

    removed = await anouk.slash(channel, f"{group} remove", text="legal advice for FOUNDATIONS")
    assert removed.ephemeral
    assert removed.response.content == f"Removed from your {plural}: **Legal advice for foundations**."
    assert await items_of(env, guild.id, anouk.id, kind) == []

    empty = await anouk.slash(channel, f"{group} list")
    assert f"You have no {plural} yet" in empty.response.content


async def test_profile_set_and_show_in_english(world):
    env, guild, channel, anouk, farid = world
    result = await anouk.slash(
        channel,
        "profile set",
        sector="government",
        organisation="Gemeente Tilburg",
        region="Tilburg",
        bio="Policy adviser, social domain",
    )
    assert result.ephemeral
    assert result.response.content == "Your profile is saved."
    await anouk.slash(channel, "offer add", text="meeting room at the city office")
    await anouk.slash(channel, "need add", text="ideas from residents")

    shown = await farid.slash(channel, "profile show", member=anouk)
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

    async with env.bot.db.session() as session:
        stored = await profiles.get_profile(session, guild.id, anouk.id)
    assert stored is not None and stored.sector == "government" and stored.locale == "en"


async def test_profile_show_own_defaults_to_caller(world):
    _, _, channel, anouk, _ = world
    await anouk.slash(channel, "offer add", text="beleidsadvies")
    shown = await anouk.slash(channel, "profile show")
    fields = {f.name: f.value for f in shown.response.embeds[0].fields}
    assert fields["Offers"] == "• beleidsadvies"
    assert fields["Needs"] == "none yet"


# --- the commands, in Dutch -------------------------------------------------------------------


async def test_dutch_member_gets_dutch_replies_and_language_is_stored(world, dutch):
    env, guild, channel, anouk, _ = world
    dutch[anouk.id] = "nl"

    added = await anouk.slash(channel, "offer add", text="vergaderruimte stadskantoor")
    assert added.response.content == "Toegevoegd aan je aanbod: **vergaderruimte stadskantoor** (1/25)."
    need = await anouk.slash(channel, "need add", text="ideeën van bewoners")
    assert need.response.content == "Toegevoegd aan je vraag: **ideeën van bewoners** (1/25)."

    listed = await anouk.slash(channel, "need list")
    assert listed.response.embeds[0].title == "Je vraag (1/25)"

    saved = await anouk.slash(channel, "profile set", sector="government", organisation="Gemeente Tilburg")
    assert saved.response.content == "Je profiel is opgeslagen."
    fields = {f.name: f.value for f in saved.response.embeds[0].fields}
    assert fields["Sector"] == "Overheid"
    assert fields["Organisatie"] == "Gemeente Tilburg"
    assert fields["Aanbod"] == "• vergaderruimte stadskantoor"

    removed = await anouk.slash(channel, "offer remove", text="Vergaderruimte stadskantoor")
    assert removed.response.content == "Verwijderd uit je aanbod: **vergaderruimte stadskantoor**."

    async with env.bot.db.session() as session:
        stored = await profiles.get_profile(session, guild.id, anouk.id)
    assert stored is not None and stored.locale == "nl"

    # Switching the client to English is remembered too (weekly posts have no interaction to ask).
    del dutch[anouk.id]
    await anouk.slash(channel, "offer list")
    async with env.bot.db.session() as session:
        stored = await profiles.get_profile(session, guild.id, anouk.id)
    assert stored is not None and stored.locale == "en"


async def test_dutch_errors_are_dutch(world, dutch):
    env, guild, channel, anouk, _ = world
    dutch[anouk.id] = "nl"
    await anouk.slash(channel, "offer add", text="fietsen repareren")
    duplicate = await anouk.slash(channel, "offer add", text="Fietsen Repareren")
    assert duplicate.ephemeral
    assert duplicate.response.content == "Je biedt **fietsen repareren** al aan."
    too_long = await anouk.slash(channel, "need add", text="z" * 150)
    assert too_long.response.content == "Dat is te lang (150 tekens): houd het bij 100 tekens."
    unknown = await anouk.slash(channel, "profile show", member=world[4])
    assert unknown.response.content == "Farid El Amrani heeft nog geen profiel in deze server."
    assert [e.key for e in take_user_errors(env)] == ["offer.duplicate", "item.too_long", "profile.not_found"]


# --- autocomplete -----------------------------------------------------------------------------


async def test_add_autocomplete_suggests_community_terms(world):
    env, guild, channel, anouk, farid = world
    await anouk.slash(channel, "need add", text="subsidieaanvraag schrijven")
    await anouk.slash(channel, "offer add", text="vergaderruimte stadskantoor")

    choices = await farid.autocomplete(channel, "need add", "text", "subsidei")
    assert choices[0]["value"] == "subsidieaanvraag schrijven"
    # Offers and needs share one vocabulary: an offer helps word a need.
    choices = await farid.autocomplete(channel, "need add", "text", "vergader")
    assert "vergaderruimte stadskantoor" in [c["value"] for c in choices]
    # Typing something new is fine: free text stays allowed, nothing is forced.
    added = await farid.slash(channel, "need add", text="a mentor for starting a social business")
    assert added.response.content.startswith("Added to your needs")


async def test_remove_autocomplete_offers_only_own_items(world):
    env, guild, channel, anouk, farid = world
    await anouk.slash(channel, "offer add", text="contacten binnen de gemeente")
    await anouk.slash(channel, "offer add", text="beleidsadvies sociaal domein")
    await farid.slash(channel, "offer add", text="web development")

    mine = await anouk.autocomplete(channel, "offer remove", "text", "")
    assert [c["value"] for c in mine] == ["contacten binnen de gemeente", "beleidsadvies sociaal domein"]
    narrowed = await anouk.autocomplete(channel, "offer remove", "text", "beleid")
    assert narrowed[0]["value"] == "beleidsadvies sociaal domein"
    assert await farid.autocomplete(channel, "offer remove", "text", "beleid") == []


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
    env, guild, channel, anouk, _ = world
    result = await anouk.slash(channel, "offer add", text=text)
    assert result.ephemeral
    assert result.response.content == message
    assert [type(e) for e in take_user_errors(env)] == [UserError]
    assert await row_counts(env) == (0, 0)


async def test_duplicate_and_twenty_sixth_offer_are_refused(world):
    env, guild, channel, anouk, _ = world
    for i in range(25):
        await anouk.slash(channel, "offer add", text=f"vaardigheid {i}")
    before = await row_counts(env)

    duplicate = await anouk.slash(channel, "offer add", text="VAARDIGHEID 3")
    assert duplicate.ephemeral
    assert duplicate.response.content == "You already offer **vaardigheid 3**."
    full = await anouk.slash(channel, "offer add", text="iets nieuws")
    assert full.ephemeral
    assert full.response.content.startswith("You already have 25 offers")

    assert [e.key for e in take_user_errors(env)] == ["offer.duplicate", "offer.limit"]
    assert await row_counts(env) == before
    assert len(await items_of(env, guild.id, anouk.id, ItemKind.OFFER)) == 25


async def test_removing_something_you_do_not_have(world):
    env, guild, channel, anouk, _ = world
    result = await anouk.slash(channel, "need remove", text="een vergaderruimte")
    assert result.ephemeral
    assert result.response.content == "You have no need “een vergaderruimte”. See your needs with `/need list`."
    take_user_errors(env)
    assert await row_counts(env) == (0, 0)


async def test_profile_of_unknown_member(world):
    env, guild, channel, anouk, farid = world
    result = await anouk.slash(channel, "profile show", member=farid)
    assert result.ephemeral
    assert result.response.content == "Farid El Amrani has no profile in this server yet."
    own = await anouk.slash(channel, "profile show")
    assert own.response.content.startswith("You have no profile yet")
    assert [e.key for e in take_user_errors(env)] == ["profile.not_found", "profile.none_yet"]
    assert await row_counts(env) == (0, 0)


async def test_bad_profile_fields_change_nothing(world):
    env, guild, channel, anouk, _ = world
    await anouk.slash(channel, "profile set", sector="citizen", region="Goirle")
    too_long = await anouk.slash(channel, "profile set", region="Tilburg", bio="b" * 501)
    assert too_long.response.content == "Your bio is too long (501 characters): keep it to 500."
    nothing = await anouk.slash(channel, "profile set")
    assert nothing.response.content.startswith("Nothing to change")
    take_user_errors(env)
    async with env.bot.db.session() as session:
        stored = await profiles.get_profile(session, guild.id, anouk.id)
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
    env, guild, channel, anouk, farid = world
    role = guild.create_role("Bestuur")
    texts = ["@everyone gratis koffie", "@here vergaderruimte", f"{role.mention} advies", f"hulp van {farid.mention}"]
    for text in texts:
        added = await anouk.slash(channel, "offer add", text=text)
        assert "@everyone" not in added.response.content
        assert "@here" not in added.response.content
    await anouk.slash(channel, "offer add", text="@everyone gratis koffie")  # duplicate: echoed in an error
    take_user_errors(env)
    await anouk.slash(channel, "offer list")
    await farid.slash(channel, "profile show", member=anouk)
    await farid.autocomplete(channel, "offer add", "text", "everyone")

    assert pings_nobody(env)
    sent = [r for r in env.http_requests if r.method == "POST" and "/callback" in r.path]
    assert len(sent) >= 8
    for request in sent:
        data = request.json.get("data", {})
        if "content" in data or "embeds" in data:
            assert data["allowed_mentions"] == {"parse": []}
