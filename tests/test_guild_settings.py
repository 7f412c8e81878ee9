"""Per-server settings: the language of public posts."""

from __future__ import annotations

import pytest

from bot.errors import UserError
from bot.services import guilds

GUILD = 1001


async def test_public_posts_use_the_servers_language_or_the_default(db):
    async with db.session() as session:
        assert guilds.language(await guilds.get_settings(session, GUILD), "nl") == "nl"
        await guilds.set_language(session, GUILD, "en")
    async with db.session() as session:
        assert guilds.language(await guilds.get_settings(session, GUILD), "nl") == "en"


async def test_an_unknown_language_is_refused_and_changes_nothing(db):
    with pytest.raises(UserError) as refused:
        async with db.session() as session:
            await guilds.set_language(session, GUILD, "de")
    assert refused.value.key == "settings.bad_language"
    async with db.session() as session:
        assert (await guilds.get_settings(session, GUILD)).language is None
