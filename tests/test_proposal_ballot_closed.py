"""When a proposal's vote ends, its ballot post reads as ended: no "au vote, jusqu'au …" nor "vote ouvert
jusqu'au …" above the result, the menu gone."""
from __future__ import annotations

from tests.harness import Sim, of


async def test_the_ballot_of_a_decided_proposal_no_longer_says_it_is_open(sim: Sim) -> None:
    await sim.onboard("ana")
    await sim.roles("ana", add=["animator"])
    await sim.onboard("bob")
    await sim.onboard("cat")
    await sim.advance("8d")  # tenure to vote
    made = await sim.command("bob", "proposal new", title="Potager", details="Sur le toit")
    proposal_id = made["data"]["proposal_id"]
    assert (await sim.command("ana", "proposal close", id=proposal_id))["ok"]
    [ballot] = of(sim.last, "post", kind="proposal-vote")
    assert "Au vote, jusqu'au" in ballot["text"], ballot["text"]
    assert (await sim.command("cat", "proposal vote", id=proposal_id, choice="pour"))["ok"]
    closed = await sim.command("ana", "proposal close", id=proposal_id)
    assert closed["data"]["status"] == "accepted", closed
    [edit] = of(sim.last, "edit", message=ballot["message"])
    assert edit["text"].startswith("🗳 Le vote est clos."), edit["text"]
    assert "Adoptée." in edit["text"] and "Pour : 1 · Contre : 0 · Abstention : 0" in edit["text"], edit["text"]
    assert "jusqu'au" not in edit["text"] and edit["components"] == [], edit
