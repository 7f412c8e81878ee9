"""Event setup input (issue 14 item 9): a reminder-setting error quotes all of what was typed,
clipped safely, and names the part that is wrong; nothing is changed."""

from __future__ import annotations

import discord

from bot.services import guilds
from tests.sim import synced_guild, take_user_errors


async def test_a_bad_reminder_setting_quotes_the_whole_input(simcord_env):
    env = simcord_env
    guild = await synced_guild(env)
    general = guild.create_text_channel("algemeen")
    channel = guild.create_text_channel("evenementen")
    officer = guild.add_member(
        env.create_user("officer"),
        roles=[guild.create_role("Innovatie", permissions=discord.Permissions(manage_guild=True))],
    )
    await officer.slash(general, "event setup", channel=channel, reminders="2d,1h")
    refused = await officer.slash(general, "event setup", channel=channel, reminders="7d, 1d, 3x, 1h")
    assert refused.ephemeral and refused.response.content == (
        "I cannot use the reminders “7d, 1d, 3x, 1h”: “3x” is not a reminder time. Use days, hours or minutes "
        "between 5m and 30d, separated by commas, e.g. 7d,1d,1h (or none)."
    )
    long = "7d, " * 30 + "@everyone"
    clipped = await officer.slash(general, "event setup", channel=channel, reminders=long)
    quoted = clipped.response.content.split("“")[1].split("”")[0]
    assert len(quoted) == 60 and quoted.endswith("…") and quoted.startswith("7d, 7d, ")
    mentions = await officer.slash(general, "event setup", channel=channel, reminders="@everyone")
    assert "“@\u200beveryone”" in mentions.response.content  # made inert
    assert len(take_user_errors(env)) == 3
    async with env.bot.db.session() as session:
        assert (await guilds.get_settings(session, guild.id)).event_reminders == "2d,1h"
