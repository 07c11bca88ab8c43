"""`entraide migrate-to postgresql://…`: a community on SQLite, copied into an empty PostgreSQL
database, answers `directory`, `vitality` and `request list` as before; a second run resumes
(nothing copied twice) and a database that is not empty is refused."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import storage.database
from tests import pg_support
from tests.harness import Sim

pytestmark = pytest.mark.skipif(not os.environ.get("ENTRAIDE_TEST_DATABASE_URL"),
                                reason="needs a PostgreSQL server (scripts/with-postgres)")


async def answers(sim: Sim) -> list[Any]:
    out = []
    for user, command, options in [("anim", "directory", {"skill": "plomberie"}),
                                   ("anim", "directory", {"skill": "jardinage"}),
                                   ("anim", "vitality", {"days": 30}), ("anim", "vitality", {"days": 7}),
                                   ("m1", "request list", {}), ("m2", "request list", {"mine": True})]:
        reply = await sim.command(user, command, **options)
        reply.pop("at", None)
        for attachment in reply.get("attachments", []):
            attachment.pop("content_base64", None)
            attachment.pop("path", None)
        out.append(reply)
    return out


def migrate_to(url: str, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "migrate-to", url, "--db", str(path)],
                          capture_output=True, text=True, timeout=600)


async def test_a_community_moved_to_postgresql_answers_the_same(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(storage.database, "path_to_url", None)  # the source is a real SQLite file on both runs
    path = tmp_path / "community.sqlite"
    sim = await Sim(path).open()
    await sim.onboard("anim")
    await sim.roles("anim", add=["animator"])
    for i in range(8):
        await sim.onboard(f"m{i}", skills="plomberie, jardinage" if i % 2 else "plomberie")
        await sim.send({"type": "message", "user": f"m{i}", "channel": "general", "text": "bonjour"})
    for i in range(3):
        assert (await sim.command(f"m{i}", "request new", title=f"Fuite {i}", details="sous l'évier",
                                  skills="plomberie"))["ok"]
    await sim.advance(by="9d")
    assert (await sim.command("m3", "request claim", id=1))["ok"]
    await answers(sim)  # asking is activity too: recorded once, so both sides below count the same members
    now = sim.ctx.now().isoformat()
    await sim.close()
    sim = await Sim(path).open(start=now)
    before = await answers(sim)
    await sim.close()

    url = await pg_support.fresh_database()
    try:
        done = migrate_to(url, path)
        assert done.returncode == 0, done.stderr
        assert "member: " in done.stderr and "every count checked" in done.stdout
        again = migrate_to(url, path)  # resumable: everything is recorded as copied
        assert again.returncode == 0 and "(copied before)" in again.stderr
        moved = await Sim(url).open(start=now)
        try:
            assert await answers(moved) == before
            assert (await moved.command("m4", "request new", title="Après", details="x", skills="plomberie"))["ok"]
        finally:
            await moved.close()
        other = await pg_support.fresh_database()
        try:
            assert migrate_to(other, path).returncode == 0
            refused = migrate_to(url, tmp_path / "missing.sqlite")
            assert refused.returncode != 0
        finally:
            await pg_support.drop_url(other)
    finally:
        await pg_support.drop_url(url)


async def test_a_copy_resumed_from_another_or_a_changed_file_is_refused(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """Resuming is for the file the copy began with: another file, or the same one after the bot ran on it,
    would leave a mixed copy reported as checked."""
    monkeypatch.setattr(storage.database, "path_to_url", None)
    first, other = tmp_path / "first.sqlite", tmp_path / "other.sqlite"
    for path, count in ((first, 3), (other, 5)):
        sim = await Sim(path).open()
        for i in range(count):
            await sim.onboard(f"m{i}", skills="plomberie")
        await sim.close()
    url = await pg_support.fresh_database()
    try:
        assert migrate_to(url, first).returncode == 0
        mixed = migrate_to(url, other)
        assert mixed.returncode != 0 and "Traceback" not in mixed.stderr, mixed.stderr
        assert "new empty database" in mixed.stderr and "Copied" not in mixed.stdout, (mixed.stdout, mixed.stderr)
        sim = await Sim(first).open()  # the bot went on running on the file
        await sim.onboard("late")
        await sim.close()
        changed = migrate_to(url, first)
        assert changed.returncode != 0 and "new empty database" in changed.stderr, changed.stderr
        moved = await Sim(url).open()
        try:
            assert len((await moved.command("m0", "directory", skill="plomberie"))["data"]["members"]) == 3
        finally:
            await moved.close()
    finally:
        await pg_support.drop_url(url)
