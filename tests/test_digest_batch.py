"""A network's batch reads the weekly digest's inputs for all its communities at once
(storage/digest_batch.py): each community's share is what its own queries (storage/engagement.py) read,
with every limit, tie and order they have — newcomers beyond the limit, left and erased members, thanks
tied on count and time, erased recipients, reminders past the week, polls of several months."""
from __future__ import annotations

import random

import pytest

from bot.services.digest import DIGEST_NEWCOMERS, DIGEST_REMINDERS, DIGEST_REQUESTS, DIGEST_THANKED, WEEK
from storage import engagement as engagement_repo
from storage.digest_batch import digest_reads
from tests.harness import Sim

pytestmark = pytest.mark.sqlite_only(
    "the batch reads run in the shared write transaction of a network's jobs, SQLite's path; on PostgreSQL "
    "each community reads its own")

GUILDS = ("d0", "d1", "d2", "d3")  # d3: nothing at all


async def _fill(sim: Sim, until: int) -> None:
    rng = random.Random(7)
    since = until - WEEK
    async with sim.ctx.db.transaction() as tx:
        members: dict[str, list[int]] = {}
        for g, guild in enumerate(GUILDS[:3]):
            count = (45, 8, 3)[g]  # d0: more newcomers than the digest names
            for n in range(count):
                accepted = since + rng.choice([-5, 0, 1, 600, 600, 3000, WEEK - 1, WEEK])  # ties, both edges
                cur = await tx.execute(
                    "INSERT INTO member (guild_id, platform_id, handle, joined_at, charter_accepted_at, left_at, "
                    "erased) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (guild, f"{guild}-{n}", f"{guild}h{n}", accepted - 10, accepted,
                     accepted if n % 11 == 5 else None, int(n % 13 == 7)))
                members.setdefault(guild, []).append(int(cur.lastrowid or 0))
            skills = []
            for key in ("jardin", "bricolage", "cuisine"):
                cur = await tx.execute("INSERT INTO skill (guild_id, key, display) VALUES (?, ?, ?)",
                                       (guild, key, key.title()))
                skills.append(int(cur.lastrowid or 0))
            for n in range((9, 4, 0)[g]):
                cur = await tx.execute(
                    "INSERT INTO request (guild_id, requester_id, title, urgent, status, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (guild, rng.choice(members[guild]), f"Besoin {n}", int(n % 4 == 1),
                     "open" if n % 5 != 3 else "claimed", since + rng.choice([0, 0, 100, 200])))
                for skill in rng.sample(skills, rng.randint(0, 3)):
                    await tx.execute("INSERT INTO request_skill (request_id, skill_id) VALUES (?, ?)",
                                     (cur.lastrowid, skill))
            for _ in range((25, 6, 0)[g]):
                await tx.execute("INSERT INTO kudos (guild_id, from_id, to_id, at) VALUES (?, ?, ?, ?)",
                                 (guild, rng.choice(members[guild]), rng.choice(members[guild][:9]),
                                  since + rng.choice([-1, 0, 50, 50, 400, WEEK - 1, WEEK])))
            for n in range((8, 2, 0)[g]):
                await tx.execute("INSERT INTO reminder (guild_id, created_by, spec, recurring, text, next_at, "
                                 "created_at) VALUES (?, ?, 'x', 0, ?, ?, ?)",
                                 (guild, rng.choice(members[guild]), f"Rappel {n}",
                                  until + rng.choice([0, 1, 1, 3600, WEEK, WEEK + 1]), since))
            for month, status in (("2026-10", "closed"), ("2026-11", ("open", "nominating", "closed")[g])):
                cur = await tx.execute(
                    "INSERT INTO poll (guild_id, month, status, closes_at, closed_at, winner_id) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (guild, month, status, until + 3600, since + 10 if status == "closed" else None,
                     members[guild][g] if status == "closed" else None))
                for nominee in members[guild][:g + 2]:
                    await tx.execute("INSERT INTO nomination (poll_id, nominee_id, source, at) "
                                     "VALUES (?, ?, 'manual', ?)", (cur.lastrowid, nominee, since))


async def test_the_batch_reads_each_communitys_digest_as_its_own_queries_do(sim: Sim) -> None:
    until = sim.ctx.now_ts()
    since = until - WEEK
    await _fill(sim, until)
    conn = sim.ctx.db.reader
    limits = (DIGEST_NEWCOMERS, DIGEST_REQUESTS, DIGEST_THANKED, DIGEST_REMINDERS)
    together = await digest_reads(conn, list(GUILDS), since, until, until + WEEK, limits)
    assert set(together) == set(GUILDS)
    for guild in GUILDS:
        share = together[guild]
        assert (share.newcomers, share.newcomer_total) == await engagement_repo.newcomers_between(
            conn, guild, since, until, DIGEST_NEWCOMERS)
        requests, total = await engagement_repo.open_requests(conn, guild, DIGEST_REQUESTS)
        assert share.requests == requests and (share.open_total == total or not requests)
        assert (share.thanked, share.thanks_total) == await engagement_repo.thanks_between(
            conn, guild, since, until, DIGEST_THANKED)
        assert share.reminders == await engagement_repo.reminders_between(
            conn, guild, until, until + WEEK, DIGEST_REMINDERS)
        assert share.poll == await engagement_repo.latest_poll(conn, guild)
    d0 = together["d0"]
    assert d0.newcomer_total > len(d0.newcomers) == DIGEST_NEWCOMERS
    assert len(d0.requests) == DIGEST_REQUESTS and len(d0.thanked) == DIGEST_THANKED
    assert len(d0.reminders) == DIGEST_REMINDERS and d0.poll is not None and d0.poll.nominees == 2
    assert together["d3"].poll is None and not together["d3"].newcomers
