"""`entraide import-profiles FILE.csv [--apply]`: profiles from the spreadsheet a community keeps today.

Columns (header row, French or English names): member (platform id or handle), skills, needs,
languages, bio. UTF-8 (with or without BOM) or, failing that, Windows-1252 (French Excel's
"CSV (séparateur : point-virgule)"); the first line of the report says which. Inside a cell,
skills, needs and languages are separated by `;` or `,`. An empty cell keeps what is stored.
Every row passes the same validation as `profile set`.

A dry run by default: what would change and which rows are invalid (row number and reason).
`--apply` writes the valid rows (in batches, one transaction each) and still reports the invalid
ones; the exit code is 1 when any row is invalid, so a script notices.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.clock import SystemClock
from bot.config import Config
from bot.context import Community
from bot.errors import DomainError, invalid
from bot.files import WINDOWS_1252, decode_office_text, require_database
from bot.i18n import Translator
from bot.mentions import has_forbidden_characters
from bot.services.profiles import ProfileChanges, apply_profile_changes, validate_profile_changes
from bot.services.skills import skill_key
from storage import members as members_repo
from storage import profiles as profiles_repo
from storage.database import open_database
from storage.profiles import NEED, OFFER

BATCH = 500
PROGRESS_FROM = 200  # rows: smaller files need no progress indicator
COLUMN_NAMES = {
    "member": {"member", "membre", "platform id", "platform_id", "id", "handle", "pseudo", "user", "utilisateur"},
    "skills": {"skills", "competences", "skill", "competence", "offre", "offers"},
    "needs": {"needs", "besoins", "need", "besoin"},
    "languages": {"languages", "langues", "language", "langue"},
    "bio": {"bio", "biographie", "presentation"},
}
CELL_SEPARATOR = re.compile(r"[;,]")


@dataclass
class Row:
    number: int  # as a spreadsheet shows it: the header is row 1
    ref: str
    changes: ProfileChanges | None = None
    member_id: int | None = None
    error: str | None = None
    summary: list[str] | None = None


def _column_of(header: str) -> str | None:
    name = skill_key(header).replace("-", " ").replace("_", " ")
    for column, names in COLUMN_NAMES.items():
        if name in names or name.replace(" ", "_") in names:
            return column
    return None


def read_rows(text: str) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """(column -> index, [(row number, cells)]) from CSV text; `,`, `;` or tab separated."""
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None) or []
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        column = _column_of(name)
        if column is not None and column not in columns:
            columns[column] = index
    rows = [(number, cells) for number, cells in enumerate(reader, start=2) if any(c.strip() for c in cells)]
    return columns, rows


def _cell(cells: list[str], columns: dict[str, int], column: str) -> str:
    index = columns.get(column)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _options(cells: list[str], columns: dict[str, int]) -> dict[str, Any]:
    """A row's cells as `profile set` options (empty cells are not given)."""
    options: dict[str, Any] = {}
    for column in ("skills", "needs", "languages"):
        value = _cell(cells, columns, column)
        if value:
            if has_forbidden_characters(value, allow_newlines=False):
                raise invalid("common.detail.bad_text", option=column)
            options[column] = [item.strip() for item in CELL_SEPARATOR.split(value) if item.strip()]
    bio = _cell(cells, columns, "bio")
    if bio:
        if has_forbidden_characters(bio, allow_newlines=True):
            raise invalid("common.detail.bad_text", option="bio")
        options["bio"] = bio
    return options


def _error_text(ctx: Community, err: DomainError) -> str:
    return ctx.t(None, err.detail_key, **err.params) if err.detail_key else err.code


async def plan_import(ctx: Community, columns: dict[str, int], raw: list[tuple[int, list[str]]]) -> list[Row]:
    """Validate every row and work out what it would change, without writing anything."""
    rows = [Row(number, _cell(cells, columns, "member")) for number, cells in raw]
    ids = await profiles_repo.member_ids_by_handles(
        ctx.db.reader, ctx.guild_id, sorted({r.ref for r in rows if r.ref}))
    for row, (_number, cells) in zip(rows, raw, strict=True):
        try:
            if not row.ref:
                raise invalid("profiles.import.no_member")
            row.member_id = ids.get(row.ref)
            if row.member_id is None:
                raise invalid("common.detail.unknown_member", member=row.ref[:60])
            row.changes = validate_profile_changes(ctx, _options(cells, columns))
            row.summary = await _describe_changes(ctx, row.member_id, row.changes)
        except DomainError as err:
            row.error = _error_text(ctx, err)
    return rows


async def _describe_changes(ctx: Community, member_id: int, changes: ProfileChanges) -> list[str]:
    """What would change for one member, field by field (empty: nothing)."""
    member = await members_repo.by_id(ctx.db.reader, member_id)
    assert member is not None
    stored = await profiles_repo.skills_of(ctx.db.reader, member_id)
    lines = []
    for column, kind, new in (("skills", OFFER, changes.offers), ("needs", NEED, changes.needs)):
        if new is None:
            continue
        before = stored[kind]
        after = sorted({display for _key, display in new}, key=skill_key)
        if [skill_key(s) for s in before] != [skill_key(s) for s in after]:
            lines.append(ctx.t(None, "profiles.import.change", field=column, before=", ".join(before) or "—",
                               after=", ".join(after) or "—"))
    if "languages" in changes.fields and changes.fields["languages"] != member.languages:
        lines.append(ctx.t(None, "profiles.import.change", field="languages", before=member.languages or "—",
                           after=changes.fields["languages"] or "—"))
    if "bio" in changes.fields and changes.fields["bio"] != member.bio:
        lines.append(ctx.t(None, "profiles.import.bio_changed"))
    return lines


async def apply_import(ctx: Community, rows: list[Row], progress: Callable[[int], None]) -> int:
    """Write the valid rows that change something, BATCH rows per transaction; returns how many."""
    todo = [r for r in rows if r.error is None and r.summary]
    for start in range(0, len(todo), BATCH):
        async with ctx.db.transaction() as tx:
            for row in todo[start:start + BATCH]:
                assert row.member_id is not None and row.changes is not None
                await apply_profile_changes(tx, ctx, row.member_id, row.changes)
        progress(min(start + BATCH, len(todo)))
    if todo:
        from bot.services import godparents

        await godparents.serve_waiting_newcomers(ctx)
    return len(todo)


class Progress:
    """`\\r` progress on stderr for large files only."""

    def __init__(self, stream: TextIO, total: int, label: str) -> None:
        self.stream, self.total, self.label = stream, total, label
        self.enabled = total >= PROGRESS_FROM

    def __call__(self, done: int) -> None:
        if self.enabled:
            self.stream.write(f"\r{self.label} {done}/{self.total}")
            self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


async def import_profiles(
    config: Config, db_path: str, csv_path: str, apply: bool, guild_id: str | None,
    out: TextIO | None = None, err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    decoded = decode_office_text(Path(csv_path).read_bytes())
    text = decoded.text
    words = Translator(config.community.locale, config.community.timezone)
    key = "files.read_as_cp1252" if decoded.encoding == WINDOWS_1252 else (
        "files.read_as_utf8_bom" if decoded.bom else "files.read_as_utf8")
    out.write(words.t(None, key, path=csv_path) + "\n")
    db = await open_database(db_path, synchronous=config.database.synchronous)
    try:
        ctx = Community(db=db, clock=SystemClock(), config=config,
                        i18n=Translator(config.community.locale, config.community.timezone),
                        guild_id=guild_id or config.community.guild_id or "console")
        columns, raw = read_rows(text)
        if "member" not in columns:
            err.write(ctx.t(None, "profiles.import.no_member_column") + "\n")
            return 2
        checking = Progress(err, len(raw), ctx.t(None, "profiles.import.checking"))
        rows: list[Row] = []
        for start in range(0, len(raw), BATCH):
            rows += await plan_import(ctx, columns, raw[start:start + BATCH])
            checking(min(start + BATCH, len(raw)))
        checking.finish()
        _duplicates_across_batches(ctx, rows)
        report(ctx, rows, apply, out)
        if apply:
            writing = Progress(err, sum(1 for r in rows if r.error is None and r.summary),
                               ctx.t(None, "profiles.import.writing"))
            written = await apply_import(ctx, rows, writing)
            writing.finish()
            out.write(ctx.t(None, "profiles.import.applied", count=written) + "\n")
    finally:
        await db.close()
    return 1 if any(r.error for r in rows) else 0


def _duplicates_across_batches(ctx: Community, rows: list[Row]) -> None:
    first: dict[int, int] = {}
    for row in rows:
        if row.error is None and row.member_id is not None:
            if row.member_id in first:
                row.error = ctx.t(None, "profiles.import.duplicate", row=first[row.member_id])
            else:
                first[row.member_id] = row.number


def report(ctx: Community, rows: list[Row], apply: bool, out: TextIO) -> None:
    """One line per changing or invalid row, then the totals."""
    changing = unchanged = 0
    for row in rows:
        if row.error is not None:
            out.write(ctx.t(None, "profiles.import.invalid_row", row=row.number, member=row.ref or "—",
                            reason=row.error) + "\n")
        elif row.summary:
            changing += 1
            out.write(ctx.t(None, "profiles.import.row", row=row.number, member=row.ref,
                            changes="; ".join(row.summary)) + "\n")
        else:
            unchanged += 1
    invalid_count = sum(1 for r in rows if r.error)
    out.write(ctx.t(None, "profiles.import.summary", count=len(rows), changing=changing, unchanged=unchanged,
                    invalid=invalid_count) + "\n")
    if not apply:
        out.write(ctx.t(None, "profiles.import.dry_run") + "\n")


def cmd_import_profiles(args: argparse.Namespace) -> int:
    from bot.cli import _config, _config_source, _db_path
    from bot.network_config import chosen_community

    config, key = chosen_community(_config(args), args.community)  # a network's: that community's own config
    words = Translator(config.community.locale)
    if not Path(args.file).is_file():
        print(words.t(None, "files.no_such_file", path=args.file, cwd=os.getcwd()), file=sys.stderr)
        return 2
    require_database(words, _db_path(args, config), _config_source(args))
    return asyncio.run(import_profiles(config, _db_path(args, config), args.file, args.apply, args.guild or key))


def add_import_command(add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("import-profiles", cmd_import_profiles,
            "import member profiles from a spreadsheet (CSV): a dry run unless --apply")
    p.add_argument("file", help="CSV with a header row: member, skills, needs, languages, bio")
    p.add_argument("--db", help="SQLite file or postgresql:// URL (default: ENTRAIDE_DATABASE_URL, then "
                   "database.url, then database.path from the config)")
    p.add_argument("--community", default=None, help="in a network: the community's id (default: the first)")
    p.add_argument("--guild", default=None, help="the key the community's rows are stored under (default: "
                   "the chosen community's server or group, the configured guild, or console)")
    p.add_argument("--apply", action="store_true", help="write the changes (default: only show them)")
