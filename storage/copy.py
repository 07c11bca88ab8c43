"""`entraide migrate-to postgresql://…`: copy an SQLite database into an empty PostgreSQL one.

Table by table, parents before children (foreign keys stay checked), each table in one
transaction with its triggers off (derived data such as activity_week is copied as it is, not
counted twice), rows in SQLite's order, its count compared with the source's before the commit.
A table done is recorded in `migrate_to_progress`, so a run that stopped (Ctrl-C, a lost
connection) starts again where it was; identities restart after the highest id copied.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from storage.database import Database, DatabaseError, code_schema_version, insert_rows
from storage.postgres import PgDatabase, redact

BATCH = 5000
PROGRESS = "migrate_to_progress"
LATER = {("member", "godparent_id")}  # a member may name a godparent copied after them: set in a second pass


async def _tables_in_order(target: PgDatabase, names: list[str]) -> list[str]:
    """Parents first: a table comes after every table its foreign keys name (itself aside)."""
    assert target.reader is not None
    rows = await target.reader.raw.fetch(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'")
    needs: dict[str, set[str]] = {n: set() for n in names}
    for child, parent in rows:
        if child in needs and parent in needs and child != parent:
            needs[child].add(parent)
    ordered: list[str] = []
    while needs:
        ready = sorted(n for n, deps in needs.items() if deps <= set(ordered))
        if not ready:
            raise DatabaseError(f"foreign keys form a cycle among {sorted(needs)}")
        ordered += ready
        for n in ready:
            del needs[n]
    return ordered


async def _columns(source: Database, table: str) -> tuple[list[str], str]:
    assert source.reader is not None
    async with source.reader.execute(f"PRAGMA table_info({table})") as cur:
        info = await cur.fetchall()
    columns = [r[1] for r in info]
    pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
    async with source.reader.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)) as cur:
        sql = (await cur.fetchone())[0] or ""
    order = ", ".join(pk) if "WITHOUT ROWID" in sql.upper() else "rowid"
    return columns, order


async def copy_database(source: Database, target: PgDatabase, say: Callable[[str], None] = print) -> dict[str, int]:
    """Copy every table of `source` into `target` (both open and migrated); {table: rows}."""
    assert source.reader is not None and target.conn is not None and target.reader is not None
    if await source.schema_version() != code_schema_version() or await target.schema_version() != code_schema_version():
        raise DatabaseError("both databases must be at this code's schema version: run `entraide migrate` on the "
                            "SQLite file first (PostgreSQL is migrated when opened)")
    async with target.transaction() as tx:
        await tx.execute(f"CREATE TABLE IF NOT EXISTS {PROGRESS} (name TEXT PRIMARY KEY, rows BIGINT NOT NULL)")
    done = {r[0]: r[1] for r in await target.fetchall(f"SELECT name, rows FROM {PROGRESS}")}
    async with source.reader.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != 'schema_migration'"
    ) as cur:
        names = [r[0] for r in await cur.fetchall()]
    for table in names:
        if table not in done and (await target.fetchone(f"SELECT EXISTS (SELECT 1 FROM {table})"))[0]:
            raise DatabaseError(f"{redact(target.url)} is not empty (table {table} has rows): migrate-to copies "
                                "into an empty database only")
    await _same_source(source, target, done)
    counts = dict(done)
    for table in await _tables_in_order(target, names):
        if table in done:
            say(f"{table}: {done[table]} rows (copied before)")
            continue
        counts[table] = await _copy_table(source, target, table, say)
    return counts


async def _same_source(source: Database, target: PgDatabase, done: dict[str, int]) -> None:
    """A run resumes the copy of the file it began with, unchanged: a table copied before must still hold
    as many rows (another file, or the bot run on this one meanwhile, would leave a mixed copy reported good)."""
    for table, rows in sorted(done.items()):
        now = (await source.fetchone(f"SELECT COUNT(*) FROM {table}"))[0]
        if now != rows:
            raise DatabaseError(
                f"{redact(target.url)} holds part of another copy: table {table} had {rows} rows when it was copied, "
                f"the SQLite file has {now} now (another file, or the bot ran on it since). migrate-to resumes the "
                "copy of one unchanged file: copy into a new empty database")


async def _copy_table(source: Database, target: PgDatabase, table: str, say: Callable[[str], None]) -> int:
    assert source.reader is not None
    columns, order = await _columns(source, table)
    later = [c for c in columns if (table, c) in LATER]
    first = [c if c not in later else f"NULL AS {c}" for c in columns]
    total = (await source.fetchone(f"SELECT COUNT(*) FROM {table}"))[0]
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES"
    copied = 0
    async with target.transaction() as tx:
        await tx.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        async with source.reader.execute(f"SELECT {', '.join(first)} FROM {table} ORDER BY {order}") as cur:
            while True:
                batch: list[Any] = await cur.fetchmany(BATCH)
                if not batch:
                    break
                await insert_rows(tx, insert, [tuple(r) for r in batch])
                copied += len(batch)
                say(f"{table}: {copied}/{total}")
        for column in later:
            key = "id"
            async with source.reader.execute(
                    f"SELECT {key}, {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY {key}") as cur:
                pairs = [tuple(r) for r in await cur.fetchall()]
            for start in range(0, len(pairs), BATCH):
                await tx.executemany(f"UPDATE {table} SET {column} = ? WHERE {key} = ?",
                                     [(v, k) for k, v in pairs[start:start + BATCH]])
        await tx.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        if "id" in columns:
            await tx.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")
        in_target = (await tx.execute_fetchall(f"SELECT COUNT(*) FROM {table}"))[0][0]
        if in_target != total:
            raise DatabaseError(f"{table}: {total} rows in the SQLite file but {in_target} copied")
        await tx.execute(f"INSERT INTO {PROGRESS} (name, rows) VALUES (?, ?)", (table, total))
    if total == 0:
        say(f"{table}: 0/0")
    return total
