"""The files an animator hands the command line, checked before anything is written.

What a French office produces: CSVs saved by Excel in Windows-1252, charters saved in Latin-1,
a database path that is right only from another folder. Each problem is one sentence in the
configured language (catalogue `files.*`); nothing is created or overwritten on the way.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bot.i18n import Translator

UTF8 = "UTF-8"
WINDOWS_1252 = "Windows-1252"


class FileProblem(Exception):
    """One sentence, already in the reader's language."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # UTF8 or WINDOWS_1252
    bom: bool = False


def decode_office_text(data: bytes) -> Decoded:
    """UTF-8 (with or without the BOM Excel writes), else Windows-1252 (Excel's "CSV (séparateur :
    point-virgule)" on a French Windows), else Latin-1, which decodes any byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        return Decoded(data[3:].decode("utf-8", errors="replace"), UTF8, bom=True)
    try:
        return Decoded(data.decode("utf-8"), UTF8)
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(data.decode("cp1252"), WINDOWS_1252)
    except UnicodeDecodeError:
        return Decoded(data.decode("latin-1"), WINDOWS_1252)


def utf8_problem(path: Path) -> tuple[int, str] | None:
    """(line number, the line as Windows-1252 reads it) of the first byte that is not UTF-8, else None."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        end = data.find(b"\n", exc.start)
        return line, data[start:end if end >= 0 else len(data)].decode("cp1252", errors="replace").strip()[:60]
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _writable_folder(path: Path) -> bool:
    folder = path.parent if str(path.parent) else Path(".")
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def require_database(words: Translator, db_path: str, config_source: str) -> None:
    """The database must already exist: opening a missing one would create an empty one."""
    if str(db_path).startswith(("postgresql://", "postgres://")):
        return  # a server's database: the connection itself says whether it exists
    path = Path(db_path)
    if not path.is_file():
        raise FileProblem(words.t(None, "files.no_database", path=str(path), cwd=os.getcwd(),
                                  config=config_source))


def require_target(words: Translator, db_path: str, target: str) -> None:
    """A copy goes to a writable folder, never onto the database itself."""
    path = Path(target)
    if _same_file(Path(db_path), path):
        raise FileProblem(words.t(None, "files.target_is_source", path=target))
    if path.is_dir():
        raise FileProblem(words.t(None, "files.target_is_folder", path=target))
    if not _writable_folder(path):
        raise FileProblem(words.t(None, "files.folder_not_writable", folder=str(path.parent or ".")))
    if path.exists() and not os.access(path, os.W_OK):
        raise FileProblem(words.t(None, "files.file_not_writable", path=target))
