"""Text as Signal carries it: mentions at UTF-16 offsets behind U+FFFC, bodies under 2,000 bytes.

Signal counts mention offsets in UTF-16 code units (an emoji before a mention counts two), and a
body over 2,000 UTF-8 bytes arrives truncated with the rest as a file: the bot splits its long texts
at paragraph boundaries instead.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.mentions import MENTION_TOKEN

PLACEHOLDER = "\ufffc"
MAX_BODY_BYTES = 2000
SIGNAL_PREFIX = "signal:"


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def utf16_to_index(text: str) -> dict[int, int]:
    """UTF-16 offset → Python index, for every character boundary of `text`."""
    table, units = {}, 0
    for index, char in enumerate(text):
        table[units] = index
        units += 2 if ord(char) > 0xFFFF else 1
    table[units] = len(text)
    return table


# The engine escapes Markdown in user text (bot.mentions.escape_markdown) because Discord would render
# it; Signal shows text as typed (its styles are ranges, not marks), so the escapes would show as
# backslashes: they are taken off again, exactly those (a typed backslash was doubled, it stays one).
_ESCAPED = re.compile(r"\\([_\\~|*`\[>#]|\s*-#)")


def unescape_markdown(text: str) -> str:
    return _ESCAPED.sub(lambda m: m.group(1), text)


def aci_of(platform_id: str) -> str | None:
    return platform_id[len(SIGNAL_PREFIX):] if platform_id.startswith(SIGNAL_PREFIX) else None


def replace_mentions(text: str, mentions: Iterable[Mapping[str, Any]]) -> str:
    """An incoming body with its mention placeholders replaced by member references (`signal:<ACI>`).

    Each reference stands as its own word, so `merci 👋\ufffc` still reads as a member after an emoji.
    """
    table = utf16_to_index(text)
    spans = []
    for mention in mentions:
        uuid, start, length = mention.get("uuid"), mention.get("start"), mention.get("length", 1)
        if not isinstance(uuid, str) or not isinstance(start, int) or not isinstance(length, int):
            continue
        begin, end = table.get(start), table.get(start + length)
        if begin is None or end is None or end <= begin:
            continue
        spans.append((begin, end, uuid.lower()))
    for begin, end, uuid in sorted(spans, reverse=True):
        before = "" if begin == 0 or text[begin - 1].isspace() else " "
        after = "" if end >= len(text) or text[end].isspace() else " "
        text = f"{text[:begin]}{before}{SIGNAL_PREFIX}{uuid}{after}{text[end:]}"
    return text


@dataclass
class Body:
    """One message body as signal-cli's `send` takes it: text and `start:length:ACI` mentions."""

    text: str
    mentions: list[tuple[int, str]] = field(default_factory=list)  # (Python index of U+FFFC, ACI)

    def mention_params(self) -> list[str]:
        return [f"{utf16_len(self.text[:index])}:1:{aci}" for index, aci in self.mentions]


def render(text: str, pinged: set[str], name_of: Callable[[str], str]) -> Body:
    """`<@signal:ACI>` tokens → a real mention for pinged members, `@Name` for everyone else."""
    text = unescape_markdown(text)
    out: list[str] = []
    mentions: list[tuple[int, str]] = []
    length, last = 0, 0
    for match in MENTION_TOKEN.finditer(text):
        piece = text[last:match.start()]
        out.append(piece)
        length += len(piece)
        platform_id = match.group(1)
        aci = aci_of(platform_id)
        if aci is not None and platform_id in pinged:
            mentions.append((length, aci))
            out.append(PLACEHOLDER)
            length += 1
        else:
            name = "@" + name_of(platform_id)
            out.append(name)
            length += len(name)
        last = match.end()
    out.append(text[last:])
    return Body("".join(out), mentions)


def split_body(body: Body, limit: int = MAX_BODY_BYTES) -> list[Body]:
    """Cut at paragraph boundaries (then lines, then words) so that each part stays under `limit` bytes."""
    pieces = _pieces(body.text, limit)
    parts: list[Body] = []
    current, start = "", 0
    offset = 0
    for piece in pieces:
        candidate = current + piece
        if current and len(candidate.rstrip().encode("utf-8")) > limit:
            parts.append(_part(body, start, current))
            current, start = piece, offset
        else:
            current = candidate
        offset += len(piece)
    if current.strip() or not parts:
        parts.append(_part(body, start, current))
    return parts


def _part(body: Body, start: int, text: str) -> Body:
    stripped = text.rstrip()
    lead = len(stripped) - len(stripped.lstrip())
    clean = stripped.lstrip()
    mentions = [(index - start - lead, aci) for index, aci in body.mentions
                if start + lead <= index < start + lead + len(clean)]
    return Body(clean, mentions)


def _pieces(text: str, limit: int) -> list[str]:
    """Paragraphs (keeping their separators), each cut further if it alone is over the limit."""
    pieces: list[str] = []
    for paragraph in _keep_split(text, "\n\n"):
        if len(paragraph.encode("utf-8")) <= limit:
            pieces.append(paragraph)
            continue
        for line in _keep_split(paragraph, "\n"):
            if len(line.encode("utf-8")) <= limit:
                pieces.append(line)
                continue
            for word in _keep_split(line, " "):
                while len(word.encode("utf-8")) > limit:  # one endless word: cut by characters
                    cut = limit // 4
                    pieces.append(word[:cut])
                    word = word[cut:]
                pieces.append(word)
    return pieces


def _keep_split(text: str, separator: str) -> list[str]:
    parts = text.split(separator)
    return [p + separator for p in parts[:-1]] + [parts[-1]]
