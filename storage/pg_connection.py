"""One asyncpg connection speaking aiosqlite's dialect: `execute` (awaitable and `async with`, a
cursor with fetchall/fetchone/lastrowid/rowcount/row_factory), `executemany`, `execute_fetchall`.

Statements go through storage/dialect.py and are prepared once per connection (storage/pg_values.py
fits their parameters); `INSERT`s into tables with an `id` return it for `lastrowid`."""
from __future__ import annotations

import asyncio
import itertools
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from storage.dialect import translate
from storage.pg_values import _TYPED_BY_VALUES, _arguments, _cast_for, _count, _fit, _untyped

_DDL = re.compile(r"^\s*(CREATE|DROP|ALTER|TRUNCATE|COMMENT|GRANT|REVOKE|DO)\b", re.IGNORECASE)
_STATEMENT_CACHE = 1024
# Server-side statement names. An unnamed statement (what asyncpg prepares when its own statement
# cache is off, as here) is parsed and planned again at every execution: routing's statements
# spent 30 ms of server time per call planning. Named ones are parsed and planned once per
# connection, and closed by asyncpg when evicted from the cache below.
_NAMES = itertools.count(1)


# A prepared statement, its parameters' converters and its columns in sqlite3's `description` form.
_Prepared = tuple[Any, list[Callable[[Any], Any]], tuple[tuple[Any, ...], ...] | None]


def _description(statement: Any) -> tuple[tuple[Any, ...], ...] | None:
    """sqlite3's form, one 7-tuple per column with only the name filled in: built once per prepared
    statement, since asyncpg builds its attribute list anew at each call (routing reads thousands of rows
    a second, and this was a seventh of its client time)."""
    return tuple((a.name, None, None, None, None, None, None) for a in statement.get_attributes()) or None


class PgCursor:
    """What aiosqlite's cursor offers the repositories, over rows already fetched."""

    def __init__(self, rows: list[Any], rowcount: int, lastrowid: int | None,
                 description: tuple[tuple[Any, ...], ...] | None = None) -> None:
        self._rows = rows
        self.description = description
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
        self._statements: OrderedDict[tuple[str, tuple[str, ...] | None], _Prepared] = OrderedDict()
        self.row_factory = None
        self._busy = asyncio.Lock()  # asyncpg runs one operation at a time; aiosqlite queued them

    async def _prepared(self, sql: str, casts: tuple[str, ...] | None) -> _Prepared:
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
                statement = await self.raw.prepare(text, name=f"entraide_{next(_NAMES)}")
        else:
            statement = await self.raw.prepare(text, name=f"entraide_{next(_NAMES)}")
        fits = [_fit(t.name) for t in statement.get_parameters()]
        made = (statement, fits, _description(statement))
        self._statements[key] = made
        if len(self._statements) > _STATEMENT_CACHE:
            self._statements.popitem(last=False)
        return made

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
            statement, fits, description = await self._typed(text, args)
            rows = await statement.fetch(*[fit(v) for fit, v in zip(fits, args, strict=True)])
        except asyncpg.PostgresError as exc:
            exc.add_note(f"PostgreSQL statement: {text}")
            raise
        count = _count(statement.get_statusmsg())
        if want_id:
            return PgCursor([], count, rows[-1][0] if rows else None)
        return PgCursor(rows, count, None, description)

    async def _typed(self, text: str, args: list[Any]) -> _Prepared:
        """The prepared statement for `text`; typed by the Python values of `args` when PostgreSQL
        cannot type its parameters by itself."""
        casts = tuple(_cast_for(v) for v in args) if text in _TYPED_BY_VALUES else None
        try:
            return await self._prepared(text, casts)
        except _untyped() as exc:
            if casts is not None or not args:
                raise exc from None
            _TYPED_BY_VALUES.add(text)
            return await self._prepared(text, tuple(_cast_for(v) for v in args))

    def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> _Pending:
        return _Pending(self._run(sql, params))

    async def executemany(self, sql: str, seq: Sequence[Sequence[Any] | dict]) -> PgCursor:
        """Every row through one prepared statement in one pipelined exchange (asyncpg's executemany):
        a round trip per row made batched writes (activity ingestion) 70 times slower than SQLite.
        Its rowcount is -1, as sqlite3's when it cannot tell (no caller reads it)."""
        t = translate(sql)
        rows = [_arguments(t, params) for params in seq]
        if not rows:
            return PgCursor([], 0, None)
        if t.returning or not rows[0]:
            total = 0
            for params in seq:
                total += (await self._run(sql, params)).rowcount
            return PgCursor([], total, None)
        import asyncpg

        async with self._busy:
            try:
                statement, fits, _ = await self._typed(t.sql, rows[0])
                await statement.executemany([[fit(v) for fit, v in zip(fits, row, strict=True)] for row in rows])
            except asyncpg.PostgresError as exc:
                exc.add_note(f"PostgreSQL statement: {t.sql}")
                raise
        return PgCursor([], -1, None)

    async def execute_fetchall(self, sql: str, params: Sequence[Any] | dict = ()) -> list[Any]:
        return await (await self._run(sql, params)).fetchall()

    async def executescript(self, sql: str) -> None:
        async with self._busy:
            await self.raw.execute(sql)
