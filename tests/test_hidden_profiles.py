"""A hidden profile stays hidden (issue 15, item 4): `request new` does not name the hidden helpers
it pinged (they are only counted), and `skills` counts only what `directory` would show."""
from __future__ import annotations

from tests.harness import Sim


async def test_request_new_counts_hidden_helpers_without_naming_them(sim: Sim) -> None:
    await sim.onboard("alice")
    await sim.onboard("hana", skills="jardinage", visible=False)
    await sim.onboard("vic", skills="jardinage")
    reply = await sim.command("alice", "request new", title="Tailler la haie", skills="jardinage")
    assert reply["ok"], reply
    assert reply["data"]["pinged"] == ["vic"]
    assert "hana" not in reply["text"] and "vic" in reply["text"] and "2" in reply["text"]
    assert "autre personne" in reply["text"]
    assert [o["user"] for o in sim.last if o.get("kind") == "helper-ping"] == ["hana", "vic"]  # still asked


async def test_skills_counts_only_visible_profiles(sim: Sim) -> None:
    await sim.onboard("hana", skills="reiki, vélo", needs="aide administrative", visible=False)
    await sim.onboard("vic", skills="vélo")
    listed = await sim.command("vic", "skills")
    assert listed["data"]["skills"] == [{"skill": "vélo", "offered": 1, "needed": 0}]
    assert "reiki" not in listed["text"] and "administrative" not in listed["text"]
    assert (await sim.command("vic", "directory", skill="reiki"))["data"]["members"] == []
