"""Start-up refusals, one sentence each and a non-zero exit, never a traceback nor a hang (issue 15,
items 7 and 8): a damaged database file (garbage, a zeroed header, truncated), a missing folder, a
read-only folder or mount, a read-only file."""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.app import Engine
from bot.clock import SimulatedClock
from bot.config import Config
from storage import preflight
from storage.database import DatabaseError
from tests.harness import START, Sim
from tests.pg_support import entraide
from tests.test_console_protocol import run_console

ROOT = os.geteuid() == 0


def start(db: Path) -> subprocess.CompletedProcess[str]:
    """The console on `db`, its input closed at once; a hang fails the test (timeout)."""
    return subprocess.run(
        entraide("console", "--jsonl", "--db", str(db), "--start", START),
        input="", capture_output=True, text=True, timeout=60,
    )


def assert_one_sentence_refusal(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode != 0, proc.stdout
    assert proc.stdout == ""  # never `ready`
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


def a_live_database(tmp_path: Path) -> Path:
    db = tmp_path / "community.sqlite"
    run_console(db, b'{"type": "join", "user": "alice"}\n{"type": "advance", "by": "1d"}\n')
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    return db


@pytest.mark.parametrize("damage", ["garbage", "zeroed header", "truncated", "tiny"])
@pytest.mark.sqlite_only('a damaged, missing or read-only SQLite file; PostgreSQL guards its own pages')
def test_a_damaged_database_exits_at_once_with_one_sentence(tmp_path: Path, damage: str) -> None:
    db = a_live_database(tmp_path)
    data = db.read_bytes()
    if damage == "garbage":
        db.write_bytes(os.urandom(len(data)))
    elif damage == "zeroed header":
        db.write_bytes(b"\0" * 100 + data[100:])
    elif damage == "truncated":
        db.write_bytes(data[: len(data) // 2])
    else:
        db.write_bytes(data[:50])
    damaged = db.read_bytes()
    proc = start(db)
    assert_one_sentence_refusal(proc, "damaged", "entraide backup")
    assert db.read_bytes() == damaged  # left as it was found, for the animators to look at


@pytest.mark.sqlite_only('a damaged, missing or read-only SQLite file; PostgreSQL guards its own pages')
def test_a_missing_database_folder_is_one_sentence(tmp_path: Path) -> None:
    proc = start(tmp_path / "no-such-folder" / "community.sqlite")
    assert_one_sentence_refusal(proc, "does not exist", "no-such-folder")
    assert not (tmp_path / "no-such-folder").exists()


@pytest.mark.sqlite_only('a damaged, missing or read-only SQLite file; PostgreSQL guards its own pages')
def test_a_database_path_that_is_a_folder_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    assert_one_sentence_refusal(start(tmp_path / "db"), "not a file")


@pytest.mark.skipif(ROOT, reason="permissions do not bind root; the in-process tests below cover it")
def test_a_read_only_file_and_folder_are_refused_before_ready(tmp_path: Path) -> None:
    db = a_live_database(tmp_path)
    db.chmod(0o444)
    assert_one_sentence_refusal(start(db), "read-only")
    db.chmod(0o644)
    tmp_path.chmod(0o555)
    try:
        assert_one_sentence_refusal(start(db), "cannot be written")
    finally:
        tmp_path.chmod(0o755)


async def _open(db: Path) -> Engine:
    return await Engine.open(Config(), db, SimulatedClock(__import__("datetime").datetime.fromisoformat(START)),
                             Sim(db).server)


async def test_a_read_only_mount_is_refused_before_anything_starts(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    db = a_live_database(tmp_path)
    real_open = os.open

    def read_only_mount(path, flags, *args):  # noqa: ANN001, ANN202 - os.open's shape
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(preflight.os, "open", read_only_mount)
    with pytest.raises(DatabaseError, match="read-only file system"):
        await _open(db)


@pytest.mark.sqlite_only('a damaged, missing or read-only SQLite file; PostgreSQL guards its own pages')
async def test_a_read_only_file_is_refused_before_anything_starts(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    db = a_live_database(tmp_path)
    real_open = os.open

    def read_only_file(path, flags, *args):  # noqa: ANN001, ANN202
        if Path(path) == db.resolve() and flags & os.O_RDWR:
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(preflight.os, "open", read_only_file)
    with pytest.raises(DatabaseError, match="is read-only"):
        await _open(db)
    monkeypatch.undo()
    engine = await _open(db)  # writable again: it starts, the lock was not kept
    await engine.close()


@pytest.mark.sqlite_only('a damaged, missing or read-only SQLite file; PostgreSQL guards its own pages')
def test_a_sound_copy_still_starts(tmp_path: Path) -> None:
    db = a_live_database(tmp_path)
    copy = tmp_path / "copy.sqlite"
    shutil.copy(db, copy)
    proc = start(copy)
    assert proc.returncode == 0 and '"ready"' in proc.stdout, proc.stderr
