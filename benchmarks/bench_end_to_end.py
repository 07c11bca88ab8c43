"""End to end: a scripted day of a young community through `entraide console --jsonl`, in events/s.

The script (deterministic) has people join, accept the charter, fill their profile, chat, ask for
help, claim and resolve requests, thank each other, look at profiles and the clock move on, so every
layer is in the measure: JSON parsing, dispatch, services, SQLite transactions, the outbox and its
delivery, printing. The baseline is the same events through the same engine in-process (no pipes,
no JSON): the difference is what the transport costs.
"""
from __future__ import annotations

import asyncio
import json
import random
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.bench_startup import console_command
from benchmarks.common import ROOT, Result, Scale, median, result
from benchmarks.generate import DEFAULT_NOW

NAME = "end_to_end"
REPEAT_BUDGET = 60.0  # seconds after which no further repeat is started
SKILLS = ("plomberie", "cuisine", "électricité", "numérique", "jardinage", "couture", "bricolage", "vélo")


def script(count: int, seed: int = 11) -> list[dict[str, Any]]:
    """`count` events in a plausible order; request ids are predictable on a fresh database (1, 2, ...)."""
    rng = random.Random(seed)
    people = max(4, count // 10)
    users = [f"user{i:04d}" for i in range(people)]
    events: list[dict[str, Any]] = []
    for user in users:
        events.append({"type": "join", "user": user, "locale": rng.choice(("fr", "fr", "en"))})
        events.append({"type": "click", "user": user, "custom_id": "charter:accept"})
        events.append({"type": "command", "user": user, "command": "profile set", "options": {
            "skills": ", ".join(rng.sample(SKILLS, rng.randint(1, 3))), "languages": rng.choice(("fr", "fr, en")),
            "godparent": rng.random() < 0.2}})
    requests = 0
    while len(events) < count:
        roll = rng.random()
        user = rng.choice(users)
        if roll < 0.45:
            events.append({"type": "message", "user": user, "channel": "general", "text": "bonjour"})
        elif roll < 0.57 and requests < people:
            requester = users[requests % people]
            requests += 1
            events.append({"type": "command", "user": requester, "command": "request new", "options": {
                "title": f"Coup de main n°{requests}", "details": "Qui peut m'aider ?",
                "skills": rng.choice(SKILLS), "urgent": rng.random() < 0.1}})
        elif roll < 0.70 and requests:
            request_id = rng.randint(1, requests)
            helper = users[(request_id + 1 + rng.randrange(people - 2)) % people]
            events.append({"type": "command", "user": helper, "command": "request claim", "options": {
                "id": str(request_id)}})
        elif roll < 0.76 and requests:
            request_id = rng.randint(1, requests)
            events.append({"type": "command", "user": users[(request_id - 1) % people], "command": "request resolve",
                           "options": {"id": str(request_id)}})
        elif roll < 0.82:
            other = rng.choice(users)
            if other != user:
                events.append({"type": "command", "user": user, "command": "thanks",
                               "options": {"member": other, "reason": "merci pour ton aide"}})
        elif roll < 0.92:
            events.append({"type": "command", "user": user, "command": "profile show",
                           "options": {"member": rng.choice(users)}})
        elif roll < 0.97:
            events.append({"type": "command", "user": user, "command": "request list", "options": {}})
        else:
            events.append({"type": "advance", "by": "1h"})
    return events[:count]


def through_console(db: Path, events: list[dict[str, Any]]) -> tuple[float, Counter[str]]:
    """Seconds from the first event written to the last `done` read; counts of replies by outcome."""
    proc = subprocess.Popen(console_command(db, DEFAULT_NOW), cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
    assert proc.stdin is not None and proc.stdout is not None
    for line in proc.stdout:
        if '"ready"' in line:
            break
    payload = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)

    def feed() -> None:
        assert proc.stdin is not None
        proc.stdin.write(payload)
        proc.stdin.flush()

    outcomes: Counter[str] = Counter()
    started = time.perf_counter()
    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    done = 0
    for line in proc.stdout:
        obj = json.loads(line)
        if obj["type"] == "done":
            done += 1
            if done == len(events):
                break
        elif obj["type"] == "reply":
            outcomes["ok" if obj["ok"] else obj.get("error", "error")] += 1
        elif obj["type"] == "protocol_error":
            outcomes["protocol_error"] += 1
    elapsed = time.perf_counter() - started
    writer.join()
    proc.stdin.close()
    proc.wait(timeout=60)
    if done != len(events):
        raise RuntimeError(f"the console stopped after {done} of {len(events)} events")
    return elapsed, outcomes


async def in_process(db: Path, events: list[dict[str, Any]]) -> float:
    """The same events through ConsoleServer.handle in this process: engine cost without the pipes."""
    from datetime import datetime

    from bot.app import Engine
    from bot.clock import SimulatedClock
    from bot.config import load_config
    from bot.transports.console import ConsoleServer
    from bot.transports.console_protocol import ProtocolError

    server = ConsoleServer(lambda obj: None)
    engine = await Engine.open(load_config(ROOT / "config.example.toml"), db,
                               SimulatedClock(datetime.fromisoformat(DEFAULT_NOW)), server)
    server.engine = engine
    try:
        await engine.start()
        started = time.perf_counter()
        for event in events:
            try:
                await server.handle(event)
            except ProtocolError:
                pass
        return time.perf_counter() - started
    finally:
        await engine.close()


def run(scale: Scale, workdir: Path) -> list[Result]:
    events = script(scale.e2e_events)
    rates, baseline, outcomes = [], [], Counter()
    started = time.perf_counter()
    for repeat in range(scale.repeats):
        if rates and time.perf_counter() - started > REPEAT_BUDGET:
            break  # slow enough that one more run only costs time: the median of fewer runs
        elapsed, outcomes = through_console(workdir / f"e2e-{repeat}.sqlite", events)
        rates.append(len(events) / elapsed)
        baseline.append(len(events) / asyncio.run(in_process(workdir / f"e2e-inproc-{repeat}.sqlite", events)))
    kinds = Counter(e["type"] if e["type"] != "command" else e["command"] for e in events)
    return [result("end to end through --jsonl", len(events), median(rates), "events/s",
                   baseline="same events in-process", baseline_value=median(baseline), higher_is_better=True,
                   extra={"replies": dict(outcomes), "events": dict(kinds), "runs": len(rates)})]
