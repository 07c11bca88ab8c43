"""A request opened without details: its post and the helpers' DMs go from the title to the skills,
with no lone « — » line standing for the missing text; details given still read on their own line."""
from __future__ import annotations

from tests.harness import Sim, of


async def test_a_request_without_details_has_no_placeholder_line(sim: Sim) -> None:
    await sim.onboard("ana")
    await sim.onboard("bob")
    await sim.command("bob", "profile set", skills="bricolage")
    opened = await sim.command("ana", "request new", title="Étagère", skills="bricolage")
    assert opened["ok"], opened
    [post] = [o for o in sim.last if o["type"] == "post"]
    [ping] = of(sim.last, "dm", user="bob")
    for text in (post["text"], ping["text"]):
        assert "—" not in text and "\n\n" not in text, text
        assert "Étagère" in text


async def test_details_keep_their_own_line(sim: Sim) -> None:
    await sim.onboard("ana")
    await sim.onboard("bob")
    await sim.command("bob", "profile set", skills="bricolage")
    await sim.command("ana", "request new", title="Étagère", details="À monter samedi", skills="bricolage")
    [post] = [o for o in sim.last if o["type"] == "post"]
    [ping] = of(sim.last, "dm", user="bob")
    for text in (post["text"], ping["text"]):
        assert "\nÀ monter samedi\n" in text, text
