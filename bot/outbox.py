"""The outbox: services write messages in their transaction; the dispatcher delivers them.

Targets are `dm:<platform_id>`, `channel:<name>` (optionally with a thread in the payload) and
`member:<platform_id>` for role changes and timeouts. A command's own messages go at once
(`paced` false); bulk sends from jobs flow through a token bucket on the injected clock.
"""
from __future__ import annotations

import logging
import math
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock, from_epoch, to_epoch
from bot.config import Delivery
from bot.context import Community
from bot.mentions import mention
from bot.quiet_hours import member_zone, quiet_until
from bot.tempfiles import TempFiles
from storage import outbox as outbox_repo
from storage import quiet_hours as quiet_repo
from storage.database import Database
from storage.members import Member

log = logging.getLogger(__name__)
TOKEN_EPSILON = 1e-6  # float and microsecond rounding: a token due now is there now


class DMClosed(Exception):
    """The member does not accept direct messages from the bot (Discord error 50007)."""


class TransientDeliveryError(Exception):
    """A failure worth retrying later (network, 5xx, rate limit).

    `retry_after` (seconds): the platform said when to try again (Signal's retryAfterSeconds); the
    row waits exactly that long and the wait does not count as a failed attempt.
    """

    def __init__(self, message: str = "", slow_down: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.slow_down = slow_down
        self.retry_after = retry_after


class PermanentDeliveryError(Exception):
    """A message that can never be delivered (unknown channel, deleted member).

    `cause` says why in words the animators can act on (`missing_permissions`, `missing_access`,
    `unknown_channel`, `unknown_role`, `member_gone`, ...); `params` what the transport knows
    that helps fix it (e.g. `bot_role`, the role Discord gave the bot).
    """

    def __init__(self, message: str = "", cause: str = "other", params: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.cause = cause
        self.params = dict(params or {})


@dataclass(frozen=True)
class Component:
    custom_id: str
    label: str
    options: tuple[dict[str, str], ...] = ()
    style: str = "primary"

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"custom_id": self.custom_id, "label": self.label}
        if self.options:
            data["options"] = list(self.options)
        if self.style != "primary":
            data["style"] = self.style
        return data


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = {"filename": self.filename, "content_type": self.content_type}
        if self.path:
            data["path"] = self.path
        return data


@dataclass
class Outgoing:
    """One message as the transport will deliver it."""

    id: int
    kind: str
    op: str
    target: str
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def target_kind(self) -> str:
        return self.target.split(":", 1)[0]

    @property
    def target_id(self) -> str:
        return self.target.split(":", 1)[1]


class Transport(Protocol):
    async def deliver(self, message: Outgoing) -> None:
        """Deliver one message; raise DMClosed, TransientDeliveryError or PermanentDeliveryError."""
        ...


def _payload(
    text: str, components: Sequence[Component], mentions: Sequence[str],
    attachments: Sequence[Attachment], extra: dict[str, Any],
) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": text, "mentions": list(mentions)}
    if components:
        payload["components"] = [c.as_dict() for c in components]
    if attachments:
        payload["attachments"] = [a.as_dict() for a in attachments]
    payload.update({k: v for k, v in extra.items() if v is not None})
    return payload


async def send_dm(
    tx: aiosqlite.Connection, ctx: Community, member: Member, kind: str, text: str, *,
    components: Sequence[Component] = (), attachments: Sequence[Attachment] = (),
    fallback_channel: str | None = None, fallback_thread: str | None = None,
    paced: bool = False, key: str | None = None, not_before: datetime | None = None,
    private_text: str | None = None, about: Sequence[int | None] = (), urgent: bool = False,
) -> int | None:
    """A direct message; a member known to refuse DMs is mentioned in the fallback channel instead.

    `private_text`: for a DM that must never go public (a data export), what the fallback post says
    instead; its attachments and components are then dropped.
    `about`: ids of the other members whose name or words the text carries (an erasure finds the
    message by them); members it mentions are linked on their own. Unless `urgent`, a DM waits
    for the end of the member's quiet hours (bot/quiet_hours.py).
    """
    fallback: dict[str, Any] = {"channel": fallback_channel or ctx.config.channels.general,
                                "thread": fallback_thread}
    if private_text is not None:
        fallback["text"] = private_text
        if member.dms_closed:
            text, attachments, components = private_text, (), ()
    if member.dms_closed:
        return await post(
            tx, ctx, fallback["channel"], kind, f"{mention(member.platform_id)} {text}",
            mentions=[member.platform_id], components=components, attachments=attachments,
            thread=fallback_thread, paced=paced, key=key, not_before=not_before,
            extra={"for_user": member.platform_id}, about=about,
        )
    payload = _payload(text, components, [], attachments, {"fallback": fallback, "urgent": urgent or None})
    if not urgent:
        wake = quiet_until(max(not_before or ctx.now(), ctx.now()), member.quiet_start, member.quiet_end,
                           member_zone(member.timezone, ctx.tz))
        not_before = wake or not_before
    return await _enqueue(tx, ctx, kind, "send", f"dm:{member.platform_id}", payload, paced, key, not_before,
                          about)


async def post(
    tx: aiosqlite.Connection, ctx: Community, channel: str, kind: str, text: str, *,
    mentions: Sequence[str] = (), components: Sequence[Component] = (),
    attachments: Sequence[Attachment] = (), thread: str | None = None,
    create_thread: str | None = None, paced: bool = False, key: str | None = None,
    not_before: datetime | None = None, extra: dict[str, Any] | None = None,
    about: Sequence[int | None] = (),
) -> int | None:
    """A message in a channel (or one of its threads); only `mentions` are really pinged.

    `about`: ids of the members whose name or words the text carries besides those it mentions."""
    more = dict(extra or {})
    more.update({"thread": thread, "create_thread": create_thread})
    payload = _payload(text, components, mentions, attachments, more)
    outbox_id = await _enqueue(tx, ctx, kind, "send", f"channel:{channel}", payload, paced, key, not_before, about)
    if outbox_id is not None and mentions:
        await outbox_repo.link_mentioned(tx, outbox_id, ctx.guild_id, mentions)
    return outbox_id


async def change_role(
    tx: aiosqlite.Connection, ctx: Community, member: Member, role: str, *, add: bool
) -> int | None:
    payload = {"role": role, "action": "add" if add else "remove"}
    return await _enqueue(tx, ctx, "role", "role", f"member:{member.platform_id}", payload, False, None, None)


async def apply_timeout(
    tx: aiosqlite.Connection, ctx: Community, member: Member, until: datetime, reason: str
) -> int | None:
    payload = {"until": until.isoformat(), "reason": reason}
    return await _enqueue(
        tx, ctx, "timeout", "timeout", f"member:{member.platform_id}", payload, False, None, None
    )


async def _enqueue(
    tx: aiosqlite.Connection, ctx: Community, kind: str, op: str, target: str,
    payload: dict[str, Any], paced: bool, key: str | None, not_before: datetime | None,
    about: Sequence[int | None] = (),
) -> int | None:
    now = ctx.now_ts()
    outbox_id = await outbox_repo.enqueue(
        tx, guild_id=ctx.guild_id, kind=kind, op=op, target=target, payload=payload, paced=paced,
        not_before=to_epoch(not_before) if not_before else now, now=now, key=key,
    )
    if outbox_id is not None:
        subjects = [m for m in about if m is not None]
        if subjects:
            await outbox_repo.link_subjects(tx, outbox_id, subjects)
        pinged = outbox_repo.mentioned(payload.get("text", ""))
        if pinged:
            await outbox_repo.link_mentioned(tx, outbox_id, ctx.guild_id, pinged)
    return outbox_id


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
        self.files = TempFiles.for_database(db.path)

    async def deliver_due(self) -> int:
        """Deliver everything due now; return how many went out."""
        sent = 0
        while True:
            now = to_epoch(self.clock.now())
            bucket_empty = not self.bucket.has_token()
            rows = await outbox_repo.due(self.db.reader, now, unpaced_only=bucket_empty)
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
        wake = quiet_until(self.clock.now(), quiet[0], quiet[1], member_zone(quiet[2], self.timezone))
        if wake is None or row.payload.get("urgent"):
            return False
        await self._write(outbox_repo.reschedule, row.id, row.attempts, to_epoch(wake))
        return True

    async def _deliver_one(self, row: outbox_repo.OutboxRow) -> bool:
        message = Outgoing(row.id, row.kind, row.op, row.target, dict(row.payload))
        now = to_epoch(self.clock.now())
        try:
            await self.transport.deliver(message)
        except DMClosed:
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
            if self.on_failure is not None:
                try:
                    await self.on_failure(message, exc)
                except Exception:  # reporting must never stop delivery
                    log.exception("could not report the failure of outbox %s", row.id)
            return False
        fault_point("outbox:after-send")
        await self._write(outbox_repo.mark_sent, row.id, now)
        self.files.discard_attachments(message.payload.get("attachments"))  # delivered: the file goes
        self.bucket.recover()
        return True

    async def _fall_back(self, row: outbox_repo.OutboxRow) -> None:
        """A closed DM becomes a mention in the relevant channel (and the member is flagged)."""
        platform_id = row.target.split(":", 1)[1]
        if self.on_dm_closed is not None:
            await self.on_dm_closed(platform_id)
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
        async with self.db.transaction() as tx:
            await outbox_repo.retarget(tx, row.id, f"channel:{fallback.get('channel', 'general')}", payload)
            await outbox_repo.link_mentioned(tx, row.id, row.guild_id, [platform_id])

    async def _write(self, fn: Callable[..., Awaitable[None]], *args: Any) -> None:
        async with self.db.transaction() as tx:
            await fn(tx, *args)

    async def next_wakeup(self) -> datetime | None:
        """When something pending becomes deliverable (for the simulated clock's advance)."""
        candidates = []
        nb = await outbox_repo.next_not_before(self.db.reader)
        now = self.clock.now()
        if nb is not None and from_epoch(nb) > now:
            candidates.append(from_epoch(nb))
        if self._blocked_until is not None:
            candidates.append(max(self._blocked_until, now))
        return min(candidates) if candidates else None
