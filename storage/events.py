"""Events (gatherings, sessions, shifts): occurrences, slots, sign-ups, calls and invitations."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import aiosqlite

from storage import members as members_repo
from storage.members import MEMBER_COLUMNS_M, Member

EVENT_COLUMNS = (
    "id, guild_id, series_id, repeat_rule, title, description, kind, start_at, end_at, place, languages, "
    "skills, capacity, network, status, series_ended, created_by, created_at, day_reminded, hour_reminded, "
    "late_called, next_written"
)


@dataclass(frozen=True)
class Event:
    id: int
    guild_id: str
    series_id: int | None
    repeat_rule: str | None
    title: str
    description: str
    kind: str
    start_at: int
    end_at: int
    place: str
    languages: str
    skills: str
    capacity: int | None
    network: bool
    status: str
    series_ended: bool
    created_by: int | None
    created_at: int
    day_reminded: bool
    hour_reminded: bool
    late_called: bool
    next_written: bool

    @property
    def language_list(self) -> list[str]:
        return [lang for lang in self.languages.split(",") if lang]

    @property
    def skill_list(self) -> list[str]:
        return [s for s in self.skills.split(",") if s]


@dataclass(frozen=True)
class Slot:
    name: str
    places: int
    taken: int


@dataclass(frozen=True)
class Signup:
    member: Member
    slot: str
    joined: bool
    attended: bool


def _event(row: aiosqlite.Row | None) -> Event | None:
    if row is None:
        return None
    values = list(row)
    for i in (13, 15, 18, 19, 20, 21):
        values[i] = bool(values[i])
    return Event(*values)


async def insert(conn: aiosqlite.Connection, **fields: object) -> int:
    names = ", ".join(fields)
    marks = ", ".join("?" for _ in fields)
    cur = await conn.execute(f"INSERT INTO event ({names}) VALUES ({marks})", tuple(fields.values()))
    assert cur.lastrowid is not None
    return cur.lastrowid


async def update_fields(conn: aiosqlite.Connection, event_id: int, **fields: object) -> None:
    if fields:
        sets = ", ".join(f"{name} = ?" for name in fields)
        await conn.execute(f"UPDATE event SET {sets} WHERE id = ?", (*fields.values(), event_id))


async def by_id(conn: aiosqlite.Connection, guild_id: str, event_id: int) -> Event | None:
    async with conn.execute(f"SELECT {EVENT_COLUMNS} FROM event WHERE guild_id = ? AND id = ?",
                            (guild_id, event_id)) as cur:
        return _event(await cur.fetchone())


async def coming(conn: aiosqlite.Connection, guild_id: str, now: int, kind: str | None = None,
                 limit: int = 200) -> list[Event]:
    """Scheduled occurrences that have not ended, soonest first."""
    sql = f"SELECT {EVENT_COLUMNS} FROM event WHERE guild_id = ? AND status = 'scheduled' AND end_at > ?"
    params: list[object] = [guild_id, now]
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    sql += " ORDER BY start_at, id LIMIT ?"
    params.append(limit)
    async with conn.execute(sql, params) as cur:
        return [e for e in map(_event, await cur.fetchall()) if e is not None]


async def between(conn: aiosqlite.Connection, guild_id: str, start: int, end: int) -> list[Event]:
    """Scheduled occurrences starting in [start, end)."""
    rows = await conn.execute_fetchall(  # one round trip: the weekly digest of each community asks
        f"SELECT {EVENT_COLUMNS} FROM event WHERE guild_id = ? AND status = 'scheduled' "
        "AND start_at >= ? AND start_at < ? ORDER BY start_at, id", (guild_id, start, end),
    )
    return [e for e in map(_event, rows) if e is not None]


async def needing_work(conn: aiosqlite.Connection, guild_id: str, until: int, day: int, hour: int,
                       late_call: int) -> list[Event]:
    """Occurrences with a reminder, a late call or a next occurrence due by `until`."""
    async with conn.execute(
        f"SELECT {EVENT_COLUMNS} FROM event WHERE guild_id = ? AND status = 'scheduled' AND ("
        " (day_reminded = 0 AND start_at - ? <= ?) OR (hour_reminded = 0 AND start_at - ? <= ?)"
        " OR (late_called = 0 AND kind = 'shift' AND start_at - ? <= ?)"
        " OR (next_written = 0 AND repeat_rule IS NOT NULL AND series_ended = 0 AND start_at <= ?)"
        ") ORDER BY start_at, id",
        (guild_id, day, until, hour, until, late_call, until, until),
    ) as cur:
        return [e for e in map(_event, await cur.fetchall()) if e is not None]


async def next_work_after(conn: aiosqlite.Connection, guild_id: str, after: int, day: int, hour: int,
                          late_call: int) -> int | None:
    """The first instant after `after` when the `events` job has something to do."""
    async with conn.execute(
        "SELECT MIN(t) FROM ("
        " SELECT start_at - ? AS t FROM event WHERE guild_id = ? AND status = 'scheduled' AND day_reminded = 0"
        " UNION ALL SELECT start_at - ? FROM event WHERE guild_id = ? AND status = 'scheduled' AND hour_reminded = 0"
        " UNION ALL SELECT start_at - ? FROM event WHERE guild_id = ? AND status = 'scheduled' AND late_called = 0"
        "   AND kind = 'shift'"
        " UNION ALL SELECT start_at FROM event WHERE guild_id = ? AND status = 'scheduled' AND next_written = 0"
        "   AND repeat_rule IS NOT NULL AND series_ended = 0"
        ") WHERE t > ?",
        (day, guild_id, hour, guild_id, late_call, guild_id, guild_id, after),
    ) as cur:
        row = await cur.fetchone()
    return row[0] if row and row[0] is not None else None


async def series_rows(conn: aiosqlite.Connection, series_id: int) -> list[Event]:
    async with conn.execute(f"SELECT {EVENT_COLUMNS} FROM event WHERE series_id = ? ORDER BY start_at",
                            (series_id,)) as cur:
        return [e for e in map(_event, await cur.fetchall()) if e is not None]


# Slots and sign-ups ---------------------------------------------------------------------------

async def set_slots(conn: aiosqlite.Connection, event_id: int, slots: list[tuple[str, int]]) -> None:
    await conn.execute("DELETE FROM event_slot WHERE event_id = ?", (event_id,))
    await conn.executemany("INSERT INTO event_slot (event_id, name, places, position) VALUES (?, ?, ?, ?)",
                           [(event_id, name, places, i) for i, (name, places) in enumerate(slots)])


async def slots(conn: aiosqlite.Connection, event_id: int) -> list[Slot]:
    rows = await conn.execute_fetchall(
        "SELECT s.name, s.places, (SELECT COUNT(*) FROM event_signup g WHERE g.event_id = s.event_id "
        "AND g.slot = s.name AND g.joined = 1) FROM event_slot s WHERE s.event_id = ? ORDER BY s.position",
        (event_id,),
    )
    return [Slot(r[0], r[1], r[2]) for r in rows]


async def signup_count(conn: aiosqlite.Connection, event_id: int) -> int:
    async with conn.execute("SELECT COUNT(*) FROM event_signup WHERE event_id = ? AND joined = 1",
                            (event_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def signup_of(conn: aiosqlite.Connection, event_id: int, member_id: int) -> tuple[str, bool] | None:
    """(slot, joined) of the member's row for the event, if any."""
    async with conn.execute("SELECT slot, joined FROM event_signup WHERE event_id = ? AND member_id = ?",
                            (event_id, member_id)) as cur:
        row = await cur.fetchone()
    return (row[0], bool(row[1])) if row else None


async def signed_up_as(conn: aiosqlite.Connection, event_id: int, platform_id: str, member_id: int) -> bool:
    """The same person already signed up through another of their memberships (a network's event)."""
    async with conn.execute(
        "SELECT 1 FROM event_signup s JOIN member m ON m.id = s.member_id "
        "WHERE s.event_id = ? AND s.joined = 1 AND m.platform_id = ? AND m.id <> ? LIMIT 1",
        (event_id, platform_id, member_id),
    ) as cur:
        return await cur.fetchone() is not None


async def add_signup(conn: aiosqlite.Connection, event_id: int, member_id: int, slot: str, at: int) -> None:
    await conn.execute(
        "INSERT INTO event_signup (event_id, member_id, slot, at, joined) VALUES (?, ?, ?, ?, 1) "
        "ON CONFLICT (event_id, member_id) DO UPDATE SET slot = excluded.slot, at = excluded.at, joined = 1",
        (event_id, member_id, slot, at),
    )


async def remove_signup(conn: aiosqlite.Connection, event_id: int, member_id: int) -> None:
    await conn.execute("DELETE FROM event_signup WHERE event_id = ? AND member_id = ?", (event_id, member_id))


async def mark_attended(conn: aiosqlite.Connection, event_id: int, member_ids: Iterable[int], at: int) -> None:
    await conn.executemany(
        "INSERT INTO event_signup (event_id, member_id, slot, at, joined, attended) VALUES (?, ?, '', ?, 0, 1) "
        "ON CONFLICT (event_id, member_id) DO UPDATE SET attended = 1",
        [(event_id, m, at) for m in member_ids],
    )


async def participants(conn: aiosqlite.Connection, event_id: int) -> list[Signup]:
    """Members signed up (and those recorded as having come), in sign-up order."""
    rows = await conn.execute_fetchall(
        f"SELECT {MEMBER_COLUMNS_M}, g.slot, g.joined, g.attended FROM event_signup g "
        "JOIN member m ON m.id = g.member_id WHERE g.event_id = ? ORDER BY g.at, m.id", (event_id,),
    )
    found = []
    for row in rows:
        member = members_repo._member(row[:-3])
        assert member is not None
        found.append(Signup(member, row[-3], bool(row[-2]), bool(row[-1])))
    return found


# Calls for volunteers -------------------------------------------------------------------------

async def call_candidates(
    conn: aiosqlite.Connection, guild_id: str, event_id: int | None, skill_keys: list[str], *, now: int,
    fatigue_since: int, fatigue_cap: int, limit: int,
) -> list[Member]:
    """Members offering one of the skills, fairest first: fewest help pings and calls (a shift's or an
    accepted proposal's) in the fatigue window, then the longest since the last one, then seniority —
    the rules help requests follow — excluding anyone already called for or signed up to this event
    (none when `event_id` is None), and anyone at the fatigue cap."""
    if not skill_keys or limit <= 0:
        return []
    marks = ", ".join("?" for _ in skill_keys)
    async with conn.execute(
        f"WITH offerers AS (SELECT DISTINCT ms.member_id FROM member_skill ms JOIN skill s ON s.id = ms.skill_id "
        f" WHERE ms.kind = 'offer' AND s.guild_id = ? AND s.key IN ({marks})), "
        "load AS (SELECT o.member_id, "
        " (SELECT COUNT(*) FROM request_ping p WHERE p.helper_id = o.member_id AND p.at >= ?) "
        " + (SELECT COUNT(*) FROM event_call c WHERE c.member_id = o.member_id AND c.at >= ?) "
        " + (SELECT COUNT(*) FROM proposal_call v WHERE v.member_id = o.member_id AND v.at >= ?) AS recent, "
        " MAX(COALESCE((SELECT MAX(p.at) FROM request_ping p WHERE p.helper_id = o.member_id), 0), "
        "     COALESCE((SELECT MAX(c.at) FROM event_call c WHERE c.member_id = o.member_id), 0), "
        "     COALESCE((SELECT MAX(v.at) FROM proposal_call v WHERE v.member_id = o.member_id), 0)) AS last_at "
        " FROM offerers o) "
        f"SELECT {MEMBER_COLUMNS_M} FROM load l JOIN member m ON m.id = l.member_id "
        "WHERE m.guild_id = ? AND m.left_at IS NULL AND m.erased = 0 AND m.active = 1 AND m.available = 1 "
        " AND m.charter_accepted_at IS NOT NULL AND l.recent < ? "
        " AND NOT EXISTS (SELECT 1 FROM event_call c WHERE c.event_id = ? AND c.member_id = m.id) "
        " AND NOT EXISTS (SELECT 1 FROM event_signup g WHERE g.event_id = ? AND g.member_id = m.id) "
        "ORDER BY l.recent, l.last_at, m.joined_at, m.id LIMIT ?",
        (guild_id, *skill_keys, fatigue_since, fatigue_since, fatigue_since, guild_id, fatigue_cap, event_id, event_id,
         limit),
    ) as cur:
        rows = await cur.fetchall()
    return [m for m in map(members_repo._member, rows) if m is not None]


async def record_calls(conn: aiosqlite.Connection, event_id: int, member_ids: Iterable[int], at: int) -> None:
    await conn.executemany("INSERT OR IGNORE INTO event_call (event_id, member_id, at) VALUES (?, ?, ?)",
                           [(event_id, m, at) for m in member_ids])


# Invitations ----------------------------------------------------------------------------------

async def was_invited(conn: aiosqlite.Connection, member_id: int, kind: str) -> bool:
    async with conn.execute("SELECT 1 FROM event_invite WHERE member_id = ? AND kind = ?",
                            (member_id, kind)) as cur:
        return await cur.fetchone() is not None


async def record_invite(conn: aiosqlite.Connection, member_id: int, kind: str, event_id: int, at: int) -> None:
    await conn.execute("INSERT OR IGNORE INTO event_invite (member_id, kind, event_id, at) VALUES (?, ?, ?, ?)",
                       (member_id, kind, event_id, at))


async def members_to_invite(
    conn: aiosqlite.Connection, guild_id: str, kind: str, tenure_from: int, tenure_until: int,
    animator_roles: list[str],
) -> list[Member]:
    """Present members whose tenure (charter acceptance) started in [from, until), not yet invited to
    this kind of session, animators aside (they run the sessions)."""
    async with conn.execute(
        f"SELECT {MEMBER_COLUMNS_M} FROM member m WHERE m.guild_id = ? AND m.left_at IS NULL AND m.erased = 0 "
        "AND m.charter_accepted_at >= ? AND m.charter_accepted_at < ? "
        "AND NOT EXISTS (SELECT 1 FROM event_invite i WHERE i.member_id = m.id AND i.kind = ?) "
        "AND NOT EXISTS (SELECT 1 FROM member_role r, json_each(?) a WHERE r.member_id = m.id AND r.role = a.value) "
        "ORDER BY m.charter_accepted_at, m.id",
        (guild_id, tenure_from, tenure_until, kind, json.dumps(animator_roles)),
    ) as cur:
        rows = await cur.fetchall()
    return [m for m in map(members_repo._member, rows) if m is not None]


# Indicators -----------------------------------------------------------------------------------

async def participation(conn: aiosqlite.Connection, guild_id: str, since: int, until: int) -> dict[str, int]:
    """Members who took part in something (signed up or came) in the window; shift places filled/offered."""
    async with conn.execute(
        "SELECT COUNT(DISTINCT g.member_id) FROM event_signup g JOIN event e ON e.id = g.event_id "
        "WHERE e.guild_id = ? AND e.status = 'scheduled' AND e.start_at >= ? AND e.start_at < ? "
        "AND (g.joined = 1 OR g.attended = 1)", (guild_id, since, until),
    ) as cur:
        row = await cur.fetchone()
    took_part = int(row[0]) if row else 0
    async with conn.execute(
        "SELECT COALESCE(SUM(s.places), 0), COALESCE(SUM(MIN(s.places, (SELECT COUNT(*) FROM event_signup g "
        " WHERE g.event_id = s.event_id AND g.slot = s.name AND g.joined = 1))), 0) "
        "FROM event_slot s JOIN event e ON e.id = s.event_id "
        "WHERE e.guild_id = ? AND e.status = 'scheduled' AND e.start_at >= ? AND e.start_at < ?",
        (guild_id, since, until),
    ) as cur:
        row = await cur.fetchone()
    offered, filled = (int(row[0]), int(row[1])) if row else (0, 0)
    return {"took_part": took_part, "slots_offered": offered, "slots_filled": filled}
