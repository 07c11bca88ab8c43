"""Crontab reminders across daylight-saving changes: once per local wall time (issue 15, item 12).

APScheduler's CronTrigger answers a wall time twice in the autumn (02:30+02:00, then 02:30+01:00)
and, in the spring, a 02:30 that does not exist (02:30+01:00, which is 03:30 local). A reminder
follows the rule every job follows (its period is the local time it names): a wall time posts once,
the first time it occurs; a wall time the spring change skips posts once, at the first valid time
after it (03:00), as cron does.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from bot.jobs import trigger_time_after


def wall(instant: datetime, tz: ZoneInfo) -> datetime:
    """The local wall time of an instant, naive, to the minute (through UTC: astimezone to the same
    tzinfo would keep a wall time that does not exist)."""
    return instant.astimezone(UTC).astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)


def first_valid_time(candidate: datetime, tz: ZoneInfo) -> datetime:
    """`candidate` as an instant; a wall time the spring change skips becomes the first valid time after it."""
    named = candidate.replace(tzinfo=None)
    if wall(candidate, tz) == named.replace(second=0, microsecond=0):
        return candidate
    earliest = min(named.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1))
    instant = earliest.replace(second=0, microsecond=0)
    for _ in range(24 * 60):  # minute by minute through the gap (an hour, rarely two)
        if instant.astimezone(tz).replace(tzinfo=None) >= named:
            return instant.astimezone(tz)
        instant += timedelta(minutes=1)  # instant is in UTC: its astimezone(tz) is a real local time
    return candidate


def cron_time_after(trigger: BaseTrigger, after: datetime, tz: ZoneInfo, previous: datetime | None) -> datetime | None:
    """The trigger's next posting strictly after `after`, never the local wall time of `previous` again."""
    seen = wall(previous, tz) if previous is not None else None
    cursor = after
    for _ in range(4):  # at most the repeated hour's second answer is skipped
        following = trigger_time_after(trigger, cursor)
        if following is None:
            return None
        named = following.replace(tzinfo=None, second=0, microsecond=0)
        if named != seen:
            return first_valid_time(following, tz)
        cursor = following
    return None
