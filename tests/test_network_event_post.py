"""A network event's post and card at home say it is open to the whole network (members of the other
communities may come); elsewhere its card says which community opened it; a local event's say nothing of
it, nor an event of a lone community."""
from __future__ import annotations

from pathlib import Path

from tests.harness import Sim, of
from tests.test_network_console import member, network_config, say


async def test_a_network_event_post_says_the_whole_network_may_come(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "n.sqlite", network_config()).open()
    try:
        await member(sim, "ana", "lilas")
        await sim.send({"type": "roles", "user": "ana", "add": ["animator"], "community": "lilas"})
        await member(sim, "zoe", "ours")
        await sim.send({"type": "command", "user": "zoe", "command": "profile set", "options": {"language": "en"},
                        "community": "ours"})
        outs = await sim.send({"type": "command", "user": "ana", "command": "event new", "community": "lilas",
                               "options": {"title": "Repair café", "when": "2026-12-05T14:00:00+01:00",
                                           "network": True}})
        [made] = of(outs, "reply")
        [posted] = of(outs, "post", kind="event")
        assert "🌐 Ouvert à tout le réseau « Réseau des tiers-lieux »" in posted["text"], posted["text"]
        shown = await say(sim, "zoe", "ours", "event show", id=made["data"]["event_id"])
        assert "🌐 Opened to the network by Les Lilas." in shown["text"], shown["text"]  # elsewhere: by whom
        assert "Open to the whole network" not in shown["text"]
        home = await say(sim, "ana", "lilas", "event show", id=made["data"]["event_id"])
        assert "🌐 Ouvert à tout le réseau « Réseau des tiers-lieux »" in home["text"], home["text"]
        local = await say(sim, "ana", "lilas", "event new", title="Ménage", when="2026-12-06T10:00:00+01:00")
        assert "réseau" not in local["text"].lower()
        [post] = [o for o in sim.last if o["type"] == "post" and o.get("kind") == "event"]
        assert "🌐" not in post["text"]
    finally:
        await sim.close()


async def test_a_lone_community_network_flag_says_nothing_of_a_network(sim: Sim) -> None:
    await sim.onboard("ana")
    await sim.roles("ana", add=["animator"])
    made = await sim.command("ana", "event new", title="Repair café", when="2026-12-05T14:00:00+01:00", network=True)
    assert made["ok"], made
    [post] = of(sim.last, "post", kind="event")
    assert "🌐" not in post["text"]

