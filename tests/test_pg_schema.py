"""SQLite's and PostgreSQL's schemas stay in step: every SQLite migration has its PostgreSQL
counterpart, and after all of them both engines hold the same tables, columns (type class, NOT
NULL), primary, unique and foreign keys, checks and indexes. The comparison needs a PostgreSQL
server (ENTRAIDE_TEST_DATABASE_URL, as scripts/with-postgres and .ci/run give); the counterpart
check does not."""
from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest

from storage.database import migrations, open_database
from storage.postgres import pg_migrations
from tests import pg_support

HOW = ("Write its PostgreSQL counterpart as storage/migrations_pg/{name} (same number; BIGINT for INTEGER, "
       "an identity for `id INTEGER PRIMARY KEY`, PL/pgSQL for triggers; see docs/SCALING.md).")
EXTRA_PG_COLUMNS = {("nomination", "rowid")}  # SQLite's implicit rowid, which polls order by


def test_every_sqlite_migration_has_a_postgresql_counterpart() -> None:
    pg = pg_migrations()
    baseline = pg[0][0]
    pg_versions = {v for v, _n, _s in pg}
    missing = [name for version, name, _sql in migrations() if version > baseline and version not in pg_versions]
    assert not missing, "\n".join(
        f"SQLite migration {name} has no PostgreSQL counterpart. " + HOW.format(name=name) for name in missing)
    sqlite_versions = {v for v, _n, _s in migrations()}
    orphans = sorted(pg_versions - sqlite_versions)
    assert not orphans, f"PostgreSQL migrations without an SQLite migration of the same number: {orphans}"


def _type_class(declared: str) -> str:
    t = declared.lower()
    if "int" in t:
        return "integer"
    if any(w in t for w in ("char", "text", "clob")):
        return "text"
    if any(w in t for w in ("real", "floa", "doub", "numeric")):
        return "real"
    if "bytea" in t or "blob" in t:
        return "blob"
    return t


def _checks(create_sql: str) -> list[str]:
    """The CHECK bodies of a CREATE TABLE, reduced to their quoted words and numbers (both engines
    write the same rule differently: IN (...) vs = ANY (ARRAY[...]))."""
    found = []
    for match in re.finditer(r"CHECK\s*\(", create_sql, re.IGNORECASE):
        depth, i = 1, match.end()
        while depth and i < len(create_sql):
            depth += {"(": 1, ")": -1}.get(create_sql[i], 0)
            i += 1
        body = create_sql[match.end():i - 1]
        found.append(" ".join(sorted(re.findall(r"'[^']*'|\b\d+\b", body))))
    return sorted(found)


def sqlite_schema(path: Path) -> dict:
    conn = sqlite3.connect(path)
    try:
        schema: dict = {}
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        for table in tables:
            cols = conn.execute(f"PRAGMA table_info({table})").fetchall()
            pk = tuple(c[1] for c in sorted((c for c in cols if c[5]), key=lambda c: c[5]))
            columns = {c[1]: (_type_class(c[2]), bool(c[3]) or c[1] in pk) for c in cols}
            uniques, indexes = set(), set()
            for _seq, name, unique, origin, _partial in conn.execute(f"PRAGMA index_list({table})"):
                cols_of = tuple(r[2] for r in conn.execute(f"PRAGMA index_info({name})"))
                if origin == "pk":
                    continue
                if unique:
                    uniques.add(cols_of)
                if origin == "c":
                    indexes.add(name)
            fks = {(r[3], r[2], r[4], r[6].upper()) for r in conn.execute(f"PRAGMA foreign_key_list({table})")}
            sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
            schema[table] = {"columns": columns, "primary key": pk, "unique": uniques, "foreign keys": fks,
                             "checks": _checks(sql), "indexes": indexes}
        return schema
    finally:
        conn.close()


async def pg_schema(url: str) -> dict:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        schema: dict = {}
        for (table,) in await conn.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                "AND table_type = 'BASE TABLE'"):
            rows = await conn.fetch(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = $1", table)
            pk_row = await conn.fetchrow(
                "SELECT array_agg(a.attname ORDER BY k.n) FROM pg_index i "
                "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, n) "
                "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                "WHERE i.indrelid = $1::regclass AND i.indisprimary", table)
            pk = tuple(pk_row[0] or ())
            columns = {r[0]: (_type_class(r[1]), r[2] == "NO") for r in rows if (table, r[0]) not in EXTRA_PG_COLUMNS}
            uniques, indexes = set(), set()
            for name, unique, cols_of, constraint in await conn.fetch(
                    "SELECT c.relname, i.indisunique, "
                    "ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n) "
                    "      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.n), "
                    "EXISTS (SELECT 1 FROM pg_constraint x WHERE x.conindid = i.indexrelid) "
                    "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE i.indrelid = $1::regclass AND NOT i.indisprimary", table):
                if unique:
                    uniques.add(tuple(cols_of))
                if not constraint:
                    indexes.add(name)
            fks = set()
            for ref, cols_of, ref_cols, action in await conn.fetch(
                    "SELECT confrelid::regclass::text, "
                    "ARRAY(SELECT a.attname FROM unnest(conkey) WITH ORDINALITY k(attnum, n) "
                    "      JOIN pg_attribute a ON a.attrelid = conrelid AND a.attnum = k.attnum ORDER BY k.n), "
                    "ARRAY(SELECT a.attname FROM unnest(confkey) WITH ORDINALITY k(attnum, n) "
                    "      JOIN pg_attribute a ON a.attrelid = confrelid AND a.attnum = k.attnum ORDER BY k.n), "
                    "confdeltype::text FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'", table):
                for col, ref_col in zip(cols_of, ref_cols, strict=True):
                    fks.add((col, ref, ref_col, {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE",
                                                  "n": "SET NULL", "d": "SET DEFAULT"}[action]))
            checks = sorted(
                " ".join(sorted(re.findall(r"'[^']*'|\b\d+\b", re.sub(r"'[^']*'::text\[\]", "", r[0]))))
                for r in await conn.fetch(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = $1::regclass "
                    "AND contype = 'c'", table))
            schema[table] = {"columns": columns, "primary key": pk, "unique": uniques, "foreign keys": fks,
                             "checks": checks, "indexes": indexes}
        return schema
    finally:
        await conn.close()


@pytest.mark.skipif(not os.environ.get("ENTRAIDE_TEST_DATABASE_URL"),
                    reason="needs a PostgreSQL server (scripts/with-postgres)")
async def test_sqlite_and_postgresql_schemas_are_the_same(tmp_path: Path) -> None:
    path = tmp_path / "schema.sqlite"
    db = await open_database(path) if not pg_support.ON_PG else None
    if db is None:  # on the PostgreSQL run, open_database would give PostgreSQL: make the file directly
        from storage.database import Database

        db = await Database(path).connect()
        await db.migrate()
    await db.close()
    url = await pg_support.fresh_database()
    try:
        lite, pg = sqlite_schema(path), await pg_schema(url)
    finally:
        await pg_support.drop_url(url)
    problems = []
    for table in sorted(set(lite) | set(pg)):
        if table not in pg:
            problems.append(f"table {table} is missing on PostgreSQL")
            continue
        if table not in lite:
            problems.append(f"table {table} exists only on PostgreSQL")
            continue
        for aspect in lite[table]:
            a, b = lite[table][aspect], pg[table][aspect]
            if a == b:
                continue
            if isinstance(a, dict):
                a, b = set(a.items()), set(b.items())
            if isinstance(a, set | list):
                problems.append(f"{table}: {aspect} differ; only on SQLite: {sorted(map(str, set(a) - set(b)))}; "
                                f"only on PostgreSQL: {sorted(map(str, set(b) - set(a)))}")
            else:
                problems.append(f"{table}: {aspect} differ; SQLite: {a}; PostgreSQL: {b}")
    assert not problems, ("SQLite and PostgreSQL schemas differ (a migration without its PostgreSQL "
                          "counterpart in storage/migrations_pg?):\n" + "\n".join(problems))
