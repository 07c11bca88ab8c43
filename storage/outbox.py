"""The outbox table: messages written with the state change that caused them, delivered later."""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from storage.database import SQLITE_MAX_VARIABLES, insert_rows

INSERT_SQL = ("INSERT OR IGNORE INTO outbox (guild_id, kind, op, target, payload, paced, not_before, key, "
              "created_at) VALUES")
MENTION_TOKEN = re.compile(r"<@!?([^>\s]+)>")  # as bot/mentions.py writes them


@dataclass(frozen=True)
class OutboxRow:
    id: int
    guild_id: str
    kind: str
    op: str
    target: str
    raw_payload: str
    paced: bool
    attempts: int
    not_before: int
    edit_of: int | None = None  # op edit/thread: the row whose message (or thread) it changes
    status: str = "pending"
    delivered_as: str | None = None  # the platform's id of the delivered message

    @property
    def payload(self) -> dict[str, Any]:
        """Parsed on use: a paced backlog is scanned often and delivered one message at a time."""
        return json.loads(self.raw_payload)


async def enqueue(
    conn: aiosqlite.Connection, *, guild_id: str, kind: str, op: str, target: str,
    payload: dict[str, Any], paced: bool, not_before: int, now: int, key: str | None = None,
    edit_of: int | None = None,
) -> int | None:
    """Add one message; with a key, a second message under the same key is ignored (idempotent)."""
    cur = await conn.execute(
        "INSERT OR IGNORE INTO outbox (guild_id, kind, op, target, payload, paced, not_before, key, "
        "created_at, edit_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (guild_id, kind, op, target, json.dumps(payload, ensure_ascii=False), int(paced), not_before,
         key, now, edit_of),
    )
    return cur.lastrowid if cur.rowcount else None


async def enqueue_many(
    conn: aiosqlite.Connection, rows: Sequence[tuple], about: dict[int, Sequence[int]] | None = None
) -> None:
    """Bulk insert for jobs: rows of (guild_id, kind, op, target, payload_json, paced, not_before, key, now),
    inserted in order (ids follow the list); a row whose key is already there is ignored.

    The members each message names are linked by id (outbox_subject): those it mentions (`<@id>`
    tokens) and, for row i, the member ids in `about[i]` (a name or words written as plain text)."""
    mentioning = [i for i, row in enumerate(rows) if "<@" in row[4]]
    if not mentioning and not about:
        await insert_rows(conn, INSERT_SQL, rows)
        return
    # The rows written with their ids (RETURNING: no reads before and after, a network's weekly jobs come
    # here once per community), in id order, which is the list's (a row ignored for its key returns none).
    written: list[Any] = []
    width = len(rows[0])
    per_statement = SQLITE_MAX_VARIABLES // width
    row_marks = "(" + ", ".join(["?"] * width) + ")"
    for start in range(0, len(rows), per_statement):
        batch = rows[start:start + per_statement]
        written += await conn.execute_fetchall(f"{INSERT_SQL} {', '.join([row_marks] * len(batch))} RETURNING id, key",
                                               [v for row in batch for v in row])
    written.sort(key=lambda row: row[0])
    ids: dict[int, int] = {}
    position = 0
    for index, row in enumerate(rows):  # a row ignored for its key has no id; the others follow the list
        if position < len(written) and (row[7] is None or written[position][1] == row[7]):
            ids[index] = written[position][0]
            position += 1
    links = [(member_id, ids[i]) for i, members in (about or {}).items() if i in ids for member_id in members]
    if links:  # an empty executemany is a round trip too
        await conn.executemany("INSERT OR IGNORE INTO outbox_subject (member_id, outbox_id) VALUES (?, ?)", links)
    pinged = [(ids[i], rows[i][0], pid) for i in mentioning if i in ids
              for pid in dict.fromkeys(mentioned(json.loads(rows[i][4]).get("text", "")))]
    if pinged:
        await conn.executemany(
            "INSERT OR IGNORE INTO outbox_subject (member_id, outbox_id) SELECT id, ? FROM member "
            "WHERE guild_id = ? AND platform_id = ?", pinged)


def mentioned(text: str) -> list[str]:
    """The platform ids a message text pings (the bot's own `<@id>` tokens; user text cannot hold one)."""
    return MENTION_TOKEN.findall(text) if "<@" in text else []


async def link_subjects(conn: aiosqlite.Connection, outbox_id: int, member_ids: Sequence[int]) -> None:
    """Record the members a message names (by id), so an erasure finds it without reading its text."""
    if not member_ids:  # an empty executemany is a round trip too
        return
    await conn.executemany("INSERT OR IGNORE INTO outbox_subject (member_id, outbox_id) VALUES (?, ?)",
                           [(m, outbox_id) for m in dict.fromkeys(member_ids)])


async def link_mentioned(
    conn: aiosqlite.Connection, outbox_id: int, guild_id: str, platform_ids: Sequence[str]
) -> None:
    """Record the members a message pings (platform ids, compared exactly) as named by it."""
    if not platform_ids:
        return
    await conn.executemany(
        "INSERT OR IGNORE INTO outbox_subject (member_id, outbox_id) "
        "SELECT id, ? FROM member WHERE guild_id = ? AND platform_id = ?",
        [(outbox_id, guild_id, pid) for pid in dict.fromkeys(platform_ids)])


ROW_COLUMNS = "id, guild_id, kind, op, target, payload, paced, attempts, not_before, edit_of, status, delivered_as"


def _row(row: aiosqlite.Row) -> OutboxRow:
    return OutboxRow(
        id=row[0], guild_id=row[1], kind=row[2], op=row[3], target=row[4], raw_payload=row[5],
        paced=bool(row[6]), attempts=row[7], not_before=row[8], edit_of=row[9], status=row[10],
        delivered_as=row[11],
    )


async def by_id(conn: aiosqlite.Connection, outbox_id: int) -> OutboxRow | None:
    """One row, whatever its status (the original an edit changes)."""
    async with conn.execute(f"SELECT {ROW_COLUMNS} FROM outbox WHERE id = ?", (outbox_id,)) as cur:
        row = await cur.fetchone()
    return _row(row) if row else None


async def id_by_key(conn: aiosqlite.Connection, key: str) -> int | None:
    """The row written under an idempotency key (a request's post, a helper's ping), if still kept."""
    async with conn.execute("SELECT id FROM outbox WHERE key = ?", (key,)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else None


async def later_pending_edit(conn: aiosqlite.Connection, edit_of: int, after_id: int) -> bool:
    """Whether a newer edit of the same message waits: an older one need not go out (the newer says all)."""
    async with conn.execute(
        "SELECT 1 FROM outbox WHERE edit_of = ? AND id > ? AND op = 'edit' AND status = 'pending' LIMIT 1",
        (edit_of, after_id),
    ) as cur:
        return await cur.fetchone() is not None


def _of(guilds: Sequence[str] | None) -> tuple[str, list[str]]:
    """`AND guild_id IN (…)` for a process serving some of a database's communities (None: all)."""
    if guilds is None:
        return "", []
    return f"AND guild_id IN ({', '.join('?' * len(guilds))}) ", list(guilds)


async def due(conn: aiosqlite.Connection, now: int, limit: int = 200, unpaced_only: bool = False,
              guilds: Sequence[str] | None = None) -> list[OutboxRow]:
    """Pending rows due by `now` in id order; `unpaced_only` while the pacing bucket is empty;
    `guilds`: only the rows of the communities this process serves (the others' processes send theirs)."""
    paced_filter = "AND paced = 0 " if unpaced_only else ""
    guild_filter, keys = _of(guilds)
    async with conn.execute(
        f"SELECT {ROW_COLUMNS} FROM outbox "
        f"WHERE status = 'pending' AND not_before <= ? {paced_filter}{guild_filter}ORDER BY id LIMIT ?",
        (now, *keys, limit),
    ) as cur:
        return [_row(r) for r in await cur.fetchall()]


async def lock_for_delivery(conn: aiosqlite.Connection, outbox_id: int) -> bool:
    """PostgreSQL, several dispatchers on one outbox: lock a pending row for the time of its
    delivery, or skip it when another dispatcher holds it or has sent it (FOR UPDATE SKIP LOCKED).
    The lock lives in the transaction that records the outcome; a dispatcher that dies mid-send
    releases it with its connection, and the row is sent again, as after a crash on SQLite."""
    async with conn.execute(
        "SELECT id FROM outbox WHERE id = ? AND status = 'pending' FOR UPDATE SKIP LOCKED", (outbox_id,)
    ) as cur:
        return await cur.fetchone() is not None


async def pending_attachment_paths(conn: aiosqlite.Connection) -> list[str]:
    """The files pending messages will attach (kept by the start-up sweep of temporary files)."""
    async with conn.execute(
        "SELECT json_extract(a.value, '$.path') FROM outbox o, json_each(o.payload, '$.attachments') a "
        "WHERE o.status = 'pending' AND instr(o.payload, '\"attachments\"') > 0 "
        "AND json_extract(a.value, '$.path') IS NOT NULL"
    ) as cur:
        return [row[0] for row in await cur.fetchall()]


async def next_not_before(conn: aiosqlite.Connection, guilds: Sequence[str] | None = None) -> int | None:
    guild_filter, keys = _of(guilds)
    async with conn.execute(f"SELECT MIN(not_before) FROM outbox WHERE status = 'pending' {guild_filter}",
                            keys) as cur:
        row = await cur.fetchone()
    return row[0]


async def mark_sent(conn: aiosqlite.Connection, outbox_id: int, now: int, delivered_as: str | None = None) -> None:
    """Delivered; `delivered_as`: the platform's id for the message (a later edit finds it)."""
    await conn.execute("UPDATE outbox SET status = 'sent', sent_at = ?, delivered_as = ? WHERE id = ?",
                       (now, delivered_as, outbox_id))


async def reschedule(conn: aiosqlite.Connection, outbox_id: int, attempts: int, not_before: int) -> None:
    await conn.execute(
        "UPDATE outbox SET attempts = ?, not_before = ? WHERE id = ?", (attempts, not_before, outbox_id)
    )


async def mark_failed(conn: aiosqlite.Connection, outbox_id: int, attempts: int) -> None:
    await conn.execute("UPDATE outbox SET status = 'failed', attempts = ? WHERE id = ?", (attempts, outbox_id))


async def retarget(conn: aiosqlite.Connection, outbox_id: int, target: str, payload: dict[str, Any]) -> None:
    await conn.execute(
        "UPDATE outbox SET target = ?, payload = ? WHERE id = ?",
        (target, json.dumps(payload, ensure_ascii=False), outbox_id),
    )


async def purge_sent_before(conn: aiosqlite.Connection, before: int) -> int:
    """Old delivered or failed rows go, except a message a pending edit still has to find."""
    cur = await conn.execute(
        "DELETE FROM outbox WHERE status != 'pending' AND created_at < ? AND id NOT IN "
        "(SELECT edit_of FROM outbox WHERE edit_of IS NOT NULL AND status = 'pending')", (before,))
    return cur.rowcount
