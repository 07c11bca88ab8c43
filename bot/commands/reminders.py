"""Reminders' text face: `remind add | list | remove` (animators); schedules read back in words."""
from __future__ import annotations

from bot.clock import from_epoch
from bot.commands.pages import page_reply, paged
from bot.commands.registry import Invocation, Option, Reply, command, ok
from bot.mentions import neutralize
from bot.services import reminders
from bot.services.reminders import MAX_TEXT, channel_in_words, local_iso, spec_in_words

LIST_PAGE = 10


def _when_text(inv: Invocation, epoch: int | None) -> str:
    return inv.ctx.i18n.datetime(inv.locale, from_epoch(epoch)) if epoch is not None else "—"


@command(
    "remind add",
    Option("when", required=True, max_len=100),
    Option("text", required=True, max_len=MAX_TEXT),
    Option("channel", max_len=100),
    animator=True,
)
async def remind_add(inv: Invocation) -> Reply:
    reminder = await reminders.add_reminder(
        inv.ctx, inv.member, inv.options["when"], inv.options["text"], inv.options.get("channel")
    )
    key = "reminders.added_recurring" if reminder.recurring else "reminders.added_once"
    text = inv.t(key, id=reminder.id, next=_when_text(inv, reminder.next_at),
                 rule=spec_in_words(inv.ctx, inv.locale, reminder),
                 channel=channel_in_words(reminder.channel or inv.ctx.config.channels.general))
    data = {"reminder_id": reminder.id, "next": local_iso(inv.ctx, reminder.next_at)}
    if reminder.recurring:
        data["rule"] = spec_in_words(inv.ctx, inv.locale, reminder)
    return ok(text, data)


@command("remind list", animator=True)
async def remind_list(inv: Invocation) -> Reply:
    scheduled = await reminders.list_reminders(inv.ctx)
    data = [{"reminder_id": r.id, "when": r.spec, "next": local_iso(inv.ctx, r.next_at), "text": r.text}
            | ({"rule": spec_in_words(inv.ctx, inv.locale, r)} if r.recurring else {}) for r in scheduled]
    if not scheduled:
        return ok(inv.t("reminders.list_empty"), {"reminders": []})
    lines = [inv.t("reminders.list_line" if r.recurring else "reminders.list_line_once", id=r.id,
                   next=_when_text(inv, r.next_at), when=neutralize(spec_in_words(inv.ctx, inv.locale, r)),
                   text=neutralize(r.text)) for r in scheduled]
    page = paged(lines, inv.page, LIST_PAGE)
    text = inv.t("reminders.list_title", count=len(scheduled)) + "\n" + "\n".join(page.items)
    return page_reply(inv, "remind list", page, text, {"reminders": data})


@command("remind remove", Option("id", kind="int", required=True), animator=True)
async def remind_remove(inv: Invocation) -> Reply:
    reminder_id = inv.options["id"]
    await reminders.remove_reminder(inv.ctx, inv.member, reminder_id)
    return ok(inv.t("reminders.removed", id=reminder_id), {"reminder_id": reminder_id})
