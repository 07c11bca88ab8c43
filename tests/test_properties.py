"""Stateful property tests: random community life, hostile input, time jumps and restarts.

Invariants after every step: exactly one reply per command or click, no internal error, never
more helpers than allowed, one vote per voter per poll, one nudge per member per week, one run
per job period, and no text that pings @everyone, @here or a role.
"""
from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bot.app import load_command_modules
from bot.commands.registry import COMMANDS
from bot.i18n import Translator
from bot.jobs import iso_week
from tests.harness import Sim

USERS = ["ana", "ben", "chloe", "dev", "emma"]
NASTY = ["@everyone", "@here", "<@&123456>", "<@ana>", "", " ", "é" * 41, "x" * 2000, "\u202e", "0", "-1",
         "plomberie", "cuisine, jardinage", "2026-12-24T18:00:00+01:00", "0 18 * * 4", "true", "ana", "999"]
INTERNAL = {Translator().t(loc, "common.error.internal") for loc in ("fr", "en")}

load_command_modules()
COMMAND_NAMES = sorted(COMMANDS)


def option_values(name: str) -> st.SearchStrategy[dict[str, Any]]:
    spec = COMMANDS[name]
    fields = {}
    for opt in spec.options:
        if opt.kind == "bool":
            fields[opt.name] = st.one_of(st.booleans(), st.sampled_from(["oui", "nope", 3]))
        elif opt.kind == "int":
            fields[opt.name] = st.one_of(st.integers(-3, 30), st.sampled_from(["12", "x"]))
        elif opt.kind == "member":
            fields[opt.name] = st.sampled_from(USERS + ["ghost", "@everyone"])
        else:
            fields[opt.name] = st.one_of(st.sampled_from(NASTY), st.text(max_size=30))
    return st.fixed_dictionaries({}, optional=fields)


commands = st.sampled_from(COMMAND_NAMES).flatmap(lambda n: st.tuples(st.just(n), option_values(n)))


class CommunityLife(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = tempfile.TemporaryDirectory(prefix="entraide-prop-")
        self.sim = Sim(Path(self.folder.name) / "p.sqlite")
        self.loop.run_until_complete(self.sim.open())
        self.checked = 0

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        try:
            assert self.run(self.sim.ctx.db.integrity_check()) == "ok"
        finally:
            self.run(self.sim.close())
            self.loop.close()
            self.folder.cleanup()

    def _replies(self, outs: list[dict]) -> list[dict]:
        return [o for o in outs if o["type"] == "reply"]

    @rule(user=st.sampled_from(USERS), locale=st.sampled_from(["fr", "en"]), closed=st.booleans())
    def join(self, user: str, locale: str, closed: bool) -> None:
        self.run(self.sim.join(user, locale, dms_closed=closed))

    @rule(user=st.sampled_from(USERS))
    def accept_charter(self, user: str) -> None:
        outs = self.run(self.sim.send({"type": "click", "user": user, "custom_id": "charter:accept"}))
        assert len(self._replies(outs)) == 1

    @rule(user=st.sampled_from(USERS))
    def leave(self, user: str) -> None:
        self.run(self.sim.send({"type": "leave", "user": user}))

    @rule(user=st.sampled_from(USERS))
    def make_animator(self, user: str) -> None:
        self.run(self.sim.roles(user, add=["animator"]))

    @rule(user=st.sampled_from(USERS), command=commands)
    def command(self, user: str, command: tuple[str, dict[str, Any]]) -> None:
        name, options = command
        outs = self.run(self.sim.send({"type": "command", "user": user, "command": name, "options": options}))
        replies = self._replies(outs)
        assert len(replies) == 1, (name, options, outs)
        assert replies[0]["text"] not in INTERNAL, (name, options, replies[0])

    @rule(user=st.sampled_from(USERS), custom_id=st.sampled_from(
        ["request:claim:1", "request:claim:2", "request:claim:999", "motm:vote:1", "nudges:off", "charter:accept",
         "forged:id", "request:claim:-1"]), value=st.sampled_from(USERS + ["ghost"]))
    def click(self, user: str, custom_id: str, value: str) -> None:
        outs = self.run(self.sim.send({"type": "click", "user": user, "custom_id": custom_id, "values": [value]}))
        replies = self._replies(outs)
        assert len(replies) == 1 and replies[0]["text"] not in INTERNAL, outs

    @rule(by=st.sampled_from(["30m", "5h", "1d", "3d", "8d", "32d"]))
    def advance(self, by: str) -> None:
        outs = self.run(self.sim.advance(by=by))
        assert not [o for o in outs if o["type"] == "protocol_error"], outs

    @precondition(lambda self: self.sim.engine is not None)
    @rule(crash=st.booleans())
    def restart(self, crash: bool) -> None:
        self.run(self.sim.restart(crash=crash))

    @invariant()
    def nothing_pings_everyone_or_roles(self) -> None:
        for out in self.sim.outputs[self.checked:]:
            text = out.get("text", "")
            assert "@everyone" not in text and "@here" not in text and "<@&" not in text, out
            assert out["type"] != "protocol_error", out
        self.checked = len(self.sim.outputs)

    @invariant()
    def database_limits_hold(self) -> None:
        db = self.sim.ctx.db  # the engine's own database, on either engine
        max_helpers = self.sim.config.requests.max_helpers
        worst = self.run(db.fetchone(
            "SELECT MAX(c) FROM (SELECT COUNT(*) c FROM request_helper GROUP BY request_id) t"))
        assert (worst[0] or 0) <= max_helpers
        votes = self.run(db.fetchone("SELECT MAX(c) FROM (SELECT COUNT(*) c FROM vote GROUP BY poll_id, voter_id) t"))
        assert (votes[0] or 0) <= 1
        keys = self.run(db.fetchone("SELECT COUNT(*), COUNT(DISTINCT key) FROM job_run"))
        assert keys[0] == keys[1]

    @invariant()
    def one_nudge_per_member_per_week(self) -> None:
        tz = self.sim.config.community.tz
        from datetime import datetime

        weeks = Counter((o["user"], iso_week(datetime.fromisoformat(o["at"]).astimezone(tz)))
                        for o in self.sim.outputs if o.get("kind") == "nudge" and o["type"] == "dm")
        assert all(count == 1 for count in weeks.values()), weeks


CommunityLife.TestCase.settings = settings(
    max_examples=12, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestCommunityLife = CommunityLife.TestCase
