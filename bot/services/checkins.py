"""Check-ins: the messages newcomers and their godparents get at the configured offsets after the
charter (each once per member, ever; one a day at most per godparent), with the stop button."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import aiosqlite

from bot.clock import to_epoch
from bot.context import Community
from bot.mentions import mention, neutralize
from bot.outbox import Component
from bot.services.members import member_locale
from storage import members as members_repo
from storage import onboarding as onboarding_repo
from storage import outbox as outbox_repo
from storage.events import Event
from storage.members import Member

CHECKIN_CATCH_UP_DAYS = 6  # a check-in missed while the bot was down still goes out within this many days


# Check-ins --------------------------------------------------------------------------------------

def _local_midnight(ctx: Community, day: date) -> int:
    return to_epoch(datetime.combine(day, time(0), tzinfo=ctx.tz))


def duration_words(ctx: Community, locale: str, days: int) -> str:
    """"a week", "a month", "six months", else "N days"."""
    named = {7: "week", 30: "month", 180: "six_months", 365: "year"}
    if days in named:
        return ctx.t(locale, f"onboarding.duration.{named[days]}")
    return ctx.t(locale, "onboarding.duration.days", count=days)


def deepening_session(ctx: Community, locale: str) -> str:
    session = ctx.config.community.deepening_session.strip()
    return neutralize(session) if session else ctx.t(locale, "onboarding.session_default")


async def send_checkins(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> int:
    """At each offset (in community calendar days since the charter was accepted), one DM to the
    newcomer and one to their godparent; each offset is recorded once per member, ever.

    A godparent with several godchildren due the same day gets one DM naming them all (one
    unsolicited message, not one per godchild). Every row goes to the outbox in one executemany.
    """
    offsets = sorted(set(ctx.config.onboarding.checkin_days))
    if not offsets:
        return 0
    today = fire_time.astimezone(ctx.tz).date()
    final = offsets[-1]
    now = ctx.now_ts()
    # (member_id, offset) in sending order: offset by offset, each by acceptance
    due = await onboarding_repo.due_checkins(tx, ctx.guild_id, [
        (offset, _local_midnight(ctx, today - timedelta(days=offset + CHECKIN_CATCH_UP_DAYS)),
         _local_midnight(ctx, today - timedelta(days=offset - 1))) for offset in offsets])
    if not due:
        return 0
    await onboarding_repo.record_checkins(tx, [(member_id, offset, now) for member_id, offset in due])
    newcomers = await members_repo.many_by_id(tx, {member_id for member_id, _ in due})
    godparents = await members_repo.many_by_id(
        tx, {m.godparent_id for m in newcomers.values() if m.godparent_id is not None}
    )
    words = _CheckinWords(ctx, await _deepening_sessions(tx, ctx, [newcomers[m] for m, o in due if o == final]))
    # One slot per newcomer DM and per godparent (at their first godchild's place), in sending order.
    slots: list[tuple] = []
    by_godparent: dict[int, list[tuple[Member, int]]] = {}
    for member_id, offset in due:
        newcomer = newcomers[member_id]
        godparent = godparents.get(newcomer.godparent_id) if newcomer.godparent_id else None
        if godparent is not None and not (godparent.present and godparent.active and not godparent.erased):
            godparent = None
        if newcomer.active and newcomer.nudges:
            slots.append(("newcomer", newcomer, godparent, offset))
        if godparent is not None and godparent.nudges:
            if godparent.id not in by_godparent:
                by_godparent[godparent.id] = []
                slots.append(("godparent", godparent))
            by_godparent[godparent.id].append((newcomer, offset))
    rows: list[tuple] = []
    for slot in slots:
        if slot[0] == "newcomer":
            _, newcomer, godparent, offset = slot
            rows.append(words.newcomer_row(newcomer, godparent, offset, offset == final, now))
        else:
            godparent = slot[1]
            rows.append(words.godparent_row(godparent, by_godparent[godparent.id], final, today, now))
    await outbox_repo.enqueue_many(tx, rows)
    return len(rows)


async def _deepening_sessions(tx: aiosqlite.Connection, ctx: Community, members: list[Member]) -> dict[int, Event]:
    """The next deepening session (an event of kind `deepening` with room, in a language the member speaks)
    for each member reaching the last check-in: when one exists, the check-ins name it instead of the
    free-text `community.deepening_session` (issue 21: sessions replace it)."""
    from bot.services.event_outreach import next_session_for

    found: dict[int, Event] = {}
    for member in members:
        event = await next_session_for(tx, ctx, member, "deepening")
        if event is not None:
            found[member.id] = event
    return found


def _stop_button(ctx: Community, locale: str) -> Component:
    return Component("nudges:off", ctx.t(locale, "onboarding.nudges_off_button"), style="secondary")


def dm_row(
    ctx: Community, member: Member, kind: str, text: str, components: list[Component], fallback_channel: str,
    key: str | None, now: int,
) -> tuple:
    """A paced DM as storage/outbox.enqueue_many takes it, the very row send_dm would write (a member
    known to refuse DMs is mentioned in the fallback channel instead)."""
    buttons = [c.as_dict() for c in components]
    if member.dms_closed:
        target = f"channel:{fallback_channel}"
        payload: dict = {"text": f"{mention(member.platform_id)} {text}", "mentions": [member.platform_id]}
        if buttons:
            payload["components"] = buttons
        payload["for_user"] = member.platform_id
    else:
        target = f"dm:{member.platform_id}"
        payload = {"text": text, "mentions": []}
        if buttons:
            payload["components"] = buttons
        payload["fallback"] = {"channel": fallback_channel, "thread": None}
    return (ctx.guild_id, kind, "send", target, json.dumps(payload, ensure_ascii=False), 1, now,
            ctx.key(key) if key else key, now)


class _CheckinWords:
    """Check-in texts for a day's batch: per-locale pieces are formatted once."""

    def __init__(self, ctx: Community, deepening: dict[int, Event] | None = None) -> None:
        self.ctx = ctx
        self._memo: dict[tuple, object] = {}
        self.deepening = deepening or {}  # newcomer id → the deepening session their last check-in names

    def _once(self, key: tuple, make: Callable[[], object]) -> object:
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def when(self, locale: str, offset: int) -> str:
        return str(self._once(("when", locale, offset), lambda: duration_words(self.ctx, locale, offset)))

    def session(self, locale: str, newcomers: tuple[Member, ...] = (), *, hint: bool = False) -> str:
        """The deepening session to name: the next one planned for these newcomers (with how to sign up
        when `hint`, for the newcomer), else the free-text `community.deepening_session` or its default."""
        event = next((self.deepening[m.id] for m in newcomers if m.id in self.deepening), None)
        if event is None:
            return str(self._once(("session", locale), lambda: deepening_session(self.ctx, locale)))
        from bot.services.event_cards import when_words

        return self.ctx.t(locale, "onboarding.session_event" if hint else "onboarding.session_event_plain",
                          title=neutralize(event.title), when=when_words(self.ctx, locale, event), id=event.id)

    def stop(self, locale: str) -> Component:
        button = self._once(("stop", locale), lambda: _stop_button(self.ctx, locale))
        assert isinstance(button, Component)
        return button

    def newcomer_row(self, newcomer: Member, godparent: Member | None, offset: int, final: bool, now: int) -> tuple:
        ctx = self.ctx
        loc = member_locale(ctx, newcomer)
        when = self.when(loc, offset)
        if final:
            text = ctx.t(loc, "onboarding.checkin_final", when=when, session=self.session(loc, (newcomer,), hint=True),
                         community=ctx.config.community.name)
        elif godparent is not None:
            text = ctx.t(loc, "onboarding.checkin_newcomer", when=when, godparent=mention(godparent.platform_id))
        else:
            text = ctx.t(loc, "onboarding.checkin_newcomer_alone", when=when)
        return dm_row(ctx, newcomer, "checkin", text, [self.stop(loc)], ctx.config.channels.welcome,
                      f"checkin:{newcomer.id}:{offset}", now)

    def godparent_row(
        self, godparent: Member, godchildren: list[tuple[Member, int]], final: int, today: date, now: int,
    ) -> tuple:
        ctx = self.ctx
        loc = member_locale(ctx, godparent)
        if len(godchildren) == 1:
            newcomer, offset = godchildren[0]
            key = "onboarding.checkin_godparent_final" if offset == final else "onboarding.checkin_godparent"
            text = ctx.t(loc, key, newcomer=mention(newcomer.platform_id), when=self.when(loc, offset),
                         session=self.session(loc, (newcomer,)))
            return dm_row(ctx, godparent, "checkin", text, [self.stop(loc)], ctx.config.channels.welcome,
                          f"checkin-godparent:{newcomer.id}:{offset}", now)
        lines = [ctx.t(loc, "onboarding.checkin_godparent_many_final_line" if offset == final
                       else "onboarding.checkin_godparent_many_line",
                       newcomer=mention(newcomer.platform_id), when=self.when(loc, offset))
                 for newcomer, offset in godchildren]
        text = ctx.t(loc, "onboarding.checkin_godparent_many", count=len(godchildren), lines="\n".join(lines))
        if any(offset == final for _, offset in godchildren):
            finals = tuple(newcomer for newcomer, offset in godchildren if offset == final)
            text += "\n" + ctx.t(loc, "onboarding.checkin_godparent_many_session", session=self.session(loc, finals))
        return dm_row(ctx, godparent, "checkin", text, [self.stop(loc)], ctx.config.channels.welcome,
                      f"checkin-godparent-day:{godparent.id}:{today.isoformat()}", now)
