"""Command and button registries: each area module declares its commands with decorators."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.context import Community
from bot.outbox import Attachment, Component
from storage.members import Member

OPTION_KINDS = ("text", "csv", "bool", "int", "member", "choice")


@dataclass(frozen=True)
class Actor:
    """Who acts, as the platform says: identity, locale and roles."""

    platform_id: str
    handle: str
    locale: str | None = None
    roles: frozenset[str] = frozenset()
    manage_guild: bool = False
    present: bool | None = None  # False: the platform says they are no longer in the community
    # Epoch seconds: the platform says they have been on the server since then, before the bot ever saw them
    # join (the console's `join` with `joined_at`, not adopted yet): not a newcomer when they accept the charter.
    joined_before: int | None = None


@dataclass(frozen=True)
class Option:
    name: str
    kind: str = "text"
    required: bool = False
    max_len: int = 2000
    choices: tuple[str, ...] = ()
    # A choice as people write it (`kind`: « permanence », « Rencontres »): (word, choice) pairs, matched case,
    # accents and a plural aside; and the catalogue key that refuses anything else (`{value}`), when not the
    # generic one.
    words: tuple[tuple[str, str], ...] = ()
    refusal: str | None = None
    # A catalogue prefix naming each choice in the reader's language (`events.kind` → « permanence bénévole »).
    choice_names: str | None = None
    # An int option's bounds, when the engine has them: Discord's slash option declares the same (tested).
    min_value: int | None = None
    max_value: int | None = None

    def __post_init__(self) -> None:
        assert self.kind in OPTION_KINDS, self.kind


@dataclass
class Invocation:
    """One command or click, resolved: the caller's member row, parsed options, reply locale."""

    ctx: Community
    actor: Actor
    member: Member
    options: dict[str, Any]
    locale: str
    is_animator: bool
    page: int = 1  # a long list's page (from 1), set by a page button (bot/commands/pages.py)

    def t(self, key: str, /, **params: Any) -> str:
        return self.ctx.i18n.t(self.locale, key, **params)


@dataclass
class Reply:
    ok: bool
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    components: list[Component] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    public: bool = False  # Discord: visible to the channel instead of ephemeral


Handler = Callable[[Invocation], Awaitable[Reply]]
ButtonHandler = Callable[[Invocation, str, list[str]], Awaitable[Reply]]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    options: tuple[Option, ...]
    handler: Handler
    animator: bool
    area: str
    #: Open to the network animators (`[network] animators`) anywhere in the network without the local
    #: animator role: with `network:true` when it has that option (`vitality`), else always (`dashboard`).
    network_animators: bool = False

    @property
    def key(self) -> str:
        """Catalogue key stem: `help.cmd.profile_set`."""
        return self.name.replace(" ", "_").replace("-", "_")


@dataclass(frozen=True)
class ButtonSpec:
    prefix: str  # `charter:accept` or `request:claim:` (a trailing colon takes an argument)
    handler: ButtonHandler
    animator: bool


COMMANDS: dict[str, CommandSpec] = {}
BUTTONS: list[ButtonSpec] = []


def command(name: str, *options: Option, animator: bool = False,
            network_animators: bool = False) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        assert name not in COMMANDS, f"command {name!r} declared twice"
        area = handler.__module__.rsplit(".", 1)[-1]
        COMMANDS[name] = CommandSpec(name, tuple(options), handler, animator, area, network_animators)
        return handler

    return register


def button(prefix: str, animator: bool = False) -> Callable[[ButtonHandler], ButtonHandler]:
    def register(handler: ButtonHandler) -> ButtonHandler:
        BUTTONS.append(ButtonSpec(prefix, handler, animator))
        return handler

    return register


def find_button(custom_id: str) -> tuple[ButtonSpec, str] | None:
    for spec in BUTTONS:
        if spec.prefix.endswith(":"):
            if custom_id.startswith(spec.prefix) and len(custom_id) > len(spec.prefix):
                return spec, custom_id[len(spec.prefix):]
        elif custom_id == spec.prefix:
            return spec, ""
    return None


def ok(text: str, data: dict[str, Any] | None = None, **more: Any) -> Reply:
    return Reply(ok=True, text=text, data=data or {}, **more)
