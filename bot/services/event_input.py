"""Reading what animators type for an event: dates in words, slots, languages, kinds, places."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.context import Community
from bot.errors import invalid
from bot.mentions import neutralize
from bot.services.skills import canonical
from bot.when import parse_when
from bot.when_lexicon import WhenError, normalize, parse_duration

KINDS = ("session", "deepening", "gathering", "shift")
# The kinds as animators name them, in French and English (case, accents and plurals aside:
# bot/commands/options.py `choice_key`): `kind=permanence`, `type=Rencontres`, `kind=séance d'information`.
KIND_WORDS: tuple[tuple[str, str], ...] = tuple(
    (word, kind) for kind, words in {
        "session": ("séance", "séance d'information", "séance d'info", "information", "info", "réunion d'information",
                    "information session", "info session", "accueil des nouveaux membres"),
        "deepening": ("approfondissement", "séance d'approfondissement", "deepening session", "deeper session"),
        "gathering": ("rencontre", "rassemblement", "réunion", "fête", "soirée", "apéro", "atelier", "sortie",
                      "meeting", "get-together", "workshop"),
        "shift": ("permanence", "permanence bénévole", "bénévolat", "volunteer shift", "volunteering"),
    }.items() for word in words)
MAX_TITLE = 100
MAX_DESCRIPTION = 1000
MAX_PLACE = 200
MAX_SLOTS = 10
MAX_SLOT_PLACES = 100
MAX_CAPACITY = 10000
MAX_LENGTH = timedelta(days=7)
DAY = 86400
HOUR = 3600
CLOCK_TIME = re.compile(r"(\d{1,2})\s*(?:h|:)\s*(\d{2})?")
SLOT_ITEM = re.compile(r"^(?:(\d{1,3})\s+(.+)|(.+?)\s*[:=]\s*(\d{1,3})|(.+?)\s+(\d{1,3}))$")
LANGUAGE_NAMES = {
    "fr": "fr", "francais": "fr", "french": "fr", "en": "en", "anglais": "en", "english": "en",
    "es": "es", "espagnol": "es", "spanish": "es", "de": "de", "allemand": "de", "german": "de",
    "it": "it", "italien": "it", "italian": "it", "ar": "ar", "arabe": "ar", "arabic": "ar",
    "pt": "pt", "portugais": "pt", "portuguese": "pt",
}
PERIODS = {  # a repetition said as a bare period: the first start's day and time, again
    "tous les jours": "day", "chaque jour": "day", "quotidien": "day", "every day": "day", "daily": "day",
    "toutes les semaines": "week", "chaque semaine": "week", "hebdomadaire": "week", "every week": "week",
    "weekly": "week", "tous les mois": "month", "chaque mois": "month", "mensuel": "month",
    "every month": "month", "monthly": "month",
}
NO_REPEAT = {"non", "none", "no", "aucune", "aucun", "jamais", "never", "une fois", "une seule fois", "once", "-"}
EDITABLE = ("title", "when", "end", "place", "kind", "languages", "capacity", "slots", "repeat", "description",
            "network", "skills")

def text_option(value: str | None, option: str, limit: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise invalid("common.detail.missing_option", option=option)
    if len(text) > limit:
        raise invalid("common.detail.too_long", option=option, max=limit)
    if option in ("title", "place") and text.endswith(".") and not text.endswith(".."):
        text = text[:-1].rstrip()  # « La cour. » reads inside sentences: « (samedi …, La cour) », never « La cour.). »
    return text


def _when_error(err: WhenError, option: str, text: str) -> Exception:
    key = "events.detail.past_when" if err.reason == "in_the_past" else "events.detail.bad_when"
    return invalid(key, option=option, when=neutralize(text[:60]), reason=err.reason)


def read_start(ctx: Community, when: str, repeat: str | None) -> tuple[datetime, str | None]:
    """(first start, crontab rule or None) from `when` in words or ISO, and an optional `repeat` rule."""
    try:
        parsed = parse_when(when, ctx.now(), ctx.tz)
    except WhenError as err:
        raise _when_error(err, "when", when) from None
    rule = parsed.rule
    if repeat:
        rule = _repeat_rule(ctx, repeat, parsed.first)
    return parsed.first, rule


def _repeat_rule(ctx: Community, repeat: str, first: datetime) -> str | None:
    """`repeat` in words: a whole rule ("tous les jeudis à 18h"), or one that leaves the time to the first
    start ("tous les samedis", "le premier samedi du mois"), or just a period ("toutes les semaines",
    "chaque mois", "every day"), the first start's day and time repeated; "non", "none", "une seule fois":
    no repetition (`event edit … repeat=non` makes a series' occurrence a one-off)."""
    if normalize(repeat) in NO_REPEAT:
        return None
    local = first.astimezone(ctx.tz)
    period = PERIODS.get(normalize(repeat.replace("-", " ")))
    if period is not None:
        day = {"day": "* * *", "week": f"* * {(local.weekday() + 1) % 7}", "month": f"{local.day} * *"}[period]
        return f"{local.minute} {local.hour} {day}"
    since = first - timedelta(minutes=1)
    for text in (repeat, f"{repeat} {local:%H:%M}"):
        try:
            repeated = parse_when(text, since, ctx.tz)
        except WhenError as err:
            if err.reason == "no_time":
                continue
            break
        if repeated.recurring and repeated.rule:
            return repeated.rule
        break
    raise invalid("events.detail.repeat_not_rule", repeat=neutralize(repeat[:60]))


def read_end(ctx: Community, start: datetime, end: str | None) -> datetime:
    """The end: a time later the same day ("12h", "20h30"), a duration ("2h", "1h30", "90m") or a
    date-time after the start; two hours by default. "12h" reads as noon when the event starts before
    noon the same day (as French speakers mean it), and as twelve hours otherwise."""
    if not end:
        return start + timedelta(minutes=ctx.config.events.default_minutes)
    as_time = _time_same_day(ctx, start, end)
    if as_time is None:
        try:
            as_time = parse_when(end, start, ctx.tz).first
        except WhenError as err:
            if err.reason == "in_the_past":  # a date read well, but not after the start
                raise invalid("events.detail.bad_end", end=neutralize(end[:60])) from None
            as_time = None
    same_day = as_time is not None and as_time.astimezone(ctx.tz).date() == start.astimezone(ctx.tz).date()
    try:
        finish = as_time if same_day and as_time is not None else start + parse_duration(end)
    except WhenError as err:
        if as_time is None:
            raise _when_error(err, "end", end) from None
        finish = as_time
    if not start < finish <= start + MAX_LENGTH:
        raise invalid("events.detail.bad_end", end=neutralize(end[:60]))
    return finish


def _time_same_day(ctx: Community, start: datetime, text: str) -> datetime | None:
    """"12h", "20h30", "18:45" → that time on the start's day, when it comes after the start."""
    found = CLOCK_TIME.fullmatch(text.strip().lower())
    if not found or int(found.group(1)) > 23 or int(found.group(2) or 0) > 59:
        return None
    local = start.astimezone(ctx.tz)
    naive = local.replace(tzinfo=None, hour=int(found.group(1)), minute=int(found.group(2) or 0))
    when = naive.replace(tzinfo=ctx.tz)
    return when if when > start else None


def read_slots(text: str | None) -> list[tuple[str, int]]:
    """"accueil:2, caisse:1" (or "2 accueil", "accueil 2") → [(name, places)], names unique."""
    if not text or not text.strip():
        return []
    slots: list[tuple[str, int]] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        found = SLOT_ITEM.match(item)
        if not found:
            raise invalid("events.detail.bad_slot", slot=neutralize(item[:40]))
        number = found.group(1) or found.group(4) or found.group(6)
        name = " ".join((found.group(2) or found.group(3) or found.group(5)).lower().split())
        places = int(number)
        if not name or len(name) > 40 or not 1 <= places <= MAX_SLOT_PLACES:
            raise invalid("events.detail.bad_slot", slot=neutralize(item[:40]))
        if any(existing == name for existing, _ in slots):
            raise invalid("events.detail.duplicate_slot", slot=neutralize(name))
        slots.append((name, places))
    if len(slots) > MAX_SLOTS:
        raise invalid("events.detail.too_many_slots", max=MAX_SLOTS, count=MAX_SLOTS)
    return slots


def read_languages(items: list[str] | None) -> str:
    codes: list[str] = []
    for item in items or []:
        key = canonical_language(item)
        if key is None:
            raise invalid("events.detail.bad_language", language=neutralize(item[:20]))
        if key not in codes:
            codes.append(key)
    return ",".join(codes)


def canonical_language(text: str) -> str | None:
    from bot.services.skills import skill_key

    key = skill_key(text)
    if key in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[key]
    return key if re.fullmatch(r"[a-z]{2,3}", key) else None


def read_skills(ctx: Community, items: list[str] | None) -> str:
    return ",".join(dict.fromkeys(canonical(ctx, item)[0] for item in items or []))


def read_kind(kind: str | None, slots: list[tuple[str, int]]) -> str:
    if not kind:
        return "shift" if slots else "gathering"
    from bot.commands.options import read_choice
    from bot.commands.registry import Option

    return read_choice(Option("kind", "choice", choices=KINDS, words=KIND_WORDS, refusal="events.detail.bad_kind"),
                       kind.strip())


def read_capacity(value: int | None) -> int | None:
    if value is None:
        return None
    if not 1 <= value <= MAX_CAPACITY:
        raise invalid("events.detail.bad_capacity", max=MAX_CAPACITY)
    return value
