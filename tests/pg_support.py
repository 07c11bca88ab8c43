"""Tests on PostgreSQL (ENTRAIDE_TEST_DB=postgresql, with ENTRAIDE_TEST_DATABASE_URL from
scripts/with-postgres): every SQLite path a test opens becomes a PostgreSQL database of its own,
created from a migrated template, the same one again when the test reopens that path."""
from __future__ import annotations

import itertools
import os
from pathlib import Path

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
