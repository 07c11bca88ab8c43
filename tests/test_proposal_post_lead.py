"""A proposal's post invites support (« Soutenez-la si vous voulez qu'elle soit mise au vote ») only while it
can be supported: once withdrawn, in the vote or decided, its edited post says where it stands without it."""
from __future__ import annotations

from tests.harness import Sim, of


async def test_a_withdrawn_proposal_post_no_longer_asks_for_support(sim: Sim) -> None:
    await sim.onboard("bob")
    await sim.command("bob", "proposal new", title="Jardin partagé", details="Un potager")
    [post] = of(sim.last, "post", kind="proposal")
    assert post["text"].startswith("💡 Nouvelle proposition ! Soutenez-la"), post["text"]
    assert (await sim.command("bob", "proposal withdraw", id=1))["ok"]
    [edit] = of(sim.last, "edit", message=post["message"])
    assert "Soutenez-la" not in edit["text"] and "Retirée." in edit["text"], edit["text"]
    assert edit["text"].startswith("💡 Proposition n°1 de bob : Jardin partagé"), edit["text"]
