"""Onboarding, as members and animators live it: the charter, godparents, check-ins, goodbyes, returns."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import Sim, config_with, of

Outs = list[dict[str, Any]]


async def open_sim(tmp_path: Path, **sections: dict[str, Any]) -> Sim:
    return await Sim(tmp_path / "community.sqlite", config_with(**sections) if sections else None).open()


@pytest.fixture
async def quiet_farewell(tmp_path: Path) -> AsyncIterator[Sim]:
    s = await open_sim(tmp_path, onboarding={"farewell": False})
    yield s
    await s.close()


async def volunteer(sim: Sim, user: str, locale: str = "fr", **profile: Any) -> None:
    """A member who volunteers as godparent (tenure still to be earned)."""
    await sim.onboard(user, locale, godparent=True, **profile)


async def stay_active(sim: Sim, days: int, users: tuple[str, ...], step: int = 10) -> Outs:
    """Let days pass while these members keep writing now and then (so nobody goes quiet)."""
    outs: Outs = []
    remaining = days
    while remaining > 0:
        hop = min(step, remaining)
        outs += await sim.advance(by=f"{hop}d")
        for user in users:
            await sim.send({"type": "message", "user": user, "channel": "general", "text": "hi"})
        remaining -= hop
    return outs


def intros(outs: Outs) -> Outs:
    return of(outs, kind="godparent-intro")


async def godparent_of(sim: Sim, user: str) -> str | None:
    shown = await sim.command(user, "profile show")
    assert shown["ok"], shown
    return shown["data"]["godparent"]


# Join and charter -------------------------------------------------------------------------------

async def test_join_sends_the_charter_in_the_members_language_and_no_role(sim: Sim) -> None:
    outs = await sim.join("alice", "fr")
    [dm] = of(outs, "dm", kind="welcome", user="alice")
    assert "charte" in dm["text"] and "Bienvenue" in dm["text"]
    assert dm["components"][0]["custom_id"] == "charter:accept"
    assert dm["components"][0]["label"] == "J'accepte la charte"
    assert not of(outs, "role") and not of(outs, "post", kind="welcome")

    outs = await sim.join("ben", "en")
    [dm] = of(outs, "dm", kind="welcome", user="ben")
    assert "charter" in dm["text"] and dm["components"][0]["label"] == "I accept the charter"


async def test_closed_dms_become_a_mention_in_the_welcome_channel(sim: Sim) -> None:
    outs = await sim.join("alice", "fr", dms_closed=True)
    assert not of(outs, "dm")
    [post] = of(outs, "post", kind="welcome", channel="welcome")
    assert post["mentions"] == ["alice"] and "@alice" in post["text"]
    assert post["components"][0]["custom_id"] == "charter:accept"


async def test_accepting_gives_the_role_the_public_welcome_and_the_profile_invitation(sim: Sim) -> None:
    await sim.join("alice", "en")
    reply = await sim.click("alice", "charter:accept")
    assert reply["ok"] and reply["data"] == {"accepted": True}
    outs = sim.last
    assert of(outs, "role", user="alice", added="member")
    [public] = of(outs, "post", kind="welcome", channel="welcome")
    assert public["mentions"] == ["alice"] and "@alice" in public["text"]
    assert "Bienvenue" in public["text"]  # channel posts speak the community's language
    invitation = [d for d in of(outs, "dm", kind="welcome", user="alice") if "profile set" in d["text"]]
    assert invitation and "skills" in invitation[0]["text"]

    again = await sim.click("alice", "charter:accept")
    assert again["ok"] is False and again["error"] == "conflict"
    assert not of(sim.last, "role") and not of(sim.last, "post")


async def test_the_charter_command_shows_the_configured_text_with_its_button(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, community={"charter": "Be kind. Help out."})
    try:
        await sim.join("alice", "en")
        reply = await sim.command("alice", "charter")
        assert reply["ok"] and reply["text"] == "Be kind. Help out."
        assert reply["components"][0]["custom_id"] == "charter:accept"
    finally:
        await sim.close()


# Godparent assignment ---------------------------------------------------------------------------

async def test_a_newcomer_gets_a_volunteer_godparent_and_both_are_introduced(sim: Sim) -> None:
    """The acceptance scenario, in process."""
    await volunteer(sim, "bob", skills="plomberie", languages="fr")
    await sim.advance(by="20d")
    await sim.join("alice", "fr")
    await sim.click("alice", "charter:accept")
    outs = sim.last
    [to_alice] = of(outs, "dm", kind="godparent-intro", user="alice")
    [to_bob] = of(outs, "dm", kind="godparent-intro", user="bob")
    assert "@bob" in to_alice["text"] and "parrain" in to_alice["text"]
    assert "@alice" in to_bob["text"]
    assert await godparent_of(sim, "alice") == "bob"
    assert not of(outs, "post", kind="godparent-needed")


async def test_intros_speak_each_members_language(sim: Sim) -> None:
    await volunteer(sim, "bob", "en", languages="fr,en")
    await sim.advance(by="15d")
    await sim.onboard("alice", "fr")
    [to_alice] = of(sim.last, "dm", kind="godparent-intro", user="alice")
    [to_bob] = of(sim.last, "dm", kind="godparent-intro", user="bob")
    assert "parrain" in to_alice["text"]
    assert "godparent" in to_bob["text"]


async def test_a_shared_language_comes_first(sim: Sim) -> None:
    await volunteer(sim, "carol", languages="en")
    await volunteer(sim, "dave", languages="fr")
    await sim.advance(by="15d")
    await sim.onboard("emma", "fr")
    assert await godparent_of(sim, "emma") == "dave"
    await sim.onboard("finn", "en")
    assert await godparent_of(sim, "finn") == "carol"


async def test_declared_languages_win_over_the_platform_one(sim: Sim) -> None:
    # The charter comes before the profile (a newcomer declares nothing before accepting it), so
    # this is about the godparents' languages: omar's platform says French, he declared Arabic and English.
    await volunteer(sim, "omar", languages="ar,en")
    await volunteer(sim, "carol", languages="fr")
    await volunteer(sim, "dave", "en")  # declared nothing: speaks the platform's language
    await sim.advance(by="15d")
    await sim.onboard("emma", "fr")
    assert await godparent_of(sim, "emma") == "carol"  # omar is the oldest, but no longer French-speaking
    await sim.onboard("finn", "en")
    assert await godparent_of(sim, "finn") == "omar"  # declared English: the oldest English speaker
    await sim.onboard("gina", "en")
    assert await godparent_of(sim, "gina") == "dave"  # omar has a godchild already


async def test_fewest_godchildren_then_least_recently_assigned_then_oldest(sim: Sim) -> None:
    await volunteer(sim, "anna", languages="fr")
    await volunteer(sim, "bert", languages="fr")
    await sim.advance(by="15d")
    order = []
    for newcomer in ("n1", "n2", "n3", "n4"):
        await sim.onboard(newcomer, "fr")
        order.append(await godparent_of(sim, newcomer))
        await sim.advance(by="1h")
    # n1: both free, never assigned → the oldest (anna); n2: bert has fewer godchildren;
    # n3: one each, anna was assigned longer ago; n4: bert has fewer again.
    assert order == ["anna", "bert", "anna", "bert"]


async def test_needs_met_by_the_godparents_skills_come_after_language(sim: Sim) -> None:
    await volunteer(sim, "gina", languages="fr")
    await sim.advance(by="15d")
    await sim.onboard("alice", "fr")
    assert await godparent_of(sim, "alice") == "gina"
    await sim.command("alice", "profile set", needs="plomberie")
    await volunteer(sim, "cook", skills="cuisine", languages="fr")
    await volunteer(sim, "plumber", skills="plomberie", languages="fr")
    await volunteer(sim, "english", skills="plomberie", languages="en")
    await stay_active(sim, 15, ("cook", "plumber", "english"))
    await sim.send({"type": "leave", "user": "gina"})
    [to_alice] = of(sim.last, "dm", kind="godparent-intro", user="alice")
    assert "@plumber" in to_alice["text"] and "gina" in to_alice["text"]
    assert await godparent_of(sim, "alice") == "plumber"


async def test_the_pool_leaves_out_the_new_the_inactive_the_gone_and_non_volunteers(sim: Sim) -> None:
    await sim.roles("ann", add=["animator"])
    await sim.onboard("notvol", "fr", languages="fr")
    await volunteer(sim, "sleepy", languages="fr")
    await volunteer(sim, "gone", languages="fr")
    await sim.advance(by="15d")
    await volunteer(sim, "fresh", languages="fr")  # 13 days short of the tenure
    assert (await sim.command("ann", "mod status", member="sleepy", active=False))["ok"]
    await sim.send({"type": "leave", "user": "gone"})
    await sim.onboard("alice", "fr")
    assert not intros(sim.last)
    [needed] = of(sim.last, "post", kind="godparent-needed", channel="animators")
    assert "alice" in needed["text"] and needed["mentions"] == []
    assert await godparent_of(sim, "alice") is None


async def test_the_cap_then_the_queue_served_when_a_volunteer_appears(sim: Sim) -> None:
    await volunteer(sim, "bob", languages="fr")
    await sim.onboard("old", "fr")  # will volunteer later, tenure already earned
    outs = await sim.advance(by="15d")
    # the first members waited together; once bob has the tenure, the daily run pairs old with him
    assert of(outs, "dm", kind="godparent-intro", user="old")
    assert await godparent_of(sim, "old") == "bob"
    assert await godparent_of(sim, "bob") is None  # never each other's godparent
    for newcomer in ("n1", "n2"):
        await sim.onboard(newcomer, "fr")
        assert await godparent_of(sim, newcomer) == "bob"
    await sim.onboard("n4", "fr")
    assert not intros(sim.last)
    assert of(sim.last, "post", kind="godparent-needed")
    await sim.advance(by="2d")  # the daily run finds nobody either, and does not repeat the alert
    assert not of(sim.last, "post", kind="godparent-needed") and not intros(sim.last)

    reply = await sim.command("old", "profile set", godparent=True)
    assert reply["ok"]
    assert of(sim.last, "dm", kind="godparent-intro", user="n4")
    assert of(sim.last, "dm", kind="godparent-intro", user="old")
    assert await godparent_of(sim, "n4") == "old"


async def test_the_queue_is_served_when_a_godchild_leaves(sim: Sim) -> None:
    await volunteer(sim, "bob", languages="fr")
    await sim.advance(by="15d")
    for newcomer in ("n1", "n2", "n3", "n4"):
        await sim.onboard(newcomer, "fr")
    assert await godparent_of(sim, "n4") is None
    await sim.send({"type": "leave", "user": "n2"})
    assert of(sim.last, "dm", kind="godparent-intro", user="n4")
    assert await godparent_of(sim, "n4") == "bob"


async def test_the_daily_run_serves_the_queue_once_a_volunteer_has_the_tenure(sim: Sim) -> None:
    await sim.onboard("alice", "fr")
    assert of(sim.last, "post", kind="godparent-needed")
    await volunteer(sim, "bob", languages="fr")  # joined with alice: not yet 14 days
    assert not intros(sim.last)
    outs = await sim.advance(by="13d")
    assert not intros(outs)
    outs = await sim.advance(by="1d")
    assert of(outs, "dm", kind="godparent-intro", user="alice")
    assert of(outs, "dm", kind="godparent-intro", user="bob")
    assert all(o["at"].endswith("+01:00") and "T09:" in o["at"] for o in intros(outs))


async def test_godchildren_after_the_last_check_in_no_longer_count_against_the_cap(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, onboarding={"checkin_days": [3, 10], "godparent_min_days": 2})
    try:
        await volunteer(sim, "bob", languages="fr")
        await sim.advance(by="3d")
        for newcomer in ("n1", "n2", "n3"):
            await sim.onboard(newcomer, "fr")
        await sim.advance(by="5d")
        await sim.onboard("n4", "fr")
        assert await godparent_of(sim, "n4") is None
        await sim.advance(by="5d")  # day 13: the last check-in of n1..n3 goes out today
        assert not intros(sim.last)
        outs = await sim.advance(by="1d")  # n1..n3 are past their last check-in: bob is free again
        assert of(outs, "dm", kind="godparent-intro", user="n4")
        assert await godparent_of(sim, "n4") == "bob"
        assert await godparent_of(sim, "n1") == "bob"  # the relationship itself stays
    finally:
        await sim.close()


# Check-ins --------------------------------------------------------------------------------------

def about_alice(outs: Outs) -> Outs:
    """Bob's check-ins about his godchild (he also gets his own, as a newcomer)."""
    return [o for o in of(outs, "dm", kind="checkin", user="bob") if "@alice" in o["text"]]


async def test_check_ins_at_7_30_and_180_days_once_each_to_both(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, community={"deepening_session": "le 1er jeudi du mois à 19h"})
    try:
        await volunteer(sim, "bob", languages="fr")
        await sim.advance(by="15d")
        await sim.onboard("alice", "fr")
        outs = await sim.advance(by="6d")
        assert not of(outs, kind="checkin")
        outs = await sim.advance(by="1d")
        [to_alice] = of(outs, "dm", kind="checkin", user="alice")
        [to_bob] = about_alice(outs)
        assert to_alice["text"] != to_bob["text"]
        assert "une semaine" in to_alice["text"] and "@bob" in to_alice["text"]
        assert "@alice" in to_bob["text"]
        assert to_alice["components"][0]["custom_id"] == "nudges:off"

        outs = await stay_active(sim, 23, ("bob", "alice"))
        assert len(of(outs, "dm", kind="checkin", user="alice")) == 1
        assert "un mois" in of(outs, "dm", kind="checkin", user="alice")[0]["text"]
        assert len(about_alice(outs)) == 1

        outs = await stay_active(sim, 150, ("bob", "alice"))
        [final] = of(outs, "dm", kind="checkin", user="alice")
        assert "six mois" in final["text"] and "le 1er jeudi du mois à 19h" in final["text"]
        [final_bob] = about_alice(outs)
        assert "le 1er jeudi du mois à 19h" in final_bob["text"]

        outs = await stay_active(sim, 10, ("bob", "alice"))
        assert not of(outs, kind="checkin")
    finally:
        await sim.close()


async def test_check_ins_speak_english_and_have_a_default_session_wording(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, onboarding={"checkin_days": [7, 30]})
    try:
        await sim.onboard("zoe", "en")
        outs = await sim.advance(by="7d")
        [week] = of(outs, "dm", kind="checkin", user="zoe")
        assert "a week" in week["text"] and "animators" in week["text"]  # no godparent: the animators
        outs = await sim.advance(by="23d")
        [final] = of(outs, "dm", kind="checkin", user="zoe")
        assert "a month" in final["text"] and "ask the animators for the next date" in final["text"]
    finally:
        await sim.close()


async def test_each_check_in_fires_once_across_restarts(sim: Sim) -> None:
    await sim.onboard("alice", "fr")
    await sim.advance(by="7d")
    assert len(of(sim.outputs, "dm", kind="checkin", user="alice")) == 1
    await sim.restart(crash=True)  # same instant: the day's run is already recorded
    await sim.restart(crash=True, start="2026-12-08T12:00:00+01:00")
    await sim.advance(by="1d")
    assert len(of(sim.outputs, "dm", kind="checkin", user="alice")) == 1


async def test_a_check_in_missed_while_down_goes_out_at_the_next_daily_run(sim: Sim) -> None:
    await sim.onboard("alice", "fr")
    await sim.advance(by="6d")
    await sim.crash()
    await sim.open("2026-12-10T08:00:00+01:00")  # down on day 7 and 8, back before day 9's run
    assert not of(sim.startup, kind="checkin")
    outs = await sim.advance(by="2h")
    assert len(of(outs, "dm", kind="checkin", user="alice")) == 1
    outs = await sim.advance(by="3d")
    assert not of(outs, kind="checkin")


async def test_no_check_in_to_members_who_turned_automatic_messages_off(sim: Sim) -> None:
    await sim.onboard("alice", "fr")
    assert (await sim.command("alice", "profile set", nudges=False))["ok"]
    outs = await sim.advance(by="8d")
    assert not of(outs, kind="checkin")


async def test_check_in_offsets_are_configurable(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, onboarding={"checkin_days": [3, 10]})
    try:
        await sim.onboard("alice", "en")
        outs = await sim.advance(by="3d")
        [first] = of(outs, "dm", kind="checkin", user="alice")
        assert "3 days" in first["text"]
        outs = await sim.advance(by="7d")
        [last] = of(outs, "dm", kind="checkin", user="alice")
        assert "10 days" in last["text"] and "deeper session" in last["text"]
    finally:
        await sim.close()


# Leaving and coming back ------------------------------------------------------------------------

async def test_leaving_posts_a_farewell_and_hands_godchildren_on(sim: Sim) -> None:
    await volunteer(sim, "bob", languages="fr")
    await volunteer(sim, "carol", languages="fr")
    await sim.advance(by="15d")
    await sim.onboard("alice", "fr")
    assert await godparent_of(sim, "alice") == "bob"
    outs = await sim.send({"type": "leave", "user": "bob"})
    [farewell] = of(outs, "post", kind="farewell", channel="welcome")
    assert "bob" in farewell["text"] and farewell["mentions"] == []
    [to_alice] = of(outs, "dm", kind="godparent-intro", user="alice")
    assert "@carol" in to_alice["text"] and "bob" in to_alice["text"]
    assert of(outs, "dm", kind="godparent-intro", user="carol")
    assert not of(outs, "dm", user="bob")
    assert await godparent_of(sim, "alice") == "carol"


async def test_a_godparent_leaving_with_nobody_to_take_over_alerts_the_animators(sim: Sim) -> None:
    await volunteer(sim, "bob", languages="fr")
    await sim.advance(by="15d")
    await sim.onboard("alice", "en")
    outs = await sim.send({"type": "leave", "user": "bob"})
    [note] = of(outs, "dm", kind="godparent-intro", user="alice")
    assert "looking for a new godparent" in note["text"]
    assert of(outs, "post", kind="godparent-needed", channel="animators")
    assert await godparent_of(sim, "alice") is None


async def test_farewell_can_be_turned_off(quiet_farewell: Sim) -> None:
    await quiet_farewell.onboard("bob", "fr")
    outs = await quiet_farewell.send({"type": "leave", "user": "bob"})
    assert not of(outs, kind="farewell")


async def test_leaving_settles_the_leavers_requests_in_the_same_transaction(
    sim: Sim, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.services import requests

    seen: list[tuple[str, int | None]] = []

    async def on_member_left(tx: Any, ctx: Any, member: Any) -> None:
        seen.append((member.handle, member.left_at))

    monkeypatch.setattr(requests, "on_member_left", on_member_left)
    await sim.onboard("bob", "fr")
    await sim.send({"type": "leave", "user": "bob"})
    assert seen == [("bob", sim.ctx.now_ts())]


async def test_a_leavers_open_request_is_cancelled(sim: Sim) -> None:
    await sim.onboard("bob", "fr")
    created = await sim.command("bob", "request new", title="Fuite sous l'évier", skills="plomberie")
    assert created["ok"], created
    await sim.send({"type": "leave", "user": "bob"})
    await sim.onboard("carol", "fr")
    listed = await sim.command("carol", "request list")
    assert created["data"]["request_id"] not in [r["id"] for r in listed["data"]["requests"]]


async def test_a_returning_member_is_welcomed_back_with_their_profile(sim: Sim) -> None:
    await sim.onboard("bob", "fr", skills="plomberie")
    await sim.send({"type": "leave", "user": "bob"})
    outs = await sim.join("bob", "fr")
    [dm] = of(outs, "dm", kind="welcome", user="bob")
    assert "Bon retour" in dm["text"] and dm["components"][0]["custom_id"] == "charter:accept"
    reply = await sim.click("bob", "charter:accept")
    assert reply["ok"], reply
    assert of(sim.last, "role", user="bob", added="member")
    [public] = of(sim.last, "post", kind="welcome", channel="welcome")
    assert "de retour" in public["text"]
    assert any("profile show" in d["text"] for d in of(sim.last, "dm", kind="welcome", user="bob"))
    shown = await sim.command("bob", "profile show")
    assert shown["data"]["skills"] == ["plomberie"]


async def test_a_returning_member_in_english(sim: Sim) -> None:
    await sim.onboard("zoe", "en")
    await sim.send({"type": "leave", "user": "zoe"})
    [dm] = of(await sim.join("zoe", "en"), "dm", kind="welcome", user="zoe")
    assert "Welcome back" in dm["text"]


async def test_an_erased_member_who_comes_back_is_welcomed_as_new(sim: Sim) -> None:
    from storage import members as members_repo

    await sim.onboard("bob", "fr")
    await sim.send({"type": "leave", "user": "bob"})
    member = await members_repo.by_platform_id(sim.ctx.db.reader, sim.ctx.guild_id, "bob")
    assert member is not None
    async with sim.ctx.db.transaction() as tx:
        await members_repo.update_fields(tx, member.id, erased=1)
    [dm] = of(await sim.join("bob", "fr"), "dm", kind="welcome", user="bob")
    assert "Bienvenue bob" in dm["text"] and "retour" not in dm["text"]


async def test_leaving_and_coming_back_does_not_repeat_check_ins(sim: Sim) -> None:
    await sim.onboard("alice", "fr")
    await sim.advance(by="7d")
    await sim.send({"type": "leave", "user": "alice"})
    await sim.onboard("alice", "fr")
    outs = await sim.advance(by="8d")
    assert not of(outs, kind="checkin")
    assert len(of(sim.outputs, "dm", kind="checkin", user="alice")) == 1


# Godparents gone quiet --------------------------------------------------------------------------

async def test_a_quiet_godparent_hands_over_with_a_kind_word_to_both(sim: Sim) -> None:
    await volunteer(sim, "bob", languages="fr")
    await volunteer(sim, "carol", languages="fr")
    await sim.advance(by="15d")
    await sim.onboard("alice", "fr")
    assert await godparent_of(sim, "alice") == "bob"
    outs = await stay_active(sim, 59, ("carol", "alice"))
    assert not intros(outs)
    outs = await stay_active(sim, 2, ("carol", "alice"), step=1)
    [to_bob] = of(outs, "dm", kind="godparent-intro", user="bob")
    assert "Merci" in to_bob["text"] and "alice" in to_bob["text"]
    [to_alice] = of(outs, "dm", kind="godparent-intro", user="alice")
    assert "@carol" in to_alice["text"] and "bob" in to_alice["text"]
    assert of(outs, "dm", kind="godparent-intro", user="carol")
    assert await godparent_of(sim, "alice") == "carol"


async def test_an_inactive_godparent_hands_over_at_the_next_daily_run(sim: Sim) -> None:
    await sim.roles("ann", add=["animator"])
    await volunteer(sim, "bob", "en", languages="en")
    await volunteer(sim, "carol", "en", languages="en")
    await sim.advance(by="15d")
    await sim.onboard("alice", "en")
    assert await godparent_of(sim, "alice") == "bob"
    await sim.command("ann", "mod status", member="bob", active=False)
    assert not intros(sim.last)
    outs = await sim.advance(by="1d")
    [to_bob] = of(outs, "dm", kind="godparent-intro", user="bob")
    assert "Thank you" in to_bob["text"]
    [to_alice] = of(outs, "dm", kind="godparent-intro", user="alice")
    assert "@carol" in to_alice["text"]
    assert await godparent_of(sim, "alice") == "carol"


# mod godparent ----------------------------------------------------------------------------------

async def test_mod_godparent_assigns_by_hand_and_is_audited(sim: Sim) -> None:
    await sim.roles("ann", add=["animator"])
    await sim.onboard("alice", "fr")
    await sim.onboard("bob", "fr")  # no tenure, not a volunteer: the animator decides
    reply = await sim.command("ann", "mod godparent", newcomer="alice", godparent="bob")
    assert reply["ok"], reply
    assert reply["data"] == {"newcomer": "alice", "godparent": "bob"}
    assert of(sim.last, "dm", kind="godparent-intro", user="alice")
    assert of(sim.last, "dm", kind="godparent-intro", user="bob")
    assert of(sim.last, "post", kind="mod-log", channel="mod-log")
    assert await godparent_of(sim, "alice") == "bob"
    history = await sim.command("ann", "mod history", member="alice")
    assert [c["action"] for c in history["data"]["cases"]] == ["godparent"]


async def test_mod_godparent_reassigns_and_tells_the_previous_godparent(sim: Sim) -> None:
    await sim.roles("ann", add=["animator"])
    await volunteer(sim, "bob", "en", languages="fr")
    await sim.advance(by="15d")
    await sim.onboard("alice", "fr")
    await sim.onboard("carol", "fr")
    reply = await sim.command("ann", "mod godparent", newcomer="alice", godparent="carol")
    assert reply["ok"], reply
    [to_bob] = of(sim.last, "dm", kind="godparent-intro", user="bob")
    assert "carol" in to_bob["text"] and "animators" in to_bob["text"]
    assert await godparent_of(sim, "alice") == "carol"


async def test_mod_godparent_refusals_change_nothing(sim: Sim) -> None:
    await sim.roles("ann", add=["animator"])
    await sim.onboard("alice", "fr")
    await sim.onboard("bob", "fr")
    await sim.join("newbie", "fr")  # has not accepted the charter
    await sim.onboard("gone", "fr")
    await sim.send({"type": "leave", "user": "gone"})

    denied = await sim.command("alice", "mod godparent", newcomer="alice", godparent="bob")
    assert denied["error"] == "permission_denied"
    cases = [
        ({"newcomer": "nobody", "godparent": "bob"}, "not_found"),
        ({"newcomer": "alice", "godparent": "nobody"}, "not_found"),
        ({"newcomer": "alice", "godparent": "alice"}, "conflict"),
        ({"newcomer": "alice", "godparent": "newbie"}, "not_eligible"),
        ({"newcomer": "alice", "godparent": "gone"}, "not_eligible"),
        ({"newcomer": "gone", "godparent": "bob"}, "not_eligible"),
        ({"newcomer": "alice"}, "invalid_input"),
    ]
    for options, code in cases:
        reply = await sim.command("ann", "mod godparent", **options)
        assert reply["ok"] is False and reply["error"] == code, (options, reply)
        assert reply["text"]
        assert not of(sim.last, "dm") and not of(sim.last, "post")
    assert await godparent_of(sim, "alice") is None

    assert (await sim.command("ann", "mod godparent", newcomer="alice", godparent="bob"))["ok"]
    again = await sim.command("ann", "mod godparent", newcomer="alice", godparent="bob")
    assert again["error"] == "conflict" and not of(sim.last, "dm")


async def test_user_text_in_handles_never_pings(sim: Sim) -> None:
    await sim.send({"type": "join", "user": "u1", "name": "@everyone", "locale": "fr"})
    await sim.click("u1", "charter:accept")
    [needed] = of(sim.last, "post", kind="godparent-needed")
    assert "@everyone" not in needed["text"] and needed["mentions"] == []
    outs = await sim.send({"type": "leave", "user": "u1"})
    [farewell] = of(outs, "post", kind="farewell")
    assert "@everyone" not in farewell["text"] and farewell["mentions"] == []


async def test_check_in_messages_are_paced_like_every_bulk_job_message(sim: Sim) -> None:
    await sim.onboard("alice", "fr")
    await sim.advance(by="7d")
    rows = await sim.ctx.db.fetchall("SELECT paced FROM outbox WHERE kind = 'checkin'")
    assert [tuple(r) for r in rows] == [(1,)]


async def test_someone_who_waited_past_the_godparenting_period_is_left_alone(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, onboarding={"checkin_days": [3, 10], "godparent_min_days": 2})
    try:
        await sim.onboard("alice", "fr")  # nobody to be her godparent
        await sim.onboard("bob", "fr")
        await sim.advance(by="11d")  # past the last check-in (day 10): no longer a newcomer
        reply = await sim.command("bob", "profile set", godparent=True)
        assert reply["ok"]
        await sim.advance(by="2d")
        assert not intros(sim.outputs)
    finally:
        await sim.close()


# One check-in DM per godparent and day; batches equal the one-by-one path ------------------------

async def test_a_godparent_with_several_godchildren_due_the_same_day_gets_one_check_in(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, onboarding={"checkin_days": [7, 30]})
    try:
        await volunteer(sim, "bob", "en", languages="fr,en")
        await sim.advance(by="15d")
        await sim.onboard("alice", "fr")
        await sim.onboard("carol", "fr")
        assert await godparent_of(sim, "alice") == "bob" and await godparent_of(sim, "carol") == "bob"
        outs = await sim.advance(by="7d")
        [to_bob] = of(outs, "dm", kind="checkin", user="bob")
        assert "@alice" in to_bob["text"] and "@carol" in to_bob["text"]
        assert "News of your 2 godchildren" in to_bob["text"] and "a week with us" in to_bob["text"]
        assert to_bob["components"][0]["custom_id"] == "nudges:off"
        assert len(of(outs, "dm", kind="checkin", user="alice")) == 1
        assert len(of(outs, "dm", kind="checkin", user="carol")) == 1
        outs = await stay_active(sim, 23, ("bob", "alice", "carol"))
        [final] = [o for o in of(outs, "dm", kind="checkin", user="bob") if "@alice" in o["text"]]  # + his own
        assert "@carol" in final["text"] and "deeper session" in final["text"]
    finally:
        await sim.close()


async def test_one_godchild_due_keeps_the_single_check_in_wording_in_french(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, onboarding={"checkin_days": [7, 30]})
    try:
        await volunteer(sim, "bob", "fr", languages="fr")
        await sim.advance(by="15d")
        await sim.onboard("alice", "fr")
        await sim.advance(by="1d")
        await sim.onboard("carol", "fr")
        outs = await sim.advance(by="6d")
        [to_bob] = of(outs, "dm", kind="checkin", user="bob")
        assert "@alice, votre filleul·e" in to_bob["text"] and "@carol" not in to_bob["text"]
        outs = await sim.advance(by="1d")
        [to_bob] = of(outs, "dm", kind="checkin", user="bob")
        assert "@carol, votre filleul·e" in to_bob["text"]
    finally:
        await sim.close()


async def test_a_batched_check_in_row_is_the_row_send_dm_writes(sim: Sim) -> None:
    from bot.outbox import Component, send_dm
    from bot.services.checkins import dm_row
    from storage import members as members_repo
    from storage import outbox as outbox_repo

    await sim.onboard("alice")
    await sim.onboard("bob")
    async with sim.ctx.db.transaction() as tx:
        await tx.execute("UPDATE member SET dms_closed = 1 WHERE platform_id = 'bob'")
    ctx, now = sim.ctx, sim.ctx.now_ts()
    columns = "kind, op, target, payload, paced, not_before, key, created_at"
    for user in ("alice", "bob"):
        member = await members_repo.by_platform_id(ctx.db.reader, ctx.guild_id, user)
        assert member is not None
        button = Component("nudges:off", "Stop", style="secondary")
        async with ctx.db.transaction() as tx:
            await send_dm(tx, ctx, member, "checkin", "Bonjour", components=[button],
                          fallback_channel=ctx.config.channels.welcome, paced=True, key=f"one:{user}")
            row = dm_row(ctx, member, "checkin", "Bonjour", [button], ctx.config.channels.welcome, f"many:{user}", now)
            await outbox_repo.enqueue_many(tx, [row])
        one = await ctx.db.fetchone(f"SELECT {columns} FROM outbox WHERE key = ?", (f"one:{user}",))
        many = await ctx.db.fetchone(f"SELECT {columns} FROM outbox WHERE key = ?", (f"many:{user}",))
        assert tuple(one)[:6] == tuple(many)[:6] and one[7] == many[7]


async def test_the_daily_pool_picks_exactly_what_the_pool_query_picks(tmp_path: Path) -> None:
    """Many newcomers placed one after another: the preloaded pool and find_godparent agree at each step."""
    import random

    from bot.services.godparent_pool import GodparentPool, newcomer_languages, pool_rules
    from storage import members as members_repo
    from storage import onboarding as onboarding_repo

    sim = await open_sim(tmp_path)
    try:
        ctx, rng = sim.ctx, random.Random(7)
        now = ctx.now_ts()
        day = 86400
        rows = []
        for n in range(160):
            volunteer_ = n < 20
            languages = rng.choice(["", "", "fr", "en", "fr,en", "fr, de", "de"])
            rows.append((ctx.guild_id, f"u{n}", f"u{n}", rng.choice(["fr", "en", None]), languages,
                         now - rng.randint(0, 400) * day, now - (400 if volunteer_ else rng.randint(0, 10)) * day,
                         int(volunteer_), rng.choice([None, now - rng.randint(1, 300) * day]),
                         now - rng.randint(0, 90) * day))
        async with ctx.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO member (guild_id, platform_id, handle, locale, languages, joined_at, "
                "charter_accepted_at, godparent_volunteer, last_godchild_at, last_active_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        ids = [r[0] for r in await ctx.db.fetchall("SELECT id FROM member WHERE platform_id LIKE 'u%' ORDER BY id")]
        skills = []
        async with ctx.db.transaction() as tx:
            for k in range(6):
                cur = await tx.execute("INSERT INTO skill (guild_id, key, display) VALUES (?, ?, ?)",
                                       (ctx.guild_id, f"s{k}", f"s{k}"))
                skills.append(cur.lastrowid)
            pairs = {(m, rng.choice(skills), rng.choice(["offer", "need"])) for m in ids for _ in range(2)}
            await tx.executemany("INSERT INTO member_skill (member_id, skill_id, kind) VALUES (?, ?, ?)", pairs)
            # some volunteers already have current godchildren
            for child in ids[60:100]:
                await onboarding_repo.set_godparent(tx, child, rng.choice(ids[:20]), now - rng.randint(0, 200) * day)
        newcomers = ids[100:]
        async with ctx.db.transaction() as tx:
            pool = GodparentPool(ctx)
            picks = []
            for member_id in newcomers:
                newcomer = await members_repo.by_id(tx, member_id)
                assert newcomer is not None
                exclude = [rng.choice(ids[:20])] if rng.random() < 0.3 else []
                expected = await onboarding_repo.find_godparent(
                    tx, ctx.guild_id, member_id, newcomer_languages(ctx, newcomer), pool_rules(ctx), exclude=exclude)
                assert await pool.pick(tx, newcomer, exclude) == expected, member_id
                if expected is not None:
                    await onboarding_repo.set_godparent(tx, member_id, expected, ctx.now_ts())
                    pool.assigned(expected, member_id, ctx.now_ts())
                picks.append(expected)
            assert len({p for p in picks if p is not None}) > 5  # a real ranking, not one winner
            assert None in picks  # and the pool runs dry (caps), as the query says
    finally:
        await sim.close()


async def test_the_daily_hand_over_in_batches_writes_what_one_godchild_at_a_time_writes(tmp_path: Path) -> None:
    """Many orphaned godchildren, some godparents still around (thanked), closed DMs, and a pool that runs
    dry half-way (the queue and the animators' alert in between): the batched daily hand-over leaves the
    same outbox rows, in the same order, and the same pairings and queue as the one-by-one path."""
    import random

    from bot.services.godparent_handovers import hand_over_orphaned_godchildren
    from bot.services.godparent_pool import GodparentPool
    from storage import onboarding as onboarding_repo

    class Rollback(Exception):
        def __init__(self, snapshot: dict[str, list[tuple]]) -> None:
            self.snapshot = snapshot

    sim = await open_sim(tmp_path)
    try:
        ctx, rng = sim.ctx, random.Random(11)
        now, day = ctx.now_ts(), 86400
        rows = []
        for n in range(18):  # volunteers: the first ten quiet, inactive or gone (their godchildren are orphaned)
            rows.append((ctx.guild_id, f"v{n}", f"v{n}", rng.choice(["fr", "en", None]),
                         rng.choice(["", "fr", "en", "fr,en"]), now - 400 * day, now - 300 * day, 1,
                         rng.choice([None, now - rng.randint(1, 100) * day]),
                         now - (90 if n < 4 else rng.randint(0, 20)) * day,
                         now - 5 * day if n in (4, 5) else None, 0 if n in (6, 7) else 1, int(n in (3, 9))))
        for n in range(60):  # newcomers of the last months
            rows.append((ctx.guild_id, f"c{n}", f"c{n} @here", rng.choice(["fr", "en", None]),
                         rng.choice(["", "", "fr", "en"]), now - 100 * day, now - 100 * day, 0, None,
                         now - rng.randint(0, 30) * day, None, 1, int(rng.random() < 0.15)))
        async with ctx.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO member (guild_id, platform_id, handle, locale, languages, joined_at, "
                "charter_accepted_at, godparent_volunteer, last_godchild_at, last_active_at, left_at, active, "
                "dms_closed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        ids = "SELECT id FROM member WHERE platform_id LIKE ? ORDER BY id"
        volunteers = [r[0] for r in await ctx.db.fetchall(ids, ("v%",))]
        children = [r[0] for r in await ctx.db.fetchall(ids, ("c%",))]
        async with ctx.db.transaction() as tx:
            cur = await tx.execute("INSERT INTO skill (guild_id, key, display) VALUES (?, 'k', 'k')", (ctx.guild_id,))
            await tx.executemany("INSERT INTO member_skill (member_id, skill_id, kind) VALUES (?, ?, ?)",
                                 [(m, cur.lastrowid, "offer" if m in volunteers else "need")
                                  for m in rng.sample(volunteers + children, 40)])
            for child in children:  # most with a gone or quiet godparent, a few with a good one
                godparent = rng.choice(volunteers[:10] if rng.random() < 0.8 else volunteers[10:])
                await onboarding_repo.set_godparent(tx, child, godparent, now - rng.randint(70, 150) * day)
            await tx.execute("UPDATE member SET last_godchild_at = NULL")

        async def hand_over(batched: bool) -> dict[str, list[tuple]]:
            try:
                async with ctx.db.transaction() as tx:
                    before = (await (await tx.execute("SELECT COALESCE(MAX(id), 0) FROM outbox")).fetchone())[0]
                    if batched:
                        await hand_over_orphaned_godchildren(tx, ctx, paced=True, pool=GodparentPool(ctx))
                    else:  # the reference: one godchild at a time, the pool query each time
                        await hand_over_orphaned_godchildren(tx, ctx, paced=True)
                    snapshot = {
                        # ids as positions: PostgreSQL's identities do not roll back, SQLite's ids do
                        "outbox": [(i, *tuple(r)[1:]) for i, r in enumerate(await (await tx.execute(
                            "SELECT * FROM outbox WHERE id > ? ORDER BY id", (before,))).fetchall())],
                        "member": [tuple(r) for r in await (await tx.execute(
                            "SELECT id, godparent_id, godparent_since, last_godchild_at FROM member ORDER BY id"
                        )).fetchall()],
                        "waiting": [tuple(r) for r in await (await tx.execute(
                            "SELECT * FROM onboarding_state ORDER BY member_id")).fetchall()],
                    }
                    raise Rollback(snapshot)
            except Rollback as done:
                return done.snapshot
            raise AssertionError("unreachable")

        reference, batched = await hand_over(False), await hand_over(True)
        kinds = [(r[2], r[4].split(":")[0]) for r in reference["outbox"]]
        assert ("godparent-needed", "channel") in kinds and ("godparent-intro", "channel") in kinds  # queue, closed DMs
        needed = kinds.index(("godparent-needed", "channel"))
        assert ("godparent-intro", "dm") in kinds[:needed] and len(kinds) > 60
        assert any("Merci d'avoir accompagné" in r[5] or "Thank you for looking after" in r[5]
                   for r in reference["outbox"])  # a godparent still around is thanked
        assert batched == reference
    finally:
        await sim.close()
