"""Godchildren handed on when their godparent leaves, is marked inactive or goes quiet: one by one, or
the daily run's backlog in a few statements; a godparent still around is thanked."""
from __future__ import annotations

import aiosqlite

from bot.context import Community
from bot.mentions import neutralize
from bot.outbox import send_dm
from bot.services.checkins import dm_row
from bot.services.godparent_pool import DAY, GodparentPool, godchild_window_start
from bot.services.godparents import _introductions, _no_godparent_free, assign_godparent
from bot.services.members import member_locale
from storage import members as members_repo
from storage import onboarding as onboarding_repo
from storage import outbox as outbox_repo
from storage.members import Member


def _released_text(ctx: Community, previous: Member, child: Member) -> str | None:
    """The thanks a godparent still around gets when their godchild is handed on (None when gone)."""
    if not (previous.present and not previous.erased):
        return None
    return ctx.t(member_locale(ctx, previous), "onboarding.handover_released", newcomer=neutralize(child.handle))


async def _hand_over(
    tx: aiosqlite.Connection, ctx: Community, child_id: int, previous: Member | None, *, paced: bool,
    pool: GodparentPool | None = None,
) -> None:
    """A godchild whose godparent is gone or quiet gets another one; a still-present one is thanked."""
    child = await members_repo.by_id(tx, child_id)
    if child is None:
        return
    released = _released_text(ctx, previous, child) if previous is not None else None
    if previous is not None and released is not None:
        await send_dm(tx, ctx, previous, "godparent-intro", released,
                      fallback_channel=ctx.config.channels.welcome, paced=paced, about=[child.id])
    await assign_godparent(tx, ctx, child, paced=paced, previous=previous, pool=pool)


async def hand_over_orphaned_godchildren(
    tx: aiosqlite.Connection, ctx: Community, *, paced: bool, pool: GodparentPool | None = None,
) -> int:
    """Godchildren of godparents who left, were marked inactive or went quiet get someone else."""
    cfg = ctx.config.onboarding
    pairs = await onboarding_repo.orphaned_godchildren(
        tx, ctx.guild_id, godchild_window_start(ctx), ctx.now_ts() - cfg.godparent_quiet_days * DAY
    )
    previous = await members_repo.many_by_id(tx, {g for _, g in pairs if g is not None})
    if pool is not None and paced:
        await _hand_over_batch(tx, ctx, pairs, previous, pool)
        return len(pairs)
    for child_id, godparent_id in pairs:
        await _hand_over(tx, ctx, child_id, previous.get(godparent_id) if godparent_id else None, paced=paced,
                         pool=pool)
    return len(pairs)


async def _hand_over_batch(
    tx: aiosqlite.Connection, ctx: Community, pairs: list[tuple[int, int | None]], previous: dict[int, Member],
    pool: GodparentPool,
) -> None:
    """_hand_over (paced) for many godchildren: the same picks, pairings and DMs in the same order, in
    a few statements. At 100,000 members a day can hand on hundreds of godchildren, and one by one
    each cost about ten round trips to the database.

    Every godchild is placed against the pool in memory first (the picks depend on nothing else),
    then the pairings go in one batch and the DMs in one executemany. A godchild nobody can take goes
    the one-by-one way (the queue reads what was written), after everything before it is written.
    """
    if not pairs:
        return
    children = await members_repo.many_by_id(tx, [child_id for child_id, _ in pairs])
    await pool.prepare(tx, list(children))
    now = ctx.now_ts()
    decided: list[tuple[Member, Member | None, int | None]] = []
    for child_id, godparent_id in pairs:
        child = children.get(child_id)
        if child is None:
            continue
        before = previous.get(godparent_id) if godparent_id else None
        found = await pool.pick(tx, child, [before.id] if before else [])
        if found is not None:
            pool.assigned(found, child.id, now)
        decided.append((child, before, found))
    godparents = await members_repo.many_by_id(tx, {found for _, _, found in decided if found is not None})
    welcome = ctx.config.channels.welcome
    rows: list[tuple] = []
    about: dict[int, list[int]] = {}  # row -> the members it names as plain text (an erasure finds it by them)
    pairings: list[tuple[int, int]] = []
    for child, before, found in decided:
        released = _released_text(ctx, before, child) if before is not None else None
        if before is not None and released is not None:
            about[len(rows)] = [child.id]
            rows.append(dm_row(ctx, before, "godparent-intro", released, [], welcome, None, now))
        if found is None:
            await _write_hand_overs(tx, pairings, rows, now, about)
            pairings, rows, about = [], [], {}
            await _no_godparent_free(tx, ctx, child, before, paced=True)
            continue
        pairings.append((child.id, found, child.joined_at))
        for recipient, text in _introductions(ctx, child, godparents[found], before):
            if before is not None:
                about[len(rows)] = [before.id]
            rows.append(dm_row(ctx, recipient, "godparent-intro", text, [], welcome, None, now))
    await _write_hand_overs(tx, pairings, rows, now, about)


async def _write_hand_overs(
    tx: aiosqlite.Connection, pairings: list[tuple[int, int]], rows: list[tuple], now: int,
    about: dict[int, list[int]] | None = None,
) -> None:
    """(newcomer, godparent) pairings as set_godparent records them, and their outbox rows."""
    if pairings:
        await onboarding_repo.set_godparents(tx, pairings, now)
    if rows:
        await outbox_repo.enqueue_many(tx, rows, about)
