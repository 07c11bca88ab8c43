"""`entraide demo`: a scripted month in the life of a small community, printed as a transcript.

It runs the real engine and console transport on a temporary SQLite file with the simulated
clock, so what you read is exactly what members and animators would see.
"""
from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.app import Engine
from bot.clock import SimulatedClock
from bot.commands.hints import TEXT, format_command
from bot.config import Config
from bot.transports.console import ConsoleServer
from bot.transports.console_repl import format_for_humans

START = "2026-11-30T09:00:00+01:00"  # a Monday morning, Europe/Paris

#: (narration: a `demo.*` catalogue key, or "" for none; an input event, or {} for none)
SCRIPT: list[tuple[str, dict[str, Any]]] = [
    ("demo.before_bot", {}),
    ("", {"type": "join", "user": "camille", "locale": "fr", "joined_at": "2025-03-02T18:00:00+01:00"}),
    ("", {"type": "roles", "user": "camille", "add": ["animator"]}),
    ("", {"type": "join", "user": "bruno", "locale": "fr", "joined_at": "2025-03-09T10:00:00+01:00"}),
    ("", {"type": "join", "user": "aicha", "locale": "fr", "joined_at": "2025-09-14T10:00:00+02:00"}),
    ("", {"type": "join", "user": "leo", "locale": "en", "joined_at": "2026-10-05T19:00:00+02:00"}),
    ("demo.install", {}),
    ("", {"type": "command", "user": "camille", "command": "setup check", "options": {}}),
    ("", {"type": "command", "user": "camille", "command": "setup adopt", "options": {}}),
    ("", {"type": "command", "user": "bruno", "command": "profile set",
          "options": {"skills": "plomberie, bricolage", "languages": "fr", "godparent": True}}),
    ("", {"type": "command", "user": "aicha", "command": "profile set",
          "options": {"skills": "cuisine, traduction", "languages": "fr, ar, en", "godparent": True}}),
    ("", {"type": "command", "user": "leo", "command": "profile set",
          "options": {"skills": "plomberie, numérique", "languages": "en, fr"}}),
    ("demo.weeks", {"type": "advance", "until": "2026-12-17T09:00:00+01:00"}),
    ("demo.newcomer", {}),
    ("", {"type": "join", "user": "nina", "locale": "fr"}),
    ("", {"type": "click", "user": "nina", "custom_id": "charter:accept"}),
    ("", {"type": "command", "user": "nina", "command": "profile set",
          "options": {"needs": "plomberie", "languages": "fr"}}),
    ("demo.leak", {}),
    ("", {"type": "command", "user": "nina", "command": "request new",
          "options": {"title": "Fuite sous l'évier", "details": "L'eau coule depuis ce matin",
                      "skills": "plomberie", "urgent": False}}),
    ("", {"type": "click", "user": "bruno", "custom_id": "request:claim:1"}),
    ("", {"type": "advance", "by": "1d"}),
    ("", {"type": "command", "user": "nina", "command": "request resolve", "options": {"id": 1, "thanks": "bruno"}}),
    ("", {"type": "command", "user": "aicha", "command": "thanks",
          "options": {"member": "leo", "reason": "merci pour l'aide sur l'ordinateur du local"}}),
    ("demo.remind", {}),
    ("", {"type": "command", "user": "camille", "command": "remind add",
          "options": {"when": "tous les jeudis à 18h", "text": "Ce soir, rangement collectif du local à 18h !"}}),
    ("demo.plans", {}),
    ("", {"type": "command", "user": "camille", "command": "event new",
          "options": {"title": "Corvées du local", "when": "le premier samedi du mois à 10h", "end": "2h",
                      "place": "Le local, 12 rue des Lilas", "kind": "gathering"}}),
    ("", {"type": "command", "user": "camille", "command": "event new",
          "options": {"title": "Séance d'accueil des nouveaux membres", "when": "2026-12-22T18:30", "end": "1h30",
                      "kind": "session", "languages": "fr, en", "place": "Le local, ou en visio"}}),
    ("", {"type": "command", "user": "camille", "command": "event new",
          "options": {"title": "Marché solidaire", "when": "2026-12-26T09:00", "end": "12h",
                      "slots": "accueil:2, caisse:1", "skills": "cuisine, bricolage", "place": "Place du marché"}}),
    ("", {"type": "click", "user": "bruno", "custom_id": "event:join:3", "values": ["caisse"]}),
    ("", {"type": "command", "user": "nina", "command": "event join", "options": {"id": 2}}),
    ("demo.proposal", {}),
    ("", {"type": "command", "user": "aicha", "command": "proposal new",
          "options": {"title": "Un atelier de réparation de vélos", "details": "Un samedi par mois, dans la cour",
                      "needs": "bricolage"}}),
    ("", {"type": "command", "user": "bruno", "command": "proposal support", "options": {"id": 1}}),
    ("", {"type": "command", "user": "camille", "command": "proposal close", "options": {"id": 1}}),
    ("", {"type": "command", "user": "bruno", "command": "proposal vote", "options": {"id": 1, "choice": "for"}}),
    ("", {"type": "command", "user": "leo", "command": "proposal vote", "options": {"id": 1, "choice": "for"}}),
    ("demo.weeks_go_by", {}),
    ("", {"type": "advance", "until": "2027-01-02T09:00:00+01:00"}),
    ("demo.motm", {}),
    ("", {"type": "command", "user": "aicha", "command": "motm vote", "options": {"member": "bruno"}}),
    ("", {"type": "command", "user": "leo", "command": "motm vote", "options": {"member": "bruno"}}),
    ("", {"type": "advance", "until": "2027-01-09T09:00:00+01:00"}),
    ("demo.vitality", {}),
    ("", {"type": "command", "user": "camille", "command": "vitality", "options": {"days": 30}}),
]


async def run_demo(config: Config | None = None, out: Any = None) -> int:
    out = out or sys.stdout
    config = config or Config()
    lines: list[str] = []

    pictures = Path(tempfile.mkdtemp(prefix="entraide-demo-pictures-"))  # outlives the demo's database

    def emit(obj: dict[str, Any]) -> None:
        text = format_for_humans(obj, pictures)
        if text:
            out.write(text + "\n")
            lines.append(text)

    server = ConsoleServer(emit)
    with tempfile.TemporaryDirectory(prefix="entraide-demo-") as folder:
        clock = SimulatedClock(datetime.fromisoformat(START))
        engine = await Engine.open(config, Path(folder) / "demo.sqlite", clock, server)
        server.engine = engine
        try:
            await engine.start()
            for narration, event in SCRIPT:
                if narration:  # a catalogue key (`demo.*`): the story in the community's language
                    out.write(f"\n── {engine.ctx.t(engine.ctx.locale, narration)}\n")
                if event:
                    if event["type"] == "command":  # as a member would type it in the console
                        options = [(k, _typed(v)) for k, v in (event.get("options") or {}).items()]
                        out.write(f"   {event['user']} › {format_command(event['command'], options, TEXT)}\n")
                    elif event["type"] == "click":
                        out.write(f"   {event['user']} › [{event['custom_id']}]\n")
                    await server.handle(event)
            out.flush()
            ending = engine.ctx.t(engine.ctx.locale, "demo.end")
        finally:
            await engine.close()
    out.write(f"\n{ending}\n")
    return 0


def _typed(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
