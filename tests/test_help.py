"""/help lists what a member can do, as clickable command mentions; moderators also see what they can set up."""

from __future__ import annotations

import discord

from bot.simulation import member_locales
from tests.sim import synced_guild


async def test_members_see_their_commands_and_moderators_also_see_setup(simcord_env):
    env = simcord_env
    guild = await synced_guild(env, name="Sociaal Midden-Brabant")
    general = guild.create_text_channel("algemeen")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_guild=True))
    officer = guild.add_member(env.create_user("fien", global_name="Fien"), roles=[mods])
    anouk = guild.add_member(env.create_user("anouk", global_name="Anouk"))
    intro = env.backend.find_command("intro", guild.id)

    shown = await anouk.slash(general, "help")
    embed = shown.response.embeds[0]
    assert shown.ephemeral and embed.title == "What you can do with Verbinder"
    assert f"</intro join:{intro['id']}> — Receive introductions" in embed.description
    assert "</intro setup:" not in embed.description and "For moderators" not in embed.description

    for_officer = (await officer.slash(general, "help")).response.embeds[0]
    assert "**For moderators**" in for_officer.description
    assert f"</intro setup:{intro['id']}>" in for_officer.description
    assert len(for_officer.description) <= 4096


async def test_help_speaks_dutch_to_dutch_members(simcord_env):
    env = simcord_env
    guild = await synced_guild(env, name="Sociaal Midden-Brabant")
    general = guild.create_text_channel("algemeen")
    bram = guild.add_member(env.create_user("bram", global_name="Bram"))
    with member_locales({bram.id: "nl"}):
        embed = (await bram.slash(general, "help")).response.embeds[0]
    assert embed.title == "Wat je met Verbinder kunt doen"
    assert "— Ontvang (via DM) kennismakingen met leden die bij je passen" in embed.description


def test_a_long_list_stays_within_discord_limits_and_says_how_many_more():
    from cogs.help.render import HelpLine, help_embed

    lines = [HelpLine(f"cmd{i:03}", f"</cmd{i:03}:1>", "x" * 80, False) for i in range(200)]
    embed = help_embed("nl", lines)
    assert len(embed.description) <= 4096
    shown = embed.description.count("</cmd")
    assert embed.description.endswith(f"… en nog {200 - shown} opdrachten")


async def test_every_moderator_command_is_hidden_from_members_and_checked_when_it_runs(simcord_env):
    from discord import app_commands

    from bot.ui import is_moderator

    commands = [c for c in simcord_env.bot.tree.walk_commands() if isinstance(c, app_commands.Command)]
    checked = {c.qualified_name for c in commands if is_moderator in c.checks}

    def hidden_from_members(node: app_commands.Command | app_commands.Group | None) -> bool:
        while node is not None:  # set on the command or on its group
            if node.default_permissions is not None and node.default_permissions.manage_guild:
                return True
            node = node.parent
        return False

    hidden = {c.qualified_name for c in commands if hidden_from_members(c)}
    assert {"intro setup", "event create", "challenge post", "value setup", "synonym add"} <= checked
    assert checked == hidden
