"""Words live in catalogues: `bot/i18n/<locale>/<area>.toml`, merged into dotted keys.

A value may be a table `{one = "...", other = "..."}`: the plural form is chosen by Babel from
the `count` placeholder, or else from the first number the sentence shows (`{max}`, `{days}`…).
Dates and numbers are formatted per locale with Babel. French elides `de`/`que` before a value
that starts with a vowel ("l'équipe d'animation d'Entraide"); docs/STYLE.md has the rules.
"""
from __future__ import annotations

import re
import string
import tomllib
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.numbers import format_decimal

from bot import when_words

LOCALES = ("fr", "en")
PLURAL_FORMS = {"zero", "one", "two", "few", "many", "other"}


def _flatten(prefix: str, table: dict[str, Any], into: dict[str, Any]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and not (set(value) <= PLURAL_FORMS and "other" in value):
            _flatten(full, value, into)
        else:
            into[full] = value


@cache
def load_catalogue(locale: str) -> Mapping[str, Any]:
    """Every `<area>.toml` of one locale, flattened to `area.key` entries.

    Read once per process and shared, read-only: a network builds a Translator per community, and
    parsing the catalogues again for each of 300 communities took seconds of its start-up."""
    merged: dict[str, Any] = {}
    for entry in sorted(resources.files("bot.i18n").joinpath(locale).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            area = entry.name[: -len(".toml")]
            _flatten(area, tomllib.loads(entry.read_text(encoding="utf-8")), merged)
    return MappingProxyType(merged)


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def plural_count(table: dict[str, str], params: dict[str, Any]) -> Any:
    """The number a plural table agrees with: `count`, else the first number its sentence shows
    (None when there is none: the `other` form, never the French `one` of zero)."""
    if "count" in params:
        return params["count"]
    for _, field, _, _ in string.Formatter().parse(table["other"]):
        if field and isinstance(params.get(field), int | float) and not isinstance(params.get(field), bool):
            return params[field]
    return None


_ELIDABLE = re.compile(r"\b([Dd]e|[Qq]ue) \{(\w+)\}")
_VOWEL = re.compile(r"[aeiouyàâäéèêëîïôöûüAEIOUYÀÂÄÉÈÊËÎÏÔÖÛÜ]")


_ENDS_A_SENTENCE = (".", "!", "?", "…")


def no_double_stop(template: str, params: dict[str, Any]) -> str:
    """`Raison : {reason}.` with a reason that already ends a sentence (« Doublon. », « Spam ! ») keeps its
    own stop: never « Doublon.. » nor « Spam !. »."""
    for name, value in params.items():
        if isinstance(value, str) and value.rstrip().endswith(_ENDS_A_SENTENCE) and "{" + name + "}." in template:
            template = template.replace("{" + name + "}.", "{" + name + "}")
    return template


def elide(template: str, params: dict[str, Any]) -> str:
    """French `de {x}` / `que {x}` become `d'{x}` / `qu'{x}` when the value starts with a vowel."""
    def one(match: re.Match[str]) -> str:
        value = params.get(match.group(2))
        if isinstance(value, str) and _VOWEL.match(value):
            return f"{match.group(1)[0]}{'u' if match.group(1).lower() == 'que' else ''}'{{{match.group(2)}}}"
        return match.group(0)
    return _ELIDABLE.sub(one, template)


class Translator:
    """Looks up and formats a catalogue message for a locale, falling back to the default one."""

    def __init__(self, default_locale: str = "fr", timezone: str = "Europe/Paris") -> None:
        self.default_locale = default_locale
        self.tz = ZoneInfo(timezone)
        self.catalogues = {loc: load_catalogue(loc) for loc in LOCALES}
        # What "now" is for dates (the year is said only when it is not the current one): the
        # community's injected clock, set when a Community is built; unknown, the year is always said.
        self.clock: Any = None

    def locale_or_default(self, locale: str | None) -> str:
        if locale:
            short = locale.split("-")[0].split("_")[0].lower()
            if short in self.catalogues:
                return short
        return self.default_locale

    def t(self, locale: str | None, key: str, /, **params: Any) -> str:
        loc = self.locale_or_default(locale)
        value = self.catalogues[loc].get(key)
        if value is None:
            value = self.catalogues[self.default_locale].get(key, key)
        if isinstance(value, dict):
            count = plural_count(value, params)
            form = Locale.parse(loc).plural_form(abs(count)) if isinstance(count, int | float) else "other"
            value = value.get(form, value["other"])
        if isinstance(value, list):
            value = "\n".join(value)
        value = no_double_stop(str(value), params)
        if loc == "fr":
            value = elide(str(value), params)
        try:
            return str(value).format(**params)
        except (KeyError, IndexError, ValueError):
            return str(value)

    def has(self, key: str) -> bool:
        return key in self.catalogues[self.default_locale]

    def _reference(self) -> datetime | None:
        return self.clock.now() if self.clock is not None else None

    def datetime(self, locale: str | None, when: datetime, tz: ZoneInfo | None = None) -> str:
        """"jeudi 24 décembre à 18 h" / "Thu 24 Dec, 6:00 PM": no seconds, the year only when needed."""
        return when_words.format_datetime(self, locale, when, tz or self.tz, self._reference())

    def date(self, locale: str | None, when: datetime, tz: ZoneInfo | None = None) -> str:
        """"jeudi 24 décembre" / "Thu 24 Dec", in the same style as `datetime`."""
        return when_words.format_date(self, locale, when, tz or self.tz, self._reference())

    def time(self, locale: str | None, when: datetime, tz: ZoneInfo | None = None) -> str:
        local = when.astimezone(tz or self.tz)
        return when_words.clock(self, locale, local.hour, local.minute)

    def rule(self, locale: str | None, spec: str) -> str:
        """A recurring rule (bot/cron_rules.py's crontab) in words: "tous les jeudis à 18 h"."""
        return when_words.describe_rule(self, locale, spec)

    def number(self, locale: str | None, value: float) -> str:
        return format_decimal(value, locale=self.locale_or_default(locale))

    def join(self, locale: str | None, items: list[str]) -> str:
        if not items:
            return "—"
        if len(items) == 1:
            return items[0]
        word = self.t(locale, "common.and")
        return f"{', '.join(items[:-1])} {word} {items[-1]}"
