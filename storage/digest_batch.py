"""The weekly digest's reads for a network's batch: what storage/engagement.py's digest queries answer for
one community, answered for many in one statement each (window functions ranking each community's rows
apart), so the digest of 300 communities is a handful of statements and round trips, not ten per community.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiosqlite

from storage.engagement import DigestRequest, PollState


@dataclass
class DigestReads:
    """One community's share of the batch: the arguments compose_digest would otherwise read itself."""

    newcomers: list[str] = field(default_factory=list)  # platform ids, oldest first
    newcomer_total: int = 0
    requests: list[DigestRequest] = field(default_factory=list)
    open_total: int = 0
    thanked: list[tuple[str, int, int]] = field(default_factory=list)  # (handle, count, member id)
    thanks_total: int = 0
    reminders: list[tuple[int, str, int | None]] = field(default_factory=list)  # (next_at, text, created_by)
    poll: PollState | None = None


async def digest_reads(
    conn: aiosqlite.Connection, guild_ids: Sequence[str], since: int, until: int, reminders_until: int,
    limits: tuple[int, int, int, int],
) -> dict[str, DigestReads]:
    """For each community: newcomers_between(since, until), open_requests, thanks_between(since, until),
    reminders_between(until, reminders_until) and latest_poll, with `limits` (newcomers, requests, thanked,
    reminders) as each takes them."""
    guilds = json.dumps(list(dict.fromkeys(guild_ids)))
    newcomers, requests, thanked, reminders = limits
    found = {guild: DigestReads() for guild in dict.fromkeys(guild_ids)}
    in_guilds = "IN (SELECT value FROM json_each(?))"
    for guild, platform_id, total in await conn.execute_fetchall(
        "SELECT guild_id, platform_id, total FROM (SELECT guild_id, platform_id, "
        "COUNT(*) OVER (PARTITION BY guild_id) AS total, "
        "ROW_NUMBER() OVER (PARTITION BY guild_id ORDER BY charter_accepted_at, id) AS turn "
        f"FROM member WHERE guild_id {in_guilds} AND charter_accepted_at >= ? AND charter_accepted_at < ? "
        "AND left_at IS NULL AND erased = 0) WHERE turn <= ? ORDER BY guild_id, turn",
        (guilds, since, until, newcomers),
    ):
        found[guild].newcomers.append(platform_id)
        found[guild].newcomer_total = int(total)
    for guild, total in await conn.execute_fetchall(
        f"SELECT guild_id, COUNT(*) FROM request WHERE guild_id {in_guilds} AND status = 'open' GROUP BY guild_id",
        (guilds,),
    ):
        found[guild].open_total = int(total)
    # Each community's first open requests through its own index range (a window over every community's
    # open requests sorted them all).
    for row in await conn.execute_fetchall(
        "SELECT g.value, r.id, r.title, r.urgent, r.created_at, r.requester_id, "
        "COALESCE((SELECT group_concat(display, ', ') FROM (SELECT s.display FROM request_skill rs "
        "JOIN skill s ON s.id = rs.skill_id WHERE rs.request_id = r.id ORDER BY s.key)), '') "
        "FROM json_each(?) g JOIN request r ON r.id IN (SELECT o.id FROM request o WHERE o.guild_id = g.value "
        "AND o.status = 'open' ORDER BY o.urgent DESC, o.created_at, o.id LIMIT ?) "
        "ORDER BY g.key, r.urgent DESC, r.created_at, r.id",
        (guilds, requests),
    ):
        found[row[0]].requests.append(DigestRequest(row[1], row[2], bool(row[3]), row[4], row[6], row[5]))
    for guild, total in await conn.execute_fetchall(
        f"SELECT guild_id, COUNT(*) FROM kudos WHERE guild_id {in_guilds} AND at >= ? AND at < ? GROUP BY guild_id",
        (guilds, since, until),
    ):
        found[guild].thanks_total = int(total)
    for guild, handle, count, member_id in await conn.execute_fetchall(
        "SELECT guild_id, handle, n, id FROM (SELECT k.guild_id, m.handle, COUNT(*) AS n, m.id, "
        "ROW_NUMBER() OVER (PARTITION BY k.guild_id ORDER BY COUNT(*) DESC, MIN(k.at), m.id) AS turn "
        "FROM kudos k JOIN member m ON m.id = k.to_id "
        f"WHERE k.guild_id {in_guilds} AND k.at >= ? AND k.at < ? AND m.erased = 0 GROUP BY k.guild_id, m.id) "
        "WHERE turn <= ? ORDER BY guild_id, turn",
        (guilds, since, until, thanked),
    ):
        found[guild].thanked.append((handle, int(count), member_id))
    for guild, next_at, text, author in await conn.execute_fetchall(
        "SELECT guild_id, next_at, text, created_by FROM (SELECT guild_id, next_at, text, created_by, "
        "ROW_NUMBER() OVER (PARTITION BY guild_id ORDER BY next_at, id) AS turn "
        f"FROM reminder WHERE guild_id {in_guilds} AND next_at > ? AND next_at <= ?) WHERE turn <= ? "
        "ORDER BY guild_id, turn",
        (guilds, until, reminders_until, reminders),
    ):
        found[guild].reminders.append((next_at, text, author))
    for row in await conn.execute_fetchall(
        "SELECT p.guild_id, p.id, p.month, p.status, p.closes_at, p.closed_at, w.handle, "
        "(SELECT COUNT(*) FROM nomination n WHERE n.poll_id = p.id), w.id "
        "FROM (SELECT guild_id, id, month, status, closes_at, closed_at, winner_id, "
        "ROW_NUMBER() OVER (PARTITION BY guild_id ORDER BY month DESC, id DESC) AS turn "
        f"FROM poll WHERE guild_id {in_guilds}) p "
        "LEFT JOIN member w ON w.id = p.winner_id AND w.erased = 0 WHERE p.turn = 1",
        (guilds,),
    ):
        found[row[0]].poll = PollState(row[1], row[2], row[3], row[4], row[5], row[6], int(row[7]), row[8])
    return found
