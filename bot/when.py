"""Time in words: what people type for "when" (French or English) → an instant or a recurring rule.

One-off dates ("24/12 18h", "24/12/2026 18:00", "demain 9h", "jeudi prochain à 18h30",
"next Friday 7pm", "dans 2 heures", ISO 8601) and recurrences ("tous les jeudis à 18h", "jeudi 18h",
"chaque premier lundi du mois à 19h", "le 15 de chaque mois à 10h", "tous les jours à 9h",
"every Monday 10am", "du lundi au vendredi à 9h", a 5-field crontab) are read here; reading them back
in words is bot/when_words.py. A rule is stored as a 5-field crontab (weekdays counted from Sunday
= 0, as cron does) whose weekday field may also be `D#N` (the Nth weekday D of the month) or `DL`
(the last one), so every rule, typed in words or in cron, has one form that APScheduler evaluates
in the community's timezone: "every Thursday at 18:00" stays at 18:00 local time across DST.

Pure functions: no database, no clock of its own (`now` is passed in), no catalogue.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

# Standard crontab numbers weekdays from Sunday (0 or 7); APScheduler 3 from Monday: translate by name.
CRON_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
NTH_NAMES = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th"}
MAX_OCCURRENCES = 1000


class WhenError(ValueError):
    """Text that is not a date, a rule or a duration; `reason` names what is wrong (a catalogue key
    suffix in `time.error.*`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# Cron rules


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
    from bot.wall_times import cron_time_after  # bot.wall_times imports the scheduler, which needs this module

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


# ---------------------------------------------------------------------------------------------
# Words


def normalize(text: str) -> str:
    """Lower case, no accents, straight apostrophes, single spaces: "Jeudi  prochain à 18h" → "jeudi prochain a 18h"."""
    text = text.replace("’", "'").replace("‘", "'").replace("\u202f", " ").replace("\xa0", " ")
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.split())


# Monday = 0 (Python); crontab numbers are (python + 1) % 7.
WEEKDAY_WORDS: dict[str, int] = {}
for _i, _names in enumerate((
    ("lundi", "lun", "monday", "mon"), ("mardi", "tuesday", "tue", "tues"),
    ("mercredi", "mer", "wednesday", "wed"), ("jeudi", "jeu", "thursday", "thu", "thur", "thurs"),
    ("vendredi", "ven", "friday", "fri"), ("samedi", "sam", "saturday", "sat"),
    ("dimanche", "dim", "sunday", "sun"),
)):
    for _name in _names:
        WEEKDAY_WORDS[_name] = _i
        if len(_name) > 4:
            WEEKDAY_WORDS[_name + "s"] = _i

MONTH_WORDS: dict[str, int] = {}
for _i, _names in enumerate((
    ("janvier", "janv", "january", "jan"), ("fevrier", "fevr", "fev", "february", "feb"),
    ("mars", "march"), ("avril", "avr", "april", "apr"), ("mai", "may"), ("juin", "june", "jun"),
    ("juillet", "juil", "july", "jul"), ("aout", "august", "aug"), ("septembre", "sept", "september", "sep"),
    ("octobre", "october", "oct"), ("novembre", "november", "nov"), ("decembre", "december", "dec"),
), start=1):
    for _name in _names:
        MONTH_WORDS[_name] = _i
        MONTH_WORDS[_name + "."] = _i

ORDINAL_WORDS = {
    "premier": 1, "premiere": 1, "premiers": 1, "premieres": 1, "1er": 1, "1re": 1, "1ere": 1, "first": 1,
    "1st": 1, "deuxieme": 2, "deuxiemes": 2, "second": 2, "seconds": 2, "2e": 2, "2eme": 2, "2nd": 2,
    "troisieme": 3, "troisiemes": 3, "third": 3, "3e": 3, "3eme": 3, "3rd": 3, "quatrieme": 4,
    "quatriemes": 4, "fourth": 4, "4e": 4, "4eme": 4, "4th": 4, "cinquieme": 5, "fifth": 5, "5e": 5,
    "5eme": 5, "5th": 5, "dernier": -1, "derniere": -1, "derniers": -1, "dernieres": -1, "last": -1,
}

EVERY = {"tous", "toutes", "tout", "chaque", "every", "each"}
NEXT = {"prochain", "prochaine", "next"}
THIS = {"ce", "cet", "cette", "this"}
FILLERS = {"le", "la", "les", "l", "de", "du", "des", "d", "of", "the", "on", "at", "a", "et", "and", "@", "vers",
           "around", ",", "en", "in", "par", "per", "mois", "month", "semaine", "week", "fois", "once"}
RANGE_WORDS = {"au", "to", "through", "till", "until", "-"}
DAY_UNITS = {"jour", "jours", "day", "days", "daily", "quotidien", "quotidiennement", "journee", "journees"}
MONTH_UNITS = {"mois", "month", "months", "monthly", "mensuel", "mensuellement"}
YEAR_UNITS = {"an", "ans", "annee", "annees", "year", "years", "yearly", "annuel", "annuellement"}
HOUR_UNITS = {"heure", "heures", "hour", "hours", "hourly"}
WEEKDAYS_WORDS = {"weekdays", "weekday", "ouvrables", "ouvrable", "ouvres", "ouvre"}
WEEKEND_WORDS = {"week-end", "week-ends", "weekend", "weekends", "we"}
RELATIVE_DAYS = {"aujourd'hui": 0, "aujourdhui": 0, "today": 0, "ce soir": 0, "tonight": 0, "ce matin": 0,
                 "cet apres-midi": 0, "demain": 1, "tomorrow": 1, "apres-demain": 2, "apres demain": 2}

DURATION_UNITS: dict[str, int] = {}
for _seconds, _names in (
    (60, ("m", "min", "mins", "minute", "minutes", "mn")),
    (3600, ("h", "hr", "hrs", "heure", "heures", "hour", "hours")),
    (86400, ("d", "j", "jour", "jours", "day", "days")),
    (604800, ("w", "sem", "semaine", "semaines", "week", "weeks")),
):
    for _name in _names:
        DURATION_UNITS[_name] = _seconds

_UNIT_PATTERN = "|".join(sorted((re.escape(u) for u in DURATION_UNITS), key=len, reverse=True))
DURATION_PART = re.compile(rf"(\d+)\s*({_UNIT_PATTERN})\b")


def parse_duration(text: str) -> timedelta:
    """`90m`, `2h`, `1d`, `1 semaine`, `2 jours`, `1h30`, `1 jour et 2 heures`, or plain minutes (`45`)."""
    plain = normalize(text)
    if plain.isdigit():
        if int(plain) <= 0:
            raise WhenError("bad_duration")
        return timedelta(minutes=int(plain))
    hm = re.fullmatch(r"(\d+)\s*h\s*(\d{1,2})(?:\s*(?:m|min|mn))?", plain)
    if hm:
        return timedelta(hours=int(hm.group(1)), minutes=int(hm.group(2)))
    total = 0
    rest = DURATION_PART.sub(lambda m: " ", plain)
    if rest.replace(" et ", " ").replace(" and ", " ").replace(",", " ").strip():
        raise WhenError("bad_duration")
    for number, unit in DURATION_PART.findall(plain):
        total += int(number) * DURATION_UNITS[unit]
    if total <= 0:
        raise WhenError("bad_duration")
    return timedelta(seconds=total)


# ---------------------------------------------------------------------------------------------
# Times of day

TIME_PATTERNS = (
    re.compile(r"(?<![\d/.:-])(\d{1,2})\s*(?:h|heures?)\s*(\d{2})?(?![\d/a-z])"),  # 18h, 18 h 30, 18 heures
    re.compile(r"(?<![\d/.:-])(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?(?![a-z])"),  # 10am, 6:30 pm
    re.compile(r"(?<![\d/.:-])(\d{1,2}):(\d{2})(?![\d:])"),  # 18:30
)
TIME_WORDS = {"midi": (12, 0), "noon": (12, 0), "minuit": (0, 0), "midnight": (0, 0)}


def _take_time(text: str) -> tuple[tuple[int, int] | None, str]:
    """The one time of day in `text` (hour, minute) and the text without it."""
    found: list[tuple[int, int]] = []

    def grab(pattern: re.Pattern[str], text: str) -> str:
        def repl(m: re.Match[str]) -> str:
            hour, minute = int(m.group(1)), int(m.group(2) or 0)
            if len(m.groups()) == 3 and m.group(3):
                if not 1 <= hour <= 12:
                    raise WhenError("bad_time")
                hour = hour % 12 + (12 if m.group(3) == "p" else 0)
            if hour > 23 or minute > 59:
                raise WhenError("bad_time")
            found.append((hour, minute))
            return " "
        return pattern.sub(repl, text)

    for pattern in TIME_PATTERNS:
        text = grab(pattern, text)
    for word, value in TIME_WORDS.items():
        if re.search(rf"\b{word}\b", text):
            found.append(value)
            text = re.sub(rf"\b{word}\b", " ", text)
    if len(set(found)) > 1:
        raise WhenError("two_times")
    return (found[0] if found else None), " ".join(text.split())


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
_RELATIVE = re.compile(r"^(?:dans|in)\s+(\d+)\s*(" + _UNIT_PATTERN + r")$")


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
    hm, rest = _take_time(plain)
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
        elif token in EVERY:
            kinds.append(("every", token))
        elif token in NEXT:
            kinds.append(("next", token))
        elif token in THIS:
            kinds.append(("this", token))
        elif token in DAY_UNITS:
            kinds.append(("day_unit", token))
        elif token in MONTH_UNITS:
            kinds.append(("month_unit", token))
        elif token in YEAR_UNITS:
            kinds.append(("year_unit", token))
        elif token in HOUR_UNITS:
            kinds.append(("hour_unit", token))
        elif token in WEEKDAYS_WORDS:
            kinds.append(("weekdays", token))
        elif token in WEEKEND_WORDS:
            kinds.append(("weekend", token))
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

