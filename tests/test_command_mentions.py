"""Public posts name commands as Discord command mentions: clickable, in the reader's own language."""

from __future__ import annotations

from bot.simulation import as_bot
from tests.sim import synced_guild


async def test_a_synced_command_is_named_by_its_id_and_an_unknown_one_by_its_name(simcord_env):
    env = simcord_env
    guild = await synced_guild(env, name="Sociaal Midden-Brabant")
    other = env.create_guild(name="Nog niet gesynchroniseerd")
    command = env.backend.find_command("intro", guild.id)
    with as_bot(env):
        assert await env.bot.command_mention(guild.id, "intro join") == f"</intro join:{command['id']}>"
        assert await env.bot.command_mention(guild.id, "no-such-command") == "/no-such-command"
        assert await env.bot.command_mention(other.id, "intro join") == "/intro join"
