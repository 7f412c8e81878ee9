"""Profile, offer and need services against a SQLite database built by the migrations."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.errors import UserError
from bot.services import profiles
from models import ItemKind, Member, MemberItem

GUILD = 1001
OTHER_GUILD = 1002
ANOUK = 310000000000000001
BRAM = 310000000000000002


async def count(db, model) -> int:
    async with db.session() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_add_item_cleans_text_and_creates_member(db):
    async with db.session() as session:
        stored = await profiles.add_item(
            session, GUILD, ANOUK, ItemKind.OFFER, "  vergaderruimte\n  stadskantoor ", name="Anouk", locale="nl"
        )
    assert stored == "vergaderruimte stadskantoor"
    async with db.session() as session:
        profile = await profiles.get_profile(session, GUILD, ANOUK)
    assert profile is not None
    assert profile.offers == ["vergaderruimte stadskantoor"]
    assert profile.needs == []
    assert profile.name == "Anouk"
    assert profile.locale == "nl"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "item.empty"),
        ("   \t ", "item.empty"),
        ("a", "item.too_short"),
        ("x" * 101, "item.too_long"),
    ],
)
async def test_bad_item_text_is_refused_and_writes_nothing(db, text, key):
    with pytest.raises(UserError) as caught:
        async with db.session() as session:
            await profiles.add_item(session, GUILD, ANOUK, ItemKind.NEED, text, name="Anouk")
    assert caught.value.key == key
    assert await count(db, Member) == 0
    assert await count(db, MemberItem) == 0


async def test_limits_are_inclusive():
    assert profiles.validate_item("ab")[0] == "ab"
    assert profiles.validate_item("y" * 100)[0] == "y" * 100


async def test_duplicate_ignores_case_accents_and_spacing(db):
    async with db.session() as session:
        await profiles.add_item(session, GUILD, ANOUK, ItemKind.NEED, "Ideeën van bewoners")
    with pytest.raises(UserError) as caught:
        async with db.session() as session:
            await profiles.add_item(session, GUILD, ANOUK, ItemKind.NEED, "ideeen   VAN bewoners")
    assert caught.value.key == "need.duplicate"
    assert caught.value.params["text"] == "Ideeën van bewoners"
    assert await count(db, MemberItem) == 1


async def test_same_text_may_be_both_offer_and_need(db):
    async with db.session() as session:
        await profiles.add_item(session, GUILD, ANOUK, ItemKind.OFFER, "netwerk")
        await profiles.add_item(session, GUILD, ANOUK, ItemKind.NEED, "netwerk")
    assert await count(db, MemberItem) == 2


async def test_twenty_sixth_offer_is_refused(db):
    async with db.session() as session:
        for i in range(profiles.ITEMS_PER_KIND):
            await profiles.add_item(session, GUILD, ANOUK, ItemKind.OFFER, f"aanbod {i}")
    with pytest.raises(UserError) as caught:
        async with db.session() as session:
            await profiles.add_item(session, GUILD, ANOUK, ItemKind.OFFER, "nog eentje")
    assert caught.value.key == "offer.limit"
    async with db.session() as session:
        assert len(await profiles.list_items(session, GUILD, ANOUK, ItemKind.OFFER)) == 25
        # The limit is per kind: needs are still open.
        await profiles.add_item(session, GUILD, ANOUK, ItemKind.NEED, "nog eentje")


async def test_remove_by_folded_text_and_unknown_text(db):
    async with db.session() as session:
        await profiles.add_item(session, GUILD, ANOUK, ItemKind.OFFER, "Contacten binnen de gemeente")
    async with db.session() as session:
        removed = await profiles.remove_item(session, GUILD, ANOUK, ItemKind.OFFER, "contacten binnen de GEMEENTE")
    assert removed == "Contacten binnen de gemeente"
    assert await count(db, MemberItem) == 0
    with pytest.raises(UserError) as caught:
        async with db.session() as session:
            await profiles.remove_item(session, GUILD, ANOUK, ItemKind.OFFER, "iets anders")
    assert caught.value.key == "offer.not_found"


async def test_data_is_per_guild(db):
    async with db.session() as session:
        await profiles.add_item(session, GUILD, ANOUK, ItemKind.OFFER, "beleidsadvies")
        await profiles.set_profile(session, GUILD, ANOUK, sector="government", organisation="Gemeente Tilburg")
        await profiles.add_item(session, OTHER_GUILD, ANOUK, ItemKind.OFFER, "fietsen repareren")
    async with db.session() as session:
        here = await profiles.get_profile(session, GUILD, ANOUK)
        there = await profiles.get_profile(session, OTHER_GUILD, ANOUK)
    assert here is not None and there is not None
    assert here.offers == ["beleidsadvies"] and here.sector == "government"
    assert there.offers == ["fietsen repareren"] and there.sector is None
    assert await count(db, Member) == 2


async def test_set_profile_validates_before_writing(db):
    with pytest.raises(UserError) as caught:
        async with db.session() as session:
            await profiles.set_profile(session, GUILD, ANOUK, sector="government", bio="b" * 501)
    assert caught.value.key == "profile.bio_too_long"
    with pytest.raises(UserError) as caught:
        async with db.session() as session:
            await profiles.set_profile(session, GUILD, ANOUK, sector="bank")
    assert caught.value.key == "profile.bad_sector"
    with pytest.raises(UserError) as caught:
        async with db.session() as session:
            await profiles.set_profile(session, GUILD, ANOUK)
    assert caught.value.key == "profile.nothing_to_set"
    assert await count(db, Member) == 0


async def test_set_profile_updates_only_given_fields_and_empty_clears(db):
    async with db.session() as session:
        await profiles.set_profile(
            session, GUILD, ANOUK, sector="government", organisation="Gemeente Tilburg", region="Tilburg"
        )
    async with db.session() as session:
        profile = await profiles.set_profile(session, GUILD, ANOUK, region="", bio="Beleidsadviseur sociaal domein")
    assert profile.sector == "government"
    assert profile.organisation == "Gemeente Tilburg"
    assert profile.region is None
    assert profile.bio == "Beleidsadviseur sociaal domein"


async def test_community_terms_suggest_shared_words(db):
    async with db.session() as session:
        await profiles.add_item(session, GUILD, ANOUK, ItemKind.NEED, "subsidieaanvraag schrijven")
        await profiles.add_item(session, GUILD, BRAM, ItemKind.NEED, "Subsidieaanvraag schrijven")
        await profiles.add_item(session, GUILD, BRAM, ItemKind.OFFER, "fietsen repareren")
        await profiles.add_item(session, OTHER_GUILD, BRAM, ItemKind.OFFER, "subsidie advies")
    async with db.session() as session:
        typed = await profiles.community_terms(session, GUILD, "subsidei")
        everything = await profiles.community_terms(session, GUILD, "")
    # A typo still finds the shared term, once, and another server's words never leak in.
    assert typed[0].casefold() == "subsidieaanvraag schrijven"
    assert len([t for t in typed if t.casefold() == "subsidieaanvraag schrijven"]) == 1
    assert "subsidie advies" not in typed
    # Without input, the most used term comes first.
    assert everything[0].casefold() == "subsidieaanvraag schrijven"
    assert "fietsen repareren" in everything


async def test_remember_locale_keeps_the_language_from_the_first_interaction_without_a_profile(db):
    async with db.session() as session:
        await profiles.remember_locale(session, GUILD, ANOUK, "en")
    async with db.session() as session:
        member = await profiles.get_member(session, GUILD, ANOUK)
        assert member is not None and member.locale == "en"
        # Only the language: no profile to show, nothing offered, no consent to introductions.
        assert await profiles.get_profile(session, GUILD, ANOUK) is None
        assert not member.items and not member.intro_joined
        # Said twice (two first interactions at once): still one member.
        await profiles.remember_locale(session, GUILD, ANOUK, "en")
    assert await count(db, Member) == 1
    async with db.session() as session:
        await profiles.add_item(session, GUILD, ANOUK, ItemKind.OFFER, "beleidsadvies", locale="nl")
    async with db.session() as session:
        await profiles.remember_locale(session, GUILD, ANOUK, "en")
    async with db.session() as session:
        profile = await profiles.get_profile(session, GUILD, ANOUK)
    assert profile is not None and profile.locale == "en"


async def test_timestamps_are_aware_utc(db):
    async with db.session() as session:
        await profiles.add_item(session, GUILD, ANOUK, ItemKind.OFFER, "beleidsadvies")
    async with db.session() as session:
        member = await profiles.get_member(session, GUILD, ANOUK)
    assert member is not None
    assert member.created_at.utcoffset() is not None
    assert member.created_at.utcoffset().total_seconds() == 0
