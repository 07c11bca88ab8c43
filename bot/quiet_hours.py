"""Quiet hours: a member's `quiet_hours=22-08` holds back every non-urgent DM until they end.

Checked twice: when a DM is written to the outbox (its `not_before` is then the end of the quiet
hours) and again by the dispatcher just before delivery, because a paced backlog or a bulk insert
(weekly nudges, check-ins) can reach a member hours after it was queued. Urgent DMs go through: an
urgent help request, and what answers the member's own action or a moderation measure taking effect
now (the welcome on joining, their data export, a warning or a timeout).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.zone_names import canonical_zone


def member_zone(timezone: str | None, default: ZoneInfo) -> ZoneInfo:
    """The member's own zone when it is a real IANA name (in any case, as PostgreSQL reads it), else the
    community's."""
    name = canonical_zone(timezone) if timezone else None
    return ZoneInfo(name) if name else default


def is_quiet(hour: int, start: int | None, end: int | None) -> bool:
    """Whether a wall-clock hour falls in [start, end) (wrapping midnight when start > end)."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def quiet_until(now: datetime, start: int | None, end: int | None, tz: ZoneInfo) -> datetime | None:
    """When the quiet hours that `now` falls in end (`end`:00 on the member's wall clock), else None."""
    local = now.astimezone(tz)
    if not is_quiet(local.hour, start, end):
        return None
    assert end is not None
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    wake = datetime(day.year, day.month, day.day, end, tzinfo=tz)
    if wake.astimezone(ZoneInfo("UTC")).astimezone(tz).hour != end:  # end hour skipped by DST
        wake = datetime(day.year, day.month, day.day, end, tzinfo=tz) + timedelta(hours=1)
    return wake if wake > now else None
