"""COMMANDS.md's lists are whole ("nothing ever cut"): `event list` and `proposal list` page through every
coming event and every proposal, with the true total, as `request list` does; the pages' buttons reach
the last one."""
from __future__ import annotations

from typing import Any

from tests.harness import Sim, config_with

COUNT = 30  # more than one page, and more than the 25 these lists used to stop at


async def _every_page(sim: Sim, user: str, first: dict[str, Any]) -> str:
    """The texts of every page, following the next-page buttons."""
    text, reply = first["text"], first
    while nxt := [c for c in reply.get("components") or [] if "▶" in c.get("label", "")]:
        reply = await sim.click(user, nxt[-1]["custom_id"])
        assert reply["ok"], reply
        text += "\n" + reply["text"]
    return text


async def test_event_list_pages_through_every_coming_event(sim: Sim) -> None:
    await sim.onboard("ana")
    await sim.roles("ana", add=["animator"])
    await sim.onboard("bob", locale="en")
    for i in range(COUNT):
        made = await sim.command("ana", "event new", title=f"Atelier {i}",
                                 when=f"2026-12-{3 + i % 25:02d}T18:{i:02d}:00+01:00")
        assert made["ok"], made
    listed = await sim.command("bob", "event list")
    assert len(listed["data"]["events"]) == COUNT, listed["data"]
    assert listed["text"].startswith(f"{COUNT} upcoming events"), listed["text"]
    text = await _every_page(sim, "bob", listed)
    assert all(f"Atelier {i} " in text for i in range(COUNT)), text
    assert f"of {COUNT}" in text


async def test_proposal_list_pages_through_every_proposal(tmp_path: Any) -> None:
    sim = await Sim(tmp_path / "p.sqlite", config_with(proposals={"max_open_per_member": 50})).open()
    try:
        await sim.onboard("cleo")
        for i in range(COUNT):
            made = await sim.command("cleo", "proposal new", title=f"Idée {i}", details="à discuter")
            assert made["ok"], made
        listed = await sim.command("cleo", "proposal list")
        assert len(listed["data"]["proposals"]) == COUNT, listed["data"]
        assert listed["text"].startswith(f"{COUNT} propositions"), listed["text"]
        text = await _every_page(sim, "cleo", listed)
        assert all(f"Idée {i} " in text for i in range(COUNT)), text
        assert f"sur {COUNT}" in text
    finally:
        await sim.close()
