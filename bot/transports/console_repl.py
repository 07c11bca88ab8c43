"""The console's human REPL: shorthand lines in, readable lines out, over the same engine as `--jsonl`.

Split from bot/transports/console.py (the transport and the JSON-lines protocol).
"""
from __future__ import annotations

import asyncio
import shlex
from pathlib import Path
from typing import Any, TextIO

from bot.app import Engine
from bot.transports.console import ConsoleServer
from bot.transports.console_output import THREAD_FIELDS
from bot.transports.console_protocol import ProtocolError
from bot.transports.pictures import picture_line

REPL_HELP = """Commands (time moves only when you advance it):
  :join USER [fr|en]       a member joins          :leave USER        a member leaves
  :join USER since=2024-03-01 [dms-closed]  on the server before the bot (for setup adopt); DMs closed
  :say USER                USER writes a message   :role USER +animator / -animator
  :click USER CUSTOM_ID    clicks a button         :advance 7d | :until 2026-12-07T10:00
  USER> COMMAND key=value ...   e.g.  alice> profile set skills=plomberie, cuisine
        also key:value, French names, the main option alone:  alice> merci bruno c'est top
  USER> help COMMAND       a command's options, an example and who may use it
  :community ID            in a network: act in that community from now on (:community alone: where)
  :quit"""


class ReplState:
    """What the REPL remembers between lines: the network's community it acts in (None: the first), as
    the JSON lines' `community` field says it for one line."""

    def __init__(self) -> None:
        self.community: str | None = None


def parse_repl_line(line: str, community: str | None = None) -> dict[str, Any] | None:
    """The human REPL's shorthand → the same events as the JSON protocol; `community` (the one chosen with
    `:community`) goes on every event but `advance`, as the protocol's field."""
    event = _parse_repl_line(line)
    if event is not None and community is not None and event["type"] != "advance":
        event["community"] = community
    return event


def switch_community(engine: Engine, state: ReplState, line: str) -> str | None:
    """`:community ID` chooses where the next lines act (what it says back), None for any other line.
    An id the network does not have (or this console does not serve) changes nothing."""
    try:
        parts = shlex.split(line.strip()[1:]) if line.strip().startswith(":") else []
    except ValueError:
        return None
    if not parts or parts[0] != "community":
        return None
    served = ", ".join(e.ctx.id for e in engine.engines)
    current = engine.for_community(state.community) if state.community else engine
    assert current is not None
    if len(parts) == 1:
        return f"acting in {_named(current)}; communities: {served}"
    if len(engine.engines) == 1 and not engine.ctx.config.communities:
        return "this console simulates one community: :community chooses among a network's [[communities]]"
    chosen = engine.for_community(parts[1])
    if chosen is None or len(parts) > 2:
        return f"no community {' '.join(parts[1:])[:40]!r} here (communities: {served}); still in {_named(current)}"
    state.community = chosen.ctx.id
    return f"now acting in {_named(chosen)}"


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
            raise ProtocolError("a quote is not closed: " + line[:80]) from None
        if not parts:
            return None
        verb, args = parts[0], parts[1:]
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
        raise ProtocolError(REPL_HELP)
    if ">" in line:
        user, rest = line.split(">", 1)
        # The text goes to the command parser as typed (bot/commands/parser.py): it forgives.
        return {"type": "command", "user": user.strip(), "text": rest.strip()}
    raise ProtocolError(REPL_HELP)


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
            raise ProtocolError(REPL_HELP)
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
    print("entraide console — simulated community. Type :help for help.", flush=True)
    loop = asyncio.get_running_loop()
    state = ReplState()
    while True:
        line = await loop.run_in_executor(None, _prompt, state.community)
        if line is None or line.strip() in (":quit", ":q", ":exit"):
            break
        switched = switch_community(engine, state, line)
        if switched is not None:
            print(switched, flush=True)
            continue
        try:
            event = parse_repl_line(line, state.community)
            if event is not None:
                await server.handle(event)
        except ProtocolError as exc:
            print(str(exc), flush=True)
        except Exception as exc:  # the REPL never dies on input: say it in one line, keep going
            import logging

            logging.getLogger(__name__).exception("REPL line failed")
            print(f"internal error: {type(exc).__name__}; nothing else happened", flush=True)


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
