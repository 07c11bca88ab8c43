"""Time in words (bot/when.py, bot/when_words.py): dates and rules typed as people write them, in
French and English, read back in words; durations; the same through `remind add`."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import SimulatedClock
from bot.cron_rules import occurrences
from bot.i18n import Translator
from bot.when import parse_when
from bot.when_lexicon import WhenError, parse_duration
from tests.harness import Sim, of

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 2, 16, 0, tzinfo=PARIS)  # a Wednesday


@pytest.mark.parametrize(("text", "first"), [
    ("24/12 18h", "2026-12-24T18:00:00+01:00"),
    ("24/12/2026 18:00", "2026-12-24T18:00:00+01:00"),
    ("24.12.26 18h", "2026-12-24T18:00:00+01:00"),
    ("demain 9h", "2026-12-03T09:00:00+01:00"),
    ("Demain à 9 h 15", "2026-12-03T09:15:00+01:00"),
    ("après-demain 10h", "2026-12-04T10:00:00+01:00"),
    ("jeudi prochain à 18h30", "2026-12-03T18:30:00+01:00"),
    ("mercredi prochain 10h", "2026-12-09T10:00:00+01:00"),  # not today
    ("ce soir 20h", "2026-12-02T20:00:00+01:00"),
    ("2026-12-24T18:00", "2026-12-24T18:00:00+01:00"),
    ("2026-12-24 18:00", "2026-12-24T18:00:00+01:00"),
    ("24 décembre 18h", "2026-12-24T18:00:00+01:00"),
    ("le 1er janvier à 10h", "2027-01-01T10:00:00+01:00"),
    ("1/12 10h", "2027-12-01T10:00:00+01:00"),  # this year's is past: next year's
    ("tomorrow 9am", "2026-12-03T09:00:00+01:00"),
    ("next Friday 7pm", "2026-12-04T19:00:00+01:00"),
    ("December 24th, 2026 6:30 pm", "2026-12-24T18:30:00+01:00"),
    ("dans 2 heures", "2026-12-02T18:00:00+01:00"),
    ("in 30 minutes", "2026-12-02T16:30:00+01:00"),
])
def test_one_off_dates_in_words(text: str, first: str) -> None:
    when = parse_when(text, NOW, PARIS)
    assert not when.recurring and when.first.isoformat() == first


@pytest.mark.parametrize(("text", "rule", "first"), [
    ("tous les jeudis à 18h", "0 18 * * 4", "2026-12-03T18:00:00+01:00"),
    ("jeudi 18h", "0 18 * * 4", "2026-12-03T18:00:00+01:00"),
    ("chaque jeudi à 18 h 30", "30 18 * * 4", "2026-12-03T18:30:00+01:00"),
    ("chaque premier lundi du mois à 19h", "0 19 * * 1#1", "2026-12-07T19:00:00+01:00"),
    ("le premier samedi du mois à 10h", "0 10 * * 6#1", "2026-12-05T10:00:00+01:00"),
    ("le deuxième mardi du mois à 20h", "0 20 * * 2#2", "2026-12-08T20:00:00+01:00"),
    ("le dernier vendredi du mois à 17h", "0 17 * * 5L", "2026-12-25T17:00:00+01:00"),
    ("le 15 de chaque mois à 10h", "0 10 15 * *", "2026-12-15T10:00:00+01:00"),
    ("le 1er de chaque mois à 9h", "0 9 1 * *", "2027-01-01T09:00:00+01:00"),
    ("tous les jours à 9h", "0 9 * * *", "2026-12-03T09:00:00+01:00"),
    ("du lundi au vendredi à 9h", "0 9 * * 1-5", "2026-12-03T09:00:00+01:00"),
    ("en semaine à 8h30", "30 8 * * 1-5", "2026-12-03T08:30:00+01:00"),
    ("le week-end à 10h", "0 10 * * 0,6", "2026-12-05T10:00:00+01:00"),
    ("lundi et jeudi à 18h", "0 18 * * 1,4", "2026-12-03T18:00:00+01:00"),
    ("tous les 24 décembre à 18h", "0 18 24 12 *", "2026-12-24T18:00:00+01:00"),
    ("toutes les heures", "0 * * * *", "2026-12-02T17:00:00+01:00"),
    ("every Monday 10am", "0 10 * * 1", "2026-12-07T10:00:00+01:00"),
    ("Thursdays at 6:30 pm", "30 18 * * 4", "2026-12-03T18:30:00+01:00"),
    ("every day at noon", "0 12 * * *", "2026-12-03T12:00:00+01:00"),
    ("every first Monday of the month at 7pm", "0 19 * * 1#1", "2026-12-07T19:00:00+01:00"),
    ("0 18 * * 4", "0 18 * * 4", "2026-12-03T18:00:00+01:00"),
    ("0 19 * * 1#1", "0 19 * * 1#1", "2026-12-07T19:00:00+01:00"),
])
def test_recurrences_in_words_and_cron(text: str, rule: str, first: str) -> None:
    when = parse_when(text, NOW, PARIS)
    assert when.rule == rule and when.first.isoformat() == first


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"), ("banane", "unknown_words"), ("jeudi", "no_time"), ("demain", "no_time"),
    ("24/12/2020 18h", "in_the_past"), ("31/02 18h", "bad_date"), ("jeudi 25h", "bad_time"),
    ("13pm", "bad_time"), ("jeudi à 18h et 19h", "two_times"), ("0 25 * * *", "bad_cron"),
    ("0 10 31 2 *", "bad_cron"), ("tous les jeudis sauf les fériés à 18h", "unknown_words"),
])
def test_what_is_not_a_date_says_why(text: str, reason: str) -> None:
    with pytest.raises(WhenError) as caught:
        parse_when(text, NOW, PARIS)
    assert caught.value.reason == reason


def test_rules_follow_local_time_across_daylight_saving() -> None:
    march = datetime(2027, 3, 20, 12, 0, tzinfo=PARIS)
    rule = parse_when("chaque dimanche à 10h", march, PARIS).rule
    assert rule is not None
    assert [d.isoformat() for d in occurrences(rule, PARIS, march, 3)] == [
        "2027-03-21T10:00:00+01:00", "2027-03-28T10:00:00+02:00", "2027-04-04T10:00:00+02:00"]
    # 02:30 does not exist on 28 March 2027 in Paris: a one-off then is the real instant after the jump.
    gap = parse_when("28/03/2027 2h30", march, PARIS).first
    assert gap.isoformat() == "2027-03-28T03:30:00+02:00"
    firsts = occurrences("0 19 * * 1#1", PARIS, datetime(2026, 12, 2, tzinfo=PARIS), 3)
    assert [d.date().isoformat() for d in firsts] == ["2026-12-07", "2027-01-04", "2027-02-01"]


@pytest.mark.parametrize(("spec", "fr", "en"), [
    ("0 18 * * 4", "tous les jeudis à 18 h", "every Thursday at 6:00 PM"),
    ("30 18 * * 1,4", "tous les lundis et jeudis à 18 h 30", "every Monday and Thursday at 6:30 PM"),
    ("0 19 * * 1#1", "chaque premier lundi du mois à 19 h", "on the first Monday of every month at 7:00 PM"),
    ("0 17 * * 5L", "chaque dernier vendredi du mois à 17 h", "on the last Friday of every month at 5:00 PM"),
    ("0 9 * * *", "tous les jours à 9 h", "every day at 9:00 AM"),
    ("0 9 * * 1-5", "du lundi au vendredi à 9 h", "Monday to Friday at 9:00 AM"),
    ("0 10 1 * *", "le 1er de chaque mois à 10 h", "on the 1st of every month at 10:00 AM"),
    ("0 10 22 * *", "le 22 de chaque mois à 10 h", "on the 22nd of every month at 10:00 AM"),
    ("0 18 24 12 *", "chaque année le 24 décembre à 18 h", "every year on 24 December at 6:00 PM"),
    ("0 9,18 * * *", "tous les jours à 9 h et 18 h", "every day at 9:00 AM and 6:00 PM"),
    ("*/15 * * * *", "toutes les 15 minutes", "every 15 minutes"),
    ("5 4 * 1-3 2", "selon la règle cron « 5 4 * 1-3 2 »", "by the cron rule “5 4 * 1-3 2”"),
])
def test_rules_read_back_in_words(spec: str, fr: str, en: str) -> None:
    t = Translator()
    assert t.rule("fr", spec) == fr and t.rule("en", spec) == en


def test_dates_without_seconds_and_the_year_only_when_it_is_not_this_one() -> None:
    t = Translator()
    t.clock = SimulatedClock(NOW)
    christmas = datetime(2026, 12, 24, 18, 0, tzinfo=PARIS)
    assert t.datetime("fr", christmas) == "jeudi 24 décembre à 18 h"
    assert t.datetime("en", christmas) == "Thu 24 Dec, 6:00 PM"
    assert t.datetime("fr", christmas + timedelta(days=12, minutes=5)) == "mardi 5 janvier 2027 à 18 h 05"
    assert t.datetime("en", christmas + timedelta(days=12, minutes=5)) == "Tue 5 Jan 2027, 6:05 PM"
    assert t.date("fr", christmas) == "jeudi 24 décembre" and t.date("en", christmas) == "Thu 24 Dec"


@pytest.mark.parametrize(("text", "minutes"), [
    ("90m", 90), ("2h", 120), ("1d", 1440), ("1j", 1440), ("1 semaine", 10080), ("2 jours", 2880), ("45", 45),
    ("1h30", 90), ("1 jour et 2 heures", 1560), ("2 weeks", 20160), ("90 min", 90),
])
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["", "x", "0", "2 lunes", "-5", "1.5h"])
def test_what_is_not_a_duration(text: str) -> None:
    with pytest.raises(WhenError):
        parse_duration(text)


async def _animator(sim: Sim, user: str = "ani", locale: str = "fr") -> str:
    await sim.onboard(user, locale=locale)
    await sim.roles(user, add=["animator"])
    return user


async def test_remind_add_in_words_reads_back_in_words_everywhere(sim: Sim) -> None:
    ani = await _animator(sim)
    reply = await sim.command(ani, "remind add", when="tous les jeudis à 18h", text="Permanence")
    assert reply["ok"], reply
    assert "tous les jeudis à 18 h" in reply["text"] and "jeudi 3 décembre à 18 h" in reply["text"]
    assert "* *" not in reply["text"] and reply["data"]["rule"] == "tous les jeudis à 18 h"
    log = of(sim.last, "post", kind="mod-log")
    assert len(log) == 1 and "tous les jeudis à 18 h" in log[0]["text"] and "0 18" not in log[0]["text"]
    assert "tous les jeudis à 18 h → #general : Permanence" in log[0]["text"], log  # French punctuation
    listed = await sim.command(ani, "remind list")
    assert "tous les jeudis à 18 h" in listed["text"] and "0 18 * * 4" not in listed["text"]
    assert listed["data"]["reminders"][0]["when"] == "0 18 * * 4"
    posts = of(await sim.advance(until="2026-12-11T00:00:00+01:00"), "post", kind="reminder")
    assert [p["at"] for p in posts] == ["2026-12-03T18:00:00+01:00", "2026-12-10T18:00:00+01:00"]


async def test_remind_add_in_english_and_a_one_off_in_words(sim: Sim) -> None:
    ani = await _animator(sim, locale="en")
    reply = await sim.command(ani, "remind add", when="every first Monday of the month at 7pm", text="AG")
    assert "on the first Monday of every month at 7:00 PM" in reply["text"], reply
    assert "Mon 7 Dec, 7:00 PM" in reply["text"]
    once = await sim.command(ani, "remind add", when="24/12 18h", text="Party")
    assert once["data"]["next"] == "2026-12-24T18:00:00+01:00" and "Thu 24 Dec, 6:00 PM" in once["text"]


async def test_bad_when_is_a_localized_invalid_input_with_an_example(sim: Sim) -> None:
    ani = await _animator(sim)
    reply = await sim.command(ani, "remind add", when="jeudi vers l'heure du goûter", text="x")
    assert reply["error"] == "invalid_input" and "Par exemple" in reply["text"] and "tous les jeudis" in reply["text"]
    await _animator(sim, "ana", locale="en")
    reply = await sim.command("ana", "remind add", when="someday", text="x")
    assert reply["error"] == "invalid_input" and "For example" in reply["text"]
    assert (await sim.command(ani, "remind list"))["data"] == {"reminders": []}


async def test_a_rule_in_words_keeps_local_time_across_the_spring_change(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "dst.sqlite", start="2027-03-20T09:00:00+01:00").open()
    try:
        await _animator(sim)
        await sim.command("ani", "remind add", when="le dimanche à 10h", text="Marché")
        posts = of(await sim.advance(until="2027-04-05T00:00:00+02:00"), "post", kind="reminder")
        assert [p["at"] for p in posts] == [
            "2027-03-21T10:00:00+01:00", "2027-03-28T10:00:00+02:00", "2027-04-04T10:00:00+02:00"]
    finally:
        await sim.close()


def test_the_first_of_the_month_reads_1er_in_french() -> None:
    t = Translator()
    t.clock = SimulatedClock(NOW)
    first = datetime(2026, 5, 1, 9, 0, tzinfo=PARIS)
    assert t.date("fr", first) == "vendredi 1er mai" and t.date("en", first) == "Fri 1 May"
    assert t.datetime("fr", first) == "vendredi 1er mai à 9 h"


@pytest.mark.parametrize(("instant", "fr", "en"), [
    ("2026-12-05T14:00:00+01:00", "5 décembre 14h", "December 5 2pm"),
    ("2026-12-02T17:30:00+01:00", "2 décembre 17h30", "December 2 5:30pm"),  # later today
    ("2026-12-06T00:00:00+01:00", "6 décembre 0h", "December 6 12am"),
    ("2026-12-06T12:05:00+01:00", "6 décembre 12h05", "December 6 12:05pm"),
    ("2027-01-01T09:00:00+01:00", "1 janvier 9h", "January 1 9am"),  # next year, within the year ahead
])
def test_a_date_as_typed_reads_back_as_the_same_one_off(instant: str, fr: str, en: str) -> None:
    from bot.when_words import typed_date

    when = datetime.fromisoformat(instant)
    for locale, typed in (("fr", fr), ("en", en)):
        assert typed_date(locale, when, PARIS) == typed
        back = parse_when(typed, NOW, PARIS)
        assert not back.recurring and back.first == when, (locale, typed, back)
