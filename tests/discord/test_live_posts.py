"""Posts that live on Discord (issue 17), through discord.py's own objects: edits go through
`PartialMessage.edit` (channel or DM, no fetch), threads are renamed and archived through `Thread.edit`,
and Discord's refusals are sorted like a send's."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot import outbox
from bot.commands.registry import Actor
from tests.discord.conftest import DiscordSim


def actor(member: discord.Member, *roles: str) -> Actor:
    return Actor(platform_id=str(member.id), handle=member.name, roles=frozenset(roles))


class EditSpy:
    """Discord's HTTP `edit_message` as discord.py calls it: (channel id, message id, JSON payload)."""

    def __init__(self, dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch, fail: Exception | None = None) -> None:
        self.calls: list[tuple[int, int, dict[str, Any]]] = []
        self.fail = fail
        monkeypatch.setattr(dsim.bot.http, "edit_message", self.edit_message)

    async def edit_message(self, channel_id: int, message_id: int, *, params: Any) -> dict[str, Any]:
        if self.fail is not None:
            raise self.fail
        self.calls.append((int(channel_id), int(message_id), dict(params.payload or {})))
        return {"id": str(message_id), "channel_id": str(channel_id), "type": 0, "content": "",
                "author": {"id": "1", "username": "entraide", "discriminator": "0", "avatar": None},
                "timestamp": "2026-12-01T08:00:00+00:00", "edited_timestamp": None, "tts": False,
                "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
                "pinned": False, "flags": 0}


def open_threads(dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Discord's `start_thread_with_message` (dpytest has none): the thread's name is recorded."""
    names: list[str] = []

    async def start_thread(channel_id: int, message_id: int, *, name: str, **_: Any) -> dict[str, Any]:
        names.append(name)
        return thread_payload(dsim, channel_id, name)

    monkeypatch.setattr(dsim.bot.http, "start_thread_with_message", start_thread)
    return names


def thread_payload(dsim: DiscordSim, channel_id: int, name: str, archived: bool = False) -> dict[str, Any]:
    return {
        "id": "9000000001", "guild_id": str(dsim.guild.id), "parent_id": str(channel_id),
        "owner_id": str(dsim.bot.user.id), "name": name, "type": 11, "message_count": 0, "member_count": 0,
        "rate_limit_per_user": 0, "thread_metadata": {
            "archived": archived, "auto_archive_duration": 1440, "locked": False,
            "archive_timestamp": "2026-12-01T08:00:00+00:00"},
    }


def disabled(payload: dict[str, Any]) -> list[bool]:
    return [c.get("disabled", False) for row in payload.get("components") or [] for c in row["components"]]


async def test_a_claim_edits_the_request_post_and_the_other_helpers_dms(
    dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob, carol = dsim.members["alice"], dsim.members["bob"], dsim.members["carol"]
    engine = dsim.engine
    open_threads(dsim, monkeypatch)
    dms: dict[int, discord.Message] = {}
    real_send = discord.User.send

    async def send(self: discord.User, *args: Any, **kwargs: Any) -> discord.Message:
        message = await real_send(self, *args, **kwargs)
        dms.setdefault(self.id, message)  # the first: the ping (a "taken" DM follows the claim)
        return message

    monkeypatch.setattr(discord.User, "send", send)
    for helper in (bob, carol):
        assert (await engine.command(actor(helper), "profile set", {"skills": "plomberie"})).ok
    await dsim.deliver()
    dms.clear()
    created = await engine.command(actor(alice), "request new",
                                   {"title": "Fuite sous l'évier", "details": "L'eau coule", "skills": "plomberie"})
    assert created.ok, created.text
    sent = await dsim.deliver()
    [post] = [m for m in sent if isinstance(m.channel, discord.TextChannel) and m.channel.name == "help-requests"]
    assert {bob.id, carol.id} <= set(dms)
    spy = EditSpy(dsim, monkeypatch)
    claimed = await engine.command(actor(bob), "request claim", {"id": created.data["request_id"]})
    assert claimed.ok, claimed.text
    fresh = await dsim.deliver()
    assert not [m for m in fresh if getattr(m.channel, "name", None) == "help-requests"]  # no new post
    edited = {(channel_id, message_id): payload for channel_id, message_id, payload in spy.calls}
    post_edit = edited[(post.channel.id, post.id)]
    assert post_edit["content"].startswith(post.content) and "Prise en charge par bob" in post_edit["content"]
    assert disabled(post_edit) == [True]
    assert post_edit["allowed_mentions"]["parse"] == []
    carol_edit = edited[(dms[carol.id].channel.id, dms[carol.id].id)]
    assert disabled(carol_edit) == [True]
    bob_edit = edited[(dms[bob.id].channel.id, dms[bob.id].id)]
    assert bob_edit["components"] == []  # the helper's own DM loses its button


async def test_the_ballot_is_one_message_across_three_nominations(
    dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = dsim.engine.ctx
    async with ctx.db.transaction() as tx:  # everyone on the server for long enough to vote and nominate
        await tx.execute("UPDATE member SET joined_at = joined_at - 90 * 86400")
    alice, bob, carol, dave = (dsim.members[n] for n in ("alice", "bob", "carol", "dave"))
    assert (await dsim.engine.command(actor(bob), "thanks", {"member": str(alice.id)})).ok
    opened = await dsim.engine.command(actor(dave, "animator"), "motm open", {})
    assert opened.ok, opened.text
    first = await dsim.deliver()
    rows = await ctx.db.fetchall("SELECT delivered_as FROM outbox WHERE kind = 'motm-poll' AND op = 'send'")
    [(ballot,)] = [tuple(r) for r in rows]
    channel_id, message_id = map(int, ballot.split(":"))
    assert message_id in [m.id for m in first if m.channel.id == channel_id]  # with the thanks post
    spy = EditSpy(dsim, monkeypatch)
    for nominator, nominee in ((alice, bob), (bob, carol), (carol, dave)):
        nominated = await dsim.engine.command(actor(nominator), "motm nominate", {"member": str(nominee.id)})
        assert nominated.ok, nominated.text
        later = await dsim.deliver()
        assert not [m for m in later if getattr(m.channel, "name", None) == "general"]
    assert len(spy.calls) == 3 and {(c, m) for c, m, _ in spy.calls} == {(channel_id, message_id)}
    options = spy.calls[-1][2]["components"][0]["components"][0]["options"]
    assert len(options) == 4


async def test_a_thread_is_named_for_members_and_archived_at_the_end(
    dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = dsim.engine.ctx
    names = open_threads(dsim, monkeypatch)
    changes: list[dict[str, Any]] = []

    async def edit_channel(channel_id: int, *, reason: str | None = None, **fields: Any) -> dict[str, Any]:
        changes.append({"id": channel_id, **fields})
        return thread_payload(dsim, channel_id, fields.get("name", names[0]), bool(fields.get("archived")))

    monkeypatch.setattr(dsim.bot.http, "edit_channel", edit_channel)
    async with ctx.db.transaction() as tx:
        post = await outbox.post(tx, ctx, "help-requests", "request", "Fuite", create_thread="request-1",
                                 thread_name="#1 · Fuite sous l'évier", editable=True)
        await outbox.update_thread(tx, ctx, "help-requests", "request-1", after=post, archived=True, resolved=True)
    await dsim.deliver()
    assert names == ["#1 · Fuite sous l'évier"]
    assert changes == [{"id": 9000000001, "archived": True}]  # `resolved` is for forum posts; ignored here


def http_error(status: int, code: int, cls: type[discord.HTTPException] = discord.HTTPException) -> Exception:
    return cls(SimpleNamespace(status=status, reason="x"), {"code": code, "message": "refused"})


async def test_a_deleted_message_is_left_alone_and_a_refused_edit_reaches_mod_log(
    dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = dsim.engine.ctx
    async with ctx.db.transaction() as tx:
        first = await outbox.post(tx, ctx, "general", "motm-poll", "Ballot", editable=True)
        second = await outbox.post(tx, ctx, "general", "motm-poll", "Ballot 2", editable=True)
    await dsim.deliver()
    EditSpy(dsim, monkeypatch, fail=http_error(404, 10008, discord.NotFound))
    async with ctx.db.transaction() as tx:
        await outbox.edit(tx, ctx, first, text="Ballot, edited")
    await dsim.deliver()
    rows = await ctx.db.fetchall("SELECT status FROM outbox WHERE op = 'edit'")
    assert [r[0] for r in rows] == ["sent"]  # deleted by someone: nothing to change, nothing to report
    EditSpy(dsim, monkeypatch, fail=http_error(403, 50013, discord.Forbidden))
    async with ctx.db.transaction() as tx:
        await outbox.edit(tx, ctx, second, text="Ballot 2, edited")
    sent = await dsim.deliver()
    rows = await ctx.db.fetchall("SELECT status FROM outbox WHERE op = 'edit' ORDER BY id")
    assert [r[0] for r in rows] == ["sent", "failed"]
    [report] = [m for m in sent if getattr(m.channel, "name", None) == "mod-log"]
    assert "n'a pas pu être mis à jour" in report.content and "#general" in report.content
