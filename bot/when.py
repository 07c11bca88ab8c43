"""Time in words: what people type for "when" (French or English) → an instant or a recurring rule.

One-off dates ("24/12 18h", "24/12/2026 18:00", "demain 9h", "jeudi prochain à 18h30",
"next Friday 7pm", "dans 2 heures", ISO 8601) and recurrences ("tous les jeudis à 18h", "jeudi 18h",
"chaque premier lundi du mois à 19h", "le 15 de chaque mois à 10h", "tous les jours à 9h",
"every Monday 10am", "du lundi au vendredi à 9h", a 5-field crontab) are read here; reading them back
in words is bot/when_words.py. A rule is stored as a 5-field crontab (weekdays counted from Sunday
= 0, as cron does) whose weekday field may also be `D#N` (the Nth weekday D of the month) or `DL`
(the last one), so every rule, typed in words or in cron, has one form that APScheduler evaluates
in the community's timezone: "every Thursday at 18:00" stays at 18:00 local time across DST. The rules
themselves are bot/cron_rules.py; the vocabulary (and durations) bot/when_lexicon.py.

Pure functions: no database, no clock of its own (`now` is passed in), no catalogue.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.cron_rules import is_cron, next_after
from bot.when_lexicon import (
    DAY_UNITS,
    DURATION_UNITS,
    EVERY,
    FILLERS,
    HOUR_UNITS,
    MONTH_UNITS,
    MONTH_WORDS,
    NEXT,
    ORDINAL_WORDS,
    RANGE_WORDS,
    RELATIVE_DAYS,
    THIS,
    UNIT_PATTERN,
    WEEKDAY_WORDS,
    WEEKDAYS_WORDS,
    WEEKEND_WORDS,
    YEAR_UNITS,
    WhenError,
    normalize,
    take_time,
)

# ---------------------------------------------------------------------------------------------
# Parsing


@dataclass(frozen=True)
class When:
    """What a "when" text means: one instant (`rule` None) or a recurring rule and its first time."""

    first: datetime  # aware, in the timezone it was read in
    rule: str | None = None  # a 5-field crontab (see the module docstring)

    @property
    def recurring(self) -> bool:
        return self.rule is not None

    @property
    def spec(self) -> str:
        """What to store: the crontab of a rule, or the ISO instant of a one-off."""
        return self.rule if self.rule is not None else self.first.isoformat()


def _iso(text: str, tz: ZoneInfo) -> datetime | None:
    if not re.match(r"^\d{4}-\d{2}-\d{2}[ t]\d{1,2}:\d{2}", text, re.IGNORECASE):
        return None
    try:
        when = datetime.fromisoformat(text.upper().replace(" ", "T", 1))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=tz)


def parse_instant(text: str, tz: ZoneInfo) -> datetime | None:
    """An ISO 8601 date-time (in `tz` when it carries no offset), else None."""
    return _iso(" ".join(text.split()), tz)


def _at(day: date, hm: tuple[int, int], tz: ZoneInfo) -> datetime:
    """Wall-clock `hm` on `day` in `tz`; a time skipped by DST moves on to the real instant after it."""
    naive = datetime(day.year, day.month, day.day, hm[0], hm[1])
    local = naive.replace(tzinfo=tz)
    round_trip = local.astimezone(ZoneInfo("UTC")).astimezone(tz)
    if round_trip.replace(tzinfo=None) != naive:  # in a DST gap: the clock jumped over it
        local = (naive + timedelta(hours=1)).replace(tzinfo=tz)
    return local


def _cron(hm: tuple[int, int], day: str = "*", month: str = "*", weekday: str = "*") -> str:
    return f"{hm[1]} {hm[0]} {day} {month} {weekday}"


def _cron_days(days: list[int]) -> str:
    """Python weekdays (Monday = 0) → a crontab weekday field (Sunday = 0), ranges collapsed."""
    numbers = sorted({(d + 1) % 7 for d in days})
    if numbers == [1, 2, 3, 4, 5]:
        return "1-5"
    return ",".join(str(n) for n in numbers)


_DATE_NUMERIC = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?$")
_DATE_DASHED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DAY_NUMBER = re.compile(r"^(\d{1,2})(?:er|re|e|eme|st|nd|rd|th)?,?$")
_RELATIVE = re.compile(r"^(?:dans|in)\s+(\d+)\s*(" + UNIT_PATTERN + r")$")


def _year_for(day: int, month: int, now_local: datetime, hm: tuple[int, int], tz: ZoneInfo) -> date:
    """A day and month without a year: this year's, or next year's once this one is past."""
    for year in (now_local.year, now_local.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if _at(candidate, hm, tz) > now_local:
            return candidate
    raise WhenError("bad_date")


def _checked_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise WhenError("bad_date") from None


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> When:
    """Read a date or a rule; the first time is strictly after `now`. WhenError says what is wrong."""
    raw = " ".join(text.split())
    if not raw:
        raise WhenError("empty")
    now_local = now.astimezone(tz)
    instant = _iso(raw, tz)
    if instant is not None:
        if instant <= now:
            raise WhenError("in_the_past")
        return When(instant.astimezone(tz))
    if is_cron(raw):
        return _rule(raw, now, tz, "bad_cron")
    plain = normalize(raw)
    relative = _RELATIVE.match(plain)
    if relative:
        seconds = int(relative.group(1)) * DURATION_UNITS[relative.group(2)]
        if seconds <= 0:
            raise WhenError("in_the_past")
        return When((now + timedelta(seconds=seconds)).astimezone(tz).replace(second=0, microsecond=0))
    hm, rest = take_time(plain)
    for phrase, offset in sorted(RELATIVE_DAYS.items(), key=lambda item: -len(item[0])):
        if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", rest):
            rest = re.sub(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", " ", rest)
            _only_fillers(rest)
            if hm is None:
                raise WhenError("no_time")
            return _once(_at(now_local.date() + timedelta(days=offset), hm, tz), now)
    return _words(rest, hm, now, now_local, tz)


def _only_fillers(rest: str, also: frozenset[str] = frozenset()) -> None:
    leftover = [w for w in rest.replace(",", " ").split() if w not in FILLERS and w not in also]
    if leftover:
        raise WhenError("unknown_words")


def _once(instant: datetime, now: datetime) -> When:
    if instant <= now:
        raise WhenError("in_the_past")
    return When(instant)


def _rule(cron: str, now: datetime, tz: ZoneInfo, error: str = "bad_rule") -> When:
    try:
        first = next_after(cron, tz, now)
    except ValueError:
        raise WhenError(error) from None
    if first is None:
        raise WhenError(error)
    return When(first.astimezone(tz), cron)


# Words that count as themselves, by kind, looked up in this order.
_WORD_KINDS = (
    (EVERY, "every"), (NEXT, "next"), (THIS, "this"), (DAY_UNITS, "day_unit"), (MONTH_UNITS, "month_unit"),
    (YEAR_UNITS, "year_unit"), (HOUR_UNITS, "hour_unit"), (WEEKDAYS_WORDS, "weekdays"), (WEEKEND_WORDS, "weekend"),
)


def _word_kind(token: str) -> str | None:
    return next((kind for words, kind in _WORD_KINDS if token in words), None)


def _words(rest: str, hm: tuple[int, int] | None, now: datetime, now_local: datetime, tz: ZoneInfo) -> When:
    """Dates and rules written in words, the time of day already taken out."""
    tokens: list[str] = []
    for token in rest.replace(",", " ").split():
        pair = re.fullmatch(r"(\w+)-(\w+)", token)
        if pair and pair.group(1) in WEEKDAY_WORDS and pair.group(2) in WEEKDAY_WORDS:
            tokens += [pair.group(1), "-", pair.group(2)]
        else:
            tokens.append(token)
    kinds: list[tuple[str, object]] = []
    for token in tokens:
        if token in WEEKDAY_WORDS:
            kinds.append(("weekday", WEEKDAY_WORDS[token]))
        elif token in ORDINAL_WORDS:
            kinds.append(("nth", ORDINAL_WORDS[token]))
        elif token in MONTH_WORDS:
            kinds.append(("month", MONTH_WORDS[token]))
        elif _DATE_NUMERIC.match(token) or _DATE_DASHED.match(token):
            kinds.append(("date", token))
        elif re.fullmatch(r"\d{4}", token):
            kinds.append(("year", int(token)))
        elif _DAY_NUMBER.match(token):
            number = int(_DAY_NUMBER.match(token).group(1))  # type: ignore[union-attr]
            kinds.append(("number", number))
        elif (word := _word_kind(token)) is not None:
            kinds.append((word, token))
        elif token in ("semaine", "week") and tokens[:1] and "en" in tokens:
            kinds.append(("weekdays", token))
        elif token in RANGE_WORDS:
            kinds.append(("range", token))
        elif token in FILLERS:
            kinds.append(("filler", token))
        else:
            raise WhenError("unknown_words")
    has = {kind for kind, _ in kinds}
    values = {kind: [v for k, v in kinds if k == kind] for kind in has}
    plural_weekday = any(t in WEEKDAY_WORDS and t.endswith("s") and t not in ("thurs", "tues") for t in tokens)
    every = "every" in has or plural_weekday

    if "hour_unit" in has and "every" in has and not has & {"weekday", "date", "month", "number"}:
        minute = hm[1] if hm else 0
        return _rule(f"{minute} * * * *", now, tz)
    if hm is None:
        raise WhenError("no_time")

    # A calendar date: 24/12, 24/12/2026, 24 décembre (2026), December 24th; yearly with "every".
    if "date" in has or "month" in has:
        if "date" in has:
            token = str(values["date"][0])
            numeric = _DATE_NUMERIC.match(token)
            if numeric:
                first, second = int(numeric.group(1)), int(numeric.group(2))
                day, month = (first, second) if second <= 12 else (second, first)
                year_text = numeric.group(3)
                year = None if year_text is None else int(year_text) + (2000 if len(year_text) == 2 else 0)
            else:
                dashed = _DATE_DASHED.match(token)
                assert dashed is not None
                year, month, day = int(dashed.group(1)), int(dashed.group(2)), int(dashed.group(3))
        else:
            day_numbers = [int(str(v)) for v in values.get("number", [])]
            day_numbers += [1 for v in values.get("nth", []) if v == 1]  # "1er décembre"
            years = [int(str(v)) for v in values.get("year", [])]
            if len(day_numbers) != 1 or len(values["month"]) != 1 or len(years) > 1:
                raise WhenError("bad_date")
            day, month = day_numbers[0], int(str(values["month"][0]))
            year = years[0] if years else None
        if every or "year_unit" in has:
            _checked_date(2024, month, day)  # a leap year: 29/02 is a (rare) valid rule
            return _rule(_cron(hm, str(day), str(month)), now, tz)
        target = _year_for(day, month, now_local, hm, tz) if year is None else _checked_date(year, month, day)
        return _once(_at(target, hm, tz), now)

    weekdays = [int(str(v)) for v in values.get("weekday", [])]
    # Monthly: "chaque premier lundi du mois", "le dernier vendredi du mois", "le 15 de chaque mois".
    if "month_unit" in has:
        if "nth" in has and len(weekdays) == 1 and len(values["nth"]) == 1:
            nth = int(str(values["nth"][0]))
            cron_day = (weekdays[0] + 1) % 7
            field = f"{cron_day}L" if nth == -1 else f"{cron_day}#{nth}"
            return _rule(_cron(hm, weekday=field), now, tz)
        numbers = [int(str(v)) for v in values.get("number", [])] + [
            1 for v in values.get("nth", []) if v == 1 and not weekdays]
        if not weekdays and len(numbers) == 1 and 1 <= numbers[0] <= 31:
            return _rule(_cron(hm, str(numbers[0])), now, tz)
        if "nth" in has and not weekdays and values["nth"] == [-1]:
            return _rule(_cron(hm, "L"), now, tz)
        raise WhenError("bad_rule")
    if has & {"nth", "number", "year"}:
        raise WhenError("unknown_words")

    if "weekdays" in has or "weekend" in has:
        days = ([0, 1, 2, 3, 4] if "weekdays" in has else []) + ([5, 6] if "weekend" in has else [])
        return _rule(_cron(hm, weekday=_cron_days(days)), now, tz)
    if "day_unit" in has:
        if weekdays:
            raise WhenError("unknown_words")
        return _rule(_cron(hm), now, tz)
    if weekdays:
        if "range" in has and len(weekdays) == 2:
            start, end = weekdays
            days = list(range(start, end + 1)) if start <= end else list(range(start, 7)) + list(range(0, end + 1))
            return _rule(_cron(hm, weekday=_cron_days(days)), now, tz)
        if "next" in has or "this" in has:
            if len(weekdays) != 1 or every:
                raise WhenError("unknown_words")
            ahead = (weekdays[0] - now_local.weekday()) % 7
            if "next" in has and ahead == 0:
                ahead = 7
            target = _at(now_local.date() + timedelta(days=ahead), hm, tz)
            if target <= now:
                target = _at(now_local.date() + timedelta(days=ahead + 7), hm, tz)
            return _once(target, now)
        return _rule(_cron(hm, weekday=_cron_days(weekdays)), now, tz)
    raise WhenError("unknown_words")

