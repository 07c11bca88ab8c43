"""`vitality network:true` answers with COMMANDS.md's `vitality` fields too (active_members, newcomers,
retention_30d, requests_opened, requests_resolved, median_hours_to_first_helper, unmet_skills), for the
whole network: counts added over its communities, the median over every request's wait; still no name."""
from __future__ import annotations

from tests.harness import Sim
from tests.network_places import command, network, onboard, place

CONTRACT = {"active_members", "newcomers", "retention_30d", "requests_opened", "requests_resolved",
            "median_hours_to_first_helper", "unmet_skills"}


async def test_network_vitality_carries_the_contract_fields_pooled_over_the_network(sim: Sim) -> None:
    pantin = place(sim, "pantin", "Pantin")
    network(sim, pantin, animators=("netanim",))
    lilas = sim.ctx
    await onboard(lilas, "netanim")
    await onboard(lilas, "alice")
    await onboard(lilas, "hugo", skills="cuisine")
    await onboard(pantin, "zoe", skills="plomberie")
    await onboard(pantin, "yves")
    first = await command(lilas, "alice", "request new", title="Soupe", skills="cuisine")
    await command(pantin, "yves", "request new", title="Fuite", skills="plomberie")
    await sim.advance("2h")
    assert (await command(lilas, "hugo", "request claim", id=first["data"]["request_id"]))["ok"]
    assert (await command(lilas, "alice", "request resolve", id=first["data"]["request_id"]))["ok"]

    reply = await command(lilas, "netanim", "vitality", network=True)
    assert reply["ok"], reply
    data = reply["data"]
    assert set(data) >= CONTRACT, data
    assert data["newcomers"] == 5 and data["active_members"] == data["totals"]["active"] == 5, data
    assert data["requests_opened"] == 2 and data["requests_resolved"] == 1, data
    assert data["median_hours_to_first_helper"] == 2.0 and data["retention_30d"] is None, data
    assert data["unmet_skills"] == []
    assert "alice" not in str(data) and "zoe" not in str(data)  # counts only
    local = await command(lilas, "netanim", "vitality", roles=("animator",))
    assert local["data"]["newcomers"] == 3 and local["data"]["requests_opened"] == 1, local["data"]
