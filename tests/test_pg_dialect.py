"""The SQLite-to-PostgreSQL rewrite (storage/dialect.py): each SQLite-ism the repositories use, and
text in quotes left alone. Pure string work: no server needed."""
from __future__ import annotations

import pytest

from storage.dialect import DialectError, translate


def test_parameters_become_numbered_and_names_keep_their_order() -> None:
    t = translate("SELECT a FROM t WHERE b = ? AND c = ?")
    assert (t.sql, t.names, t.count) == ("SELECT a FROM t WHERE b = $1 AND c = $2", None, 2)
    t = translate("SELECT :x, :y, :x, '?', ':z', x::text")
    assert (t.sql, t.names) == ("SELECT $1, $2, $1, '?', ':z', x::text", ("x", "y"))


def test_insert_or_ignore_is_on_conflict_do_nothing_before_returning() -> None:
    assert translate("INSERT OR IGNORE INTO t (a) VALUES (?)").sql == (
        "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING")
    assert translate("INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING a").sql == (
        "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING a")
    assert translate("INSERT INTO job_run (key) VALUES (?)").insert_table == "job_run"


def test_sqlite_only_words_go_or_change() -> None:
    sql = translate("SELECT MIN(a, b), MAX(c, (d)), MIN(e) FROM t INDEXED BY t_i WHERE x IS NOT ? "
                    "AND y IS NOT NULL AND +z = 1 ORDER BY f LIMIT -1 OFFSET 1").sql
    assert sql == ("SELECT LEAST(a, b), GREATEST(c, (d)), MIN(e) FROM t WHERE x IS DISTINCT FROM $1 "
                   "AND y IS NOT NULL AND z = 1 ORDER BY f LIMIT ALL OFFSET 1")
    assert translate("SELECT group_concat(r.role, char(10)), instr(a, 'b') FROM r").sql == (
        "SELECT string_agg(r.role, chr(10)), strpos(a, 'b') FROM r")
    assert translate("SELECT user FROM console_user WHERE user = ? COLLATE NOCASE").sql == (
        'SELECT "user" FROM console_user WHERE "user" = $1 COLLATE nocase')


def test_json_lists_of_ids_compare_as_numbers() -> None:
    sql = translate("SELECT 1 FROM m WHERE m.id NOT IN (SELECT value FROM json_each(:ex)) "
                    "AND platform_id IN (SELECT value FROM json_each(:p))").sql
    assert sql == ("SELECT 1 FROM m WHERE m.id NOT IN (SELECT value FROM sl_json_ints($1)) "
                   "AND platform_id IN (SELECT value FROM sl_json_each($2))")
    assert "ms.member_id = j.value::bigint" in translate(
        "SELECT 1 FROM json_each(?) j JOIN member_skill ms ON ms.member_id = j.value").sql


def test_subqueries_in_from_get_a_name() -> None:
    assert translate("SELECT COUNT(*) FROM (SELECT a FROM t) WHERE 1").sql == (
        "SELECT COUNT(*) FROM (SELECT a FROM t) AS sl_sub1 WHERE 1")
    assert translate("SELECT * FROM (SELECT a FROM t) x").sql == "SELECT * FROM (SELECT a FROM t) x"


def test_insert_or_replace_is_refused_with_the_fix() -> None:
    with pytest.raises(DialectError, match="ON CONFLICT"):
        translate("INSERT OR REPLACE INTO t (a) VALUES (?)")


def test_a_real_day_test_is_sl_is_day() -> None:
    assert translate("SELECT 1 FROM a WHERE date(a.day) = a.day").sql == "SELECT 1 FROM a WHERE sl_is_day(a.day)"


def test_a_subquery_after_is_distinct_from_is_no_table() -> None:
    assert translate("SELECT 1 FROM m WHERE a IS NOT (SELECT MAX(b) FROM p)").sql == (
        "SELECT 1 FROM m WHERE a IS DISTINCT FROM (SELECT MAX(b) FROM p)")


def test_community_ids_stay_text() -> None:
    assert translate("SELECT 1 FROM m WHERE guild_id IN (SELECT value FROM json_each(?))").sql == (
        "SELECT 1 FROM m WHERE guild_id IN (SELECT value FROM sl_json_each($1))")
