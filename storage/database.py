"""The SQLite connection: pragmas, numbered migrations, one writer, online backup, one process per community."""
from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import re
import sqlite3
import struct
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from storage import heap, postgres, sql_functions

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


LOCK_BASE = 1 << 40  # far past the bytes SQLite itself locks (from 1 GiB on): ours never meet its locks
LOCK_SPAN = 1 << 31
NAME_LOCKS = LOCK_BASE  # one byte per name the file is opened by
COMMUNITY_LOCKS = LOCK_BASE + LOCK_SPAN  # one byte per community served


def _slot(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") % LOCK_SPAN


class InstanceLocked(DatabaseError):
    """Another process serves `community` (its key) on this file, or opened it by another name (`community`
    is None): the caller says it in the community's language (bot/app.py)."""

    def __init__(self, path: Path, community: str | None) -> None:
        self.path, self.community = path, community
        what = f"serving community {community}" if community else "using it by another name (a hard link)"
        super().__init__(f"Another entraide process is already {what} on {path}; stop it first.")


class InstanceLock:
    """Advisory locks on the database file itself, one per community served, so two processes never
    serve one community (everything would be posted twice); processes serving other communities of
    the same file may run beside it (SQLite's WAL lets several processes share a local file).

    Open-file-description byte locks (`F_OFD_SETLK`) on the file's own inode, far past the bytes SQLite
    locks: a symlink to the live file is the same file. A hard link is refused while another process
    has the file open by another name (each name keeps its own WAL file: corruption). The descriptor
    stays open until the connection is closed (SQLite's POSIX locks drop when any descriptor of the file
    closes). A short `flock` makes two start-ups check and lock one after the other."""

    def __init__(self, db_path: Path, communities: Sequence[str] = ("*",)) -> None:
        self.path = Path(db_path)
        self.communities = list(dict.fromkeys(communities))
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # follows symlinks: the real file
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # start-ups one at a time; held a moment only
            try:
                name = NAME_LOCKS + _slot(os.path.realpath(self.path))
                other = _conflict(fd, NAME_LOCKS, LOCK_SPAN)
                if other is not None and other != name:
                    raise InstanceLocked(self.path, None)
                for key in self.communities:
                    if not _lock(fd, fcntl.F_WRLCK, COMMUNITY_LOCKS + _slot(key)):
                        raise InstanceLocked(self.path, key)
                _lock(fd, fcntl.F_RDLCK, name)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        except BaseException:
            os.close(fd)  # drops every byte lock taken above
            raise
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


_FLOCK = "hhqqi4x"  # struct flock on Linux: type, whence, start, len, pid


def _lock(fd: int, kind: int, start: int, length: int = 1) -> bool:
    try:
        fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack(_FLOCK, kind, os.SEEK_SET, start, length, 0))
    except (BlockingIOError, PermissionError):
        return False
    return True


def _conflict(fd: int, start: int, length: int) -> int | None:
    """Where another process holds a lock in this range (the first one found); None: nobody."""
    got = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, start, length, 0))
    kind, _whence, found, _length, _pid = struct.unpack(_FLOCK, got)
    return None if kind == fcntl.F_UNLCK else found


class Database:
    """One aiosqlite connection; every write runs in `BEGIN IMMEDIATE` under one lock."""

    engine = "sqlite"

    def __init__(self, path: Path | str, synchronous: str = "FULL", busy_timeout_ms: int = 5000) -> None:
        self.path = Path(path)
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self.conn: aiosqlite.Connection | None = None  # the writer: used only inside transaction()
        self.reader: aiosqlite.Connection | None = None  # sees committed rows only (WAL)
        self._write_lock = asyncio.Lock()

    async def connect(self) -> Database:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        heap.keep_heap()  # statements' memory kept between them (storage/heap.py): no page faults each time
        self.conn = await aiosqlite.connect(self.path, isolation_level=None)
        self.conn.row_factory = aiosqlite.Row
        await self.conn.execute("PRAGMA journal_mode=WAL")
        await self.conn.execute(f"PRAGMA synchronous={self.synchronous}")
        await self.conn.execute("PRAGMA foreign_keys=ON")
        await self.conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
        await self.conn.execute("PRAGMA cache_size=-32768")  # 32 MB: weekly jobs write tens of thousands of rows
        await sql_functions.register(self.conn)
        self.reader = await aiosqlite.connect(self.path, isolation_level=None)
        self.reader.row_factory = aiosqlite.Row
        await self.reader.execute("PRAGMA foreign_keys=ON")
        await self.reader.execute("PRAGMA cache_size=-32768")  # 32 MB: routing and vitality read hot pages
        await self.reader.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
        await sql_functions.register(self.reader)
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
        """Apply every shipped migration the file has not had; refuse a file newer than the code.

        Applied migrations are recorded one by one (`schema_migration`), so a migration whose number
        lands below the newest one (two features merged in another order) is still applied.
        `PRAGMA user_version` holds the highest applied number.
        """
        current = await self.schema_version()
        shipped = migrations()
        known = {version for version, _name, _sql in shipped}
        latest = max(known)
        if current > latest:
            raise DatabaseError(
                f"The database {self.path} has schema version {current}, newer than this code "
                f"({latest}); upgrade entraide before using it."
            )
        done = await self._applied_versions(current, known)
        unknown = sorted(done - known)
        if unknown:
            raise DatabaseError(
                f"The database {self.path} has migration {unknown[0]}, which this code does not know; "
                "upgrade entraide before using it."
            )
        applied = []
        for version, name, sql in shipped:
            if version in done:
                continue
            async with self.transaction() as tx:
                for statement in split_statements(sql):
                    await tx.execute(statement)
                await tx.execute(
                    "INSERT INTO schema_migration (version, name) VALUES (?, ?)", (version, name)
                )
                await tx.execute(f"PRAGMA user_version={max(version, current)}")
            current = max(version, current)
            applied.append(version)
        return applied

    async def _applied_versions(self, current: int, known: set[int]) -> set[int]:
        """The versions recorded as applied; a file from before the record counts everything up to its version."""
        async with self.transaction() as tx:
            await tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
            )
            async with tx.execute("SELECT version FROM schema_migration") as cur:
                done = {row[0] for row in await cur.fetchall()}
            if not done and current > 0:
                done = {v for v in known if v <= current}
                await tx.executemany(
                    "INSERT INTO schema_migration (version, name) VALUES (?, 'recorded at upgrade')",
                    [(v,) for v in sorted(done)],
                )
        return done

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
        rows = await self.reader.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Sequence[Any] | dict = ()) -> list[aiosqlite.Row]:
        assert self.reader is not None
        return list(await self.reader.execute_fetchall(sql, params))

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


SQLITE_MAX_VARIABLES = 32766  # SQLite's default limit on the parameters of one statement


async def insert_rows(conn: aiosqlite.Connection, insert: str, rows: Sequence[Sequence[Any]]) -> None:
    """`insert` (ending in VALUES) for every row, in order, as many rows per statement as the
    parameter limit allows: one execution per row (executemany) costs more than the inserts
    themselves when a job writes tens of thousands of rows."""
    if not rows:
        return
    width = len(rows[0])
    per_statement = SQLITE_MAX_VARIABLES // width
    row_marks = "(" + ", ".join(["?"] * width) + ")"
    for start in range(0, len(rows), per_statement):
        batch = rows[start:start + per_statement]
        await conn.execute(f"{insert} {', '.join([row_marks] * len(batch))}", [v for row in batch for v in row])


async def select_in(
    conn: aiosqlite.Connection, select: str, values: Sequence[Any], before: Sequence[Any] = (),
    per_statement: int = 500,
) -> list[Any]:
    """The rows of `select` for all these values, `{marks}` in it standing for the placeholders of up to
    `per_statement` of them at a time (a long list would pass the parameter limit); `before`: the
    parameters ahead of them."""
    rows: list[Any] = []
    values = list(values)
    for start in range(0, len(values), per_statement):
        part = values[start:start + per_statement]
        rows += await conn.execute_fetchall(select.replace("{marks}", ",".join("?" * len(part))), (*before, *part))
    return rows


def split_statements(sql: str) -> Iterable[str]:
    """Split a migration file into statements (our migrations hold no string semicolons); a
    CREATE TRIGGER keeps its BEGIN ... END body, semicolons included, up to a part that is just END."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    pending = ""
    for part in "\n".join(lines).split(";"):
        if pending:
            pending += ";" + part
            if part.strip().upper() == "END":
                yield pending.strip()
                pending = ""
        elif re.match(r"\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b", part, re.IGNORECASE):
            pending = part
        elif part.strip():
            yield part.strip()
    if pending.strip():
        yield pending.strip()


# Tests only (tests/conftest.py, ENTRAIDE_TEST_DB=postgresql): each SQLite path a test opens is
# served by a PostgreSQL database of its own instead, the same one again after a restart.
path_to_url: Callable[[Path], Awaitable[str]] | None = None


def integrity_errors() -> tuple[type[BaseException], ...]:
    """What a refused constraint raises, on either engine (tests, callers that expect a refusal)."""
    import asyncpg

    return (sqlite3.IntegrityError, asyncpg.exceptions.IntegrityConstraintViolationError)


def is_url(target: Path | str) -> bool:
    return postgres.is_url(str(target))


async def open_database(path: Path | str, synchronous: str = "FULL") -> Database:
    """Connect and migrate: what every entry point does first. On any failure every connection
    opened is closed (an open one kept the process alive, hung); a damaged file is one sentence.
    A `postgresql://` URL opens PostgreSQL (storage/postgres.py), anything else an SQLite file."""
    if path_to_url is not None and not is_url(path):
        path = await path_to_url(Path(path))
    db: Any = postgres.PgDatabase(str(path)) if is_url(path) else Database(path, synchronous=synchronous)
    try:
        await db.connect()
        await db.migrate()
    except BaseException as exc:
        await db.close()
        if is_damage(exc):
            raise damaged(path, str(exc)) from None
        raise
    return db


def damaged(path: Path | str, reason: str) -> DatabaseError:
    return DatabaseError(
        f"The database file {path} is damaged ({reason}): stop the bot, copy a backup made with "
        f"`entraide backup FILE` over it (or move it away to start afresh), then start again."
    )


def is_damage(exc: BaseException) -> bool:
    """An SQLite error that means the file itself is damaged (not a busy or a constraint error)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    text = str(exc).lower()
    return any(s in text for s in ("malformed", "not a database", "file is encrypted", "disk image", "corrupt"))
