"""Reminders: animators schedule one-off or recurring announcements; they post on time, in the
community's timezone across daylight-saving changes, and never twice across restarts."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.cron_rules import crontab_weekdays
from tests.harness import Sim, config_with, of


async def animator(sim: Sim, user: str = "ani") -> str:
    await sim.onboard(user)
    await sim.roles(user, add=["animator"])
    return user


def reminder_posts(outs: list[dict]) -> list[dict]:
    return of(outs, "post", kind="reminder")


async def test_a_one_off_reminder_is_posted_once_in_general_at_community_time(sim: Sim) -> None:
    ani = await animator(sim)
    reply = await sim.command(ani, "remind add", when="2026-12-03T18:30", text="Apéro partagé ce soir !")
    assert reply["ok"], reply
    assert reply["data"] == {"reminder_id": reply["data"]["reminder_id"], "next": "2026-12-03T18:30:00+01:00"}
    assert "jeudi 3 décembre à 18 h 30" in reply["text"] and ":00" not in reply["text"]

    outs = await sim.advance(until="2026-12-05T00:00:00+01:00")
    posts = reminder_posts(outs)
    assert len(posts) == 1
    assert posts[0]["channel"] == "general" and posts[0]["at"] == "2026-12-03T18:30:00+01:00"
    assert "Apéro partagé ce soir !" in posts[0]["text"] and posts[0]["mentions"] == []
    listed = await sim.command(ani, "remind list")
    assert listed["data"] == {"reminders": []}


async def test_a_reminder_goes_to_the_channel_given_and_never_pings_through_its_text(sim: Sim) -> None:
    ani = await animator(sim)
    reply = await sim.command(ani, "remind add", when="2026-12-02T10:00:00+01:00", text="@everyone AG <@&123>",
                              channel="#Animators")
    assert reply["ok"], reply
    posts = reminder_posts(await sim.advance(by="2d"))
    assert [p["channel"] for p in posts] == ["animators"]
    assert "@everyone" not in posts[0]["text"] and posts[0]["mentions"] == []


async def test_an_offset_in_the_date_is_respected(sim: Sim) -> None:
    ani = await animator(sim)
    reply = await sim.command(ani, "remind add", when="2026-12-02T09:00:00+00:00", text="UTC")
    assert reply["data"]["next"] == "2026-12-02T10:00:00+01:00"


@pytest.mark.parametrize("when", [
    "2026-11-30T10:00",          # one-off in the past
    "2026-12-01T09:00:00+01:00",  # exactly now is not the future
    "0 25 * * *",                # hour out of range
    "61 10 * * *",
    "0 10 * * 8",
    "0 10 31 2 *",               # never fires
    "0 10 * *",                  # 4 fields
    "demain",                    # no time of day
    "2026-13-01T10:00",
])
async def test_a_past_date_or_a_bad_cron_is_invalid_and_creates_nothing(sim: Sim, when: str) -> None:
    ani = await animator(sim)
    reply = await sim.command(ani, "remind add", when=when, text="x")
    assert not reply["ok"] and reply["error"] == "invalid_input", reply
    assert (await sim.command(ani, "remind list"))["data"] == {"reminders": []}
    assert of(sim.last, "post", kind="mod-log") == []


async def test_missing_text_and_bad_channel_are_invalid(sim: Sim) -> None:
    ani = await animator(sim)
    assert (await sim.command(ani, "remind add", when="0 10 * * 1"))["error"] == "invalid_input"
    reply = await sim.command(ani, "remind add", when="0 10 * * 1", text="x", channel="gen eral!")
    assert reply["error"] == "invalid_input"
    for bad in ("<@123>", "a\u202eb", "#"):
        reply = await sim.command(ani, "remind add", when="0 10 * * 1", text="x", channel=bad)
        assert reply["error"] == "invalid_input", (bad, reply)


@pytest.mark.parametrize("channel", ["📢-annonces", "┃général", "#🎉-fêtes"])
async def test_channel_names_with_emoji_and_separators_work_on_the_console(tmp_path: Path, channel: str) -> None:
    config = config_with(channels={"welcome": "accueil", "general": channel.lstrip("#")})
    sim = await Sim(tmp_path / "emoji.sqlite", config=config).open()
    try:
        ani = await animator(sim)
        reply = await sim.command(ani, "remind add", when="2026-12-02T10:00", text="Fête", channel=channel)
        assert reply["ok"], reply
        assert "#" + channel.lstrip("#") in reply["text"]
        posts = reminder_posts(await sim.advance(by="2d"))
        assert [p["channel"] for p in posts] == [channel.lstrip("#")]
    finally:
        await sim.close()


async def test_a_channel_the_config_does_not_name_is_refused_with_the_known_ones(sim: Sim) -> None:
    """`channel=annonces` on a community whose config has no such channel: nothing scheduled, nothing
    posted, a localized error that lists the channels it has; a Discord id (a real channel) still goes."""
    ani = await animator(sim)
    await sim.onboard("eva", locale="en")
    await sim.roles("eva", add=["animator"])
    reply = await sim.command(ani, "remind add", when="2026-12-02T10:00", text="AG", channel="annonces")
    assert not reply["ok"] and reply["error"] == "invalid_input", reply
    assert "pas de salon « annonces »" in reply["text"], reply["text"]
    assert of(sim.last, "post") == []
    assert "#general, #welcome, #help-requests, #animators, #mod-log" in reply["text"], reply["text"]
    english = await sim.command("eva", "remind add", when="2026-12-02T10:00", text="AG", channel="#annonces")
    assert "no channel “annonces”" in english["text"] and "#general" in english["text"], english["text"]
    assert (await sim.command(ani, "remind list"))["data"] == {"reminders": []}
    assert reminder_posts(await sim.advance(by="2d")) == []
    by_id = await sim.command(ani, "remind add", when="2026-12-04T10:00", text="AG", channel="<#1234>")
    assert by_id["ok"], by_id


async def test_members_cannot_schedule_list_or_remove_reminders(sim: Sim) -> None:
    ani = await animator(sim)
    await sim.onboard("bob")
    rid = (await sim.command(ani, "remind add", when="0 10 * * 1", text="x"))["data"]["reminder_id"]
    for command, options in (("remind add", {"when": "0 10 * * 1", "text": "spam"}), ("remind list", {}),
                             ("remind remove", {"id": rid})):
        reply = await sim.command("bob", command, **options)
        assert reply["error"] == "permission_denied", reply
    assert len((await sim.command(ani, "remind list"))["data"]["reminders"]) == 1


async def test_list_and_remove(sim: Sim) -> None:
    ani = await animator(sim)
    first = (await sim.command(ani, "remind add", when="0 10 * * 1", text="Réunion hebdo"))["data"]
    second = (await sim.command(ani, "remind add", when="2026-12-02T08:00", text="Tôt"))["data"]
    listed = (await sim.command(ani, "remind list"))["data"]["reminders"]
    assert listed == [
        {"reminder_id": second["reminder_id"], "when": "2026-12-02T08:00:00+01:00",
         "next": "2026-12-02T08:00:00+01:00", "text": "Tôt"},
        {"reminder_id": first["reminder_id"], "when": "0 10 * * 1", "next": "2026-12-07T10:00:00+01:00",
         "text": "Réunion hebdo", "rule": "tous les lundis à 10 h"},
    ]
    reply = await sim.command(ani, "remind remove", id=first["reminder_id"])
    assert reply["ok"] and reply["data"] == {"reminder_id": first["reminder_id"]}
    assert len(of(sim.last, "post", kind="mod-log")) == 1
    again = await sim.command(ani, "remind remove", id=first["reminder_id"])
    assert again["error"] == "not_found"
    assert (await sim.command(ani, "remind remove", id=9999))["error"] == "not_found"
    posts = reminder_posts(await sim.advance(until="2026-12-08T00:00:00+01:00"))
    assert [p["text"] for p in posts] == ["📣 Tôt"]


async def test_english_replies(sim: Sim) -> None:
    await sim.onboard("ani", locale="en")
    await sim.roles("ani", add=["animator"])
    reply = await sim.command("ani", "remind add", when="2026-12-24T18:00", text="Party")
    assert "Noted" in reply["text"] and "Dec" in reply["text"]
    reply = await sim.command("ani", "remind add", when="2020-01-01T00:00", text="Party")
    assert "already passed" in reply["text"]


def test_crontab_weekdays_count_from_sunday_like_cron() -> None:
    assert crontab_weekdays("0") == "sun" and crontab_weekdays("7") == "sun"
    assert crontab_weekdays("1-5") == "mon,tue,wed,thu,fri"
    assert crontab_weekdays("mon-sun") == "sun,mon,tue,wed,thu,fri,sat"
    assert crontab_weekdays("*/2") == "sun,tue,thu,sat"
    assert crontab_weekdays("6,0") == "sun,sat"
    assert crontab_weekdays("*") == "*"
    for bad in ("8", "5-1", "x", "1/0"):
        with pytest.raises(ValueError):
            crontab_weekdays(bad)


async def test_a_weekly_cron_stays_at_ten_local_time_across_the_spring_change(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "dst.sqlite", start="2027-03-20T09:00:00+01:00").open()
    try:
        await animator(sim)
        reply = await sim.command("ani", "remind add", when="0 10 * * 0", text="Marché du dimanche")
        assert reply["data"]["next"] == "2027-03-21T10:00:00+01:00"
        posts = reminder_posts(await sim.advance(until="2027-04-05T00:00:00+02:00"))
        assert [p["at"] for p in posts] == [
            "2027-03-21T10:00:00+01:00", "2027-03-28T10:00:00+02:00", "2027-04-04T10:00:00+02:00",
        ]
        listed = (await sim.command("ani", "remind list"))["data"]["reminders"]
        assert listed[0]["next"] == "2027-04-11T10:00:00+02:00"
    finally:
        await sim.close()


async def test_autumn_change_too(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "dst.sqlite", start="2026-10-20T09:00:00+02:00").open()
    try:
        await animator(sim)
        await sim.command("ani", "remind add", when="30 9 * * 1-5", text="Permanence")
        posts = reminder_posts(await sim.advance(until="2026-10-28T00:00:00+01:00"))
        assert [p["at"] for p in posts] == [
            "2026-10-20T09:30:00+02:00", "2026-10-21T09:30:00+02:00", "2026-10-22T09:30:00+02:00",
            "2026-10-23T09:30:00+02:00", "2026-10-26T09:30:00+01:00", "2026-10-27T09:30:00+01:00",
        ]
    finally:
        await sim.close()


async def test_a_restart_never_repeats_a_reminder_and_catches_up_within_the_grace(sim: Sim) -> None:
    ani = await animator(sim)
    await sim.command(ani, "remind add", when="30 9 * * *", text="Café du matin")
    assert len(reminder_posts(await sim.advance(until="2026-12-01T09:31:00+01:00"))) == 1

    # Killed right after the post: the same time again posts nothing.
    await sim.restart(crash=True)
    assert reminder_posts(sim.startup) == []
    assert reminder_posts(await sim.advance(until="2026-12-02T09:00:00+01:00")) == []

    # Down over the next posting, back two hours later (grace is 6 h): caught up once.
    await sim.restart(start="2026-12-02T11:30:00+01:00", crash=True)
    caught = reminder_posts(sim.startup)
    assert len(caught) == 1 and caught[0]["at"] == "2026-12-02T11:30:00+01:00"
    await sim.restart(crash=True)
    assert reminder_posts(sim.startup) == []

    # Down for two days: the stale posting is skipped, the series goes on at its next time.
    await sim.restart(start="2026-12-04T18:00:00+01:00", crash=True)
    assert reminder_posts(sim.startup) == []
    listed = (await sim.command(ani, "remind list"))["data"]["reminders"]
    assert listed[0]["next"] == "2026-12-05T09:30:00+01:00"
    assert [p["at"] for p in reminder_posts(await sim.advance(by="1d"))] == ["2026-12-05T09:30:00+01:00"]


async def test_a_one_off_missed_beyond_the_grace_is_dropped(sim: Sim) -> None:
    ani = await animator(sim)
    await sim.command(ani, "remind add", when="2026-12-01T12:00", text="Midi")
    await sim.restart(start="2026-12-02T12:00:00+01:00", crash=True)
    assert reminder_posts(sim.startup) == []
    assert (await sim.command(ani, "remind list"))["data"] == {"reminders": []}


async def test_the_grace_follows_the_config(tmp_path: Path) -> None:
    config = config_with(schedule={"catch_up_grace_hours": 48})
    sim = await Sim(tmp_path / "grace.sqlite", config=config).open()
    try:
        await animator(sim)
        await sim.command("ani", "remind add", when="2026-12-01T12:00", text="Midi")
        await sim.restart(start="2026-12-02T12:00:00+01:00", crash=True)
        assert len(reminder_posts(sim.startup)) == 1
    finally:
        await sim.close()


def test_trigger_times_move_on_through_the_autumn_fall_back() -> None:
    """An hourly job keeps going through the repeated hour (02:00+02:00, 02:00+01:00, 03:00+01:00)."""
    from datetime import datetime

    from bot.jobs import cron, trigger_time_after

    trigger = cron("Europe/Paris", minute=0)
    t = datetime.fromisoformat("2026-10-25T01:30:00+02:00")
    seen = []
    for _ in range(4):
        t = trigger_time_after(trigger, t)
        seen.append(t.isoformat())
    assert seen == ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00",
                    "2026-10-25T04:00:00+01:00"]
