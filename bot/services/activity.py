"""Activity tracking: counts per member per day, buffered and written in batches.

A burst of thousands of messages costs a few transactions: events accumulate in memory and are
flushed every few seconds, before each job and at shutdown.
"""
from __future__ import annotations

from collections import defaultdict

from bot.clock import to_epoch
from bot.context import Community
from bot.outbox import fault_point
from storage import activity as activity_repo

FLUSH_EVERY_SECONDS = 5.0


class ActivityRecorder:
    def __init__(self, ctx: Community, max_buffer: int = 5000) -> None:
        self.ctx = ctx
        self.max_buffer = max_buffer
        self._counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
        self._last_seen: dict[int, int] = {}
        self._ids: dict[str, int] = {}
        self._pending = 0
        self._last_flush = ctx.now()

    async def message(self, platform_id: str) -> None:
        """A member wrote something somewhere (its content is never looked at)."""
        member_id = await self._member_id(platform_id)
        if member_id is not None:
            await self.record(member_id, messages=1)

    async def record(self, member_id: int, messages: int = 0, actions: int = 0) -> None:
        now = self.ctx.now()
        day = now.astimezone(self.ctx.tz).strftime("%Y-%m-%d")
        counts = self._counts[(member_id, day)]
        counts[0] += messages
        counts[1] += actions
        self._last_seen[member_id] = to_epoch(now)
        self._pending += 1
        if self._pending >= self.max_buffer:
            await self.flush()

    async def _member_id(self, platform_id: str) -> int | None:
        if platform_id not in self._ids:
            found = await activity_repo.member_id_for(self.ctx.db.reader, self.ctx.guild_id, platform_id)
            if found is None:
                return None
            self._ids[platform_id] = found
        return self._ids[platform_id]

    def forget(self, platform_id: str | None = None) -> None:
        """Drop cached ids (after an erasure or a rejoin)."""
        if platform_id is None:
            self._ids.clear()
        else:
            self._ids.pop(platform_id, None)

    async def flush(self) -> int:
        """Write the buffered counts in one transaction; return how many events they held."""
        if not self._pending:
            return 0
        rows = [(m, day, c[0], c[1]) for (m, day), c in self._counts.items()]
        seen = [(at, m) for m, at in self._last_seen.items()]
        flushed = self._pending
        self._counts.clear()
        self._last_seen.clear()
        self._pending = 0
        self._last_flush = self.ctx.now()
        try:
            async with self.ctx.db.transaction() as tx:
                existing = await _existing_ids(tx, [r[0] for r in rows])
                await activity_repo.add_counts(tx, [r for r in rows if r[0] in existing])
                fault_point("activity:mid-flush")
                await activity_repo.touch_members(tx, [s for s in seen if s[1] in existing])
        except Exception:
            self._restore(rows, seen, flushed)  # rolled back: keep the counts for the next flush
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

    def _restore(self, rows: list[tuple[int, str, int, int]], seen: list[tuple[int, int]], events: int) -> None:
        for member_id, day, messages, actions in rows:
            counts = self._counts[(member_id, day)]
            counts[0] += messages
            counts[1] += actions
        for at, member_id in seen:
            self._last_seen[member_id] = max(at, self._last_seen.get(member_id, 0))
        self._pending += events


async def _existing_ids(tx: object, ids: list[int]) -> set[int]:
    """Members erased since their events were buffered are skipped (foreign keys would refuse them)."""
    from storage.members import many_by_id

    found = await many_by_id(tx, set(ids))  # type: ignore[arg-type]
    return set(found)
