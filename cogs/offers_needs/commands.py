"""/offer and /need: add, remove and list what a member offers or needs.

Both groups behave the same, so they are built by one factory from their texts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str as _
from discord.ext import commands

from bot.i18n import t
from bot.services import profiles
from bot.ui import already_stored, locale_of, safe, send_ephemeral
from cogs.offers_needs.render import items_embed
from models import ItemKind

if TYPE_CHECKING:
    from bot.app import Bot


@dataclass(frozen=True)
class GroupTexts:
    name: str
    description: str
    add: str
    remove: str
    list: str
    text: str


TEXTS = {
    ItemKind.OFFER: GroupTexts(
        name="offer",
        description="What you offer: skills, knowledge, a room, tools, time",
        add="Add something you offer",
        remove="Remove one of your offers",
        list="List your offers",
        text="What you offer, in a few words",
    ),
    ItemKind.NEED: GroupTexts(
        name="need",
        description="What you need: help, knowledge, a place, people",
        add="Add something you need",
        remove="Remove one of your needs",
        list="List your needs",
        text="What you need, in a few words",
    ),
}


def _choices(values: list[str]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=v[:100], value=v[:100]) for v in values]


def item_group(kind: ItemKind) -> app_commands.Group:
    texts = TEXTS[kind]
    group = app_commands.Group(name=_(texts.name), description=_(texts.description), guild_only=True)

    @group.command(name=_("add"), description=_(texts.add))
    @app_commands.describe(text=_(texts.text))
    async def add(interaction: discord.Interaction[Bot], text: str) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with interaction.client.db.session() as session:
            stored = await profiles.add_item(
                session,
                interaction.guild_id,
                interaction.user.id,
                kind,
                text,
                name=interaction.user.display_name,
                locale=locale,
            )
            count = len(await profiles.list_items(session, interaction.guild_id, interaction.user.id, kind))
        async with already_stored(interaction):
            await send_ephemeral(
                interaction,
                t(locale, f"{kind.value}.added", text=safe(stored), count=count, max=profiles.ITEMS_PER_KIND),
            )

    @add.autocomplete("text")
    async def add_autocomplete(interaction: discord.Interaction[Bot], current: str) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        async with interaction.client.db.session() as session:
            terms = await profiles.community_terms(session, interaction.guild_id, current)
        return _choices(terms)

    @group.command(name=_("remove"), description=_(texts.remove))
    @app_commands.describe(text=_(texts.text))
    async def remove(interaction: discord.Interaction[Bot], text: str) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with interaction.client.db.session() as session:
            removed = await profiles.remove_item(
                session, interaction.guild_id, interaction.user.id, kind, text, locale=locale
            )
        async with already_stored(interaction):
            await send_ephemeral(interaction, t(locale, f"{kind.value}.removed", text=safe(removed)))

    @remove.autocomplete("text")
    async def remove_autocomplete(
        interaction: discord.Interaction[Bot], current: str
    ) -> list[app_commands.Choice[str]]:
        assert interaction.guild_id is not None
        async with interaction.client.db.session() as session:
            own = await profiles.own_item_choices(session, interaction.guild_id, interaction.user.id, kind, current)
        return _choices(own)

    @group.command(name=_("list"), description=_(texts.list))
    async def list_(interaction: discord.Interaction[Bot]) -> None:
        assert interaction.guild_id is not None
        locale = locale_of(interaction)
        async with interaction.client.db.session() as session:
            await profiles.remember_locale(
                session, interaction.guild_id, interaction.user.id, locale, name=interaction.user.display_name
            )
            items = await profiles.list_items(session, interaction.guild_id, interaction.user.id, kind)
        if not items:
            await send_ephemeral(interaction, t(locale, f"{kind.value}.list_empty"))
            return
        await send_ephemeral(interaction, embed=items_embed(kind, items, locale))

    return group


class OffersNeedsCog(commands.Cog):
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.groups = [item_group(kind) for kind in ItemKind]

    async def cog_load(self) -> None:
        for group in self.groups:
            self.bot.tree.add_command(group)

    async def cog_unload(self) -> None:
        for group in self.groups:
            self.bot.tree.remove_command(group.name)
