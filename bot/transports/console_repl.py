"""The console's human REPL: shorthand lines in, readable lines out, over the same engine as `--jsonl`.

Split from bot/transports/console.py (the transport and the JSON-lines protocol).
"""
from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from bot.app import Engine
from bot.transports.console import ConsoleServer
from bot.transports.console_output import THREAD_FIELDS
from bot.transports.console_protocol import ProtocolError, language_of, shown
from bot.transports.pictures import picture_line

HELP_VERBS = ("help", "aide", "h", "?")
QUIT_VERBS = (":quit", ":q", ":exit", ":quitter", ":sortir")
LANGUAGE_VERBS = ("language", "langue", "lang")


class ReplHelp(ProtocolError):
    """A line the REPL does not read (or `:help`): its help, in the reader's language (`console.help`)."""

    def __init__(self) -> None:
        super().__init__("help")

    def words(self, t: Callable[..., str], locale: str | None) -> str:
        return t(locale, "console.help")


class ReplState:
    """What the REPL remembers between lines: the network's community it acts in (None: the first), as
    the JSON lines' `community` field says it for one line."""

    def __init__(self) -> None:
        self.community: str | None = None
        self.language: str | None = None  # `:language fr|en`: the console's own words, whoever the line is about


def parse_repl_line(line: str, community: str | None = None) -> dict[str, Any] | None:
    """The human REPL's shorthand → the same events as the JSON protocol; `community` (the one chosen with
    `:community`) goes on every event but `advance`, as the protocol's field."""
    event = _parse_repl_line(line)
    if event is not None and community is not None and event["type"] != "advance":
        event["community"] = community
    return event


def switch_community(engine: Engine, state: ReplState, line: str, locale: str | None = None) -> str | None:
    """`:community ID` chooses where the next lines act (what it says back, in `locale`), None for any other
    line. An id the network does not have (or this console does not serve) changes nothing."""
    parts = _colon_words(line)
    if not parts or parts[0] != "community":
        return None
    served = ", ".join(e.ctx.id for e in engine.engines)
    current = engine.for_community(state.community) if state.community else engine
    assert current is not None
    t = current.ctx.t
    if len(parts) == 1:
        return t(locale, "console.community.here", here=_named(current), served=served)
    if len(engine.engines) == 1 and not engine.ctx.config.communities:
        return t(locale, "console.community.alone")
    chosen = engine.for_community(parts[1])
    if chosen is None or len(parts) > 2:
        return t(locale, "console.community.unknown", typed=shown(" ".join(parts[1:]), 40), served=served,
                 here=_named(current))
    state.community = chosen.ctx.id
    return t(locale, "console.community.now", here=_named(chosen))


def switch_language(engine: Engine, state: ReplState, line: str) -> str | None:
    """`:language fr|en` (`:langue`): the language the console's own words use from now on (what it says
    back), None for any other line; without it, each line is answered in its person's language."""
    parts = _colon_words(line)
    if not parts or parts[0].lower() not in LANGUAGE_VERBS:
        return None
    chosen = language_of(parts[1]) if len(parts) == 2 else None
    if chosen is None:
        return engine.ctx.t(state.language or engine.ctx.locale, "console.language_unknown")
    state.language = chosen
    return engine.ctx.t(chosen, "console.language_now")


async def line_locale(server: ConsoleServer, engine: Engine, state: ReplState, line: str) -> str:
    """The language the console answers a line in: the one chosen with `:language`, else the person the
    line is about (the language their `:join` gives, or the one they have as a member), else the
    community's the line acts in."""
    if state.language:
        return state.language
    current = engine.for_community(state.community) if state.community else engine
    fallback = (current or engine).ctx.locale
    stripped = line.strip()
    if stripped.startswith(":"):
        parts = _colon_words(stripped)
        user = parts[1] if len(parts) > 1 and parts[0] != "community" else None
        given = next((language_of(p) for p in parts[2:] if language_of(p)), None) if parts[:1] == ["join"] else None
        if given:
            return given
    else:
        user = stripped.split(">", 1)[0].strip() if ">" in stripped else None
    if user:
        return await server._locale_of(user) or fallback
    return fallback


def _colon_words(line: str) -> list[str]:
    """A `:verb …` line's words (an unclosed quote: split on spaces); [] for any other line."""
    text = line.strip()
    if not text.startswith(":"):
        return []
    try:
        return shlex.split(text[1:])
    except ValueError:
        return text[1:].split()


def _named(engine: Engine) -> str:
    return f"{engine.ctx.id} ({engine.ctx.config.community.name})"


def _parse_repl_line(line: str) -> dict[str, Any] | None:
    line = line.strip()
    if not line:
        return None
    if line.startswith(":"):
        try:
            parts = shlex.split(line[1:])
        except ValueError:
            raise ProtocolError("quote_open", line=shown(line)) from None
        if not parts:
            return None
        verb, args = parts[0], parts[1:]
        if verb.lower() in HELP_VERBS:
            raise ReplHelp()
        if verb == "join" and args:
            return _join(args)
        if verb == "leave" and args:
            return {"type": "leave", "user": args[0]}
        if verb == "say" and args:
            return {"type": "message", "user": args[0], "channel": "general", "text": ""}
        if verb == "click" and len(args) >= 2:
            return {"type": "click", "user": args[0], "custom_id": args[1], "values": args[2:] or None}
        if verb == "role" and len(args) >= 2:
            add = [a[1:] for a in args[1:] if a.startswith("+")]
            remove = [a[1:] for a in args[1:] if a.startswith("-")]
            return {"type": "roles", "user": args[0], "add": add, "remove": remove}
        if verb == "advance" and args:
            return {"type": "advance", "by": args[0]}
        if verb == "until" and args:
            return {"type": "advance", "until": args[0]}
        raise ReplHelp()
    if ">" in line:
        user, rest = line.split(">", 1)
        # The text goes to the command parser as typed (bot/commands/parser.py): it forgives.
        return {"type": "command", "user": user.strip(), "text": rest.strip()}
    raise ReplHelp()


def _join(args: list[str]) -> dict[str, Any]:
    """`:join USER [fr|en] [since=DATE] [dms-closed]`: the protocol's `join` with `locale`, `joined_at`
    (on the server before the bot) and `dms_closed`, in any order."""
    event: dict[str, Any] = {"type": "join", "user": args[0]}
    for arg in args[1:]:
        key, sep, value = arg.partition("=")
        if sep and key.lower() in ("since", "joined_at", "depuis"):
            event["joined_at"] = value
        elif arg.lower() in ("dms-closed", "dms_closed", "mp-fermés", "mp-fermes"):
            event["dms_closed"] = True
        elif not sep:
            event["locale"] = arg
        else:
            raise ReplHelp()
    return event


def format_for_humans(obj: dict[str, Any], pictures_folder: Path | None = None) -> str:
    at = obj.get("at", "")[:16].replace("T", " ")
    if obj.get("community"):  # a network: which community this comes from
        at += f"] [{obj['community']}"
    kind = obj.get("type")
    if kind == "dm":
        head = f"[{at}] DM → {obj['user']} ({obj['kind']})"
    elif kind == "post":
        where = f"#{obj['channel']}" + (f" › {obj['thread']}" if obj.get("thread") else "")
        head = f"[{at}] {where} ({obj['kind']})"
    elif kind == "edit":
        where = f"DM → {obj['user']}" if "user" in obj else f"#{obj['channel']}"
        head = f"[{at}] {where} ({obj['kind']}, {obj['message']} edited)"
    elif kind == "thread":
        changes = ", ".join(f"{k}: {obj[k]}" for k in THREAD_FIELDS[1:] if k in obj)
        return f"[{at}] #{obj['channel']} › {obj['thread']} ({changes})"
    elif kind == "reply":
        status = "ok" if obj.get("ok") else f"error: {obj.get('error')}"
        head = f"[{at}] reply → {obj['user']} ({status})"
    elif kind == "role":
        change = f"+{obj['added']}" if "added" in obj else f"-{obj.get('removed')}"
        return f"[{at}] role {obj['user']} {change}"
    elif kind == "timeout":
        return f"[{at}] timeout {obj['user']} until {obj['until']}"
    elif kind in ("done", "ready"):
        return ""
    else:
        return f"[{at}] {kind}: {obj.get('text', '')}"
    body = obj.get("text", "")
    buttons = " ".join(f"[{c['label']} → {c['custom_id']}]" for c in obj.get("components", []))
    pictures = "\n".join(picture_line(a, pictures_folder) for a in obj.get("attachments", []))
    return "\n".join(x for x in (head, _indent(body), _indent(buttons), _indent(pictures)) if x.strip())


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


async def run_repl(server: ConsoleServer, engine: Engine) -> None:
    state = ReplState()
    print(engine.ctx.t(engine.ctx.locale, "console.banner"), flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, _prompt, state.community)
        if line is None or line.strip().lower() in QUIT_VERBS:
            break
        locale = "en"
        try:
            locale = await line_locale(server, engine, state, line)
            said = switch_language(engine, state, line) or switch_community(engine, state, line, locale)
            if said is not None:
                print(said, flush=True)
                continue
            event = parse_repl_line(line, state.community)
            if event is not None:
                await server.handle(event)
        except ProtocolError as exc:
            print(exc.words(engine.ctx.t, locale), flush=True)
        except Exception as exc:  # the REPL never dies on input: say it in one line, keep going
            import logging

            logging.getLogger(__name__).exception("REPL line failed")
            print(engine.ctx.t(locale, "console.internal_error", error=type(exc).__name__), flush=True)


def _prompt(community: str | None = None) -> str | None:
    try:
        return input(f"{community} › " if community else "› ")
    except EOFError:
        return None


def print_human(out: TextIO, obj: dict[str, Any], pictures_folder: Path | None = None) -> None:
    text = format_for_humans(obj, pictures_folder)
    if text:
        out.write(text + "\n")
        out.flush()
