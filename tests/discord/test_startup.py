"""Start-up that is quiet and safe: no voice warnings, one sentence when Discord is unreachable, commands
synced only when they changed, only the intents the bot uses, INFO logs in discord.py's format."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import discord
import pytest

from bot import cli
from bot.config import Config
from cogs import sync as command_sync
from cogs.bot import EntraideBot, bot_intents, run_bot
from tests.discord.conftest import DiscordSim


def config_with_guild(guild_id: str) -> Config:
    return Config.model_validate({"community": {"guild_id": guild_id}})


def test_an_unreachable_discord_is_one_sentence_in_the_communitys_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    async def no_network(self: discord.http.HTTPClient, token: str) -> None:
        raise OSError(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", no_network)
    code = run_bot(config_with_guild("123456789012345678"), tmp_path / "bot.sqlite", "token", sync="none")
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.count("\n") == 0 and err.startswith("Impossible de joindre Discord") and "Traceback" not in err


def test_no_voice_warnings(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    discord.VoiceClient.warn_nacl = True  # as in a fresh process
    discord.VoiceClient.warn_dave = True
    with caplog.at_level(logging.WARNING):
        EntraideBot(Config(), tmp_path / "bot.sqlite", sync="none", background=False)
    assert not [r for r in caplog.records if "voice" in r.getMessage()]


def test_only_the_intents_the_bot_uses() -> None:
    wanted = discord.Intents.none()
    wanted.guilds = wanted.members = wanted.guild_messages = True
    assert bot_intents() == wanted
    assert not bot_intents().message_content and not bot_intents().presences and not bot_intents().voice_states


def test_run_logs_at_info_with_discords_formatter(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    seen: dict[str, Any] = {}
    run = cli.cmd_run

    def run_and_look(args: Any) -> int:  # logging as the command sees it while it runs
        seen["level"], seen["formatters"] = root.level, [h.formatter for h in root.handlers]
        return run(args)

    monkeypatch.setattr(cli, "cmd_run", run_and_look)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert cli.main(["run"]) == cli.EXIT_USAGE  # no token: stops before connecting, logging is set up
    assert seen["level"] == logging.INFO
    assert any(isinstance(f, discord.utils._ColourFormatter) or "%(levelname)-8s" in getattr(f, "_fmt", "")
               for f in seen["formatters"])
    # and put back once main() returns: nothing left writing to this test's stderr after it is closed
    assert root.handlers == handlers and root.level == level


async def test_commands_are_synced_only_when_they_changed(dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch) -> None:
    bot = dsim.bot
    bot._connection.application_id = 42
    synced: list[Any] = []
    cleared: list[str] = []

    async def sync(*, guild: discord.abc.Snowflake | None = None) -> list[Any]:
        synced.append(guild.id if guild else "global")
        return [object()] * 3

    async def clear_guild(application_id: int, guild_id: int, payload: list[Any]) -> None:
        assert payload == []
        cleared.append("guild")

    async def clear_global(application_id: int, payload: list[Any]) -> None:
        assert payload == []
        cleared.append("global")

    monkeypatch.setattr(bot.tree, "sync", sync)
    monkeypatch.setattr(bot.http, "bulk_upsert_guild_commands", clear_guild)
    monkeypatch.setattr(bot.http, "bulk_upsert_global_commands", clear_global)
    guild_id = int(bot.guild_id)
    bot.sync_mode = "auto"
    await bot.sync_commands()  # first start: never synced
    await bot.sync_commands()  # same commands: nothing sent
    assert synced == [guild_id]
    bot.sync_mode = "force"
    await bot.sync_commands()
    assert synced == [guild_id, guild_id]
    # Switching to global removes the server's registrations, then later starts stay global.
    bot.sync_mode = "global"
    await bot.sync_commands()
    assert cleared == ["guild"] and synced[-1] == "global"
    bot.sync_mode = "auto"
    await bot.sync_commands()
    assert synced[-1] == "global" and len(synced) == 3
    # A changed command tree is synced again.
    bot.tree.remove_command("skills")
    await bot.sync_commands()
    assert len(synced) == 4


async def test_a_refused_sync_is_one_sentence(
    dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    bot = dsim.bot
    bot._connection.application_id = 42

    async def refuse(*, guild: discord.abc.Snowflake | None = None) -> list[Any]:
        from types import SimpleNamespace

        raise discord.Forbidden(SimpleNamespace(status=403, reason="Forbidden"),
                                {"code": 50001, "message": "Missing Access"})

    monkeypatch.setattr(bot.tree, "sync", refuse)
    bot.sync_mode = "force"
    with caplog.at_level(logging.INFO):
        await bot.sync_commands()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is None and "--sync" in errors[0].getMessage()
    assert command_sync.SCOPES == ("guild", "global")
