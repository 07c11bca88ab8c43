"""Temporary files the bot sends (data exports, charts): one managed folder per database, each file
in a private folder of its own, removed once delivered.

Why: a data export holds a member's whole record and a chart their name; left in /tmp they would
outlive the message and the member's erasure. So:
- every file goes in `<tmp>/entraide-files-<uid>/<database>/<folder>/` (0700 folders, 0600 files);
  a folder made for one member carries their id, so `profile delete` removes what is theirs;
- the dispatcher discards a message's attachments once it is delivered (or given up on), a transport
  does the same for a reply's attachments once it is shown;
- at start-up, folders no pending message refers to are swept (a crash between writing and sending).

Only paths inside the managed folder are ever removed: an attachment naming another file is left alone.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_BY_DATABASE: dict[str, TempFiles] = {}


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


class TempFiles:
    """The managed folder of one database."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def for_database(cls, db_path: Path | str) -> TempFiles:
        """The folder of the database at `db_path` (the same file through any link gets the same one)."""
        real = os.path.realpath(db_path)
        if real not in _BY_DATABASE:
            base = os.environ.get("ENTRAIDE_TMPDIR") or tempfile.gettempdir()
            name = hashlib.sha256(real.encode("utf-8", "surrogatepass")).hexdigest()[:16]
            uid = os.getuid() if hasattr(os, "getuid") else 0
            _BY_DATABASE[real] = cls(Path(base) / f"entraide-files-{uid}" / name)
        return _BY_DATABASE[real]

    def folder(self, owner: int | None = None) -> Path:
        """A new private folder for one file; `owner`: the member whose data it holds."""
        _private_dir(self.root.parent)
        _private_dir(self.root)
        prefix = f"m{owner}-" if owner is not None else "x-"
        return _private_dir(self.root / (prefix + secrets.token_hex(8)))

    def path(self, filename: str, owner: int | None = None) -> Path:
        """Where to write one file (its folder is new and private)."""
        return self.folder(owner) / Path(filename).name

    def _managed_folder(self, path: str | Path) -> Path | None:
        """The managed folder holding `path`, or None when the path is not ours."""
        try:
            resolved = Path(os.path.realpath(path))
            root = Path(os.path.realpath(self.root))
        except (OSError, ValueError):
            return None
        if resolved.parent.parent != root:
            return None
        return resolved.parent

    def discard(self, paths: Iterable[str | Path | None]) -> int:
        """Remove these files (and their folders); paths outside the managed folder are left alone."""
        removed = 0
        for path in paths:
            folder = self._managed_folder(path) if path else None
            if folder is not None and folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def discard_attachments(self, attachments: Iterable[dict[str, Any]] | None) -> int:
        """Remove the files of a message's or a reply's attachments once they are delivered."""
        return self.discard(a.get("path") for a in attachments or () if isinstance(a, dict))

    def discard_owner(self, member_id: int) -> int:
        """Every file made for this member (an erasure): by their id, never by a name."""
        if not self.root.is_dir():
            return 0
        folders = list(self.root.glob(f"m{int(member_id)}-*"))
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
        return len(folders)

    def sweep(self, keep: Iterable[str]) -> int:
        """Remove every folder that holds none of the `keep` paths (those of pending messages)."""
        if not self.root.is_dir():
            return 0
        kept = {folder for folder in (self._managed_folder(p) for p in keep) if folder is not None}
        swept = 0
        for folder in self.root.iterdir():
            if Path(os.path.realpath(folder)) not in kept:
                shutil.rmtree(folder, ignore_errors=True) if folder.is_dir() else folder.unlink(missing_ok=True)
                swept += 1
        return swept


def discard_delivered(attachments: Iterable[dict[str, Any]] | None) -> int:
    """For a transport that has shown a reply's attachments: remove their files if they are managed
    (by any database this process opened); other paths are left alone."""
    items = [a for a in attachments or () if isinstance(a, dict)]
    return sum(files.discard_attachments(items) for files in list(_BY_DATABASE.values()))
