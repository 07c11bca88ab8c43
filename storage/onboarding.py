"""Onboarding state: joins and leaves, charter acceptance, godparents, their waiting queue, check-ins."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import aiosqlite

# A godchild counts against a godparent's cap, and is handed on when that godparent goes away,
# only while the relationship is current (assigned after `window_start`).
_CURRENT_GODCHILD = "c.godparent_id = m.id AND c.left_at IS NULL AND c.erased = 0 AND c.godparent_since >= :window"


@dataclass(frozen=True)
class PoolRules:
    """Who may be picked as a godparent right now, as instants and numbers for one query."""

    tenure_cutoff: int  # charter accepted at or before this
    quiet_cutoff: int  # last active at or after this
    window_start: int  # godchildren assigned since this are current
    max_godchildren: int


# Joins and leaves -------------------------------------------------------------------------------

async def mark_joined(
    conn: aiosqlite.Connection, member_id: int, handle: str, locale: str | None, now: int, *, returning: bool,
) -> None:
    """A (re)join: present again, same profile unless it was erased; a returning member starts a new stay."""
    await conn.execute(
        "UPDATE member SET left_at = NULL, handle = ?, locale = COALESCE(?, locale), "
        "joined_at = CASE WHEN ? THEN ? ELSE joined_at END, "
        "dms_closed = CASE WHEN ? THEN 0 ELSE dms_closed END, erased = 0 WHERE id = ?",
        (handle, locale, int(returning), now, int(returning), member_id),
    )
    await conn.execute(
        "INSERT INTO onboarding_state (member_id, joins) VALUES (?, 1) "
        "ON CONFLICT (member_id) DO UPDATE SET joins = onboarding_state.joins + ?",
        (member_id, int(returning)),
    )


async def seen_joining(conn: aiosqlite.Connection, member_id: int) -> bool:
    """Whether the bot saw this member join (their newcomer flow started)."""
    return bool(await conn.execute_fetchall("SELECT 1 FROM onboarding_state WHERE member_id = ?", (member_id,)))


async def join_count(conn: aiosqlite.Connection, member_id: int) -> int:
    found = await conn.execute_fetchall("SELECT joins FROM onboarding_state WHERE member_id = ?", (member_id,))
    row = next(iter(found), None)
    return int(row[0]) if row else 1


async def mark_left(conn: aiosqlite.Connection, member_id: int, now: int) -> None:
    """Gone from the server: the platform drops their roles; the charter is accepted again on return."""
    await conn.execute(
        "UPDATE member SET left_at = ?, charter_accepted_at = NULL WHERE id = ?", (now, member_id)
    )
    await conn.execute("DELETE FROM member_role WHERE member_id = ?", (member_id,))
    await stop_waiting(conn, member_id)


async def accept_charter(conn: aiosqlite.Connection, member_id: int, now: int) -> None:
    await conn.execute(
        "UPDATE member SET charter_accepted_at = ? WHERE id = ? AND charter_accepted_at IS NULL",
        (now, member_id),
    )


# Godparents -------------------------------------------------------------------------------------

async def find_godparent(
    conn: aiosqlite.Connection, guild_id: str, newcomer_id: int, languages: Sequence[str], rules: PoolRules,
    exclude: Sequence[int] = (),
) -> int | None:
    """The best godparent for a newcomer, in one query over the volunteers (indexed).

    A godparent speaks the languages they declared, else the one they use with the platform.
    Order: a shared language, then how many of the newcomer's needs the godparent offers, then
    fewest current godchildren, then least recently given one, then the oldest member id.
    """
    params: dict[str, object] = {
        "guild": guild_id, "newcomer": newcomer_id, "tenure": rules.tenure_cutoff, "quiet": rules.quiet_cutoff,
        "window": rules.window_start, "max": rules.max_godchildren,
    }
    shared_terms = []
    for i, lang in enumerate(dict.fromkeys(languages)):
        params[f"lang{i}"] = lang
        params[f"langpat{i}"] = f",{lang},"
        shared_terms.append(f"(m.languages = '' AND m.locale = :lang{i}) "
                            f"OR instr(',' || REPLACE(m.languages, ' ', '') || ',', :langpat{i}) > 0")
    shared = f"CASE WHEN {' OR '.join(shared_terms)} THEN 1 ELSE 0 END" if shared_terms else "0"
    excluded = ""
    for i, member_id in enumerate(exclude):
        params[f"ex{i}"] = member_id
        excluded += f" AND m.id <> :ex{i}"
    sql = (
        "SELECT id FROM ("
        f" SELECT m.id AS id, m.last_godchild_at AS last_at, {shared} AS shared,"
        " (SELECT COUNT(*) FROM member_skill o JOIN member_skill n ON n.skill_id = o.skill_id"
        "   WHERE o.member_id = m.id AND o.kind = 'offer' AND n.member_id = :newcomer AND n.kind = 'need')"
        "   AS needs_met,"
        f" (SELECT COUNT(*) FROM member c WHERE {_CURRENT_GODCHILD}) AS godchildren"
        " FROM member m"
        " WHERE m.guild_id = :guild AND m.godparent_volunteer = 1 AND m.active = 1 AND m.id <> :newcomer"
        "  AND (m.godparent_id IS NULL OR m.godparent_id <> :newcomer)"  # never each other's godparent
        "  AND m.left_at IS NULL AND m.erased = 0"
        "  AND m.charter_accepted_at <= :tenure"
        f"  AND COALESCE(m.last_active_at, m.joined_at) >= :quiet{excluded}"
        ") pool WHERE godchildren < :max"
        " ORDER BY shared DESC, needs_met DESC, godchildren ASC, COALESCE(last_at, 0) ASC, id ASC LIMIT 1"
    )
    found = await conn.execute_fetchall(sql, params)
    row = next(iter(found), None)
    return int(row[0]) if row else None


async def set_godparent(
    conn: aiosqlite.Connection, newcomer_id: int, godparent_id: int, now: int, since: int | None = None,
) -> None:
    """Pair them; the godparent's `last_godchild_at` keeps the next assignment fair; the wait is over.
    `since` dates the godparenting period (automatic pairings: the newcomer's arrival, so a hand-over or
    a long wait never extends it); by default now (an animator's pairing by hand)."""
    await conn.execute(
        "UPDATE member SET godparent_id = ?, godparent_since = ? WHERE id = ?",
        (godparent_id, now if since is None else since, newcomer_id),
    )
    await conn.execute("UPDATE member SET last_godchild_at = ? WHERE id = ?", (now, godparent_id))
    await stop_waiting(conn, newcomer_id)


async def set_godparents(conn: aiosqlite.Connection, pairs: Sequence[tuple[int, int, int]], now: int) -> None:
    """set_godparent for many (newcomer, godparent, since) at once (the daily hand-over)."""
    await conn.executemany(
        "UPDATE member SET godparent_id = ?, godparent_since = ? WHERE id = ?",
        [(godparent_id, since, newcomer_id) for newcomer_id, godparent_id, since in pairs],
    )
    await conn.executemany(
        "UPDATE member SET last_godchild_at = ? WHERE id = ?", [(now, godparent_id) for _, godparent_id, _ in pairs]
    )
    await conn.executemany(
        "UPDATE onboarding_state SET waiting_since = NULL WHERE member_id = ? AND waiting_since IS NOT NULL",
        [(newcomer_id,) for newcomer_id, _, _ in pairs],
    )


async def clear_godparent(conn: aiosqlite.Connection, newcomer_id: int) -> None:
    await conn.execute(
        "UPDATE member SET godparent_id = NULL, godparent_since = NULL WHERE id = ?", (newcomer_id,)
    )


async def current_godchildren(conn: aiosqlite.Connection, godparent_id: int, window_start: int) -> list[int]:
    found = await conn.execute_fetchall(
        "SELECT c.id FROM member c JOIN member m ON m.id = c.godparent_id "
        f"WHERE m.id = :godparent AND {_CURRENT_GODCHILD} ORDER BY c.godparent_since, c.id",
        {"godparent": godparent_id, "window": window_start},
    )
    return [int(r[0]) for r in found]


async def orphaned_godchildren(
    conn: aiosqlite.Connection, guild_id: str, window_start: int, quiet_cutoff: int,
) -> list[tuple[int, int | None]]:
    """(godchild, old godparent) for current godchildren whose godparent left, was erased, is marked
    inactive, or showed no activity since `quiet_cutoff` while being their godparent (a pairing made
    by hand with a quiet member gets the full quiet period). Godparent None when their row is gone."""
    found = await conn.execute_fetchall(
        "SELECT c.id, g.id FROM member c LEFT JOIN member g ON g.id = c.godparent_id "
        "WHERE c.guild_id = ? AND c.godparent_since >= ? AND c.joined_at >= ? AND c.left_at IS NULL "
        " AND c.erased = 0 AND (g.id IS NULL OR g.left_at IS NOT NULL OR g.erased = 1 OR g.active = 0"
        "      OR MAX(COALESCE(g.last_active_at, g.joined_at), c.godparent_since) < ?) "
        "ORDER BY c.godparent_since, c.id",
        (guild_id, window_start, window_start, quiet_cutoff),
    )
    return [(int(r[0]), None if r[1] is None else int(r[1])) for r in found]


# The waiting queue ------------------------------------------------------------------------------

async def start_waiting(conn: aiosqlite.Connection, member_id: int, since: int) -> bool:
    """Queue a newcomer for a godparent; False when they were already waiting."""
    found = await conn.execute_fetchall(
        "SELECT waiting_since FROM onboarding_state WHERE member_id = ?", (member_id,)
    )
    row = next(iter(found), None)
    if row is not None and row[0] is not None:
        return False
    await conn.execute(
        "INSERT INTO onboarding_state (member_id, waiting_since) VALUES (?, ?) "
        "ON CONFLICT (member_id) DO UPDATE SET waiting_since = excluded.waiting_since",
        (member_id, since),
    )
    return True


async def stop_waiting(conn: aiosqlite.Connection, member_id: int) -> None:
    await conn.execute(
        "UPDATE onboarding_state SET waiting_since = NULL WHERE member_id = ? AND waiting_since IS NOT NULL",
        (member_id,),
    )


async def waiting_newcomers(
    conn: aiosqlite.Connection, guild_id: str, since: int, limit: int = 500,
) -> list[int]:
    """Present newcomers waiting for a godparent, arrived and queued since `since` or later (someone
    past their first months is not a newcomer any more), longest wait first."""
    found = await conn.execute_fetchall(
        "SELECT s.member_id FROM onboarding_state s CROSS JOIN member m "  # the queue first, then members
        "ON m.id = s.member_id "
        "WHERE s.waiting_since >= ? AND m.guild_id = ? AND m.joined_at >= ? AND m.left_at IS NULL "
        "AND m.erased = 0 ORDER BY s.waiting_since, s.member_id LIMIT ?",
        (since, guild_id, since, limit),
    )
    return [int(r[0]) for r in found]


async def has_waiting(conn: aiosqlite.Connection) -> bool:
    found = await conn.execute_fetchall(
        "SELECT 1 FROM onboarding_state WHERE waiting_since IS NOT NULL LIMIT 1"
    )
    return bool(found)


# Check-ins --------------------------------------------------------------------------------------

async def due_checkins(
    conn: aiosqlite.Connection, guild_id: str, windows: Sequence[tuple[int, int, int]],
) -> list[tuple[int, int]]:
    """For each (offset_days, accepted_from, accepted_before) in turn: the present members whose charter
    acceptance falls in [from, before) and who never had this check-in, as (member_id, offset_days) in
    acceptance order. One statement for every offset (a network's daily job runs it once per community)."""
    if not windows:
        return []
    part = ("SELECT m.id, CAST(? AS INTEGER) AS offset_days, CAST(? AS INTEGER) AS turn, "
            "m.charter_accepted_at AS accepted FROM member m "
            "WHERE m.guild_id = ? AND m.charter_accepted_at >= ? "
            "AND m.charter_accepted_at < ? AND m.left_at IS NULL AND m.erased = 0 "
            "AND NOT EXISTS (SELECT 1 FROM checkin c WHERE c.member_id = m.id AND c.offset_days = ?)")
    params: list[object] = []
    for turn, (offset_days, accepted_from, accepted_before) in enumerate(windows):
        params += [offset_days, turn, guild_id, accepted_from, accepted_before, offset_days]
    found = await conn.execute_fetchall(" UNION ALL ".join([part] * len(windows)) + " ORDER BY 3, 4, 1", params)
    return [(int(r[0]), int(r[1])) for r in found]


async def record_checkins(conn: aiosqlite.Connection, rows: Sequence[tuple[int, int, int]]) -> None:
    """(member_id, offset_days, at): each offset once per member, ever."""
    await conn.executemany(
        "INSERT OR IGNORE INTO checkin (member_id, offset_days, at) VALUES (?, ?, ?)", list(rows)
    )


# Batches: the daily job's godparent pool and check-ins --------------------------------------------

@dataclass
class PoolEntry:
    """One volunteer free to take a godchild, with what the ranking needs (mutable during a batch)."""

    id: int
    languages: str
    locale: str | None
    godparent_id: int | None
    last_godchild_at: int | None
    godchildren: int


async def godparent_pool(conn: aiosqlite.Connection, guild_id: str, rules: PoolRules) -> list[PoolEntry]:
    """Everyone find_godparent may pick, with their current godchildren, in one pass over the volunteers
    (member_godparent_volunteers, then one member_godchildren count each): the daily job ranks many
    newcomers against this list instead of running the pool query once per newcomer."""
    found = await conn.execute_fetchall(
        "SELECT m.id, m.languages, m.locale, m.godparent_id, m.last_godchild_at, "
        f"(SELECT COUNT(*) FROM member c WHERE {_CURRENT_GODCHILD}) AS godchildren "
        "FROM member m WHERE m.guild_id = :guild AND m.godparent_volunteer = 1 AND m.active = 1 "
        "AND m.left_at IS NULL AND m.erased = 0 AND m.charter_accepted_at <= :tenure "
        "AND COALESCE(m.last_active_at, m.joined_at) >= :quiet",
        {"guild": guild_id, "tenure": rules.tenure_cutoff, "quiet": rules.quiet_cutoff, "window": rules.window_start},
    )
    return [PoolEntry(r[0], r[1], r[2], r[3], r[4], int(r[5])) for r in found
            if int(r[5]) < rules.max_godchildren]


async def member_skill_pairs(
    conn: aiosqlite.Connection, kind: str, *, members: Sequence[int] = (), skills: Sequence[int] = (),
) -> list[tuple[int, int]]:
    """(member_id, skill_id) of one kind for some members (primary key) or some skills (member_skill_by_skill)."""
    import json

    if members:
        sql = ("SELECT ms.member_id, ms.skill_id FROM json_each(?) j CROSS JOIN member_skill ms "
               "ON ms.member_id = j.value AND ms.kind = ?")
        ids = members
    else:
        sql = ("SELECT ms.member_id, ms.skill_id FROM json_each(?) j CROSS JOIN member_skill ms "
               "ON ms.skill_id = j.value AND ms.kind = ?")
        ids = skills
    if not ids:
        return []
    found = await conn.execute_fetchall(sql, (json.dumps(sorted(set(ids))), kind))
    return [(int(r[0]), int(r[1])) for r in found]


@dataclass(frozen=True)
class VolunteerBreakdown:
    """Why no volunteer could take a newcomer: each volunteer counted once, by the first reason that holds."""

    volunteers: int  # present, charter accepted, not the newcomer
    away: int  # marked inactive, or quiet for too long
    too_new: int  # accepted the charter too recently
    full: int  # already at the godchildren cap
    first_eligible_at: int | None  # when the earliest too-new volunteer has been here long enough


async def volunteer_breakdown(
    conn: aiosqlite.Connection, guild_id: str, newcomer_id: int, rules: PoolRules,
) -> VolunteerBreakdown:
    """The volunteers find_godparent turned down, grouped by reason (the animators' alert says which)."""
    found = await conn.execute_fetchall(
        "SELECT COUNT(*),"
        " SUM(away), SUM(NOT away AND too_new), SUM(NOT away AND NOT too_new AND godchildren >= :max),"
        " MIN(CASE WHEN NOT away AND too_new THEN accepted END)"
        " FROM (SELECT m.charter_accepted_at AS accepted,"
        "   (m.active = 0 OR COALESCE(m.last_active_at, m.joined_at) < :quiet) AS away,"
        "   (m.charter_accepted_at > :tenure) AS too_new,"
        f"  (SELECT COUNT(*) FROM member c WHERE {_CURRENT_GODCHILD}) AS godchildren"
        "  FROM member m WHERE m.guild_id = :guild AND m.godparent_volunteer = 1 AND m.id <> :newcomer"
        "  AND m.left_at IS NULL AND m.erased = 0 AND m.charter_accepted_at IS NOT NULL)",
        {"guild": guild_id, "newcomer": newcomer_id, "tenure": rules.tenure_cutoff, "quiet": rules.quiet_cutoff,
         "window": rules.window_start, "max": rules.max_godchildren},
    )
    row = next(iter(found), None)
    assert row is not None
    return VolunteerBreakdown(int(row[0]), int(row[1] or 0), int(row[2] or 0), int(row[3] or 0),
                              int(row[4]) if row[4] is not None else None)
