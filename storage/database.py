"""The SQLite connection: pragmas, numbered migrations, one writer, online backup, single-instance lock."""
from __future__ import annotations

import asyncio
import fcntl
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class DatabaseError(Exception):
    """A database that cannot be used as it is (too new, locked by another instance)."""


def migrations() -> list[tuple[int, str, str]]:
    """Every migration shipped with the code, as (version, name, sql), in order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def code_schema_version() -> int:
    return migrations()[-1][0]


class InstanceLock:
    """An advisory lock beside the database, so two bot processes never post twice."""

    def __init__(self, db_path: Path) -> None:
        self.path = Path(str(db_path) + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseError(
                f"Another entraide process is already using {self.path.with_suffix('')}; "
                "stop it first (two bots on one database would post everything twice)."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class Database:
    """One aiosqlite connection; every write runs in `BEGIN IMMEDIATE` under one lock."""

    def __init__(self, path: Path | str, synchronous: str = "FULL", busy_timeout_ms: int = 5000) -> None:
        self.path = Path(path)
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self.conn: aiosqlite.Connection | None = None  # the writer: used only inside transaction()
        self.reader: aiosqlite.Connection | None = None  # sees committed rows only (WAL)
        self._write_lock = asyncio.Lock()

    async def connect(self) -> Database:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = await aiosqlite.connect(self.path, isolation_level=None)
        self.conn.row_factory = aiosqlite.Row
        await self.conn.execute("PRAGMA journal_mode=WAL")
        await self.conn.execute(f"PRAGMA synchronous={self.synchronous}")
        await self.conn.execute("PRAGMA foreign_keys=ON")
        await self.conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
        self.reader = await aiosqlite.connect(self.path, isolation_level=None)
        self.reader.row_factory = aiosqlite.Row
        await self.reader.execute("PRAGMA foreign_keys=ON")
        await self.reader.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
        return self

    async def close(self) -> None:
        for name in ("reader", "conn"):
            conn = getattr(self, name)
            if conn is not None:
                await conn.close()
                setattr(self, name, None)

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0])

    async def migrate(self) -> list[int]:
        """Apply every migration newer than the file's version; refuse a file newer than the code."""
        current = await self.schema_version()
        latest = code_schema_version()
        if current > latest:
            raise DatabaseError(
                f"The database {self.path} has schema version {current}, newer than this code "
                f"({latest}); upgrade entraide before using it."
            )
        applied = []
        for version, _name, sql in migrations():
            if version <= current:
                continue
            async with self.transaction() as tx:
                for statement in split_statements(sql):
                    await tx.execute(statement)
                await tx.execute(f"PRAGMA user_version={version}")
            applied.append(version)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: everything inside commits together or not at all."""
        assert self.conn is not None, "connect() first"
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    async def fetchone(self, sql: str, params: Sequence[Any] | dict = ()) -> aiosqlite.Row | None:
        """A read of committed data, outside any transaction."""
        assert self.reader is not None
        async with self.reader.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] | dict = ()) -> list[aiosqlite.Row]:
        assert self.reader is not None
        async with self.reader.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def integrity_check(self) -> str:
        row = await self.fetchone("PRAGMA integrity_check")
        return str(row[0])

    async def backup_to(self, target: Path | str) -> None:
        """Copy the live database with SQLite's online backup API (safe while writes go on)."""
        assert self.reader is not None
        dest = sqlite3.connect(str(target))
        try:
            await self.reader.backup(dest)
        finally:
            dest.close()


def split_statements(sql: str) -> Iterable[str]:
    """Split a migration file into statements (our migrations hold no triggers or string semicolons)."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    for part in "\n".join(lines).split(";"):
        if part.strip():
            yield part.strip()


async def open_database(path: Path | str, synchronous: str = "FULL") -> Database:
    """Connect and migrate: what every entry point does first."""
    db = await Database(path, synchronous=synchronous).connect()
    try:
        await db.migrate()
    except BaseException:
        await db.close()
        raise
    return db
