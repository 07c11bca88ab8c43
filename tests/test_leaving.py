"""Leaving, as members and animators live it: the farewell (or none), godchildren handed on, the
leaver's requests settled in the same transaction, no check-in twice after coming back."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Sim, of
from tests.onboarding_steps import godparent_of, open_sim, volunteer


@pytest.fixture
async def quiet_farewell(tmp_path: Path) -> AsyncIterator[Sim]:
    s = await open_sim(tmp_path, onboarding={"farewell": False})
    yield s
    await s.close()


# Leaving and coming back ------------------------------------------------------------------------

async def test_leaving_posts_a_farewell_and_hands_godchildren_on(sim: Sim) -> None:
    await volunteer(sim, "bob", languages="fr")
    await volunteer(sim, "carol", languages="fr")
    await sim.advance(by="15d")
    await sim.onboard("alice", "fr")
    assert await godparent_of(sim, "alice") == "bob"
    outs = await sim.send({"type": "leave", "user": "bob"})
    [farewell] = of(outs, "post", kind="farewell", channel="welcome")
    assert "bob" in farewell["text"] and farewell["mentions"] == []
    [to_alice] = of(outs, "dm", kind="godparent-intro", user="alice")
    assert "@carol" in to_alice["text"] and "bob" in to_alice["text"]
    assert of(outs, "dm", kind="godparent-intro", user="carol")
    assert not of(outs, "dm", user="bob")
    assert await godparent_of(sim, "alice") == "carol"


async def test_a_godparent_leaving_with_nobody_to_take_over_alerts_the_animators(sim: Sim) -> None:
    await volunteer(sim, "bob", languages="fr")
    await sim.advance(by="15d")
    await sim.onboard("alice", "en")
    outs = await sim.send({"type": "leave", "user": "bob"})
    [note] = of(outs, "dm", kind="godparent-intro", user="alice")
    assert "looking for a new godparent" in note["text"]
    assert of(outs, "post", kind="godparent-needed", channel="animators")
    assert await godparent_of(sim, "alice") is None


async def test_farewell_can_be_turned_off(quiet_farewell: Sim) -> None:
    await quiet_farewell.onboard("bob", "fr")
    outs = await quiet_farewell.send({"type": "leave", "user": "bob"})
    assert not of(outs, kind="farewell")


async def test_leaving_settles_the_leavers_requests_in_the_same_transaction(
    sim: Sim, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.services import requests

    seen: list[tuple[str, int | None]] = []

    async def on_member_left(tx: Any, ctx: Any, member: Any) -> None:
        seen.append((member.handle, member.left_at))

    monkeypatch.setattr(requests, "on_member_left", on_member_left)
    await sim.onboard("bob", "fr")
    await sim.send({"type": "leave", "user": "bob"})
    assert seen == [("bob", sim.ctx.now_ts())]


async def test_a_leavers_open_request_is_cancelled(sim: Sim) -> None:
    await sim.onboard("bob", "fr")
    created = await sim.command("bob", "request new", title="Fuite sous l'évier", skills="plomberie")
    assert created["ok"], created
    await sim.send({"type": "leave", "user": "bob"})
    await sim.onboard("carol", "fr")
    listed = await sim.command("carol", "request list")
    assert created["data"]["request_id"] not in [r["id"] for r in listed["data"]["requests"]]


async def test_leaving_and_coming_back_does_not_repeat_check_ins(sim: Sim) -> None:
    await sim.onboard("alice", "fr")
    await sim.advance(by="7d")
    await sim.send({"type": "leave", "user": "alice"})
    await sim.onboard("alice", "fr")
    outs = await sim.advance(by="8d")
    assert not of(outs, kind="checkin")
    assert len(of(sim.outputs, "dm", kind="checkin", user="alice")) == 1
