"""Engagement: gentle weekly nudges, and the two weekly jobs (this one and the digest).

Nudges reach one person at a time, rarely: at most one DM per member per ISO week (the `nudge`
table's UNIQUE(member_id, week)), only to present, active members who keep nudges on, never while
animators paused them, and not to someone the daily check-in job wrote to in the last six days (as a
newcomer or as a godparent). Each nudge says the first thing that applies: a request they could help
with, a godchild gone quiet, a profile to confirm, a gentle hello. What each DM says is
bot/services/nudge_words.py; the weekly digest is bot/services/digest.py.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from functools import partial

import aiosqlite

from bot.clock import to_epoch
from bot.context import Community
from bot.jobs import Job, JobBody, cron, iso_week, period_week
from bot.services.digest import post_weekly_digest, prepare_weekly_digest
from bot.services.moderation import record_case
from bot.services.nudge_routing import route_request_nudges
from bot.services.nudge_words import NudgeWords
from storage import engagement as engagement_repo
from storage import jobs as jobs_repo
from storage import outbox as outbox_repo
from storage.engagement import NudgeRules, NudgeTarget
from storage.members import Member

log = logging.getLogger(__name__)

DAY = 86400
WEEK = 7 * DAY
PAUSED_SETTING = "nudges.paused"

PING_MEMORY = DAY           # a request someone was pinged for this recently is not nudged again
GODCHILD_QUIET_DAYS = 14    # a newcomer silent this long deserves a word from their godparent
GODCHILD_REPEAT_DAYS = 28   # not twice about the same godchild within this
HELLO_MAX_UNANSWERED = 2    # never a third hello in a row without an answer
CHECKIN_QUIET_DAYS = 6      # a member sent a check-in DM (newcomer or godparent) this recently gets no nudge


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
    conn: aiosqlite.Connection, ctx: Community, fire_time: datetime, week: str,
    targets: list[NudgeTarget] | None = None,
) -> list[tuple[NudgeTarget, str, int | None]]:
    """The nudges of the week: choose_by_rules, then request nudges only as routing would send them
    (bot/services/nudge_routing.py: language, fatigue, a cap per request)."""
    return await route_request_nudges(conn, ctx, await choose_by_rules(conn, ctx, fire_time, week, targets),
                                      to_epoch(fire_time))


async def choose_by_rules(
    conn: aiosqlite.Connection, ctx: Community, fire_time: datetime, week: str,
    targets: list[NudgeTarget] | None = None,
) -> list[tuple[NudgeTarget, str, int | None]]:
    """(member, reason, subject) for each eligible member some rule applies to, by member id; `targets`:
    the community's eligible members read already (prepare_weekly_nudges)."""
    if targets is None:
        targets = await engagement_repo.nudge_targets(conn, ctx.guild_id, nudge_rules(ctx, fire_time, week))
    targets = sorted(targets)  # by member id: the order the DMs go out in
    chosen = []
    for target in targets:
        found = nudge_reason(target)
        if found is not None:
            chosen.append((target, *found))
    return chosen


async def send_weekly_nudges(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime,
                             targets: list[NudgeTarget] | None = None) -> None:
    """Job body: at most one paced DM per eligible member, written with a few set-based statements;
    `targets`: what prepare_weekly_nudges read for this community in this transaction."""
    if not ctx.config.nudges.enabled or await nudges_paused(tx, ctx):
        log.info("weekly nudges skipped: %s", "disabled" if not ctx.config.nudges.enabled else "paused")
        return
    week = iso_week(fire_time.astimezone(ctx.tz))
    chosen = await choose_nudges(tx, ctx, fire_time, week, targets)
    if not chosen:
        return
    now = ctx.now_ts()
    outbox_rows = NudgeWords(ctx).outbox_rows(chosen, week, now)
    nudge_rows = [(target.member_id, week, reason, subject, now) for target, reason, subject in chosen]
    await outbox_repo.enqueue_many(tx, outbox_rows)
    await engagement_repo.record_nudges(tx, nudge_rows)
    log.info("weekly nudges %s: %d sent", week, len(nudge_rows))


async def prepare_weekly_nudges(tx: aiosqlite.Connection, contexts: Sequence[Community], fire_time: datetime
                                ) -> list[JobBody | None]:
    """The eligible members of a network's batch read in one statement per set of alike rules (one per
    community cost ~4 ms for 333 members, each on its own page): each community's body then does what
    send_weekly_nudges does with what was read for it, in the transaction that read it (the batch's bodies
    write only their own members' nudges, which no other community's rules read)."""
    groups: dict[NudgeRules, list[Community]] = {}
    for ctx in contexts:
        if ctx.config.nudges.enabled:
            rules = nudge_rules(ctx, fire_time, iso_week(fire_time.astimezone(ctx.tz)))
            groups.setdefault(rules, []).append(ctx)
    found: dict[int, list[NudgeTarget]] = {}
    for rules, alike in groups.items():
        read = await engagement_repo.nudge_targets_of(tx, [ctx.guild_id for ctx in alike], rules)
        for ctx in alike:
            found[id(ctx)] = read.get(ctx.guild_id, [])
    return [partial(send_weekly_nudges, targets=found[id(ctx)]) if id(ctx) in found else None
            for ctx in contexts]


def jobs(ctx: Community) -> list[Job]:
    schedule = ctx.config.schedule
    tz = ctx.config.community.timezone
    digest_hour, digest_minute = (int(x) for x in schedule.weekly_digest_time.split(":"))
    nudge_hour, nudge_minute = (int(x) for x in schedule.weekly_nudges_time.split(":"))
    return [
        Job(name="weekly-digest", period=period_week, body=post_weekly_digest, shared_transaction=True,
            prepare=prepare_weekly_digest,
            trigger=cron(tz, day_of_week=schedule.weekly_digest_day, hour=digest_hour, minute=digest_minute)),
        Job(name="weekly-nudges", period=period_week, body=send_weekly_nudges, shared_transaction=True,
            prepare=prepare_weekly_nudges,
            trigger=cron(tz, day_of_week=schedule.weekly_nudges_day, hour=nudge_hour, minute=nudge_minute)),
    ]

