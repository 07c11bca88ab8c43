"""Each reply is in the caller's language from its first word to its last (COMMANDS.md: wording is
localized): a part composed for a channel post in the community's language is not pasted into it."""
from __future__ import annotations

from tests.harness import Sim, of


async def test_motm_open_tells_an_english_animator_in_english_that_nobody_can_vote_yet(sim: Sim) -> None:
    await sim.onboard("anna", locale="en")
    await sim.roles("anna", add=["animator"])
    await sim.onboard("bruno")
    opened = await sim.command("anna", "motm open")
    assert opened["ok"], opened
    assert "7 days" in opened["text"] and "Tue 8 Dec" in opened["text"], opened["text"]
    assert "Personne" not in opened["text"] and "décembre" not in opened["text"], opened["text"]
    [notice] = [p for p in of(sim.last, "post", kind="motm-notice") if "7 jours" in p["text"]]
    assert notice["channel"] == "animators" and "mardi 8 décembre" in notice["text"], notice
