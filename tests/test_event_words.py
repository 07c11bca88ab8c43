"""`event new`'s `repeat` is "words" (COMMANDS.md): a period alone or a rule without its time repeats
the first start; an `end` before the start is refused as such, not as an unreadable date."""
from __future__ import annotations

import pytest

from tests.harness import Sim


@pytest.fixture
async def animator(sim: Sim) -> Sim:
    await sim.onboard("ana")
    await sim.roles("ana", add=["animator"])
    await sim.onboard("ben", locale="en")
    await sim.roles("ben", add=["animator"])
    return sim


@pytest.mark.parametrize(("repeat", "words"), [
    ("toutes les semaines", "tous les samedis à 10 h"),
    ("tous les samedis", "tous les samedis à 10 h"),
    ("le premier samedi du mois", "chaque premier samedi du mois à 10 h"),
    ("tous les mois", "le 5 de chaque mois à 10 h"),
    ("tous les jours", "tous les jours à 10 h"),
])
async def test_a_repeat_without_a_time_repeats_the_first_start(animator: Sim, repeat: str, words: str) -> None:
    made = await animator.command("ana", "event new", title="Ménage", when="2026-12-05T10:00:00+01:00",
                                  repeat=repeat)
    assert made["ok"], made
    assert made["data"]["start"] == "2026-12-05T10:00:00+01:00"
    assert f"🔁 {words}" in made["text"], made["text"]


async def test_an_unreadable_repeat_is_answered_with_repetitions(animator: Sim) -> None:
    bad = await animator.command("ben", "event new", title="Chores", when="2026-12-05T10:00:00+01:00",
                                 repeat="now and then")
    assert bad["error"] == "invalid_input", bad
    assert "is not a repetition" in bad["text"] and "every Thursday at 6pm" in bad["text"], bad["text"]
    assert "24/12 6pm" not in bad["text"]
    assert (await animator.command("ben", "event list"))["data"]["events"] == []


async def test_an_end_before_the_start_is_called_so(animator: Sim) -> None:
    bad = await animator.command("ben", "event new", title="Chores", when="2026-12-10T10:00:00+01:00",
                                 end="2026-12-10T09:00:00+01:00")
    assert bad["error"] == "invalid_input", bad
    assert "must come after the start" in bad["text"] and "don't understand" not in bad["text"], bad["text"]
    bad = await animator.command("ana", "event new", title="Ménage", when="2026-12-10T10:00:00+01:00",
                                 end="2026-12-09T12:00:00+01:00")
    assert "doit venir après le début" in bad["text"], bad["text"]
    assert (await animator.command("ana", "event list"))["data"]["events"] == []


async def test_a_slot_named_for_an_event_without_slots_is_refused_and_signs_nobody_up(animator: Sim) -> None:
    made = await animator.command("ana", "event new", title="Apéro", when="2026-12-05T18:00:00+01:00")
    event_id = made["data"]["event_id"]
    refused = await animator.command("ben", "event join", id=event_id, slot="accueil")
    assert refused["error"] == "invalid_input", refused
    assert refused["text"] == (f"That input isn't valid: event #{event_id} has no slots: "
                               f"“event join id={event_id}” signs you up.")
    assert (await animator.command("ben", "event show", id=event_id))["data"]["participants"] == []
    joined = await animator.command("ben", "event join", id=event_id)
    assert joined["ok"] and joined["data"] == {"event_id": event_id, "slot": None}, joined


async def test_repeat_non_makes_an_occurrence_a_one_off(animator: Sim) -> None:
    made = await animator.command("ana", "event new", title="Atelier", when="2026-12-03T18:00:00+01:00",
                                  repeat="tous les jeudis")
    event_id = made["data"]["event_id"]
    assert "🔁 tous les jeudis à 18 h" in made["text"], made["text"]
    once = await animator.command("ana", "event edit", id=event_id, repeat="non")
    assert once["ok"] and "🔁" not in once["text"], once
    assert "n°1 : répétition" in [p for p in animator.last if p.get("kind") == "mod-log"][0]["text"]
    english = await animator.command("ben", "event new", title="Chores", when="2026-12-05T10:00:00+01:00",
                                     repeat="once")
    assert english["ok"] and "🔁" not in english["text"], english


@pytest.mark.parametrize(("rule", "fr", "en"), [
    ("0 18 * * 2", "chaque mardi à 18 h", "every Tuesday at 6:00 PM"),
    ("30 14 * * 6", "chaque samedi à 14 h 30", "every Saturday at 2:30 PM"),
    ("0 18 * * 1,4", "tous les lundis et jeudis à 18 h", "every Monday and Thursday at 6:00 PM"),
    ("0 10 * * 6#1", "chaque premier samedi du mois à 10 h", "on the first Saturday of every month at 10:00 AM"),
])
def test_an_events_notice_says_its_rhythm_in_words(rule: str, fr: str, en: str) -> None:
    """The weekly note reads a one-day rule as « chaque mardi à 18 h », never as a repetition's mechanics."""
    from bot.i18n import Translator
    from bot.when_words import describe_each

    words = Translator("fr")
    assert describe_each(words, "fr", rule) == fr
    assert describe_each(words, "en", rule) == en


async def test_an_events_time_reads_as_a_sentence_and_its_mod_log_names_no_one(animator: Sim) -> None:
    """« samedi 5 décembre, de 10 h à 12 h », the slot inside the reminder's parentheses, and a mod-log line
    about nobody in particular without « concerne — »."""
    made = await animator.command("ana", "event new", title="Marché", when="2026-12-05T10:00:00+01:00", end="12h",
                                  slots="accueil:1, caisse:1", place="Place du marché")
    assert "🕒 samedi 5 décembre, de 10 h à 12 h" in made["text"], made["text"]
    (log,) = [p for p in animator.last if p.get("kind") == "mod-log"]
    assert "concerne" not in log["text"] and "—" not in log["text"].split("motif")[0], log["text"]
    english = await animator.command("ben", "event show", id=made["data"]["event_id"])
    assert "Sat 5 Dec, 10:00 AM – 12:00 PM" in english["text"], english["text"]
    assert (await animator.command("ben", "event join", id=made["data"]["event_id"], slot="caisse"))["ok"]
    shown = await animator.command("ana", "event show", id=made["data"]["event_id"])
    assert "accueil (1 place libre sur 1), caisse (complet)" in shown["text"], shown["text"]
    assert "caisse (full)" in (await animator.command("ben", "event show", id=made["data"]["event_id"]))["text"]
    await animator.advance(until="2026-12-04T10:30:00+01:00")
    reminders = [m for m in animator.outputs if m.get("kind") == "event-reminder" and m.get("user") == "ben"]
    assert reminders and "(Sat 5 Dec, 10:00 AM – 12:00 PM, Place du marché, slot: caisse)." in reminders[0]["text"], \
        reminders
