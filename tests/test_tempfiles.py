"""Temporary files (issue 15, item 2): an export or a chart is removed once delivered, an export not
yet delivered goes with the member's erasure, and a crash's leftovers are swept at start-up; the
console shows a file's content, never a path to it."""
from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path

import pytest

from bot.outbox import Outgoing, TransientDeliveryError
from bot.tempfiles import TempFiles
from tests.exports import export_of
from tests.harness import Sim, of
from tests.pg_support import files_key

BIO = "Je garde les enfants du quartier des Tilleuls"


@pytest.fixture
def tmp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temporary folder, redirected: whatever the bot leaves there can be searched."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    monkeypatch.delenv("ENTRAIDE_TMPDIR", raising=False)
    return root


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def holding(root: Path, needle: str) -> list[Path]:
    return [p for p in files_under(root) if needle.encode() in p.read_bytes()]


async def test_an_export_is_shown_in_full_and_its_file_removed_once_delivered(tmp_path: Path, tmp_root: Path) -> None:
    sim = await Sim(tmp_path / "files.sqlite").open()
    try:
        await sim.onboard("ines", bio=BIO)
        assert (await sim.command("ines", "profile export"))["ok"]
        [dm] = of(sim.last, "dm", kind="export", user="ines")
        [attachment] = dm["attachments"]
        assert "path" not in attachment
        document = export_of(attachment)  # keys in the member's language, read back by their internal names
        assert document["data"]["member"][0]["bio"] == BIO
        assert holding(tmp_root, BIO) == [] and files_under(tmp_root) == []
    finally:
        await sim.close()


async def test_an_export_not_yet_delivered_goes_with_the_erasure(tmp_path: Path, tmp_root: Path) -> None:
    sim = await Sim(tmp_path / "files.sqlite").open()
    try:
        await sim.onboard("ines", bio=BIO)
        deliver = sim.server.deliver

        async def platform_down_for_exports(message: Outgoing) -> None:
            if message.kind == "export":
                raise TransientDeliveryError("503")
            await deliver(message)

        sim.engine.dispatcher.transport.deliver = platform_down_for_exports  # type: ignore[union-attr,method-assign]
        assert (await sim.command("ines", "profile export"))["ok"]
        assert len(holding(tmp_root, BIO)) == 1  # kept for the retry
        assert (await sim.command("ines", "profile delete", confirm=True))["ok"]
        assert holding(tmp_root, BIO) == [] and files_under(tmp_root) == []
    finally:
        await sim.close()


async def test_a_chart_is_removed_once_shown(tmp_path: Path, tmp_root: Path) -> None:
    sim = await Sim(tmp_path / "files.sqlite").open()
    try:
        await sim.onboard("anim")
        await sim.roles("anim", add=["animator"])
        reply = await sim.command("anim", "vitality")
        [chart] = reply["attachments"]
        assert base64.b64decode(chart["content_base64"]).startswith(b"\x89PNG") and "path" not in chart
        assert files_under(tmp_root) == []
    finally:
        await sim.close()


async def test_start_up_sweeps_files_a_crash_left_and_keeps_those_still_to_send(tmp_path: Path, tmp_root: Path) -> None:
    db = tmp_path / "files.sqlite"
    files = TempFiles.for_database(files_key(db))
    stray = files.path("entraide-export.json", owner=7)
    stray.write_text(BIO, encoding="utf-8")
    waiting = files.path("motm.png")
    waiting.write_bytes(b"\x89PNG waiting")
    sim = Sim(db)
    clock_start = "2026-12-01T09:00:00+01:00"
    from datetime import datetime

    from bot.app import Engine
    from bot.clock import SimulatedClock

    engine = await Engine.open(sim.config, db, SimulatedClock(datetime.fromisoformat(clock_start)), sim.server)
    async with engine.ctx.db.transaction() as tx:  # a message written, the process killed before sending it
        await tx.execute(
            "INSERT INTO outbox (guild_id, kind, target, payload, status, not_before, created_at) "
            "VALUES ('console', 'motm-result', 'channel:general', ?, 'pending', 2000000000, 0)",
            (json.dumps({"text": "x", "mentions": [], "attachments": [
                {"filename": "motm.png", "content_type": "image/png", "path": str(waiting)}]}),))
    await engine.close()
    sim = await Sim(db).open(clock_start)
    try:
        assert not stray.exists() and waiting.exists()
        assert holding(tmp_root, BIO) == []
    finally:
        await sim.close()


def test_only_managed_files_are_ever_removed(tmp_path: Path, tmp_root: Path) -> None:
    files = TempFiles.for_database(tmp_path / "x.sqlite")
    outside = tmp_path / "keep.txt"
    outside.write_text("mine", encoding="utf-8")
    assert files.discard([outside, "/etc/hostname", None]) == 0
    assert outside.exists()
    mine = files.path("chart.png")
    mine.write_bytes(b"png")
    assert files.discard_attachments([{"path": str(mine)}]) == 1 and not mine.exists()
    assert TempFiles.for_database(tmp_path / "x.sqlite") is files
