"""Quiet hours hold back every non-urgent DM to that member until they end: DMs queued during them
(send_dm) and DMs reaching them later from a paced backlog or a bulk insert (the dispatcher)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.outbox import send_dm
from bot.quiet_hours import is_quiet, quiet_until
from storage import members as members_repo
from storage import outbox as outbox_repo
from tests.harness import Sim, of

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(("hour", "start", "end", "quiet"), [
    (23, 22, 8, True), (2, 22, 8, True), (8, 22, 8, False), (21, 22, 8, False),
    (13, 12, 14, True), (14, 12, 14, False), (3, None, None, False), (5, 5, 5, False),
])
def test_is_quiet(hour: int, start: int | None, end: int | None, quiet: bool) -> None:
    assert is_quiet(hour, start, end) is quiet


def test_quiet_until_is_the_next_end_on_the_members_wall_clock() -> None:
    assert quiet_until(datetime(2026, 12, 2, 2, 3, tzinfo=PARIS), 22, 8, PARIS) == \
        datetime(2026, 12, 2, 8, 0, tzinfo=PARIS)
    assert quiet_until(datetime(2026, 12, 2, 23, 0, tzinfo=PARIS), 22, 8, PARIS) == \
        datetime(2026, 12, 3, 8, 0, tzinfo=PARIS)
    assert quiet_until(datetime(2026, 12, 2, 12, 0, tzinfo=PARIS), 22, 8, PARIS) is None
    # The night the clocks go forward (28 March 2027, 02:00 → 03:00): still 08:00 local.
    wake = quiet_until(datetime(2027, 3, 28, 1, 30, tzinfo=PARIS), 22, 8, PARIS)
    assert wake is not None and wake.isoformat() == "2027-03-28T08:00:00+02:00"


async def _member(sim: Sim, user: str):  # noqa: ANN202
    member = await members_repo.by_platform_id(sim.ctx.db.reader, sim.ctx.guild_id, user)
    assert member is not None
    return member


async def _deliver_now(sim: Sim) -> list[dict]:
    """What the dispatcher delivers at this very instant (a command's turn does the same)."""
    mark = len(sim.outputs)
    assert sim.engine is not None
    await sim.engine.dispatcher.deliver_due()
    return sim.outputs[mark:]


async def test_a_dm_queued_in_quiet_hours_waits_until_they_end(sim: Sim) -> None:
    await sim.onboard("nina", quiet_hours="22-08")
    await sim.advance(until="2026-12-02T02:03:00+01:00")
    nina = await _member(sim, "nina")
    async with sim.ctx.db.transaction() as tx:
        await send_dm(tx, sim.ctx, nina, "request-update", "Quelqu'un arrive")
        await send_dm(tx, sim.ctx, nina, "warning", "Urgent", urgent=True)
    outs = await _deliver_now(sim) + await sim.advance(until="2026-12-02T09:00:00+01:00")
    dms = of(outs, "dm", user="nina")
    assert [(d["text"], d["at"]) for d in dms] == [
        ("Urgent", "2026-12-02T02:03:00+01:00"), ("Quelqu'un arrive", "2026-12-02T08:00:00+01:00")]


async def test_a_backlog_reaching_a_member_in_quiet_hours_is_held_by_the_dispatcher(sim: Sim) -> None:
    """A bulk-inserted DM (as weekly nudges are) due during the quiet hours of the member's own zone."""
    await sim.onboard("leo", quiet_hours="22-08", timezone="America/Montreal")
    await sim.onboard("ana")
    await sim.advance(until="2026-12-02T07:00:00+01:00")  # 01:00 in Montréal, 07:00 in Paris
    now = sim.ctx.now_ts()
    async with sim.ctx.db.transaction() as tx:
        for user in ("leo", "ana"):
            await outbox_repo.enqueue_many(tx, [(sim.ctx.guild_id, "nudge", "send", f"dm:{user}",
                                                 '{"text": "Bonjour", "mentions": []}', 1, now, None, now)])
    outs = await _deliver_now(sim) + await sim.advance(until="2026-12-02T15:00:00+01:00")
    assert [d["at"] for d in of(outs, "dm", user="ana")] == ["2026-12-02T07:00:00+01:00"]
    assert [d["at"] for d in of(outs, "dm", user="leo")] == ["2026-12-02T14:00:00+01:00"]  # 08:00 Montréal


async def test_a_request_update_at_night_waits_but_an_urgent_call_for_help_does_not(sim: Sim) -> None:
    await sim.onboard("req", quiet_hours="22-08")
    await sim.onboard("h1", skills="plomberie", quiet_hours="22-08")
    await sim.advance(until="2026-12-02T02:00:00+01:00")
    reply = await sim.command("req", "request new", title="Fuite", details="L'eau coule", skills="plomberie",
                              urgent=True)
    assert reply["ok"], reply
    rid = reply["data"]["request_id"]
    pings = of(sim.last + await sim.advance(by="1m"), "dm", user="h1")
    assert len(pings) == 1 and pings[0]["at"].startswith("2026-12-02T02:0")  # urgent: at once
    await sim.advance(until="2026-12-02T02:03:00+01:00")
    assert (await sim.command("h1", "request claim", id=rid))["ok"]
    outs = sim.last + await sim.advance(until="2026-12-02T09:00:00+01:00")
    told = of(outs, "dm", user="req")
    assert told and told[0]["at"] == "2026-12-02T02:03:00+01:00"  # an urgent request: told at once

    # The same, not urgent: the requester is told when their quiet hours end.
    await sim.advance(until="2026-12-03T01:00:00+01:00")
    reply = await sim.command("req", "request new", title="Étagère", details="À fixer", skills="plomberie")
    rid = reply["data"]["request_id"]
    await sim.advance(until="2026-12-03T08:30:00+01:00")
    await sim.advance(until="2026-12-03T23:00:00+01:00")
    assert (await sim.command("h1", "request claim", id=rid))["ok"]
    outs = sim.last + await sim.advance(until="2026-12-04T09:00:00+01:00")
    assert [d["at"] for d in of(outs, "dm", user="req")] == ["2026-12-04T08:00:00+01:00"]
