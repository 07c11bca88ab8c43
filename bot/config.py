"""Configuration: `config.example.toml` → pydantic models, validated once; a bad key stops start-up."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.transports.signal_settings import SignalSettings
from bot.zone_names import canonical_zone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ConfigError(Exception):
    """One sentence naming the key that is wrong."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_hhmm(value: str) -> str:
    if not HHMM.match(value):
        raise ValueError("expected a time HH:MM, e.g. 10:00")
    return value


class Community(Section):
    name: str = "Entraide"
    guild_id: str = ""
    locale: str = "fr"
    timezone: str = "Europe/Paris"
    charter: str = ""
    charter_file: str = ""
    deepening_session: str = ""
    other_servers: str = "leave"  # leave | ignore: servers the bot is invited to that are not the community's

    @field_validator("other_servers")
    @classmethod
    def _other_servers(cls, value: str) -> str:
        if value not in ("leave", "ignore"):
            raise ValueError("expected leave or ignore")
        return value

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in ("fr", "en"):
            raise ValueError("expected fr or en")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        """Any case is read, the canonical name kept (bot/zone_names.py's canonical_zone says why)."""
        name = canonical_zone(value)
        if name is None:
            raise ValueError(f"unknown IANA timezone {value!r}")
        return name

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Channels(Section):
    welcome: str = "welcome"
    help_requests: str = "help-requests"
    general: str = "general"
    mod_log: str = "mod-log"
    animators: str = "animators"


class Roles(Section):
    member: str = "member"
    animators: list[str] = Field(default_factory=lambda: ["animator"])
    member_of_the_month: str = "member-of-the-month"


class Schedule(Section):
    weekly_digest_day: str = "mon"
    weekly_digest_time: str = "10:00"
    weekly_nudges_day: str = "wed"
    weekly_nudges_time: str = "18:00"
    daily_time: str = "09:00"
    catch_up_grace_hours: float = Field(default=6, ge=0)

    @field_validator("weekly_digest_day", "weekly_nudges_day")
    @classmethod
    def _day(cls, value: str) -> str:
        if value not in WEEKDAYS:
            raise ValueError(f"expected one of {', '.join(WEEKDAYS)}")
        return value

    _hhmm = field_validator("weekly_digest_time", "weekly_nudges_time", "daily_time")(
        classmethod(lambda cls, v: _check_hhmm(v))
    )


class Onboarding(Section):
    checkin_days: list[int] = Field(default_factory=lambda: [7, 30, 180])
    farewell: bool = True
    godparent_min_days: int = Field(default=14, ge=0)
    godparent_max_godchildren: int = Field(default=3, ge=1)
    godparent_quiet_days: int = Field(default=60, ge=1)


class Requests(Section):
    helpers_per_round: int = Field(default=3, ge=1, le=25)
    round_after_hours: float = Field(default=12, gt=0)
    urgent_round_after_hours: float = Field(default=2, gt=0)
    escalate_after_rounds: int = Field(default=2, ge=1)
    max_helpers: int = Field(default=1, ge=1)
    # At most fatigue_cap pings per member in fatigue_window_days; fewest pings over the fairness window first
    # (4 in 14 days and 28 days: measured with `entraide simulate`, docs/PERFORMANCE.md "Routing outcomes").
    fatigue_cap: int = Field(default=4, ge=1)
    fatigue_window_days: int = Field(default=14, ge=1)
    fairness_window_days: int = Field(default=28, ge=1)
    followup_after_days: int = Field(default=7, ge=1)
    max_open_per_member: int = Field(default=3, ge=1)
    max_new_per_day: int = Field(default=5, ge=1)
    max_thanks_per_day: int = Field(default=10, ge=1)
    # The community's night (local hours) for members who set no quiet hours: no ping then (equal: none).
    night_start: int = Field(default=22, ge=0, le=23)
    night_end: int = Field(default=8, ge=0, le=23)
    # Round sizes adapt to how likely the candidates are to answer (recent claims, ignored pings, load):
    # as many as give the chance of an answer that helpers_per_round members new to the bot give,
    # between 1 and max_helpers_per_round. Off: always helpers_per_round.
    adaptive_rounds: bool = True
    max_helpers_per_round: int = Field(default=6, ge=1, le=25)


class Nudges(Section):
    enabled: bool = True
    quiet_weeks_before_hello: int = Field(default=4, ge=1)
    hello_every_weeks: int = Field(default=8, ge=1)
    profile_stale_days: int = Field(default=180, ge=1)
    max_per_request: int = Field(default=3, ge=1)  # members nudged about the same request in a week


class Motm(Section):
    open_day: int = Field(default=1, ge=1, le=28)
    open_time: str = "10:00"
    duration_days: int = Field(default=7, ge=1, le=27)
    nomination_days: int = Field(default=3, ge=0)
    thanks_nominees: int = Field(default=5, ge=0)
    max_nominees: int = Field(default=10, ge=1, le=25)
    voter_min_days: int = Field(default=7, ge=0)
    exclude_last_winner: bool = True
    max_nominations_per_day: int = Field(default=3, ge=1)

    _hhmm = field_validator("open_time")(classmethod(lambda cls, v: _check_hhmm(v)))


class Events(Section):
    default_minutes: int = Field(default=120, ge=5, le=10080)
    late_call_days: int = Field(default=2, ge=0, le=30)
    call_dms_per_place: int = Field(default=2, ge=0, le=10)
    max_call_dms: int = Field(default=10, ge=0, le=50)
    session_invite_days: int = Field(default=30, ge=1, le=365)
    deepening_after_days: int = Field(default=180, ge=30, le=730)
    calendar_days: int = Field(default=60, ge=1, le=365)


class Proposals(Section):
    supports_needed: int = Field(default=5, ge=1, le=1000)
    vote_days: int = Field(default=7, ge=1, le=60)
    quorum_percent: int = Field(default=10, ge=0, le=100)
    max_open_per_member: int = Field(default=3, ge=1, le=50)


class Moderation(Section):
    retention_days: int = Field(default=365, ge=1)
    max_timeout_minutes: int = Field(default=40320, ge=1, le=40320)


class Privacy(Section):
    retention_days_after_leave: int = Field(default=90, ge=0)


class Delivery(Section):
    burst: int = Field(default=10, ge=1)
    rate_per_minute: float = Field(default=20, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: float = Field(default=30, gt=0)


class Skills(Section):
    aliases: dict[str, str] = Field(default_factory=dict)


class Database(Section):
    path: str = "entraide.sqlite"
    url: str = ""  # postgresql://user@host/db: PostgreSQL instead of the SQLite file (docs/SCALING.md)
    synchronous: str = "FULL"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("expected empty (the SQLite file named by path) or postgresql://user@host/database")
        return value

    @field_validator("synchronous")
    @classmethod
    def _sync(cls, value: str) -> str:
        if value.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError("expected OFF, NORMAL, FULL or EXTRA")
        return value.upper()


class Dashboard(Section):
    """The animators' web dashboard, served by the bot process (put it behind a TLS proxy)."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8710, ge=0, le=65535)
    public_url: str = ""  # how animators reach it, e.g. https://entraide.example.org; empty = http://host:port

    @field_validator("public_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError("expected an http(s) URL, e.g. https://entraide.example.org")
        return value.rstrip("/")


SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|h|d|w)\s*$")
DURATION_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}


def duration_seconds(text: str) -> float:
    """`90m`, `36h`, `2d`, `1w` → seconds (ValueError otherwise)."""
    match = DURATION.match(text)
    if not match:
        raise ValueError("expected a duration such as 12h, 2d or 1w")
    return float(match.group(1)) * DURATION_UNITS[match.group(2)]


class Network(Section):
    """`[network]`: the communities' network as a whole (docs/NETWORK.md)."""

    name: str = ""  # empty: the top-level community's name
    animators: list[str] = Field(default_factory=list)  # role names or user ids of the network animators
    channel: str = "animators"  # where the network digest goes, in the home community
    home: str = ""  # the community whose channel hosts the digest (empty: the first one)
    auto_widen: bool = False  # offer an unmet request to the network without being asked
    widen_after: str = "24h"  # ... once unclaimed this long after the local rounds
    widen_rounds: int = Field(default=2, ge=0, le=10)  # local rounds before widening
    digest_day: str = "mon"
    digest_hour: int = Field(default=9, ge=0, le=23)

    @field_validator("digest_day")
    @classmethod
    def _day(cls, value: str) -> str:
        if value not in WEEKDAYS:
            raise ValueError(f"expected one of {', '.join(WEEKDAYS)}")
        return value

    @field_validator("widen_after")
    @classmethod
    def _duration(cls, value: str) -> str:
        duration_seconds(value)
        return value.strip()


# The sections a `[[communities]]` entry may set for itself (merged over the top-level ones).
COMMUNITY_SECTIONS = ("channels", "roles", "schedule", "onboarding", "requests", "nudges", "motm", "events",
                      "proposals", "moderation", "privacy", "skills")
COMMUNITY_FIELDS = ("name", "guild_id", "locale", "timezone", "charter", "charter_file", "deepening_session",
                    "other_servers")


class CommunityEntry(Section):
    """One `[[communities]]` entry: a place of the network; what it does not set, it inherits."""

    id: str
    name: str
    guild_id: str | None = None  # Discord server id
    group: str | None = None  # Signal group id
    locale: str | None = None
    timezone: str | None = None
    charter: str | None = None
    charter_file: str | None = None
    deepening_session: str | None = None
    other_servers: str | None = None
    # Sections, checked when merged (bot/network.py): a wrong key is named communities[N].section.key.
    channels: dict[str, Any] | None = None
    roles: dict[str, Any] | None = None
    schedule: dict[str, Any] | None = None
    onboarding: dict[str, Any] | None = None
    requests: dict[str, Any] | None = None
    nudges: dict[str, Any] | None = None
    motm: dict[str, Any] | None = None
    events: dict[str, Any] | None = None
    proposals: dict[str, Any] | None = None
    moderation: dict[str, Any] | None = None
    privacy: dict[str, Any] | None = None
    skills: dict[str, Any] | None = None

    @property
    def platform_key(self) -> str:
        """The key its rows are stored under: the Discord server id, else the Signal group, else its id."""
        return self.guild_id or self.group or self.id


class Config(Section):
    network: Network = Field(default_factory=Network)
    communities: list[CommunityEntry] = Field(default_factory=list)
    community: Community = Field(default_factory=Community)
    channels: Channels = Field(default_factory=Channels)
    roles: Roles = Field(default_factory=Roles)
    schedule: Schedule = Field(default_factory=Schedule)
    onboarding: Onboarding = Field(default_factory=Onboarding)
    requests: Requests = Field(default_factory=Requests)
    nudges: Nudges = Field(default_factory=Nudges)
    motm: Motm = Field(default_factory=Motm)
    moderation: Moderation = Field(default_factory=Moderation)
    events: Events = Field(default_factory=Events)
    proposals: Proposals = Field(default_factory=Proposals)
    privacy: Privacy = Field(default_factory=Privacy)
    delivery: Delivery = Field(default_factory=Delivery)
    skills: Skills = Field(default_factory=Skills)
    database: Database = Field(default_factory=Database)
    signal: SignalSettings = Field(default_factory=SignalSettings)
    dashboard: Dashboard = Field(default_factory=Dashboard)


def parse_config(data: dict[str, Any], source: str = "config") -> Config:
    """Validate a parsed TOML document; the first problem becomes one sentence naming its key."""
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        from bot.config_check import describe_validation_error

        raise ConfigError(describe_validation_error(exc.errors()[0], data, source)) from None
    if config.communities:
        from bot.network_config import check_network

        check_network(config, data, source)  # ids, bindings, each community's merged settings
    return config


def load_config(path: Path | str | None) -> Config:
    if path is None:
        return Config()
    from bot import config_check

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(config_check.words().t("fr", "settings.no_file", source=str(path))) from None
    except UnicodeDecodeError:
        line, sample = config_check.utf8_problem(path) or (0, "")
        raise ConfigError(config_check.words().t("fr", "settings.not_utf8", source=str(path), path=str(path),
                                                 line=line, sample=sample)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(config_check.toml_error(str(path), str(exc))) from None
    return parse_config(data, str(path))
