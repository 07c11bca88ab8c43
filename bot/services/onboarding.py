"""Onboarding: the charter before anything, a godparent for each newcomer, check-ins, goodbyes.

- Join: a DM with the charter and its button; no member role until it is accepted.
- Charter accepted: the role, the public welcome, an invitation to fill the profile, a godparent
  (or the animators are told nobody is free, and the newcomer waits in a queue served daily and
  after each `profile set`).
- Daily job `newcomer-checkins`: check-ins at the configured offsets (each once per member, ever),
  godchildren of godparents who left, were marked inactive or went quiet handed to someone else,
  and the waiting queue served.
- Leave: a farewell post, godchildren handed on, the leaver's requests settled (requests service).

A godparent relationship is "current" for as long as the check-ins last (the largest offset,
180 days by default): only current godchildren count against a godparent's cap and are handed on.

This module holds the charter, arrivals, departures and the daily job; the godparents have their own
(bot/services/godparents.py: assignment and the queue; godparent_pool.py: who may take a newcomer;
godparent_handovers.py: godchildren handed on), and so do the check-ins (bot/services/checkins.py).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import aiosqlite

from bot.context import Community
from bot.errors import conflict
from bot.files import decode_office_text
from bot.jobs import Job, cron, period_day
from bot.live import shown_name
from bot.mentions import clean_display_name, mention, neutralize
from bot.outbox import Component, change_role, post, send_dm
from bot.services.checkins import send_checkins
from bot.services.godparent_handovers import _hand_over, hand_over_orphaned_godchildren
from bot.services.godparent_pool import GodparentPool, godchild_window_start
from bot.services.godparents import _has_current_godparent, _serve_waiting, assign_godparent
from bot.services.members import ensure_member, is_animator, member_locale
from storage import adoption as adoption_repo
from storage import members as members_repo
from storage import onboarding as onboarding_repo
from storage.members import Member

# The charter ------------------------------------------------------------------------------------

def charter_text(ctx: Community, locale: str) -> str:
    """The charter from the config (text or file), else the catalogue's default."""
    cfg = ctx.config.community
    if cfg.charter_file:
        path = Path(cfg.charter_file)
        localized = path.with_name(f"{path.stem}.{locale}{path.suffix}")
        for candidate in (localized, path):
            if candidate.is_file():  # check-config refuses a charter not in UTF-8; never crash a join on one
                return decode_office_text(candidate.read_bytes()).text.strip()
    if cfg.charter:
        return cfg.charter.strip()
    return ctx.t(locale, "onboarding.charter_default")


def accept_button(ctx: Community, locale: str) -> Component:
    return Component("charter:accept", ctx.t(locale, "onboarding.accept_button"))


# Join, charter, leave ---------------------------------------------------------------------------

async def member_joined(ctx: Community, platform_id: str, handle: str, locale: str | None) -> Member:
    """A DM with the charter and its button (a mention in the welcome channel if DMs are closed)."""
    now = ctx.now_ts()
    handle = clean_display_name(handle, platform_id)  # echoed in public posts: never U+202E nor NUL
    async with ctx.db.transaction() as tx:
        existing = await members_repo.by_platform_id(tx, ctx.guild_id, platform_id)
        had_left = existing is not None and existing.left_at is not None
        returning = had_left and existing is not None and not existing.erased
        member = await ensure_member(tx, ctx, platform_id, handle, locale)
        await adoption_repo.forget_adoption(tx, member.id)  # joining under the bot's eyes: a newcomer again
        await onboarding_repo.mark_joined(tx, member.id, handle, locale, now, returning=had_left)
        member = await members_repo.by_id(tx, member.id)
        assert member is not None
        loc = member_locale(ctx, member)
        key = "onboarding.welcome_back_dm" if returning else "onboarding.welcome_dm"
        text = ctx.t(loc, key, name=neutralize(member.handle), community=ctx.config.community.name,
                     charter=charter_text(ctx, loc))
        await send_dm(tx, ctx, member, "welcome", text, components=[accept_button(ctx, loc)],
                      fallback_channel=ctx.config.channels.welcome, urgent=True)  # they just joined
    ctx.live.publish("join", now, who=shown_name(member))
    return member


async def accept_charter(ctx: Community, member: Member, *, animator: bool = False,
                         joined_before: int | None = None) -> Member:
    """The member role, the public welcome, the profile invitation and a godparent, in one transaction.

    An animator (`animator`, or an animator role the bot knows) is never given a godparent; a member
    adopted with the server (`setup adopt charter:send`) only gets the role, and so does one the platform
    says was on the server before the bot (`joined_before`) who accepts before any `setup adopt`."""
    async with ctx.db.transaction() as tx:
        current = await members_repo.by_id(tx, member.id)
        assert current is not None
        if current.charter_accepted_at is not None:
            raise conflict("onboarding.already_accepted")
        now = ctx.now_ts()
        adopted = await adoption_repo.is_adopted(tx, member.id)
        if not adopted and joined_before is not None and not await onboarding_repo.seen_joining(tx, member.id):
            await adoption_repo.adopt_one(tx, member.id, min(joined_before, now), now)
            current = await members_repo.by_id(tx, member.id)
            assert current is not None
            adopted = True
        # On the server before the bot: not a newcomer, their tenure counts from when they joined.
        await onboarding_repo.accept_charter(tx, member.id, min(current.joined_at, now) if adopted else now)
        role = ctx.config.roles.member
        await members_repo.add_role(tx, member.id, role)
        await change_role(tx, ctx, current, role, add=True)
        if adopted:
            updated = await members_repo.by_id(tx, member.id)
            assert updated is not None
            return updated
        returning = await onboarding_repo.join_count(tx, member.id) > 1
        loc = ctx.locale
        key = "onboarding.public_welcome_back" if returning else "onboarding.public_welcome"
        await post(tx, ctx, ctx.config.channels.welcome, "welcome",
                   ctx.t(loc, key, who=mention(current.platform_id), community=ctx.config.community.name),
                   mentions=[current.platform_id])
        mloc = member_locale(ctx, current)
        await send_dm(tx, ctx, current, "welcome",
                      ctx.t(mloc, "onboarding.profile_back" if returning else "onboarding.fill_profile"),
                      fallback_channel=ctx.config.channels.welcome, urgent=True)  # they just accepted
        from bot.services import events

        await events.invite_newcomer(tx, ctx, current)
        updated = await members_repo.by_id(tx, member.id)
        assert updated is not None
        if not (animator or await _animates(tx, ctx, updated) or await _has_current_godparent(tx, ctx, updated)):
            await assign_godparent(tx, ctx, updated)
            updated = await members_repo.by_id(tx, member.id)
    assert updated is not None
    return updated


async def _animates(tx: aiosqlite.Connection, ctx: Community, member: Member) -> bool:
    """Members with an animator role are never given a godparent."""
    return is_animator(ctx, await members_repo.roles(tx, member.id))


async def member_left(ctx: Community, platform_id: str) -> None:
    """Say goodbye, hand the leaver's godchildren on, settle their requests; all in one transaction."""
    from bot.services import requests

    async with ctx.db.transaction() as tx:
        member = await members_repo.by_platform_id(tx, ctx.guild_id, platform_id)
        if member is None or member.left_at is not None:
            return
        was_member = member.charter_accepted_at is not None
        await onboarding_repo.mark_left(tx, member.id, ctx.now_ts())
        left = await members_repo.by_id(tx, member.id)
        assert left is not None
        if ctx.config.onboarding.farewell and was_member and not left.erased:
            loc = ctx.locale
            await post(tx, ctx, ctx.config.channels.welcome, "farewell",
                       ctx.t(loc, "onboarding.farewell", name=neutralize(left.handle),
                             community=ctx.config.community.name), about=[left.id])
        for child_id in await onboarding_repo.current_godchildren(tx, left.id, godchild_window_start(ctx)):
            await _hand_over(tx, ctx, child_id, left, paced=False)
        if left.godparent_id is not None:
            await _serve_waiting(tx, ctx, paced=False)  # their godparent may have just freed up
        await requests.on_member_left(tx, ctx, left)


# The daily job ----------------------------------------------------------------------------------

async def daily_onboarding(tx: aiosqlite.Connection, ctx: Community, fire_time: datetime) -> None:
    """Check-ins, then godchildren of absent godparents handed on, then the waiting queue served."""
    await send_checkins(tx, ctx, fire_time)
    pool = GodparentPool(ctx)  # loaded on its first use, shared by the hand-overs and the queue
    await hand_over_orphaned_godchildren(tx, ctx, paced=True, pool=pool)
    await _serve_waiting(tx, ctx, paced=True, pool=pool)


def jobs(ctx: Community) -> list[Job]:
    hour, minute = (int(part) for part in ctx.config.schedule.daily_time.split(":"))
    return [Job("newcomer-checkins", cron(ctx.config.community.timezone, hour=hour, minute=minute),
                period_day, daily_onboarding, shared_transaction=True)]
