"""A gathering whose places are all taken says « Complet », not « 0 place libre », and its button is greyed
out until a place frees up again (the post is edited both ways)."""
from __future__ import annotations

from tests.harness import Sim, of


async def test_a_full_event_says_so_and_greys_its_button_until_a_place_frees(sim: Sim) -> None:
    await sim.onboard("ana")
    await sim.roles("ana", add=["animator"])
    await sim.onboard("bob")
    await sim.onboard("amy", locale="en")
    made = await sim.command("ana", "event new", title="Balade", when="2026-12-02T10:00:00+01:00", capacity=1)
    [post] = of(sim.last, "post", kind="event")
    assert "🎟 1 place libre" in post["text"] and not post["components"][0].get("disabled")
    event_id = made["data"]["event_id"]
    assert (await sim.command("bob", "event join", id=event_id))["ok"]
    [edit] = of(sim.last, "edit", message=post["message"])
    assert "🎟 Complet" in edit["text"] and "0 place" not in edit["text"], edit["text"]
    assert edit["components"][0]["disabled"] is True
    assert "🎟 Full" in (await sim.command("amy", "event show", id=event_id))["text"]
    assert (await sim.command("bob", "event leave", id=event_id))["ok"]
    [edit] = of(sim.last, "edit", message=post["message"])
    assert "🎟 1 place libre" in edit["text"] and not edit["components"][0].get("disabled"), edit
