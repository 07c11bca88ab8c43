"""The charter gates participation: until a member accepts it, they may only read it, get help,
export or delete their data (COMMANDS.md, `not_eligible`). Animators' commands are not gated, so an
animator can set the community up (`setup adopt`) before anyone has accepted anything.
"""
from __future__ import annotations

from bot.errors import DomainError
from bot.outbox import Component
from storage.members import Member

# Member commands open before the charter is accepted.
OPEN_COMMANDS = frozenset({"charter", "help", "profile export", "profile delete"})
# Buttons open before it: accepting it, turning messages off (saying less is always allowed), and a
# page of a list (the command it re-runs is checked as if typed).
OPEN_BUTTONS = frozenset({"charter:accept", "nudges:off", "page:"})
DETAIL_KEY = "participation.accept_charter_first"


class CharterFirst(DomainError):
    """`not_eligible`: accept the charter first; the reply carries the charter's accept button."""

    def __init__(self, button: Component) -> None:
        super().__init__("not_eligible", DETAIL_KEY)
        self.components = [button]


def has_accepted(member: Member | None) -> bool:
    return member is not None and member.charter_accepted_at is not None and not member.erased


def command_is_gated(name: str, animator_command: bool) -> bool:
    return not animator_command and name not in OPEN_COMMANDS


def button_is_gated(prefix: str, animator_button: bool) -> bool:
    return not animator_button and prefix not in OPEN_BUTTONS
