"""A need nobody offers in the member's community: in a network that does not widen requests by itself, the
reply says other communities may help and how (`request widen`); a lone community says nothing of it. And
sharing one's profile with the network (« profil modifier réseau oui ») says it took."""
from __future__ import annotations

from pathlib import Path

from tests.harness import Sim
from tests.test_network_console import member, network_config, say


async def test_a_need_nobody_offers_here_points_to_the_network_when_it_is_not_widened_by_itself(
        tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "n.sqlite", network_config()).open()
    try:
        await member(sim, "zoe", "ours", skills="plomberie", network=True)
        await member(sim, "alice", "lilas")
        opened = await say(sim, "alice", "lilas", "request new", title="Fuite", skills="plomberie")
        assert opened["data"]["nobody_offers"], opened
        assert "« request widen id=1 » leur propose votre demande" in opened["text"], opened["text"]
    finally:
        await sim.close()


async def test_a_lone_community_need_says_nothing_of_a_network(sim: Sim) -> None:
    await sim.onboard("alice")
    opened = await sim.command("alice", "request new", title="Fuite", skills="plomberie")
    assert opened["data"]["nobody_offers"] and "widen" not in opened["text"], opened["text"]


async def test_sharing_a_profile_with_the_network_says_it_took(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "n.sqlite", network_config()).open()
    try:
        await member(sim, "zoe", "ours", skills="plomberie")
        await member(sim, "alice", "lilas")
        outs = await sim.send({"type": "command", "user": "zoe", "text": "profil modifier réseau oui",
                               "community": "ours"})
        [reply] = [o for o in outs if o["type"] == "reply"]
        assert reply["ok"] and reply["data"]["skills"] == ["plomberie"], reply
        assert "Réseau des tiers-lieux" in reply["text"], reply["text"]
        found = await say(sim, "alice", "lilas", "directory", skill="plomberie", network=True)
        assert found["data"]["members"] == ["zoe"], found
    finally:
        await sim.close()
