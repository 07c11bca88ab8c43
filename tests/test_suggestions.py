"""Suggestions (bot/services/suggestions.py) against the engine's own database, on either engine."""
from __future__ import annotations

from bot.services import suggestions
from tests.harness import Sim


async def test_suggestions_follow_the_rules(sim: Sim) -> None:
    for user in ("ana", "bob", "cleo"):
        await sim.onboard(user)
    await sim.roles("ana", add=["animator"])
    assert (await sim.command("bob", "profile set", skills="Électricité, électronique, plomberie"))["ok"]
    ctx = sim.ctx
    assert [s.value for s in await suggestions.skills(ctx, "electricite")] == ["électricité"]
    assert [s.value for s in await suggestions.skills(ctx, "100%_")] == []  # LIKE's own signs taken literally
    assert [s.value for s in await suggestions.skill_list(ctx, "plomberie, ELEC")] == [
        "plomberie, électricité", "plomberie, électronique"]
    leak = (await sim.command("ana", "request new", title="Fuite sous l'évier", skills="plomberie"))["data"]
    rid = leak["request_id"]
    ana = await suggestions.requests(ctx, "ana", "evier", "cancel")
    assert [(s.name, s.value) for s in ana] == [(f"#{rid} · Fuite sous l'évier", rid)]
    assert await suggestions.requests(ctx, "ana", "", "claim") == []
    assert [s.value for s in await suggestions.requests(ctx, "bob", str(rid), "claim")] == [rid]
    reminder = (await sim.command("ana", "remind add", when="2026-12-24T18:00", text="Réveillon"))["data"]
    assert [s.value for s in await suggestions.reminders(ctx, "ana", "rev")] == [reminder["reminder_id"]]
    assert await suggestions.reminders(ctx, "bob", "") == []
    assert {s.name for s in await suggestions.nominees(ctx, "ana", "", "nominate")} == {"bob", "cleo"}
    assert await suggestions.nominees(ctx, "ana", "", "vote") == []  # no open poll
    assert await suggestions.nominees(ctx, "nobody", "", "nominate") == []
