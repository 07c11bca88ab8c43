"""A time zone's city as a reader of each language names it: « heure de Montréal », « heure de Bruxelles »,
not the tz database's English spelling (Montreal, Brussels). A small table for French (the zones the docs
and francophone communities use); any other zone or language falls back to the tz name's city."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

# French names of the zones a francophone network is likely to meet (Europe, Québec and Canada, Africa,
# overseas France); a city spelt as in the tz name is listed too, so the table says which zones were read.
FRENCH: dict[str, str] = {
    "America/Montreal": "Montréal", "America/Toronto": "Toronto", "America/Moncton": "Moncton",
    "America/Halifax": "Halifax", "America/Winnipeg": "Winnipeg", "America/Vancouver": "Vancouver",
    "America/New_York": "New York", "America/Mexico_City": "Mexico", "America/Sao_Paulo": "São Paulo",
    "America/Port-au-Prince": "Port-au-Prince", "America/Martinique": "la Martinique",
    "America/Guadeloupe": "la Guadeloupe", "America/Cayenne": "Cayenne", "America/Miquelon": "Miquelon",
    "Europe/Brussels": "Bruxelles", "Europe/Zurich": "Zurich", "Europe/London": "Londres",
    "Europe/Lisbon": "Lisbonne", "Europe/Vienna": "Vienne", "Europe/Warsaw": "Varsovie",
    "Europe/Copenhagen": "Copenhague", "Europe/Athens": "Athènes", "Europe/Moscow": "Moscou",
    "Europe/Bucharest": "Bucarest", "Europe/Belgrade": "Belgrade", "Europe/Prague": "Prague",
    "Europe/Rome": "Rome", "Europe/Madrid": "Madrid", "Europe/Berlin": "Berlin",
    "Europe/Amsterdam": "Amsterdam", "Europe/Luxembourg": "Luxembourg", "Europe/Monaco": "Monaco",
    "Europe/Andorra": "Andorre", "Europe/Stockholm": "Stockholm", "Europe/Helsinki": "Helsinki",
    "Europe/Kyiv": "Kyiv", "Europe/Kiev": "Kyiv", "Europe/Istanbul": "Istanbul", "Europe/Dublin": "Dublin",
    "Africa/Algiers": "Alger", "Africa/Tunis": "Tunis", "Africa/Casablanca": "Casablanca",
    "Africa/Dakar": "Dakar", "Africa/Abidjan": "Abidjan", "Africa/Bamako": "Bamako", "Africa/Lome": "Lomé",
    "Africa/Kinshasa": "Kinshasa", "Africa/Lubumbashi": "Lubumbashi", "Africa/Douala": "Douala",
    "Africa/Libreville": "Libreville", "Africa/Brazzaville": "Brazzaville", "Africa/Niamey": "Niamey",
    "Africa/Ouagadougou": "Ouagadougou", "Africa/Porto-Novo": "Porto-Novo", "Africa/Conakry": "Conakry",
    "Africa/Cairo": "Le Caire", "Africa/Djibouti": "Djibouti", "Africa/Kigali": "Kigali",
    "Indian/Reunion": "la Réunion", "Indian/Mayotte": "Mayotte", "Indian/Mauritius": "Maurice",
    "Indian/Antananarivo": "Antananarivo", "Pacific/Noumea": "Nouméa", "Pacific/Tahiti": "Tahiti",
    "Asia/Beirut": "Beyrouth", "Asia/Tokyo": "Tokyo", "Asia/Ho_Chi_Minh": "Hô Chi Minh-Ville",
}

TABLES = {"fr": FRENCH}


@lru_cache(maxsize=1)
def _by_folded_name() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def canonical_zone(name: str) -> str | None:
    """The IANA name in its own spelling, whatever the case typed (« europe/paris » → « Europe/Paris »),
    else None. The one rule where a zone is set (`profile set timezone`, `[community] timezone`, a
    `[[communities]]` entry's): PostgreSQL reads zone names in any case and Python's ZoneInfo only in
    theirs, so only canonical names are stored and both engines read them alike."""
    return _by_folded_name().get(name.strip().casefold())


_VOWELS = set("aeiouyâàéèêëîïôöûüœ")


def city_name(locale: str, zone: str) -> str:
    """The zone's city in the reader's language: the table's, else the tz name's last part."""
    found = TABLES.get(locale.split("-")[0], {}).get(zone)
    return found or zone.rsplit("/", 1)[-1].replace("_", " ")


def elided(locale: str, name: str) -> bool:
    """French writes « heure d'Amsterdam », not « heure de Amsterdam » (a vowel first; `h` is left alone)."""
    return locale.split("-")[0] == "fr" and name[:1].casefold() in _VOWELS
