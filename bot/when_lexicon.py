"""The words and numbers people type for time, French or English, as bot/when.py reads them: weekdays,
months, ordinals, units, fillers, relative days, durations (`parse_duration`) and times of day.

Pure functions: no database, no clock, no catalogue.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import timedelta


class WhenError(ValueError):
    """Text that is not a date, a rule or a duration; `reason` names what is wrong (a catalogue key
    suffix in `time.error.*`)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason



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

UNIT_PATTERN = "|".join(sorted((re.escape(u) for u in DURATION_UNITS), key=len, reverse=True))
DURATION_PART = re.compile(rf"(\d+)\s*({UNIT_PATTERN})\b")


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


def take_time(text: str) -> tuple[tuple[int, int] | None, str]:
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
