"""What every service call needs: the community's database, clock, config and words.

In a network (docs/NETWORK.md) each community has its own context, all sharing one database and
clock; `ctx.network` knows them all. A lone community is a network of one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.clock import Clock, to_epoch
from bot.config import Config
from bot.i18n import Translator
from bot.live import LiveStream
from bot.tempfiles import TempFiles
from storage.database import Database

if TYPE_CHECKING:
    from bot.network import Network


@dataclass
class Community:
    db: Database
    clock: Clock
    config: Config
    i18n: Translator
    guild_id: str
    live: LiveStream = field(default_factory=LiveStream)  # the dashboard's live feed
    dashboard_url: str | None = None  # set while the dashboard is served
    # The transports' views of the server (bot.services.setup.ServerPlatform): members, permission checks.
    platforms: list[Any] = field(default_factory=list)
    id: str = "main"  # the community's short id in the network (`[[communities]] id`)
    key_prefix: str = ""  # before its job and outbox keys: "" alone, "<id>/" in a network
    _network: Network | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.config.community.name

    @property
    def network(self) -> Network:
        """The network this community belongs to (a network of one when none was set)."""
        if self._network is None:
            from bot.network import Network

            self._network = Network.of_one(self)
        return self._network

    @network.setter
    def network(self, value: Network) -> None:
        self._network = value

    def key(self, key: str) -> str:
        """An idempotency key made this community's (outbox keys are unique across the database)."""
        return f"{self.key_prefix}{key}"

    def __post_init__(self) -> None:
        if getattr(self.i18n, "clock", None) is None:  # dates say their year only when it is not this one
            self.i18n.clock = self.clock

    def now(self) -> datetime:
        return self.clock.now()

    def now_ts(self) -> int:
        return to_epoch(self.clock.now())

    @property
    def tz(self) -> ZoneInfo:
        return self.config.community.tz

    @property
    def locale(self) -> str:
        return self.config.community.locale

    def local(self, when: datetime | None = None) -> datetime:
        return (when or self.now()).astimezone(self.tz)

    @property
    def files(self) -> TempFiles:
        """Where exports and charts are written until delivered (bot/tempfiles.py)."""
        return TempFiles.for_database(self.db.path)

    def t(self, locale: str | None, key: str, /, **params: object) -> str:
        return self.i18n.t(locale, key, **params)
