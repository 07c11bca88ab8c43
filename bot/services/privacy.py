"""Privacy: a member's data export, their erasure, and the daily retention purge.

Decisions (see storage/privacy.py for the table-by-table rules):
- Erasure keeps the member row as an anonymous tombstone (`erased = 1`, handle `erased-<id>`,
  platform id `erased:<id>`) so aggregates keep their shape: requests and thanks stay counted with
  their ids, titles and reasons blanked; a closed poll's result stays; in a poll still running the
  member's ballot is withdrawn and they stop being a nominee.
- Moderation cases about the member are kept `moderation.retention_days`, then purged with all
  older cases by the daily job.
- Outbox rows addressed to the member are deleted; other rows naming them (linked to them by id in
  `outbox_subject` when written, never found by searching text) are deleted once sent, or have the
  name replaced by « un·e ancien·ne membre » / "a former member" (`common.former_member`, in the
  community's language, as channel posts are) while still pending; nudges about their requests are withdrawn.
- Wherever a list or message still names the tombstone (a closed poll's results, the mod history), it
  says the same words, never the tombstone's handle `erased-<id>`.
- If the same person speaks again later, the bot meets them as a new member.
"""
from __future__ import annotations

import json
import logging
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.context import Community
from bot.errors import invalid
from bot.jobs import Job, cron, period_day
from bot.mentions import mention, neutralize
from bot.outbox import Attachment, send_dm
from bot.services.limits import take
from bot.services.members import member_locale
from storage import limits as limits_repo
from storage import members as members_repo
from storage import outbox as outbox_repo
from storage import privacy as privacy_repo
from storage.members import Member

log = logging.getLogger(__name__)

DAY = 86400
SENT_OUTBOX_RETENTION_DAYS = 30
RATE_EVENT_RETENTION_DAYS = 7
EXPORT_FILENAME = "entraide-export.json"
EXPORTS_PER_DAY = 3  # each export writes a file: enough to retry, not enough to fill a disk


# Export ----------------------------------------------------------------------------------------

async def build_member_export(conn: aiosqlite.Connection, ctx: Community, member: Member) -> dict[str, Any]:
    """Everything kept about the member, as one readable JSON document (bot/services/member_export.py)."""
    from bot.services.member_export import readable_export

    return await readable_export(conn, ctx, member)


def _write_export_file(ctx: Community, member_id: int, document: dict[str, Any]) -> Path:
    """A private file (0600 in a 0700 folder of the managed temp folder, marked as the member's) the
    transport attaches to the DM; removed once delivered, or with the member's erasure."""
    path = ctx.files.path(EXPORT_FILENAME, owner=member_id)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, ensure_ascii=False, indent=2)
    return path


async def export_member(ctx: Community, member: Member) -> Path:
    """`profile export`: DM (kind `export`) the caller's data as a JSON attachment."""
    path: Path | None = None
    try:
        async with ctx.db.transaction() as tx:
            current = await members_repo.by_id(tx, member.id)
            assert current is not None
            await take(tx, ctx, current.id, "export", EXPORTS_PER_DAY, DAY)
            path = _write_export_file(ctx, current.id, await build_member_export(tx, ctx, current))
            loc = member_locale(ctx, current)
            await send_dm(
                tx, ctx, current, "export", ctx.t(loc, "privacy.export_dm", community=ctx.config.community.name),
                attachments=[Attachment(EXPORT_FILENAME, "application/json", str(path))],
                private_text=ctx.t(loc, "privacy.export_dm_closed"), urgent=True,  # they just asked for it
            )
    except BaseException:
        if path is not None:
            ctx.files.discard([path])
        raise
    return path


# Erasure ---------------------------------------------------------------------------------------

def _without_member(value: Any, mention_token: str, name: re.Pattern[str], token: str, platform_id: str) -> Any:
    """The payload of a message that names the member, with their mention and name replaced."""
    if isinstance(value, str):
        return _elided(name.sub(token, value.replace(mention_token, token)), token)
    if isinstance(value, list):
        return [_without_member(v, mention_token, name, token, platform_id) for v in value if v != platform_id]
    if isinstance(value, dict):
        return {k: _without_member(v, mention_token, name, token, platform_id) for k, v in value.items()}
    return value


def _elided(text: str, token: str) -> str:
    """French « de » / « que » before the words that replaced a name elide as the catalogue's would
    (« la demande d'un·e ancien·ne membre »)."""
    if not re.match(r"[aeiouyàâéèêîôûAEIOUYÀÂÉÈÊÎÔÛ]", token):
        return text
    return re.sub(rf"\b([Dd])e {re.escape(token)}|\b([Qq])ue {re.escape(token)}",
                  lambda m: (f"{m.group(1)}'" if m.group(1) else f"{m.group(2)}u'") + token, text)


async def _scrub_outbox(tx: aiosqlite.Connection, member: Member, key_prefix: str = "",
                        token: str | None = None) -> None:
    """The messages carrying the member's name or words, found by id (never by searching text for a
    name, which would touch other members' messages): their own (DMs, and DMs turned into mentions),
    the sent ones, pending DMs to others about them and the nudges about their requests go; a pending
    post in a channel (a digest, a poll) still goes out, with their mention and name replaced in it alone."""
    token = token or f"erased-{member.id}"
    mention_token = mention(member.platform_id)
    name = re.compile(rf"(?<!\w){re.escape(neutralize(member.handle))}(?!\w)")
    doomed: list[int] = []
    rewritten: list[tuple[int, str]] = []
    about = await privacy_repo.outbox_rows_about(tx, member.id, key_prefix)
    for row_id, status, target, payload, withdraw in about:
        data = json.loads(payload)
        # Sent: only history. A DM to someone else about them (a helper ping with their request's
        # title, "X is coming"): moot and carrying their words, withdrawn. Their own: theirs.
        if withdraw or status != "pending" or target.startswith("dm:") or data.get("for_user") == member.platform_id:
            doomed.append(row_id)
            continue
        new_payload = json.dumps(_without_member(data, mention_token, name, token, member.platform_id),
                                 ensure_ascii=False)
        if new_payload != payload:
            rewritten.append((row_id, new_payload))
    await privacy_repo.delete_outbox_rows(tx, doomed)
    await privacy_repo.rewrite_outbox_payloads(tx, rewritten)


async def erase_member_in(tx: aiosqlite.Connection, ctx: Community, member_id: int) -> bool:
    """Erase one member inside the caller's transaction; False when already erased or unknown."""
    member = await members_repo.by_id(tx, member_id)
    if member is None or member.erased:
        return False
    # First: the nudges about their requests are found through them.
    await _scrub_outbox(tx, member, ctx.key_prefix, ctx.t(ctx.locale, "common.former_member"))
    skills = await privacy_repo.skills_of(tx, member.id)
    await privacy_repo.erase_member_rows(tx, member.id, member.platform_id, ctx.guild_id, ctx.now_ts())
    await privacy_repo.drop_unused_skills(tx, skills)
    ctx.files.discard_owner(member.id)  # an export not yet delivered (its DM was deleted above)
    return True


async def erase_member(ctx: Community, member: Member, confirm: bool | None) -> None:
    """`profile delete confirm:true`: the caller's personal data goes; aggregates stay, anonymized."""
    if confirm is not True:
        raise invalid("privacy.confirm_needed")
    async with ctx.db.transaction() as tx:
        await erase_member_in(tx, ctx, member.id)


# Retention -------------------------------------------------------------------------------------

async def purge_expired(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
    """Daily: erase members gone for `privacy.retention_days_after_leave`, drop moderation cases
    older than `moderation.retention_days` and delivered messages older than 30 days."""
    now = ctx.now_ts()
    gone_before = now - ctx.config.privacy.retention_days_after_leave * DAY
    erased = 0
    for member_id, _pid, _handle in await privacy_repo.left_before(tx, ctx.guild_id, gone_before):
        erased += await erase_member_in(tx, ctx, member_id)
    cases_before = now - ctx.config.moderation.retention_days * DAY
    cases = await privacy_repo.purge_mod_cases_before(tx, ctx.guild_id, cases_before)
    messages = await outbox_repo.purge_sent_before(tx, now - SENT_OUTBOX_RETENTION_DAYS * DAY)
    # Rate-limit counters only matter within their window (a day at most): keep a week, drop the rest.
    await limits_repo.purge_before(tx, now - RATE_EVENT_RETENTION_DAYS * DAY)
    log.info("privacy purge: %s members erased, %s cases and %s messages purged", erased, cases, messages)


def jobs(ctx: Community) -> list[Job]:
    hour, minute = (int(part) for part in ctx.config.schedule.daily_time.split(":"))
    return [Job("privacy-purge", cron(ctx.config.community.timezone, hour=hour, minute=minute),
                period_day, purge_expired)]
