"""The console's JSON-lines protocol: reading and writing lines, strict JSON, durations and instants.

Split from bot/transports/console.py (the simulated server that turns events into Engine calls);
`run_jsonl` feeds it one parsed line at a time and ends every line with exactly one `done`.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, TextIO

from bot.i18n import Translator

if TYPE_CHECKING:
    from bot.app import Engine
    from bot.transports.console import ConsoleServer

DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_LINE = 1_000_000
TOO_LONG = object()  # what read_line returns for a line over MAX_LINE (its rest is read and dropped)


class ProtocolError(Exception):
    """An input line that is not a known event; nothing else happens.

    Its words are the catalogue's `console.protocol.<key>`: `str()` is the English the JSON-lines mode
    prints (`protocol_error`), `words(t, locale)` what the interactive console says in a person's language."""

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params  # what a person typed goes through `shown` first
        super().__init__(self.words(_english().t, "en"))

    def words(self, t: Callable[..., str], locale: str | None) -> str:
        return t(locale, f"console.protocol.{self.key}", **self.params)


@cache
def _english() -> Translator:
    return Translator("en", "UTC")


def shown(value: Any, limit: int = 80) -> str:
    """A typed value quoted back: at most `limit` characters, control characters escaped (never echoed raw)."""
    text = str(value)[:limit]
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def parse_duration(text: str) -> timedelta:
    match = DURATION.match(str(text))
    if not match:
        raise ProtocolError("bad_duration", text=shown(text))
    return timedelta(seconds=float(match.group(1)) * UNITS[match.group(2)])


def parse_instant(text: str, tz: Any) -> datetime:
    try:
        when = datetime.fromisoformat(str(text))
    except ValueError:
        raise ProtocolError("bad_instant", text=shown(text)) from None
    return when if when.tzinfo else when.replace(tzinfo=tz)


def optional_bool(event: dict[str, Any], key: str) -> bool | None:
    """A boolean field of an input line: `"false"` or `1` are refused, never read as true."""
    value = event.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise ProtocolError("not_bool", field=key)


def optional_strings(event: dict[str, Any], key: str) -> list[str]:
    """A list-of-strings field (`roles` add/remove): a bare string is refused, never read letter by letter."""
    value = event.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ProtocolError("not_strings", field=key)
    return value


def language_of(value: Any) -> str | None:
    """`fr` or `en`; a platform's regional tag (`en-US`, `fr_CA`) reads as its language; others: unknown."""
    if not isinstance(value, str):
        return None
    language = value.strip().lower().replace("_", "-").split("-")[0]
    return language if language in ("fr", "en") else None


def write_json_line(stream: TextIO, obj: dict[str, Any]) -> None:
    """One line, flushed: a message counts as delivered only once it is written out."""
    try:
        line = json.dumps(obj, ensure_ascii=False)
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = json.dumps(obj, ensure_ascii=True)
    stream.write(line + "\n")
    stream.flush()


async def read_line(stream: Any) -> str | object | None:
    """One input line; TOO_LONG for a line over MAX_LINE, read to its end so it stays one line (one
    `done`), None at the end of input."""
    loop = asyncio.get_running_loop()
    raw = await loop.run_in_executor(None, stream.readline, MAX_LINE + 1)
    if not raw:
        return None
    newline = b"\n" if isinstance(raw, bytes) else "\n"
    if len(raw) > MAX_LINE and not raw.endswith(newline):
        while True:  # the rest of the line, in bounded chunks
            rest = await loop.run_in_executor(None, stream.readline, MAX_LINE)
            if not rest or rest.endswith(newline):
                return TOO_LONG
    return raw.decode("utf-8", errors="surrogateescape") if isinstance(raw, bytes) else raw


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`{"confirm": false, "confirm": true}` is ambiguous: refused, never "the last one wins"."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate key")
    return obj


def _finite(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")  # 1e999: JSON has no Infinity to echo back
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity, -Infinity


def parse_event(line: str) -> Any:
    """One input line as JSON, strictly: no duplicate keys, no NaN or infinite numbers."""
    try:
        return json.loads(line, object_pairs_hook=_no_duplicate_keys, parse_float=_finite,
                          parse_constant=_no_constant)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise ProtocolError("not_json") from None


async def run_jsonl(server: ConsoleServer, engine: Engine, stdin: Any = None) -> None:
    """The machine protocol: every line yields its outputs and then exactly one `done`."""
    stdin = stdin or sys.stdin.buffer
    server.out({"type": "ready"})
    while True:
        line = await read_line(stdin)
        if line is None:
            break
        if line is not TOO_LONG and not str(line).strip():
            continue
        event_id = None
        try:
            if line is TOO_LONG:
                raise ProtocolError("too_long", limit=MAX_LINE)
            event = parse_event(str(line))
            if isinstance(event, dict):
                event_id = event.get("id")
            await server.handle(event)
        except ProtocolError as exc:
            server.out({"type": "protocol_error", "text": str(exc)})
        except Exception as exc:  # a bug must not kill the session: say so, keep going
            logging.getLogger(__name__).exception("event failed")
            server.out({"type": "protocol_error", "text": f"internal error: {type(exc).__name__}"})
        done: dict[str, Any] = {"type": "done"}
        if event_id is not None:  # any JSON value given is echoed as given (an object or a list too)
            done["id"] = event_id
        server.out(done)
