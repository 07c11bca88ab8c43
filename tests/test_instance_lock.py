"""One bot per database file, whatever path leads to it (issue 15, item 6): a symlink or a hard link
to the live file is the same database and a second bot on it is refused (with a hard link each bot
would keep its own WAL file: corruption)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from storage.database import DatabaseError, InstanceLock, InstanceLocked
from tests.pg_support import entraide

START = "2026-12-01T09:00:00+01:00"


def console(db: Path) -> list[str]:
    return entraide("console", "--jsonl", "--db", str(db), "--start", START)


@pytest.mark.sqlite_only("links to a database file; on PostgreSQL the lock is per community: tests/test_reliability.py")
@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_a_second_bot_through_a_link_to_the_live_file_refuses_to_start(tmp_path: Path, link: str) -> None:
    db = tmp_path / "live.sqlite"
    first = subprocess.Popen(console(db), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        assert first.stdout is not None
        assert '"ready"' in first.stdout.readline()
        other = tmp_path / "elsewhere" / "other.sqlite"
        other.parent.mkdir()
        (os.symlink if link == "symlink" else os.link)(db, other)
        second = subprocess.run(console(other), input="", capture_output=True, text=True, timeout=60)
        assert second.returncode != 0, second.stdout
        assert ("sert déjà la communauté" if link == "symlink" else "sous un autre nom") in second.stderr
        assert second.stdout == ""
        assert not (tmp_path / "elsewhere" / "other.sqlite-wal").exists()
    finally:
        assert first.stdin is not None
        first.stdin.close()
        first.wait(timeout=60)
    again = subprocess.run(console(other), input="", capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and '"ready"' in again.stdout


def test_the_lock_is_the_files_own_not_its_paths(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite"
    first = InstanceLock(db)
    first.acquire()
    try:
        os.symlink(db, tmp_path / "sym.sqlite")
        os.link(db, tmp_path / "hard.sqlite")
        for path in (tmp_path / "sym.sqlite", tmp_path / "hard.sqlite", tmp_path / "." / "x.sqlite"):
            with pytest.raises(DatabaseError, match="Another entraide process is already"):
                InstanceLock(path).acquire()
    finally:
        first.release()
    again = InstanceLock(tmp_path / "hard.sqlite")
    again.acquire()
    again.release()


def test_processes_serving_other_communities_share_the_file_but_never_one_community(tmp_path: Path) -> None:
    db = tmp_path / "network.sqlite"
    first = InstanceLock(db, ["111", "quai-group"])
    first.acquire()
    try:
        with pytest.raises(InstanceLocked) as refused:
            InstanceLock(db, ["222", "quai-group"]).acquire()  # Le Quai is served already
        assert refused.value.community == "quai-group"
        os.symlink(db, tmp_path / "sym.sqlite")
        beside = InstanceLock(tmp_path / "sym.sqlite", ["222"])  # another community: allowed, same file
        beside.acquire()
        beside.release()
        os.link(db, tmp_path / "hard.sqlite")
        with pytest.raises(InstanceLocked) as named:  # another name keeps its own WAL: refused even so
            InstanceLock(tmp_path / "hard.sqlite", ["222"]).acquire()
        assert named.value.community is None
    finally:
        first.release()
    alone = InstanceLock(tmp_path / "hard.sqlite", ["111"])  # by the other name, once nobody uses the first
    alone.acquire()
    alone.release()
