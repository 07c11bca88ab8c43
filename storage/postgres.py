"""PostgreSQL behind the same small API the repositories use from aiosqlite.

`PgConnection` offers `execute` (awaitable and `async with`, a cursor with fetchall/fetchone/
lastrowid/rowcount/row_factory), `executemany` and `execute_fetchall`; statements go through
storage/dialect.py. Parameters are fitted to the types PostgreSQL infers for them (an int where a
text is expected becomes its digits, as SQLite's affinity does), `numeric` comes back as int or
float (SQLite has no decimals), and `INSERT`s into tables with an `id` return it for `lastrowid`.
`PgDatabase` mirrors storage.database.Database: one writer under a lock (same ordering guarantees
as SQLite's single writer), one reader, migrations from storage/migrations_pg.
"""
from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from storage.dialect import Translated, translate

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_STATUS_COUNT = re.compile(r"(\d+)\s*$")
_DDL = re.compile(r"^\s*(CREATE|DROP|ALTER|TRUNCATE|COMMENT|GRANT|REVOKE|DO)\b", re.IGNORECASE)
_STATEMENT_CACHE = 1024
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


def _numeric(text: str) -> int | float:
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


async def _setup(conn: Any) -> None:
    await conn.set_type_codec("numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text")


def _fit(kind: str) -> Callable[[Any], Any]:
    """How a Python value becomes what a parameter of PostgreSQL type `kind` accepts."""
    if kind in ("int2", "int4", "int8"):
        def to_int(v: Any) -> Any:
            if isinstance(v, bool):
                return int(v)
            if isinstance(v, str) and re.fullmatch(r"-?\d+", v.strip()):
                return int(v)
            if isinstance(v, float) and v.is_integer():
                return int(v)
            return v
        return to_int
    if kind in ("text", "varchar", "bpchar", "name", "unknown"):
        def to_text(v: Any) -> Any:
            if isinstance(v, bool):
                return "1" if v else "0"
            if isinstance(v, int | float):
                return str(v)
            return v
        return to_text
    if kind == "bool":
        return lambda v: bool(v) if isinstance(v, int | float) else v
    if kind in ("float4", "float8", "numeric"):
        return lambda v: float(v) if isinstance(v, int) and not isinstance(v, bool) else v
    return lambda v: v


def _untyped() -> tuple[type[BaseException], ...]:
    import asyncpg

    return (asyncpg.exceptions.IndeterminateDatatypeError, asyncpg.exceptions.UndefinedFunctionError,
            asyncpg.exceptions.DatatypeMismatchError, asyncpg.exceptions.AmbiguousFunctionError)


_TYPED_BY_VALUES: set[str] = set()  # statements whose parameters PostgreSQL types wrongly or not at all


class PgCursor:
    """What aiosqlite's cursor offers the repositories, over rows already fetched."""

    def __init__(self, rows: list[Any], rowcount: int, lastrowid: int | None,
                 names: Sequence[str] = ()) -> None:
        self._rows = rows
        # sqlite3's form: one 7-tuple per column, only the name filled in
        self.description = tuple((n, None, None, None, None, None, None) for n in names) or None
        self._next = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid
        self.row_factory: Callable[[Any, tuple], Any] | None = None

    def _made(self, rows: list[Any]) -> list[Any]:
        if self.row_factory is None:
            return rows
        return [self.row_factory(self, tuple(r)) for r in rows]

    async def fetchall(self) -> list[Any]:
        rows, self._next = self._rows[self._next:], len(self._rows)
        return self._made(rows)

    async def fetchone(self) -> Any:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._made([self._rows[self._next - 1]])[0]

    async def fetchmany(self, size: int = 1) -> list[Any]:
        rows = self._rows[self._next:self._next + size]
        self._next += len(rows)
        return self._made(rows)

    def __aiter__(self) -> PgCursor:
        return self

    async def __anext__(self) -> Any:
        row = await self.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    async def close(self) -> None:
        return None


class _Pending:
    """`await conn.execute(...)` and `async with conn.execute(...) as cur` both work."""

    def __init__(self, run: Any) -> None:
        self._run = run
        self._cursor: PgCursor | None = None

    def __await__(self) -> Any:
        return self._run.__await__()

    async def __aenter__(self) -> PgCursor:
        self._cursor = await self._run
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        return None


class PgConnection:
    """One asyncpg connection speaking aiosqlite's dialect (see the module docstring)."""

    # Rows come in no order without ORDER BY (SQLite keeps a subquery's or a UNION ALL's order):
    # statements relying on that have an ordered twin (storage/routing.py).
    keeps_no_order = True

    def __init__(self, raw: Any, id_tables: frozenset[str]) -> None:
        self.raw = raw
        self.id_tables = id_tables
        self._statements: OrderedDict[tuple[str, tuple[str, ...] | None], tuple[Any, list]] = OrderedDict()
        self.row_factory = None
        self._busy = asyncio.Lock()  # asyncpg runs one operation at a time; aiosqlite queued them

    async def _prepared(self, sql: str, casts: tuple[str, ...] | None) -> tuple[Any, list]:
        key = (sql, casts)
        found = self._statements.get(key)
        if found is not None:
            self._statements.move_to_end(key)
            return found
        text = sql
        if casts:
            text = re.sub(r"\$(\d+)", lambda m: f"${m.group(1)}::{casts[int(m.group(1)) - 1]}", sql)
        if self.raw.is_in_transaction():  # a statement PostgreSQL refuses must not abort the transaction
            async with self.raw.transaction():
                statement = await self.raw.prepare(text)
        else:
            statement = await self.raw.prepare(text)
        fits = [_fit(t.name) for t in statement.get_parameters()]
        self._statements[key] = (statement, fits)
        if len(self._statements) > _STATEMENT_CACHE:
            self._statements.popitem(last=False)
        return statement, fits

    async def _run(self, sql: str, params: Sequence[Any] | dict) -> PgCursor:
        async with self._busy:
            return await self._run_now(sql, params)

    async def _run_now(self, sql: str, params: Sequence[Any] | dict) -> PgCursor:
        t = translate(sql)
        args = _arguments(t, params)
        text = t.sql
        want_id = t.insert_table in self.id_tables and not t.returning
        if want_id:
            text += " RETURNING id"
        if not args and _DDL.match(text):
            status = await self.raw.execute(text)
            return PgCursor([], _count(status), None)
        import asyncpg

        try:
            casts = tuple(_cast_for(v) for v in args) if text in _TYPED_BY_VALUES else None
            try:
                statement, fits = await self._prepared(text, casts)
            except _untyped() as exc:  # PostgreSQL could not type a parameter: type it by its Python value
                if casts is not None or not args:
                    raise exc from None
                _TYPED_BY_VALUES.add(text)
                statement, fits = await self._prepared(text, tuple(_cast_for(v) for v in args))
            rows = await statement.fetch(*[fit(v) for fit, v in zip(fits, args, strict=True)])
        except asyncpg.PostgresError as exc:
            exc.add_note(f"PostgreSQL statement: {text}")
            raise
        count = _count(statement.get_statusmsg())
        if want_id:
            return PgCursor([], count, rows[-1][0] if rows else None)
        return PgCursor(rows, count, None, [a.name for a in statement.get_attributes()])

    def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> _Pending:
        return _Pending(self._run(sql, params))

    async def executemany(self, sql: str, seq: Sequence[Sequence[Any] | dict]) -> PgCursor:
        total = 0
        for params in seq:
            total += (await self._run(sql, params)).rowcount
        return PgCursor([], total, None)

    async def execute_fetchall(self, sql: str, params: Sequence[Any] | dict = ()) -> list[Any]:
        return await (await self._run(sql, params)).fetchall()

    async def executescript(self, sql: str) -> None:
        async with self._busy:
            await self.raw.execute(sql)


def _arguments(t: Translated, params: Sequence[Any] | dict) -> list[Any]:
    if t.names is not None:
        if not isinstance(params, dict):
            raise TypeError("named parameters need a dict")
        return [params[name] for name in t.names]
    if isinstance(params, dict):
        if t.count:
            raise TypeError("positional parameters need a sequence")
        return []
    args = list(params)
    if len(args) != t.count:
        raise ValueError(f"expected {t.count} parameters, got {len(args)}: {t.sql[:80]}")
    return args


def _cast_for(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, float):
        return "float8"
    return "text"


def _count(status: str | None) -> int:
    match = _STATUS_COUNT.search(status or "")
    if not match or (status or "").startswith("SELECT"):
        return -1 if (status or "").startswith("SELECT") else 0
    return int(match.group(1))


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

        raws = [await asyncpg.connect(self.url, statement_cache_size=0, server_settings=SESSION) for _ in range(3)]
        for raw in raws:
            await _setup(raw)
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
