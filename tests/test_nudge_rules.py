"""Weekly nudges, which one a member gets: the first rule that applies (a request they can help with,
a quiet godchild, a stale profile, a hello), never twice about the same thing, not in a check-in week,
as rarely as each rule says."""
from __future__ import annotations

from pathlib import Path

from tests.harness import of
from tests.nudge_steps import DAY, WEDNESDAY, buttons, nudge_rows, nudges, offer, open_sim, veteran
from tests.test_digest import add_request, member_id, set_member, ts

# The first rule that applies --------------------------------------------------------------------

async def test_a_member_who_can_help_hears_about_the_first_matching_open_request(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        for user in ("alice", "bob", "carol"):
            await sim.onboard(user)
        await sim.onboard("dave", locale="en")
        await offer(sim, "bob", "jardinage")
        await offer(sim, "carol", "cuisine")
        await offer(sim, "dave", "jardinage")
        newer = await add_request(sim, "alice", "Arroser les tomates", ["jardinage"])
        older = await add_request(sim, "alice", "Tailler la haie @here", ["jardinage"], created_at=ts(
            "2026-11-30T10:00:00+01:00"))
        outs = await sim.advance(until="2026-12-02T18:30:00+01:00")
        bob = nudges(outs, "bob")
        assert len(bob) == 1 and bob[0]["type"] == "dm" and bob[0]["at"] == WEDNESDAY
        assert "Tailler la haie" in bob[0]["text"] and "@here" not in bob[0]["text"]
        assert buttons(bob[0]) == [f"request:claim:{older}", "nudges:off"]
        assert "I'll take it" in str(nudges(outs, "dave")[0]["components"])
        assert "Someone is looking for a hand" in nudges(outs, "dave")[0]["text"]
        assert nudges(outs, "alice") == [] and nudges(outs, "carol") == []
        assert await nudge_rows(sim, "bob") == [("2026-W49", "request", older)]
        assert newer != older
    finally:
        await sim.close()


async def test_not_their_own_request_nor_one_they_were_just_pinged_for_or_already_help_on(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("alice")
        await sim.onboard("bob")
        await sim.onboard("eve")
        await offer(sim, "bob", "jardinage")
        await offer(sim, "eve", "jardinage")
        await set_member(sim, "eve", available=0)
        await veteran(sim, "bob")
        base = ts("2026-11-20T10:00:00+01:00")
        own = await add_request(sim, "bob", "La mienne", ["jardinage"], created_at=base)
        pinged = await add_request(sim, "alice", "Pingée hier soir", ["jardinage"], created_at=base + DAY)
        helped = await add_request(sim, "alice", "Déjà aidée", ["jardinage"], created_at=base + 2 * DAY)
        allowed = await add_request(sim, "alice", "Pingée il y a longtemps", ["jardinage"], created_at=base + 3 * DAY)
        bob = await member_id(sim, "bob")
        async with sim.ctx.db.transaction() as tx:
            await tx.execute("INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, 1, ?)",
                             (pinged, bob, ts("2026-12-02T10:00:00+01:00")))
            await tx.execute("INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, 1, ?)",
                             (allowed, bob, ts("2026-12-01T12:00:00+01:00")))
            await tx.execute("INSERT INTO request_helper (request_id, helper_id, claimed_at) VALUES (?, ?, ?)",
                             (helped, bob, base))
        outs = await sim.advance(until="2026-12-02T18:30:00+01:00")
        assert await nudge_rows(sim, "bob") == [("2026-W49", "request", allowed)]
        assert "Pingée il y a longtemps" in nudges(outs, "bob")[0]["text"]
        assert nudges(outs, "eve") == []  # not available: no request nudges
        assert own
        # Same request, next week: never twice about it.
        outs = await sim.advance(until="2026-12-09T18:30:00+01:00")
        assert await nudge_rows(sim, "bob") == [("2026-W49", "request", allowed), ("2026-W50", "request", pinged)]
    finally:
        await sim.close()


async def test_no_nudge_in_a_week_the_check_in_job_already_wrote(tmp_path: Path) -> None:
    """The newcomer check-ins (days 7, 30, 180) reach the newcomer and their godparent: no nudge on top."""
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("gp")
        await sim.onboard("gc")
        await veteran(sim, "gp")
        await set_member(sim, "gc", godparent_id=await member_id(sim, "gp"))
        await sim.advance(until="2026-12-03T00:00:00+01:00")
        stale = ts("2026-01-01T10:00:00+01:00")
        await set_member(sim, "gp", profile_updated_at=stale)
        await set_member(sim, "gc", profile_updated_at=stale)
        outs = await sim.advance(until="2026-12-09T18:30:00+01:00")
        assert of(outs, "dm", kind="checkin", user="gp") and of(outs, "dm", kind="checkin", user="gc")
        assert nudges(outs) == []
        outs = await sim.advance(until="2026-12-16T18:30:00+01:00")
        assert sorted(n["user"] for n in nudges(outs)) == ["gc", "gp"]
    finally:
        await sim.close()


async def test_a_godparent_hears_about_a_quiet_godchild_once_a_month_at_most(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("gp", locale="en")
        await sim.onboard("gc")
        await set_member(sim, "gc", godparent_id=await member_id(sim, "gp"), joined_at=ts("2026-10-20T10:00:00+02:00"),
                         last_active_at=ts("2026-11-10T10:00:00+01:00"))
        outs = await sim.advance(until="2026-12-02T18:30:00+01:00")
        gp = nudges(outs, "gp")
        assert len(gp) == 1 and "We have not seen your godchild gc" in gp[0]["text"]
        outs = await sim.advance(until="2026-12-16T18:30:00+01:00")
        assert nudges(outs, "gp") == []
    finally:
        await sim.close()


async def test_a_stale_profile_is_asked_still_true_once(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("alice")
        await set_member(sim, "alice", profile_updated_at=ts("2026-05-01T10:00:00+02:00"))
        outs = await sim.advance(until="2026-12-02T18:30:00+01:00")
        alice = nudges(outs, "alice")
        assert len(alice) == 1 and "toujours juste" in alice[0]["text"] and "vendredi 1er mai" in alice[0]["text"]
        assert buttons(alice[0]) == ["nudges:off"]
        outs = await sim.advance(until="2026-12-16T18:30:00+01:00")
        assert nudges(outs, "alice") == []
    finally:
        await sim.close()


async def test_a_request_comes_before_a_godchild_before_a_stale_profile(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("alice")
        await sim.onboard("bob")
        await sim.onboard("gc")
        await veteran(sim, "bob")
        await set_member(sim, "bob", profile_updated_at=ts("2026-01-01T10:00:00+01:00"))
        joined = ts("2026-10-20T10:00:00+02:00")
        await set_member(sim, "gc", godparent_id=await member_id(sim, "bob"), joined_at=joined,
                         charter_accepted_at=joined, last_active_at=ts("2026-11-10T10:00:00+01:00"))
        await offer(sim, "bob", "cuisine")
        rid = await add_request(sim, "alice", "Gâteau", ["cuisine"])
        await sim.advance(until="2026-12-16T18:30:00+01:00")
        assert await nudge_rows(sim, "bob") == [
            ("2026-W49", "request", rid), ("2026-W50", "godchild", await member_id(sim, "gc")),
            ("2026-W51", "profile", None),
        ]
    finally:
        await sim.close()


async def test_a_quiet_member_gets_a_hello_rarely_and_never_a_third_unanswered(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, nudges={"quiet_weeks_before_hello": 1, "hello_every_weeks": 2})
    try:
        await sim.onboard("alice")
        await veteran(sim, "alice")
        sent: list[str] = []
        for wednesday in ("12-02", "12-09", "12-16", "12-23", "12-30", "2027-01-06"):
            day = wednesday if wednesday.startswith("2027") else f"2026-{wednesday}"
            outs = await sim.advance(until=f"{day}T19:00:00+01:00")
            sent += [n["at"][:10] for n in nudges(outs, "alice")]
        # Quiet a week by 12-09; then at most every 2 weeks; never a third hello in a row unanswered.
        assert sent == ["2026-12-09", "2026-12-23"]
        assert "ça fait un moment" in nudges(sim.outputs, "alice")[0]["text"]
        await sim.send({"type": "message", "user": "alice", "channel": "general", "text": "coucou"})
        outs = await sim.advance(until="2027-01-13T19:00:00+01:00")
        assert nudges(outs, "alice") == []  # she just came by: not quiet
        outs = await sim.advance(until="2027-01-20T19:00:00+01:00")
        assert [n["at"][:10] for n in nudges(outs, "alice")] == ["2027-01-20"]  # her message answered
    finally:
        await sim.close()


async def test_the_default_hello_comes_after_four_quiet_weeks(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("alice")
        outs = await sim.advance(until="2026-12-30T19:00:00+01:00")
        assert [n["at"][:10] for n in nudges(outs, "alice")] == ["2026-12-30"]
        outs = await sim.advance(until="2027-02-17T19:00:00+01:00")
        assert nudges(outs, "alice") == []  # 7 weeks later: not yet
        outs = await sim.advance(until="2027-02-24T19:00:00+01:00")
        assert [n["at"][:10] for n in nudges(outs, "alice")] == ["2027-02-24"]
    finally:
        await sim.close()
