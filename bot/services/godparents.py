"""Godparents: who may take a newcomer (the pool, fair and language-aware), assignment, the waiting
queue served daily and after each `profile set`, and godchildren handed on when a godparent leaves or
goes quiet (bot/services/onboarding.py has the whole journey)."""
from __future__ import annotations

import bisect

import aiosqlite

from bot.context import Community
from bot.errors import conflict, not_eligible
from bot.mentions import mention, neutralize
from bot.outbox import post, send_dm
from bot.services.checkins import dm_row
from bot.services.godparent_alert import no_godparent_reason
from bot.services.members import member_locale, resolve_member
from storage import members as members_repo
from storage import onboarding as onboarding_repo
from storage import outbox as outbox_repo
from storage.members import Member
from storage.onboarding import PoolEntry, PoolRules

DAY = 86400
SERVE_BATCH = 500  # waiting newcomers looked at per run


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
