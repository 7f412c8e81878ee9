"""Dutch names, descriptions and choice labels for the slash commands.

Commands are declared in English; the Dutch catalogue maps each English source
string to its translation. English clients see the source strings.
"""

from __future__ import annotations

import discord
from discord import app_commands

from bot.i18n import command_text


class VerbinderTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if locale is not discord.Locale.dutch:
            return None
        key = string.extras.get("key", string.message)
        return command_text("nl", key)
