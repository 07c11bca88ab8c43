"""`entraide run`: clear sentences and non-zero exits when Discord or the config says no."""
from __future__ import annotations

from pathlib import Path

import discord
import pytest

from bot.config import Config
from cogs.bot import run_bot


def config_with_guild(guild_id: str) -> Config:
    return Config.model_validate({"community": {"guild_id": guild_id}})


def test_a_bad_token_fails_with_one_clear_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def refuse(self: discord.http.HTTPClient, token: str) -> None:
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", refuse)
    code = run_bot(config_with_guild("123456789012345678"), tmp_path / "bot.sqlite", "not-a-token", sync="none")
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.count("\n") == 0 and "token" in err and "Traceback" not in err


def test_a_missing_guild_id_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_bot(Config(), tmp_path / "bot.sqlite", "token", sync="guild")
    assert code == 2
    assert "community.guild_id" in capsys.readouterr().err


def test_the_readme_permissions_integer_is_the_listed_permissions() -> None:
    wanted = discord.Permissions(
        manage_roles=True, moderate_members=True, send_messages=True, create_public_threads=True,
        send_messages_in_threads=True, embed_links=True, attach_files=True, read_message_history=True,
    )
    doc = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"`{wanted.value}`" in doc
