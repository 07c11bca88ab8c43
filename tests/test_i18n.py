"""Words: every catalogue key exists in every locale with the same placeholders; help covers each command."""
from __future__ import annotations

from datetime import datetime

from bot.app import load_command_modules
from bot.commands.core import help_key
from bot.commands.registry import COMMANDS
from bot.i18n import LOCALES, Translator, load_catalogue, placeholders


def _forms(value: object) -> list[str]:
    if isinstance(value, dict):
        return [str(v) for v in value.values()]
    if isinstance(value, list):
        return ["\n".join(map(str, value))]
    return [str(value)]


def test_every_key_exists_in_every_locale_with_the_same_placeholders() -> None:
    catalogues = {loc: load_catalogue(loc) for loc in LOCALES}
    reference = catalogues["fr"]
    for loc, catalogue in catalogues.items():
        assert set(catalogue) == set(reference), f"{loc}: {set(catalogue) ^ set(reference)}"
    for key in reference:
        wanted = set().union(*(placeholders(f) for f in _forms(reference[key])))
        for loc in LOCALES:
            got = set().union(*(placeholders(f) for f in _forms(catalogues[loc][key])))
            assert got == wanted, f"{loc}:{key} has {got}, fr has {wanted}"


def test_every_command_has_a_help_line_in_every_locale() -> None:
    load_command_modules()
    catalogues = {loc: load_catalogue(loc) for loc in LOCALES}
    for name in COMMANDS:
        for loc in LOCALES:
            assert help_key(name) in catalogues[loc], f"{loc}: no help line for {name!r} ({help_key(name)})"


def test_every_error_code_has_words() -> None:
    from bot.errors import ERROR_CODES

    t = Translator()
    for code in ERROR_CODES:
        for loc in LOCALES:
            assert t.t(loc, f"common.error.{code}", detail="x") != f"common.error.{code}"


def test_dates_and_numbers_follow_the_locale() -> None:
    t = Translator("fr", "Europe/Paris")
    when = datetime.fromisoformat("2026-12-07T10:00:00+01:00")
    assert t.datetime("fr", when) == "lundi 7 décembre 2026 à 10 h"  # no clock: the year is said
    assert t.datetime("en", when) == "Mon 7 Dec 2026, 10:00 AM"
    assert t.number("fr", 1234.5) == "1\u202f234,5" and t.number("en", 1234.5) == "1,234.5"
    assert t.date("en", when) == "Mon 7 Dec 2026" and t.date("fr", when) == "lundi 7 décembre 2026"


def test_unknown_locale_falls_back_to_the_community_one() -> None:
    t = Translator("fr")
    assert t.t("de", "common.yes") == "oui" and t.t("en-GB", "common.yes") == "yes"


def test_catalogues_are_read_once_and_shared_read_only() -> None:
    """A network builds a Translator per community: the catalogues are parsed once per process."""
    import pytest

    from bot.i18n import Translator

    first, second = Translator("fr"), Translator("en", "America/Montreal")
    assert first.catalogues["fr"] is second.catalogues["fr"]
    with pytest.raises(TypeError):
        first.catalogues["fr"]["core.help.help"] = "changed"  # type: ignore[index]
    assert second.t("fr", "core.help.help") == first.t("fr", "core.help.help") != "core.help.help"
