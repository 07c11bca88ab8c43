"""Moderation's text face: `mod warn`, `mod timeout`, `mod note`, `mod history`, `mod status` (animators)."""
from __future__ import annotations

from bot.commands.pages import page_reply, paged
from bot.commands.registry import Invocation, Option, Reply, command, ok
from bot.errors import invalid
from bot.mentions import neutralize, neutralize_inline
from bot.services import moderation
from bot.when_lexicon import WhenError, parse_duration

REASON_MAX = 500
HISTORY_LINES = 15


@command("mod warn", Option("member", "member", required=True), Option("reason", required=True, max_len=REASON_MAX),
         animator=True)
async def mod_warn(inv: Invocation) -> Reply:
    o = inv.options
    case_id, target = await moderation.warn_member(inv.ctx, inv.member, o["member"], o["reason"])
    return ok(inv.t("moderation.warned", member=neutralize(target.handle), case_id=case_id), {"case_id": case_id})


def duration_minutes(text: str) -> int:
    """`90m`, `2h`, `1d`, `1 semaine`, `2 jours` or plain minutes → whole minutes (rounded up)."""
    try:
        return -(-int(parse_duration(text).total_seconds()) // 60)
    except WhenError:
        raise invalid("time.error.bad_duration", when=neutralize(text[:40])) from None


@command("mod timeout", Option("member", "member", required=True), Option("minutes", required=True, max_len=40),
         Option("reason", max_len=REASON_MAX), animator=True)
async def mod_timeout(inv: Invocation) -> Reply:
    o = inv.options
    case_id, until, target = await moderation.timeout_member(
        inv.ctx, inv.member, o["member"], duration_minutes(o["minutes"]), o.get("reason") or None
    )
    text = inv.t("moderation.timed_out", member=neutralize(target.handle), case_id=case_id,
                 until=inv.ctx.i18n.datetime(inv.locale, until))
    return ok(text, {"case_id": case_id, "until": until.isoformat()})


@command("mod note", Option("member", "member", required=True), Option("text", required=True, max_len=REASON_MAX),
         animator=True)
async def mod_note(inv: Invocation) -> Reply:
    o = inv.options
    case_id, target = await moderation.add_note(inv.ctx, inv.member, o["member"], o["text"])
    return ok(inv.t("moderation.noted", member=neutralize(target.handle), case_id=case_id), {"case_id": case_id})


@command("mod history", Option("member", "member", required=True), animator=True)
async def mod_history(inv: Invocation) -> Reply:
    target, cases = await moderation.case_history(inv.ctx, inv.options["member"], inv.locale)
    who = neutralize(target.handle)
    if not cases:
        return ok(inv.t("moderation.history_empty", member=who), {"cases": []})
    newest_first = list(reversed(cases))  # recency matters: the newest cases come first, on page 1
    lines = []
    for case in newest_first:
        label, reason = moderation.action_words(inv.ctx, inv.locale, case.action, case.reason)
        lines.append(inv.t(
            "moderation.history_line", case_id=case.case_id, action=label,
            at=inv.ctx.i18n.datetime(inv.locale, case.at), by=neutralize(case.by or "—"),
            reason=neutralize_inline(reason) if reason else "—",
        ))
    page = paged(lines, inv.page, HISTORY_LINES)
    text = "\n".join([inv.t("moderation.history_title", member=who, count=len(cases)), *page.items])
    return page_reply(inv, "mod history", page, text, {"cases": [case.as_history() for case in cases]})


@command("mod status", Option("member", "member", required=True), Option("active", "bool", required=True),
         Option("reason", max_len=REASON_MAX), animator=True)
async def mod_status(inv: Invocation) -> Reply:
    o = inv.options
    member = await moderation.set_member_status(inv.ctx, inv.member, o["member"], o["active"], o.get("reason") or None)
    key = "moderation.now_active" if member.active else "moderation.now_inactive"
    return ok(inv.t(key, member=neutralize(member.handle)), {"member": member.platform_id, "active": member.active})


@command("report", Option("message", required=True, max_len=300), Option("member", "member", max_len=100))
async def report(inv: Invocation) -> Reply:
    """Any member may flag a message (on Discord: the "Report to animators" message menu)."""
    o = inv.options
    case_id, author = await moderation.report_message(inv.ctx, inv.member, o["message"], o.get("member"))
    return ok(inv.t("moderation.reported"), {"case_id": case_id, "member": author.platform_id if author else None})
