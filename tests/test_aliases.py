"""The alias tables (bot/i18n/<locale>/aliases.toml) and the command hints in the catalogues."""
from __future__ import annotations

import re

from bot.app import load_command_modules
from bot.commands import aliases
from bot.commands.hints import HINT_TOKEN, SIGNAL, SLASH, TEXT, hint, render_hints
from bot.commands.parser import tokenize
from bot.commands.registry import COMMANDS
from bot.i18n import LOCALES, load_catalogue

load_command_modules()


def test_no_spelling_names_two_commands_or_two_options() -> None:
    table = aliases.build_table(COMMANDS)
    assert table.collisions == []


def test_a_collision_is_caught() -> None:
    """The check above can fail: a group alias that is also a command is reported."""
    table = aliases.AliasTable()
    table.add_command("aide", "help")
    table.add_command("Aide", "thanks")
    table.add_option("thanks", "membre", "member")
    table.add_option("thanks", "MEMBRE", "reason")
    assert len(table.collisions) == 2


def test_every_command_and_option_has_a_french_name() -> None:
    missing = []
    for name, spec in COMMANDS.items():
        group, _ = aliases.split_name(name)
        if group and not aliases.catalogue_aliases("fr", "groups", group):
            missing.append(f"[groups] {group}")
        if not aliases.catalogue_aliases("fr", "commands", spec.key):
            missing.append(f"[commands] {spec.key}")
        for option in spec.options:
            if not aliases.catalogue_aliases("fr", "options", option.name):
                missing.append(f"[options] {option.name}")
    assert not missing, f"add these to bot/i18n/fr/aliases.toml (and en): {sorted(set(missing))}"


def test_every_french_name_leads_to_its_command() -> None:
    for name, spec in COMMANDS.items():
        for alias in aliases.command_aliases(name, "fr"):
            assert aliases.command_name(alias) == name, (alias, name)
        for option in spec.options:
            for alias in aliases.option_aliases(option.name, "fr"):
                assert aliases.option_name(name, alias) == option.name, (name, alias)
    assert aliases.command_name("profil set") == "profile set"
    assert aliases.command_name("Demande Nouvelle") == "request new"
    assert aliases.command_name("competences") == "skills"


def test_hint_tokens_name_real_commands_and_options() -> None:
    for loc in LOCALES:
        for key, value in load_catalogue(loc).items():
            forms = value.values() if isinstance(value, dict) else [value]
            for form in forms:
                for match in HINT_TOKEN.finditer(str(form)):
                    tokens = tokenize(match.group(1))
                    words = [t.text for t in tokens]
                    found = aliases.find_command(words)
                    assert found is not None and found[0] == " ".join(words[: found[1]]), (loc, key, match.group(0))
                    for token in tokens[found[1]:]:
                        assert token.sep is not None and token.text[token.sep] == "=", (loc, key, token)
                        option = token.text[: token.sep]
                        assert option in {o.name for o in COMMANDS[found[0]].options}, (loc, key, option)


def test_no_command_hint_is_left_in_one_transports_syntax() -> None:
    """`profile set available:false` in a message is Discord syntax: write ⟦profile set available=false⟧."""
    names = "|".join(re.escape(n) for n in sorted(COMMANDS, key=len, reverse=True))
    raw = re.compile(r"[«“]\s*(?:" + names + r")(?:\s+[a-z_]+\s*[:=][^»”]*)?\s*[»”]")
    for loc in LOCALES:
        for key, value in load_catalogue(loc).items():
            if key.startswith("aliases."):
                continue
            forms = value.values() if isinstance(value, dict) else [value]
            for form in forms:
                assert not raw.search(str(form)), (loc, key, form)


def test_hints_render_in_each_transports_syntax() -> None:
    text = "Not available? “" + hint("profile set", available="false") + "”. Then " + hint("request resolve", id=12)
    assert render_hints(text, TEXT) == "Not available? “profile set available=false”. Then request resolve id=12"
    assert render_hints(text, SIGNAL) == "Not available? “!profile set available=false”. Then !request resolve id=12"
    assert render_hints(text, SLASH) == "Not available? “/profile set available:false”. Then /request resolve id:12"
    quoted = hint("request new", title="Fuite d'eau")
    assert render_hints(quoted, TEXT) == "request new title=\"Fuite d'eau\""
    assert render_hints(quoted, SLASH) == "/request new title:Fuite d'eau"
    assert render_hints("⟦not a command⟧ ⟦⟧", TEXT) == "not a command ⟦⟧"
