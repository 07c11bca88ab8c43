"""Help requests claimed: the first claim wins and everyone hears it, never your own, anyone may claim,
two claims at the same instant, several helpers when the community allows it."""
from __future__ import annotations

import asyncio
from pathlib import Path

from bot.commands.registry import Actor
from storage import requests as requests_repo
from tests.harness import Sim, config_with, of
from tests.request_steps import opened, plumbers, request_row

# Claim ---------------------------------------------------------------------------------------

async def test_first_claim_wins_the_requester_hears_who_comes_and_the_others_that_it_is_taken(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2", "h3")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    claimed = await sim.click("h2", f"request:claim:{rid}")
    assert claimed["ok"] and claimed["data"] == {"request_id": rid, "helper": "h2"}
    [to_requester] = of(sim.last, "dm", kind="request-update", user="req")
    assert "@h2" in to_requester["text"]
    assert sorted(o["user"] for o in of(sim.last, "dm", kind="request-update") if o["user"] != "req") == ["h1", "h3"]
    again = await sim.command("h1", "request claim", id=rid)
    assert not again["ok"] and again["error"] == "conflict"
    row = await request_row(sim, rid)
    assert row.status == "claimed" and row.claimed_at == sim.ctx.now_ts()


async def test_claiming_your_own_request_is_a_conflict(sim: Sim) -> None:
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    reply = await sim.command("req", "request claim", id=rid)
    assert not reply["ok"] and reply["error"] == "conflict"
    assert (await request_row(sim, rid)).status == "open"


async def test_anyone_may_claim_even_if_not_pinged_and_unknown_ids_are_not_found(sim: Sim) -> None:
    await sim.onboard("req")
    await sim.onboard("kind")
    rid = (await opened(sim, skills="astronomie"))["request_id"]
    assert (await sim.command("kind", "request claim", id=rid))["ok"]
    missing = await sim.command("kind", "request claim", id=rid + 100)
    assert not missing["ok"] and missing["error"] == "not_found"
    bad_button = await sim.click("kind", "request:claim:abc")
    assert not bad_button["ok"] and bad_button["error"] == "not_found"


async def test_two_claims_in_the_same_instant_one_wins(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    engine = sim.engine
    assert engine is not None
    replies = await asyncio.gather(
        engine.click(Actor("h1", "h1"), f"request:claim:{rid}"),
        engine.command(Actor("h2", "h2"), "request claim", {"id": rid}),
    )
    assert sorted((r.ok, r.error) for r in replies) == [(False, "conflict"), (True, None)]
    helpers = await requests_repo.helper_members(sim.ctx.db.reader, rid)
    assert len(helpers) == 1


async def test_max_helpers_lets_several_claim(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite", config_with(requests={"max_helpers": 2})).open()
    try:
        await plumbers(sim, "h1", "h2", "h3")
        await sim.onboard("req")
        rid = (await opened(sim))["request_id"]
        assert (await sim.command("h1", "request claim", id=rid))["ok"]
        assert not of(sim.last, "dm", kind="request-update", user="h3")  # still room: nobody told it is taken
        dup = await sim.command("h1", "request claim", id=rid)
        assert dup["error"] == "conflict"
        assert (await sim.command("h2", "request claim", id=rid))["ok"]
        assert of(sim.last, "dm", kind="request-update", user="h3")
        assert (await sim.command("h3", "request claim", id=rid))["error"] == "conflict"
    finally:
        await sim.close()
