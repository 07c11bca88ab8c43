"""The daily godparent jobs in batches against the one-at-a-time path they replace: the preloaded pool
picks what the pool query picks, the batched hand-over writes what one godchild at a time writes."""
from __future__ import annotations

from pathlib import Path

from tests.onboarding_steps import open_sim

# Batches equal the one-by-one path --------------------------------------------------------------

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
