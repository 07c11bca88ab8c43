"""Recurring rules as stored: a 5-field crontab whose weekday field may also be `D#N` (the Nth weekday D of
the month) or `DL` (the last one), with weekdays counted from Sunday = 0 as cron does; evaluated by
APScheduler in the community's timezone, once per local wall time across DST.

Read from words by bot/when.py, said back in words by bot/when_words.py. Pure functions.
"""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

# Standard crontab numbers weekdays from Sunday (0 or 7); APScheduler 3 from Monday: translate by name.
CRON_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
NTH_NAMES = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th"}
MAX_OCCURRENCES = 1000


def _weekday_number(token: str) -> int:
    token = token.strip().lower()
    if token in CRON_WEEKDAYS:
        return CRON_WEEKDAYS.index(token)
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7
    raise ValueError(f"bad weekday {token!r}")


def crontab_weekdays(field: str) -> str:
    """A crontab day-of-week field (0/7 = Sunday, names, ranges, steps) → APScheduler weekday names."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for item in field.split(","):
        base, _, step_text = item.partition("/")
        step = int(step_text) if step_text.isdigit() else 1
        if step < 1 or (step_text and not step_text.isdigit()):
            raise ValueError(f"bad step in {item!r}")
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            start, _, end = base.partition("-")
            first, last = _weekday_number(start), _weekday_number(end)
            if last == 0 and first > 0:  # `1-7`, `mon-sun`: Sunday closes the range
                last = 7
            if last < first:
                raise ValueError(f"bad range {item!r}")
        else:
            first = _weekday_number(base)
            last = 6 if step_text else first
        days.update(d % 7 for d in range(first, last + 1, step))
    return ",".join(CRON_WEEKDAYS[d] for d in sorted(days))


NTH_FIELD = re.compile(r"^(\w+)(?:#([1-5])|(L))$", re.IGNORECASE)


def cron_trigger(expr: str, tz: ZoneInfo) -> CronTrigger:
    """A 5-field crontab (with `D#N` / `DL` weekdays) in `tz`; ValueError when it is not one."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError("expected 5 fields")
    minute, hour, day, month, weekday = fields
    if day.upper() == "L":  # the last day of the month
        if weekday != "*":
            raise ValueError("the last day of the month and a weekday cannot be combined")
        try:
            return CronTrigger(minute=minute, hour=hour, day="last", month=month, timezone=tz)
        except (KeyError, IndexError, TypeError) as exc:
            raise ValueError(str(exc)) from None
    nth = NTH_FIELD.match(weekday)
    try:
        if nth:
            if day != "*":
                raise ValueError("a day of the month and an nth weekday cannot be combined")
            name = CRON_WEEKDAYS[_weekday_number(nth.group(1))]
            which = "last" if nth.group(3) else NTH_NAMES[int(nth.group(2))]
            return CronTrigger(minute=minute, hour=hour, day=f"{which} {name}", month=month, timezone=tz)
        return CronTrigger.from_crontab(" ".join([minute, hour, day, month, crontab_weekdays(weekday)]), timezone=tz)
    except (KeyError, IndexError, TypeError) as exc:
        raise ValueError(str(exc)) from None


def next_after(spec: str, tz: ZoneInfo, after: datetime, previous: datetime | None = None) -> datetime | None:
    """The first occurrence of a rule strictly after `after` (aware), None when it never fires again.

    Once per local wall time across DST (bot/wall_times.py): a time the autumn repeats fires once, a
    time the spring skips fires at the first valid time after it. `previous`: the last occurrence.
    """
    # bot.wall_times imports the scheduler, which (through the catalogues' bot/when_words.py) needs this module
    from bot.wall_times import cron_time_after

    return cron_time_after(cron_trigger(spec, tz), after, tz, previous)


def occurrences(spec: str, tz: ZoneInfo, after: datetime, count: int) -> list[datetime]:
    """The next `count` occurrences strictly after `after`, in `tz` (for listings and events)."""
    found: list[datetime] = []
    current, previous = after, None
    for _ in range(min(count, MAX_OCCURRENCES)):
        following = next_after(spec, tz, current, previous)
        if following is None:
            break
        found.append(following.astimezone(tz))
        current = previous = following
    return found


def is_cron(text: str) -> bool:
    fields = text.split()
    return len(fields) == 5 and all(re.fullmatch(r"[0-9*/,\-#LlA-Za-z?]+", f) for f in fields) and \
        bool(re.match(r"[0-9*]", fields[0]))
