"""`entraide adopt --community <id>` in a network (issue 22): the chosen community's server is fetched and
its members adopted under that community's key only; no id means the first community, an unknown id is
refused naming the network's communities."""
from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.config import ConfigError, parse_config
from storage.database import open_database
from tests.discord.conftest import DiscordSim

OTHER_GUILD = "111111111111111111"


async def test_adopt_takes_the_chosen_communitys_server_only(
    dsim: DiscordSim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    from cogs import adopt

    fetched: list[int] = []

    async def members(token: str, guild_id: int) -> list[discord.Member]:
        fetched.append(guild_id)
        return list(dsim.guild.members) if guild_id == dsim.guild.id else []

    monkeypatch.setattr(adopt, "fetch_members", members)
    config = parse_config({
        "community": {"name": "Entraide"},
        "network": {"name": "Réseau"},
        "communities": [{"id": "lilas", "name": "Les Lilas", "guild_id": OTHER_GUILD},
                        {"id": "quai", "name": "Le Quai", "guild_id": str(dsim.guild.id), "locale": "en"}],
    })
    db = tmp_path / "cli.sqlite"
    assert await adopt.adopt_from_command_line(config, db, "token", "accepted", community="quai") == 0
    humans = [m for m in dsim.guild.members if not m.bot]
    assert fetched == [dsim.guild.id]
    assert f"{len(humans)} members" in capsys.readouterr().out  # Le Quai's language
    assert await adopt.adopt_from_command_line(config, db, "token", "accepted") == 0  # the first: Les Lilas
    assert fetched == [dsim.guild.id, int(OTHER_GUILD)]
    database = await open_database(db)
    try:
        rows = await database.reader.execute_fetchall(
            "SELECT m.guild_id, COUNT(*) FROM member_adoption a JOIN member m ON m.id = a.member_id GROUP BY 1")
    finally:
        await database.close()
    assert [tuple(r) for r in rows] == [(str(dsim.guild.id), len(humans))]  # nobody adopted into Les Lilas
    with pytest.raises(ConfigError, match="lilas, quai"):
        await adopt.adopt_from_command_line(config, db, "token", "accepted", community="nowhere")
