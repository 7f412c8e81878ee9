"""SHARD_COUNT: the same bot over several gateway connections in one process (AutoShardedBot)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot import create_bot
from bot.app import Bot, ShardedBot
from bot.config import Settings
from models import Member
from tests.sim import synced_guild


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(_env_file=None, discord_token=None, database_url=db_url, dev_guild_id=None, shard_count=2)


def test_one_connection_unless_shards_are_asked_for(db_url):
    plain = Settings(_env_file=None, database_url=db_url)
    assert type(create_bot(plain)) is Bot
    auto = create_bot(Settings(_env_file=None, database_url=db_url, shard_count="auto"))
    assert isinstance(auto, ShardedBot) and auto.shard_count is None  # Discord recommends the count
    fixed = create_bot(Settings(_env_file=None, database_url=db_url, shard_count=3))
    assert isinstance(fixed, ShardedBot) and fixed.shard_count == 3


async def test_a_sharded_bot_serves_servers_on_every_shard(simcord_env):
    env = simcord_env
    assert isinstance(env.bot, ShardedBot) and env.bot.shard_count == 2
    guilds = [await synced_guild(env, shard_id=shard) for shard in (0, 1, 0, 1)]
    assert sorted(g.shard_id for g in env.bot.guilds) == [0, 0, 1, 1]
    for guild in guilds:
        channel = guild.create_text_channel("algemeen")
        member = guild.add_member(env.create_user(f"m{guild.id}"))
        await member.slash(channel, "offer add", text="fietsen repareren")
        await member.slash(channel, "intro join")
    async with env.bot.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Member).where(Member.intro_joined)) == 4
