"""Commands typed as text (the console REPL, Signal's `!` messages), read the way a person writes them.

The API for text transports:

    from bot.commands.parser import parse_text_command, run_text_command, TextCommandError

    parsed = parse_text_command("merci bruno c'est top", i18n, "fr")
    parsed.name, parsed.options           # "thanks", {"member": "bruno", "reason": "c'est top"}

    reply = await run_text_command(ctx, actor, "demande prendre 12")   # or Engine.text_command(actor, text)

`parse_text_command` raises `TextCommandError` (code `invalid_input`, `.text` one line in the given
locale, `.reply()` a ready `Reply`); it never raises anything else on any input. `run_text_command`
parses in the caller's language (their member row, else the platform's locale) and runs the command
exactly as a JSON or slash command would: same validation, same permission and charter checks, and
always one `Reply`. Option values stay text; `run_command` validates and converts them.

What is accepted (COMMANDS.md, "Typed as text"):
- the command's English name or any alias (`aide`, `profil modifier`, `profil set`, `demande nouvelle`),
  accents and case ignored, a leading `/` or `!` ignored;
- options as `key=value` or `key:value`, keys in English or French (`compétences=…`), a value running
  on over the following words until the next `key=` (`reason=c'est top`, `skills=aide aux devoirs, cuisine`);
- quotes `"…"`, `«…»`, `“…”`, and `'…'` when it opens a word; an apostrophe inside a word is a letter
  (`c'est`, `l’évier`); an unclosed quote is an error, never a crash;
- the main option without its key (`directory jardinage`, `remind remove 2`, `request claim 12`,
  `thanks bruno c'est top`), and a yes/no option named alone means yes (`request list mine`).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from bot.commands import aliases
from bot.commands.registry import COMMANDS, Actor, CommandSpec, Option, Reply
from bot.i18n import Translator
from bot.mentions import neutralize

MAX_LINE = 4000
QUOTE_PAIRS = {'"': '"', "«": "»", "“": "”", "„": "“", "'": "'", "‘": "’"}
APOSTROPHES = {"'", "‘"}
CLOSING_APOSTROPHES = {"'", "’"}
SEPARATORS = "=:"
# Options given without their key, in this order (default: the command's first option).
POSITIONAL: dict[str, tuple[str, ...]] = {
    "thanks": ("member", "reason"),
    "mod warn": ("member", "reason"),
    "mod note": ("member", "text"),
    "mod timeout": ("member", "duration", "minutes", "reason"),
    "mod status": ("member", "active"),
    "mod godparent": ("newcomer", "godparent"),
    "mod close-request": ("id", "reason"),
    "mod skill merge": ("skill", "into"),
    "mod skill rename": ("skill", "to"),
    "request resolve": ("id", "thanks"),
    "event join": ("id", "slot"),
    "event attended": ("id", "members"),
    "proposal vote": ("id", "choice"),
}
RUNS_ON = ("text", "csv")  # kinds whose value may span several words


@dataclass(frozen=True)
class Token:
    """A word as typed: its text without quotes, where its unquoted `=`/`:` is, whether it had quotes."""

    text: str
    sep: int | None = None
    quoted: bool = False


@dataclass(frozen=True)
class TextCommand:
    name: str
    options: dict[str, Any] = field(default_factory=dict)


class TextCommandError(Exception):
    """A line the parser cannot read; `text` says why in one line of the caller's language."""

    code = "invalid_input"

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def reply(self) -> Reply:
        return Reply(ok=False, text=self.text, error=self.code, data={})


class UnclosedQuote(ValueError):
    def __init__(self, quote: str) -> None:
        super().__init__(quote)
        self.quote = quote


def tokenize(line: str) -> list[Token]:
    """Split into words like a person means them; raises `UnclosedQuote` (a ValueError)."""
    tokens: list[Token] = []
    i, n = 0, len(line)
    while i < n:
        if line[i].isspace():
            i += 1
            continue
        chars: list[str] = []
        sep: int | None = None
        quoted = False
        while i < n and not line[i].isspace():
            ch = line[i]
            at_value_start = not chars or (sep is not None and len(chars) == sep + 1)
            if ch in QUOTE_PAIRS and (ch not in APOSTROPHES or at_value_start):
                i, inner = _quoted(line, i)
                chars.extend(inner)
                quoted = True
                continue
            if ch in SEPARATORS and sep is None and not quoted and chars:
                sep = len(chars)
            chars.append(ch)
            i += 1
        tokens.append(Token("".join(chars), sep, quoted))
    return tokens


def _quoted(line: str, start: int) -> tuple[int, str]:
    """The text between a quote at `start` and its closing quote; returns (index after it, text)."""
    opener = line[start]
    closer = QUOTE_PAIRS[opener]
    i = start + 1
    while i < len(line):
        ch = line[i]
        if opener in APOSTROPHES:
            # An apostrophe closes only at the end of a word: `'c'est top'` is one value.
            if ch in CLOSING_APOSTROPHES and (i + 1 == len(line) or line[i + 1].isspace()):
                return i + 1, line[start + 1: i]
        elif ch == closer or (opener == '"' and ch == "”"):
            return i + 1, line[start + 1: i]
        i += 1
    raise UnclosedQuote(opener)


def positional_options(spec: CommandSpec) -> list[Option]:
    names = POSITIONAL.get(spec.name)
    by_name = {o.name: o for o in spec.options}
    if names is None:
        return list(spec.options[:1])
    chosen = [by_name[n] for n in names if n in by_name]
    if "duration" in by_name and "minutes" in by_name:
        chosen = [o for o in chosen if o.name != "minutes"]
    return chosen


class _Reader:
    """Reads one line; every refusal is a TextCommandError in the caller's language."""

    def __init__(self, i18n: Translator, locale: str | None, mention_prefix: str | None = None) -> None:
        self.i18n, self.locale, self.mention_prefix = i18n, locale, mention_prefix

    def t(self, key: str, **params: Any) -> str:
        return self.i18n.t(self.locale, f"parser.{key}", **params)

    def fail(self, *sentences: str) -> TextCommandError:
        return TextCommandError(" ".join(s for s in sentences if s))

    def parse(self, line: str) -> TextCommand:
        line = line.strip()
        if line[:1] in ("/", "!"):
            line = line[1:]
        if len(line) > MAX_LINE:
            raise self.fail(self.t("too_long", max=MAX_LINE))
        try:
            tokens = tokenize(line)
        except UnclosedQuote as exc:
            raise self.fail(self.t("unclosed_quote", quote=exc.quote)) from None
        if not tokens:
            raise self.fail(self.t("empty"))
        spec, used = self.command(tokens)
        return TextCommand(spec.name, self.options(spec, tokens[used:]))

    def command(self, tokens: list[Token]) -> tuple[CommandSpec, int]:
        words: list[str] = []
        for token in tokens[: aliases.MAX_COMMAND_WORDS]:
            if token.sep is not None:
                break
            words.append(token.text)
        found = aliases.find_command(words)
        if found is not None:
            return COMMANDS[found[0]], found[1]
        typed = " ".join(words) or tokens[0].text
        suggestion = aliases.suggest_command(words)
        group = aliases.group_of(words[0]) if words else None
        if group and suggestion is None:
            choices = ", ".join(aliases.split_name(n)[1] for n in aliases.group_commands(group))
            raise self.fail(self.t("group_needs_more", group=words[0], choices=choices))
        raise self.fail(
            self.t("unknown_command", command=neutralize(typed[:60])),
            self.t("did_you_mean", suggestion=suggestion) if suggestion else "",
            self.t("see_help"),
        )

    def mentions(self, spec: CommandSpec, tokens: list[Token]) -> tuple[dict[str, Any], list[Token]]:
        """A transport's real mentions (`signal:<id>`) fill the member options first, wherever they
        stand; an emoji right before one is decoration (`merci 👋 @Bruno`)."""
        if not self.mention_prefix:
            return {}, tokens
        keyed = {aliases.option_name(spec.name, t.text[: t.sep]) for t in tokens if t.sep is not None}
        free = [o for o in spec.options if o.kind == "member" and o.name not in keyed]
        values: dict[str, Any] = {}
        kept: list[Token] = []
        for index, token in enumerate(tokens):
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            if _is_mention(token, self.mention_prefix) and free:
                values[free.pop(0).name] = token.text
                continue
            if following is not None and _is_mention(following, self.mention_prefix) and _decoration(token.text):
                continue
            kept.append(token)
        return values, kept

    def options(self, spec: CommandSpec, tokens: list[Token]) -> dict[str, Any]:
        by_name = {o.name: o for o in spec.options}
        values, tokens = self.mentions(spec, _spaced_keys(spec, tokens))
        slots = positional_options(spec)
        current: Option | None = None  # the option the following bare words run on into
        skip = 0
        for index, token in enumerate(tokens):
            if skip:
                skip -= 1
                continue
            option = self.keyed_option(spec, token, current)
            if option is not None:
                if option.name in values:
                    raise self.fail(self.t("twice", option=option.name))
                values[option.name] = token.text[token.sep + 1:] if token.sep is not None else ""
                current = option
                continue
            flag = by_name.get(aliases.option_name(spec.name, token.text) or "") if not token.quoted else None
            if flag is not None and flag.kind == "bool" and flag.name not in values:
                values[flag.name] = True
                following = tokens[index + 1] if index + 1 < len(tokens) else None
                if following is not None and following.sep is None and _yes_or_no(following.text):
                    values[flag.name] = following.text  # `réseau oui`, `disponible non`: the word is its value
                    skip = 1
                current = None
                continue
            if current is not None and (current.kind in RUNS_ON or values[current.name] == ""):
                values[current.name] = f"{values[current.name]} {token.text}".strip()
                continue
            named = _named_option(spec, tokens, index, values)
            if named is not None:  # `heures calmes 22-07`, `créneau accueil`: an option named, its value after
                current, used = named
                values[current.name] = ""
                skip = used - 1
                continue
            slot = next((o for o in slots if o.name not in values), None)
            if slot is None:
                raise self.unexpected(spec, token.text)
            values[slot.name] = token.text
            is_last = all(o.name in values for o in slots)
            current = slot if slot.kind in RUNS_ON and is_last else None
        return values

    def keyed_option(self, spec: CommandSpec, token: Token, current: Option | None) -> Option | None:
        """The option a `key=value` word names; None when the word is plain text."""
        if token.sep is None:
            return None
        key = token.text[: token.sep]
        name = aliases.option_name(spec.name, key)
        if name is not None:
            return next(o for o in spec.options if o.name == name)
        if not key.replace("_", "").replace("-", "").isalpha() or len(key) > 40:
            return None  # `18:00`, `https://…`: text, not a key
        suggestion = aliases.suggest_option(spec.name, key)
        explicit = token.text[token.sep] == "="
        if suggestion is None and (current is not None and current.kind in RUNS_ON or not explicit):
            return None  # `Note: …` inside a text is text
        names = ", ".join(o.name for o in spec.options) or "—"
        raise self.fail(
            self.t("unknown_option", command=spec.name, option=neutralize(key[:40])),
            self.t("did_you_mean", suggestion=suggestion) if suggestion else self.t("its_options", options=names),
        )

    def unexpected(self, spec: CommandSpec, word: str) -> TextCommandError:
        names = ", ".join(o.name for o in spec.options)
        if not names:
            return self.fail(self.t("no_options", command=spec.name, word=word[:40]))
        return self.fail(self.t("unexpected", command=spec.name, word=word[:40], options=names))


def _yes_or_no(word: str) -> bool:
    from bot.commands.options import FALSE, TRUE

    return word.strip().lower() in TRUE | FALSE


def _named_option(spec: CommandSpec, tokens: list[Token], index: int,
                  values: dict[str, Any]) -> tuple[Option, int] | None:
    """The option that the bare word(s) at `index` name without `=` (`heures calmes`, `créneau`), when a plain
    value follows them and it has none yet: (option, words used); yes/no options are flags, never this."""
    by_name = {o.name: o for o in spec.options}
    for count in (2, 1):
        words = tokens[index:index + count]
        after = tokens[index + count] if index + count < len(tokens) else None
        if len(words) < count or after is None or after.sep is not None \
                or any(w.sep is not None or w.quoted for w in words):
            continue
        name = aliases.option_name(spec.name, "_".join(w.text for w in words))
        if name is not None and name not in values and by_name[name].kind != "bool":
            return by_name[name], count
    return None


def _spaced_keys(spec: CommandSpec, tokens: list[Token]) -> list[Token]:
    """A key written in words (`heures calmes=22-07`, `fuseau horaire: Europe/Paris`) is the option its
    underscored alias names (`heures_calmes`), when the last word alone names none."""
    merged: list[Token] = []
    for token in tokens:
        unknown = token.sep is not None and aliases.option_name(spec.name, token.text[: token.sep]) is None
        if unknown and token.sep is not None and not token.quoted:
            for count in (2, 1):
                words = merged[-count:]
                if len(words) < count or any(w.sep is not None or w.quoted for w in words):
                    continue
                key = "_".join([w.text for w in words] + [token.text[: token.sep]])
                if aliases.option_name(spec.name, key) is not None:
                    del merged[-count:]
                    token = Token(key + token.text[token.sep:], len(key), False)
                    break
        merged.append(token)
    return merged


def _is_mention(token: Token, prefix: str) -> bool:
    return not token.quoted and token.text.startswith(prefix) and len(token.text) > len(prefix)


def _decoration(word: str) -> bool:
    """An emoji or symbol standing alone: not a value."""
    return all(unicodedata.category(ch)[0] in "SZ" or ch in "\u200d\ufe0f" for ch in word)


def parse_text_command(
    line: str, i18n: Translator, locale: str | None, mention_prefix: str | None = None,
) -> TextCommand:
    """Text → (command, options); raises `TextCommandError` in `locale` and nothing else.

    `mention_prefix`: how the transport writes a real mention in `line` (Signal: `signal:`, once its
    placeholders are replaced); such words fill the member options first, wherever they stand.
    """
    if not isinstance(line, str):
        raise TextCommandError(i18n.t(locale, "parser.empty"))
    return _Reader(i18n, locale, mention_prefix).parse(line)


async def run_text_command(
    ctx: Any, actor: Actor, line: str, activity: Any = None, mention_prefix: str | None = None,
) -> Reply:
    """Parse in the caller's language and run the command: always exactly one `Reply`."""
    from bot.commands.dispatch import caller_locale, run_command

    locale = await caller_locale(ctx, actor)
    try:
        parsed = parse_text_command(line, ctx.i18n, locale, mention_prefix)
    except TextCommandError as err:
        return err.reply()
    return await run_command(ctx, actor, parsed.name, parsed.options, activity)
