"""User text never pings: neutralize it; the bot pings only with explicit `<@id>` tokens."""
from __future__ import annotations

import re
import unicodedata

ZERO_WIDTH_SPACE = "\u200b"
MENTION_TOKEN = re.compile(r"<@!?([^>\s]+)>")
BIDI_AND_CONTROL = {"Cc", "Cf"}


def neutralize(text: str) -> str:
    """Break every `@` so `@everyone`, `@here`, `<@&role>` and `<@id>` in user text stay inert."""
    return text.replace("@", "@" + ZERO_WIDTH_SPACE)


def mention(platform_id: str) -> str:
    """The one way a message pings a member (the transport renders it for its platform)."""
    return f"<@{platform_id}>"


def has_forbidden_characters(text: str, allow_newlines: bool = True) -> bool:
    """Control characters and bidi/format marks (e.g. right-to-left overrides) are refused in user text."""
    for ch in text:
        if allow_newlines and ch in "\n\t":
            continue
        if unicodedata.category(ch) in BIDI_AND_CONTROL:
            return True
        if ch in "\ufffd":  # what invalid UTF-8 decodes to
            return True
        if 0xD800 <= ord(ch) <= 0xDFFF:  # lone surrogates (invalid UTF-8 smuggled via JSON)
            return True
    return False
