"""Event posts that live (issue 17): the event's post is edited when it changes, when places are
taken and when it is cancelled; it is never posted again."""
from __future__ import annotations

from pathlib import Path

from tests.harness import Sim, of

OCTOBER = "2026-10-01T09:00:00+02:00"


async def test_the_event_post_follows_edits_signups_and_the_cancel(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    try:
        await sim.onboard("ana")
        await sim.roles("ana", add=["animator"])
        await sim.onboard("bruno")
        reply = await sim.command("ana", "event new", title="Apéro", when="vendredi 19h", place="La Ruche")
        assert reply["ok"], reply
        event_id = reply["data"]["event_id"]
        [post] = of(sim.last, "post", kind="event")
        assert post["message"]
        edited = await sim.command("ana", "event edit", id=event_id, place="Le jardin")
        assert edited["ok"], edited
        [change] = of(sim.last, "edit", message=post["message"])
        assert "Le jardin" in change["text"] and "La Ruche" not in change["text"]
        assert change["components"] == post["components"]
        assert (await sim.command("bruno", "event join", id=event_id))["ok"]
        assert of(sim.last, "edit", message=post["message"])
        assert (await sim.command("ana", "event cancel", id=event_id))["ok"]
        [cancelled] = of(sim.last, "edit", message=post["message"])
        assert "Annulé" in cancelled["text"] and cancelled["components"] == []
        # the post reads as the event was last (its edited place), not as it was first posted
        assert "Le jardin" in cancelled["text"] and "La Ruche" not in cancelled["text"], cancelled
        assert len(of(sim.outputs, "post", kind="event")) == 1
    finally:
        await sim.close()
