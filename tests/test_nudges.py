"""Weekly nudges: at most one gentle DM per member per week, the first rule that applies, never
while paused, always with a way to say stop."""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.mentions import neutralize
from bot.services.engagement import send_weekly_nudges
from storage import engagement as engagement_repo
from tests.harness import Sim, config_with, of
from tests.test_digest import add_request, member_id, set_member, ts

WEDNESDAY = "2026-12-02T18:00:00+01:00"
QUIET_REQUESTS = {"round_after_hours": 1000, "urgent_round_after_hours": 1000}  # no routing rounds in the way
DAY = 86400


async def open_sim(tmp_path: Path, start: str = "2026-12-01T09:00:00+01:00", **sections: dict) -> Sim:
    config = config_with(**{"requests": QUIET_REQUESTS, "motm": {"open_day": 28}, **sections})
    return await Sim(tmp_path / "nudges.sqlite", config=config, start=start).open()


def nudges(outs: list[dict], user: str | None = None) -> list[dict]:
    found = [o for o in outs if o.get("kind") == "nudge"]
    return [o for o in found if user is None or o.get("user") == user or o.get("mentions") == [user]]


def buttons(message: dict) -> list[str]:
    return [c["custom_id"] for c in message.get("components", [])]


async def offer(sim: Sim, user: str, *skills: str) -> None:
    from tests.test_digest import give_skill

    for skill in skills:
        await give_skill(sim, user, skill)


async def veteran(sim: Sim, user: str) -> None:
    """Joined long ago: the newcomer check-ins (and the week they keep nudges away) are behind them."""
    long_ago = ts("2026-09-01T10:00:00+02:00")
    await set_member(sim, user, joined_at=long_ago, charter_accepted_at=long_ago)


async def nudge_rows(sim: Sim, user: str) -> list[tuple[str, str, int | None]]:
    return await engagement_repo.nudges_of(sim.ctx.db.reader, await member_id(sim, user))


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


async def test_the_off_button_stops_nudges_at_once(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("alice")
        await set_member(sim, "alice", profile_updated_at=ts("2026-01-01T10:00:00+01:00"),
                         last_active_at=ts("2026-10-01T10:00:00+02:00"))
        outs = await sim.advance(until="2026-12-02T18:30:00+01:00")
        assert "nudges:off" in buttons(nudges(outs, "alice")[0])
        reply = await sim.click("alice", "nudges:off")
        assert reply["ok"] and reply["data"] == {"nudges": False} and "plus de petits messages" in reply["text"]
        row = await sim.ctx.db.fetchone("SELECT nudges FROM member WHERE platform_id = 'alice'")
        assert row[0] == 0
        again = await sim.click("alice", "nudges:off")
        assert again["ok"]
        await set_member(sim, "alice", last_active_at=ts("2026-10-01T10:00:00+02:00"))
        outs = await sim.advance(until="2027-02-01T00:00:00+01:00")
        assert nudges(outs, "alice") == []
    finally:
        await sim.close()


async def test_animators_pause_and_resume_every_nudge(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("ani")
        await sim.roles("ani", add=["animator"])
        await sim.onboard("alice")
        await veteran(sim, "alice")
        await set_member(sim, "alice", profile_updated_at=ts("2026-01-01T10:00:00+01:00"))
        denied = await sim.command("alice", "mod nudges", paused=True)
        assert denied["error"] == "permission_denied"
        assert (await sim.command("ani", "mod nudges"))["error"] == "invalid_input"
        reply = await sim.command("ani", "mod nudges", paused=True)
        assert reply["ok"] and reply["data"] == {"paused": True}
        logs = of(sim.last, "post", kind="mod-log")
        assert len(logs) == 1 and "petits messages" in logs[0]["text"] and "nudges" not in logs[0]["text"]
        case = await sim.ctx.db.fetchone("SELECT action, reason FROM mod_case ORDER BY id DESC LIMIT 1")
        assert tuple(case) == ("nudges", "paused")
        outs = await sim.advance(until="2026-12-02T18:30:00+01:00")
        assert nudges(outs) == []
        reply = await sim.command("ani", "mod nudges", paused="false")
        assert reply["data"] == {"paused": False}
        outs = await sim.advance(until="2026-12-09T18:30:00+01:00")
        assert len(nudges(outs, "alice")) == 1
    finally:
        await sim.close()


async def test_the_pause_survives_a_restart(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("ani")
        await sim.roles("ani", add=["animator"])
        await sim.onboard("alice")
        await set_member(sim, "alice", profile_updated_at=ts("2026-01-01T10:00:00+01:00"))
        await sim.command("ani", "mod nudges", paused=True)
        await sim.restart()
        assert nudges(await sim.advance(until="2026-12-02T18:30:00+01:00")) == []
    finally:
        await sim.close()


async def test_nudges_disabled_in_the_config(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, nudges={"enabled": False})
    try:
        await sim.onboard("alice")
        await set_member(sim, "alice", profile_updated_at=ts("2026-01-01T10:00:00+01:00"))
        assert nudges(await sim.advance(until="2026-12-10T00:00:00+01:00")) == []
    finally:
        await sim.close()


async def test_only_present_active_members_with_nudges_on_who_accepted_the_charter(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        stale = ts("2026-01-01T10:00:00+01:00")
        for user in ("ok", "inactive", "gone", "muted"):
            await sim.onboard(user)
            await set_member(sim, user, profile_updated_at=stale)
        await sim.join("pending")  # never accepted the charter
        await set_member(sim, "pending", profile_updated_at=stale)
        await set_member(sim, "inactive", active=0)
        await set_member(sim, "muted", nudges=0)
        await sim.send({"type": "leave", "user": "gone"})
        outs = await sim.advance(until="2026-12-02T18:30:00+01:00")
        assert sorted(n["user"] for n in nudges(outs)) == ["ok"]
    finally:
        await sim.close()


async def test_closed_dms_become_a_mention_in_the_channel(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.join("alice", dms_closed=True)
        await sim.click("alice", "charter:accept")
        await set_member(sim, "alice", profile_updated_at=ts("2026-01-01T10:00:00+01:00"))
        outs = await sim.advance(until="2026-12-02T18:30:00+01:00")
        found = nudges(outs, "alice")
        assert len(found) == 1 and found[0]["type"] == "post" and found[0]["mentions"] == ["alice"]
    finally:
        await sim.close()


async def test_one_nudge_per_member_per_week_across_restarts(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        users = [f"m{n:02d}" for n in range(15)]
        for user in users:
            await sim.onboard(user)
            await set_member(sim, user, profile_updated_at=ts("2026-01-01T10:00:00+01:00"))
        outs = await sim.advance(until=WEDNESDAY)
        first = nudges(outs)
        assert 0 < len(first) < 15  # a burst, then paced over the evening
        await sim.restart(crash=True)
        rest = nudges(sim.startup)  # what the crash left pending goes out at start-up
        await sim.restart(start="2026-12-02T18:30:00+01:00", crash=True)
        outs = await sim.advance(until="2026-12-06T00:00:00+01:00")
        assert rest and nudges(sim.startup) == [] and nudges(outs) == []
        everything = [n["user"] for n in nudges(sim.outputs)]
        assert sorted(everything) == users  # each member exactly once
        # A second run of the same week (e.g. by hand) finds everyone already nudged.
        async with sim.ctx.db.transaction() as tx:
            await send_weekly_nudges(tx, sim.ctx, datetime.fromisoformat(WEDNESDAY))
        outs = await sim.advance(by="1h")
        assert nudges(outs) == []
        assert len(await sim.ctx.db.fetchall("SELECT 1 FROM nudge")) == 15
    finally:
        await sim.close()


class CountingConnection:
    """Counts the statements a job sends (executemany is one batch)."""

    def __init__(self, conn: Any) -> None:
        self.conn, self.calls = conn, 0

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.conn.execute(*args, **kwargs)

    async def executemany(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return await self.conn.executemany(*args, **kwargs)

    async def execute_fetchall(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return await self.conn.execute_fetchall(*args, **kwargs)


async def test_a_weekly_run_over_thousands_of_members_is_a_few_statements(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        count = 3000
        now, stale = sim.ctx.now_ts(), ts("2026-01-01T10:00:00+01:00")
        async with sim.ctx.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO member (guild_id, platform_id, handle, joined_at, charter_accepted_at, "
                "profile_updated_at, last_active_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(sim.ctx.guild_id, f"u{n}", f"u{n}", stale, stale, stale, now) for n in range(count)],
            )
        started = time.perf_counter()
        async with sim.ctx.db.transaction() as tx:
            counting = CountingConnection(tx)
            await send_weekly_nudges(counting, sim.ctx, datetime.fromisoformat(WEDNESDAY))  # type: ignore[arg-type]
        elapsed = time.perf_counter() - started
        assert counting.calls <= 10, counting.calls
        assert elapsed < 10, elapsed
        rows = await sim.ctx.db.fetchall("SELECT COUNT(*), MIN(paced) FROM outbox WHERE kind = 'nudge'")
        assert tuple(rows[0]) == (count, 1)
        async with sim.ctx.db.transaction() as tx:
            await send_weekly_nudges(tx, sim.ctx, datetime.fromisoformat(WEDNESDAY))
        assert (await sim.ctx.db.fetchone("SELECT COUNT(*) FROM nudge"))[0] == count
    finally:
        await sim.close()


async def test_the_one_pass_choice_matches_the_rules_read_plainly_on_a_random_community(tmp_path: Path) -> None:
    """choose_by_rules (one statement over the members, fast paths, lazily evaluated rules) against the
    rules applied in plain Python to the same random data: two guilds, ties in request order, own,
    pinged, helped and already-nudged requests, godchildren, recent check-ins, hello counts."""
    import random

    from bot.services.engagement import choose_by_rules, nudge_rules

    sim = await open_sim(tmp_path)
    try:
        ctx, rng = sim.ctx, random.Random(5)
        fire_time = datetime.fromisoformat(WEDNESDAY)
        at, week = ts(WEDNESDAY), "2026-W49"
        rules = nudge_rules(ctx, fire_time, week)
        guilds = [ctx.guild_id, "other-guild"]

        def maybe(value: int, p: float = 0.2) -> int | None:
            return None if rng.random() < p else value

        members: list[tuple] = []  # (id, guild, left_at, erased, active, nudges, charter, available, joined,
        #                              last_active, profile_updated, godparent_id)
        async with ctx.db.transaction() as tx:
            base = (await (await tx.execute("SELECT COALESCE(MAX(id), 0) FROM member")).fetchone())[0]
            for n in range(400):
                mid = base + n + 1
                guild = guilds[0] if rng.random() < 0.9 else guilds[1]
                joined = at - rng.randint(1, 400) * DAY
                row = (mid, guild, at - DAY if rng.random() < 0.05 else None, int(rng.random() < 0.03),
                       int(rng.random() > 0.05), int(rng.random() > 0.05),
                       maybe(joined + rng.randint(0, 2) * DAY, 0.05), int(rng.random() > 0.15), joined,
                       maybe(at - rng.choice([0, 3, 20, 30, 60, 100]) * DAY),  # few values: ties
                       maybe(at - rng.randint(0, 400) * DAY, 0.5),
                       rng.choice(members[:40])[0] if n >= 40 and rng.random() < 0.35 else None)  # a few godparents
                members.append(row)
                await tx.execute(
                    "INSERT INTO member (id, guild_id, platform_id, handle, locale, left_at, erased, active, nudges, "
                    "charter_accepted_at, available, joined_at, last_active_at, profile_updated_at, godparent_id, "
                    "dms_closed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (mid, guild, f"r{n}", f"r{n}", rng.choice(["fr", "en", None]), *row[2:], int(rng.random() < 0.1)))
            ids = [m[0] for m in members]
            by_id = {m[0]: m for m in members}
            skills = []
            for k in range(12):
                cur = await tx.execute("INSERT INTO skill (guild_id, key, display) VALUES (?, ?, ?)",
                                       (ctx.guild_id, f"rs{k}", f"rs{k}"))
                skills.append(int(cur.lastrowid))
            offers = {(m[0], s) for i, m in enumerate(members)  # the godparents offer little: quiet godchildren
                      for s in rng.sample(skills, rng.randint(0, 1 if i < 40 else 4))}
            await tx.executemany("INSERT INTO member_skill (member_id, skill_id, kind) VALUES (?, ?, 'offer')",
                                 sorted(offers))
            requests: list[tuple] = []  # (id, guild, requester, urgent, status, created_at, skills)
            for n in range(90):
                guild = guilds[0] if rng.random() < 0.9 else guilds[1]
                wanted = rng.sample(skills, rng.randint(1, 3))
                offering = [m for m, s in sorted(offers) if s == wanted[0]]
                requester = (rng.choice(offering) if offering and rng.random() < 0.5  # someone who could help too
                             else rng.choice(members)[0] if rng.random() < 0.9 else None)
                urgent, status = int(rng.random() < 0.2), rng.choice(["open", "open", "open", "claimed", "resolved"])
                created = at - rng.randint(1, 20) * DAY  # whole days: ties, broken by id
                reachable = [m for m in offering if by_id[m][1:6] == (ctx.guild_id, None, 0, 1, 1)
                             and by_id[m][6] is not None and by_id[m][7]]
                if n < 8 and reachable:  # the first their requester would hear about, were it not theirs
                    guild, requester, urgent, status = ctx.guild_id, rng.choice(reachable), 1, "open"
                    created = at - (30 - n) * DAY
                cur = await tx.execute(
                    "INSERT INTO request (guild_id, requester_id, title, urgent, status, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)", (guild, requester, f"Demande {n}", urgent, status, created))
                rid = int(cur.lastrowid)
                await tx.executemany("INSERT INTO request_skill (request_id, skill_id) VALUES (?, ?)",
                                     [(rid, s) for s in wanted])
                requests.append((rid, guild, requester, urgent, status, created, set(wanted)))
            opens = sorted((r for r in requests if r[1] == ctx.guild_id and r[4] == "open"),
                           key=lambda r: (-r[3], r[5], r[0]))

            def some_request(member: int) -> int:  # often the very one they would hear about first
                first = first_open_of(member, opens, offers)
                return first if first is not None and rng.random() < 0.5 else rng.choice(requests)[0]

            pings = {(some_request(m), m, at - rng.randint(0, 3 * DAY)) for m in rng.choices(ids, k=300)}
            await tx.executemany("INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, 1, ?)",
                                 sorted(pings))
            helpers = {(some_request(m), m) for m in rng.choices(ids, k=100)}
            await tx.executemany("INSERT INTO request_helper (request_id, helper_id, claimed_at) VALUES (?, ?, ?)",
                                 [(r, h, at - DAY) for r, h in sorted(helpers)])
            nudged: dict[tuple[int, str], tuple] = {}
            for _ in range(1500):
                mid = rng.choice(members)[0]
                reason = rng.choice(["request", "request", "godchild", "profile", "hello", "hello"])
                godchildren = [g[0] for g in members if g[11] == mid]
                if reason == "request":
                    subject = some_request(mid)
                elif reason == "godchild":
                    subject = rng.choice(godchildren) if godchildren and rng.random() < 0.7 else rng.choice(members)[0]
                else:
                    subject = None
                when = at - rng.randint(0, 70) * DAY
                in_week = "2026-W49" if rng.random() < 0.03 else rng.choice(["2026-W48", "2026-W47", "2026-W40"])
                nudged[(mid, in_week)] = (mid, in_week, reason, subject, when)
            await tx.executemany("INSERT INTO nudge (member_id, week, reason, subject_id, at) VALUES (?, ?, ?, ?, ?)",
                                 list(nudged.values()))
            checkins = {(rng.choice(members)[0], rng.choice([7, 30, 180])): at - rng.randint(0, 20) * DAY
                        for _ in range(120)}
            await tx.executemany("INSERT INTO checkin (member_id, offset_days, at) VALUES (?, ?, ?)",
                                 [(m, o, when) for (m, o), when in checkins.items()])

        history = list(nudged.values())
        recent = {m for (m, _), when in checkins.items() if when >= rules.checkin_since}
        recent |= {by_id[m][11] for m in recent if by_id[m][11] is not None}

        def eligible(m: tuple) -> bool:
            return (m[1] == ctx.guild_id and m[2] is None and not m[3] and m[4] and m[5] and m[6] is not None
                    and not any(n[0] == m[0] and n[1] == week for n in history) and m[0] not in recent)

        def first_request(m: tuple) -> int | None:
            mine = {s for (member, s) in offers if member == m[0]}
            for r in opens:
                if (r[6] & mine and r[2] != m[0]
                        and not any(p[0] == r[0] and p[1] == m[0] and p[2] > rules.pinged_since for p in pings)
                        and (r[0], m[0]) not in helpers
                        and not any(n[0] == m[0] and n[2] == "request" and n[3] == r[0] for n in history)):
                    return r[0]
            return None

        def quiet_godchild(m: tuple) -> int | None:
            found = [g for g in members if g[11] == m[0] and g[1] == ctx.guild_id and g[2] is None and not g[3]
                     and g[8] >= rules.newcomer_since and (g[9] or 0) < rules.godchild_quiet_before
                     and not any(n[0] == m[0] and n[2] == "godchild" and n[3] == g[0]
                                 and n[4] >= rules.godchild_repeat_since for n in history)]
            return min(found, key=lambda g: (g[9] or 0, g[0]))[0] if found else None

        def choice(m: tuple) -> tuple[str, int | None] | None:
            request = first_request(m) if m[7] else None
            if request is not None:
                return "request", request
            godchild = quiet_godchild(m)
            if godchild is not None:
                return "godchild", godchild
            confirmed = m[10] if m[10] is not None else m[8]
            if confirmed < rules.stale_before and not any(
                    n[0] == m[0] and n[2] == "profile" and n[4] >= rules.stale_before for n in history):
                return "profile", None
            seen = m[9] if m[9] is not None else m[8]
            hellos = [n for n in history if n[0] == m[0] and n[2] == "hello"]
            if (seen < rules.quiet_before and not any(n[4] >= rules.last_hello_before for n in hellos)
                    and sum(n[4] > seen for n in hellos) < rules.max_unanswered):
                return "hello", None
            return None

        expected = [(m[0], *found) for m in members if eligible(m) and (found := choice(m)) is not None]
        async with ctx.db.transaction() as tx:
            chosen = await choose_by_rules(tx, ctx, fire_time, week)
        got = [(target.member_id, reason, subject) for target, reason, subject in chosen]
        assert got == expected
        reasons = {e[1] for e in expected}
        assert reasons == {"request", "godchild", "profile", "hello"}, reasons  # every rule is exercised
        walked = [e for e in expected if e[1] == "request" and e[2] != first_open_of(e[0], opens, offers)]
        assert walked  # and the slow path (the first open request of their skills was not allowed)
    finally:
        await sim.close()


def first_open_of(member: int, opens: list[tuple], offers: set[tuple[int, int]]) -> int | None:
    """The first open request matching a member's skills, allowed or not."""
    mine = {s for (m, s) in offers if m == member}
    return next((r[0] for r in opens if r[6] & mine), None)


async def test_dm_rows_joined_from_frames_are_the_rows_built_in_full(tmp_path: Path) -> None:
    """Names with quotes, backslashes, new lines, `@`, emoji or the frame's own slot characters; titles
    and godchild names that contain the slot; every rule, locale and closed DMs: the rows joined from
    frames are byte for byte the payloads rendered in full."""
    import json

    from bot.services.nudge_words import NudgeWords
    from storage.engagement import NudgeTarget

    sim = await open_sim(tmp_path)
    try:
        slot = "\ue000\ue001"
        handles = ["alice", 'b"ob', "c@here", "d\\e", "line\nbreak", slot, f"x{slot}y", "émile 🌱"]
        titles = ["Tailler la haie", 'Un "titre"', f"avec {slot} dedans", "@everyone à l'aide"]
        chosen = []
        n = 0
        for handle in handles:
            for locale in ("fr", "en", None, "de"):
                for closed in (0, 1):
                    for reason in ("request", "godchild", "profile", "hello"):
                        n += 1
                        request, godchild = 100 + n % 4, 500 + n % 3
                        target = NudgeTarget(
                            n, f"p{n}", handle, locale, closed,
                            request if reason == "request" else None, titles[request % 4],
                            godchild if reason == "godchild" else None, [f"g{slot}", "g@x", 'g"'][godchild % 3],
                            ts("2026-05-01T10:00:00+02:00") + (n % 3) * DAY if reason == "profile" else None,
                            int(reason == "hello"))
                        subject = request if reason == "request" else godchild if reason == "godchild" else None
                        chosen.append((target, reason, subject))
        rows = NudgeWords(sim.ctx).outbox_rows(chosen, "2026-W49", 123)
        full = NudgeWords(sim.ctx)
        for (target, reason, _), row in zip(chosen, rows, strict=True):
            assert row[4] == full.payload(full.locale(target.locale), target, reason), (target, reason)
            assert row[3] == (f"channel:{'help-requests' if reason == 'request' else 'general'}" if target.dms_closed
                              else f"dm:{target.platform_id}")
            assert row[7] == f"nudge:2026-W49:{target.member_id}"
            payload = json.loads(row[4])
            assert neutralize(target.handle) in payload["text"]
    finally:
        await sim.close()
