"""One voice (docs/STYLE.md): what a machine can check in the catalogues, checked for every key."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.i18n import LOCALES, Translator, load_catalogue

ROOT = Path(__file__).resolve().parents[1]

TU = re.compile(r"\b(?:tu|toi|ton|ta|tes|te|tien|tienne|tiens)\b|\bt'", re.IGNORECASE)

#: Inclusive writing: point médian with the standard suffixes (`·e`, `·ice`, `·ve`, then `·s`).
NONSTANDARD_INCLUSIVE = {
    r"\w·es\b": "plural is ·e·s (filleul·e·s), not ·es",
    r"\w·rice": "the suffix is ·ice (animateur·ice), not ·rice",
    r"\w·ves\b": "plural is ·ve·s (actif·ve·s), not ·ves",
    r"\w[⋅∙•.]e·?s?\b(?<!\.\.e)": "the separator is the point médian ·",
    r"\w\((?:e|s|es|ne|ve|rice|trice|ice)\)": "no parentheses: a plural table or a point médian form",
    r"\w/(?:e|es|rice|trice|ice)\b": "no slashes: the point médian ·",
    r"\w+s·\w": "the masculine plural does not come first (filleul·e·s, not filleuls·es)",
    r"\bparrain·": "parrain ou marraine, both words (never parrain·e)",
}
#: Bare masculine generics of the glossary words (STYLE.md gives the form to use).
MASCULINE_GENERICS = {
    r"\banimat(?:eur|rice)s?\b(?!·)": "animateur·ice, animateur·ice·s, or l'équipe d'animation",
    r"\bfilleule?s?\b(?!·)": "filleul·e, filleul·e·s",
    r"\bparrains?\b(?!·)(?! (?:ou|ni|et) (?:\w+ ){0,2}marraines?)": "parrain ou marraine",
    r"(?<!toutes et )\bà tous\b|\bnous tous\b|\btous ont\b": "tout le monde, toutes et tous",
    r"(?<!nouvelles et )\bnouveaux venus\b": "les nouveaux membres (or nouvelles et nouveaux venus)",
    r"\b[Rr]avis\b": "an epicene wording (quel plaisir…)",
    r"(?<!chacune et )\bchacun\b(?!·)": "chacun·e",
    r"\b(?:in)?actifs\b": "actif·ve·s, inactif·ve·s",
    r"\b(?:aidés|prévenus)\b|(?<!nouveaux )\bvenus\b": "aidé·e·s, prévenu·e·s, or an epicene wording",
    r"\b[Dd]ésolée?\b(?!·)": "an epicene wording (toutes nos excuses)",
}
#: Placeholders that hold a number: before a plural noun they need a plural table.
NUMERIC = re.compile(r"\{(count|max|days|hours|minutes|rounds|opened|resolved|changing|unchanged|invalid|n)\}"
                     r"\s+(?!h\b|%)([\w·]+)")
ALLOWED_RAPPEL = ("reminders.", "time.", "discord.option.when", "discord.group.remind")
#: One word per thing (STYLE.md's glossary), French: what is written instead of the glossary's word.
FRENCH_SYNONYMS = {
    r"\bmod-log\b": "« journal de modération » (mod-log is the English word)",
    r"\bsessions? d'(?:approfondissement|information)": "« séance d'approfondissement » (« d'information »)",
    r"\b[Nn]ouvelles personnes\b": "« nouvelles arrivées » in counts, « nouveaux membres » otherwise",
    r"n° [{\d]": "« n°12 », without a space (as every other number)",
}
#: A time of day with seconds, in a catalogue's own text or in a Babel pattern (`ss`).
SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b|:ss\b")


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        yield from (str(v) for v in value.values())
    elif isinstance(value, list):
        yield "\n".join(map(str, value))
    else:
        yield str(value)


#: Words people type (command and option aliases), not prose the bot writes.
NOT_PROSE = ("aliases.",)


def _texts(locale: str) -> Iterator[tuple[str, str]]:
    for key, value in load_catalogue(locale).items():
        if key.startswith(NOT_PROSE):
            continue
        for text in _strings(value):
            yield key, text


# ---- the rules, as functions returning the problems found in one text (so they can be tested) ----

def tu_forms(text: str) -> list[str]:
    return [m.group(0) for m in TU.finditer(text)]


def inclusive_problems(text: str) -> list[str]:
    found = [f"{m.group(0)!r}: {why}" for pattern, why in NONSTANDARD_INCLUSIVE.items()
             for m in re.finditer(pattern, text)]
    found += [f"{m.group(0)!r}: write {form}" for pattern, form in MASCULINE_GENERICS.items()
              for m in re.finditer(pattern, text)]
    return found


def plural_problems(key: str, value: object, locale: str) -> list[str]:
    """A count outside a plural table, `(s)`, or a number placeholder before a plural noun."""
    if isinstance(value, dict):
        missing = {"one", "other"} - set(value)
        return [f"plural table without {sorted(missing)}"] if missing else []
    found = []
    for text in _strings(value):
        for m in NUMERIC.finditer(text):
            word = m.group(2)
            if word.endswith(("s", "x")) and not word.endswith(("ss", "us", "is", "ès")):
                found.append(f"{m.group(0)!r}: a number before a plural noun needs a plural table")
        if re.search(r"\w\(s\)", text):
            found.append("(s): use a plural table")
    return found


def vocabulary_problems(key: str, text: str, locale: str) -> list[str]:
    found = []
    if re.search(r"\bn/a\b", text, re.IGNORECASE):
        found.append("n/a: say it in words")
    if SECONDS.search(text):
        found.append("a time with seconds: dates and times never show seconds")
    if locale == "fr":
        if re.search(r"\brappels?\b", text, re.IGNORECASE) and not key.startswith(ALLOWED_RAPPEL) \
                and "remind" not in key:
            found.append("« rappel » is a reminder only (a nudge is « petit message »)")
        if re.search(r"\brelan(?:ce|ces|cez|cer|çons)\b", text, re.IGNORECASE):
            found.append("« relance »: a nudge is « petit message »")
        found += [f"{m.group(0)!r}: write {word}" for pattern, word in FRENCH_SYNONYMS.items()
                  for m in re.finditer(pattern, text)]
    if locale == "en" and re.search(r"\breminders?\b", text, re.IGNORECASE) \
            and not key.startswith(ALLOWED_RAPPEL) and "remind" not in key:
        found.append("“reminder” is a scheduled announcement only (a nudge is a nudge)")
    return found


# ---- the catalogues ----

def test_french_says_vous_never_tu() -> None:
    problems = [f"fr:{key}: {forms}" for key, text in _texts("fr") if (forms := tu_forms(text))]
    assert not problems, "\n".join(problems)


def test_french_uses_one_inclusive_form() -> None:
    problems = [f"fr:{key}: {p}" for key, text in _texts("fr") for p in inclusive_problems(text)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_counts_go_through_the_plural_tables(locale: str) -> None:
    problems = [f"{locale}:{key}: {p}" for key, value in load_catalogue(locale).items()
                for p in plural_problems(key, value, locale)]
    assert not problems, "\n".join(problems)


def test_a_key_is_a_plural_table_in_every_locale_or_in_none() -> None:
    catalogues = {loc: load_catalogue(loc) for loc in LOCALES}
    kinds = {key: {loc: isinstance(catalogues[loc].get(key), dict) for loc in LOCALES} for key in catalogues["fr"]}
    mixed = [f"{key}: {kind}" for key, kind in kinds.items() if len(set(kind.values())) > 1]
    assert not mixed, "\n".join(mixed)


@pytest.mark.parametrize("locale", LOCALES)
def test_one_word_per_thing_and_no_codes(locale: str) -> None:
    problems = [f"{locale}:{key}: {p}" for key, text in _texts(locale) for p in vocabulary_problems(key, text, locale)]
    assert not problems, "\n".join(problems)


def test_every_audited_action_has_words_in_every_locale() -> None:
    """Mod-log posts and `mod history` show `moderation.action.<code>`, never the code itself."""
    codes = set()
    for path in (ROOT / "bot").rglob("*.py"):
        codes |= set(re.findall(r"record_case\(\s*\w+,\s*\w+,\s*\w+,\s*\"([\w-]+)\"", path.read_text()))
    assert codes, "no audited action found: the pattern above needs updating"
    catalogues = {loc: load_catalogue(loc) for loc in LOCALES}
    missing = [f"{loc}: moderation.action.{code}" for code in sorted(codes) for loc in LOCALES
               if f"moderation.action.{code}" not in catalogues[loc]]
    assert not missing, "\n".join(missing)


def test_french_elides_before_a_vowel() -> None:
    t = Translator("fr")
    assert "l'équipe d'animation d'Entraide" in t.t("fr", "moderation.warning_dm", community="Entraide", reason="x")
    assert "l'équipe d'animation de Bruno" in t.t("fr", "moderation.warning_dm", community="Bruno", reason="x")
    assert "of Entraide" not in t.t("en", "moderation.warning_dm", community="Entraide", reason="x")


# ---- the rules themselves can fail ----

@pytest.mark.parametrize(("text", "flagged"), [
    ("Ton profil", True), ("Quelques mots sur toi", True), ("Ce dont tu as besoin", True),
    ("Votre profil", False), ("C'est noté", False), ("Montrer votre profil", False),
])
def test_tu_rule(text: str, flagged: bool) -> None:
    assert bool(tu_forms(text)) is flagged


@pytest.mark.parametrize(("text", "flagged"), [
    ("un·e animateur·rice", True), ("vos filleul·es", True), ("les animateurs", True), ("filleuls", True),
    ("invalide(s)", True), ("actif·ves", True), ("Ravis de vous revoir", True), ("Bravo à tous", True),
    ("un nouveau parrain", True), ("filleul.e.s", True),
    ("un·e animateur·ice", False), ("vos filleul·e·s", False), ("l'équipe d'animation", False),
    ("parrain ou marraine", False), ("un nouveau parrain ou une nouvelle marraine", False),
    ("actif·ve·s", False), ("chacun·e", False), ("le parrainage", False), ("Bravo à toutes et à tous", False),
    ("ni accueil, ni parrain·e", True), ("{count} membres actifs", True), ("ont été aidés", True),
    ("Les deux ont été prévenus", True), ("Qui est venu", False), ("qui sont venus", True), ("Désolé !", True),
    ("{count} membres actif·ve·s", False), ("Les deux personnes sont prévenues", False),
    ("Toutes nos excuses", False),
])
def test_inclusive_rule(text: str, flagged: bool) -> None:
    assert bool(inclusive_problems(text)) is flagged


@pytest.mark.parametrize(("value", "flagged"), [
    ("le vote ({count} nommés)", True), ("{invalid} invalide(s)", True), ("{max} langues au plus", True),
    ({"other": "{count} votes"}, True),
    ({"one": "{count} vote", "other": "{count} votes"}, False), ("au plus {max} h", False),
])
def test_plural_rule(value: object, flagged: bool) -> None:
    assert bool(plural_problems("k", value, "fr")) is flagged


@pytest.mark.parametrize(("key", "text", "flagged"), [
    ("engagement.paused", "les rappels automatiques", True), ("moderation.now_active", "pings et relances", True),
    ("vitality.x", "n/a", True), ("reminders.removed", "Rappel n°2 supprimé.", False),
    ("engagement.paused", "les petits messages", False),
    ("privacy.confirm_needed", "relancez avec « profile delete »", True),
    ("moderation.timed_out", "si elle refuse, mod-log dira pourquoi", True),
    ("moderation.timed_out", "si elle refuse, le journal de modération dira pourquoi", False),
    ("onboarding.checkin_final", "la session d'approfondissement", True),
    ("onboarding.checkin_final", "la séance d'approfondissement", False),
    ("dashboard.card.newcomers", "Nouvelles personnes", True),
    ("dashboard.live.resolved", "La demande n° {ref}", True),
    ("dashboard.live.resolved", "La demande n°{ref}", False), ("x.at", "le 24 déc. 2026, 18:00:00", True),
    ("time.clock_pattern", "HH:mm:ss", True), ("time.clock_pattern", "H 'h' mm", False),
])
def test_vocabulary_rule(key: str, text: str, flagged: bool) -> None:
    assert bool(vocabulary_problems(key, text, "fr")) is flagged


@pytest.mark.parametrize(("key", "text", "flagged"), [
    ("onboarding.welcome_back_dm", "As a reminder, here is the charter", True),
    ("polls.empty_month_nominations", "Worth a reminder!", True),
    ("reminders.removed", "Reminder #2 removed.", False), ("engagement.paused", "Automatic nudges are paused", False),
    ("x.at", "Dec 9, 2026, 2:01:00 AM", True), ("x.at", "Thu 24 Dec, 6:00 PM", False),
])
def test_english_vocabulary_rule(key: str, text: str, flagged: bool) -> None:
    assert bool(vocabulary_problems(key, text, "en")) is flagged
