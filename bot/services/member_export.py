"""The member's own export (`profile export`), readable: UTF-8 JSON with keys, an "about" text and
ISO dates in their language and timezone, mentions shown as names, and everything kept about them,
the animators' notes included (the GDPR's right of access; storage/privacy.py says what is kept)."""
from __future__ import annotations

import re
from typing import Any

import aiosqlite

from bot.clock import from_epoch
from bot.context import Community
from bot.mentions import MENTION_TOKEN
from bot.quiet_hours import member_zone
from bot.services.members import member_locale
from storage import privacy as privacy_repo
from storage.members import Member

EPOCH_COLUMN = re.compile(r"(^at$|_at$|^since$|_since$)")
BOOL_COLUMNS = {"active", "godparent_volunteer", "urgent", "recurring", "available", "nudges", "visible",
                "network", "dms_closed"}
CODED_COLUMNS = {"role", "direction"}  # values written as codes by the export queries


def _mentioned(tables: dict[str, list[dict[str, Any]]]) -> list[str]:
    found: set[str] = set()
    for rows in tables.values():
        for row in rows:
            for value in row.values():
                if isinstance(value, str) and "<@" in value:
                    found.update(MENTION_TOKEN.findall(value))
    return sorted(found)


async def readable_export(conn: aiosqlite.Connection, ctx: Community, member: Member) -> dict[str, Any]:
    """Everything kept about the member, as one JSON-ready document in their words."""
    loc = member_locale(ctx, member)
    tz = member_zone(member.timezone, ctx.tz)
    tables = await privacy_repo.member_data(conn, member.id, member.platform_id, ctx.guild_id)
    names = await privacy_repo.handles_by_platform_id(conn, ctx.guild_id, _mentioned(tables))

    def label(area: str, name: str) -> str:
        key = f"export.{area}.{name}"
        return ctx.t(loc, key) if ctx.i18n.has(key) else name

    def readable(column: str, value: Any) -> Any:
        if value is None:
            return None
        if EPOCH_COLUMN.search(column) and isinstance(value, int | float):
            return from_epoch(value).astimezone(tz).isoformat(timespec="minutes")
        if column in BOOL_COLUMNS and isinstance(value, int):
            return bool(value)
        if column in CODED_COLUMNS and isinstance(value, str):
            return label("value", value)
        if isinstance(value, str) and "<@" in value:
            return MENTION_TOKEN.sub(lambda m: "@" + names.get(m.group(1), "?"), value)
        return value

    data = {label("table", table): [{label("column", c): readable(c, v) for c, v in row.items()} for row in rows]
            for table, rows in tables.items()}
    return {
        ctx.t(loc, "export.key.community"): ctx.config.community.name,
        ctx.t(loc, "export.key.exported_at"): ctx.now().astimezone(tz).isoformat(timespec="minutes"),
        ctx.t(loc, "export.key.member"): member.handle,
        ctx.t(loc, "export.key.timezone"): tz.key,
        ctx.t(loc, "export.key.about"): ctx.t(loc, "export.about"),
        ctx.t(loc, "export.key.data"): data,
    }
