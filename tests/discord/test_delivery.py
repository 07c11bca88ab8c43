"""The outbox delivered through discord.py against dpytest's server: DMs, fallbacks, threads, roles, timeouts."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot import outbox
from cogs.delivery import classify
from storage import members as members_repo
from storage import platform_refs
from tests.discord.conftest import DiscordSim


async def member_row(dsim: DiscordSim, user: discord.Member) -> members_repo.Member:
    await dsim.engine.ensure_member(str(user.id), user.name)
    row = await members_repo.by_platform_id(dsim.engine.ctx.db.reader, dsim.engine.ctx.guild_id, str(user.id))
    assert row is not None
    return row


async def status_of(dsim: DiscordSim, outbox_id: int) -> tuple[str, int, str]:
    async with dsim.engine.ctx.db.reader.execute(
        "SELECT status, attempts, target FROM outbox WHERE id = ?", (outbox_id,)
    ) as cur:
        row = await cur.fetchone()
    return row[0], row[1], row[2]


def http_error(status: int, code: int, cls: type[discord.HTTPException] = discord.HTTPException) -> Exception:
    return cls(SimpleNamespace(status=status, reason="x"), {"code": code, "message": "refused"})


async def test_dm_goes_to_the_user_with_its_nonce_and_components(
    dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = dsim.members["bob"]
    recipients: list[int] = []
    views: list[discord.ui.View] = []
    real_send = discord.User.send

    async def spy(self: discord.User, *args: Any, **kwargs: Any) -> discord.Message:
        recipients.append(self.id)
        views.append(kwargs["view"])
        return await real_send(self, *args, **kwargs)

    monkeypatch.setattr(discord.User, "send", spy)
    ctx = dsim.engine.ctx
    row = await member_row(dsim, bob)
    async with ctx.db.transaction() as tx:
        oid = await outbox.send_dm(tx, ctx, row, "nudge", "Coucou Bob",
                                   components=[outbox.Component("nudges:off", "Plus de rappels")])
    sent = await dsim.deliver()
    assert len(sent) == 1
    message = sent[0]
    assert isinstance(message.channel, discord.DMChannel)
    assert recipients == [bob.id]
    assert [item.custom_id for item in views[0].children] == ["nudges:off"]  # type: ignore[attr-defined]
    assert message.content == "Coucou Bob"
    assert str(message.nonce) == str(oid)
    assert (await status_of(dsim, oid))[0] == "sent"


async def test_closed_dms_fall_back_to_a_mention_and_flag_the_member(
    dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    bob = dsim.members["bob"]
    ctx = dsim.engine.ctx
    row = await member_row(dsim, bob)

    async def refuse(self: discord.User, *args: Any, **kwargs: Any) -> None:
        raise http_error(403, 50007, discord.Forbidden)

    monkeypatch.setattr(discord.User, "send", refuse)
    async with ctx.db.transaction() as tx:
        oid = await outbox.send_dm(tx, ctx, row, "checkin", "Comment ça va ?")
    sent = await dsim.deliver()
    assert len(sent) == 1
    post = sent[0]
    assert post.channel.name == ctx.config.channels.general
    assert post.content.startswith(f"<@{bob.id}>") and "Comment ça va ?" in post.content
    assert (await status_of(dsim, oid))[0] == "sent"
    flagged = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, str(bob.id))
    assert flagged is not None and flagged.dms_closed


async def test_mentions_allow_only_the_named_users(dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch) -> None:
    captured: dict[str, Any] = {}
    real_send = discord.TextChannel.send

    async def spy(self: discord.TextChannel, *args: Any, **kwargs: Any) -> discord.Message:
        captured.update(kwargs)
        return await real_send(self, *args, **kwargs)

    monkeypatch.setattr(discord.TextChannel, "send", spy)
    bob = dsim.members["bob"]
    ctx = dsim.engine.ctx
    async with ctx.db.transaction() as tx:
        await outbox.post(tx, ctx, "general", "thanks", f"Merci <@{bob.id}> ! @everyone", mentions=[str(bob.id)])
    await dsim.deliver()
    allowed = captured["allowed_mentions"].to_dict()
    assert allowed["users"] == [bob.id]
    assert allowed["parse"] == []


async def test_a_request_post_opens_a_thread_and_updates_land_in_it(
    dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = dsim.engine.ctx
    channel = dsim.channel("help-requests")
    opened: list[str] = []

    async def start_thread(channel_id: int, message_id: int, *, name: str, **_: Any) -> dict[str, Any]:
        opened.append(name)
        return {
            "id": str(9_000_000_000 + len(opened)), "guild_id": str(dsim.guild.id), "parent_id": str(channel_id),
            "owner_id": str(dsim.bot.user.id), "name": name, "type": 11, "message_count": 0, "member_count": 0,
            "rate_limit_per_user": 0, "thread_metadata": {
                "archived": False, "auto_archive_duration": 1440, "locked": False,
                "archive_timestamp": "2026-12-01T08:00:00+00:00"},
        }

    monkeypatch.setattr(dsim.bot.http, "start_thread_with_message", start_thread)
    async with ctx.db.transaction() as tx:
        await outbox.post(tx, ctx, "help-requests", "request", "Fuite sous l'évier", create_thread="Demande #1")
    first = await dsim.deliver()
    assert [m.channel.id for m in first] == [channel.id]
    assert opened == ["Demande #1"]
    ref = await platform_refs.get_ref(ctx.db.reader, ctx.guild_id, "thread:Demande #1")
    assert ref == "9000000001"
    async with ctx.db.transaction() as tx:
        await outbox.post(tx, ctx, "help-requests", "request-update", "Bob s'en occupe", thread="Demande #1")
    second = await dsim.deliver()
    assert len(second) == 1
    assert second[0].channel.id == 9000000001
    # A thread the bot never opened falls back to the channel itself.
    async with ctx.db.transaction() as tx:
        await outbox.post(tx, ctx, "help-requests", "request-update", "Mise à jour", thread="Demande #404")
    third = await dsim.deliver()
    assert [m.channel.id for m in third] == [channel.id]


async def test_role_changes_and_timeouts_reach_the_member(dsim: DiscordSim) -> None:
    carol = dsim.members["carol"]
    ctx = dsim.engine.ctx
    row = await member_row(dsim, carol)
    async with ctx.db.transaction() as tx:
        add = await outbox.change_role(tx, ctx, row, "member-of-the-month", add=True)
    await dsim.deliver()
    assert dsim.roles["member-of-the-month"] in dsim.guild.get_member(carol.id).roles
    assert (await status_of(dsim, add))[0] == "sent"
    async with ctx.db.transaction() as tx:
        await outbox.change_role(tx, ctx, row, "member-of-the-month", add=False)
        timeout = await outbox.apply_timeout(tx, ctx, row, ctx.now() + timedelta(minutes=10), "spam")
    await dsim.deliver()
    assert dsim.roles["member-of-the-month"] not in dsim.guild.get_member(carol.id).roles
    assert (await status_of(dsim, timeout))[0] == "sent"


async def test_unknown_channel_or_role_fails_without_blocking_the_rest(dsim: DiscordSim) -> None:
    ctx = dsim.engine.ctx
    row = await member_row(dsim, dsim.members["carol"])
    async with ctx.db.transaction() as tx:
        lost = await outbox.post(tx, ctx, "no-such-channel", "reminder", "…")
        bad_role = await outbox.change_role(tx, ctx, row, "no-such-role", add=True)
        fine = await outbox.post(tx, ctx, "general", "reminder", "Réunion ce soir")
    sent = await dsim.deliver()
    assert [m.content for m in sent if m.channel.name == "general"] == ["Réunion ce soir"]
    # Each refusal is told to the animators in mod-log (what, why, how to fix), nowhere else.
    reports = [m.content for m in sent if m.channel.name == "mod-log"]
    assert len(reports) == 2 and "no-such-channel" in reports[0] and "no-such-role" in reports[1], reports
    assert len(sent) == 3
    assert (await status_of(dsim, lost))[0] == "failed"
    assert (await status_of(dsim, bad_role))[0] == "failed"
    assert (await status_of(dsim, fine))[0] == "sent"


async def test_opening_dms_too_fast_slows_the_pacing_and_retries(
    dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = dsim.engine.ctx
    row = await member_row(dsim, dsim.members["bob"])

    async def too_fast(self: discord.User, *args: Any, **kwargs: Any) -> None:
        raise http_error(429, 40003)

    monkeypatch.setattr(discord.User, "send", too_fast)
    rate = dsim.engine.dispatcher.bucket.rate
    async with ctx.db.transaction() as tx:
        oid = await outbox.send_dm(tx, ctx, row, "nudge", "Coucou")
    assert await dsim.deliver() == []
    status, attempts, target = await status_of(dsim, oid)
    assert (status, attempts, target) == ("pending", 1, f"dm:{row.platform_id}")
    assert dsim.engine.dispatcher.bucket.rate < rate


def test_failures_are_sorted_for_the_dispatcher() -> None:
    assert isinstance(classify(http_error(403, 50007, discord.Forbidden), dm=True), outbox.DMClosed)
    too_fast = classify(http_error(429, 40003), dm=True)
    assert isinstance(too_fast, outbox.TransientDeliveryError) and too_fast.slow_down
    assert isinstance(classify(http_error(503, 0), dm=False), outbox.TransientDeliveryError)
    assert isinstance(classify(http_error(429, 0), dm=False), outbox.TransientDeliveryError)
    assert isinstance(classify(TimeoutError(), dm=False), outbox.TransientDeliveryError)
    assert isinstance(classify(http_error(403, 50001, discord.Forbidden), dm=False), outbox.PermanentDeliveryError)
    assert isinstance(classify(http_error(403, 50007, discord.Forbidden), dm=False), outbox.PermanentDeliveryError)
