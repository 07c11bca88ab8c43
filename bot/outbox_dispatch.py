"""The dispatcher: delivers due outbox rows in order, paced on the injected clock, with retries.

Split from bot/outbox.py (which writes the rows inside the services' transactions).
"""
from __future__ import annotations

import logging
import math
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock, from_epoch, to_epoch
from bot.config import Delivery
from bot.mentions import mention
from bot.outbox_types import DMClosed, Outgoing, PermanentDeliveryError, TransientDeliveryError, Transport
from bot.quiet_hours import member_zone, quiet_until
from bot.tempfiles import TempFiles
from storage import outbox as outbox_repo
from storage import quiet_hours as quiet_repo
from storage.database import Database

log = logging.getLogger(__name__)
TOKEN_EPSILON = 1e-6  # float and microsecond rounding: a token due now is there now


class TokenBucket:
    """A burst goes at once, then the rate; refills on the injected clock."""

    RECOVERY_STEPS = 10  # successful sends to climb back from the floor to the configured rate

    def __init__(self, burst: int, rate_per_second: float, clock: Clock) -> None:
        self.burst, self.rate, self.clock = burst, rate_per_second, clock
        self.configured_rate = rate_per_second
        self.tokens = float(burst)
        self.updated = clock.now()

    def _refill(self) -> None:
        now = self.clock.now()
        elapsed = (now - self.updated).total_seconds()
        if elapsed > 0:
            self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
            self.updated = now

    def has_token(self) -> bool:
        self._refill()
        return self.tokens >= 1 - TOKEN_EPSILON

    def take(self) -> bool:
        self._refill()
        if self.tokens >= 1 - TOKEN_EPSILON:
            self.tokens = max(0.0, self.tokens - 1)
            return True
        return False

    def next_token_at(self) -> datetime:
        """Rounded up to the microsecond: at that instant a token is there (never a wake-up just before)."""
        self._refill()
        missing = max(0.0, 1 - self.tokens)
        return self.updated + timedelta(microseconds=math.ceil(missing / self.rate * 1_000_000))

    def slow_down(self) -> None:
        """The platform said "too fast": halve the rate (down to one a minute)."""
        self._refill()
        self.rate = max(self.rate / 2, 1 / 60)

    def recover(self) -> None:
        """A send went through: climb back towards the configured rate by a fixed step (additive increase,
        multiplicative decrease, as TCP does), so one slowdown does not last forever."""
        if self.rate < self.configured_rate:
            self._refill()
            self.rate = min(self.configured_rate, self.rate + self.configured_rate / self.RECOVERY_STEPS)


def fault_point(name: str) -> None:
    """Crash injection: `ENTRAIDE_FAULT=outbox:after-send:3` dies hard at the 3rd pass of that point.

    Points: `outbox:after-send` (delivered, not yet marked sent), `job:before-commit` and
    `job:<job name>:before-commit` (mid-way through a job's batch), `job:after-commit`,
    `activity:mid-flush`. The count defaults to 1.
    """
    spec = os.environ.get("ENTRAIDE_FAULT")
    if not spec:
        return
    point, _, count = spec.rpartition(":")
    if not count.isdigit():
        point, count = spec, "1"
    if point != name:
        return
    _FAULT_COUNTS[name] = _FAULT_COUNTS.get(name, 0) + 1
    if _FAULT_COUNTS[name] >= int(count):
        os._exit(137)


_FAULT_COUNTS: dict[str, int] = {}


@dataclass(frozen=True)
class Route:
    """What the dispatcher does for one community's messages: its callbacks and its timezone."""

    on_dm_closed: Callable[[str], Awaitable[None]] | None
    on_failure: Callable[[Outgoing, PermanentDeliveryError], Awaitable[None]] | None
    timezone: ZoneInfo


async def _report_failure(on_failure: Callable[[Outgoing, PermanentDeliveryError], Awaitable[None]],
                          message: Outgoing, exc: PermanentDeliveryError) -> None:
    try:
        await on_failure(message, exc)
    except Exception:  # reporting must never stop delivery
        log.exception("could not report the failure of outbox %s", message.id)


class Dispatcher:
    """Delivers due outbox rows in order, paced, with retries and the closed-DM fallback."""

    def __init__(
        self, db: Database, clock: Clock, transport: Transport, settings: Delivery,
        on_dm_closed: Callable[[str], Awaitable[None]] | None = None,
        on_failure: Callable[[Outgoing, PermanentDeliveryError], Awaitable[None]] | None = None,
        timezone: ZoneInfo | None = None,
    ) -> None:
        self.db, self.clock, self.transport, self.settings = db, clock, transport, settings
        self.timezone = timezone or ZoneInfo("UTC")  # the community's, for members without their own
        self.bucket = TokenBucket(settings.burst, settings.rate_per_minute / 60, clock)
        self.on_dm_closed = on_dm_closed
        self.on_failure = on_failure  # a permanent failure the animators should hear about
        self._blocked_until: datetime | None = None
        self._held: Any = None  # PostgreSQL: the transaction holding the row being delivered
        self._later: list[Callable[[], Awaitable[None]]] | None = None
        self.files = TempFiles.for_database(db.path)
        self.routes: dict[str, Route] = {}  # per community key, in a network (bot/runtime.py)
        # The communities this process serves, when other processes serve the rest of the database's:
        # their rows are theirs to send (None: every row is ours).
        self.only: list[str] | None = None

    def route(
        self, guild_id: str, on_dm_closed: Callable[[str], Awaitable[None]] | None,
        on_failure: Callable[[Outgoing, PermanentDeliveryError], Awaitable[None]] | None, timezone: ZoneInfo,
    ) -> None:
        """One community's callbacks and timezone: a network shares one dispatcher (one pacing bucket)."""
        self.routes[guild_id] = Route(on_dm_closed, on_failure, timezone)

    def _route(self, guild_id: str) -> Route:
        return self.routes.get(guild_id) or Route(self.on_dm_closed, self.on_failure, self.timezone)

    async def deliver_due(self) -> int:
        """Deliver everything due now; return how many went out."""
        sent = 0
        while True:
            now = to_epoch(self.clock.now())
            bucket_empty = not self.bucket.has_token()
            rows = await outbox_repo.due(self.db.reader, now, unpaced_only=bucket_empty, guilds=self.only)
            self._blocked_until = self.bucket.next_token_at() if bucket_empty else None
            if not rows:
                return sent
            progressed = False
            blocked_targets: set[str] = set()
            for row in rows:
                if row.target in blocked_targets:
                    continue
                if await self._held_for_quiet_hours(row):
                    progressed = True
                    continue
                if row.edit_of is not None:
                    ready = await self._original_ready(row)
                    if ready is None:  # the original is still pending: this change waits for it
                        continue
                    if not ready:
                        progressed = True
                        continue
                if row.paced and not self.bucket.take():
                    blocked_targets.add(row.target)
                    self._blocked_until = self.bucket.next_token_at()
                    continue
                if await self._deliver_one(row):
                    sent += 1
                progressed = True
            if not progressed:
                return sent

    async def _held_for_quiet_hours(self, row: outbox_repo.OutboxRow) -> bool:
        """A non-urgent DM reaching a member in their quiet hours waits until they end (a paced
        backlog or a bulk insert can arrive hours after it was queued)."""
        if row.op != "send" or not row.target.startswith("dm:"):
            return False
        quiet = await quiet_repo.of_platform_id(self.db.reader, row.guild_id, row.target[3:])
        if quiet is None or quiet[0] is None:
            return False
        zone = self._route(row.guild_id).timezone
        wake = quiet_until(self.clock.now(), quiet[0], quiet[1], member_zone(quiet[2], zone))
        if wake is None or row.payload.get("urgent"):
            return False
        await self._write(outbox_repo.reschedule, row.id, row.attempts, to_epoch(wake))
        return True

    async def _original_ready(self, row: outbox_repo.OutboxRow) -> bool | None:
        """An edit or thread change can go once its original is delivered: True. None: the original
        is pending (the change waits; rescheduled when the original is due later). False: settled here
        (nothing to change any more, or a newer edit of the same message says it all)."""
        assert row.edit_of is not None
        original = await outbox_repo.by_id(self.db.reader, row.edit_of)
        if original is not None and original.status == "pending":
            if original.not_before > row.not_before:
                await self._write(outbox_repo.reschedule, row.id, row.attempts, original.not_before)
                return False
            return None
        if original is None or original.status == "failed":
            log.info("outbox %s: the message it changes (%s) is gone or never went out", row.id, row.edit_of)
            await self._write(outbox_repo.mark_failed, row.id, row.attempts)
            return False
        if row.op == "edit" and await outbox_repo.later_pending_edit(self.db.reader, row.edit_of, row.id):
            await self._write(outbox_repo.mark_sent, row.id, to_epoch(self.clock.now()), None)
            return False
        return True

    async def _outgoing(self, row: outbox_repo.OutboxRow) -> Outgoing:
        """The row as the transport delivers it; an edit goes where its original went (a closed DM's
        fallback post included), with the original's platform id and its full new text."""
        payload = dict(row.payload)
        if row.op != "edit" or row.edit_of is None:
            return Outgoing(row.id, row.kind, row.op, row.target, payload, row.guild_id)
        original = await outbox_repo.by_id(self.db.reader, row.edit_of)
        assert original is not None
        before = original.payload
        status = payload.pop("status", None)
        text = payload.get("text", before.get("text", ""))
        if "text" in payload and before.get("for_user") and original.target.startswith("channel:"):
            text = f"{mention(before['for_user'])} {text}"
        if status:
            text = f"{text}\n\n{status}"
        payload["text"] = text
        payload.setdefault("components", before.get("components", []))
        payload["message_ref"] = original.delivered_as
        payload["mentions"] = []  # an edit never pings
        for name in ("thread", "for_user"):
            if before.get(name):
                payload[name] = before[name]
        return Outgoing(row.id, original.kind, "edit", original.target, payload, row.guild_id)

    async def _deliver_one(self, row: outbox_repo.OutboxRow) -> bool:
        """On PostgreSQL the row is locked for its delivery in a transaction of its own (other
        processes may share the outbox, FOR UPDATE SKIP LOCKED); the outcome is written in it.
        What the delivery tells others (a closed DM, a failure) runs once that transaction is over."""
        if getattr(self.db, "engine", "sqlite") != "postgresql":
            return await self._deliver_row(row)
        later: list[Callable[[], Awaitable[None]]] = []
        async with self.db.delivery_transaction() as tx:  # type: ignore[attr-defined]
            if not await outbox_repo.lock_for_delivery(tx, row.id):
                return False
            self._held, self._later = tx, later
            try:
                delivered = await self._deliver_row(row)
            finally:
                self._held, self._later = None, None
        for call in later:
            await call()
        return delivered

    async def _after(self, call: Callable[[], Awaitable[None]]) -> None:
        if self._later is not None:
            self._later.append(call)
        else:
            await call()

    async def _deliver_row(self, row: outbox_repo.OutboxRow) -> bool:
        message = await self._outgoing(row)
        now = to_epoch(self.clock.now())
        try:
            delivered_as = await self.transport.deliver(message)
        except DMClosed:
            if row.op != "send":  # an edit of a DM the member closed since: nothing to fall back to
                await self._write(outbox_repo.mark_failed, row.id, row.attempts + 1)
                return False
            await self._fall_back(row)
            return False
        except TransientDeliveryError as exc:
            if exc.slow_down:
                self.bucket.slow_down()
            if exc.retry_after is not None:
                await self._write(outbox_repo.reschedule, row.id, row.attempts, now + max(1, int(exc.retry_after)))
                return False
            attempts = row.attempts + 1
            if attempts >= self.settings.max_attempts:
                log.warning("outbox %s failed after %s attempts: %s", row.id, attempts, exc)
                await self._write(outbox_repo.mark_failed, row.id, attempts)
                self.files.discard_attachments(message.payload.get("attachments"))
            else:
                delay = int(self.settings.retry_base_seconds * 2 ** (attempts - 1))
                await self._write(outbox_repo.reschedule, row.id, attempts, now + delay)
            return False
        except PermanentDeliveryError as exc:
            log.warning("outbox %s cannot be delivered: %s", row.id, exc)
            await self._write(outbox_repo.mark_failed, row.id, row.attempts + 1)
            self.files.discard_attachments(message.payload.get("attachments"))
            on_failure = self._route(row.guild_id).on_failure
            if on_failure is not None:
                await self._after(partial(_report_failure, on_failure, message, exc))
            return False
        fault_point("outbox:after-send")
        await self._write(outbox_repo.mark_sent, row.id, now, delivered_as if isinstance(delivered_as, str) else None)
        self.files.discard_attachments(message.payload.get("attachments"))  # delivered: the file goes
        self.bucket.recover()
        return True

    async def _fall_back(self, row: outbox_repo.OutboxRow) -> None:
        """A closed DM becomes a mention in the relevant channel (and the member is flagged)."""
        platform_id = row.target.split(":", 1)[1]
        on_dm_closed = self._route(row.guild_id).on_dm_closed
        if on_dm_closed is not None:
            await self._after(partial(on_dm_closed, platform_id))
        fallback = row.payload.get("fallback") or {}
        payload = {k: v for k, v in row.payload.items() if k != "fallback"}
        if fallback.get("text") is not None:  # a private DM: say so publicly, never show its content
            payload["text"] = fallback["text"]
            self.files.discard_attachments(payload.pop("attachments", None))
            payload.pop("components", None)
        payload["text"] = f"{mention(platform_id)} {payload.get('text', '')}"
        payload["mentions"] = [platform_id]
        payload["for_user"] = platform_id
        if fallback.get("thread"):
            payload["thread"] = fallback["thread"]
        async def retarget(tx: Any) -> None:
            await outbox_repo.retarget(tx, row.id, f"channel:{fallback.get('channel', 'general')}", payload)
            await outbox_repo.link_mentioned(tx, row.id, row.guild_id, [platform_id])

        await self._write(retarget)

    async def _write(self, fn: Callable[..., Awaitable[None]], *args: Any) -> None:
        if self._held is not None:  # PostgreSQL: in the transaction that holds the row
            await fn(self._held, *args)
            return
        async with self.db.transaction() as tx:
            await fn(tx, *args)

    async def next_wakeup(self) -> datetime | None:
        """When something pending becomes deliverable (for the simulated clock's advance)."""
        candidates = []
        nb = await outbox_repo.next_not_before(self.db.reader, self.only)
        now = self.clock.now()
        if nb is not None and from_epoch(nb) > now:
            candidates.append(from_epoch(nb))
        if self._blocked_until is not None:
            candidates.append(max(self._blocked_until, now))
        return min(candidates) if candidates else None
