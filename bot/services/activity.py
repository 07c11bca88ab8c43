"""Activity tracking: counts per member per day, buffered and written in batches.

A burst of thousands of messages costs a few transactions: events accumulate in memory (keyed by
platform id, so a message costs no query) and are flushed every few seconds, before each job, at
shutdown and when the buffer is full; member ids are resolved in one query per flush.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from bot.clock import to_epoch
from bot.context import Community
from bot.outbox import fault_point
from storage import activity as activity_repo

FLUSH_EVERY_SECONDS = 5.0

Key = tuple[str | int, str]  # (platform id for messages | member id for actions, local day)


class ActivityRecorder:
    def __init__(self, ctx: Community, max_buffer: int = 50_000) -> None:
        self.ctx = ctx
        self.max_buffer = max_buffer
        self._counts: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
        self._last_seen: dict[str | int, int] = {}
        self._pending = 0
        self._last_flush = ctx.now()
        self._day = ""
        self._day_ends = 0.0

    def _today(self, now: datetime) -> str:
        """The community's local day, computed once per day rather than once per event."""
        stamp = now.timestamp()
        if stamp >= self._day_ends or not self._day:
            local = now.astimezone(self.ctx.tz)
            self._day = local.strftime("%Y-%m-%d")
            midnight = (local.replace(hour=0, minute=0, second=0, microsecond=0).replace(tzinfo=None)
                        + timedelta(days=1)).replace(tzinfo=self.ctx.tz)
            self._day_ends = midnight.timestamp()
            if stamp < self._day_ends - 86400 * 2:  # the clock went backwards: recompute next time
                self._day_ends = stamp
        return self._day

    async def message(self, platform_id: str) -> None:
        """A member wrote something somewhere (its content is never looked at)."""
        await self._add(platform_id, 1, 0)

    async def record(self, member_id: int, messages: int = 0, actions: int = 0) -> None:
        """Activity of a known member (commands and clicks count as actions)."""
        await self._add(member_id, messages, actions)

    async def _add(self, who: str | int, messages: int, actions: int) -> None:
        now = self.ctx.now()
        counts = self._counts[(who, self._today(now))]
        counts[0] += messages
        counts[1] += actions
        self._last_seen[who] = to_epoch(now)
        self._pending += 1
        if self._pending >= self.max_buffer:
            await self.flush()

    async def flush(self) -> int:
        """Write the buffered counts in one transaction; return how many events they held."""
        if not self._pending:
            return 0
        counts = dict(self._counts)
        seen = dict(self._last_seen)
        flushed = self._pending
        self._counts.clear()
        self._last_seen.clear()
        self._pending = 0
        self._last_flush = self.ctx.now()
        try:
            async with self.ctx.db.transaction() as tx:
                handles = sorted({who for who in seen if isinstance(who, str)})
                ids = await activity_repo.member_ids_for(tx, self.ctx.guild_id, handles)
                direct = [who for who in seen if isinstance(who, int)]
                alive = await activity_repo.existing_ids(tx, direct) | set(ids.values())
                merged: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
                for (who, day), (messages, actions) in counts.items():
                    member_id = ids.get(who) if isinstance(who, str) else who
                    if member_id is not None and member_id in alive:
                        total = merged[(member_id, day)]
                        total[0] += messages
                        total[1] += actions
                last: dict[int, int] = {}
                for who, at in seen.items():
                    member_id = ids.get(who) if isinstance(who, str) else who
                    if member_id is not None and member_id in alive:
                        last[member_id] = max(at, last.get(member_id, 0))
                await activity_repo.add_counts(tx, [(m, d, c[0], c[1]) for (m, d), c in merged.items()])
                fault_point("activity:mid-flush")
                await activity_repo.touch_members(tx, [(at, m) for m, at in last.items()])
        except Exception:
            self._restore(counts, seen, flushed)  # rolled back: keep the counts for the next flush
            raise
        return flushed

    async def flush_if_due(self, every_seconds: float = FLUSH_EVERY_SECONDS) -> int:
        """The real-time path (Discord): call this every second or so; it writes at most every few seconds."""
        if self._pending and (self.ctx.now() - self._last_flush).total_seconds() >= every_seconds:
            return await self.flush()
        return 0

    @property
    def pending(self) -> int:
        """Events buffered and not yet written."""
        return self._pending

    def _restore(self, counts: dict[Key, list[int]], seen: dict[str | int, int], events: int) -> None:
        for key, (messages, actions) in counts.items():
            total = self._counts[key]
            total[0] += messages
            total[1] += actions
        for who, at in seen.items():
            self._last_seen[who] = max(at, self._last_seen.get(who, 0))
        self._pending += events
