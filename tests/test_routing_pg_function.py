"""PostgreSQL's routing function `entraide_route` (migration 0290, storage/routing_pg.py) is the
client's routing statements moved to the server: its installed body is the one the code generates,
its parameters and columns have the types the statements have, and on randomized communities it
picks exactly what the statements sent from the client pick, and what the reference query picks.
`route_request` (the requester and their helpers, one call to entraide_route_request on
PostgreSQL) gives what loading the requester and routing for their languages gives, on both engines."""
from __future__ import annotations

import random
from dataclasses import replace

import pytest

from bot.services import requests as service
from storage import members as members_repo
from storage import requests as requests_repo
from storage import routing as routing_repo
from storage import routing_pg
from storage.dialect import translate
from tests.harness import Sim
from tests.test_routing_fastpath import DAY, at_time, build_community, new_request

pg_only = pytest.mark.pg_only("PostgreSQL's routing functions; SQLite runs the statements in-process")


@pg_only
async def test_the_installed_functions_are_the_generated_ones(sim: Sim) -> None:
    raw = sim.ctx.db.reader.raw
    for name, body in ((routing_pg.FUNCTION, routing_pg.function_body()),
                       (routing_pg.REQUEST_FUNCTION, routing_pg.request_function_body())):
        installed = await raw.fetchval("SELECT prosrc FROM pg_proc WHERE proname = $1", name)
        assert installed == body, (
            f"The routing SQL changed ({name}): add a PostgreSQL migration (with its SQLite twin) holding "
            "the output of `python -m storage.routing_pg`.")


@pg_only
async def test_its_types_are_the_statements_types(sim: Sim) -> None:
    raw = sim.ctx.db.reader.raw
    declared = dict(routing_pg.PARAMETERS)
    names = {"text": "text", "bigint": "int8", "boolean": "bool", "integer": "int4"}
    for sql in (*routing_repo.GROUP_SQL_ORDERED_FOR.values(), routing_repo.MANY_SKILLS_SQL_ORDERED):
        t = translate(sql)
        statement = await raw.prepare(t.sql)
        inferred = dict(zip(t.names or (), [p.name for p in statement.get_parameters()], strict=True))
        assert {k: names[declared[k]] for k in inferred} == inferred
    assert set(declared) == set(routing_repo.RouteParams(
        guild_id="g", request_id=1, requester_id=1, urgent=False, limit=1, fair_since=0, fatigue_since=0,
        fatigue_cap=1, community_tz="UTC", community_hour=0, now=0, languages=[]).as_sql())
    columns = dict(await raw.fetch("SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_schema = current_schema() AND table_name = 'member'"))
    found = await raw.fetch(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_type t JOIN pg_attribute a "
        "ON a.attrelid = t.typrelid WHERE t.typname = $1 AND a.attnum > 0 ORDER BY a.attnum", routing_pg.FOUND)
    assert ", ".join(f"{n} {t}" for n, t in found) == routing_pg.FOUND_COLUMNS  # what the walks carry
    returned = await raw.prepare(translate(routing_pg.CALL_SQL).sql)
    assert [(a.name, a.type.name) for a in returned.get_attributes()] == [
        (c, {"bigint": "int8", "text": "text"}[columns[c]]) for c in routing_pg.COLUMNS]


async def _statements(conn: object, params: routing_repo.RouteParams) -> list[int]:
    """What route_candidates ran on PostgreSQL before the function: the skills counted, then the
    statement for that many from the client (MANY_SKILLS_SQL after a group statement's NULL row)."""
    sql_params = params.as_sql()
    skills = (await conn.execute_fetchall(  # type: ignore[attr-defined]
        "SELECT COUNT(*) FROM request_skill WHERE request_id = ?", (params.request_id,)))[0][0]
    group_sql = routing_repo.GROUP_SQL_ORDERED_FOR.get(max(int(skills), 1))
    rows = [tuple(r)[:-1] for r in await conn.execute_fetchall(group_sql, sql_params)] if group_sql else [(None,)]  # type: ignore[attr-defined]
    if rows and rows[0][0] is None:
        rows = [tuple(r) for r in await conn.execute_fetchall(  # type: ignore[attr-defined]
            routing_repo.MANY_SKILLS_SQL_ORDERED, sql_params)]
    return [m.id for m in map(members_repo._member, rows) if m is not None]


async def _many_pings(tx: object, guild: str, now: int, rng: random.Random, ids: list[int], count: int) -> None:
    """`count` more pings over the last 40 days, most of them to a tenth of the members: skills
    whose every offer was pinged inside the window, several times, many members tired (the walks'
    third arm, its count of pings and its early drop of tired members, and the function's skips)."""
    if not count:
        return
    cur = await tx.execute("INSERT INTO request (guild_id, requester_id, title, created_at) VALUES (?, ?, ?, ?)",  # type: ignore[attr-defined]
                           (guild, ids[0], "busy", now - 40 * DAY))
    busy = ids[: max(len(ids) // 10, 1)]
    await tx.executemany("INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, ?, ?)",  # type: ignore[attr-defined]
                         [(cur.lastrowid, rng.choice(busy) if rng.random() < 0.7 else rng.choice(ids), 1,
                           now - rng.randrange(40 * DAY)) for _ in range(count)])


@pg_only
@pytest.mark.parametrize("seed,size,pings", [(21, 300, 0), (22, 900, 0), (24, 300, 2500), (25, 600, 6000)])
async def test_the_function_picks_what_the_statements_and_the_reference_pick(
        sim: Sim, seed: int, size: int, pings: int) -> None:
    rng = random.Random(seed)
    ctx = sim.ctx
    now = ctx.now_ts()
    async with ctx.db.transaction() as tx:
        ids = await build_community(tx, ctx.guild_id, now, rng, size)
        await _many_pings(tx, ctx.guild_id, now, rng, ids, pings)
        requests = [await new_request(tx, ctx.guild_id, now, rng, ids) for _ in range(30)]
        # a request with no skill at all and one whose skills nobody offers: empty walks
        cur = await tx.execute("INSERT INTO request (guild_id, requester_id, title, created_at) VALUES (?, ?, ?, ?)",
                               (ctx.guild_id, ids[1], "none", now))
        requests.append(cur.lastrowid)
    conn = ctx.db.reader
    shapes: set[int] = set()
    found = 0
    for request_id in requests:
        request = await requests_repo.by_id(conn, ctx.guild_id, request_id)
        assert request is not None and request.requester_id is not None
        requester = await members_repo.by_id(conn, request.requester_id)
        base = service.route_params(ctx, request, requester)
        skills = len((await requests_repo.skill_names(conn, [request_id])).get(request_id, []))
        shapes.add(min(skills, routing_repo.GROUP_SKILLS + 1))
        for _variant in range(3):
            params = at_time(base, now + rng.randrange(-DAY, 10 * DAY), rng.choice((14, 7, 30)),
                             rng.choice((7, 3, 14)), rng.choice(("Europe/Paris", "Asia/Tokyo")))
            params = replace(params, limit=rng.choice((1, 3, 6, 10)), fatigue_cap=rng.choice((1, 2, 3, 4, 4, 5, 50)),
                             urgent=rng.random() < 0.3,
                             exclude=tuple(rng.sample(ids, 3)) if rng.random() < 0.2 else (),
                             languages=rng.choice((params.languages, [], ["fr"], ["es", "it", "pt", "de", "ar"])))
            if skills > routing_repo.GROUP_SKILLS:
                params = replace(params, walk_from=rng.choice((None, 0, 10**9)), walk_budget=rng.choice((4096, 7)))
            function = [m.id for m in await routing_repo.route_candidates(conn, params)]
            assert function == await _statements(conn, params), (request_id, params)
            assert function == [m.id for m in await routing_repo.route_candidates_reference(conn, params)], params
            found += bool(function)
    assert shapes == {0, 1, 2, 3, 4}
    assert found > len(requests)


SPOKEN = ("", "fr", "fr,en", "en,fr,fr", "es,it,pt,de,ar,en", "en, FR", " fr", "FR", "de,,en", "fr-ca,en", "ﬁ,fr")


async def test_route_request_reads_the_requester_as_the_client_does(sim: Sim) -> None:
    rng = random.Random(23)
    ctx = sim.ctx
    now = ctx.now_ts()
    async with ctx.db.transaction() as tx:
        ids = await build_community(tx, ctx.guild_id, now, rng, 400)
        requests = [await new_request(tx, ctx.guild_id, now, rng, ids) for _ in range(24)]
        cur = await tx.execute("INSERT INTO request (guild_id, requester_id, title, created_at) VALUES (?, ?, ?, ?)",
                               (ctx.guild_id, None, "nobody asks", now))
        requests.append(cur.lastrowid)
    conn = ctx.db.reader
    plain = unread = 0
    for i, request_id in enumerate(requests):
        request = await requests_repo.by_id(conn, ctx.guild_id, request_id)
        assert request is not None
        if request.requester_id is not None:  # every way of writing languages, plain or not
            async with ctx.db.transaction() as tx:
                await tx.execute("UPDATE member SET languages = ? WHERE id = ?",
                                 (SPOKEN[i % len(SPOKEN)], request.requester_id))
        params = replace(service.route_params(ctx, request, None), limit=rng.choice((1, 3, 6)))
        requester, helpers = await routing_repo.route_request(conn, params)
        expected = await members_repo.by_id(conn, request.requester_id) if request.requester_id else None
        assert requester == expected
        wanted = replace(params, languages=routing_repo.route_languages(expected))
        assert [m.id for m in helpers] == [m.id for m in await routing_repo.route_candidates(conn, wanted)]
        spoken = expected.languages if expected else ""
        plain += spoken == ",".join(s for s in spoken.split(",")) and spoken == spoken.strip().lower()
        unread += expected is not None and spoken != spoken.strip().lower()
    assert plain and unread
