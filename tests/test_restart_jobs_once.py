"""CONSOLE_PROTOCOL.md: "A job's period runs once: killing the process and starting it again on the same
file, at the same or a later --start, never posts a digest, a poll or a nudge twice for one period." Run
as the scenarios run it (a process, SIGKILL), restarting later (catch-up) and then again at the first
`--start` (the clock behind what the file has seen), with every kind of job due on the way."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from tests.console_process import ROOT, Console, onboard

START = "2026-11-25T09:00:00+01:00"  # a Wednesday, Europe/Paris
ONCE_A_PERIOD = ("weekly-digest", "nudge", "motm-poll", "motm-result", "reminder", "checkin", "event-reminder")


def test_no_job_posts_twice_for_one_period_across_kills(tmp_path: Path) -> None:
    db, config = tmp_path / "community.sqlite", ROOT / "config.example.toml"
    seen: Counter[tuple[str, str, str]] = Counter()

    def count(outs: list[dict[str, Any]]) -> None:
        for o in outs:
            if o.get("type") in ("post", "dm") and o["kind"] in ONCE_A_PERIOD:
                seen[(o["kind"], o.get("user") or o["channel"], o["at"][:13] if o["kind"] != "motm-poll" else "")] += 1

    c = Console(db, START, config)
    for user in ("anna", "bob"):
        c.send({"type": "join", "user": user, "locale": "fr", "joined_at": "2026-01-01T10:00:00+01:00"})
    c.send({"type": "roles", "user": "anna", "add": ["animator"]})
    assert c.command("anna", "setup adopt")["ok"]
    assert c.command("bob", "profile set", skills="jardinage")["ok"]
    onboard(c, "new")
    assert c.command("new", "request new", title="Haie", skills="jardinage")["ok"]
    assert c.command("anna", "thanks", member="bob", reason="top")["ok"]
    assert c.command("anna", "remind add", when="tous les jours à 12h", text="Midi")["ok"]
    assert c.command("anna", "event new", title="Apéro", when="2026-12-09T19:00:00+01:00")["ok"]
    assert c.command("bob", "event join", id=1)["ok"]
    count(c.advance(until="2026-12-01T09:59:00+01:00"))
    c.kill()
    try:
        count(c.start("2026-12-01T13:00:00+01:00"))  # later: the poll and noon's reminder caught up
        count(c.advance(until="2026-12-07T10:00:30+01:00"))
        c.kill()
        count(c.start(START))  # the first --start again: the file has seen all of this
        count(c.advance(until="2026-12-10T00:00:00+01:00"))
        c.kill()
        count(c.start("2026-12-10T00:00:00+01:00"))
        count(c.advance(by="1d"))
    finally:
        c.close()
    assert {k: n for k, n in seen.items() if n > 1} == {}
    kinds = {kind for kind, _, _ in seen}
    assert set(ONCE_A_PERIOD) <= kinds, kinds  # every kind really came due on the way
    assert sum(1 for kind, _, _ in seen if kind == "weekly-digest") == 2  # Mondays 30 Nov and 7 Dec
    assert sum(1 for kind, _, _ in seen if kind == "reminder") == 16  # noon, 25 Nov to 10 Dec
