"""What the outbox carries and how transports answer: messages, components, files and failures.

Split from bot/outbox.py (which writes messages) and bot/outbox_dispatch.py (which delivers them),
so that transports and the dispatcher share these types without importing each other.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


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
    disabled: bool = False  # shown greyed out (a claim button once the request is taken)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"custom_id": self.custom_id, "label": self.label}
        if self.options:
            data["options"] = list(self.options)
        if self.style != "primary":
            data["style"] = self.style
        if self.disabled:
            data["disabled"] = True
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
    guild_id: str = ""  # the community's key (a network's transports route by it)

    @property
    def target_kind(self) -> str:
        return self.target.split(":", 1)[0]

    @property
    def target_id(self) -> str:
        return self.target.split(":", 1)[1]


class Transport(Protocol):
    async def deliver(self, message: Outgoing) -> str | None:
        """Deliver one message; raise DMClosed, TransientDeliveryError or PermanentDeliveryError.

        Returns the platform's id for a sent message when it can be edited later (Discord:
        `<channel id>:<message id>`), else None. Ops: `send`, `role`, `timeout`, `edit` (the payload
        holds the new `text` and `components` and `message_ref`, the original's returned id) and
        `thread` (rename or archive; extra intents a transport does not know are ignored)."""
        ...

