"""Godparents: assignment, the waiting queue served daily and after each `profile set`, pairings by hand.

Who may take a newcomer is bot/services/godparent_pool.py; godchildren handed on when a godparent leaves or
goes quiet, bot/services/godparent_handovers.py; bot/services/onboarding.py has the whole journey."""
from __future__ import annotations

import aiosqlite

from bot.context import Community
from bot.errors import conflict, not_eligible
from bot.mentions import mention, neutralize
from bot.outbox import post, send_dm
from bot.services.godparent_alert import no_godparent_reason
from bot.services.godparent_pool import GodparentPool, godchild_window_start, newcomer_languages, pool_rules
from bot.services.members import member_locale, resolve_member
from storage import members as members_repo
from storage import onboarding as onboarding_repo
from storage.members import Member

SERVE_BATCH = 500  # waiting newcomers looked at per run


async def _has_current_godparent(tx: aiosqlite.Connection, ctx: Community, member: Member) -> bool:
    """A returning member keeps a godparent who is still around and whose pairing is still current."""
    if member.godparent_id is None or member.godparent_since is None:
        return False
    if member.godparent_since < godchild_window_start(ctx):
        return False
    godparent = await members_repo.by_id(tx, member.godparent_id)
    return godparent is not None and godparent.present and godparent.active and not godparent.erased


async def assign_godparent(
    tx: aiosqlite.Connection, ctx: Community, newcomer: Member, *, paced: bool = False,
    previous: Member | None = None, pool: GodparentPool | None = None,
) -> Member | None:
    """Pick the best available godparent and introduce them to each other; nobody free → the queue.

    `previous` is the godparent being replaced: the newcomer gets a kind word about the change.
    `pool`: the daily job's preloaded pool (same choice as the query, without one pool query each).
    """
    if newcomer.joined_at < godchild_window_start(ctx):
        return None  # past their first months: not a newcomer any more, never queued nor announced as one
    exclude = [previous.id] if previous else []
    if pool is not None:
        found = await pool.pick(tx, newcomer, exclude)
    else:
        found = await onboarding_repo.find_godparent(
            tx, ctx.guild_id, newcomer.id, newcomer_languages(ctx, newcomer), pool_rules(ctx), exclude=exclude,
        )
    if found is None:
        await _no_godparent_free(tx, ctx, newcomer, previous, paced)
        return None
    godparent = await members_repo.by_id(tx, found)
    assert godparent is not None
    await onboarding_repo.set_godparent(tx, newcomer.id, godparent.id, ctx.now_ts(), since=newcomer.joined_at)
    if pool is not None:
        pool.assigned(godparent.id, newcomer.id, ctx.now_ts())
    await _introduce(tx, ctx, newcomer, godparent, paced=paced, previous=previous)
    return godparent


async def _no_godparent_free(
    tx: aiosqlite.Connection, ctx: Community, newcomer: Member, previous: Member | None, paced: bool,
) -> None:
    """Nobody can take the newcomer: no godparent for now (a kind word if one was replaced), the queue."""
    await onboarding_repo.clear_godparent(tx, newcomer.id)
    if previous is not None:
        loc = member_locale(ctx, newcomer)
        waiting = "onboarding.handover_waiting_left" if previous.left_at is not None else "onboarding.handover_waiting"
        await send_dm(tx, ctx, newcomer, "godparent-intro",
                      ctx.t(loc, waiting, previous=neutralize(previous.handle)),
                      fallback_channel=ctx.config.channels.welcome, paced=paced, about=[previous.id])
    await _queue_newcomer(tx, ctx, newcomer, paced)


async def _queue_newcomer(tx: aiosqlite.Connection, ctx: Community, newcomer: Member, paced: bool) -> None:
    """Wait for a godparent; the animators hear about it once per wait."""
    if await onboarding_repo.start_waiting(tx, newcomer.id, ctx.now_ts()):
        loc = ctx.locale
        reason = await no_godparent_reason(tx, ctx, newcomer, pool_rules(ctx), loc)
        await post(tx, ctx, ctx.config.channels.animators, "godparent-needed",
                   ctx.t(loc, "onboarding.godparent_needed", name=neutralize(newcomer.handle), reason=reason),
                   paced=paced, about=[newcomer.id])


def _introductions(
    ctx: Community, newcomer: Member, godparent: Member, previous: Member | None = None,
) -> list[tuple[Member, str]]:
    """(recipient, text) of the two `godparent-intro` DMs: the newcomer hears of the godparent, and back."""
    nloc = member_locale(ctx, newcomer)
    if previous is None:
        text = ctx.t(nloc, "onboarding.intro_newcomer", godparent=mention(godparent.platform_id),
                     community=ctx.config.community.name)
    else:
        key = "onboarding.intro_newcomer_handover"
        if previous.left_at is not None:
            key += "_left"
        text = ctx.t(nloc, key, godparent=mention(godparent.platform_id),
                     previous=neutralize(previous.handle))
    gloc = member_locale(ctx, godparent)
    return [(newcomer, text),
            (godparent, ctx.t(gloc, "onboarding.intro_godparent", newcomer=mention(newcomer.platform_id),
                              community=ctx.config.community.name))]


async def _introduce(
    tx: aiosqlite.Connection, ctx: Community, newcomer: Member, godparent: Member, *, paced: bool,
    previous: Member | None = None,
) -> None:
    """Both get a DM (kind `godparent-intro`) presenting the other."""
    for recipient, text in _introductions(ctx, newcomer, godparent, previous):
        await send_dm(tx, ctx, recipient, "godparent-intro", text,
                      fallback_channel=ctx.config.channels.welcome, paced=paced,
                      about=[previous.id] if previous is not None else ())


async def serve_waiting_newcomers(ctx: Community) -> int:
    """Give a godparent to newcomers still waiting for one (called after `profile set` and daily)."""
    if not await onboarding_repo.has_waiting(ctx.db.reader):
        return 0
    async with ctx.db.transaction() as tx:
        return await _serve_waiting(tx, ctx, paced=False)


async def _serve_waiting(
    tx: aiosqlite.Connection, ctx: Community, *, paced: bool, pool: GodparentPool | None = None,
) -> int:
    """Longest wait first; each newcomer gets the best godparent free for them (the pool changes as we go).

    Someone who waited past the godparenting period is no longer a newcomer and is left alone.
    """
    served = 0
    ids = await onboarding_repo.waiting_newcomers(tx, ctx.guild_id, godchild_window_start(ctx), SERVE_BATCH)
    waiting = await members_repo.many_by_id(tx, ids)
    for member_id in ids:
        newcomer = waiting.get(member_id)
        if newcomer is None:
            continue
        if pool is not None:
            found = await pool.pick(tx, newcomer, [])
        else:
            found = await onboarding_repo.find_godparent(
                tx, ctx.guild_id, newcomer.id, newcomer_languages(ctx, newcomer), pool_rules(ctx)
            )
        if found is None:
            continue
        godparent = await members_repo.by_id(tx, found)
        assert godparent is not None
        await onboarding_repo.set_godparent(tx, newcomer.id, godparent.id, ctx.now_ts(), since=newcomer.joined_at)
        if pool is not None:
            pool.assigned(godparent.id, newcomer.id, ctx.now_ts())
        await _introduce(tx, ctx, newcomer, godparent, paced=paced)
        served += 1
    return served


async def assign_by_animator(
    ctx: Community, actor: Member, newcomer_ref: str, godparent_ref: str,
) -> tuple[Member, Member]:
    """`mod godparent`: an animator pairs two members by hand (caps and tenure do not apply); audited."""
    from bot.services.moderation import record_case

    async with ctx.db.transaction() as tx:
        newcomer = await resolve_member(tx, ctx, newcomer_ref)
        godparent = await resolve_member(tx, ctx, godparent_ref)
        if newcomer.id == godparent.id:
            raise conflict("onboarding.self_godparent")
        if not newcomer.present:
            raise not_eligible("onboarding.not_present", member=neutralize(newcomer.handle))
        if not godparent.present or godparent.charter_accepted_at is None or not godparent.active:
            raise not_eligible("onboarding.godparent_unfit", member=neutralize(godparent.handle))
        if newcomer.godparent_id == godparent.id:
            raise conflict("onboarding.already_godparent", newcomer=neutralize(newcomer.handle),
                           godparent=neutralize(godparent.handle))
        previous = await members_repo.by_id(tx, newcomer.godparent_id) if newcomer.godparent_id else None
        await onboarding_repo.set_godparent(tx, newcomer.id, godparent.id, ctx.now_ts())
        if previous is not None and previous.present and not previous.erased:
            loc = member_locale(ctx, previous)
            await send_dm(tx, ctx, previous, "godparent-intro",
                          ctx.t(loc, "onboarding.handover_by_animator", newcomer=neutralize(newcomer.handle),
                                godparent=neutralize(godparent.handle)),
                          fallback_channel=ctx.config.channels.welcome, about=[newcomer.id, godparent.id])
        await _introduce(tx, ctx, newcomer, godparent, paced=False)
        await record_case(tx, ctx, actor, "godparent", newcomer,
                          ctx.t(ctx.locale, "onboarding.case_reason", godparent=godparent.handle))
    return newcomer, godparent
