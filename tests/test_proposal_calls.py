"""Issue 21: an accepted proposal asks for volunteers by skill "like a shift", so with the same fairness
and fatigue rules: the members it asked are recorded (proposal_call) and weigh on who is asked next, as
help pings and shift calls do. Before, these DMs were not recorded, and the next shift's call went to the
very members the proposal had just asked."""
from __future__ import annotations

from pathlib import Path

from tests.harness import Sim, config_with, of
from tests.test_proposals import START, veteran


async def test_members_asked_by_an_accepted_proposal_are_not_the_next_shifts_first_call(tmp_path: Path) -> None:
    config = config_with(proposals={"supports_needed": 1, "vote_days": 1, "quorum_percent": 10},
                         events={"max_call_dms": 2, "call_dms_per_place": 1})
    sim = await Sim(tmp_path / "db.sqlite", config=config, start=START).open()
    await veteran(sim, "ana")
    await sim.roles("ana", add=["animator"])
    await veteran(sim, "alice")
    await veteran(sim, "bruno")
    for user in ("m1", "m2", "m3"):  # the same skill, joined in this order (seniority breaks ties)
        await veteran(sim, user, skills="menuiserie")
    pid = (await sim.command("alice", "proposal new", title="Des bancs", details="Pour la cour",
                             needs="menuiserie"))["data"]["proposal_id"]
    assert (await sim.command("bruno", "proposal support", id=pid))["data"]["status"] == "voting"
    assert (await sim.command("bruno", "proposal vote", id=pid, choice="for"))["ok"]
    outs = await sim.advance(by="1d")
    asked = sorted(d["user"] for d in of(outs, "dm", kind="proposal-volunteers"))
    assert asked == ["m1", "m2"], outs  # max_call_dms: the two fairest

    shift = await sim.command("ana", "event new", title="Atelier", when="2026-12-12T10:00:00+01:00", kind="shift",
                              slots="menuiserie:1")
    assert shift["ok"], shift
    called = [d["user"] for d in of(sim.last, "dm", kind="shift-call")]
    assert called == ["m3"], sim.last  # the one the proposal did not ask comes first now

    # (exported and erased with each member: tests/test_privacy.py)
    async with sim.ctx.db.reader.execute("SELECT COUNT(*) FROM proposal_call") as cur:
        assert (await cur.fetchone())[0] == 2
    await sim.close()
