"""Language names in French or English (or the language's own name) read as codes: `français` → `fr`.

Members write the language they speak, not an ISO code; Babel's CLDR data names every language in
every locale, so `anglais`, `English`, `arabe`, `español` all find their code.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from babel import Locale

#: Locales whose language names are understood (the bot's two languages).
NAME_LOCALES = ("fr", "en")
#: Languages also understood by their own name (loading every locale would take seconds).
OWN_NAMES = ("ar", "de", "es", "it", "pt", "nl", "ru", "zh", "tr", "pl", "ro", "uk", "fa", "vi", "ja", "ko",
             "hi", "bn", "ur", "el", "sv", "da", "nb", "fi", "cs", "hu", "he", "sw", "wo", "ln", "ku", "ca")
#: Common names CLDR spells otherwise.
EXTRA = {"farsi": "fa", "berbere": "ber", "amazigh": "ber", "tamazight": "ber", "kabyle": "kab",
         "lsf": "fsl", "langue des signes francaise": "fsl", "norvegien": "no", "norwegian": "no"}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("-", " ").split())


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Folded French and English language name → code (a plain code wins over a regional one)."""
    names: dict[str, str] = dict(EXTRA)
    for loc in NAME_LOCALES:
        for code, name in sorted(Locale.parse(loc).languages.items(), key=lambda item: (len(item[0]), item[0])):
            if "_" not in code and len(code) <= 3:
                names.setdefault(_fold(name), code)
    return names


@lru_cache(maxsize=1)
def _own_names() -> dict[str, str]:
    """Folded own name (العربية, español) → code, loaded only when a name is neither French nor English."""
    return {_fold(Locale.parse(code).get_display_name(code)): code for code in OWN_NAMES}


def language_code(text: str) -> str | None:
    """The code for a language name (`Français`, `english`, `español`), or None when it names none."""
    folded = _fold(text)
    return _names().get(folded) or _own_names().get(folded)
