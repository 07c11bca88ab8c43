"""`[signal]` in the configuration: where signal-cli listens, which account and group the bot uses.

Checked when the file is read, like every section; `require_complete` adds what `entraide run
--transport signal` needs on top (an account, one endpoint, the group).
"""
from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
ACI = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
GROUP_ID = re.compile(r"^[A-Za-z0-9+/_-]{20,}={0,2}$")
# What any config may bind a community to: `entraide console` simulates any group (a network's Signal-like
# place may be named `group = "quai"` there); `run --transport signal` wants a real GROUP_ID (`missing`).
GROUP_KEY = re.compile(r"^[A-Za-z0-9+/_=.-]{1,200}$")
HOST_PORT = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:(\d{1,5})$")
LOGICAL_CHANNELS = ("welcome", "help_requests", "general", "mod_log", "animators")
TIMEOUT_MODES = ("refuse", "remove")


class SignalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    account: str = ""  # the bot's number (+33…) or, for an account without one, its ACI
    socket: str = ""  # signal-cli daemon --socket PATH
    tcp: str = ""  # or daemon --tcp HOST:PORT
    group: str = ""  # the community's group id (every channel goes there by default)
    channels: dict[str, str] = Field(default_factory=dict)  # animators = "<groupId>", mod_log = …
    animators: list[str] = Field(default_factory=list)  # ACIs, in addition to the group's admins
    timeout: str = "refuse"  # `mod timeout`: refuse (Signal has no timeouts) or remove from the group

    @field_validator("account")
    @classmethod
    def _account(cls, value: str) -> str:
        value = value.strip()
        if value and not (PHONE.match(value) or ACI.match(value.lower())):
            raise ValueError('expected the bot\'s number in international form, e.g. "+33612345678"')
        return value

    @field_validator("tcp")
    @classmethod
    def _tcp(cls, value: str) -> str:
        match = HOST_PORT.match(value.strip())
        if value.strip() and (not match or not 0 < int(match.group(1)) < 65536):
            raise ValueError('expected host:port, e.g. "127.0.0.1:7583"')
        return value.strip()

    @field_validator("group")
    @classmethod
    def _group(cls, value: str) -> str:
        if value.strip() and not GROUP_KEY.match(value.strip()):
            raise ValueError("expected a group id as `signal-cli listGroups` prints it (base64)")
        return value.strip()

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: dict[str, str]) -> dict[str, str]:
        for name, group in value.items():
            if name not in LOGICAL_CHANNELS:
                raise ValueError(f"unknown channel {name!r}; expected one of {', '.join(LOGICAL_CHANNELS)}")
            if not GROUP_ID.match(group.strip()):
                raise ValueError(f"channel {name!r}: expected a group id as `signal-cli listGroups` prints it")
        return {name: group.strip() for name, group in value.items()}

    @field_validator("animators")
    @classmethod
    def _animators(cls, value: list[str]) -> list[str]:
        for aci in value:
            if not ACI.match(aci.strip().lower()):
                raise ValueError(f"{aci!r} is not an ACI (a Signal account id such as "
                                 "'a1b2c3d4-…'; `signal-cli listGroups -d` shows the members' ids)")
        return [aci.strip().lower() for aci in value]

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: str) -> str:
        if value not in TIMEOUT_MODES:
            raise ValueError("expected refuse or remove")
        return value

    def missing(self) -> str | None:
        """What `run --transport signal` still needs, as one sentence; None when complete."""
        if not self.account:
            return "set signal.account to the bot's Signal number (see the README, “Run it on Signal”)."
        if bool(self.socket) == bool(self.tcp):
            return "set exactly one of signal.socket (a UNIX socket path) or signal.tcp (host:port)."
        if not self.group:
            return "set signal.group to the community's group id (`signal-cli -a NUMBER listGroups`)."
        if not GROUP_ID.match(self.group):
            return (f"signal.group {self.group!r} is not a group id as `signal-cli -a NUMBER listGroups` prints it "
                    "(base64, such as \"Z3JvdXAt…=\").")
        return None
