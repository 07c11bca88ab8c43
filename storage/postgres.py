"""PostgreSQL behind the same small API the repositories use from aiosqlite.

`PgDatabase` mirrors storage.database.Database: one writer under a lock (same ordering guarantees
as SQLite's single writer), one reader, one deliverer, migrations from storage/migrations_pg. Its
connections are storage/pg_connection.py's `PgConnection` (aiosqlite's API over asyncpg, statements
rewritten by storage/dialect.py), whose values are fitted by storage/pg_values.py.
"""
from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from storage.pg_connection import PgConnection
from storage.pg_values import _setup

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Statements are prepared once per connection and kept: plan them once too. Routing's statements
# are large and cheap to run; custom plans re-planned them at every execution (planning took 3x
# the run time).
SESSION = {"plan_cache_mode": "force_generic_plan"}


def is_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def redact(target: object) -> str:
    """A URL fit to print: its password replaced by ***."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", str(target))


def pg_migrations() -> list[tuple[int, str, str]]:
    """Every PostgreSQL migration shipped, as (version, name, sql): a version is the SQLite
    migration it stands for; the baseline stands for every SQLite migration up to its number."""
    found = []
    for entry in resources.files("storage.migrations_pg").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class PgDatabase:
    """The PostgreSQL twin of storage.database.Database (same methods, same guarantees)."""

    def __init__(self, url: str) -> None:
        self.url = url
        # No file: a stable name for what is keyed by database (its temporary files' folder).
        self.path = Path("/postgresql") / re.sub(r"^\w+://([^@/]*@)?", "", url).replace("/", "_")
        self.conn: PgConnection | None = None
        self.reader: PgConnection | None = None
        self.deliverer: PgConnection | None = None  # holds the outbox row being delivered (bot/outbox.py)
        self._write_lock = asyncio.Lock()
        self._delivery_lock = asyncio.Lock()
        self.engine = "postgresql"

    async def connect(self) -> PgDatabase:
        import asyncpg

        # The three connections are opened together: one after the other, start-up waited for three handshakes.
        opened = await asyncio.gather(*(asyncpg.connect(self.url, statement_cache_size=0, server_settings=SESSION)
                                        for _ in range(3)), return_exceptions=True)
        failed = [r for r in opened if isinstance(r, BaseException)]
        if failed:
            for raw in opened:
                if not isinstance(raw, BaseException):
                    await raw.close()
            from storage.database import DatabaseError  # one sentence for the command line, not a traceback
            raise DatabaseError(f"PostgreSQL cannot be used at {redact(self.url)}: {failed[0]}") from failed[0]
        raws = list(opened)
        await asyncio.gather(*(_setup(raw) for raw in raws))
        ids = frozenset(await self._id_tables(raws[0]))
        self.conn, self.reader, self.deliverer = (PgConnection(raw, ids) for raw in raws)
        return self

    @staticmethod
    async def _id_tables(raw: Any) -> list[str]:
        rows = await raw.fetch(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND column_name = 'id' AND is_identity = 'YES'")
        return [r[0] for r in rows]

    async def close(self) -> None:
        for name in ("deliverer", "reader", "conn"):
            conn = getattr(self, name)
            if conn is not None:
                try:
                    await conn.raw.close(timeout=5)
                except Exception:  # a connection already broken: nothing left to close
                    conn.raw.terminate()
                setattr(self, name, None)

    async def schema_version(self) -> int:
        assert self.conn is not None
        exists = await self.conn.raw.fetchval("SELECT to_regclass('schema_migration') IS NOT NULL")
        if not exists:
            return 0
        return int(await self.conn.raw.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migration"))

    async def migrate(self) -> list[int]:
        """Apply every PostgreSQL migration not applied yet; refuse a database newer than the code.
        A transaction-scoped advisory lock keeps two processes starting together from racing."""
        from storage.database import DatabaseError, code_schema_version

        assert self.conn is not None
        raw = self.conn.raw
        shipped = pg_migrations()
        applied: list[int] = []
        async with self._write_lock, raw.transaction():
            await raw.execute("SELECT pg_advisory_xact_lock(7242024)")
            await raw.execute(
                "CREATE TABLE IF NOT EXISTS schema_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL)")
            done = {r[0] for r in await raw.fetch("SELECT version FROM schema_migration")}
            known = {v for v, _n, _s in shipped}
            unknown = sorted(done - known)
            if unknown or (done and max(done) > max(code_schema_version(), max(known))):
                raise DatabaseError(
                    f"The database {redact(self.url)} has migration {(unknown or [max(done)])[0]}, which this "
                    "code does not know; upgrade entraide before using it.")
            for version, name, sql in shipped:
                if version in done:
                    continue
                await raw.execute(sql)
                await raw.execute("INSERT INTO schema_migration (version, name) VALUES ($1, $2)", version, name)
                applied.append(version)
        if applied:  # a new table may have an id: INSERTs return it from now on
            ids = frozenset(await self._id_tables(raw))
            for conn in (self.conn, self.reader, self.deliverer):
                conn.id_tables = ids  # type: ignore[union-attr]
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:
        """One write transaction: everything inside commits together or not at all."""
        assert self.conn is not None, "connect() first"
        async with self._write_lock:
            tr = self.conn.raw.transaction()
            await tr.start()
            try:
                yield self.conn
            except BaseException:
                await tr.rollback()
                raise
            else:
                await tr.commit()

    @asynccontextmanager
    async def delivery_transaction(self) -> AsyncIterator[PgConnection]:
        """A transaction beside the writer's, on a connection of its own: the dispatcher locks the
        outbox row it delivers in it (SKIP LOCKED) and records the outcome there."""
        assert self.deliverer is not None, "connect() first"
        async with self._delivery_lock:
            tr = self.deliverer.raw.transaction()
            await tr.start()
            try:
                yield self.deliverer
            except BaseException:
                await tr.rollback()
                raise
            else:
                await tr.commit()

    async def lock_community(self, guild_id: str) -> None:
        """One process per community: a session advisory lock on the reader's connection, held
        until this database is closed (or the process dies)."""
        from storage.database import DatabaseError

        assert self.reader is not None
        got = await self.reader.raw.fetchval("SELECT pg_try_advisory_lock(7242024, hashtext($1))", guild_id)
        if not got:
            raise DatabaseError(
                f"Another entraide process is already serving community {guild_id} on {redact(self.url)}; "
                "stop it first (two bots on one community would post everything twice).")

    async def fetchone(self, sql: str, params: Sequence[Any] | dict = ()) -> Any:
        assert self.reader is not None
        rows = await self.reader.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Sequence[Any] | dict = ()) -> list[Any]:
        assert self.reader is not None
        return list(await self.reader.execute_fetchall(sql, params))

    async def integrity_check(self) -> str:
        return "ok"  # PostgreSQL checks its pages itself (data checksums, amcheck): nothing to ask here

    async def backup_to(self, target: Path | str) -> None:
        """pg_dump's custom format into target: restore with `pg_restore -d URL target`."""
        import shutil

        from storage.database import DatabaseError

        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise DatabaseError(
                "pg_dump is not installed: back up a PostgreSQL database with `pg_dump -Fc -f FILE URL` "
                "(Debian package postgresql-client).")
        proc = await asyncio.create_subprocess_exec(
            pg_dump, "--format=custom", "--no-owner", f"--file={target}", self.url,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        _out, err = await proc.communicate()
        if proc.returncode != 0:
            raise DatabaseError(f"pg_dump failed: {err.decode(errors='replace').strip()}")
