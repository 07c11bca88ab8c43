"""Moderation: every animator action is a case in the audit log and a post in mod-log.

Firm and fair: a warning or a timeout always tells the member why; a note never reaches them;
marking someone inactive excludes nobody (they simply get no pings or nudges). Cases are kept
`moderation.retention_days`, then purged by the daily privacy job (bot/services/privacy.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiosqlite

from bot.clock import from_epoch
from bot.context import Community
from bot.errors import conflict, invalid
from bot.mentions import neutralize, neutralize_inline
from bot.outbox import apply_timeout, post, send_dm
from bot.services import limits
from bot.services.members import member_locale, resolve_member
from storage import members as members_repo
from storage import moderation as moderation_repo
from storage.members import Member
from storage.moderation import Case


@dataclass(frozen=True)
class CaseView:
    """A case as animators read it: times are aware datetimes in community time."""

    case_id: int
    action: str
    by: str | None
    target: str | None
    reason: str | None
    at: datetime
    until: datetime | None
    by_ref: str | None = None  # who acted, as `data` names members (their platform id, the console's `user`)

    def as_history(self) -> dict[str, Any]:
        """The `mod history` shape from COMMANDS.md (`by` names the animator as `data` names members)."""
        return {"case_id": self.case_id, "action": self.action, "by": self.by_ref, "reason": self.reason,
                "at": self.at.isoformat()}

    def as_export(self) -> dict[str, Any]:
        return {**self.as_history(), "target": self.target,
                "until": self.until.isoformat() if self.until else None}


#: Reasons some actions store as a code word (kept as stored; shown in words).
_NUMBERED = re.compile(r"#(\d+):? (.*)", re.S)  # "#12 Apéro", "#12: duplicate": what is numbered, then words
_NUMBERED_ACTIONS = frozenset({"event-new", "event-edit", "event-cancel", "event-attended", "proposal-withdraw",
                               "proposal-close", "remind-add", "remind-remove", "close-request"})
_MONTH = re.compile(r"(\d{4})-(\d{2})")  # the member of the month's poll: "2026-12" → « décembre 2026 »
_REASON_WORDS = {"active": "active", "inactive": "inactive", "paused": "nudges_paused", "resumed": "nudges_resumed"}


def action_words(ctx: Community, loc: str | None, action: str, reason: str | None) -> tuple[str, str | None]:
    """An audited action and its reason as a reader sees them: words of their language, never codes."""
    key = f"moderation.action.{action}"
    label = ctx.t(loc, key) if ctx.i18n.has(key) else action
    if reason and action in ("status", "nudges"):
        word, sep, rest = reason.partition(" — ")
        if word in _REASON_WORDS:
            reason = ctx.t(loc, f"moderation.reason.{_REASON_WORDS[word]}") + sep + rest
    month = _MONTH.fullmatch(reason or "") if action in ("motm-open", "motm-close") else None
    if month and 1 <= int(month.group(2)) <= 12:
        from babel.dates import get_month_names

        name = get_month_names("wide", locale=ctx.i18n.locale_or_default(loc))[int(month.group(2))]
        reason = f"{name} {month.group(1)}"
    numbered = _NUMBERED.fullmatch(reason or "") if action in _NUMBERED_ACTIONS else None
    if numbered:  # "#3 place, capacity" → « n°3 : lieu, nombre de places »
        number, rest = numbered.groups()
        if action == "event-edit":
            rest = ", ".join(ctx.t(loc, f"moderation.reason.field.{f}") if ctx.i18n.has(f"moderation.reason.field.{f}")
                             else f for f in rest.split(", "))
        elif action == "event-attended" and rest.isdigit():
            rest = ctx.t(loc, "moderation.reason.attended", count=int(rest))
        reason = ctx.t(loc, "moderation.reason.numbered", id=number, rest=rest)
    return label, reason


async def record_case(
    tx: aiosqlite.Connection, ctx: Community, actor: Member, action: str, target: Member | None,
    reason: str | None, until: int | None = None,
) -> int:
    """Audit one action (inside the caller's transaction) and post it in the mod-log channel."""
    case_id = await moderation_repo.insert_case(
        tx, ctx.guild_id, actor.id, action, target.id if target else None, reason, ctx.now_ts(), until
    )
    loc = ctx.locale
    label, shown_reason = action_words(ctx, loc, action, reason)
    # An action about nobody in particular (a reminder, an event) says no « concerne — ».
    text = ctx.t(loc, "moderation.log_line" if target else "moderation.log_line_untargeted", case_id=case_id,
                 actor=neutralize(actor.handle), action=label, target=neutralize(target.handle) if target else "",
                 reason=neutralize_inline(shown_reason) if shown_reason else "—",
                 at=ctx.i18n.datetime(loc, ctx.now()))
    if until is not None:
        text += " · " + ctx.t(loc, "moderation.log_until", until=ctx.i18n.datetime(loc, from_epoch(until)))
    await post(tx, ctx, ctx.config.channels.mod_log, "mod-log", text,
               about=[actor.id, target.id if target else None])
    return case_id


async def _target(tx: aiosqlite.Connection, ctx: Community, actor: Member, ref: str, *,
                  not_self: bool, present: bool) -> Member:
    """The member an action is about, refused when it makes no sense (yourself, someone gone)."""
    target = await resolve_member(tx, ctx, ref)
    if not_self and target.id == actor.id:
        raise conflict("moderation.detail.not_yourself")
    if present and not target.present:
        raise conflict("moderation.detail.not_present", member=neutralize(target.handle))
    return target


async def warn_member(ctx: Community, actor: Member, target_ref: str, reason: str) -> tuple[int, Member]:
    """A recorded warning, explained to the member by DM (kind `warning`)."""
    async with ctx.db.transaction() as tx:
        target = await _target(tx, ctx, actor, target_ref, not_self=True, present=True)
        case_id = await record_case(tx, ctx, actor, "warn", target, reason)
        loc = member_locale(ctx, target)
        await send_dm(tx, ctx, target, "warning",
                      ctx.t(loc, "moderation.warning_dm", community=ctx.config.community.name,
                            reason=neutralize_inline(reason)),
                      private_text=ctx.t(loc, "moderation.private_fallback"), urgent=True)
    return case_id, target


async def timeout_member(
    ctx: Community, actor: Member, target_ref: str, minutes: int, reason: str | None
) -> tuple[int, datetime, Member]:
    """The platform's native timeout (Discord: at most 28 days) plus a case and a DM saying why."""
    limit = ctx.config.moderation.max_timeout_minutes
    if not 1 <= minutes <= limit:
        raise invalid("moderation.detail.bad_minutes", max=limit)
    async with ctx.db.transaction() as tx:
        target = await _target(tx, ctx, actor, target_ref, not_self=True, present=True)
        until = ctx.local(ctx.now() + timedelta(minutes=minutes))
        until_ts = ctx.now_ts() + minutes * 60
        case_id = await record_case(tx, ctx, actor, "timeout", target, reason, until=until_ts)
        await apply_timeout(tx, ctx, target, until, reason or "")
        loc = member_locale(ctx, target)
        text = ctx.t(loc, "moderation.timeout_dm", community=ctx.config.community.name,
                     until=ctx.i18n.datetime(loc, until),
                     reason=neutralize_inline(reason) if reason else ctx.t(loc, "moderation.no_reason"))
        await send_dm(tx, ctx, target, "warning", text, private_text=ctx.t(loc, "moderation.private_fallback"),
                      urgent=True)
    return case_id, until, target


async def add_note(ctx: Community, actor: Member, target_ref: str, text: str) -> tuple[int, Member]:
    """A private note for animators: in the audit log and mod-log, never sent to the member."""
    async with ctx.db.transaction() as tx:
        target = await _target(tx, ctx, actor, target_ref, not_self=False, present=False)
        return await record_case(tx, ctx, actor, "note", target, text), target


async def set_member_status(
    ctx: Community, actor: Member, target_ref: str, active: bool, reason: str | None = None
) -> Member:
    """Active or inactive (no exclusion: inactive members just get no pings or nudges)."""
    async with ctx.db.transaction() as tx:
        target = await _target(tx, ctx, actor, target_ref, not_self=False, present=False)
        await members_repo.update_fields(tx, target.id, active=1 if active else 0)
        word = "active" if active else "inactive"
        await record_case(tx, ctx, actor, "status", target, f"{word} — {reason}" if reason else word)
        updated = await members_repo.by_id(tx, target.id)
    assert updated is not None
    return updated


MAX_REPORTS_PER_DAY = 10
DAY = 86400


async def report_message(
    ctx: Community, reporter: Member, message: str, author_ref: str | None,
) -> tuple[int, Member | None]:
    """A member flags a message to the animators: a link and who reported it in `animators`, a case in
    the audit log. Only the link is kept, never the message's words (the bot does not read them)."""
    message = " ".join(message.split())
    if not message:
        raise invalid("common.detail.missing_option", option="message")
    async with ctx.db.transaction() as tx:
        author = await resolve_member(tx, ctx, author_ref) if author_ref else None
        if author is not None and author.id == reporter.id:
            raise conflict("moderation.detail.not_yourself")
        await limits.take(tx, ctx, reporter.id, "report", MAX_REPORTS_PER_DAY, DAY)
        case_id = await record_case(tx, ctx, reporter, "report", author, message)
        loc = ctx.locale
        key = "moderation.report_post" if author is not None else "moderation.report_post_unknown"
        await post(tx, ctx, ctx.config.channels.animators, "report",
                   ctx.t(loc, key, case_id=case_id, reporter=neutralize(reporter.handle),
                         author=neutralize(author.handle) if author else "", message=neutralize(message)),
                   about=[reporter.id, author.id if author else None])
    return case_id, author


def _view(ctx: Community, case: Case, locale: str | None = None) -> CaseView:
    """A member erased since is « un·e ancien·ne membre » (`common.former_member`), never the tombstone."""
    former = ctx.t(locale, "common.former_member")
    return CaseView(
        case_id=case.id, action=case.action, by=former if case.actor_erased else case.actor_handle,
        target=former if case.target_erased else case.target_handle,
        by_ref=former if case.actor_erased else case.actor_platform_id,
        reason=case.reason, at=ctx.local(from_epoch(case.at)),
        until=ctx.local(from_epoch(case.until_at)) if case.until_at is not None else None,
    )


async def case_history(ctx: Community, target_ref: str, locale: str | None = None) -> tuple[Member, list[CaseView]]:
    """Every case about one member, oldest first (read-only: needs no case of its own)."""
    reader = ctx.db.reader
    target = await resolve_member(reader, ctx, target_ref)
    cases = await moderation_repo.cases_about(reader, ctx.guild_id, target.id)
    return target, [_view(ctx, case, locale) for case in cases]


async def export_audit_log(ctx: Community) -> list[dict[str, Any]]:
    """The whole audit log still kept, oldest first, for `entraide export`."""
    cases = await moderation_repo.all_cases(ctx.db.reader, ctx.guild_id)
    return [_view(ctx, case).as_export() for case in cases]

