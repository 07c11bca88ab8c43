"""What every service call needs: the community's database, clock, config and words."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock, to_epoch
from bot.config import Config
from bot.i18n import Translator
from bot.live import LiveStream
from bot.tempfiles import TempFiles
from storage.database import Database


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
