"""Dates, times and rules read back in the reader's words: "jeudi 24 décembre à 18 h",
"Thu 24 Dec, 6:00 PM", "tous les jeudis à 18 h", "every first Monday of the month at 7:00 PM".

Never seconds, never a raw cron when words exist for it. The sentences are catalogue keys
(`time.*` in bot/i18n/<locale>/time.toml); day and month names come from Babel.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from babel.dates import get_day_names, get_month_names

from bot.cron_rules import CRON_WEEKDAYS, NTH_FIELD, crontab_weekdays


class Words(Protocol):
    def t(self, locale: str | None, key: str, /, **params: object) -> str: ...

    def locale_or_default(self, locale: str | None) -> str: ...

    def join(self, locale: str | None, items: list[str]) -> str: ...


def clock(words: Words, locale: str | None, hour: int, minute: int) -> str:
    """18 h, 18 h 30, 0 h / 6:00 PM, 6:30 PM, 12:00 AM (never "midnight": which day would it be?)."""
    loc = words.locale_or_default(locale)
    pattern = words.t(loc, "time.clock_pattern" if minute == 0 else "time.clock_minutes_pattern")
    return babel_format_datetime(datetime(2000, 1, 1, hour, minute), pattern, locale=loc)


def format_date(words: Words, locale: str | None, when: datetime, tz: ZoneInfo,
                reference: datetime | None = None) -> str:
    """jeudi 24 décembre / Thu 24 Dec; the year is said when it is not the reference's (or unknown)."""
    loc = words.locale_or_default(locale)
    local = when.astimezone(tz)
    same_year = reference is not None and reference.astimezone(tz).year == local.year
    pattern = words.t(loc, "time.date_pattern" if same_year else "time.date_pattern_year")
    if local.day == 1:  # "1er mai"
        first = words.t(loc, "time.first_of_month").replace("'", "''")
        pattern = re.sub(r"(?<![a-zA-Z'])d(?![a-zA-Z])", f"'{first}'", pattern)
    return babel_format_datetime(local, pattern, locale=loc)


def format_datetime(words: Words, locale: str | None, when: datetime, tz: ZoneInfo,
                    reference: datetime | None = None) -> str:
    """jeudi 24 décembre à 18 h / Thu 24 Dec, 6:00 PM (no seconds)."""
    local = when.astimezone(tz)
    return words.t(locale, "time.datetime", date=format_date(words, locale, local, tz, reference),
                   time=clock(words, locale, local.hour, local.minute))


def _single(field: str, low: int, high: int) -> int | None:
    return int(field) if field.isdigit() and low <= int(field) <= high else None


def _day_name(loc: str, python_weekday: int) -> str:
    return str(get_day_names("wide", locale=loc)[python_weekday])


def _python_weekday(cron_name: str) -> int:
    return (CRON_WEEKDAYS.index(cron_name) - 1) % 7


def _ordinal_day(words: Words, loc: str, day: int) -> str:
    if day == 1:
        return words.t(loc, "time.rule.first_day")
    if loc == "en":
        suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
        return f"{day}{suffix}"
    return str(day)


def describe_rule(words: Words, locale: str | None, spec: str) -> str:
    """A stored rule (5-field crontab, see bot/cron_rules.py) in words; the cron itself only when no words fit."""
    loc = words.locale_or_default(locale)
    fields = spec.split()
    if len(fields) != 5:
        return words.t(loc, "time.rule.cron", cron=spec)
    minute_f, hour_f, day_f, month_f, weekday_f = fields
    minute = _single(minute_f, 0, 59)
    step = re.fullmatch(r"\*/(\d+)", minute_f)
    if step and (hour_f, day_f, month_f, weekday_f) == ("*", "*", "*", "*"):
        return words.t(loc, "time.rule.every_minutes", count=int(step.group(1)))
    if minute_f == "*" and (hour_f, day_f, month_f, weekday_f) == ("*", "*", "*", "*"):
        return words.t(loc, "time.rule.every_minutes", count=1)
    if minute is not None and (hour_f, day_f, month_f, weekday_f) == ("*", "*", "*", "*"):
        return words.t(loc, "time.rule.hourly_sharp") if minute == 0 else \
            words.t(loc, "time.rule.hourly", minute=f"{minute:02d}")
    hours = [int(h) for h in hour_f.split(",")] if re.fullmatch(r"\d{1,2}(,\d{1,2})*", hour_f) else []
    if minute is None or not hours or any(h > 23 for h in hours):
        return words.t(loc, "time.rule.cron", cron=spec)
    time = words.join(loc, [clock(words, loc, h, minute) for h in hours])
    nth = NTH_FIELD.match(weekday_f)
    if nth and day_f == "*" and month_f == "*":
        try:
            name = crontab_weekdays(nth.group(1))
        except ValueError:
            return words.t(loc, "time.rule.cron", cron=spec)
        which = "time.rule.nth_last" if nth.group(3) else f"time.rule.nth_{nth.group(2)}"
        return words.t(loc, "time.rule.monthly_nth", nth=words.t(loc, which),
                       day=_day_name(loc, _python_weekday(name)), time=time)
    if month_f == "*" and weekday_f == "*":
        if day_f == "*":
            return words.t(loc, "time.rule.daily", time=time)
        if day_f.upper() == "L":
            return words.t(loc, "time.rule.monthly_last_day", time=time)
        day = _single(day_f, 1, 31)
        if day is not None:
            return words.t(loc, "time.rule.monthly_day", day=_ordinal_day(words, loc, day), time=time)
    if weekday_f == "*" and _single(day_f, 1, 31) is not None and _single(month_f, 1, 12) is not None:
        month_name = str(get_month_names("wide", locale=loc)[int(month_f)])
        day_text = _ordinal_day(words, loc, int(day_f)) if loc == "fr" else day_f
        return words.t(loc, "time.rule.yearly", date=f"{day_text} {month_name}", time=time)
    if day_f == "*" and month_f == "*":
        try:
            names = crontab_weekdays(weekday_f).split(",")
        except ValueError:
            return words.t(loc, "time.rule.cron", cron=spec)
        days = sorted(_python_weekday(n) for n in names)
        if len(days) == 7:
            return words.t(loc, "time.rule.daily", time=time)
        if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
            return words.t(loc, "time.rule.weekdays_range", first=_day_name(loc, days[0]),
                           last=_day_name(loc, days[-1]), time=time)
        plural = [words.t(loc, "time.rule.weekday_plural", day=_day_name(loc, d)) for d in days]
        return words.t(loc, "time.rule.weekly", days=words.join(loc, plural), time=time)
    return words.t(loc, "time.rule.cron", cron=spec)


def describe_each(words: Words, locale: str | None, spec: str) -> str:
    """A rule as an event's notice says it: one day of the week is « chaque mardi à 18 h » / "every
    Tuesday at 6:00 PM"; any other rule as `describe_rule` reads it."""
    loc = words.locale_or_default(locale)
    fields = spec.split()
    if len(fields) == 5 and fields[2:4] == ["*", "*"]:
        minute, hours = _single(fields[0], 0, 59), fields[1]
        try:
            names = crontab_weekdays(fields[4]).split(",")
        except ValueError:
            names = []
        if minute is not None and len(names) == 1 and _single(hours, 0, 23) is not None:
            return words.t(loc, "time.rule.each_weekday", day=_day_name(loc, _python_weekday(names[0])),
                           time=clock(words, loc, int(hours), minute))
    return describe_rule(words, locale, spec)


def typed_date(locale: str, when: datetime, tz: ZoneInfo) -> str:
    """A one-off date as a member types it, which `parse_when` reads back as this very instant (within the
    year ahead): « 5 décembre 14h », « 5 décembre 14h30 » / “December 5 2pm”, “December 5 2:30pm”."""
    local = when.astimezone(tz)
    month = str(get_month_names("wide", locale=locale)[local.month])
    if locale == "en":
        hour = f"{local.hour % 12 or 12}" + (f":{local.minute:02d}" if local.minute else "")
        return f"{month} {local.day} {hour}{'am' if local.hour < 12 else 'pm'}"
    return f"{local.day} {month} {local.hour}h" + (f"{local.minute:02d}" if local.minute else "")
