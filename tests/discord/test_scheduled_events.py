"""Events mirrored as Discord Scheduled Events, through discord.py's own objects and a fake HTTP layer.

`FakeEventsAPI` stands in for Discord's scheduled-events endpoints (create, list, get, edit, delete) on
the bot's `HTTPClient`: discord.py builds its real `ScheduledEvent` objects from what it answers.
"""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

import discord
import pytest
from discord.ext.test import backend as dpy_backend

from storage import event_mirror as mirror_repo
from tests.discord.conftest import DiscordSim

_ids = itertools.count(7_000_000_000_000_000)


class FakeEventsAPI:
    """Discord's scheduled events of one server, kept as the JSON Discord would answer."""

    def __init__(self, dsim: DiscordSim) -> None:
        self.dsim = dsim
        self.events: dict[int, dict[str, Any]] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.lose_next_create_response = False

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        http = self.dsim.bot.http
        monkeypatch.setattr(http, "create_guild_scheduled_event", self.create, raising=False)
        monkeypatch.setattr(http, "edit_scheduled_event", self.edit, raising=False)
        monkeypatch.setattr(http, "get_scheduled_events", self.list, raising=False)
        monkeypatch.setattr(http, "get_scheduled_event", self.get, raising=False)
        monkeypatch.setattr(http, "delete_scheduled_event", self.delete, raising=False)

    def named(self, op: str) -> list[dict[str, Any]]:
        return [payload for name, payload in self.calls if name == op]

    async def create(self, guild_id: int, *, reason: str | None = None, **payload: Any) -> dict[str, Any]:
        self.calls.append(("create", payload))
        event_id = next(_ids)
        data = {
            "id": str(event_id), "guild_id": str(guild_id), "channel_id": None,
            "creator_id": str(self.dsim.bot.user.id), "name": payload["name"],
            "description": payload.get("description"), "scheduled_start_time": payload["scheduled_start_time"],
            "scheduled_end_time": payload.get("scheduled_end_time"), "privacy_level": payload["privacy_level"],
            "status": 1, "entity_type": payload["entity_type"], "entity_id": None,
            "entity_metadata": payload.get("entity_metadata"), "user_count": 0, "image": None,
        }
        self.events[event_id] = data
        if self.lose_next_create_response:  # Discord created it, but the answer never came back
            self.lose_next_create_response = False
            raise TimeoutError("the response was lost")
        return dict(data)

    async def list(self, guild_id: int, with_user_count: bool) -> list[dict[str, Any]]:
        self.calls.append(("list", {}))
        return [dict(e) for e in self.events.values()]

    async def get(self, guild_id: int, event_id: int, with_user_count: bool) -> dict[str, Any]:
        self.calls.append(("get", {"id": int(event_id)}))
        if int(event_id) not in self.events:
            raise discord.NotFound(_response(404), {"code": 10070, "message": "Unknown Guild Scheduled Event"})
        return dict(self.events[int(event_id)])

    async def edit(self, guild_id: int, event_id: int, *, reason: str | None = None,
                   **payload: Any) -> dict[str, Any]:
        self.calls.append(("edit", {"id": int(event_id), **payload}))
        data = self.events[int(event_id)]
        data.update({k: v for k, v in payload.items() if k != "reason"})
        return dict(data)

    async def delete(self, guild_id: int, event_id: int, *, reason: str | None = None) -> None:
        self.calls.append(("delete", {"id": int(event_id)}))
        self.events.pop(int(event_id), None)


def _response(status: int) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(status=status, reason="x")


def bot_permissions(dsim: DiscordSim, **allowed: bool) -> None:
    """The bot's role with exactly these server permissions (and @everyone with none)."""
    dpy_backend.update_role(dsim.guild.default_role, permissions=0)
    role = dsim.add_role("Entraide", view_channel=True, send_messages=True, create_public_threads=True,
                         send_messages_in_threads=True, attach_files=True, manage_roles=True,
                         moderate_members=True, **allowed)
    dsim.give_role(dsim.guild.me, role)


@pytest.fixture
def api(dsim: DiscordSim, monkeypatch: pytest.MonkeyPatch) -> FakeEventsAPI:
    fake = FakeEventsAPI(dsim)
    fake.install(monkeypatch)
    return fake


async def animator(dsim: DiscordSim) -> discord.Member:
    alice = dsim.members["alice"]
    dsim.give_role(alice, dsim.roles["animator"])
    return alice


async def new_event(dsim: DiscordSim, **options: Any) -> int:
    await dsim.command(await animator(dsim), "event-admin new", **options)
    reply = dsim.calls[-1].reply
    assert reply.ok, reply.text
    return int(reply.data["event_id"])


async def test_an_event_becomes_a_scheduled_event_edited_and_cancelled_with_it(
    dsim: DiscordSim, api: FakeEventsAPI,
) -> None:
    bot_permissions(dsim, create_events=True)
    event_id = await new_event(dsim, title="Apéro de quartier", when="2026-12-11T19:00", place="Bar du coin",
                               capacity=12)
    sent = await dsim.deliver()
    (created,) = api.named("create")
    assert created["name"] == "Apéro de quartier"
    assert created["entity_type"] == discord.EntityType.external.value
    assert created["entity_metadata"] == {"location": "Bar du coin"}
    assert created["privacy_level"] == discord.PrivacyLevel.guild_only.value
    start = datetime.fromisoformat(created["scheduled_start_time"])
    assert start == datetime.fromisoformat("2026-12-11T19:00+01:00")
    assert datetime.fromisoformat(created["scheduled_end_time"]) == start + timedelta(hours=2)
    description = created["description"]
    assert "« Intéressé » ne vous inscrit pas" in description and f"/event join id:{event_id}" in description
    assert description.rstrip().splitlines()[-1] == f"entraide-{event_id}"
    assert description.startswith(f"🤝 Rencontre n°{event_id} : Apéro de quartier")
    assert "🎟" not in description  # no count of free places: it would be stale after each sign-up
    # The post in #general says it too.
    posts = [m.content for m in sent if m.channel.name == "general"]
    assert len(posts) == 1 and "« Intéressé » ne vous inscrit pas" in posts[0], posts
    mirror = await mirror_repo.get(dsim.engine.ctx.db.reader, event_id)
    assert mirror is not None and mirror.ref == str(next(iter(api.events))) and mirror.applied == mirror.revision

    await dsim.command(await animator(dsim), "event-admin edit", id=event_id, place="https://visio.example/apero")
    assert dsim.calls[-1].reply.ok
    await dsim.deliver()
    assert len(api.named("create")) == 1
    edits = api.named("edit")
    assert len(edits) == 1 and edits[0]["entity_metadata"] == {"location": "https://visio.example/apero"}
    assert edits[0]["entity_type"] == discord.EntityType.external.value

    await dsim.command(await animator(dsim), "event-admin cancel", id=event_id)
    assert dsim.calls[-1].reply.ok
    await dsim.deliver()
    cancels = [e for e in api.named("edit") if e.get("status") == discord.EventStatus.cancelled.value]
    assert len(cancels) == 1
    assert len(api.named("create")) == 1 and len(api.events) == 1


async def test_each_occurrence_of_a_recurring_event_is_its_own_entry(dsim: DiscordSim, api: FakeEventsAPI) -> None:
    bot_permissions(dsim, create_events=True)
    first = await new_event(dsim, title="Corvées ensemble", when="le premier samedi du mois à 10h",
                            place="La cour")
    await dsim.deliver()
    assert [c["scheduled_start_time"][:10] for c in api.named("create")] == ["2026-12-05"]
    # Once the first occurrence starts, the next one is written, and shown as its own entry.
    await dsim.engine.scheduler.advance_to(datetime.fromisoformat("2026-12-05T10:05+01:00"))
    await dsim.deliver()
    starts = [c["scheduled_start_time"][:10] for c in api.named("create")]
    assert starts == ["2026-12-05", "2027-01-02"], starts
    rows = await dsim.engine.ctx.db.fetchall("SELECT event_id, ref FROM event_mirror ORDER BY event_id")
    assert rows[0][0] == first and len({row[1] for row in rows}) == 2


async def test_an_occurrence_beyond_the_horizon_is_shown_when_it_comes_within_it(
    dsim: DiscordSim, api: FakeEventsAPI,
) -> None:
    bot_permissions(dsim, create_events=True)
    await new_event(dsim, title="Grande fête", when="2027-03-20T15:00", place="Salle des fêtes")
    await dsim.deliver()
    assert api.named("create") == []  # 109 days ahead, the horizon is 60
    await dsim.engine.scheduler.advance_to(datetime.fromisoformat("2027-01-20T12:00+01:00"))
    await dsim.deliver()
    assert [c["name"] for c in api.named("create")] == ["Grande fête"]


async def test_without_the_permission_mod_log_hears_it_once_a_day_and_setup_check_says_so(
    dsim: DiscordSim, api: FakeEventsAPI,
) -> None:
    bot_permissions(dsim)
    await new_event(dsim, title="Atelier vélo", when="2026-12-12T10:00", place="Le garage")
    await new_event(dsim, title="Atelier couture", when="2026-12-13T10:00", place="L'atelier")
    sent = await dsim.deliver()
    assert api.calls == []  # nothing asked of Discord
    reports = [m.content for m in sent if m.channel.name == "mod-log" and m.content.startswith("⚠️")]
    assert len(reports) == 1, reports
    assert "Créer des évènements" in reports[0] and "Entraide" in reports[0], reports[0]
    await dsim.command(await animator(dsim), "setup check", locale="en-US")
    checks = dsim.calls[-1].reply.data["checks"]
    events_line = [c for c in checks if "Events" in c["what"]]
    assert len(events_line) == 1 and not events_line[0]["ok"] and "Create Events" in events_line[0]["fix"]
    # Granted later: the next daily run shows both events, and mod-log hears nothing more.
    role = dsim.roles["Entraide"]
    dpy_backend.update_role(role, permissions=role.permissions.value | discord.Permissions(create_events=True).value)
    await dsim.engine.scheduler.advance_to(datetime.fromisoformat("2026-12-02T12:00+01:00"))
    sent = await dsim.deliver()
    assert sorted(c["name"] for c in api.named("create")) == ["Atelier couture", "Atelier vélo"]
    assert not [m for m in sent if m.channel.name == "mod-log" and m.content.startswith("⚠️")]
    await dsim.command(await animator(dsim), "setup check", locale="en-US")
    checks = dsim.calls[-1].reply.data["checks"]
    assert [c["ok"] for c in checks if "Events" in c["what"]] == [True]


async def test_a_create_whose_answer_was_lost_is_found_again_never_made_twice(
    dsim: DiscordSim, api: FakeEventsAPI,
) -> None:
    bot_permissions(dsim, create_events=True)
    api.lose_next_create_response = True
    event_id = await new_event(dsim, title="Repair café", when="2026-12-12T14:00", place="La ressourcerie")
    await dsim.deliver()
    assert len(api.events) == 1
    mirror = await mirror_repo.get(dsim.engine.ctx.db.reader, event_id)
    assert mirror is not None and mirror.ref is None and mirror.attempted_at is not None
    # The retry (here after the delay; a restart does the same) looks for the marker first.
    clock = dsim.engine.ctx.clock
    clock.set(clock.now() + timedelta(minutes=5))
    await dsim.deliver()
    assert len(api.named("create")) == 1 and len(api.events) == 1
    assert [c for c in api.calls if c[0] == "list"]
    mirror = await mirror_repo.get(dsim.engine.ctx.db.reader, event_id)
    assert mirror is not None and mirror.ref == str(next(iter(api.events))) and mirror.applied == mirror.revision


async def test_a_restart_repeats_nothing(dsim: DiscordSim, api: FakeEventsAPI) -> None:
    """Delivered but not marked sent (a crash right after the call): the row goes again, Discord is not asked."""
    bot_permissions(dsim, create_events=True)
    event_id = await new_event(dsim, title="Pique-nique", when="2026-12-13T12:00", place="Le parc")
    await dsim.deliver()
    assert len(api.named("create")) == 1
    async with dsim.engine.ctx.db.transaction() as tx:
        await tx.execute("UPDATE outbox SET status = 'pending', sent_at = NULL WHERE op = 'event'")
    calls = len(api.calls)
    await dsim.engine.start()  # what a restart does: deliver what was pending, catch up
    await dsim.deliver()
    assert len(api.calls) == calls
    # An older change arriving after a newer one is skipped too.
    await dsim.command(await animator(dsim), "event-admin edit", id=event_id, title="Pique-nique géant")
    await dsim.deliver()
    assert api.events[int((await mirror_repo.get(dsim.engine.ctx.db.reader, event_id)).ref)]["name"] == \
        "Pique-nique géant"
    async with dsim.engine.ctx.db.transaction() as tx:
        await tx.execute("UPDATE outbox SET status = 'pending' WHERE key = ?", (f"event-mirror:{event_id}:1",))
    await dsim.deliver()
    assert api.events[int((await mirror_repo.get(dsim.engine.ctx.db.reader, event_id)).ref)]["name"] == \
        "Pique-nique géant"
