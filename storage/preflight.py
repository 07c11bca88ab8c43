"""Start-up checks of the database file, each refusal one sentence (issue 15, items 7 and 8).

A bot that starts on a file it cannot write prints `ready` and then answers every change with an
internal error; one on a damaged file used to print a traceback and hang (the connection's thread
kept the process alive). Both are refused before anything starts, with what to do about it.
"""
from __future__ import annotations

import errno
import os
import struct
from pathlib import Path

from storage.database import DatabaseError, damaged

HEADER = b"SQLite format 3\x00"


def _probe_write(folder: Path) -> OSError | None:
    """Create and remove a file in the folder (SQLite's WAL needs its -wal and -shm files there)."""
    probe = folder / f".entraide-write-check-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        return exc
    os.close(fd)
    probe.unlink(missing_ok=True)
    return None


def check_database_path(path: Path | str) -> None:
    """Refuse, in one sentence, a database the bot could not use: its folder missing or read-only,
    the file read-only, not a file, or damaged (not SQLite, a zeroed header, truncated)."""
    path = Path(path)
    real = Path(os.path.realpath(path))
    folder = real.parent
    if not folder.is_dir():
        raise DatabaseError(f"The folder {folder} for the database does not exist: create it, or set "
                            "[database] path (or --db) to an existing folder.")
    if real.exists() and not real.is_file():
        raise DatabaseError(f"The database path {path} is not a file: set [database] path (or --db) to a file.")
    problem = _probe_write(folder)
    if problem is not None:
        why = "is on a read-only file system" if problem.errno == errno.EROFS else "cannot be written"
        raise DatabaseError(f"The folder {folder} of the database {why} ({problem.strerror}): the bot needs to "
                            "write there (its journal files too); fix the mount or the permissions.")
    if not real.exists():
        return  # a new database: created at the first start
    try:
        os.close(os.open(real, os.O_RDWR))
    except OSError as exc:
        raise DatabaseError(f"The database file {path} is read-only ({exc.strerror}): the bot writes to it; "
                            "fix its permissions (or the mount) and start again.") from None
    check_file_header(real)


def check_file_header(path: Path) -> None:
    """Damage visible without reading the whole file: not SQLite, a zeroed header, fewer pages than
    the header counts (truncated). An empty file is a new database."""
    size = path.stat().st_size
    if size == 0:
        return
    with open(path, "rb") as handle:
        header = handle.read(100)
    if len(header) < 100 or not header.startswith(HEADER):
        raise damaged(path, "not an SQLite database, or its header was overwritten")
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages = struct.unpack(">II", header[24:32])
    valid_for = struct.unpack(">I", header[92:96])[0]
    if page_size < 512 or page_size & (page_size - 1):
        raise damaged(path, "its header is not valid")
    wal = Path(str(path) + "-wal")
    recovering = wal.exists() and wal.stat().st_size > 0  # a checkpoint a crash cut short: SQLite finishes it
    if pages and valid_for == change_counter and size < pages * page_size and not recovering:
        raise damaged(path, f"truncated: {size} bytes where the header counts {pages * page_size}")
