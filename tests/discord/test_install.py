"""A first install on a real server, through discord.py: adoption, one server, languages, names, setup check."""
from __future__ import annotations

import asyncio
import json
import types
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import backend as dpy_backend
from discord.ext.test import factories

from bot.config import Config
from storage import members as members_repo
from storage.database import open_database
from tests.discord.conftest import DiscordSim


async def member_row(dsim: DiscordSim, user: discord.abc.User) -> members_repo.Member | None:
    ctx = dsim.engine.ctx
    return await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, str(user.id))


async def counts(dsim: DiscordSim) -> tuple[int, int]:
    reader = dsim.engine.ctx.db.reader
    members = (await reader.execute_fetchall("SELECT COUNT(*) FROM member"))[0][0]
    outbox = (await reader.execute_fetchall("SELECT COUNT(*) FROM outbox"))[0][0]
    return members, outbox


async def outbox_kinds(dsim: DiscordSim) -> dict[str, int]:
    rows = await dsim.engine.ctx.db.reader.execute_fetchall("SELECT kind, COUNT(*) FROM outbox GROUP BY kind")
    return {row[0]: row[1] for row in rows}


def other_server(monkeypatch, left: list[int] | None = None) -> discord.Guild:  # noqa: ANN001
    """Another server the bot was invited to (leaving it is recorded, not sent)."""
    async def leave(self: discord.Guild) -> None:
        if left is not None:
            left.append(self.id)

    monkeypatch.setattr(discord.Guild, "leave", leave)
    return dpy_backend.make_guild("Elsewhere")


async def test_a_command_from_another_server_is_refused_and_touches_nothing(dsim: DiscordSim, monkeypatch) -> None:  # noqa: ANN001
    other = other_server(monkeypatch)
    stranger = dpy_backend.make_member(dpy_backend.make_user("mallory", 1), other)
    before = await counts(dsim)
    payload = dsim._base(2, dsim.members["alice"], "en-US")
    cmd = dsim.find_command("request new")
    payload["guild_id"] = str(other.id)
    payload["member"] = dsim._member_payload(stranger)
    payload["channel"].update(guild_id=str(other.id), position=0)
    payload["data"] = {"id": "1", "type": 1, "name": cmd.parent.name, "resolved": {}, "options": [
        {"type": 1, "name": cmd.name, "options": [{"name": "title", "type": 3, "value": "Fuite"},
                                                   {"name": "skills", "type": 3, "value": "plomberie"}]}]}
    out = await dsim._dispatch(payload)
    assert len(out) == 1 and out[0].ephemeral and "another community" in out[0].content
    assert dsim.calls == []
    assert await counts(dsim) == before
    assert not await dsim.deliver()


async def test_a_bot_invited_elsewhere_leaves_that_server(dsim: DiscordSim, monkeypatch) -> None:  # noqa: ANN001
    left: list[int] = []
    other = other_server(monkeypatch, left)
    await dsim.bot.on_guild_join(other)
    await dsim.bot.on_guild_join(dsim.guild)
    assert left == [other.id]


async def test_interactions_in_english_bring_english_dms_until_a_language_is_chosen(dsim: DiscordSim) -> None:
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    dsim.give_role(alice, dsim.roles["animator"])
    await dsim.command(bob, "help", locale="en-US")
    assert (await member_row(dsim, bob)).locale == "en"
    await dsim.command(alice, "mod warn", member=bob, reason="spam")
    dms = [m for m in await dsim.deliver() if isinstance(m.channel, discord.DMChannel)]
    assert dms and dms[0].content.startswith("Hello"), dms[0].content
    # `profile set language:fr` wins over the client's language from then on.
    await dsim.command(bob, "profile set", locale="en-US", language="fr")
    assert dsim.calls[-1].reply.ok, dsim.calls[-1].reply.text
    await dsim.command(bob, "help", locale="en-US")
    assert (await member_row(dsim, bob)).locale == "fr"
    await dsim.command(alice, "mod warn", member=bob, reason="spam")
    dms = [m for m in await dsim.deliver() if isinstance(m.channel, discord.DMChannel)]
    assert dms and dms[0].content.startswith("Bonjour"), dms[0].content


async def test_a_newcomer_is_greeted_in_the_servers_language(dsim: DiscordSim) -> None:
    dsim.guild.preferred_locale = discord.Locale.american_english  # dpytest cannot send a GUILD_UPDATE
    erin = await dpytest.member_join(0, name="erin")
    await dpytest.run_all_events()
    assert (await member_row(dsim, erin)).locale == "en"
    dms = [m for m in await dsim.deliver() if isinstance(m.channel, discord.DMChannel)]
    assert dms and dms[0].content.startswith("Welcome"), dms[0].content


async def test_posts_show_server_display_names(dsim: DiscordSim) -> None:
    bob = dsim.members["bob"]
    await dsim.command(bob, "profile set", skills="plomberie")
    dpy_backend.update_member(bob, nick="Bob le plombier")
    await dpytest.run_all_events()
    assert (await member_row(dsim, bob)).handle == "Bob le plombier"
    await dsim.command(dsim.members["alice"], "directory", skill="plomberie")
    reply = dsim.calls[-1].reply
    assert "Bob le plombier" in reply.text, reply.text  # what people read: the server display name
    assert reply.data["members"] == [str(bob.id)], reply.data  # `data` names members by reference (the user)


async def test_setup_check_reports_a_hidden_channel_and_a_role_above_the_bots(dsim: DiscordSim) -> None:
    alice = dsim.members["alice"]
    dsim.give_role(alice, dsim.roles["animator"])
    me = dsim.guild.me
    bot_role = dsim.add_role("Entraide", manage_roles=True, moderate_members=True, view_channel=True,
                             send_messages=True, create_public_threads=True, send_messages_in_threads=True,
                             attach_files=True)
    dpy_backend.update_role(bot_role, position=5) if "position" in dpy_backend.update_role.__code__.co_varnames \
        else None
    dsim.give_role(me, bot_role)
    mod_log = dsim.channel("mod-log")
    dpy_backend.update_text_channel(mod_log, dsim.guild.default_role, discord.PermissionOverwrite(view_channel=False))
    dsim.roles["member-of-the-month"].position = 9
    bot_role.position = 5
    dsim.roles["member"].position = 2
    await dsim.command(alice, "setup check", locale="en-US")
    reply = dsim.calls[-1].reply
    bad = [c for c in reply.data["checks"] if not c["ok"]]
    whats = [c["what"] for c in bad]
    assert "#mod-log: the bot can see the channel" in whats, whats
    assert "role member-of-the-month: the bot can give and remove it" in whats, whats
    assert "role member: the bot can give and remove it" not in whats
    fixes = " ".join(c["fix"] for c in bad)
    assert "View Channel" in fixes and "drag the role Entraide above member-of-the-month" in fixes, fixes


async def test_adopting_a_thousand_members_welcomes_nobody_and_a_later_joiner_is_welcomed(
    dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = dsim.members["alice"]
    dsim.give_role(alice, dsim.roles["animator"])
    # Members who were on the server before the bot: they come in a GUILD_MEMBERS_CHUNK, not as joins.
    old = []
    for n in range(1000):
        user = factories.make_user_dict(f"old{n}", n + 1, None, id_num=10**15 + n)
        old.append({"user": user, "roles": [], "joined_at": f"2024-03-0{1 + n % 9}T10:00:00+00:00",
                    "deaf": False, "mute": False, "flags": 0, "nick": f"Ancien {n}" if n % 2 else None})
    state = dsim.bot._connection

    async def request_members(guild_id: int, query: str = "", limit: int = 0, presences: bool = False, *,
                               nonce: str | None = None) -> None:
        """The gateway answers a REQUEST_GUILD_MEMBERS with the server's members, in one chunk."""
        chunk = {"guild_id": str(guild_id), "members": old, "chunk_index": 0, "chunk_count": 1, "nonce": nonce}
        asyncio.get_running_loop().call_soon(state.parse_guild_members_chunk, chunk)

    monkeypatch.setattr(state, "chunker", request_members)
    # dpytest turns chunking off (and its state has no loop); discord.py's own chunk_guild sends the
    # request and waits for the chunk.
    monkeypatch.setattr(state, "loop", asyncio.get_running_loop())
    monkeypatch.setattr(state, "chunk_guild", types.MethodType(discord.state.ConnectionState.chunk_guild, state))
    out = await dsim.command(alice, "setup adopt")
    reply = dsim.calls[-1].reply
    assert reply.ok and reply.data["adopted"] >= 1000, reply.text
    assert out[-1].ephemeral
    assert [r for r in out if r.kind == "edit"], out  # progress was shown
    row = await members_repo.by_platform_id(dsim.engine.ctx.db.reader, dsim.engine.ctx.guild_id, str(10**15 + 7))
    assert row is not None and row.handle == "Ancien 7" and row.charter_accepted_at is not None
    assert row.joined_at == 1709892000  # 2024-03-08T10:00Z: their Discord join date is their tenure
    kinds = await outbox_kinds(dsim)
    assert not {"welcome", "godparent-intro", "godparent-needed", "checkin", "charter"} & set(kinds), kinds
    assert kinds.get("role", 0) >= 1000  # the member role, paced
    again = await dsim.command(alice, "setup adopt")
    assert dsim.calls[-1].reply.data["adopted"] == 0, again
    erin = await dpytest.member_join(0, name="erin")
    await dpytest.run_all_events()
    kinds_after = await outbox_kinds(dsim)
    assert kinds_after.get("welcome", 0) == 1
    member = dsim.guild.get_member(erin.id)
    await dsim.click(member, [{"custom_id": "charter:accept", "label": "ok"}], "charter:accept", dm=True)
    assert dsim.calls[-1].reply.ok
    kinds_after = await outbox_kinds(dsim)
    assert kinds_after.get("welcome", 0) == 3  # the DM, the public welcome, the profile invitation


async def test_a_role_grant_refused_by_discord_is_one_mod_log_post_a_day(
    dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """50013 on the member role: the animators read what failed, why and how to fix it, once that day."""
    async def refuse(self: object, *args: object, **kwargs: object) -> None:
        raise discord.Forbidden(SimpleNamespace(status=403, reason="Forbidden"),
                                {"code": 50013, "message": "Missing Permissions"})

    monkeypatch.setattr(type(dsim.bot.http), "add_role", refuse)
    accept = [{"custom_id": "charter:accept", "label": "ok"}]
    newcomers = []
    for name in ("erin", "frank", "gina"):  # newcomers: accepting the charter grants the member role
        user = await dpytest.member_join(0, name=name)
        await dpytest.run_all_events()
        newcomers.append(dsim.guild.get_member(user.id))
    for member in newcomers[:2]:
        await dsim.click(member, accept, "charter:accept", dm=True)
        assert dsim.calls[-1].reply.ok, dsim.calls[-1].reply.text
    sent = await dsim.deliver()
    sent += await dsim.deliver()
    mod_log = [m for m in sent if getattr(m.channel, "name", None) == "mod-log"]
    assert len(mod_log) == 1, [m.content for m in sent]
    text = mod_log[0].content
    assert "member" in text and "Manage" in text or "Gérer les rôles" in text, text
    assert dsim.roles["member"] not in dsim.guild.get_member(newcomers[0].id).roles
    # The next day, the same failure is reported again (once).
    clock = dsim.engine.ctx.clock
    clock.set(clock.now() + timedelta(days=1))
    await dsim.click(newcomers[2], accept, "charter:accept", dm=True)
    sent = await dsim.deliver()
    assert len([m for m in sent if getattr(m.channel, "name", None) == "mod-log"]) == 1


async def test_the_setup_check_runs_at_start_up_and_posts_to_mod_log_when_it_changed(
    dsim: DiscordSim, caplog: pytest.LogCaptureFixture,
) -> None:
    dsim.roles["member"].position = 9  # above every role the bot has: it cannot give it
    await dsim.bot.check_setup_at_start()
    posts = [m for m in await dsim.deliver() if getattr(m.channel, "name", None) == "mod-log"]
    assert len(posts) == 1 and "setup check" in posts[0].content and "member" in posts[0].content
    await dsim.bot.check_setup_at_start()  # a restart with the same result: nothing new
    assert not [m for m in await dsim.deliver() if getattr(m.channel, "name", None) == "mod-log"]
    # mod-log hidden from the bot: the result goes to the log instead.
    dpy_backend.update_text_channel(dsim.channel("mod-log"), dsim.guild.default_role,
                                    discord.PermissionOverwrite(view_channel=False))
    with caplog.at_level("WARNING"):
        await dsim.bot.check_setup_at_start()
    assert not [m for m in await dsim.deliver() if getattr(m.channel, "name", None) == "mod-log"]
    assert any("#mod-log" in r.getMessage() for r in caplog.records)


async def test_the_digest_and_the_ballot_show_server_display_names(dsim: DiscordSim) -> None:
    alice, bob = dsim.members["alice"], dsim.members["bob"]
    dsim.give_role(alice, dsim.roles["animator"])
    dpy_backend.update_member(bob, nick="Bob le plombier")  # GUILD_MEMBER_UPDATE
    await dpytest.run_all_events()
    await dsim.command(alice, "thanks", member=bob, reason="la fuite")
    await dsim.command(alice, "motm open")
    assert dsim.calls[-1].reply.ok, dsim.calls[-1].reply.text
    await dsim.engine.scheduler.advance_to(datetime.fromisoformat("2026-12-07T10:05:00+01:00"))
    rows = await dsim.engine.ctx.db.reader.execute_fetchall(
        "SELECT kind, payload FROM outbox WHERE kind IN ('motm-poll', 'weekly-digest') ORDER BY id")
    by_kind = {kind: json.loads(payload) for kind, payload in rows}
    ballot = json.dumps(by_kind["motm-poll"], ensure_ascii=False)
    assert "Bob le plombier" in ballot and '"bob"' not in ballot, ballot
    assert "Bob le plombier" in by_kind["weekly-digest"]["text"], by_kind["weekly-digest"]["text"]


async def test_entraide_adopt_on_the_command_line(
    dsim: DiscordSim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """The same adoption from the command line, with the members Discord lists (here dpytest's)."""
    from cogs import adopt

    async def members(token: str, guild_id: int) -> list[discord.Member]:
        assert guild_id == dsim.guild.id
        return list(dsim.guild.members)

    monkeypatch.setattr(adopt, "fetch_members", members)
    config = Config.model_validate({"community": {"guild_id": dsim.bot.guild_id}})
    code = await adopt.adopt_from_command_line(config, tmp_path / "cli.sqlite", "token", "accepted")
    out = capsys.readouterr().out
    humans = [m for m in dsim.guild.members if not m.bot]
    assert code == 0 and f"{len(humans)} membres du serveur" in out and "Adoption des membres" in out, out
    db = await open_database(tmp_path / "cli.sqlite")
    try:
        rows = await db.reader.execute_fetchall("SELECT COUNT(*) FROM member_adoption")
        assert rows[0][0] == len(humans)
    finally:
        await db.close()
