"""Storage: migrations from empty, a newer schema refused, pragmas, single instance, online backup."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.database import (
    SQLITE_MAX_VARIABLES,
    Database,
    DatabaseError,
    InstanceLock,
    code_schema_version,
    insert_rows,
    open_database,
)

ON_PG_SEE = "SQLite's own file; PostgreSQL: test_postgresql_migrates_refuses_a_newer_database_and_backs_up_with_pg_dump"


@pytest.mark.sqlite_only(ON_PG_SEE)
async def test_migrates_an_empty_file_to_the_latest_version(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "a.sqlite")
    try:
        assert await db.schema_version() == code_schema_version()
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"member", "request", "outbox", "job_run", "mod_case", "poll", "vote"} <= tables
        assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
        assert await db.integrity_check() == "ok"
    finally:
        await db.close()


async def test_migrating_twice_changes_nothing(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "a.sqlite")
    try:
        assert await db.migrate() == []
    finally:
        await db.close()


@pytest.mark.sqlite_only(ON_PG_SEE)
async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {code_schema_version() + 1}")
    conn.close()
    with pytest.raises(DatabaseError, match="newer than this code"):
        await open_database(path)


@pytest.mark.sqlite_only
async def test_a_second_instance_on_the_same_file_is_refused(tmp_path: Path) -> None:
    first = InstanceLock(tmp_path / "x.sqlite")
    first.acquire()
    try:
        with pytest.raises(DatabaseError, match="Another entraide process is already"):
            InstanceLock(tmp_path / "x.sqlite").acquire()
    finally:
        first.release()
    again = InstanceLock(tmp_path / "x.sqlite")
    again.acquire()
    again.release()


@pytest.mark.pg_only("PostgreSQL's counterpart of the migration, newer-version and backup tests above")
async def test_postgresql_migrates_refuses_a_newer_database_and_backs_up_with_pg_dump(tmp_path: Path) -> None:
    """An empty PostgreSQL database reaches the newest PostgreSQL migration with every table; one that
    has a newer migration is refused; `backup_to` writes a pg_dump archive that pg_restore brings back
    whole into an empty database."""
    import shutil
    import subprocess

    from storage.postgres import pg_migrations
    from tests import pg_support

    path = tmp_path / "a.sqlite"
    db = await open_database(path)
    try:
        assert await db.schema_version() == max(v for v, _n, _s in pg_migrations())
        tables = {r[0] for r in await db.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
        assert {"member", "request", "outbox", "job_run", "mod_case", "poll", "vote"} <= tables
        async with db.transaction() as tx:
            await tx.executemany("INSERT INTO settings (guild_id, key, value) VALUES ('g', ?, 'v')",
                                 [(f"k{i}",) for i in range(500)])
        await db.backup_to(tmp_path / "copy.dump")
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO schema_migration (version, name) VALUES (?, 'from the future')",
                             (code_schema_version() + 1,))
    finally:
        await db.close()
    with pytest.raises(DatabaseError, match="does not know"):
        await open_database(path)
    restored = pg_support.server_url(f"entraide_restored_{abs(hash(str(tmp_path))) % 10**8}")
    name = restored.rsplit("/", 1)[1]
    await pg_support.drop_url(restored)
    await pg_support._admin(f"CREATE DATABASE {name}")
    try:
        pg_restore = shutil.which("pg_restore")
        assert pg_restore is not None
        proc = subprocess.run([pg_restore, "--no-owner", "-d", restored, str(tmp_path / "copy.dump")],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        copy = await open_database(restored)  # a restored dump opens as a working database
        try:
            assert (await copy.fetchone("SELECT COUNT(*) FROM settings"))[0] == 500
        finally:
            await copy.close()
    finally:
        await pg_support.drop_url(restored)


async def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "a.sqlite")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO settings (guild_id, key, value) VALUES ('g', 'k', 'v')")
                raise RuntimeError("boom")
        assert await db.fetchall("SELECT * FROM settings") == []
    finally:
        await db.close()


@pytest.mark.sqlite_only(ON_PG_SEE)
async def test_online_backup_holds_every_committed_row(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "a.sqlite")
    try:
        async with db.transaction() as tx:
            await tx.executemany("INSERT INTO settings (guild_id, key, value) VALUES ('g', ?, 'v')",
                                 [(f"k{i}",) for i in range(500)])
        await db.backup_to(tmp_path / "copy.sqlite")
    finally:
        await db.close()
    copy = await Database(tmp_path / "copy.sqlite").connect()
    try:
        assert await copy.integrity_check() == "ok"
        assert (await copy.fetchone("SELECT COUNT(*) FROM settings"))[0] == 500
    finally:
        await copy.close()


@pytest.mark.sqlite_only
async def test_a_migration_numbered_below_the_newest_is_still_applied(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """Two features merged in another order: 0031 ships after a file already reached 0060."""
    import storage.database as database

    shipped = database.migrations()
    late = max(v for v, _n, _s in shipped) + 1
    gap = min(v for v in range(2, late) if v not in {m[0] for m in shipped})
    extra = (gap, "late_feature.sql", "CREATE TABLE late_feature (id INTEGER PRIMARY KEY)")
    path = tmp_path / "order.sqlite"
    db = await open_database(path)  # every shipped migration except the late one
    await db.close()
    without = list(shipped)
    monkeypatch.setattr(database, "migrations", lambda: sorted([*without, (late, "newest.sql", "SELECT 1")]))
    db = await open_database(path)
    await db.close()
    # now a migration numbered below the newest appears (merged late)
    monkeypatch.setattr(database, "migrations", lambda: sorted([*without, extra, (late, "newest.sql", "SELECT 1")]))
    db = await open_database(path)
    try:
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "late_feature" in tables
        assert await db.schema_version() == late
    finally:
        await db.close()


async def test_a_database_that_had_a_migration_this_code_lacks_is_refused(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001

    path = tmp_path / "ahead.sqlite"
    db = await open_database(path)
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO schema_migration (version, name) VALUES (5, 'from a branch')")
    await db.close()
    with pytest.raises(DatabaseError, match="does not know"):
        await open_database(path)


async def test_insert_rows_spans_statements_in_order_and_ignores_duplicates(tmp_path: Path) -> None:
    """More rows than one statement may bind: every row lands once, in list order."""
    db = await open_database(tmp_path / "a.sqlite")
    try:
        count = SQLITE_MAX_VARIABLES // 3 * 2 + 5  # three statements
        rows = [(i, f"k{i % (count - 2)}", i * 2) for i in range(count)]  # the last two keys repeat
        async with db.transaction() as tx:
            await tx.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, key TEXT UNIQUE, v INTEGER)")
            await insert_rows(tx, "INSERT OR IGNORE INTO t (id, key, v) VALUES", rows)
            await insert_rows(tx, "INSERT INTO t (id, key, v) VALUES", [])
        got = await db.fetchall("SELECT id, key, v FROM t ORDER BY id")
        assert [tuple(r) for r in got] == rows[: count - 2]
    finally:
        await db.close()
