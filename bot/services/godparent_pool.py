"""Who may take a newcomer as godparent: the pool's rules (tenure, quiet, a cap of current godchildren),
the newcomer's languages, and the daily run's pool ranked in memory exactly as the query ranks it."""
from __future__ import annotations

import bisect

import aiosqlite

from bot.context import Community
from bot.services.members import member_locale
from storage import onboarding as onboarding_repo
from storage.members import Member
from storage.onboarding import PoolEntry, PoolRules

DAY = 86400


def godchild_window_days(ctx: Community) -> int:
    """How long a godparent relationship stays current: until the last check-in."""
    return max(ctx.config.onboarding.checkin_days or [180])


def godchild_window_start(ctx: Community) -> int:
    return ctx.now_ts() - godchild_window_days(ctx) * DAY


def pool_rules(ctx: Community) -> PoolRules:
    cfg = ctx.config.onboarding
    now = ctx.now_ts()
    return PoolRules(
        tenure_cutoff=now - cfg.godparent_min_days * DAY,
        quiet_cutoff=now - cfg.godparent_quiet_days * DAY,
        window_start=godchild_window_start(ctx),
        max_godchildren=cfg.godparent_max_godchildren,
    )


def newcomer_languages(ctx: Community, member: Member) -> list[str]:
    """The languages they declared, else the one they use with the platform (or the community's)."""
    declared = [lang.strip().lower() for lang in member.language_list if lang.strip()]
    return list(dict.fromkeys(declared)) or [member_locale(ctx, member)]


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
