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
"""
from __future__ import annotations

import bisect
import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

import aiosqlite

from bot.clock import to_epoch
from bot.context import Community
from bot.errors import conflict, not_eligible
from bot.files import decode_office_text
from bot.live import shown_name
from bot.mentions import clean_display_name, mention, neutralize
from bot.outbox import Component, change_role, post, send_dm
from bot.scheduler import Job, cron, period_day
from bot.services.godparent_alert import no_godparent_reason
from bot.services.members import ensure_member, is_animator, member_locale, resolve_member
from storage import adoption as adoption_repo
from storage import members as members_repo
from storage import onboarding as onboarding_repo
from storage import outbox as outbox_repo
from storage.members import Member
from storage.onboarding import PoolEntry, PoolRules

DAY = 86400
CHECKIN_CATCH_UP_DAYS = 6  # a check-in missed while the bot was down still goes out within this many days
SERVE_BATCH = 500  # waiting newcomers looked at per run


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


async def accept_charter(ctx: Community, member: Member, *, animator: bool = False) -> Member:
    """The member role, the public welcome, the profile invitation and a godparent, in one transaction.

    An animator (`animator`, or an animator role the bot knows) is never given a godparent; a member
    adopted with the server (`setup adopt charter:send`) only gets the role."""
    async with ctx.db.transaction() as tx:
        current = await members_repo.by_id(tx, member.id)
        assert current is not None
        if current.charter_accepted_at is not None:
            raise conflict("onboarding.already_accepted")
        now = ctx.now_ts()
        adopted = await adoption_repo.is_adopted(tx, member.id)
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
        for child_id in await onboarding_repo.current_godchildren(tx, left.id, _window_start(ctx)):
            await _hand_over(tx, ctx, child_id, left, paced=False)
        if left.godparent_id is not None:
            await _serve_waiting(tx, ctx, paced=False)  # their godparent may have just freed up
        await requests.on_member_left(tx, ctx, left)


# Godparents -------------------------------------------------------------------------------------

def godchild_window_days(ctx: Community) -> int:
    """How long a godparent relationship stays current: until the last check-in."""
    return max(ctx.config.onboarding.checkin_days or [180])


def _window_start(ctx: Community) -> int:
    return ctx.now_ts() - godchild_window_days(ctx) * DAY


def pool_rules(ctx: Community) -> PoolRules:
    cfg = ctx.config.onboarding
    now = ctx.now_ts()
    return PoolRules(
        tenure_cutoff=now - cfg.godparent_min_days * DAY,
        quiet_cutoff=now - cfg.godparent_quiet_days * DAY,
        window_start=_window_start(ctx),
        max_godchildren=cfg.godparent_max_godchildren,
    )


def newcomer_languages(ctx: Community, member: Member) -> list[str]:
    """The languages they declared, else the one they use with the platform (or the community's)."""
    declared = [lang.strip().lower() for lang in member.language_list if lang.strip()]
    return list(dict.fromkeys(declared)) or [member_locale(ctx, member)]


async def _has_current_godparent(tx: aiosqlite.Connection, ctx: Community, member: Member) -> bool:
    """A returning member keeps a godparent who is still around and whose pairing is still current."""
    if member.godparent_id is None or member.godparent_since is None:
        return False
    if member.godparent_since < _window_start(ctx):
        return False
    godparent = await members_repo.by_id(tx, member.godparent_id)
    return godparent is not None and godparent.present and godparent.active and not godparent.erased


class GodparentPool:
    """The godparent pool of one daily run, loaded once, ranking newcomers one after another exactly
    as storage.onboarding.find_godparent would (shared language, needs met, fewest current godchildren,
    least recently given one, oldest id), and updated as godchildren are given out.

    At 100,000 members the pool query costs tens of milliseconds (thousands of volunteers, a
    godchildren count each); a backlog of hundreds of hand-overs ran it once per godchild.
    """

    def __init__(self, ctx: Community) -> None:
        self.ctx = ctx
        self.loaded = False
        self.max = ctx.config.onboarding.godparent_max_godchildren
        self.entries: dict[int, PoolEntry] = {}
        self.speaks: dict[int, frozenset[str]] = {}
        self.order: list[tuple[int, int, int]] = []  # fairness order among equals
        self.offers: dict[int, set[int]] = {}  # skill → pool members offering it (loaded with the pool)
        self.needs: dict[int, set[int]] = {}  # newcomer → skills they need (loaded on demand)

    async def _load(self, tx: aiosqlite.Connection) -> None:
        """On the first pick only: a daily run with nobody to place costs nothing."""
        rules = pool_rules(self.ctx)
        entries = await onboarding_repo.godparent_pool(tx, self.ctx.guild_id, rules)
        self.max = rules.max_godchildren
        self.entries = {e.id: e for e in entries}
        self.speaks = {e.id: self._speaks(e) for e in entries}
        self.order = sorted(self._rank(e) for e in entries)
        self.offers = {}
        for member_id, skill_id in await onboarding_repo.member_skill_pairs(tx, "offer", members=list(self.entries)):
            self.offers.setdefault(skill_id, set()).add(member_id)
        self.loaded = True

    @staticmethod
    def _speaks(entry: PoolEntry) -> frozenset[str]:
        """The languages find_godparent matches: declared ones, else the platform locale."""
        declared = {lang for lang in (entry.languages or "").replace(" ", "").split(",") if lang}
        if entry.languages == "" and entry.locale is not None:
            declared.add(entry.locale)
        return frozenset(declared)

    @staticmethod
    def _rank(entry: PoolEntry) -> tuple[int, int, int]:
        return (entry.godchildren, entry.last_godchild_at or 0, entry.id)

    async def prepare(self, tx: aiosqlite.Connection, newcomer_ids: list[int]) -> None:
        """Load the needs of these newcomers (one indexed query); what the pool offers comes with the pool."""
        missing = [i for i in dict.fromkeys(newcomer_ids) if i not in self.needs]
        if not missing:
            return
        for member_id in missing:
            self.needs[member_id] = set()
        for member_id, skill_id in await onboarding_repo.member_skill_pairs(tx, "need", members=missing):
            self.needs[member_id].add(skill_id)

    async def pick(self, tx: aiosqlite.Connection, newcomer: Member, exclude: list[int]) -> int | None:
        if not self.loaded:
            await self._load(tx)
        await self.prepare(tx, [newcomer.id])
        langs = set(newcomer_languages(self.ctx, newcomer))
        banned = set(exclude) | {newcomer.id}

        def allowed(entry: PoolEntry) -> bool:
            return entry.id not in banned and entry.godparent_id != newcomer.id

        met: dict[int, int] = {}
        for skill_id in self.needs[newcomer.id]:
            for member_id in self.offers.get(skill_id, ()):
                if member_id in self.entries:
                    met[member_id] = met.get(member_id, 0) + 1
        best: tuple[int, int, int, int, int] | None = None
        for member_id, count in met.items():
            entry = self.entries[member_id]
            if allowed(entry):
                key = (-int(bool(langs & self.speaks[member_id])), -count, *self._rank(entry))
                best = key if best is None or key < best else best
        if best is None or best[0] == 0:  # a speaker meeting none of the needs may still come first
            for rank in self.order:
                member_id = rank[2]
                entry = self.entries[member_id]
                if member_id in met or not allowed(entry):
                    continue
                shared = bool(langs & self.speaks[member_id])
                key = (-int(shared), 0, *rank)
                best = key if best is None or key < best else best
                if shared:
                    break  # the fairest speaker meeting none of the needs: nobody later can beat them
        return best[4] if best is not None else None

    def assigned(self, godparent_id: int, newcomer_id: int, now: int) -> None:
        """One more current godchild for the godparent (out of the pool at the cap); the pairing is recorded."""
        entry = self.entries.get(godparent_id)
        if entry is not None:
            self.order.pop(bisect.bisect_left(self.order, self._rank(entry)))
            entry.godchildren += 1
            entry.last_godchild_at = now
            if entry.godchildren >= self.max:
                del self.entries[godparent_id]
            else:
                bisect.insort(self.order, self._rank(entry))
        if newcomer_id in self.entries:
            self.entries[newcomer_id].godparent_id = godparent_id


async def assign_godparent(
    tx: aiosqlite.Connection, ctx: Community, newcomer: Member, *, paced: bool = False,
    previous: Member | None = None, pool: GodparentPool | None = None,
) -> Member | None:
    """Pick the best available godparent and introduce them to each other; nobody free → the queue.

    `previous` is the godparent being replaced: the newcomer gets a kind word about the change.
    `pool`: the daily job's preloaded pool (same choice as the query, without one pool query each).
    """
    if newcomer.joined_at < _window_start(ctx):
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
    ids = await onboarding_repo.waiting_newcomers(tx, ctx.guild_id, _window_start(ctx), SERVE_BATCH)
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


async def hand_over_orphaned_godchildren(
    tx: aiosqlite.Connection, ctx: Community, *, paced: bool, pool: GodparentPool | None = None,
) -> int:
    """Godchildren of godparents who left, were marked inactive or went quiet get someone else."""
    cfg = ctx.config.onboarding
    pairs = await onboarding_repo.orphaned_godchildren(
        tx, ctx.guild_id, _window_start(ctx), ctx.now_ts() - cfg.godparent_quiet_days * DAY
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
    due: list[tuple[int, int]] = []  # (member_id, offset) in sending order
    for offset in offsets:
        accepted_before = _local_midnight(ctx, today - timedelta(days=offset - 1))
        accepted_from = _local_midnight(ctx, today - timedelta(days=offset + CHECKIN_CATCH_UP_DAYS))
        ids = await onboarding_repo.due_checkins(tx, ctx.guild_id, offset, accepted_from, accepted_before)
        due += [(member_id, offset) for member_id in ids]
    if not due:
        return 0
    await onboarding_repo.record_checkins(tx, [(member_id, offset, now) for member_id, offset in due])
    newcomers = await members_repo.many_by_id(tx, {member_id for member_id, _ in due})
    godparents = await members_repo.many_by_id(
        tx, {m.godparent_id for m in newcomers.values() if m.godparent_id is not None}
    )
    words = _CheckinWords(ctx)
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

    def __init__(self, ctx: Community) -> None:
        self.ctx = ctx
        self._memo: dict[tuple, object] = {}

    def _once(self, key: tuple, make: Callable[[], object]) -> object:
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def when(self, locale: str, offset: int) -> str:
        return str(self._once(("when", locale, offset), lambda: duration_words(self.ctx, locale, offset)))

    def session(self, locale: str) -> str:
        return str(self._once(("session", locale), lambda: deepening_session(self.ctx, locale)))

    def stop(self, locale: str) -> Component:
        button = self._once(("stop", locale), lambda: _stop_button(self.ctx, locale))
        assert isinstance(button, Component)
        return button

    def newcomer_row(self, newcomer: Member, godparent: Member | None, offset: int, final: bool, now: int) -> tuple:
        ctx = self.ctx
        loc = member_locale(ctx, newcomer)
        when = self.when(loc, offset)
        if final:
            text = ctx.t(loc, "onboarding.checkin_final", when=when, session=self.session(loc),
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
                         session=self.session(loc))
            return dm_row(ctx, godparent, "checkin", text, [self.stop(loc)], ctx.config.channels.welcome,
                          f"checkin-godparent:{newcomer.id}:{offset}", now)
        lines = [ctx.t(loc, "onboarding.checkin_godparent_many_final_line" if offset == final
                       else "onboarding.checkin_godparent_many_line",
                       newcomer=mention(newcomer.platform_id), when=self.when(loc, offset))
                 for newcomer, offset in godchildren]
        text = ctx.t(loc, "onboarding.checkin_godparent_many", count=len(godchildren), lines="\n".join(lines))
        if any(offset == final for _, offset in godchildren):
            text += "\n" + ctx.t(loc, "onboarding.checkin_godparent_many_session", session=self.session(loc))
        return dm_row(ctx, godparent, "checkin", text, [self.stop(loc)], ctx.config.channels.welcome,
                      f"checkin-godparent-day:{godparent.id}:{today.isoformat()}", now)


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
                period_day, daily_onboarding)]
