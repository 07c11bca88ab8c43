"""Other names for commands and options (French aliases, English synonyms), read from the catalogues.

`bot/i18n/<locale>/aliases.toml` holds them; every locale's aliases are accepted from everyone (a
member who set English may still type `aide`), accents, case and `_`/`-` ignored. A command is found
by its words: `profil modifier`, `profile modifier` and `profil set` all name `profile set`.
"""
from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product

from bot.commands.registry import COMMANDS, CommandSpec
from bot.i18n import LOCALES, load_catalogue

MAX_COMMAND_WORDS = 4


def normalize(text: str) -> str:
    """`Compétences`, `competences`, `COMPÉTENCES` → `competences`; `quiet_hours` → `quiet-hours`."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().replace("_", "-").replace("’", "'").split())


@lru_cache(maxsize=1)
def _catalogue_aliases() -> dict[str, dict[str, dict[str, list[str]]]]:
    """locale → section (groups, commands, options) → key → aliases."""
    found: dict[str, dict[str, dict[str, list[str]]]] = {}
    for loc in LOCALES:
        sections: dict[str, dict[str, list[str]]] = {"groups": {}, "commands": {}, "options": {}}
        for key, value in load_catalogue(loc).items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "aliases" and parts[1] in sections and isinstance(value, list):
                sections[parts[1]][parts[2]] = [str(v) for v in value]
        found[loc] = sections
    return found


def catalogue_aliases(locale: str, section: str, key: str) -> list[str]:
    """The aliases one locale's catalogue gives a group, a command (its registry key) or an option."""
    return list(_catalogue_aliases().get(locale, {}).get(section, {}).get(key, []))


def _all_aliases(section: str, key: str) -> list[str]:
    return [alias for loc in LOCALES for alias in catalogue_aliases(loc, section, key)]


def split_name(name: str) -> tuple[str, str]:
    """`mod skill merge` → (`mod`, `skill merge`); `thanks` → (``, `thanks`)."""
    first, _, rest = name.partition(" ")
    return (first, rest) if rest else ("", first)


@dataclass
class AliasTable:
    """Every accepted spelling, normalized, and what it stands for."""

    commands: dict[str, str] = field(default_factory=dict)  # phrase → command
    groups: dict[str, str] = field(default_factory=dict)  # first word → canonical group
    options: dict[str, dict[str, str]] = field(default_factory=dict)  # command → spelling → option
    collisions: list[str] = field(default_factory=list)

    def add_command(self, phrase: str, name: str) -> None:
        key = normalize(phrase)
        if not key:
            return
        other = self.commands.get(key)
        if other is not None and other != name:
            self.collisions.append(f"“{phrase}” names both {other!r} and {name!r}")
            return
        self.commands[key] = name

    def add_option(self, command: str, spelling: str, option: str) -> None:
        key = normalize(spelling)
        spellings = self.options.setdefault(command, {})
        other = spellings.get(key)
        if other is not None and other != option:
            self.collisions.append(f"{command}: “{spelling}” names both options {other!r} and {option!r}")
            return
        spellings[key] = option


def build_table(commands: dict[str, CommandSpec]) -> AliasTable:
    """The table for the registered commands (built again when commands are added)."""
    table = AliasTable()
    for name in sorted(commands):
        group, rest = split_name(name)
        if group:
            group_words = [group, *_all_aliases("groups", group)]
            for word in group_words:
                table.groups.setdefault(normalize(word), group)
        else:
            group_words = [""]
        rests = [rest, *_all_aliases("commands", commands[name].key)]
        for first, last in product(group_words, rests):
            table.add_command(f"{first} {last}", name)
        for option in commands[name].options:
            for spelling in (option.name, *_all_aliases("options", option.name)):
                table.add_option(name, spelling, option.name)
    for word, group in table.groups.items():
        if word in table.commands:
            table.collisions.append(f"“{word}” is both a group ({group}) and the command {table.commands[word]!r}")
    return table


_cache: dict[str, AliasTable] = {}


def table() -> AliasTable:
    """The alias table of the commands registered now."""
    stamp = "\n".join(sorted(COMMANDS))
    if stamp not in _cache:
        _cache.clear()
        _cache[stamp] = build_table(COMMANDS)
    return _cache[stamp]


def command_name(phrase: str) -> str | None:
    """A whole command name in any accepted spelling → its registry name."""
    return table().commands.get(normalize(phrase))


def find_command(words: list[str]) -> tuple[str, int] | None:
    """The longest run of leading words that names a command: (command, how many words)."""
    commands = table().commands
    for count in range(min(MAX_COMMAND_WORDS, len(words)), 0, -1):
        found = commands.get(normalize(" ".join(words[:count])))
        if found is not None:
            return found, count
    return None


def group_of(word: str) -> str | None:
    return table().groups.get(normalize(word))


def group_commands(group: str) -> list[str]:
    return sorted(name for name in COMMANDS if split_name(name)[0] == group)


def option_name(command: str, spelling: str) -> str | None:
    """An option of `command` in any accepted spelling → its name."""
    return table().options.get(command, {}).get(normalize(spelling))


def _closest(word: str, candidates: dict[str, str], cutoff: float) -> str | None:
    """The candidate spelling nearest to `word`, if it is near enough to be a typo."""
    match = difflib.get_close_matches(normalize(word), list(candidates), n=1, cutoff=cutoff)
    return match[0] if match else None


def suggest_command(words: list[str]) -> str | None:
    """`reqest list` → `request list`; `profil modifer` → `profil modifier`; None when nothing is near."""
    commands = table().commands
    for count in range(min(MAX_COMMAND_WORDS, len(words)), 0, -1):
        phrase = " ".join(words[:count])
        same_length = {k: v for k, v in commands.items() if len(k.split()) == count}
        found = _closest(phrase, same_length, 0.75)
        if found is not None:
            return found
    return None


def suggest_option(command: str, spelling: str) -> str | None:
    """The option (its name) whose spelling is nearest to a mistyped key, if any."""
    spellings = table().options.get(command, {})
    found = _closest(spelling, spellings, 0.7)
    return spellings[found] if found is not None else None


def command_aliases(name: str, locale: str) -> list[str]:
    """How a member of `locale` may also type the command (e.g. `profil modifier`), for help."""
    spec = COMMANDS[name]
    group, rest = split_name(name)
    lasts = catalogue_aliases(locale, "commands", spec.key)
    if not group:
        return lasts
    firsts = catalogue_aliases(locale, "groups", group)
    names = [f"{first} {last}" for first in firsts[:1] for last in lasts]
    if not names and firsts:
        names = [f"{firsts[0]} {rest}"]
    return names


def option_aliases(option: str, locale: str) -> list[str]:
    return catalogue_aliases(locale, "options", option)
