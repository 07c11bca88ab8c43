"""Discord takes 2,000 characters a message: a longer text goes as several messages, never cut.

Lists page themselves (bot/commands/pages.py); this is for the rest (a long card, a long post): split at
line boundaries, a single over-long line at a space, and only a line without any space at the limit.
"""
from __future__ import annotations

MAX_CONTENT = 2000


def _split_line(line: str, limit: int) -> list[str]:
    """One line longer than the limit: at the last space that fits, else exactly at the limit."""
    parts = []
    while len(line) > limit:
        cut = line.rfind(" ", 1, limit + 1)
        if cut <= 0:
            cut = limit
        parts.append(line[:cut].rstrip())
        line = line[cut:].lstrip(" ")
    parts.append(line)
    return parts


def split_message(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """`text` as messages of at most `limit` characters, in order; joined by newlines they give it
    back (less the spaces where an over-long line was broken)."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        for piece in _split_line(line, limit):
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()] or ["\u200b"]  # only spaces: one blank message
