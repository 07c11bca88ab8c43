"""A forum channel as the help desk, through discord.py's own objects and a fake HTTP layer.

dpytest has no forum channels: `FakeForumAPI` creates one in the server (as the gateway would) and
answers Discord's forum endpoints (start a post, edit the forum's tags, edit a post), then tells
discord.py's state what the gateway would (channel and thread updates).
"""
from __future__ import annotations

import itertools
from typing import Any

import discord
import pytest
from discord.ext.test import backend as dpy_backend

from storage import platform_refs
from tests.discord.conftest import DiscordSim

_ids = itertools.count(8_000_000_000_000_000)


class FakeForumAPI:
    """The help desk as a forum named like the configured channel, and Discord's answers for it."""

    def __init__(self, dsim: DiscordSim, name: str = "help-requests") -> None:
        self.dsim = dsim
        self.state = dsim.bot._connection
        guild = dsim.guild
        text = discord.utils.get(guild.text_channels, name=name)
        if text is not None:  # the configured help desk becomes a forum
            guild._remove_channel(text)
        self.data: dict[str, Any] = {
            "id": str(next(_ids)), "type": 15, "guild_id": str(guild.id), "name": name, "position": 1,
            "permission_overwrites": [], "nsfw": False, "parent_id": None, "topic": None,
            "rate_limit_per_user": 0, "last_message_id": None, "flags": 0, "available_tags": [],
            "default_reaction_emoji": None, "default_thread_rate_limit_per_user": 0,
            "default_sort_order": None, "default_forum_layout": 0, "default_auto_archive_duration": 1440,
        }
        self.state.parse_channel_create(dict(self.data))
        self.threads: dict[int, dict[str, Any]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @property
    def forum(self) -> discord.ForumChannel:
        channel = self.dsim.guild.get_channel(int(self.data["id"]))
        assert isinstance(channel, discord.ForumChannel)
        return channel

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        http = self.dsim.bot.http
        monkeypatch.setattr(http, "start_thread_in_forum", self.start_thread_in_forum, raising=False)
        monkeypatch.setattr(http, "edit_channel", self.edit_channel, raising=False)

    def add_tags(self, *names: str) -> None:
        for name in names:
            self.data["available_tags"].append({"id": str(next(_ids)), "name": name, "moderated": False,
                                                "emoji_id": None, "emoji_name": None})
        self.state.parse_channel_update(dict(self.data))

    def tag_names(self, thread_id: int) -> list[str]:
        names = {t["id"]: t["name"] for t in self.data["available_tags"]}
        return [names[t] for t in self.threads[thread_id]["applied_tags"]]

    def named(self, op: str) -> list[dict[str, Any]]:
        return [payload for name, payload in self.calls if name == op]

    async def start_thread_in_forum(self, channel_id: int, *, params: Any, reason: str | None = None,
                                    **_: Any) -> dict[str, Any]:
        payload = dict(params.payload or {})
        self.calls.append(("post", payload))
        thread_id = next(_ids)
        bot_id = str(self.dsim.bot.user.id)
        message = payload.get("message") or {}
        data = {
            "id": str(thread_id), "guild_id": self.data["guild_id"], "parent_id": str(channel_id),
            "owner_id": bot_id, "name": payload["name"], "type": 11, "message_count": 0, "member_count": 1,
            "rate_limit_per_user": 0, "applied_tags": [str(t) for t in payload.get("applied_tags") or []],
            "flags": 0, "thread_metadata": {"archived": False, "auto_archive_duration": 1440, "locked": False,
                                            "archive_timestamp": "2026-12-01T08:00:00+00:00"},
        }
        self.threads[thread_id] = data
        self.state.parse_thread_create(dict(data))  # the gateway's THREAD_CREATE
        starter = {
            "id": str(thread_id), "channel_id": str(thread_id), "type": 0, "content": message.get("content", ""),
            "author": {"id": bot_id, "username": "entraide", "discriminator": "0", "avatar": None},
            "timestamp": "2026-12-01T08:00:00+00:00", "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
            "pinned": False, "flags": 0, "components": message.get("components") or [],
        }
        return {**data, "message": starter}

    async def edit_channel(self, channel_id: int, *, reason: str | None = None, **options: Any) -> dict[str, Any]:
        if int(channel_id) == int(self.data["id"]):
            self.calls.append(("forum", options))
            tags = []
            for tag in options.get("available_tags", []):
                tag = dict(tag)
                tag["id"] = str(tag.get("id") or next(_ids))
                tags.append(tag)
            self.data["available_tags"] = tags
            self.state.parse_channel_update(dict(self.data))
            return dict(self.data)
        thread = self.threads[int(channel_id)]
        if thread["thread_metadata"]["archived"] and options.get("archived") is not False:
            from types import SimpleNamespace  # Discord edits only open posts

            raise discord.HTTPException(SimpleNamespace(status=400, reason="x"),
                                        {"code": 50083, "message": "Thread is archived"})
        self.calls.append(("thread", {"id": int(channel_id), **options}))
        if "applied_tags" in options:
            thread["applied_tags"] = [str(t) for t in options["applied_tags"]]
        if "archived" in options:
            thread["thread_metadata"]["archived"] = options["archived"]
        self.state.parse_thread_update(dict(thread))
        return dict(thread)


def bot_permissions(dsim: DiscordSim, **allowed: bool) -> None:
    dpy_backend.update_role(dsim.guild.default_role, permissions=0)
    role = dsim.add_role("Entraide", view_channel=True, send_messages=True, create_public_threads=True,
                         send_messages_in_threads=True, attach_files=True, manage_roles=True,
                         moderate_members=True, create_events=True, **allowed)
    dsim.give_role(dsim.guild.me, role)


@pytest.fixture
def forum(dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch) -> FakeForumAPI:
    fake = FakeForumAPI(dsim)
    fake.install(monkeypatch)
    return fake


async def open_request(dsim: DiscordSim, who: str, title: str, skills: str) -> int:
    await dsim.command(dsim.members[who], "request new", title=title, skills=skills, details="Merci !")
    reply = dsim.calls[-1].reply
    assert reply.ok, reply.text
    return int(reply.data["request_id"])


async def test_each_request_is_a_tagged_forum_post_and_its_updates_land_in_it(
    dsim: DiscordSim, forum: FakeForumAPI,
) -> None:
    bot_permissions(dsim, manage_channels=True)
    forum.add_tags("Plomberie")
    first = await open_request(dsim, "alice", "Fuite sous l'évier", "plomberie, électricité")
    sent = await dsim.deliver()
    (post,) = forum.named("post")
    assert "Fuite sous l'évier" in post["message"]["content"]
    assert post["message"]["components"], "the claim button is on the starter message"
    thread_id = next(iter(forum.threads))
    # The existing tag is reused (accents and case aside), the missing one created, both applied.
    assert sorted(t["name"] for t in forum.data["available_tags"]) == ["Plomberie", "électricité"]
    assert sorted(forum.tag_names(thread_id)) == ["Plomberie", "électricité"]
    ctx = dsim.engine.ctx
    assert await platform_refs.get_ref(ctx.db.reader, ctx.guild_id, f"thread:request-{first}") == str(thread_id)
    assert not [m for m in sent if m.channel.name == "help-requests"]
    # A second request with a known skill adds no tag; its post is its own.
    await open_request(dsim, "bob", "Robinet qui goutte", "Plomberie")
    await dsim.deliver()
    assert len(forum.named("post")) == 2 and len(forum.named("forum")) == 1
    second = [t for t in forum.threads if t != thread_id][0]
    assert forum.tag_names(second) == ["Plomberie"]
    # A message for the first request's thread lands in its post.
    from bot import outbox

    async with ctx.db.transaction() as tx:
        await outbox.post(tx, ctx, ctx.config.channels.help_requests, "request-update", "Bob s'en occupe",
                          thread=f"request-{first}")
    updates = await dsim.deliver()
    assert [m.channel.id for m in updates] == [thread_id]


async def test_a_full_forum_uses_the_tags_it_has_and_setup_check_says_so(
    dsim: DiscordSim, forum: FakeForumAPI,
) -> None:
    bot_permissions(dsim, manage_channels=True)
    forum.add_tags(*[f"Compétence {n}" for n in range(18)], "Jardinage")  # 19: the 20th is kept for "Résolu"
    await open_request(dsim, "alice", "Tailler la haie", "jardinage, bricolage")
    await dsim.deliver()
    assert forum.named("forum") == []  # no tag added
    thread_id = next(iter(forum.threads))
    assert forum.tag_names(thread_id) == ["Jardinage"]
    alice = dsim.members["alice"]
    dsim.give_role(alice, dsim.roles["animator"])
    await dsim.command(alice, "setup check", locale="en-US")
    checks = dsim.calls[-1].reply.data["checks"]
    room = [c for c in checks if "room for new tags" in c["what"]]
    assert len(room) == 1 and not room[0]["ok"] and "as many tags as Discord allows (20)" in room[0]["fix"], room
    assert [c["ok"] for c in checks if "can add tags" in c["what"]] == [True]
    assert [c["ok"] for c in checks if "create posts" in c["what"]] == [True]


async def test_without_manage_channels_only_existing_tags_are_applied(
    dsim: DiscordSim, forum: FakeForumAPI,
) -> None:
    bot_permissions(dsim)
    forum.add_tags("Couture")
    await open_request(dsim, "carol", "Ourlet", "couture, repassage")
    await dsim.deliver()
    assert forum.named("forum") == []
    assert forum.tag_names(next(iter(forum.threads))) == ["Couture"]
    alice = dsim.members["alice"]
    dsim.give_role(alice, dsim.roles["animator"])
    await dsim.command(alice, "setup check")
    checks = dsim.calls[-1].reply.data["checks"]
    tags = [c for c in checks if "étiquettes" in c["what"] and "ajouter" in c["what"]]
    assert len(tags) == 1 and not tags[0]["ok"] and "Gérer les salons" in tags[0]["fix"], checks


async def test_a_retried_post_is_not_posted_twice(dsim: DiscordSim, forum: FakeForumAPI) -> None:
    """Discord made the post but the bot stopped before marking the row sent: the retry finds the post."""
    bot_permissions(dsim, manage_channels=True)
    await open_request(dsim, "alice", "Déménagement", "bras")
    await dsim.deliver()
    async with dsim.engine.ctx.db.transaction() as tx:
        await tx.execute("UPDATE outbox SET status = 'pending' WHERE kind = 'request'")
        await tx.execute("DELETE FROM platform_ref")  # as if the id was never kept
    await dsim.deliver()
    assert len(forum.named("post")) == 1


async def test_a_text_channel_help_desk_keeps_its_threads(dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []

    async def start_thread(channel_id: int, message_id: int, *, name: str, **_: Any) -> dict[str, Any]:
        opened.append(name)
        return {
            "id": str(next(_ids)), "guild_id": str(dsim.guild.id), "parent_id": str(channel_id),
            "owner_id": str(dsim.bot.user.id), "name": name, "type": 11, "message_count": 0, "member_count": 0,
            "rate_limit_per_user": 0, "thread_metadata": {
                "archived": False, "auto_archive_duration": 1440, "locked": False,
                "archive_timestamp": "2026-12-01T08:00:00+00:00"},
        }

    monkeypatch.setattr(dsim.bot.http, "start_thread_with_message", start_thread)
    request_id = await open_request(dsim, "alice", "Fuite", "plomberie")
    sent = await dsim.deliver()
    assert [m.channel.name for m in sent if m.channel.name == "help-requests"] == ["help-requests"]
    assert opened == [f"#{request_id} · Fuite"]  # named for members; found again by its key (request-N)


async def test_the_resolved_tag_is_applied_and_the_post_archived(dsim: DiscordSim, forum: FakeForumAPI) -> None:
    from cogs.forum import mark_resolved

    bot_permissions(dsim, manage_channels=True)
    await open_request(dsim, "alice", "Cinq compétences", "a1, b2, c3, d4, e5")
    await dsim.deliver()
    thread_id = next(iter(forum.threads))
    assert len(forum.tag_names(thread_id)) == 5
    thread = dsim.guild.get_thread(thread_id)
    assert thread is not None
    await mark_resolved(thread, "Résolu")
    names = forum.tag_names(thread_id)
    assert len(names) == 5 and names[-1] == "Résolu" and "e5" not in names  # a skill tag made room
    assert forum.threads[thread_id]["thread_metadata"]["archived"] is True
    again = discord.Thread(guild=dsim.guild, state=forum.state, data=dict(forum.threads[thread_id]))
    await mark_resolved(again, "Résolu")  # a retry: nothing changes
    assert len([c for c in forum.named("thread") if "applied_tags" in c]) == 1


async def test_a_post_discord_archived_for_inactivity_is_reopened_to_take_the_resolved_tag(
    dsim: DiscordSim, forum: FakeForumAPI,
) -> None:
    from cogs.forum import mark_resolved

    bot_permissions(dsim, manage_channels=True)
    await open_request(dsim, "alice", "Vieille demande", "couture")
    await dsim.deliver()
    thread_id = next(iter(forum.threads))
    forum.threads[thread_id]["thread_metadata"]["archived"] = True  # a day without a message
    archived = discord.Thread(guild=dsim.guild, state=forum.state, data=dict(forum.threads[thread_id]))
    await mark_resolved(archived, "Résolu")
    edits = forum.named("thread")
    assert [e.get("archived") for e in edits] == [False, True]
    assert forum.tag_names(thread_id) == ["couture", "Résolu"]


async def test_resolving_a_request_tags_its_forum_post_resolved_and_archives_it(
    dsim: DiscordSim, forum: FakeForumAPI,
) -> None:
    bot_permissions(dsim, manage_channels=True)
    request_id = await open_request(dsim, "alice", "Fuite sous l'évier", "plomberie")
    await dsim.deliver()
    thread_id = next(iter(forum.threads))
    assert forum.threads[thread_id]["name"] == f"#{request_id} · Fuite sous l'évier"
    await dsim.command(dsim.members["bob"], "request claim", id=request_id)
    assert dsim.calls[-1].reply.ok, dsim.calls[-1].reply.text
    await dsim.deliver()
    await dsim.command(dsim.members["alice"], "request resolve", id=request_id)
    assert dsim.calls[-1].reply.ok, dsim.calls[-1].reply.text
    await dsim.deliver()
    assert forum.tag_names(thread_id) == ["plomberie", "Résolu"]
    assert forum.threads[thread_id]["thread_metadata"]["archived"] is True
