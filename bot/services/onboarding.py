"""Onboarding: welcome on join, the charter, the member role and the public welcome.

(Godparents, check-ins, farewell and handover come with the onboarding issue.)
"""
from __future__ import annotations

from pathlib import Path

from bot.context import Community
from bot.errors import conflict
from bot.mentions import mention, neutralize
from bot.outbox import Component, change_role, post, send_dm
from bot.services.members import ensure_member, member_locale
from storage import members as members_repo
from storage import onboarding as onboarding_repo
from storage.members import Member


def charter_text(ctx: Community, locale: str) -> str:
    """The charter from the config (text or file), else the catalogue's default."""
    cfg = ctx.config.community
    if cfg.charter_file:
        path = Path(cfg.charter_file)
        localized = path.with_name(f"{path.stem}.{locale}{path.suffix}")
        for candidate in (localized, path):
            if candidate.is_file():
                return candidate.read_text(encoding="utf-8").strip()
    if cfg.charter:
        return cfg.charter.strip()
    return ctx.t(locale, "onboarding.charter_default")


def accept_button(ctx: Community, locale: str) -> Component:
    return Component("charter:accept", ctx.t(locale, "onboarding.accept_button"))


async def member_joined(ctx: Community, platform_id: str, handle: str, locale: str | None) -> Member:
    """A DM with the charter and its button; no member role until they accept."""
    now = ctx.now_ts()
    async with ctx.db.transaction() as tx:
        existing = await members_repo.by_platform_id(tx, ctx.guild_id, platform_id)
        returning = existing is not None and existing.left_at is not None and not existing.erased
        member = await ensure_member(tx, ctx, platform_id, handle, locale)
        await onboarding_repo.mark_joined(tx, member.id, handle, locale, now)
        member = await members_repo.by_id(tx, member.id)
        assert member is not None
        loc = member_locale(ctx, member)
        key = "onboarding.welcome_back_dm" if returning else "onboarding.welcome_dm"
        text = ctx.t(loc, key, name=neutralize(member.handle), community=ctx.config.community.name,
                     charter=charter_text(ctx, loc))
        await send_dm(tx, ctx, member, "welcome", text, components=[accept_button(ctx, loc)],
                      fallback_channel=ctx.config.channels.welcome)
    return member


async def member_left(ctx: Community, platform_id: str) -> None:
    async with ctx.db.transaction() as tx:
        member = await members_repo.by_platform_id(tx, ctx.guild_id, platform_id)
        if member is None or member.left_at is not None:
            return
        await onboarding_repo.mark_left(tx, member.id, ctx.now_ts())


async def accept_charter(ctx: Community, member: Member) -> Member:
    """Grant the member role, welcome them publicly, invite them to fill their profile."""
    async with ctx.db.transaction() as tx:
        current = await members_repo.by_id(tx, member.id)
        assert current is not None
        if current.charter_accepted_at is not None:
            raise conflict("onboarding.already_accepted")
        now = ctx.now_ts()
        await onboarding_repo.accept_charter(tx, member.id, now)
        role = ctx.config.roles.member
        await members_repo.add_role(tx, member.id, role)
        await change_role(tx, ctx, current, role, add=True)
        loc = ctx.locale
        await post(tx, ctx, ctx.config.channels.welcome, "welcome",
                   ctx.t(loc, "onboarding.public_welcome", who=mention(current.platform_id),
                         community=ctx.config.community.name),
                   mentions=[current.platform_id])
        mloc = member_locale(ctx, current)
        await send_dm(tx, ctx, current, "welcome", ctx.t(mloc, "onboarding.fill_profile"),
                      fallback_channel=ctx.config.channels.welcome)
        updated = await members_repo.by_id(tx, member.id)
    assert updated is not None
    return updated


async def serve_waiting_newcomers(ctx: Community) -> None:
    """Give a godparent to newcomers still waiting for one (called after `profile set` and daily)."""
    return None
