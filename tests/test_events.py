"""Events: monthly gatherings across DST, shifts and their fair calls, session invitations, restarts."""
from __future__ import annotations

from pathlib import Path

from bot.clock import to_epoch
from storage import members as members_repo
from tests.harness import Sim, of

OCTOBER = "2026-10-01T09:00:00+02:00"  # a Thursday; clocks go back on Sunday 25 October


async def animator(sim: Sim, user: str = "ana") -> None:
    await sim.onboard(user)
    await sim.roles(user, add=["animator"])


async def aged(sim: Sim, user: str, days: int) -> None:
    member = await members_repo.by_platform_id(sim.ctx.db.reader, sim.ctx.guild_id, user)
    assert member is not None
    async with sim.ctx.db.transaction() as tx:
        await members_repo.update_fields(tx, member.id, joined_at=sim.ctx.now_ts() - days * 86400,
                                         charter_accepted_at=sim.ctx.now_ts() - days * 86400)


async def test_monthly_gathering_signups_and_reminders_across_dst(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    await animator(sim)
    await sim.onboard("bruno")
    reply = await sim.command("ana", "event new", title="Corvées ensemble", when="le premier samedi du mois à 10h",
                              place="La Ruche", end="12h")
    assert reply["ok"], reply
    first = reply["data"]["event_id"]
    assert reply["data"]["start"] == "2026-10-03T10:00:00+02:00"
    assert "premier samedi" in reply["text"], reply["text"]
    assert of(sim.last, "post", kind="event"), sim.last
    shown = await sim.command("bruno", "event show", id=reply["data"]["event_id"])
    assert shown["data"]["end"] == "2026-10-03T12:00:00+02:00"  # "12h" the same day: noon
    joined = await sim.command("bruno", "event join", id=first)
    assert joined["ok"] and joined["data"] == {"event_id": first, "slot": None}
    assert (await sim.command("bruno", "event join", id=first))["error"] == "conflict"

    outs = await sim.advance(until="2026-10-03T10:00:00+02:00")
    reminders = of(outs, "dm", kind="event-reminder", user="bruno")
    assert [r["at"] for r in reminders] == ["2026-10-02T10:00:00+02:00", "2026-10-03T09:00:00+02:00"]
    assert "demain" in reminders[0]["text"] and "La Ruche" in reminders[0]["text"]
    # The October occurrence started: the November one (after the clock change) is written and posted.
    listed = await sim.command("bruno", "event list")
    assert [e["start"] for e in listed["data"]["events"]] == ["2026-10-03T10:00:00+02:00",
                                                              "2026-11-07T10:00:00+01:00"]
    second = listed["data"]["events"][1]["event_id"]
    assert second != first
    assert listed["data"]["events"][1]["participants"] == 0  # each occurrence has its own sign-ups
    assert (await sim.command("bruno", "event join", id=second))["ok"]

    await sim.restart(crash=True)
    outs = await sim.advance(until="2026-11-07T10:00:00+01:00")
    reminders = of(outs, "dm", kind="event-reminder", user="bruno")
    assert [r["at"] for r in reminders] == ["2026-11-06T10:00:00+01:00", "2026-11-07T09:00:00+01:00"]
    await sim.restart(crash=True)
    outs = await sim.advance(by="2h")
    assert not of(outs, "dm", kind="event-reminder"), outs
    assert len(of(sim.outputs, "post", kind="event")) == 3  # October, November, December: never twice
    await sim.close()


async def test_quiet_hours_hold_a_reminder_and_drop_the_hour_before(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    await animator(sim)
    await sim.onboard("nina", quiet_hours="22-09")
    reply = await sim.command("ana", "event new", title="Petit-déjeuner", when="samedi 8h")
    assert reply["ok"], reply
    assert (await sim.command("nina", "event join", id=reply["data"]["event_id"]))["ok"]
    outs = await sim.advance(until="2026-10-03T12:00:00+02:00")
    reminders = of(outs, "dm", kind="event-reminder", user="nina")
    # Day before at 08:00 falls in her quiet hours: held until 09:00; the hour-before one (07:00) is dropped.
    assert [r["at"] for r in reminders] == ["2026-10-02T09:00:00+02:00"], reminders
    await sim.close()


async def test_shift_calls_are_fair_targeted_and_never_repeated(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    await animator(sim)
    helpers = [f"h{i}" for i in range(12)]
    for user in helpers:
        await sim.onboard(user, skills="accueil")
    await sim.onboard("cook", skills="cuisine")
    reply = await sim.command("ana", "event new", title="Marché solidaire", when="2026-10-10T09:00",
                              slots="accueil:2, caisse:1", skills="accueil")
    assert reply["ok"], reply
    shift = reply["data"]["event_id"]
    call_posts = of(sim.last, "post", kind="shift-call")
    assert len(call_posts) == 1 and call_posts[0]["components"][0]["custom_id"] == f"event:join:{shift}"
    first_call = {d["user"] for d in of(sim.last, "dm", kind="shift-call")}
    assert len(first_call) == 6 and first_call <= set(helpers)  # 3 free places x 2, offerers only

    joined = await sim.click("h0", f"event:join:{shift}", ["caisse"])
    assert joined["ok"] and joined["data"]["slot"] == "caisse"
    assert (await sim.command("h1", "event join", id=shift, slot="caisse"))["error"] == "conflict"
    assert (await sim.command("h1", "event join", id=shift, slot="Accueil"))["ok"]

    await sim.restart(crash=True)
    outs = await sim.advance(until="2026-10-08T09:30:00+02:00")
    late_posts = of(outs, "post", kind="shift-call")  # paced: it follows the day's check-ins by seconds
    assert len(late_posts) == 1 and late_posts[0]["at"].startswith("2026-10-08T09:0"), late_posts
    second_call = {d["user"] for d in of(outs, "dm", kind="shift-call")}
    assert second_call and not (second_call & first_call), (first_call, second_call)  # never the same people
    assert len(second_call) == 2  # one free place left x 2
    await sim.restart(crash=True)
    outs = await sim.advance(by="1d")
    assert not of(outs, type_=None, kind="shift-call"), outs
    show = await sim.command("cook", "event show", id=shift)
    assert show["data"]["slots"] == [{"slot": "accueil", "places": 2, "taken": 1},
                                     {"slot": "caisse", "places": 1, "taken": 1}]
    await sim.close()


async def test_newcomer_invited_to_the_next_session_in_their_language(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    await animator(sim)
    fr = await sim.command("ana", "event new", title="Séance d'accueil", when="2026-10-05T18:00", kind="session",
                           languages="français")
    en = await sim.command("ana", "event new", title="Welcome session", when="2026-10-07T18:00", kind="session",
                           languages="en", place="https://visio.example/entraide")
    assert fr["ok"] and en["ok"], (fr, en)
    await sim.join("sam", locale="en")
    await sim.click("sam", "charter:accept")
    invites = of(sim.last, "dm", kind="session-invite", user="sam")
    assert len(invites) == 1, sim.last
    assert "information session" in invites[0]["text"] and "Welcome session" in invites[0]["text"]
    assert invites[0]["components"][0]["custom_id"] == f"event:join:{en['data']['event_id']}"
    assert (await sim.click("sam", invites[0]["components"][0]["custom_id"]))["ok"]
    # Accepting again (or rejoining) never invites twice.
    await sim.send({"type": "leave", "user": "sam"})
    await sim.join("sam", locale="en")
    await sim.click("sam", "charter:accept")
    assert not of(sim.last, "dm", kind="session-invite")
    await sim.close()


async def test_a_new_session_invites_newcomers_who_had_none(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    await animator(sim)
    await sim.onboard("lea")
    await sim.onboard("old")
    await aged(sim, "old", 90)
    reply = await sim.command("ana", "event new", title="Séance d'accueil", when="lundi 18h", kind="session")
    assert reply["ok"], reply
    await sim.advance(by="1m")
    invited = {d["user"] for d in of(sim.outputs, "dm", kind="session-invite")}
    assert invited == {"lea"}  # not the member of 90 days, nor the animator who runs it
    await sim.close()


async def test_deepening_session_after_six_months(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    await animator(sim)
    await sim.onboard("zoe")
    await aged(sim, "zoe", 179)
    reply = await sim.command("ana", "event new", title="Approfondir", when="2026-10-20T18:00", kind="deepening")
    assert reply["ok"], reply
    assert not of(sim.last, "dm", kind="session-invite", user="zoe")
    outs = await sim.advance(by="2d")
    invites = of(outs, "dm", kind="session-invite", user="zoe")
    assert len(invites) == 1 and "six mois" in invites[0]["text"]
    outs = await sim.advance(by="3d")
    assert not of(outs, "dm", kind="session-invite", user="zoe")
    await sim.close()


async def test_edit_and_cancel_tell_participants(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    await animator(sim)
    await sim.onboard("bruno", locale="en")
    event_id = (await sim.command("ana", "event new", title="Apéro", when="vendredi 19h"))["data"]["event_id"]
    await sim.command("bruno", "event join", id=event_id)
    edited = await sim.command("ana", "event edit", id=event_id, place="Le jardin", when="vendredi 20h", end="1h30")
    assert edited["ok"], edited
    assert edited["data"]["start"] == "2026-10-02T20:00:00+02:00"
    updates = of(sim.last, "dm", kind="event-update", user="bruno")
    assert len(updates) == 1 and "Le jardin" in updates[0]["text"] and "has changed" in updates[0]["text"]
    assert (await sim.command("bruno", "event show", id=event_id))["data"]["end"] == "2026-10-02T21:30:00+02:00"
    assert (await sim.command("ana", "event edit", id=event_id))["error"] == "invalid_input"
    cancelled = await sim.command("ana", "event cancel", id=event_id)
    assert cancelled["ok"]
    assert "cancelled" in of(sim.last, "dm", kind="event-update", user="bruno")[0]["text"]
    assert (await sim.command("bruno", "event join", id=event_id))["error"] == "conflict"
    outs = await sim.advance(by="3d")
    assert not of(outs, "dm", kind="event-reminder")
    await sim.close()


async def test_bad_input_and_permissions_change_nothing(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    await animator(sim)
    await sim.onboard("bruno")
    assert (await sim.command("bruno", "event new", title="x", when="demain 9h"))["error"] == "permission_denied"
    for options in ({"title": "x", "when": "un jour peut-être"}, {"title": "x", "when": "hier 9h"},
                    {"title": "x", "when": "demain 9h", "slots": "accueil:0"},
                    {"title": "x", "when": "demain 9h", "slots": "accueil:2, accueil:1"},
                    {"title": "x", "when": "demain 9h", "end": "3 semaines"},
                    {"title": "x", "when": "demain 9h", "languages": "klingon"},
                    {"title": "x", "when": "demain 9h", "capacity": 0},
                    {"title": "x", "when": "demain 9h", "kind": "party"}):
        reply = await sim.command("ana", "event new", **options)
        assert reply["error"] == "invalid_input", (options, reply)
        assert reply["text"]
    assert (await sim.command("bruno", "event list"))["data"]["events"] == []
    assert (await sim.command("bruno", "event show", id=99))["error"] == "not_found"
    assert (await sim.click("bruno", "event:join:²"))["error"] == "not_found"
    full = await sim.command("ana", "event new", title="Visite", when="demain 9h", capacity=1)
    await sim.onboard("cora")
    assert (await sim.command("bruno", "event join", id=full["data"]["event_id"]))["ok"]
    assert (await sim.command("cora", "event join", id=full["data"]["event_id"]))["error"] == "conflict"
    await sim.close()


async def test_attendance_feeds_participation(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    await animator(sim)
    await sim.onboard("bruno")
    await sim.onboard("cora")
    event_id = (await sim.command("ana", "event new", title="Visite", when="demain 9h", slots="guide:2"))["data"][
        "event_id"]
    await sim.command("bruno", "event join", id=event_id)
    assert (await sim.command("ana", "event attended", id=event_id, members="nobody"))["error"] == "not_found"
    await sim.advance(by="2d")
    reply = await sim.command("ana", "event attended", id=event_id, members="bruno, @cora")
    assert reply["ok"] and reply["data"] == {"event_id": event_id, "attended": 2}
    from bot.services import events

    now = sim.ctx.now_ts()
    figures = await events.participation(sim.ctx, now - 30 * 86400, now + 1)
    assert figures == {"took_part": 2, "slots_offered": 2, "slots_filled": 1}
    reply = await sim.command("ana", "vitality")
    assert reply["data"]["took_part"] == 2 and reply["data"]["shift_coverage"] == 0.5
    assert "2 membres ont pris part" in reply["text"] and "1 place tenue sur 2" in reply["text"]
    assert to_epoch(sim.ctx.now()) == now
    await sim.close()


async def test_the_weekly_digest_lists_the_week_s_events(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    await animator(sim)
    await sim.onboard("bruno")
    soon = (await sim.command("ana", "event new", title="Apéro du jardin", when="mardi 19h"))["data"]["event_id"]
    await sim.command("ana", "event new", title="Trop tard", when="2026-10-20T19:00")
    await sim.command("bruno", "event join", id=soon)
    outs = await sim.advance(until="2026-10-05T10:30:00+02:00")
    digest = of(outs, "post", kind="weekly-digest")
    assert len(digest) == 1, outs
    assert "Cette semaine" in digest[0]["text"] and "Apéro du jardin" in digest[0]["text"]
    assert "1 inscrit·e" in digest[0]["text"] and "Trop tard" not in digest[0]["text"]
    await sim.close()


async def test_a_finished_or_cancelled_event_invites_nobody_to_join(tmp_path: Path) -> None:
    """`event show` of an event that is over or cancelled: no « soyez la première personne », no button."""
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    await animator(sim)
    await sim.onboard("bruno")
    await sim.onboard("eva", locale="en")
    soon = (await sim.command("ana", "event new", title="Apéro", when="vendredi 19h"))["data"]["event_id"]
    later = (await sim.command("ana", "event new", title="Bal", when="samedi 20h"))["data"]["event_id"]
    coming = await sim.command("bruno", "event show", id=soon)
    assert "soyez la première personne" in coming["text"] and coming["components"], coming
    cancelled = await sim.command("ana", "event cancel", id=later)
    # nobody signed up: not the French `one` of zero, « la personne inscrite est prévenue »
    assert cancelled["text"] == "Événement n°2 « Bal » annulé ; il n'y avait aucune inscription.", cancelled
    await sim.advance(by="2d")  # Friday's apéro is over
    for event_id in (soon, later):
        shown = await sim.command("bruno", "event show", id=event_id)
        assert shown["ok"] and "première personne" not in shown["text"], shown
        assert "Aucune inscription." in shown["text"] and "components" not in shown, shown
        english = await sim.command("eva", "event show", id=event_id)
        assert "be the first" not in english["text"] and "Nobody signed up." in english["text"], english
    await sim.close()


async def test_a_bad_choice_names_the_values_it_takes_in_words(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()
    await animator(sim)
    await sim.onboard("eva", locale="en")
    await sim.roles("eva", add=["animator"])
    fr = await sim.command("ana", "event new", title="x", when="demain 9h", kind="party")
    assert fr["error"] == "invalid_input"
    # In French, in the French words it also reads (tests/test_forgiving_words.py), not the English codes
    assert "type inconnu « party » : séance (d'information), approfondissement, rencontre ou permanence." \
        in fr["text"], fr
    en = await sim.command("eva", "event new", title="x", when="demain 9h", kind="party")
    assert "unknown kind “party”: session, deepening, gathering or shift." in en["text"], en
    await sim.close()


async def test_a_weekday_without_a_date_says_in_words_it_is_every_such_day(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "db.sqlite", start=OCTOBER).open()  # Thursday 1 October, 09:00
    await animator(sim)
    await animator(sim, "eve")
    await sim.command("eve", "profile set", language="en")
    weekly = await sim.command("ana", "event new", title="Atelier vélo", when="samedi 14h")
    assert weekly["ok"] and weekly["data"]["start"] == "2026-10-03T14:00:00+02:00", weekly
    event_id = weekly["data"]["event_id"]
    assert weekly["text"].splitlines()[-1] == (
        "ℹ️ Cet événement a lieu chaque samedi à 14 h. Vous pensiez à une seule fois ? Donnez plutôt la date, "
        f"par exemple « 3 octobre 14h ». Pour arrêter la série : « event cancel id={event_id} series=true ».")
    english = await sim.command("eve", "event new", title="Bike repair", when="Saturday 2:30pm")
    assert english["text"].splitlines()[-1] == (
        "ℹ️ This event takes place every Saturday at 2:30 PM. Did you mean just once? Give the date instead, "
        f"for example “October 3 2:30pm”. To stop the series: “event cancel id={english['data']['event_id']} "
        "series=true”.")
    # Doing as told: the series stops, the date typed as suggested makes one Saturday, said without the note.
    assert (await sim.command("ana", "event cancel", id=event_id, series=True))["ok"]
    once = await sim.command("ana", "event new", title="Atelier vélo", when="3 octobre 14h")
    assert once["ok"] and once["data"]["start"] == weekly["data"]["start"]
    assert "ℹ️" not in once["text"] and "🔁" not in once["text"], once["text"]
    # What says its rhythm otherwise gets no note: a month's rule, an explicit `repeat`, a one-off in words.
    for options in ({"when": "le premier samedi du mois à 10h"}, {"when": "samedi prochain 14h"},
                    {"when": "samedi prochain 14h", "repeat": "tous les samedis à 14h"}):
        reply = await sim.command("ana", "event new", title="Atelier", **options)
        assert reply["ok"] and "ℹ️" not in reply["text"], (options, reply)
    await sim.close()
