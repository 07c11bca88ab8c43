"""Engagement: the weekly digest that makes the community's week visible, and gentle weekly nudges.

The digest is one post in the general channel, in the community's language; it is skipped when
there is nothing to say. Nudges reach one person at a time, rarely: at most one DM per member per
ISO week (the `nudge` table's UNIQUE(member_id, week)), only to present, active members who keep
nudges on, never while animators paused them, and not to someone the daily check-in job wrote to
in the last six days (as a newcomer or as a godparent). Each nudge says the first thing that applies:
a request they could help with, a godchild gone quiet, a profile to confirm, a gentle hello.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from json.encoder import encode_basestring  # a str as a JSON string: the C encoder, no dispatch

import aiosqlite

from bot.clock import from_epoch, to_epoch
from bot.context import Community
from bot.mentions import mention, neutralize
from bot.outbox import Component, post
from bot.scheduler import Job, cron, iso_week, period_week
from bot.services.moderation import record_case
from bot.services.nudge_routing import route_request_nudges
from storage import engagement as engagement_repo
from storage import jobs as jobs_repo
from storage import outbox as outbox_repo
from storage.engagement import NudgeRules, NudgeTarget
from storage.members import Member

log = logging.getLogger(__name__)

DAY = 86400
WEEK = 7 * DAY
PAUSED_SETTING = "nudges.paused"

DIGEST_NEWCOMERS = 20       # mentioned by name; beyond that, "and N more"
DIGEST_REQUESTS = 5
DIGEST_THANKED = 5
DIGEST_REMINDERS = 5
DIGEST_TITLE_MAX = 80

PING_MEMORY = DAY           # a request someone was pinged for this recently is not nudged again
GODCHILD_QUIET_DAYS = 14    # a newcomer silent this long deserves a word from their godparent
GODCHILD_REPEAT_DAYS = 28   # not twice about the same godchild within this
HELLO_MAX_UNANSWERED = 2    # never a third hello in a row without an answer
CHECKIN_QUIET_DAYS = 6      # a member sent a check-in DM (newcomer or godparent) this recently gets no nudge


# Weekly digest ------------------------------------------------------------------------------------


def _short(text: str, limit: int = DIGEST_TITLE_MAX) -> str:
    text = " ".join(text.split())
    return neutralize(text if len(text) <= limit else text[: limit - 1] + "…")


async def compose_digest(
    conn: aiosqlite.Connection, ctx: Community, fire_time: datetime
) -> tuple[str, list[str], list[int | None]] | None:
    """The digest's text, the members it pings and the ids of those whose name or words it carries
    (requesters, thanked members, reminder authors, the winner), or None when the week has nothing to show."""
    loc = ctx.locale
    until = to_epoch(fire_time)
    since = until - WEEK
    sections: list[str] = []
    mentions: list[str] = []
    about: list[int | None] = []

    newcomers, newcomer_total = await engagement_repo.newcomers_between(
        conn, ctx.guild_id, since, until, DIGEST_NEWCOMERS
    )
    if newcomers:
        names = [mention(pid) for pid in newcomers]
        if newcomer_total > len(newcomers):
            names.append(ctx.t(loc, "engagement.digest.more_people", count=newcomer_total - len(newcomers)))
        sections.append(ctx.t(loc, "engagement.digest.newcomers", count=newcomer_total,
                              names=ctx.i18n.join(loc, names)))
        mentions.extend(newcomers)

    requests, open_total = await engagement_repo.open_requests(conn, ctx.guild_id, DIGEST_REQUESTS)
    if requests:
        lines = [ctx.t(loc, "engagement.digest.requests_title", count=open_total)]
        for request in requests:
            about.append(request.requester_id)
            key = "engagement.digest.request_urgent" if request.urgent else "engagement.digest.request_line"
            lines.append(ctx.t(loc, key, id=request.id, title=_short(request.title),
                               skills=neutralize(request.skills) or "—",
                               since=ctx.i18n.date(loc, from_epoch(request.created_at))))
        if open_total > len(requests):
            lines.append(ctx.t(loc, "engagement.digest.more_requests", count=open_total - len(requests)))
        sections.append("\n".join(lines))

    thanked, thanks_total = await engagement_repo.thanks_between(conn, ctx.guild_id, since, until, DIGEST_THANKED)
    if thanks_total:
        names = [ctx.t(loc, "engagement.digest.thanked_name", name=neutralize(handle), count=count)
                 if count > 1 else neutralize(handle) for handle, count, _member_id in thanked]
        about += [member_id for _handle, _count, member_id in thanked]
        sections.append(ctx.t(loc, "engagement.digest.thanks", count=thanks_total,
                              names=ctx.i18n.join(loc, names)))

    upcoming = await engagement_repo.reminders_between(conn, ctx.guild_id, until, until + WEEK, DIGEST_REMINDERS)
    if upcoming:
        lines = [ctx.t(loc, "engagement.digest.reminders_title")]
        lines += [ctx.t(loc, "engagement.digest.reminder_line", when=ctx.i18n.datetime(loc, from_epoch(at)),
                        text=_short(text)) for at, text, _author in upcoming]
        about += [author for _at, _text, author in upcoming]
        sections.append("\n".join(lines))

    from bot.services.events import upcoming_lines

    events = await upcoming_lines(conn, ctx, loc)
    if events:
        sections.append("\n".join([ctx.t(loc, "events.digest_title"), *events]))

    poll_line = await _poll_section(conn, ctx, since)
    if poll_line:
        sections.append(poll_line)
        poll = await engagement_repo.latest_poll(conn, ctx.guild_id)
        about.append(poll.winner_id if poll else None)

    if not sections:
        return None
    header = ctx.t(loc, "engagement.digest.title", community=neutralize(ctx.config.community.name))
    return "\n\n".join([header, *sections]), mentions, about


async def _poll_section(conn: aiosqlite.Connection, ctx: Community, since: int) -> str | None:
    """Where the member-of-the-month poll stands: nominations, vote, or last week's winner."""
    poll = await engagement_repo.latest_poll(conn, ctx.guild_id)
    loc = ctx.locale
    if poll is None:
        return None
    if poll.status == "nominating":
        return ctx.t(loc, "engagement.digest.poll_nominating", count=poll.nominees)
    if poll.status == "open":
        closes = ctx.i18n.date(loc, from_epoch(poll.closes_at)) if poll.closes_at else "—"
        return ctx.t(loc, "engagement.digest.poll_open", count=poll.nominees, closes=closes)
    if poll.closed_at is not None and poll.closed_at >= since and poll.winner_handle:
        return ctx.t(loc, "engagement.digest.poll_winner", winner=neutralize(poll.winner_handle))
    return None


async def post_weekly_digest(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
    """Job body: one post in general, or nothing when the week was empty."""
    composed = await compose_digest(tx, ctx, fire_time)
    week = iso_week(fire_time.astimezone(ctx.tz))
    if composed is None:
        log.info("weekly digest %s skipped: nothing to say", week)
        return
    text, mentions, about = composed
    await post(tx, ctx, ctx.config.channels.general, "weekly-digest", text, mentions=mentions,
               key=f"weekly-digest:{week}", about=about)


# Weekly nudges ------------------------------------------------------------------------------------


async def nudges_paused(conn: aiosqlite.Connection, ctx: Community) -> bool:
    return await jobs_repo.get_setting(conn, ctx.guild_id, PAUSED_SETTING) == "1"


async def set_nudges_paused(ctx: Community, actor: Member, paused: bool) -> bool:
    """Animators pause or resume every automatic nudge; audited like every animator action."""
    async with ctx.db.transaction() as tx:
        await jobs_repo.set_setting(tx, ctx.guild_id, PAUSED_SETTING, "1" if paused else "0")
        await record_case(tx, ctx, actor, "nudges", None, "paused" if paused else "resumed")
    return paused


async def turn_nudges_off(ctx: Community, member: Member) -> bool:
    """The `nudges:off` button: no more nudges for this member, at once. True when it changed."""
    async with ctx.db.transaction() as tx:
        return await engagement_repo.set_member_nudges(tx, member.id, False)


def off_button(ctx: Community, locale: str) -> Component:
    return Component("nudges:off", ctx.t(locale, "engagement.nudge.off_button"), style="secondary")


_json_text = json.JSONEncoder(ensure_ascii=False).encode  # one string: the C encoder's fast path

# Stands for the member's name while a message frame is built (a private-use pair no catalogue has;
# NudgeWords._frame checks that it ends up only where the name goes).
_NAME_SLOT = "\ue000\ue001"
_NAME_PROBE = 'P@"\\\n'  # a name with everything JSON or neutralize would change, to check a frame


def _name_json(handle: str) -> str:
    """A member's name as it sits inside a JSON string of a payload (neutralized, encoded, no quotes)."""
    return encode_basestring(neutralize(handle))[1:-1]


def _buttons_json(components: list[Component], cache: dict[tuple[Component, ...], str]) -> str:
    key = tuple(components)
    if key not in cache:
        cache[key] = json.dumps([c.as_dict() for c in components], ensure_ascii=False)
    return cache[key]


def nudge_reason(target: NudgeTarget) -> tuple[str, int | None] | None:
    """The first rule that applies to a member and its subject, if any: request, godchild, profile, hello."""
    if target.request_id is not None:
        return "request", target.request_id
    if target.godchild_id is not None:
        return "godchild", target.godchild_id
    if target.stale_since is not None:
        return "profile", None
    if target.hello:
        return "hello", None
    return None


_SHARED_DATES: dict[tuple[str, str, str, int], str] = {}  # see NudgeWords.date
_SHARED_SLOTS: dict[tuple[str, str, str], int] = {}  # name slots of a checked frame: see NudgeWords._frame


class NudgeWords:
    """Nudge rows for many members: per-locale pieces, dates and whole messages are built once.

    At 100,000 members a run writes about 75,000 DMs that differ, for a given locale and subject
    (the same request, the same day), only by the member's name: the JSON payload is built once per
    such frame, split where the name goes, and each row just joins the pieces around the encoded
    name. A frame is checked against a full rendering before use; DMs to members who refuse them
    (a mention in a channel instead) are built in full.
    """

    def __init__(self, ctx: Community) -> None:
        self.ctx = ctx
        self._memo: dict[tuple[str, ...], str] = {}
        self._buttons: dict[str, Component] = {}
        self._buttons_json: dict[tuple[Component, ...], str] = {}
        self._locales: dict[str | None, str] = {}
        self._frames: dict[tuple[str, str, object], list[str] | None] = {}

    def _once(self, key: tuple[str, ...], make: Callable[[], str]) -> str:
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def locale(self, locale: str | None) -> str:
        if locale not in self._locales:
            self._locales[locale] = self.ctx.i18n.locale_or_default(locale)
        return self._locales[locale]

    def off_button(self, locale: str) -> Component:
        if locale not in self._buttons:
            self._buttons[locale] = off_button(self.ctx, locale)
        return self._buttons[locale]

    def claim_label(self, locale: str) -> str:
        return self._once(("claim", locale), lambda: self.ctx.t(locale, "engagement.nudge.claim_button"))

    def day(self, epoch: int) -> str:
        """The community-calendar day of an instant: the key under which its date is formatted."""
        return from_epoch(epoch).astimezone(self.ctx.tz).date().isoformat()

    def date(self, locale: str, epoch: int) -> str:
        """A day in words, shared by every community of a network with the same language, timezone and year
        (300 communities would otherwise each format the same few hundred days)."""
        ctx = self.ctx
        key = (locale, ctx.tz.key, self.day(epoch), ctx.local().year)
        words = _SHARED_DATES.get(key)
        if words is None:
            if len(_SHARED_DATES) > 20_000:
                _SHARED_DATES.clear()
            words = _SHARED_DATES[key] = ctx.i18n.date(locale, from_epoch(epoch))
        return words

    def text(self, locale: str, target: NudgeTarget, reason: str) -> str:
        ctx = self.ctx
        name = neutralize(target.handle)
        if reason == "request":
            body = ctx.t(locale, "engagement.nudge.request", name=name, title=_short(target.request_title or ""),
                         id=target.request_id)
        elif reason == "godchild":
            body = ctx.t(locale, "engagement.nudge.godchild_quiet", name=name,
                         godchild=neutralize(target.godchild_handle or ""))
        elif reason == "profile":
            body = ctx.t(locale, "engagement.nudge.profile", name=name,
                         since=self.date(locale, target.stale_since or 0))
        else:
            community = neutralize(ctx.config.community.name)
            body = ctx.t(locale, "engagement.nudge.hello", name=name, community=community)
        hint = self._once(("hint", locale), lambda: ctx.t(locale, "engagement.nudge.off_hint"))
        return body + "\n\n" + hint

    def components(self, locale: str, target: NudgeTarget, reason: str) -> list[Component]:
        if reason == "request":
            return [Component(f"request:claim:{target.request_id}", self.claim_label(locale)), self.off_button(locale)]
        return [self.off_button(locale)]

    def payload(self, locale: str, target: NudgeTarget, reason: str) -> str:
        """The outbox payload JSON in full, as send_dm would write it (closed DMs become a mention).

        Assembled from encoded pieces (the buttons once per request and locale): encoding a dict
        per nudge was a good part of a 100,000-member run.
        """
        ctx = self.ctx
        text = self.text(locale, target, reason)
        buttons = _buttons_json(self.components(locale, target, reason), self._buttons_json)
        if target.dms_closed:
            user = _json_text(target.platform_id)
            return (f'{{"text": {_json_text(mention(target.platform_id) + " " + text)}, "mentions": [{user}], '
                    f'"components": {buttons}, "for_user": {user}}}')
        channel = ctx.config.channels.help_requests if reason == "request" else ctx.config.channels.general
        return (f'{{"text": {_json_text(text)}, "mentions": [], "components": {buttons}, '
                f'"fallback": {{"channel": {_json_text(channel)}}}}}')

    def _frame(self, locale: str, target: NudgeTarget, reason: str) -> list[str] | None:
        """The payload split where the name goes, or None when it cannot be trusted (rows built in full).

        The first frame of a locale and rule is checked against a full rendering for a probe name (the
        catalogue text takes the name as is); the others only need as many name slots (so no title,
        godchild or date text happened to contain the slot).
        """
        parts = self.payload(locale, target._replace(handle=_NAME_SLOT), reason).split(_NAME_SLOT)
        # The check is about the catalogue (does its text take the name as is?): shared by the communities
        # of a network that speak the same language and are named alike in it.
        shape = (locale, reason, neutralize(self.ctx.config.community.name) if reason == "hello" else "")
        if shape not in _SHARED_SLOTS:
            probe = target._replace(handle=_NAME_PROBE)
            if _name_json(_NAME_PROBE).join(parts) != self.payload(locale, probe, reason):
                return None
            if len(_SHARED_SLOTS) > 10_000:
                _SHARED_SLOTS.clear()
            _SHARED_SLOTS[shape] = len(parts)
        return parts if len(parts) == _SHARED_SLOTS[shape] else None

    def outbox_rows(self, chosen: list[tuple[NudgeTarget, str, int | None]], week: str, now: int) -> list[tuple]:
        """One paced DM per (member, reason, subject), in order, as storage/outbox.enqueue_many takes them:
        a DM from the frame of its locale, rule and subject (a frame failing its check, and closed DMs,
        which become a mention in a channel, are built in full). One loop, little work per row."""
        ctx, frames, locales = self.ctx, self._frames, self._locales
        guild, key_prefix = ctx.guild_id, ctx.key(f"nudge:{week}:")
        rows: list[tuple] = []
        append = rows.append
        for target, reason, subject in chosen:
            key = f"{key_prefix}{target.member_id}"
            locale = locales.get(target.locale) or self.locale(target.locale)
            if target.dms_closed:
                channel = ctx.config.channels.help_requests if reason == "request" else ctx.config.channels.general
                append((guild, "nudge", "send", f"channel:{channel}", self.payload(locale, target, reason), 1, now,
                        key, now))
                continue
            frame_key = (locale, reason, self.day(target.stale_since or 0) if reason == "profile" else subject)
            parts = frames.get(frame_key)
            if parts is None and frame_key not in frames:
                parts = frames[frame_key] = self._frame(locale, target, reason)
            if parts is None:
                payload = self.payload(locale, target, reason)
            else:
                payload = _name_json(target.handle).join(parts)
            append((guild, "nudge", "send", f"dm:{target.platform_id}", payload, 1, now, key, now))
        return rows


def nudge_rules(ctx: Community, fire_time: datetime, week: str) -> NudgeRules:
    """The configured thresholds as instants for this run."""
    cfg = ctx.config.nudges
    at = to_epoch(fire_time)
    checkin_days = ctx.config.onboarding.checkin_days
    return NudgeRules(
        week=week, checkin_since=at - CHECKIN_QUIET_DAYS * DAY, pinged_since=at - PING_MEMORY,
        godchild_quiet_before=at - GODCHILD_QUIET_DAYS * DAY, newcomer_since=at - max([*checkin_days, 1]) * DAY,
        godchild_repeat_since=at - GODCHILD_REPEAT_DAYS * DAY, stale_before=at - cfg.profile_stale_days * DAY,
        quiet_before=at - cfg.quiet_weeks_before_hello * WEEK,
        # a day of slack: a hello due "every 8 weeks" comes on the 8th weekly run, even after a late catch-up
        last_hello_before=at - cfg.hello_every_weeks * WEEK + DAY, max_unanswered=HELLO_MAX_UNANSWERED,
    )


async def choose_nudges(
    conn: aiosqlite.Connection, ctx: Community, fire_time: datetime, week: str
) -> list[tuple[NudgeTarget, str, int | None]]:
    """The nudges of the week: choose_by_rules, then request nudges only as routing would send them
    (bot/services/nudge_routing.py: language, fatigue, a cap per request)."""
    return await route_request_nudges(conn, ctx, await choose_by_rules(conn, ctx, fire_time, week),
                                      to_epoch(fire_time))


async def choose_by_rules(
    conn: aiosqlite.Connection, ctx: Community, fire_time: datetime, week: str
) -> list[tuple[NudgeTarget, str, int | None]]:
    """(member, reason, subject) for each eligible member some rule applies to, by member id."""
    targets = await engagement_repo.nudge_targets(conn, ctx.guild_id, nudge_rules(ctx, fire_time, week))
    targets.sort()  # by member id: the order the DMs go out in
    chosen = []
    for target in targets:
        found = nudge_reason(target)
        if found is not None:
            chosen.append((target, *found))
    return chosen


async def send_weekly_nudges(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
    """Job body: at most one paced DM per eligible member, written with a few set-based statements."""
    if not ctx.config.nudges.enabled or await nudges_paused(tx, ctx):
        log.info("weekly nudges skipped: %s", "disabled" if not ctx.config.nudges.enabled else "paused")
        return
    week = iso_week(fire_time.astimezone(ctx.tz))
    chosen = await choose_nudges(tx, ctx, fire_time, week)
    if not chosen:
        return
    now = ctx.now_ts()
    outbox_rows = NudgeWords(ctx).outbox_rows(chosen, week, now)
    nudge_rows = [(target.member_id, week, reason, subject, now) for target, reason, subject in chosen]
    await outbox_repo.enqueue_many(tx, outbox_rows)
    await engagement_repo.record_nudges(tx, nudge_rows)
    log.info("weekly nudges %s: %d sent", week, len(nudge_rows))


def jobs(ctx: Community) -> list[Job]:
    schedule = ctx.config.schedule
    tz = ctx.config.community.timezone
    digest_hour, digest_minute = (int(x) for x in schedule.weekly_digest_time.split(":"))
    nudge_hour, nudge_minute = (int(x) for x in schedule.weekly_nudges_time.split(":"))
    return [
        Job(name="weekly-digest", period=period_week, body=post_weekly_digest,
            trigger=cron(tz, day_of_week=schedule.weekly_digest_day, hour=digest_hour, minute=digest_minute)),
        Job(name="weekly-nudges", period=period_week, body=send_weekly_nudges,
            trigger=cron(tz, day_of_week=schedule.weekly_nudges_day, hour=nudge_hour, minute=nudge_minute)),
    ]

