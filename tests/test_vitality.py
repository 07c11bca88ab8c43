"""Vitality: figures checked against hand-computed values on a seeded community; the chart is a PNG."""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from bot.services import vitality
from storage.database import insert_rows
from tests.harness import Sim
from tests.pg_support import ON_PG

DAY = 86400
HOUR = 3600
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Seed:
    """Rows inserted directly, each placed at `days ago` from the simulated now."""

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.now = sim.ctx.now_ts()
        self.ids: dict[str, int] = {}
        self.skills: dict[str, int] = {}

    def ago(self, days: float) -> int:
        return int(self.now - days * DAY)

    def day(self, days: float) -> str:
        return self.sim.ctx.local(self.sim.ctx.now() - timedelta(days=days)).date().isoformat()

    async def member(self, handle: str, joined: float, last_active: float, *, left: float | None = None,
                     godparent: str | None = None, active: bool = True, available: bool = True,
                     activity_days: tuple[float, ...] = (), offers: tuple[str, ...] = ()) -> int:
        async with self.sim.ctx.db.transaction() as tx:
            cur = await tx.execute(
                "INSERT INTO member (guild_id, platform_id, handle, joined_at, left_at, last_active_at, godparent_id, "
                "active, available, charter_accepted_at) VALUES ('console', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (handle, handle, self.ago(joined), self.ago(left) if left is not None else None,
                 self.ago(last_active), self.ids.get(godparent) if godparent else None,
                 int(active), int(available), self.ago(joined)),
            )
            member_id = int(cur.lastrowid)
            for days in activity_days:
                await tx.execute("INSERT INTO activity_day (member_id, day, messages) VALUES (?, ?, 3)",
                                 (member_id, self.day(days)))
            for skill in offers:
                await tx.execute("INSERT INTO member_skill (member_id, skill_id, kind) VALUES (?, ?, 'offer')",
                                 (member_id, await self.skill(tx, skill)))
        self.ids[handle] = member_id
        return member_id

    async def skill(self, tx, display: str) -> int:  # noqa: ANN001 - an aiosqlite connection
        from bot.services.skills import skill_key

        if display not in self.skills:
            cur = await tx.execute("INSERT INTO skill (guild_id, key, display) VALUES ('console', ?, ?)",
                                   (skill_key(display), display))
            self.skills[display] = int(cur.lastrowid)
        return self.skills[display]

    async def request(self, requester: str, created: float, *, skills: tuple[str, ...], status: str = "open",
                      helper: str | None = None, wait_hours: float | None = None,
                      resolved: float | None = None) -> int:
        created_at = self.ago(created)
        claimed_at = created_at + int(wait_hours * HOUR) if wait_hours is not None else None
        async with self.sim.ctx.db.transaction() as tx:
            cur = await tx.execute(
                "INSERT INTO request (guild_id, requester_id, title, status, created_at, claimed_at, resolved_at) "
                "VALUES ('console', ?, 'help', ?, ?, ?, ?)",
                (self.ids[requester], status, created_at, claimed_at,
                 self.ago(resolved) if resolved is not None else None),
            )
            request_id = int(cur.lastrowid)
            for skill in skills:
                await tx.execute("INSERT INTO request_skill (request_id, skill_id) VALUES (?, ?)",
                                 (request_id, await self.skill(tx, skill)))
            if helper is not None:
                await tx.execute("INSERT INTO request_helper (request_id, helper_id, claimed_at) VALUES (?, ?, ?)",
                                 (request_id, self.ids[helper], claimed_at))
        return request_id


async def seed_community(sim: Sim) -> Seed:
    """A small community whose indicators are worked out by hand in the comments."""
    s = Seed(sim)
    await s.member("ines", joined=100, last_active=2, offers=("plomberie",))           # active, old
    await s.member("oscar", joined=100, last_active=50, available=False, offers=("couture",))  # quiet, unavailable
    await s.member("chloe", joined=45, last_active=45, activity_days=(10,))            # cohort, stays
    # leo: in the 30-60 days cohort, active 6 days ago, left since
    await s.member("leo", joined=40, last_active=40, left=5, activity_days=(6,), offers=("électricité",))
    await s.member("maud", joined=50, last_active=50, activity_days=(35,), offers=("cuisine",))  # cohort, quiet
    await s.member("nina", joined=10, last_active=10, godparent="ines")                # newcomer with a godparent
    await s.member("tom", joined=3, last_active=3, active=False, offers=("électricité",))  # newcomer, marked inactive
    await s.member("edge", joined=61, last_active=31)                                  # outside every window
    await s.request("nina", 9, skills=("plomberie",), status="resolved", helper="ines", wait_hours=2, resolved=8)
    await s.request("ines", 5, skills=("couture",), status="claimed", helper="nina", wait_hours=4)
    await s.request("tom", 2, skills=("électricité",))
    await s.request("chloe", 40, skills=("jardinage",), status="resolved", helper="tom", wait_hours=1, resolved=35)
    await s.request("tom", 1, skills=("pub en ligne",), status="closed")
    await s.request("chloe", 20, skills=("cuisine",), status="resolved", helper="tom", wait_hours=10, resolved=19)
    return s


async def animator(sim: Sim, user: str = "anim", locale: str = "fr") -> None:
    await sim.onboard(user, locale)
    await sim.roles(user, add=["animator"])


async def test_indicators_match_hand_computed_values(sim: Sim) -> None:
    await seed_community(sim)
    ind = await vitality.compute_indicators(sim.ctx, 30)
    # Active: ines (2d), chloe (activity 10d), leo (activity 6d, left since), nina (10d), tom (3d).
    assert ind.active_members == 5
    # Joined in the last 30 days: nina (godparent) and tom (none).
    assert ind.newcomers == 2
    assert ind.godparent_coverage == pytest.approx(0.5)
    # Joined 30-60 days ago: chloe, leo, maud; only chloe is still present and active lately.
    assert ind.retention_30d == pytest.approx(1 / 3)
    # Created in the window: 9d, 5d, 2d, 1d (spam, closed) and 20d; resolved in it: 8d and 19d.
    assert ind.requests_opened == 5
    assert ind.requests_resolved == 2
    # First claims after 2h, 4h and 10h: median 4h.
    assert ind.median_hours_to_first_helper == pytest.approx(4.0)
    # couture: only oscar (unavailable); électricité: leo left, tom is inactive. Spam-closed requests aside.
    assert ind.unmet_skills == ["couture", "électricité"]
    # ines helped nina and nina helped ines; tom helped chloe, but nobody helped tom in the window.
    assert ind.reciprocity == 2


async def test_a_shorter_window_counts_less(sim: Sim) -> None:
    await seed_community(sim)
    ind = await vitality.compute_indicators(sim.ctx, 7)
    assert ind.active_members == 3  # ines, leo (activity 6 days ago), tom
    assert ind.newcomers == 1 and ind.godparent_coverage == 0.0
    assert ind.requests_opened == 3 and ind.requests_resolved == 0
    assert ind.median_hours_to_first_helper == pytest.approx(4.0)
    assert ind.reciprocity == 0  # within the week only nina helped ines; ines helped nobody
    assert ind.retention_30d == pytest.approx(1 / 3)  # always the 30-60 days cohort


async def test_an_empty_community_has_no_shares_rather_than_zeros(sim: Sim) -> None:
    ind = await vitality.compute_indicators(sim.ctx)
    assert ind.days == 30
    assert (ind.active_members, ind.newcomers, ind.requests_opened, ind.requests_resolved) == (0, 0, 0, 0)
    assert ind.retention_30d is None and ind.godparent_coverage is None
    assert ind.median_hours_to_first_helper is None and ind.unmet_skills == [] and ind.reciprocity == 0


async def test_weekly_series_cover_the_window_in_community_weeks(sim: Sim) -> None:
    await seed_community(sim)
    ind = await vitality.compute_indicators(sim.ctx, 30)
    # Now is Tuesday 2026-12-01; 30 days back is Sunday 1 November: weeks 44 (one day) to 49.
    assert [p.week for p in ind.weekly] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]
    assert str(ind.weekly[0].week_start) == "2026-10-26"
    opened = {p.week: p.requests_opened for p in ind.weekly}
    assert opened == {"2026-W44": 0, "2026-W45": 0, "2026-W46": 1, "2026-W47": 1, "2026-W48": 2, "2026-W49": 1}
    assert sum(opened.values()) == ind.requests_opened
    assert {p.week: p.newcomers for p in ind.weekly if p.newcomers} == {"2026-W47": 1, "2026-W48": 1}
    assert sum(p.requests_resolved for p in ind.weekly) == ind.requests_resolved
    active = {p.week: p.active_members for p in ind.weekly}
    # W47 (16-22 Nov): chloe (activity 21 Nov), nina (last seen 21 Nov); W48: ines, leo, tom.
    assert active == {"2026-W44": 0, "2026-W45": 0, "2026-W46": 0, "2026-W47": 2, "2026-W48": 3, "2026-W49": 0}


COMMANDS_MD_KEYS = {"active_members", "newcomers", "retention_30d", "requests_opened", "requests_resolved",
                    "median_hours_to_first_helper", "unmet_skills"}


async def test_animator_gets_the_figures_and_a_png_chart(sim: Sim) -> None:
    await seed_community(sim)
    await animator(sim)
    reply = await sim.command("anim", "vitality")
    assert reply["ok"], reply
    data = reply["data"]
    assert set(data) >= COMMANDS_MD_KEYS
    assert data["days"] == 30 and data["unmet_skills"] == ["couture", "électricité"]
    assert data["active_members"] == 6  # the seeded five, plus the animator who just joined
    assert data["reciprocity"] == 2 and data["retention_30d"] == pytest.approx(1 / 3)
    assert len(data["weekly"]) == 6 and {"week", "week_start", "active_members"} <= set(data["weekly"][0])
    [chart] = reply["attachments"]
    assert chart["filename"] == "vitality.png" and chart["content_type"] == "image/png"
    png = base64.b64decode(chart["content_base64"])
    assert png.startswith(PNG_MAGIC) and len(png) > 1000
    assert "Vitalité" in reply["text"] and "couture" in reply["text"]


async def test_the_reply_speaks_the_animator_s_language(sim: Sim) -> None:
    await animator(sim, "anna", locale="en")
    reply = await sim.command("anna", "vitality", days=7)
    assert reply["ok"] and reply["data"]["days"] == 7
    assert "Community vitality over the last 7 days" in reply["text"]
    assert "no data yet" in reply["text"]  # no claimed request: no median, said plainly


@pytest.mark.parametrize("days", [0, -3, 366, "trente", 2.5])
async def test_a_bad_period_is_invalid_input(sim: Sim, days: object) -> None:
    await animator(sim)
    reply = await sim.command("anim", "vitality", days=days)
    assert not reply["ok"] and reply["error"] == "invalid_input", reply
    assert "attachments" not in reply


async def test_period_bounds_are_accepted(sim: Sim) -> None:
    await animator(sim)
    for days in (1, 365, "90"):
        reply = await sim.command("anim", "vitality", days=days)
        assert reply["ok"], reply
    assert reply["data"]["days"] == 90


async def test_members_may_not_see_the_indicators(sim: Sim) -> None:
    await sim.onboard("bob")
    reply = await sim.command("bob", "vitality")
    assert not reply["ok"] and reply["error"] == "permission_denied"
    assert reply["data"] == {} and "attachments" not in reply


async def test_unmet_skill_names_cannot_ping_in_the_reply(sim: Sim) -> None:
    s = Seed(sim)
    await s.member("eve", joined=5, last_active=1)
    await s.request("eve", 1, skills=("@everyone",))
    await animator(sim)
    reply = await sim.command("anim", "vitality")
    assert reply["data"]["unmet_skills"] == ["@everyone"]
    assert "@everyone" not in reply["text"] and "@\u200beveryone" in reply["text"]


@pytest.mark.slow
async def test_indicators_are_right_on_a_large_community(sim: Sim) -> None:
    """20,000 members and a year of activity: the aggregates stay exact (speed: `make bench`)."""
    now = sim.ctx.now_ts()
    members = 20_000
    days = [sim.ctx.local(sim.ctx.now() - timedelta(days=d)).date().isoformat() for d in range(365)]
    async with sim.ctx.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO member (id, guild_id, platform_id, handle, joined_at, last_active_at, godparent_id) "
            "VALUES (?, 'console', ?, ?, ?, ?, ?)",
            [(i, f"u{i}", f"u{i}", now - (i % 700) * DAY, now - (i % 90) * DAY, (i - 1) if i % 3 == 0 else None)
             for i in range(1, members + 1)],
        )
        # A year of activity: each member active on ~one day in ten (many rows a statement: PostgreSQL's
        # triggers keep the weekly rollup once per statement).
        await insert_rows(
            tx, "INSERT INTO activity_day (member_id, day, messages) VALUES",
            [(i, days[(i + k * 20) % 365], 1) for i in range(1, members + 1, 2) for k in range(18)],
        )
        await tx.execute("INSERT INTO skill (id, guild_id, key, display) VALUES (1, 'console', 'aide', 'aide')")
        await tx.executemany(
            "INSERT INTO request (id, guild_id, requester_id, title, status, created_at, claimed_at) "
            "VALUES (?, 'console', ?, 't', 'claimed', ?, ?)",
            [(r, (r * 13) % members + 1, now - (r % 365) * DAY, now - (r % 365) * DAY + 3600) for r in range(1, 5001)],
        )
        await tx.executemany("INSERT INTO request_skill (request_id, skill_id) VALUES (?, 1)",
                             [(r,) for r in range(1, 5001)])
        await tx.executemany("INSERT INTO request_helper (request_id, helper_id, claimed_at) VALUES (?, ?, ?)",
                             [(r, (r * 13 + 1) % members + 1, now - (r % 365) * DAY + 3600) for r in range(1, 5001)])
    month = await vitality.compute_indicators(sim.ctx, 30)
    year = await vitality.compute_indicators(sim.ctx, 365)
    assert year.active_members == members and month.newcomers > 0
    assert year.median_hours_to_first_helper == pytest.approx(1.0)
    assert sum(p.requests_opened for p in year.weekly) == year.requests_opened


# The definitions, written the plain way (one join over every activity row): the fast queries must agree.
REFERENCE_ACTIVE = (
    "SELECT COUNT(*) FROM member m WHERE m.guild_id = ? AND ((m.last_active_at >= ? AND m.last_active_at <= ?)"
    " OR EXISTS (SELECT 1 FROM activity_day a WHERE a.member_id = m.id AND a.day >= ? AND a.day <= ?))"
)
REFERENCE_WEEK = (
    "SELECT COUNT(*) FROM member m WHERE m.guild_id = ? AND ((m.last_active_at >= ? AND m.last_active_at < ?)"
    " OR EXISTS (SELECT 1 FROM activity_day a WHERE a.member_id = m.id AND a.day IN ({days})))"
)
# The Monday of a day in each engine's own words (SQLite's date modifiers, PostgreSQL's ISO week).
_MONDAY = "to_char(date_trunc('week', a.day::date), 'YYYY-MM-DD')" if ON_PG else "date(a.day, '-6 days', 'weekday 1')"
REFERENCE_ROLLUP = (
    f"SELECT a.guild_id, {_MONDAY} AS monday, COUNT(DISTINCT a.member_id) FROM (SELECT m.guild_id, a.member_id,"
    " a.day FROM activity_day a JOIN member m ON m.id = a.member_id WHERE date(a.day) = a.day) a GROUP BY 1, 2"
)


async def _check_against_definitions(sim: Sim) -> None:
    db = sim.ctx.db
    rollup = {(r[0], r[1]): r[2] for r in await db.fetchall("SELECT * FROM activity_week") if r[2]}
    assert rollup == {(r[0], r[1]): r[2] for r in await db.fetchall(REFERENCE_ROLLUP)}
    assert await db.fetchall("SELECT id FROM member WHERE last_activity_day IS NOT "
                             "(SELECT MAX(day) FROM activity_day a WHERE a.member_id = member.id)") == []
    for days in (1, 7, 30, 365):
        ind = await vitality.compute_indicators(sim.ctx, days)
        window = vitality.window_ending_now(sim.ctx, days)
        row = await db.fetchone(REFERENCE_ACTIVE, ("console", window.start, window.end, window.start_day,
                                                   window.end_day))
        assert ind.active_members == row[0], days
        for point, (_, _, bucket) in zip(ind.weekly, vitality.weekly_buckets(sim.ctx, window), strict=True):
            sql = REFERENCE_WEEK.format(days=", ".join("?" * len(bucket.days)))
            row = await db.fetchone(sql, ("console", bucket.lo, bucket.hi, *bucket.days))
            assert point.active_members == row[0], (days, point.week)


async def test_fast_active_counts_agree_with_the_definitions_on_untidy_data(sim: Sim) -> None:
    """Two guilds, last-seen times that disagree with the activity rows, days after now, odd day strings,
    then rows deleted, moved, a member deleted and one moved to the other guild: the weekly rollup and
    each member's latest day stay exact, and so do the figures."""
    import random

    rng = random.Random(8)
    now = sim.ctx.now_ts()
    day = [sim.ctx.local(sim.ctx.now() + timedelta(days=d)).date().isoformat() for d in range(-400, 4)]
    async with sim.ctx.db.transaction() as tx:
        for i in range(1, 81):
            last = None if i % 9 == 0 else now + rng.randint(-400 * DAY, 2 * DAY)
            await tx.execute("INSERT INTO member (id, guild_id, platform_id, handle, joined_at, last_active_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             (i, "other" if i % 5 == 0 else "console", f"p{i}", f"h{i}", now - 500 * DAY, last))
            for d in rng.sample(day, rng.choice((0, 1, 3, 20))):
                await tx.execute("INSERT INTO activity_day (member_id, day, messages) VALUES (?, ?, 1)", (i, d))
        await tx.execute("INSERT INTO activity_day (member_id, day) VALUES (1, ?)", (day[-5] + "T00",))
    await _check_against_definitions(sim)
    async with sim.ctx.db.transaction() as tx:
        await tx.execute("DELETE FROM activity_day WHERE (member_id + length(day)) % 3 = 0")
        await tx.execute("UPDATE activity_day SET day = ? WHERE member_id = 2 AND day = "
                         "(SELECT MIN(day) FROM activity_day WHERE member_id = 2)", (day[-3],))
        await tx.execute("UPDATE activity_day SET member_id = 4 WHERE member_id = 3 "  # a day 4 has stays with 3
                         "AND day NOT IN (SELECT day FROM activity_day WHERE member_id = 4)")
        await tx.execute("DELETE FROM member WHERE id IN (6, 7)")
        await tx.execute("UPDATE member SET guild_id = 'other' WHERE id = 8")
        await tx.execute("UPDATE member SET guild_id = 'console' WHERE id = 10")
    await _check_against_definitions(sim)


async def test_a_member_s_erasure_leaves_their_weeks(sim: Sim) -> None:
    s = Seed(sim)
    await s.member("ines", joined=100, last_active=40, activity_days=(9, 10, 11))
    await s.member("leo", joined=100, last_active=40, activity_days=(10,))
    before = await vitality.compute_indicators(sim.ctx, 30)
    # Both were active on 20-22 November only (week 47), and last seen before the window.
    assert before.active_members == 2 and {p.week: p.active_members for p in before.weekly}["2026-W47"] == 2
    async with sim.ctx.db.transaction() as tx:
        await tx.execute("DELETE FROM activity_day WHERE member_id = ?", (s.ids["ines"],))
    after = await vitality.compute_indicators(sim.ctx, 30)
    assert after.active_members == 1
    assert {p.week: p.active_members for p in after.weekly if p.active_members} == {"2026-W47": 1}
