"""The community's live life as an in-process stream: services publish after their commit, the
dashboard's Server-Sent Events read it.

An event holds names as members chose to show them (a hidden, erased or departed profile is
"a member"), skills and counts, never message text. Nothing here is stored: a restart starts an
empty feed. Each subscriber has a bounded queue; a reader too slow to keep up loses the oldest
events rather than slowing the bot down.
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

KINDS = ("join", "request", "claim", "resolved", "thanks")
RECENT = 30
QUEUE_SIZE = 200


class Shown(Protocol):
    """What `shown_name` needs of a member row (storage.members.Member has it)."""

    handle: str
    visible: bool
    erased: bool
    left_at: int | None


def shown_name(member: Shown | None) -> str | None:
    """The member's handle if their profile is visible, else None ("a member" on the page)."""
    if member is None or not member.visible or member.erased or member.left_at is not None:
        return None
    return member.handle


@dataclass(frozen=True)
class LiveEvent:
    kind: str
    at: int                         # epoch seconds, the community clock
    who: str | None = None          # the actor's shown name
    other: str | None = None        # the other person (requester helped, member thanked)
    skills: tuple[str, ...] = ()
    ref: int | None = None          # a request number
    seq: int = 0

    def as_data(self) -> dict[str, Any]:
        return {"kind": self.kind, "at": self.at, "who": self.who, "other": self.other,
                "skills": list(self.skills), "ref": self.ref, "seq": self.seq}


@dataclass
class LiveStream:
    """Publish/subscribe for one community; `close` ends every subscription (the bot stops)."""

    recent: deque[LiveEvent] = field(default_factory=lambda: deque(maxlen=RECENT))
    _subscribers: set[asyncio.Queue[LiveEvent | None]] = field(default_factory=set)
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    closed: bool = False

    def publish(self, kind: str, at: int, **fields: Any) -> LiveEvent:
        """Call after the transaction committed: what is published has happened."""
        assert kind in KINDS, kind
        event = LiveEvent(kind=kind, at=at, seq=next(self._seq), **fields)
        self.recent.append(event)
        self.totals[kind] += 1
        for queue in list(self._subscribers):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(event)
        return event

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    async def subscribe(self) -> AsyncIterator[LiveEvent | None]:
        """Events as they come; None now and then (a heartbeat tick) so writers notice gone readers."""
        if self.closed:
            return
        queue: asyncio.Queue[LiveEvent | None] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.add(queue)
        try:
            while not self.closed:
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=15)
                except TimeoutError:
                    yield None
                    continue
                if event is None:
                    return
                yield event
        finally:
            self._subscribers.discard(queue)

    def close(self) -> None:
        self.closed = True
        for queue in list(self._subscribers):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(None)
