"""`entraide run`: clear sentences and non-zero exits when Discord or the config says no."""
from __future__ import annotations

import re
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


def readme_invite_permissions() -> tuple[list[str], str]:
    """The permission names the README's invite step lists (in bold), and the text around them."""
    doc = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    step = doc[doc.index("### 2. Invite it"):doc.index("### 3. Prepare the server")]
    listed = step[step.index("bot permissions"):step.index("Open the generated URL")]
    return re.findall(r"\*\*([^*]+)\*\*", listed), step


def permission_flag(name: str) -> str:
    """Discord's label → discord.py's flag: "View Channels" → view_channel, "Send Messages" → send_messages."""
    flag = name.lower().replace(" ", "_")
    return flag if hasattr(discord.Permissions, flag) else flag.removesuffix("s")


def test_the_readme_permissions_integer_is_the_listed_permissions() -> None:
    names, step = readme_invite_permissions()
    flags = [permission_flag(name) for name in names]
    assert all(hasattr(discord.Permissions, flag) for flag in flags), flags
    computed = discord.Permissions(**dict.fromkeys(flags, True)).value
    integers = set(re.findall(r"permissions=(\d+)", step)) | set(re.findall(r"integer: `(\d+)`", step))
    assert integers == {str(computed)}, (integers, computed)
    # Everything the bot does is in the list: see and post in channels, threads, files, roles, timeouts.
    needed = {"view_channel", "send_messages", "create_public_threads", "send_messages_in_threads", "attach_files",
              "read_message_history", "manage_roles", "moderate_members"}
    assert needed <= set(flags), needed - set(flags)
