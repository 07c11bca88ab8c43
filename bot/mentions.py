"""User text never pings: neutralize it; the bot pings only with explicit `<@id>` tokens."""
from __future__ import annotations

import re
import unicodedata

ZERO_WIDTH_SPACE = "\u200b"
MENTION_TOKEN = re.compile(r"<@!?([^>\s]+)>")
BIDI_AND_CONTROL = {"Cc", "Cf"}


# What Discord (and Signal's and the console's readers) would render in user text: emphasis, code,
# spoilers and the escape character itself anywhere; masked links `[text](url)`; at a line start,
# headings, quotes and subtext. The same rules as discord.utils.escape_markdown (bare URLs kept).
_URL = r"(?P<url><[^: >]+:\/[^ >]+>|(?:https?|steam):\/\/[^\s<]+[^<.,:;\"\'\]\s])"
_MARKDOWN = r"(?P<markdown>[_\\~|\*`]|\[.+\]\(.+\)|^>(?:>>)?\s|^#{1,3}|^\s*-#)"
_MARKDOWN_RE = re.compile(f"(?:{_URL}|{_MARKDOWN})", re.MULTILINE)
_MID_LINE = "x"  # a word before the text: what comes after it on the line starts no line


def escape_markdown(text: str, line_start: bool = True) -> str:
    """User text shown as typed, never as formatting: `[Cadeau](https://evil.example)` stays a visible
    bracket and URL, not a masked link in the bot's voice; `# titre` is not a heading.

    `line_start=False`: the text goes after other words on a line (`motif : {reason}`), where a `#`, `>`
    or `-#` of its first line starts no heading, quote or subtext on Discord: an escape there would only
    show as a stray `\\#` wherever the text is read as written; its later lines start lines, escaped."""
    if not line_start:
        return escape_markdown(_MID_LINE + text)[len(_MID_LINE):]
    return _MARKDOWN_RE.sub(lambda m: m["url"] or "\\" + m["markdown"], text)


def neutralize_mentions(text: str) -> str:
    """Break every `@` so `@everyone`, `@here`, `<@&role>` and `<@id>` in user text stay inert (for
    places Markdown is not rendered: button and select labels)."""
    return text.replace("@", "@" + ZERO_WIDTH_SPACE)


def neutralize(text: str) -> str:
    """User text made inert for every transport before it is placed into a message: it never pings
    (`@` broken) and never restyles the bot's post (Markdown escaped). Transports send it as is."""
    return neutralize_mentions(escape_markdown(text))


def neutralize_inline(text: str) -> str:
    """`neutralize` for text placed after other words on a line (a reason after « motif : »): the same
    inert text, without line-start escapes its first line does not need (`#1 de la charte`, not `\\#1`)."""
    return neutralize_mentions(escape_markdown(text, line_start=False))


def mention(platform_id: str) -> str:
    """The one way a message pings a member (the transport renders it for its platform)."""
    return f"<@{platform_id}>"


ZWJ = "\u200d"  # joins emoji into one (👩‍💻, 🏳️‍🌈); between letters it is an impersonation trick (ad‍min)
BLACK_FLAG = "\U0001F3F4"  # tag characters spell a subdivision flag after it (🏴󠁧󠁢󠁳󠁣󠁴󠁿)
EMOJI_PARTS = {"So", "Sk"}  # pictographs, skin tones
VARIATION_SELECTOR_16 = "\ufe0f"


def _is_tag(ch: str) -> bool:
    return 0xE0020 <= ord(ch) <= 0xE007F


def _forbidden_at(text: str, i: int, allow_newlines: bool) -> bool:
    """Whether text[i] is a control, bidi or format character that is not part of an emoji or a word."""
    ch = text[i]
    if allow_newlines and ch in "\n\t":
        return False
    if ch == ZWJ:  # only inside an emoji sequence: an emoji (or its selector) before, an emoji after
        before = text[i - 1] if i > 0 else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        return not ((before == VARIATION_SELECTOR_16 or (before and unicodedata.category(before) in EMOJI_PARTS))
                    and after and unicodedata.category(after) in EMOJI_PARTS)
    if _is_tag(ch):
        start = i
        while start > 0 and _is_tag(text[start - 1]):
            start -= 1
        return not (start > 0 and text[start - 1] == BLACK_FLAG)
    if unicodedata.category(ch) in BIDI_AND_CONTROL:  # right-to-left overrides, NUL, escapes...
        return True
    if ch == "\ufffd":  # what invalid UTF-8 decodes to
        return True
    return 0xD800 <= ord(ch) <= 0xDFFF  # lone surrogates (invalid UTF-8 smuggled via JSON)


def has_forbidden_characters(text: str, allow_newlines: bool = True) -> bool:
    """Control characters and bidi/format marks (e.g. right-to-left overrides) are refused in user text;
    emoji sequences (zero-width joiner, variation selectors, flags, skin tones) are welcome."""
    return any(_forbidden_at(text, i, allow_newlines) for i in range(len(text)))


def clean_display_name(name: str, fallback: str) -> str:
    """A platform display name as the bot will echo it: what options would refuse (U+202E, NUL, other
    control and bidi characters) is dropped, spaces collapsed; `fallback` when nothing is left."""
    kept = "".join(" " if ch in "\n\t" else ch for i, ch in enumerate(name) if not _forbidden_at(name, i, True))
    return " ".join(kept.split())[:100] or fallback
