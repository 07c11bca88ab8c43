"""Slash options accept exactly what the engine accepts: a member never types a long text only to hear
`invalid_input` afterwards (issue 17). Every option of the tree is compared with the registry."""
from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.app import load_command_modules
from bot.commands.registry import COMMANDS
from tests.discord.conftest import DiscordSim

# Slash options whose type differs from the engine's on purpose: Discord picks a member, a channel or a
# whole number of minutes, and the cog hands the engine its id or its text.
CONVERTED = {("mod timeout", "minutes")}
DISCORD_SAFE_INT = 2**53  # ids: the largest integer Discord's clients keep exact


def slash_commands(dsim: DiscordSim) -> dict[str, app_commands.Command[Any, ..., Any]]:
    """By the engine command each runs (`/event-admin new` runs `event new`)."""
    from bot.commands.hints import SLASH_PATHS

    engine_name = {path: name for name, path in SLASH_PATHS.items()}
    return {engine_name.get(cmd.qualified_name, cmd.qualified_name): cmd for cmd in dsim.bot.tree.walk_commands()
            if isinstance(cmd, app_commands.Command)}


async def test_every_slash_option_has_the_engines_limits(dsim: DiscordSim) -> None:
    load_command_modules()
    mismatches = []
    compared = 0
    for name, cmd in slash_commands(dsim).items():
        spec = COMMANDS.get(name)
        if spec is None:
            continue
        declared = {o.name: o for o in spec.options}
        for param in cmd.parameters:
            option = declared.get(param.name)
            if option is None or (name, param.name) in CONVERTED:
                continue
            compared += 1
            if param.type == discord.AppCommandOptionType.string and param.choices:
                assert {c.value for c in param.choices} <= set(option.choices or [c.value for c in param.choices])
            elif param.type == discord.AppCommandOptionType.string:
                if option.kind not in ("text", "csv", "choice", "member") or param.max_value != option.max_len:
                    mismatches.append((name, param.name, param.max_value, option.kind, option.max_len))
            elif param.type == discord.AppCommandOptionType.integer:
                assert option.kind == "int", (name, param.name)
                low = option.min_value if option.min_value is not None else 1
                high = option.max_value if option.max_value is not None else DISCORD_SAFE_INT
                if (param.min_value, param.max_value) != (low, high):
                    mismatches.append((name, param.name, (param.min_value, param.max_value), (low, high)))
            elif param.type == discord.AppCommandOptionType.boolean:
                assert option.kind == "bool", (name, param.name)
            elif param.type == discord.AppCommandOptionType.user:
                assert option.kind == "member", (name, param.name)
            elif param.type == discord.AppCommandOptionType.channel:
                assert option.kind == "text", (name, param.name)
    assert not mismatches, "\n".join(map(str, mismatches))
    assert compared > 60, compared


async def test_the_engine_accepts_what_the_slash_option_allows_at_its_largest(dsim: DiscordSim) -> None:
    """The limits are the engine's: text of exactly the slash maximum is accepted, one more is refused."""
    alice = dsim.members["alice"]
    dsim.give_role(alice, dsim.roles["admins"])
    cases = [("request new", {"title": "t" * 100, "details": "d" * 1000, "skills": "plomberie"}),
             ("profile set", {"bio": "b" * 500}),
             ("mod note", {"member": dsim.members["bob"], "text": "n" * 500}),
             ("remind add", {"when": "2026-12-24T18:00", "text": "r" * 1500}),
             ("vitality", {"days": 365})]
    for path, options in cases:
        await dsim.command(alice, path, **options)
        assert dsim.calls[-1].reply.ok, (path, dsim.calls[-1].reply.text)


async def test_remind_add_takes_a_channel_object_and_posts_there_by_id(dsim: DiscordSim) -> None:
    """`/remind add channel:` gives the engine the channel's id: a name with emoji works and a rename
    does not lose the reminder."""
    from datetime import timedelta

    from discord.ext.test import backend as dpy_backend

    alice = dsim.members["alice"]
    dsim.give_role(alice, dsim.roles["admins"])
    announcements = dpy_backend.make_text_channel("📢-annonces", dsim.guild)
    await dsim.command(alice, "remind add", when="2026-12-02T10:00", text="Réunion demain", channel=announcements)
    call = dsim.calls[-1]
    assert call.reply.ok, call.reply.text
    assert call.options and call.options["channel"] == str(announcements.id)
    assert f"<#{announcements.id}>" in call.reply.text
    announcements.name = "┃annonces-2027"  # renamed after the reminder was set
    await dsim.engine.scheduler.advance_to(dsim.engine.ctx.clock.now() + timedelta(days=1, hours=2))
    sent = await dsim.deliver()
    posted = [m for m in sent if m.channel.id == announcements.id]
    assert len(posted) == 1 and "Réunion demain" in posted[0].content, [(m.channel, m.content) for m in sent]
