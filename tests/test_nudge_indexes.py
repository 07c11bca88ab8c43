"""The nudges found by their subject (a claimed request taking back its nudges, an erasure finding the
nudges about a member) seek nudge_subject (subject_id, reason) on both engines: the partial index
nudge_request_subject repeated it and is gone (migration 0325)."""
from __future__ import annotations

import pytest

from storage.engagement import DROP_REQUEST_NUDGES
from storage.privacy import OUTBOX_ROWS_ABOUT
from tests import pg_support
from tests.harness import Sim

STATEMENTS = {"drop_request_nudges": (DROP_REQUEST_NUDGES, ("", 17)),
              "outbox_rows_about": (OUTBOX_ROWS_ABOUT, {"me": 1, "prefix": ""})}


async def _indexes(sim: Sim) -> set[str]:
    rows = await sim.ctx.db.fetchall(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'nudge'" if pg_support.ON_PG
        else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'nudge'")
    return {r[0] for r in rows}


@pytest.mark.sqlite_only("EXPLAIN QUERY PLAN; on PostgreSQL: test_on_postgresql_nudges_by_subject_seek_nudge_subject")
async def test_nudges_by_subject_seek_nudge_subject(sim: Sim) -> None:
    assert "nudge_subject" in await _indexes(sim) and "nudge_request_subject" not in await _indexes(sim)
    for name, (sql, params) in STATEMENTS.items():
        plan = [str(r[3]) for r in await sim.ctx.db.fetchall("EXPLAIN QUERY PLAN " + sql, params)]
        on_nudge = [step for step in plan if step.split()[1:2] == ["n"]]  # SEARCH n USING …
        assert on_nudge and all("nudge_subject (subject_id=? AND reason=?)" in s for s in on_nudge), (name, plan)


@pytest.mark.pg_only("EXPLAIN with statistics; on SQLite: test_nudges_by_subject_seek_nudge_subject")
async def test_on_postgresql_nudges_by_subject_seek_nudge_subject(sim: Sim) -> None:
    """With statistics on a community's worth of nudges, the planner seeks nudge_subject on both columns
    (the erasure's statement used to read every request nudge, through the partial index)."""
    assert "nudge_subject" in await _indexes(sim) and "nudge_request_subject" not in await _indexes(sim)
    async with sim.ctx.db.transaction() as tx:
        await tx.execute("INSERT INTO member (guild_id, platform_id, handle, joined_at) "
                         "SELECT 'g', 'p' || i, 'h' || i, 0 FROM generate_series(1, 5000) i")
        await tx.execute("INSERT INTO request (guild_id, requester_id, title, status, created_at) "
                         "SELECT 'g', (SELECT MIN(id) FROM member) + i % 5000, 't', 'open', 0 "
                         "FROM generate_series(1, 5000) i")
        await tx.execute("INSERT INTO nudge (member_id, week, reason, subject_id, at) "
                         "SELECT (SELECT MIN(id) FROM member) + i % 5000, 'w' || (i / 5000), "
                         "(ARRAY['request', 'godchild', 'profile', 'hello'])[1 + i % 4], "
                         "CASE WHEN i % 4 < 2 THEN 1 + (i * 7) % 5000 END, i FROM generate_series(1, 60000) i")
        await tx.execute("ANALYZE")
        for name, (sql, params) in STATEMENTS.items():
            plan = "\n".join(str(r[0]) for r in await tx.execute_fetchall("EXPLAIN " + sql, params))
            assert "Seq Scan on nudge" not in plan, (name, plan)
            conditions = [line for line in plan.splitlines() if "Index Cond" in line and "reason" in line]
            assert conditions and all("subject_id" in line for line in conditions), (name, plan)
            assert "on nudge_subject" in plan, (name, plan)
