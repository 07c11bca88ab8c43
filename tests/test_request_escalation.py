"""Help requests nobody claims: a second round, then the animators (sooner when urgent), a claimed one
followed up once, a request nobody could take retried, once an hour across restarts, a backlog
worked through in batches."""
from __future__ import annotations

from storage import requests as requests_repo
from tests.harness import Sim, config_with, of
from tests.request_steps import ask, opened, plumbers, request_row

# Escalation ----------------------------------------------------------------------------------

async def test_unclaimed_requests_get_a_second_round_then_the_animators(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2", "h3", "h4", "h5")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    outs = await sim.advance(by="11h")
    assert not of(outs, "dm", kind="helper-ping")
    outs = await sim.advance(by="1h")
    assert [o["user"] for o in of(outs, "dm", kind="helper-ping")] == ["h4", "h5"]
    assert not of(outs, "post", kind="escalation")
    outs = await sim.advance(by="12h")
    [alert] = of(outs, "post", kind="escalation")
    assert alert["channel"] == "animators" and f"n°{rid}" in alert["text"]
    [told] = of(outs, "dm", kind="request-update", user="req")
    assert "n'est pas oubliée" in told["text"]
    outs = await sim.advance(by="3d")
    assert not of(outs, "post", kind="escalation") and not of(outs, "dm", kind="helper-ping")
    row = await request_row(sim, rid)
    assert row.rounds == 2 and row.escalated_at is not None


async def test_urgent_requests_move_on_after_two_hours(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2", "h3", "h4")
    await sim.onboard("req")
    await opened(sim, urgent=True)
    outs = await sim.advance(by="2h")
    assert [o["user"] for o in of(outs, "dm", kind="helper-ping")] == ["h4"]
    outs = await sim.advance(by="2h")
    assert of(outs, "post", kind="escalation")


async def test_a_claimed_request_is_not_escalated_but_followed_up_once_after_a_week(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2", "h3", "h4")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    assert (await sim.command("h1", "request claim", id=rid))["ok"]
    outs = await sim.advance(by="6d")
    assert not of(outs, "dm", kind="helper-ping") and not of(outs, "post", kind="escalation")
    assert not of(outs, "dm", kind="request-update")
    outs = await sim.advance(by="1d")
    updates = of(outs, "dm", kind="request-update")
    assert sorted(o["user"] for o in updates) == ["h1", "req"]
    assert all(o["components"][0]["custom_id"] == f"request:resolve:{rid}" for o in updates)
    outs = await sim.advance(by="8d")
    assert not of(outs, "dm", kind="request-update")
    reply = await sim.click("req", f"request:resolve:{rid}")
    assert reply["ok"] and reply["data"]["status"] == "resolved"


async def test_a_request_nobody_could_take_is_retried_but_escalated_only_once(sim: Sim) -> None:
    await sim.onboard("req")
    rid = (await opened(sim, skills="soudure"))["request_id"]
    assert of(sim.last, "post", kind="escalation")
    await sim.onboard("welder", skills="soudure")  # joins a few minutes later
    outs = await sim.advance(by="12h")
    assert [o["user"] for o in of(outs, "dm", kind="helper-ping")] == ["welder"]
    outs = await sim.advance(by="2d")
    assert not of(outs, "post", kind="escalation")
    assert (await request_row(sim, rid)).first_ping_at is not None


async def test_the_escalation_job_runs_once_per_hour_even_after_a_restart(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2", "h3", "h4")
    await sim.onboard("req")
    await opened(sim)
    outs = await sim.advance(until="2026-12-01T21:00:00+01:00")
    assert len(of(outs, "dm", kind="helper-ping")) == 1
    await sim.restart(crash=True)
    assert not of(sim.startup, "dm", kind="helper-ping")
    assert len(await requests_repo.pinged_at(sim.ctx.db.reader, 1)) == 4


async def test_a_backlog_of_due_requests_is_worked_through_in_batches(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from bot.services import requests as requests_service

    monkeypatch.setattr(requests_service, "ESCALATION_BATCH", 2)
    # no community night: the 22:00 run may ping (the night rule: tests/test_routing_rules.py)
    sim = await Sim(tmp_path / "c.sqlite", config_with(requests={"night_start": 0, "night_end": 0})).open()
    try:
        await _backlog_in_batches(sim)
    finally:
        await sim.close()


async def _backlog_in_batches(sim: Sim) -> None:
    from bot.services import requests as requests_service

    monkeypatch_batch = requests_service.ESCALATION_BATCH
    assert monkeypatch_batch == 2
    await plumbers(sim, "h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9", "h10", "h11", "h12")
    await sim.onboard("req")
    await sim.onboard("req2")
    for n in range(3):
        assert (await ask(sim, "req" if n < 2 else "req2", title=f"Fuite {n}"))["ok"]
    outs = await sim.advance(until="2026-12-01T21:30:00+01:00")  # 12 h later: all three due at 21:00
    second_round = {o["user"] for o in of(outs, "dm", kind="helper-ping")}
    assert second_round, "the first batch was routed at 21:00"
    rounds = [r[0] for r in await sim.ctx.db.fetchall("SELECT rounds FROM request ORDER BY id")]
    assert rounds == [2, 2, 1]  # two this hour, the third at the next run
    await sim.advance(until="2026-12-01T22:30:00+01:00")
    rounds = [r[0] for r in await sim.ctx.db.fetchall("SELECT rounds FROM request ORDER BY id")]
    assert rounds == [2, 2, 2]
