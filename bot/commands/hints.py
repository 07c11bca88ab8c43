"""Command hints inside the bot's messages, written once and shown in each transport's own syntax.

A catalogue text names a command as a token, `⟦profile set available=false⟧`; like a mention token,
the transport renders it when it sends the text: `/profile set available:false` on Discord,
`profile set available=false` in the console, `!profile set available=false` on Signal.
"""
from __future__ import annotations

import re

from bot.commands.registry import COMMANDS

HINT_TOKEN = re.compile(r"⟦([^⟦⟧\n]{1,300})⟧")
SLASH, TEXT, SIGNAL = "slash", "text", "signal"
SYNTAXES = (SLASH, TEXT, SIGNAL)
PREFIXES = {SLASH: "/", TEXT: "", SIGNAL: "!"}
#: Where Discord shows a command when it is not at its own name: animator subcommands of a group members
#: use live in a group of their own that Discord hides from members (it cannot hide one subcommand).
SLASH_PATHS = {
    "motm open": "motm-admin open", "motm close": "motm-admin close",
    "event new": "event-admin new", "event edit": "event-admin edit", "event cancel": "event-admin cancel",
    "event attended": "event-admin attended", "proposal close": "proposal-admin close",
}


def hint(name: str, /, **options: object) -> str:
    """The token for a command with options, for texts built in code."""
    parts = [name] + [f"{key}={_quoted(str(value))}" for key, value in options.items()]
    return "⟦" + " ".join(parts) + "⟧"


def _quoted(value: str) -> str:
    return f'"{value}"' if (" " in value or not value) and '"' not in value else value


def _split(body: str) -> tuple[str, list[tuple[str, str]]] | None:
    """`request resolve id=12` → (`request resolve`, [(`id`, `12`)]), or None if it names no command."""
    from bot.commands.parser import tokenize  # the parser's quoting rules, one implementation

    try:
        tokens = tokenize(body)
    except ValueError:
        return None
    words = [t.text for t in tokens]
    for count in range(min(4, len(words)), 0, -1):
        name = " ".join(words[:count])
        if name in COMMANDS and all(t.sep is not None for t in tokens[count:]):
            return name, [(t.text[: t.sep], t.text[t.sep + 1:]) for t in tokens[count:]]
    return None


def format_command(name: str, options: list[tuple[str, str]], syntax: str) -> str:
    """One command as a member types it on a transport."""
    if syntax == SLASH:
        return "/" + " ".join([SLASH_PATHS.get(name, name)] + [f"{key}:{value}" for key, value in options])
    return PREFIXES.get(syntax, "") + " ".join([name] + [f"{key}={_quoted(value)}" for key, value in options])


def render_hints(text: str, syntax: str) -> str:
    """Every hint token in `text` written in `syntax` (slash, text or signal)."""
    if "⟦" not in text:
        return text

    def one(match: re.Match[str]) -> str:
        parsed = _split(match.group(1))
        if parsed is None:
            return match.group(1)
        return format_command(parsed[0], parsed[1], syntax)

    return HINT_TOKEN.sub(one, text)
