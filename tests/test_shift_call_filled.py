"""A call for volunteers whose places are all taken says so, instead of « il reste 0 place à prendre ! »;
a place freed again reopens the count."""
from __future__ import annotations

from tests.harness import Sim, of


async def test_a_filled_shift_call_says_every_place_is_taken(sim: Sim) -> None:
    await sim.onboard("ana")
    await sim.roles("ana", add=["animator"])
    await sim.onboard("bob", locale="en")
    await sim.onboard("cat")
    made = await sim.command("ana", "event new", title="Permanence", when="2026-12-10T10:00:00+01:00",
                             kind="shift", slots="accueil:1, caisse:1")
    event_id = made["data"]["event_id"]
    [call] = of(sim.last, "post", kind="shift-call")
    assert "il reste 2 places" in call["text"], call["text"]
    assert (await sim.command("bob", "event join", id=event_id, slot="accueil"))["ok"]
    [edit] = of(sim.last, "edit", message=call["message"])
    assert "il reste 1 place à prendre" in edit["text"], edit["text"]
    assert (await sim.command("cat", "event join", id=event_id, slot="caisse"))["ok"]
    [edit] = of(sim.last, "edit", message=call["message"])
    assert edit["text"].startswith("📣 Appel aux bénévoles : toutes les places sont prises"), edit["text"]
    assert "il reste 0" not in edit["text"]
    assert (await sim.command("cat", "event leave", id=event_id))["ok"]
    [edit] = of(sim.last, "edit", message=call["message"])
    assert "il reste 1 place à prendre" in edit["text"], edit["text"]
