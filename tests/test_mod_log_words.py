"""The mod-log (and whatever shows a case) says what an event action changed in the reader's words (docs/STYLE.md:
no codes, no English in French): « n°1 : lieu, nombre de places », « 2 personnes présentes », not
« #1 capacity, place » nor « #1 2 »; `mod history`'s data keeps what was stored."""
from __future__ import annotations

from tests.harness import Sim, of


async def test_event_actions_read_in_words_in_mod_log_and_history(sim: Sim) -> None:
    await sim.onboard("ana")
    await sim.roles("ana", add=["animator"])
    await sim.onboard("cat")
    made = await sim.command("ana", "event new", title="Apéro", when="2026-12-05T18:00:00+01:00")
    event_id = made["data"]["event_id"]
    [log] = of(sim.last, "post", kind="mod-log")
    assert f"motif : n°{event_id} : Apéro" in log["text"], log["text"]
    assert (await sim.command("ana", "event edit", id=event_id, place="Jardin", capacity=10))["ok"]
    [log] = of(sim.last, "post", kind="mod-log")
    assert f"motif : n°{event_id} : nombre de places, lieu" in log["text"], log["text"]
    assert "capacity" not in log["text"] and "#" not in log["text"]
    assert (await sim.command("ana", "event attended", id=event_id, members="cat, ana"))["ok"]
    [log] = of(sim.last, "post", kind="mod-log")
    assert f"motif : n°{event_id} : 2 personnes présentes" in log["text"], log["text"]

    # what an English reader gets from the same stored reasons
    from bot.services.moderation import action_words
    assert action_words(sim.ctx, "en", "event-edit", f"#{event_id} capacity, place") == (
        "event changed", f"#{event_id}: number of places, place")
    assert action_words(sim.ctx, "en", "event-attended", f"#{event_id} 1")[1] == f"#{event_id}: 1 person attended"
    assert action_words(sim.ctx, "fr", "close-request", "#4: doublon")[1] == "n°4 : doublon"
    assert action_words(sim.ctx, "fr", "warn", "#4 spam")[1] == "#4 spam"  # a member's own words stay


async def test_reminder_and_poll_cases_read_in_words(sim: Sim) -> None:
    from bot.services.moderation import action_words

    assert action_words(sim.ctx, "fr", "remind-add", "#2 mercredi 2 décembre à 10 h → #general : AG")[1] == (
        "n°2 : mercredi 2 décembre à 10 h → #general : AG")
    assert action_words(sim.ctx, "fr", "motm-open", "2026-12") == ("ouverture du vote du membre du mois",
                                                                   "décembre 2026")
    assert action_words(sim.ctx, "en", "motm-close", "2027-01")[1] == "January 2027"
    await sim.onboard("ana")
    await sim.roles("ana", add=["animator"])
    assert (await sim.command("ana", "motm open"))["ok"]
    [log] = of(sim.last, "post", kind="mod-log")
    assert "motif : décembre 2026" in log["text"], log["text"]
