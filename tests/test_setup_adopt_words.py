"""`setup adopt` says what it did: the French name of the choice (`envoyer`) sends the charter and the
reply says so; the mod-log names the choice in words, not its code; adopting again says nobody was
left, not « 0 membre … est désormais connu·e »."""
from __future__ import annotations

from tests.harness import Sim, of


async def test_setup_adopt_envoyer_sends_the_charter_and_says_so(sim: Sim) -> None:
    await sim.join("ana", joined_at="2024-01-01T10:00:00+01:00")
    await sim.roles("ana", add=["animator"])
    await sim.join("bob", locale="en", joined_at="2025-03-01T10:00:00+01:00")
    adopted = await sim.command("ana", "setup adopt", charter="envoyer")
    assert adopted["ok"] and adopted["data"] == {"adopted": 2}, adopted
    assert "la charte leur sera envoyée" in adopted["text"], adopted["text"]
    assert {d["user"] for d in of(sim.last, "dm", kind="charter")} == {"ana", "bob"}
    [log] = of(sim.last, "post", kind="mod-log")
    assert "2 membres adoptés (charte : envoyée en message privé)" in log["text"], log["text"]
    assert "send" not in log["text"]

    again = await sim.command("ana", "setup adopt")
    assert again["ok"] and again["data"] == {"adopted": 0}, again
    assert again["text"].startswith("Personne de plus à adopter"), again["text"]
    assert "0 membre" not in again["text"]
    [log] = of(sim.last, "post", kind="mod-log")
    assert "charte : comptée comme acceptée" in log["text"] and "accepted" not in log["text"], log["text"]


async def test_an_english_animator_reads_the_adoption_in_english(sim: Sim) -> None:
    await sim.join("anna", locale="en", joined_at="2024-01-01T10:00:00+01:00")
    await sim.roles("anna", add=["animator"])
    adopted = await sim.command("anna", "setup adopt", charter="Send")
    assert adopted["data"] == {"adopted": 1} and "receive the charter by private message" in adopted["text"], adopted
    again = await sim.command("anna", "setup adopt", charter="send")
    assert again["text"].startswith("Nobody left to adopt"), again["text"]
