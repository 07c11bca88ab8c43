"""Reliability: upgrades from every earlier schema, backups under writes, one instance, hostile input."""
from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from pathlib import Path

import pytest

from bot.app import load_command_modules
from bot.commands.registry import COMMANDS
from storage.database import Database, migrations, open_database, split_statements
from tests.harness import Sim, of
from tests.pg_support import entraide

SAMPLE_V1 = [
    "INSERT INTO member (id, guild_id, platform_id, handle, locale, joined_at, languages, bio) VALUES "
    "(1, 'g', 'p1', 'alice', 'fr', 100, 'fr,en', 'jardinière'), (2, 'g', 'p2', 'bob', 'en', 200, 'en', NULL)",
    "INSERT INTO skill (id, guild_id, key, display) VALUES (1, 'g', 'plomberie', 'plomberie')",
    "INSERT INTO member_skill (member_id, skill_id, kind) VALUES (1, 1, 'offer'), (2, 1, 'need')",
    "INSERT INTO request (id, guild_id, requester_id, title, details, created_at) "
    "VALUES (1, 'g', 2, 'Fuite', 'x', 300)",
    "INSERT INTO request_skill (request_id, skill_id) VALUES (1, 1)",
    "INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (1, 1, 1, 301)",
    "INSERT INTO kudos (guild_id, from_id, to_id, reason, request_id, at) VALUES ('g', 2, 1, 'merci', 1, 400)",
    "INSERT INTO activity_day (member_id, day, messages, actions) VALUES (1, '2026-12-01', 5, 2)",
    "INSERT INTO mod_case (guild_id, actor_id, action, target_id, reason, at) VALUES ('g', 1, 'note', 2, 'r', 500)",
    "INSERT INTO outbox (guild_id, kind, target, payload, not_before, created_at) "
    "VALUES ('g', 'welcome', 'dm:p1', '{}', 1, 1)",
    "INSERT INTO job_run (key, job, ran_at) VALUES ('weekly-digest:2026-W49', 'weekly-digest', 600)",
]


def build_database_at(path: Path, version: int) -> None:
    """A database exactly as the code of schema `version` left it."""
    conn = sqlite3.connect(path)
    for number, _name, sql in migrations():
        if number > version:
            break
        for statement in split_statements(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.commit()
    conn.close()


def table_counts(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'sqlite_%'")]
    counts = {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}
    conn.close()
    return counts


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [m[0] for m in migrations()[:-1]] or [None])
async def test_every_earlier_schema_upgrades_with_nothing_lost(tmp_path: Path, version: int | None) -> None:
    if version is None:
        pytest.skip("only one schema version so far")
    path = tmp_path / f"v{version}.sqlite"
    build_database_at(path, version)
    conn = sqlite3.connect(path)
    for statement in SAMPLE_V1:
        conn.execute(statement)
    conn.commit()
    conn.close()
    before = table_counts(path)
    db = await open_database(path)
    try:
        assert await db.schema_version() == migrations()[-1][0]
        assert await db.integrity_check() == "ok"
        row = await db.fetchone("SELECT handle, bio, languages FROM member WHERE id = 1")
        assert tuple(row) == ("alice", "jardinière", "fr,en")
    finally:
        await db.close()
    after = table_counts(path)
    for table, count in before.items():
        assert after[table] == count, f"{table}: {count} rows before the upgrade, {after[table]} after"


@pytest.mark.sqlite_only
async def test_a_backup_taken_while_writes_go_on_is_whole_and_consistent(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "live.sqlite")

    async def writer() -> None:
        for batch in range(40):
            async with db.transaction() as tx:
                await tx.executemany("INSERT INTO settings (guild_id, key, value) VALUES ('g', ?, 'v')",
                                     [(f"{batch}-{i}",) for i in range(50)])
            await asyncio.sleep(0)

    try:
        async with db.transaction() as tx:
            await tx.executemany("INSERT INTO settings (guild_id, key, value) VALUES ('g', ?, 'v')",
                                 [(f"before-{i}",) for i in range(500)])
        task = asyncio.create_task(writer())
        await asyncio.sleep(0)
        await db.backup_to(tmp_path / "backup.sqlite")
        await task
    finally:
        await db.close()
    copy = await Database(tmp_path / "backup.sqlite").connect()
    try:
        assert await copy.integrity_check() == "ok"
        rows = (await copy.fetchone("SELECT COUNT(*) FROM settings"))[0]
        assert rows % 50 == 0, "a backup never holds half a transaction"
        assert 500 <= rows <= 2500, "every row committed before the backup is in it"
    finally:
        await copy.close()
    restored = await open_database(tmp_path / "backup.sqlite")  # a backup opens as a working database
    await restored.close()


def test_a_second_bot_process_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    db = tmp_path / "one.sqlite"
    cmd = entraide("console", "--jsonl", "--db", str(db), "--start", "2026-12-01T09:00:00+01:00")
    first = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert first.stdout is not None
        assert '"ready"' in first.stdout.readline()
        second = subprocess.run(cmd, input="", capture_output=True, text=True, timeout=60)
        assert second.returncode != 0
        assert "Un autre processus entraide sert déjà la communauté" in second.stderr
        assert second.stdout == ""
    finally:
        assert first.stdin is not None
        first.stdin.close()
        first.wait(timeout=60)
    again = subprocess.run(cmd, input="", capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and '"ready"' in again.stdout


HOSTILE = {
    "100 KB": "x" * 100_000,
    "control characters": "bonjour\x07\x1b[31m",
    "right-to-left override": "abc\u202edcba",
    "invalid UTF-8": "caf\udcc3\udca9",
    "zero-width joiner tricks": "ad\u200dmin",
}


def text_options() -> list[tuple[str, str]]:
    load_command_modules()
    return [(name, opt.name) for name, spec in sorted(COMMANDS.items()) for opt in spec.options
            if opt.kind in ("text", "csv", "member", "choice")]


def dump(path: Path) -> dict[str, list]:
    """Every row of every table, leaving out activity bookkeeping (a refused command still counts as activity)."""
    conn = sqlite3.connect(path)
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                         "AND name NOT LIKE 'activity%' AND name != 'sqlite_sequence'")]
    data = {}
    for name in names:
        columns = [c[1] for c in conn.execute(f'PRAGMA table_info("{name}")') if not c[1].startswith("last_activ")]
        listed = ", ".join(f'"{c}"' for c in columns)
        data[name] = sorted(map(repr, conn.execute(f'SELECT {listed} FROM "{name}"')))
    conn.close()
    return data


@pytest.mark.parametrize("label", sorted(HOSTILE))
async def test_hostile_text_in_any_option_is_refused_and_changes_nothing(sim: Sim, label: str) -> None:
    await sim.onboard("anim")
    await sim.roles("anim", add=["animator"])
    before = dump(sim.db)
    checked = 0
    for command, option in text_options():
        reply = await sim.command("anim", command, **{option: HOSTILE[label]})
        assert not reply["ok"] and reply["error"] == "invalid_input", (command, option, reply)
        checked += 1
    assert checked >= 1
    await sim.engine.activity.flush()
    assert dump(sim.db) == before


async def test_stale_and_forged_components_are_refused(sim: Sim) -> None:
    await sim.onboard("mia")
    for custom_id in ("request:claim:999999", "request:claim:abc", "motm:vote:424242", "no:such:button",
                      "request:claim:", "x" * 300, "charter:accept:extra"):
        reply = await sim.click("mia", custom_id, values=["mia"])
        assert not reply["ok"] and reply["error"] in ("not_found", "permission_denied", "invalid_input"), reply


async def test_a_burst_of_joins_welcomes_everyone_once(sim: Sim) -> None:
    for i in range(30):
        await sim.join(f"u{i}")
    welcomed = [o["user"] for o in of(sim.outputs, "dm", kind="welcome")]
    assert sorted(welcomed) == sorted(f"u{i}" for i in range(30))


async def _thanked_community(sim: Sim) -> None:
    for user in ("ana", "bea", "cyd"):
        await sim.onboard(user)
    await sim.advance(until="2026-12-10T09:00:00+01:00")
    assert (await sim.command("ana", "thanks", member="bea", reason="merci"))["ok"]
    await sim.advance(until="2027-01-01T07:00:00+01:00")


async def test_down_three_hours_over_the_poll_opening_opens_it_once_at_restart(sim: Sim) -> None:
    await _thanked_community(sim)
    await sim.restart(start="2027-01-01T13:00:00+01:00", crash=True)
    assert len(of(sim.startup, "post", kind="motm-poll")) == 1
    later = await sim.advance(by="2d")
    assert of(later, "post", kind="motm-poll") == []
    await sim.restart(start="2027-01-03T10:00:00+01:00")
    assert of(sim.startup, "post", kind="motm-poll") == []


async def test_down_beyond_the_grace_window_skips_the_opening_and_posts_nothing_late(
    sim: Sim, caplog: pytest.LogCaptureFixture
) -> None:
    await _thanked_community(sim)
    with caplog.at_level("WARNING"):
        await sim.restart(start="2027-01-01T17:00:00+01:00", crash=True)  # 7 h after 10:00
    assert of(sim.startup, "post", kind="motm-poll") == []
    assert "motm-open:2027-01" in caplog.text and "skipped" in caplog.text
    later = await sim.advance(by="3d")
    assert of(later, "post", kind="motm-poll") == []
