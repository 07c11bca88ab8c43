"""A typed command line (`demande nouvelle titre="Fuite d'eau" compétences=plomberie`) → name and options.

Forgiving like a person writes: `key=value` or `key:value`, quotes optional for one word
(« », " ", “ ”), apostrophes inside words, the main option without its key (`prendre 12`), French
names for commands and options. A member option takes a mention (`signal:<ACI>` once the transport
has replaced Signal's placeholder) or a name.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from bot.commands.registry import COMMANDS, CommandSpec

MENTION_PREFIX = "signal:"
QUOTES = {'"': '"', "«": "»", "“": "”", "„": "“"}

# Command words and whole-command shortcuts in French (and a few English habits).
WORDS = {
    "aide": "help", "charte": "charter", "profil": "profile", "demande": "request", "nouvelle": "new",
    "liste": "list", "lister": "list", "resoudre": "resolve", "annuler": "cancel", "merci": "thanks",
    "annuaire": "directory", "competences": "skills", "voir": "show", "modifier": "set", "definir": "set",
    "exporter": "export", "supprimer": "delete", "avertir": "warn", "historique": "history",
    "rappel": "remind", "ajouter": "add", "retirer": "remove", "vitalite": "vitality", "ouvrir": "open",
    "fermer": "close", "nominer": "nominate", "proposer": "nominate", "statut": "status", "parrain": "godparent",
    "marraine": "godparent", "note": "note", "exclure": "timeout",
}
SHORTCUTS = {"prendre": "request claim", "claim": "request claim", "thank": "thanks", "nouvelle-demande": "request new"}
OPTION_WORDS = {
    "titre": "title", "details": "details", "competences": "skills", "besoins": "needs", "raison": "reason",
    "membre": "member", "urgent": "urgent", "langue": "language", "langues": "languages", "bio": "bio",
    "fuseau": "timezone", "disponible": "available", "parrainage": "godparent", "visible": "visible",
    "confirmer": "confirm", "competence": "skill", "mes": "mine", "texte": "text", "quand": "when",
    "jours": "days", "remerciement": "thanks", "actif": "active", "filleul": "newcomer", "nouveau": "newcomer",
}


class ParseError(Exception):
    """A line that cannot be read (an unclosed quote); `key` names the catalogue sentence."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass
class Parsed:
    name: str
    options: dict[str, Any] = field(default_factory=dict)


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """Words; a quoted part is one word (opening quote anywhere in it: `titre="Fuite d'eau"`)."""
    tokens: list[str] = []
    current: list[str] = []
    closing: str | None = None
    quoted = False
    for ch in text:
        if closing is not None:
            if ch == closing:
                closing = None
            else:
                current.append(ch)
        elif ch in QUOTES:
            closing, quoted = QUOTES[ch], True
        elif ch.isspace():
            if current or quoted:
                tokens.append("".join(current))
            current, quoted = [], False
        else:
            current.append(ch)
    if closing is not None:
        raise ParseError("signal.parse.unclosed_quote")
    if current or quoted:
        tokens.append("".join(current))
    return tokens


def _command(words: list[str]) -> tuple[CommandSpec | None, int, str]:
    """The longest known command at the start of `words`, and how many words it took."""
    shortcut = SHORTCUTS.get(fold(words[0])) if words else None
    if shortcut:
        return COMMANDS.get(shortcut), 1, shortcut
    canonical = [WORDS.get(fold(w), fold(w)) for w in words[:3]]
    for size in (3, 2, 1):
        name = " ".join(canonical[:size])
        if len(canonical) >= size and name in COMMANDS:
            return COMMANDS[name], size, name
    return None, min(len(words), 2), " ".join(canonical[:2])


def parse_command_line(text: str) -> Parsed:
    """`!` already stripped. An unknown command keeps its words as the name (the dispatcher answers)."""
    words = tokenize(text)
    if not words:
        return Parsed("help")
    spec, used, name = _command(words)
    if spec is None:
        return Parsed(name)
    names = {o.name for o in spec.options}
    options: dict[str, Any] = {}
    positional: list[str] = []
    for word in words[used:]:
        key, sep, value = _split_option(word)
        if sep and key in names:
            options[key] = value
        elif sep and OPTION_WORDS.get(fold(key)) in names:
            options[OPTION_WORDS[fold(key)]] = value
        else:
            positional.append(word)
    _place_positionals(spec, options, positional)
    return Parsed(spec.name, options)


def _split_option(word: str) -> tuple[str, str, str]:
    for sep in ("=", ":"):
        key, found, value = word.partition(sep)
        if found and key and key.replace("_", "").replace("-", "").isalpha():
            return key.lower(), found, value
    return word, "", ""


def _decoration(word: str) -> bool:
    """An emoji or symbol standing alone (`merci 👋 @Bruno`): not a value."""
    return all(unicodedata.category(ch)[0] in "SZ" or ch in "\u200d\ufe0f" for ch in word)


def _place_positionals(spec: CommandSpec, options: dict[str, Any], words: list[str]) -> None:
    """`prendre 12` → id=12; `merci signal:… pour la fuite` → member, then the rest as the text option.

    Real mentions fill the member options first, whatever their place; an emoji right before a
    mention is decoration.
    """
    mentions = [w for w in words if w.startswith(MENTION_PREFIX)]
    for option in spec.options:
        if option.kind == "member" and option.name not in options and mentions:
            options[option.name] = mentions.pop(0)
    kept: list[str] = []
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if word.startswith(MENTION_PREFIX) and word in options.values():
            continue
        if _decoration(word) and following.startswith(MENTION_PREFIX):
            continue
        kept.append(word)
    words = kept
    free = [o for o in spec.options if o.name not in options]
    while words and free:
        option = free.pop(0)
        if option.kind == "text" and not free:
            options[option.name] = " ".join(words)
            return
        if option.kind in ("text", "csv") and not any(o.kind in ("member", "int") for o in free):
            options[option.name] = " ".join(words)
            return
        options[option.name] = words.pop(0)
    if words:  # more words than options: the unknown-option error names the first one
        options[words[0][:40]] = ""
