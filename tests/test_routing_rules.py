"""The routing rules `entraide simulate` called for (issue 19), each as a scenario on the simulated
clock: rounds timed by reachability and the community's night, honest messages, adaptive round
sizes, nudges that follow routing, and godparenting anchored on arrival."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.services.engagement import send_weekly_nudges
from storage import engagement as engagement_repo
from tests.harness import Sim, config_with, of
from tests.test_digest import add_request, member_id, set_member, ts

DAY = 86400


async def ask(sim: Sim, user: str = "req", skills: str = "plomberie", title: str = "Fuite sous l'évier",
              **extra: Any) -> dict[str, Any]:
    reply = await sim.command(user, "request new", title=title, skills=skills, **extra)
    assert reply["ok"], reply
    return reply


def pings(outs: list[dict]) -> list[str]:
    return sorted(o["user"] for o in of(outs, "dm", kind="helper-ping"))


async def open_sim(tmp_path: Path, **requests: Any) -> Sim:
    return await Sim(tmp_path / "rules.sqlite", config_with(requests=requests) if requests else None).open()


# Rounds timed by reachability ----------------------------------------------------------------------

async def test_a_late_request_waits_for_the_first_plumber_to_wake_not_for_the_next_fixed_round(
        tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("plombier", skills="plomberie", quiet_hours="22-08")
        await sim.onboard("req")
        await sim.advance(until="2026-12-01T22:30:00+01:00")
        reply = await ask(sim)
        assert reply["data"]["pinged"] == [] and reply["data"]["offerers"] == 1
        assert reply["data"]["nobody_offers"] is False
        # honest: someone offers it, not reachable before 08:00; the animators are not told "nobody"
        text = reply["text"]
        assert "1 membre offre plomberie" in text and "mercredi 2 décembre à 8 h" in text, text
        assert "personne" not in reply["text"]
        assert not of(sim.last, "post", kind="escalation")
        outs = await sim.advance(until="2026-12-02T07:59:00+01:00")
        assert pings(outs) == []
        outs = await sim.advance(until="2026-12-02T08:01:00+01:00")
        assert pings(outs) == ["plombier"]  # at 08:00, when they wake (the 12-hour round was 10:30)
        row = await sim.ctx.db.fetchone("SELECT rounds, first_ping_at FROM request")
        assert row[0] == 1 and row[1] == ts("2026-12-02T08:00:00+01:00")
    finally:
        await sim.close()


async def test_members_without_quiet_hours_get_the_communitys_night(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("plombier", skills="plomberie")  # no quiet hours set
        await sim.onboard("req")
        await sim.advance(until="2026-12-01T23:15:00+01:00")
        assert (await ask(sim))["data"]["pinged"] == []
        outs = await sim.advance(until="2026-12-02T08:30:00+01:00")
        assert pings(outs) == ["plombier"]
        assert of(outs, "dm", kind="helper-ping")[0]["at"].startswith("2026-12-02T08:00")
    finally:
        await sim.close()


async def test_the_community_night_is_configurable_and_can_be_switched_off(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, night_start=0, night_end=0)
    try:
        await sim.onboard("plombier", skills="plomberie")
        await sim.onboard("req")
        await sim.advance(until="2026-12-01T23:15:00+01:00")
        assert (await ask(sim))["data"]["pinged"] == ["plombier"]
    finally:
        await sim.close()


async def test_a_later_round_never_fires_into_the_night(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, adaptive_rounds=False)
    try:
        for name in ("h1", "h2", "h3", "h4"):
            await sim.onboard(name, skills="plomberie")
        await sim.onboard("req")
        await sim.advance(until="2026-12-01T13:30:00+01:00")
        assert len((await ask(sim))["data"]["pinged"]) == 3
        outs = await sim.advance(until="2026-12-02T07:59:00+01:00")  # the 12-hour round was due at 01:30
        assert pings(outs) == []
        outs = await sim.advance(until="2026-12-02T08:01:00+01:00")
        assert pings(outs) == ["h4"]
    finally:
        await sim.close()


# Honest messages -------------------------------------------------------------------------------------

async def test_only_a_skill_nobody_offers_is_called_unmet_and_alerts_the_animators(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("plombier", skills="plomberie", quiet_hours="08-12")  # 09:00: in quiet hours
        await sim.onboard("req", "en")
        reply = await ask(sim)
        assert reply["data"]["offerers"] == 1
        assert "1 member offers plomberie" in reply["text"] and "12:00" in reply["text"], reply["text"]
        assert not of(sim.last, "post", kind="escalation")
        reply = await ask(sim, skills="soudure")
        assert reply["data"]["offerers"] == 0 and reply["data"]["nobody_offers"] and "soudure" in reply["text"]
        [alert] = of(sim.last, "post", kind="escalation")
        assert "soudure" in alert["text"]
    finally:
        await sim.close()


async def test_offerers_who_share_no_language_are_asked_rather_than_nobody(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("plumber", "en", skills="plomberie", languages="en")
        await sim.onboard("req", languages="fr")
        reply = await ask(sim)
        assert reply["data"]["pinged"] == ["plumber"]  # was "nobody offers plomberie yet"
        assert not of(sim.last, "post", kind="escalation")
    finally:
        await sim.close()


async def test_offerers_all_asked_a_lot_are_named_and_asked_again_later(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, fatigue_cap=1, helpers_per_round=1)
    try:
        await sim.onboard("plombier", skills="plomberie")
        await sim.onboard("req")
        await sim.onboard("req2")
        assert (await ask(sim))["data"]["pinged"] == ["plombier"]
        reply = await ask(sim, "req2")
        assert reply["data"]["pinged"] == [] and reply["data"]["offerers"] == 1
        assert "beaucoup sollicité" in reply["text"] and "personne" not in reply["text"], reply["text"]
        assert not of(sim.last, "post", kind="escalation")
    finally:
        await sim.close()


# Adaptive round sizes --------------------------------------------------------------------------------

async def _history(sim: Sim, user: str, pings: int, claims: int, days_ago: int = 10) -> None:
    """Past pings (and claims of some) of a member on old requests, as routing reads them."""
    mid = await member_id(sim, user)
    at = sim.ctx.now_ts() - days_ago * DAY
    async with sim.ctx.db.transaction() as tx:
        for i in range(pings):
            cur = await tx.execute("INSERT INTO request (guild_id, title, status, created_at) VALUES (?, ?, ?, ?)",
                                   (sim.ctx.guild_id, f"old {user} {i}", "resolved", at))
            await tx.execute("INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, 1, ?)",
                             (cur.lastrowid, mid, at))
            if i < claims:
                await tx.execute("INSERT INTO request_helper (request_id, helper_id, claimed_at) VALUES (?, ?, ?)",
                                 (cur.lastrowid, mid, at + 3600))


async def test_round_sizes_follow_how_likely_the_candidates_are_to_answer(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, fatigue_cap=50)
    try:
        for name in ("h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8"):
            await sim.onboard(name, skills="plomberie")
        await sim.onboard("req")
        assert len((await ask(sim))["data"]["pinged"]) == 3  # new members: helpers_per_round of them
    finally:
        await sim.close()


async def test_members_who_ignore_pings_make_rounds_bigger(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, fatigue_cap=50)
    try:
        for name in ("h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8"):
            await sim.onboard(name, skills="plomberie")
            # 40 days ago (outside the fairness window, inside the answer history): the first five ignored
            # every ping, the others answered half of them
            await _history(sim, name, pings=6, claims=0 if name <= "h5" else 3, days_ago=40)
        await sim.onboard("req")
        # at most max_helpers_per_round (6): five who ignore and one who answers half the time
        assert (await ask(sim))["data"]["pinged"] == ["h1", "h2", "h3", "h4", "h5", "h6"]
    finally:
        await sim.close()


async def test_a_member_who_always_answers_is_asked_alone(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, fatigue_cap=50)
    try:
        for name in ("h1", "h2", "h3", "h4"):
            await sim.onboard(name, skills="plomberie")
            await _history(sim, name, pings=6, claims=6 if name == "h1" else 2, days_ago=40)
        await sim.onboard("req")
        assert (await ask(sim))["data"]["pinged"] == ["h1"]
    finally:
        await sim.close()


async def test_fixed_round_sizes_when_adaptive_rounds_are_off(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, adaptive_rounds=False, fatigue_cap=50)
    try:
        for name in ("h1", "h2", "h3", "h4", "h5"):
            await sim.onboard(name, skills="plomberie")
            await _history(sim, name, pings=6, claims=0)
        await sim.onboard("req")
        assert len((await ask(sim))["data"]["pinged"]) == 3
    finally:
        await sim.close()


# Nudges follow routing ----------------------------------------------------------------------------

WEDNESDAY = "2026-12-02T18:00:00+01:00"


async def _nudge_sim(tmp_path: Path, **nudges: Any) -> Sim:
    config = config_with(requests={"round_after_hours": 1000, "urgent_round_after_hours": 1000},
                         motm={"open_day": 28}, **({"nudges": nudges} if nudges else {}))
    return await Sim(tmp_path / "nudges.sqlite", config=config).open()


async def _veterans(sim: Sim, *users: str, languages: str = "fr") -> None:
    long_ago = ts("2026-09-01T10:00:00+02:00")
    for user in users:
        await sim.onboard(user, languages=languages)
        await set_member(sim, user, joined_at=long_ago, charter_accepted_at=long_ago)


async def _offer(sim: Sim, *users: str) -> None:
    from tests.test_digest import give_skill

    for user in users:
        await give_skill(sim, user, "plomberie")


def request_nudges(outs: list[dict]) -> list[str]:
    return sorted(o.get("user") or o["mentions"][0] for o in outs if o.get("kind") == "nudge"
                  and any(c["custom_id"].startswith("request:claim:") for c in o.get("components", [])))


async def test_at_most_three_members_are_nudged_about_the_same_request(tmp_path: Path) -> None:
    sim = await _nudge_sim(tmp_path)
    try:
        helpers = [f"h{i}" for i in range(6)]
        await _veterans(sim, "req", *helpers)
        await _offer(sim, *helpers)
        await add_request(sim, "req", "Fuite", ["plomberie"])
        outs = await sim.advance(until="2026-12-02T18:30:00+01:00")
        assert len(request_nudges(outs)) == 3  # was: every offerer
    finally:
        await sim.close()


async def test_request_nudges_follow_languages_and_the_fatigue_cap(tmp_path: Path) -> None:
    sim = await _nudge_sim(tmp_path)
    try:
        await _veterans(sim, "req", "tired", "ok")
        await _veterans(sim, "english", languages="en")
        await _offer(sim, "tired", "ok", "english")
        old = await add_request(sim, "req", "Ancienne", ["plomberie"], status="resolved",
                                created_at=ts("2026-11-28T10:00:00+01:00"))
        tired = await member_id(sim, "tired")
        async with sim.ctx.db.transaction() as tx:
            await tx.executemany("INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, 1, ?)",
                                 [(old, tired, ts("2026-11-28T10:00:00+01:00") + i) for i in range(4)])
        await add_request(sim, "req", "Fuite", ["plomberie"])
        outs = await sim.advance(until="2026-12-02T18:30:00+01:00")
        assert request_nudges(outs) == ["ok"]
    finally:
        await sim.close()


async def test_a_request_claimed_before_its_nudges_go_takes_them_back(tmp_path: Path) -> None:
    sim = await _nudge_sim(tmp_path)
    try:
        await _veterans(sim, "req", "a", "b", "c")
        await _offer(sim, "a", "b", "c")
        rid = await add_request(sim, "req", "Fuite", ["plomberie"])
        await sim.advance(until="2026-12-02T17:59:00+01:00")
        async with sim.ctx.db.transaction() as tx:  # the job writes its DMs; they are not delivered yet
            await send_weekly_nudges(tx, sim.ctx, sim.ctx.now().replace(hour=17, minute=0))
        claimed = await sim.click("a", f"request:claim:{rid}")
        assert claimed["ok"]
        outs = await sim.advance(until="2026-12-02T19:00:00+01:00")
        assert request_nudges(outs) == []
        assert ("2026-W49", "request", rid) in await engagement_repo.nudges_of(
            sim.ctx.db.reader, await member_id(sim, "b"))  # still counted as this week's nudge
    finally:
        await sim.close()


# Godparenting anchored on arrival --------------------------------------------------------------------

async def _godparents(sim: Sim, *names: str) -> None:
    long_ago = ts("2026-06-01T10:00:00+02:00")
    for name in names:
        await sim.onboard(name, godparent=True, languages="fr")
        await set_member(sim, name, joined_at=long_ago, charter_accepted_at=long_ago)


async def _keep_active(sim: Sim, *users: str) -> None:
    for user in users:
        await sim.send({"type": "message", "user": user, "channel": "general", "text": "bonjour"})


async def test_a_hand_over_keeps_the_original_period(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "g.sqlite", config_with(onboarding={"farewell": False})).open()
    try:
        await _godparents(sim, "g1", "g2")
        await sim.onboard("new", languages="fr")
        arrived = (await sim.ctx.db.fetchone("SELECT joined_at FROM member WHERE platform_id = 'new'"))[0]
        first = (await sim.ctx.db.fetchone("SELECT godparent_id FROM member WHERE platform_id = 'new'"))[0]
        assert first is not None
        gone = "g1" if first == await member_id(sim, "g1") else "g2"
        stays = "g2" if gone == "g1" else "g1"
        for _ in range(10):  # 100 days on, both active
            await sim.advance(by="10d")
            await _keep_active(sim, "g1", "g2", "new")
        outs = await sim.send({"type": "leave", "user": gone})
        outs += await sim.advance(by="1d")
        assert of(outs, "dm", kind="godparent-intro", user="new")  # handed on to the other one
        row = await sim.ctx.db.fetchone("SELECT godparent_id, godparent_since FROM member WHERE platform_id = 'new'")
        assert row[0] == await member_id(sim, stays)
        assert row[1] == arrived  # the period still ends 180 days after arrival, not after the hand-over
    finally:
        await sim.close()


async def test_a_member_past_their_first_months_is_never_queued_nor_announced_as_new(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "g.sqlite", config_with(onboarding={"farewell": False})).open()
    try:
        await _godparents(sim, "g1", "g2")
        await sim.onboard("old", languages="fr")
        await set_member(sim, "old", joined_at=ts("2026-04-01T10:00:00+02:00"))  # 8 months ago
        async with sim.ctx.db.transaction() as tx:  # paired at a hand-over 10 days ago (the old dating)
            await tx.execute("UPDATE member SET godparent_id = ?, godparent_since = ? WHERE platform_id = 'old'",
                             (await member_id(sim, "g1"), sim.ctx.now_ts() - 10 * DAY))
            await tx.execute("UPDATE onboarding_state SET waiting_since = NULL")
        outs = await sim.send({"type": "leave", "user": "g1"})
        outs += await sim.advance(by="2d")
        assert not of(outs, "dm", kind="godparent-intro", user="old")
        assert not of(outs, "post", kind="godparent-needed")
        waiting = await sim.ctx.db.fetchone(
            "SELECT waiting_since FROM onboarding_state WHERE member_id = ?", (await member_id(sim, "old"),))
        assert waiting is None or waiting[0] is None
    finally:
        await sim.close()
