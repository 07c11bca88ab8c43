"""Tests on PostgreSQL (ENTRAIDE_TEST_DB=postgresql, with ENTRAIDE_TEST_DATABASE_URL from
scripts/with-postgres): every SQLite path a test opens becomes a PostgreSQL database of its own,
created from a migrated template, the same one again when the test reopens that path."""
from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path
from typing import Any

ENGINE = os.environ.get("ENTRAIDE_TEST_DB", "sqlite").lower()
ON_PG = ENGINE in ("postgresql", "postgres", "pg")
_SERVER = os.environ.get("ENTRAIDE_TEST_DATABASE_URL", "")
_TEMPLATE = f"entraide_tpl_{os.getpid()}"
_names: dict[str, str] = {}
_counter = itertools.count(1)
_template_ready = False


def server_url(database: str) -> str:
    if not _SERVER:
        raise RuntimeError("ENTRAIDE_TEST_DB=postgresql needs ENTRAIDE_TEST_DATABASE_URL (scripts/with-postgres)")
    return _SERVER.rsplit("/", 1)[0] + "/" + database


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_SERVER)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fresh_database() -> str:
    """A new empty-but-migrated PostgreSQL database; its URL."""
    global _template_ready
    from storage.postgres import PgDatabase

    if not _template_ready:
        await _admin(f"DROP DATABASE IF EXISTS {_TEMPLATE}")
        await _admin(f"CREATE DATABASE {_TEMPLATE}")
        db = await PgDatabase(server_url(_TEMPLATE)).connect()
        try:
            await db.migrate()
        finally:
            await db.close()
        _template_ready = True
    name = f"entraide_t{os.getpid()}_{next(_counter)}"
    await _admin(f"CREATE DATABASE {name} TEMPLATE {_TEMPLATE} STRATEGY FILE_COPY")
    return server_url(name)


async def url_for_path(path: Path) -> str:
    key = str(Path(path).resolve())
    if key not in _names:
        _names[key] = await fresh_database()
    return _names[key]


async def drop_all() -> None:
    for url in list(_names.values()):
        await drop_url(url)
    _names.clear()


async def drop_url(url: str) -> None:
    await _admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[-1]} WITH (FORCE)")


def _run(coro: Any) -> Any:
    """Run a coroutine to its end from sync code, even inside a running event loop (async tests)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def db_arg(path: Path | str) -> str:
    """What a child process gets as `--db` for PATH: PATH itself on SQLite; on PostgreSQL the URL of
    the database this test's own code opens for PATH too (so both sides see the same rows)."""
    if not ON_PG or str(path).startswith(("postgresql://", "postgres://")):
        return str(path)
    return _run(url_for_path(Path(path)))


def entraide(*args: str | Path) -> list[str]:
    """`python -m bot ARGS` for a child process, any `--db PATH` served by the selected engine."""
    out = [str(a) for a in args]
    for i, arg in enumerate(out[:-1]):
        if arg == "--db":
            out[i + 1] = db_arg(out[i + 1])
    return [sys.executable, "-m", "bot", *out]


def files_key(path: Path) -> Path | str:
    """What the engine names its temporary files' folder after for PATH (bot/tempfiles.py): the file
    itself on SQLite, the PostgreSQL database standing for it on the PostgreSQL run."""
    if not ON_PG:
        return path
    from storage.postgres import PgDatabase

    return PgDatabase(db_arg(path)).path
