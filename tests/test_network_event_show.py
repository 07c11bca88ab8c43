"""`event show` of an event another community opened to the network says whose it is, as `event list
network:true` does (its `community` in `data`, its name in the text); at home, nothing is added."""
from __future__ import annotations

from tests.harness import Sim
from tests.network_places import command, network, onboard, place


async def test_an_event_of_another_community_is_shown_with_its_community(sim: Sim) -> None:
    pantin = place(sim, "pantin", "Pantin")
    network(sim, pantin)
    lilas = sim.ctx
    await onboard(pantin, "pa")
    await onboard(lilas, "alice")
    await onboard(lilas, "amy", locale="en")
    opened = await command(pantin, "pa", "event new", roles=("animator",), title="Repair café",
                           when="2026-12-05T14:00:00+01:00", network=True)
    event_id = opened["data"]["event_id"]
    shown = await command(lilas, "alice", "event show", id=event_id)
    assert shown["ok"] and shown["data"]["community"] == "pantin", shown
    assert "🌐 Proposé au réseau par Pantin." in shown["text"], shown["text"]
    english = await command(lilas, "amy", "event show", id=event_id)
    assert "Opened to the network by Pantin." in english["text"], english["text"]
    home = await command(pantin, "pa", "event show", id=event_id)
    assert "community" not in home["data"] and "Proposé au réseau par" not in home["text"], home
    assert "🌐 Ouvert à tout le réseau" in home["text"], home  # at home: who may come (test_network_event_post.py)
    assert "Ouvert à tout le réseau" not in shown["text"]  # elsewhere: « Proposé au réseau par Pantin » says it
