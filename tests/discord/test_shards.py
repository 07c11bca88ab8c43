"""`entraide run --shards 0,1 --shard-count 4`: discord.py's AutoShardedBot holding those shards,
serving the network's communities whose servers Discord puts on them ((id >> 22) % count)."""
from __future__ import annotations

import argparse
from types import SimpleNamespace

import discord

from bot.cli import _shards
from bot.config import Config
from cogs.bot import EntraideBot, ShardedEntraideBot, shard_of


def guild_on(shard: int, count: int) -> str:
    return str((1000 * count + shard) << 22 | 12345)  # a snowflake whose timestamp part picks the shard


async def test_a_sharded_process_holds_its_shards_and_serves_their_communities(tmp_path) -> None:  # noqa: ANN001
    bot = ShardedEntraideBot(Config(), tmp_path / "x.sqlite", shard_ids=[0, 1], shard_count=4)
    assert isinstance(bot, discord.AutoShardedClient) and isinstance(bot, EntraideBot)
    assert (bot.shard_ids, bot.shard_count) == ([0, 1], 4)
    for shard in range(4):
        guild = guild_on(shard, 4)
        assert shard_of(guild, 4) == shard
        assert bot.serves(SimpleNamespace(guild_id=guild)) == (shard in (0, 1))
    assert not bot.serves(SimpleNamespace(guild_id=""))


def test_shard_options_go_together_and_stay_below_the_count() -> None:
    def parse(shards: str | None, count: int | None):  # noqa: ANN202
        return _shards(argparse.Namespace(shards=shards, shard_count=count))

    assert parse(None, None) == (None, None)
    assert parse("1,0", 4) == ([0, 1], 4)
    assert parse("0,4", 4) is None
    assert parse("0", None) is None
    assert parse("a", 2) is None
    assert parse("0,0", 2) is None and parse("0,,1", 2) is None and parse("", 2) is None  # typos, refused
    assert parse(" 1, 0 ", 2) == ([0, 1], 2)
