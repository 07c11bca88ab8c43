"""The fast routing statements (GROUP_SQL for up to three skills: a fairness walk per set of the
requested skills; MANY_SKILLS_SQL beyond: walks of the most offered skills + exact ranking of the
rest) pick exactly the helpers the plain reference query (FULL_ROUTE_SQL) picks, on random
communities and requests."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite
import pytest

from bot.services import requests as service
from storage import members as members_repo
from storage import requests as requests_repo
from storage import routing as routing_repo
from storage.routing import RouteParams
from storage.routing_filters import _AWAKE
from tests.harness import Sim

DAY = 86400
ZONES = (None, "Europe/Paris", "America/New_York", "Asia/Tokyo", "Pacific/Auckland", "America/Los_Angeles")
LANGS = ("", "", "fr", "en", "fr,en", "de", "en, FR", "es,it,pt,de,ar,en")  # the last: more than 4


async def build_community(tx: aiosqlite.Connection, guild: str, now: int, rng: random.Random, n: int) -> list[int]:
    """n members, a third of them offering one popular skill, random pings over the last 40 days."""
    rows = []
    for i in range(n):
        quiet = rng.random() < 0.4
        rows.append((
            guild, f"u{i}", f"u{i}", now - rng.randrange(400 * DAY), None if rng.random() < 0.9 else now,
            1 if rng.random() < 0.95 else 0, now if rng.random() < 0.95 else None, rng.choice(LANGS),
            rng.randrange(24) if quiet else None, rng.randrange(24) if quiet else None, rng.choice(ZONES),
            1 if rng.random() < 0.9 else 0, 1 if rng.random() < 0.02 else 0,
        ))
    # a few members share a joined_at, so ties fall to the id
    for j in range(0, n - 1, 37):
        rows[j + 1] = rows[j + 1][:3] + (rows[j][3],) + rows[j + 1][4:]
    await tx.executemany(
        "INSERT INTO member (guild_id, platform_id, handle, joined_at, left_at, active, charter_accepted_at, "
        "languages, quiet_start, quiet_end, timezone, available, erased) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    async with tx.execute("SELECT id FROM member WHERE guild_id = ? ORDER BY id", (guild,)) as cur:
        ids = [r[0] for r in await cur.fetchall()]
    await tx.executemany("INSERT INTO skill (guild_id, key, display) VALUES (?, ?, ?)",
                         [(guild, f"s{k}", f"S{k}") for k in range(12)])
    async with tx.execute("SELECT id FROM skill WHERE guild_id = ? ORDER BY id", (guild,)) as cur:
        skills = [r[0] for r in await cur.fetchall()]
    offers = set()
    for member_id in ids:
        if rng.random() < 0.35:
            offers.add((member_id, skills[0], "offer"))
        for _ in range(rng.randrange(3)):
            k = min(int(rng.paretovariate(1.2)), len(skills) - 1)
            offers.add((member_id, skills[k], rng.choice(("offer", "offer", "need"))))
    await tx.executemany("INSERT OR IGNORE INTO member_skill (member_id, skill_id, kind) VALUES (?, ?, ?)",
                         sorted(offers))
    # old requests and their pings: some members pinged often (fatigue), some long ago, most never
    requester = ids[0]
    pings = []
    for r in range(60):
        cur = await tx.execute("INSERT INTO request (guild_id, requester_id, title, created_at) VALUES (?, ?, ?, ?)",
                               (guild, requester, f"old {r}", now - 40 * DAY))
        for _ in range(rng.randrange(1, 8)):
            helper = rng.choice(ids[: n // 3]) if rng.random() < 0.5 else rng.choice(ids)
            pings.append((cur.lastrowid, helper, 1, now - rng.randrange(40 * DAY)))
    await tx.executemany("INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, ?, ?)", pings)
    return ids


async def new_request(tx: aiosqlite.Connection, guild: str, now: int, rng: random.Random, ids: list[int]) -> int:
    async with tx.execute("SELECT id FROM skill WHERE guild_id = ? ORDER BY id", (guild,)) as cur:
        skills = [r[0] for r in await cur.fetchall()]
    wanted = {skills[0]} if rng.random() < 0.6 else set()
    while not wanted or rng.random() < 0.4:
        wanted.add(rng.choice(skills))
    cur = await tx.execute("INSERT INTO request (guild_id, requester_id, title, urgent, created_at) VALUES (?,?,?,?,?)",
                           (guild, rng.choice(ids), "new", int(rng.random() < 0.2), now))
    request_id = cur.lastrowid
    assert request_id is not None
    await tx.executemany("INSERT INTO request_skill (request_id, skill_id) VALUES (?, ?)",
                         [(request_id, s) for s in sorted(wanted)])
    if rng.random() < 0.3:  # an earlier round of this request already pinged a few
        await tx.executemany("INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, 1, ?)",
                             [(request_id, rng.choice(ids), now - 3600) for _ in range(rng.randrange(1, 6))])
    if rng.random() < 0.1:
        await tx.execute("INSERT INTO request_helper (request_id, helper_id, claimed_at) VALUES (?, ?, ?)",
                         (request_id, rng.choice(ids), now))
    return request_id


def at_time(params: RouteParams, now: int, fair_days: int, fatigue_days: int, tz: str) -> RouteParams:
    return replace(params, fair_since=now - fair_days * DAY, fatigue_since=now - fatigue_days * DAY,
                   now=now, community_tz=tz,
                   community_hour=datetime.fromtimestamp(now, ZoneInfo(tz)).hour)


async def ids_of(members: list[members_repo.Member]) -> list[int]:
    return [m.id for m in members]


async def _compare(sim: Sim, rng: random.Random, ids: list[int], requests: list[int],
                   caps: tuple[int, ...] = (1, 2, 3, 5, 50)) -> tuple[int, int, set[int], list[list[int]]]:
    """Each request at four random moments, windows, caps and limits: the fast statements' choice
    (MANY_SKILLS_SQL with each walk tunable; the statement for a known number of skills, stale
    counts included; fatigue caps read from the latest pings, 1 to 4, or counted) equals the
    reference query's. Returns how many choices
    were compared, how many found someone, the request shapes met and the choices."""
    ctx = sim.ctx
    now = ctx.now_ts()
    conn = ctx.db.reader
    checked = walked = 0
    shapes: set[int] = set()
    choices: list[list[int]] = []
    for request_id in requests:
        request = await requests_repo.by_id(conn, ctx.guild_id, request_id)
        assert request is not None and request.requester_id is not None
        requester = await members_repo.by_id(conn, request.requester_id)
        base = service.route_params(ctx, request, requester)
        skills = len((await requests_repo.skill_names(conn, [request_id]))[request_id])
        shapes.add(min(skills, routing_repo.GROUP_SKILLS + 1))
        # the walk tunables only steer MANY_SKILLS_SQL: the default, always walk, tiny budgets, never walk
        tunables = ((None, 4096),) if skills <= routing_repo.GROUP_SKILLS else (
            (None, 4096), (0, 4096), (0, 40), (10**9, 4096), (1, 7))
        for _variant in range(4):
            when = now + rng.randrange(-DAY, 10 * DAY)
            params = at_time(base, when, rng.choice((14, 7, 30)), rng.choice((7, 3, 14)),
                             rng.choice(("Europe/Paris", "Asia/Tokyo")))
            params = replace(params, limit=rng.choice((1, 3, 3, 10)), fatigue_cap=rng.choice(caps),
                             urgent=rng.random() < 0.3,
                             exclude=tuple(rng.sample(ids, 3)) if rng.random() < 0.2 else ())
            expected = await ids_of(await routing_repo.route_candidates_reference(conn, params))
            for walk_from, budget in tunables:
                tuned = replace(params, walk_from=walk_from, walk_budget=budget)
                got = await ids_of(await routing_repo.route_candidates(conn, tuned))
                assert got == expected, (request_id, walk_from, budget, params)
                checked += 1
            # the request's number of skills known (route_request reads it): SQLite's statement for
            # that many; a count too small (skills added since it was read) or too large
            for known in (skills, skills - 1, skills + 1, 0):
                got = await ids_of(await routing_repo.route_candidates(conn, replace(params, skills=known)))
                assert got == expected, (request_id, known, skills, params)
                checked += 1
            walked += bool(expected)
            choices.append(expected)
    return checked, walked, shapes, choices


@pytest.mark.parametrize("seed,size", [(1, 400), (2, 1500), (3, 3000)])
async def test_fast_routing_equals_the_reference_query(sim: Sim, seed: int, size: int) -> None:
    rng = random.Random(seed)
    ctx = sim.ctx
    now = ctx.now_ts()
    async with ctx.db.transaction() as tx:
        ids = await build_community(tx, ctx.guild_id, now, rng, size)
        requests = [await new_request(tx, ctx.guild_id, now, rng, ids) for _ in range(40)]
    checked, walked, shapes, _choices = await _compare(sim, rng, ids, requests)
    assert shapes == {1, 2, 3, 4}  # both statements, every group size
    assert checked >= 40 * 4 and walked > 40  # most requests do find helpers: the walks are exercised


@pytest.mark.parametrize("seed", [5, 6])
async def test_fast_routing_equals_the_reference_query_when_helpers_are_asked_a_lot(sim: Sim, seed: int) -> None:
    """A busy community: nearly every offerer was pinged inside the fairness window, many of them
    past the fatigue cap. The walks then reach their last arm (members sorted by their pings in
    the window, the tired ones left out before counting) and the choice must still be the reference's."""
    rng = random.Random(seed)
    ctx = sim.ctx
    now = ctx.now_ts()
    async with ctx.db.transaction() as tx:
        ids = await build_community(tx, ctx.guild_id, now, rng, 500)
        offerers = [r[0] for r in await tx.execute_fetchall(
            "SELECT DISTINCT member_id FROM member_skill WHERE kind = 'offer' ORDER BY member_id")]
        cur = await tx.execute("INSERT INTO request (guild_id, requester_id, title, created_at) VALUES (?, ?, ?, ?)",
                               (ctx.guild_id, ids[0], "busy", now - 40 * DAY))
        # up to 14 pings each over the last 30 days (some in the same second: a count, not a set of times)
        pings = [(cur.lastrowid, m, 1, now - rng.randrange(30 * DAY) if rng.random() < 0.9 else now - DAY)
                 for m in offerers if rng.random() < 0.95 for _ in range(rng.randrange(1, 15))]
        await tx.executemany("INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, ?, ?)", pings)
        requests = [await new_request(tx, ctx.guild_id, now, rng, ids) for _ in range(30)]
    checked, walked, _shapes, choices = await _compare(sim, rng, ids, requests, caps=(2, 4, 6, 9, 50))
    assert checked >= 30 * 4 and walked > 30
    fair_pinged = {r[0] for r in await ctx.db.fetchall(
        "SELECT DISTINCT helper_id FROM request_ping WHERE at > ?", (now - 7 * DAY,))}
    assert sum(1 for c in choices if set(c) & fair_pinged) > 20  # members pinged in the window were chosen


async def test_the_awake_test_is_the_plain_quiet_hours_rule(sim: Sim) -> None:
    """routing_filters._AWAKE (one modular expression) against the plain rule, for every local hour,
    quiet start and end (and the community's night for a member who set none), on both engines."""
    hours = range(24)
    members = [(qs, qe) for qs in hours for qe in hours] + [(None, None), (5, None)]
    rows = ", ".join(f"({'NULL' if qs is None else qs}, {'NULL' if qe is None else qe})" for qs, qe in members)
    sql = (f"WITH v(a, b) AS (VALUES {rows}) SELECT m.quiet_start, m.quiet_end, CASE WHEN {_AWAKE} THEN 1 ELSE 0 "
           "END FROM (SELECT NULL AS timezone, v.a AS quiet_start, v.b AS quiet_end FROM v) m")
    night = (22, 7)
    for hour in hours:
        got = await sim.ctx.db.fetchall(sql, {
            "urgent": False, "community_tz": "Europe/Paris", "community_hour": hour, "now": 0,
            "night_start": night[0], "night_end": night[1]})
        for qs, qe, awake in got:
            start, end = (qs, qe) if qs is not None and qe is not None else night
            quiet = start != end and (start <= hour < end if start < end else (hour >= start or hour < end))
            assert bool(awake) == (not quiet), (hour, qs, qe)
        assert len(got) == len(members)


# Each member's k-th latest ping (0301 keeps the 2nd to the 4th), from the pings themselves.
_LATEST = "(SELECT p.at FROM request_ping p WHERE p.helper_id = m.id ORDER BY p.at DESC LIMIT 1 OFFSET {k})"
STALE_LEVELS = ("SELECT COUNT(*) FROM member m WHERE " + " OR ".join(
    f"m.pinged_at_{k + 1} IS NOT {_LATEST.format(k=k)}" for k in (1, 2, 3)))


async def test_last_pinged_at_follows_every_ping_write(sim: Sim) -> None:
    """The triggers keep member.last_pinged_at = MAX(request_ping.at) and pinged_at_2..4 the 2nd to
    4th latest pings (a ping counted as often as it was sent, same second or not), whoever writes them."""
    ctx = sim.ctx
    now = ctx.now_ts()
    rng = random.Random(7)
    async with ctx.db.transaction() as tx:
        ids = await build_community(tx, ctx.guild_id, now, rng, 200)
        busy = ids[:30]
        await tx.executemany("INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (1, ?, 3, ?)",
                             [(m, now - rng.choice((0, 60, 60, 3600, 86400)) - 7200) for m in busy
                              for _ in range(rng.randrange(1, 7))])
        assert (await tx.execute_fetchall(STALE_LEVELS))[0][0] == 0
        assert (await tx.execute_fetchall("SELECT COUNT(*) FROM member WHERE pinged_at_4 IS NOT NULL"))[0][0] > 5
        await tx.execute("DELETE FROM request_ping WHERE id % 3 = 0")
        await tx.execute("UPDATE request_ping SET at = at - 5 * 86400 WHERE id % 5 = 0")
        await tx.execute("UPDATE request_ping SET helper_id = NULL WHERE id % 7 = 0")
        await requests_repo.record_round(tx, 1, ids[:3], 2, now + 60)
        async with tx.execute(
            "SELECT COUNT(*) FROM member m WHERE m.last_pinged_at IS NOT "
            "(SELECT MAX(p.at) FROM request_ping p WHERE p.helper_id = m.id)") as cur:
            assert (await cur.fetchone())[0] == 0
        async with tx.execute("SELECT COUNT(*) FROM member WHERE last_pinged_at = ?", (now + 60,)) as cur:
            assert (await cur.fetchone())[0] == 3
        assert (await tx.execute_fetchall(STALE_LEVELS))[0][0] == 0
        await tx.execute("UPDATE request_ping SET helper_id = ? WHERE helper_id = ?", (busy[1], busy[0]))
        await tx.execute("DELETE FROM request WHERE id = 1")  # its pings go with it
        assert (await tx.execute_fetchall(STALE_LEVELS))[0][0] == 0


async def test_offer_walk_copies_follow_members_and_pings(sim: Sim) -> None:
    """0032's, 0033's and 0301's triggers keep each offer's (and each pair of offers') copy of its
    member's latest pings, seniority and routability equal to the member row, through pings, profile
    edits, leaving, pausing and erasure."""
    ctx = sim.ctx
    now = ctx.now_ts()
    rng = random.Random(11)
    stale = (
        "SELECT COUNT(*) FROM member_skill ms JOIN member m ON m.id = ms.member_id "
        "WHERE ms.walk_pinged_at IS NOT m.last_pinged_at OR ms.walk_joined_at IS NOT m.joined_at "
        "OR ms.walk_routable IS NOT (CASE WHEN m.left_at IS NULL AND m.erased = 0 AND m.active = 1 "
        "AND m.available = 1 AND m.charter_accepted_at IS NOT NULL THEN 1 ELSE 0 END) "
        "OR ms.walk_pinged_at_2 IS NOT m.pinged_at_2 OR ms.walk_pinged_at_3 IS NOT m.pinged_at_3 "
        "OR ms.walk_pinged_at_4 IS NOT m.pinged_at_4")
    async with ctx.db.transaction() as tx:
        ids = await build_community(tx, ctx.guild_id, now, rng, 200)
        async with tx.execute("SELECT COUNT(*) FROM member_skill WHERE walk_joined_at IS NULL") as cur:
            assert (await cur.fetchone())[0] == 0
        await tx.execute("DELETE FROM request_ping WHERE id % 3 = 0")
        await tx.execute("UPDATE request_ping SET at = at - 5 * 86400 WHERE id % 5 = 0")
        await tx.execute("UPDATE request_ping SET helper_id = NULL WHERE id % 7 = 0")
        await requests_repo.record_round(tx, 1, ids[:3], 2, now + 60)
        await tx.execute("UPDATE member SET available = 1 - available WHERE id % 4 = 0")
        await tx.execute("UPDATE member SET left_at = ? WHERE id % 6 = 0", (now,))
        await tx.execute("UPDATE member SET active = 0, erased = 1 WHERE id % 9 = 0")
        await tx.execute("UPDATE member SET charter_accepted_at = NULL WHERE id % 10 = 0")
        await tx.execute("UPDATE member SET joined_at = joined_at - 7 WHERE id % 11 = 0")
        # Moves that would collide with a row already there are left out (both engines' form of
        # SQLite's UPDATE OR IGNORE): a member's offers moved to another member, offers turned into
        # needs and back, one offer per member moved to another skill.
        await tx.execute("UPDATE member_skill SET member_id = ? WHERE member_id = ? AND NOT EXISTS (SELECT 1 "
                         "FROM member_skill o WHERE o.member_id = ? AND o.skill_id = member_skill.skill_id "
                         "AND o.kind = member_skill.kind)", (ids[7], ids[8], ids[7]))
        await tx.execute("UPDATE member_skill SET kind = CASE kind WHEN 'offer' THEN 'need' ELSE 'offer' END "
                         "WHERE member_id % 13 = 0 AND NOT EXISTS (SELECT 1 FROM member_skill o WHERE "
                         "o.member_id = member_skill.member_id AND o.skill_id = member_skill.skill_id "
                         "AND o.kind <> member_skill.kind)")
        await tx.execute("UPDATE member_skill SET skill_id = (SELECT MAX(id) FROM skill) "
                         "WHERE member_id % 17 = 0 AND NOT EXISTS (SELECT 1 FROM member_skill o WHERE "
                         "o.member_id = member_skill.member_id AND o.kind = member_skill.kind AND "
                         "(o.skill_id = (SELECT MAX(id) FROM skill) OR o.skill_id < member_skill.skill_id))")
        await tx.execute("DELETE FROM member_skill WHERE member_id % 19 = 0 AND skill_id % 2 = 0")
        async with tx.execute(stale) as cur:
            assert (await cur.fetchone())[0] == 0
        async with tx.execute("SELECT COUNT(*) FROM member_skill WHERE walk_pinged_at = ?", (now + 60,)) as cur:
            assert (await cur.fetchone())[0] > 0
        async with tx.execute(STALE_PAIRS) as cur:
            assert (await cur.fetchone())[0] == 0
        async with tx.execute("SELECT COUNT(*) FROM member_offer_pair") as cur:
            assert (await cur.fetchone())[0] > 20  # the community has members offering several skills
    await sim.onboard("a", skills="plomberie, cuisine")
    assert (await sim.command("a", "profile set", skills="cuisine, jardin, couture"))["ok"]
    assert (await sim.command("a", "profile set", skills="jardin"))["ok"]
    assert (await ctx.db.fetchall(stale))[0][0] == 0
    assert (await ctx.db.fetchall(STALE_PAIRS))[0][0] == 0


# 0033's pairs: exactly one row per two skills a member offers, with the member's walk copies.
_EXPECTED_PAIRS = """
    SELECT a.member_id, a.skill_id, b.skill_id, m.last_pinged_at, m.joined_at,
           CASE WHEN m.left_at IS NULL AND m.erased = 0 AND m.active = 1 AND m.available = 1
                AND m.charter_accepted_at IS NOT NULL THEN 1 ELSE 0 END
    FROM member_skill a JOIN member_skill b ON b.member_id = a.member_id AND b.kind = 'offer'
        AND b.skill_id > a.skill_id
    JOIN member m ON m.id = a.member_id WHERE a.kind = 'offer'"""
_PAIRS = "SELECT member_id, skill_lo, skill_hi, walk_pinged_at, walk_joined_at, walk_routable FROM member_offer_pair"
STALE_PAIRS = (f"SELECT (SELECT COUNT(*) FROM ({_EXPECTED_PAIRS} EXCEPT {_PAIRS})) "
               f"+ (SELECT COUNT(*) FROM ({_PAIRS} EXCEPT {_EXPECTED_PAIRS}))")


async def test_skill_offer_counts_follow_profiles(sim: Sim) -> None:
    await sim.onboard("a", skills="plomberie, cuisine")
    await sim.onboard("b", skills="plomberie", needs="cuisine")
    assert (await sim.command("a", "profile set", skills="cuisine"))["ok"]
    rows = await sim.ctx.db.fetchall(
        "SELECT s.key, s.offer_count, (SELECT COUNT(*) FROM member_skill ms WHERE ms.skill_id = s.id "
        "AND ms.kind = 'offer') FROM skill s ORDER BY s.key")
    assert [(r[0], r[1]) for r in rows] == [("cuisine", 1), ("plomberie", 1)]
    assert all(r[1] == r[2] for r in rows)


@pytest.mark.sqlite_only("EXPLAIN QUERY PLAN; on PostgreSQL: test_on_postgresql_the_walk_reads_the_fairness_index")
async def test_the_walk_reads_the_fairness_index(sim: Sim) -> None:
    ctx = sim.ctx
    async with ctx.db.transaction() as tx:
        ids = await build_community(tx, ctx.guild_id, ctx.now_ts(), random.Random(3), 300)
        request_id = await new_request(tx, ctx.guild_id, ctx.now_ts(), random.Random(4), ids)
        request = await requests_repo.by_id(tx, ctx.guild_id, request_id)
        assert request is not None
        plan = await routing_repo.explain_route(tx, service.route_params(ctx, request, None))
    assert any("member_skill_offer_walk (skill_id=? AND walk_pinged_at=?)" in step for step in plan), plan
    assert any("member_skill_offer_walk (skill_id=? AND walk_pinged_at<?)" in step for step in plan), plan
    assert not any(step.startswith("SCAN") and step.split()[1] in ("m", "w", "member") for step in plan), plan


@pytest.mark.pg_only("PostgreSQL's counterpart of test_the_walk_reads_the_fairness_index")
async def test_on_postgresql_the_walk_reads_the_fairness_index(sim: Sim) -> None:
    """The planner, left to choose by itself (no INDEXED BY there), walks member_skill_offer_walk."""
    ctx = sim.ctx
    async with ctx.db.transaction() as tx:
        ids = await build_community(tx, ctx.guild_id, ctx.now_ts(), random.Random(3), 300)
        request_id = await new_request(tx, ctx.guild_id, ctx.now_ts(), random.Random(4), ids)
        request = await requests_repo.by_id(tx, ctx.guild_id, request_id)
        assert request is not None
        await tx.execute("ANALYZE")
        params = service.route_params(ctx, request, None).as_sql()
        plan = [str(r[0]) for r in await tx.execute_fetchall("EXPLAIN " + routing_repo.GROUP_SQL, params)]
    assert any("member_skill_offer_walk" in step for step in plan), "\n".join(plan)

