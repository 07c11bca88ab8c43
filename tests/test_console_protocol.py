"""The console's JSON-lines contract: ready, one done per line, one reply per command, protocol errors."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.harness import Sim, of
from tests.network_config import network_toml
from tests.pg_support import entraide

START = "2026-12-01T09:00:00+01:00"


def run_console(db: Path, raw: bytes, start: str = START, config: Path | None = None) -> list[dict]:
    more = ["--config", str(config)] if config else []
    proc = subprocess.run(
        entraide("console", "--jsonl", "--db", str(db), "--start", start, *more),
        input=raw, capture_output=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines() if line.strip()]


def test_every_line_gets_exactly_one_done_and_ids_are_echoed(tmp_path: Path) -> None:
    lines = [
        b'{"type": "join", "user": "alice", "locale": "en", "id": "a"}',
        b'{"type": "click", "user": "alice", "custom_id": "charter:accept", "id": "accept"}',
        b"this is not json",
        b'{"type": "no-such-event", "id": 7}',
        b'{"type": "command", "user": "alice", "command": "frobnicate", "id": 8}',
        b'{"type": "command", "user": "alice", "command": "help", "options": {"nope": 1}, "id": 9}',
        b'{"type": "click", "user": "alice", "custom_id": "request:claim:999999", "id": 10}',
        b'[1, 2, 3]',
        b'{"type": "advance", "by": "forever"}',
        b'{"type": "command", "user": "alice", "command": "help", "options": {"x": "\xff\xfe"}}',
        b'{"type": "advance", "by": "1d", "id": 11}',
    ]
    outs = run_console(tmp_path / "c.sqlite", b"\n".join(lines) + b"\n")
    assert outs[0]["type"] == "ready"
    dones = of(outs, "done")
    assert len(dones) == len(lines)
    assert [d.get("id") for d in dones] == ["a", "accept", None, 7, 8, 9, 10, None, None, None, 11]
    assert len(of(outs, "protocol_error")) == 4  # bad JSON, unknown event, a list, a bad duration
    accepted, *replies = of(outs, "reply")
    assert accepted["ok"]
    assert [r["error"] for r in replies] == ["invalid_input", "invalid_input", "not_found", "invalid_input"]
    assert all(r["text"] for r in replies)
    assert all("at" in o for o in outs)
    assert dones[-1]["at"] == "2026-12-02T09:00:00+01:00"


def test_unknown_command_is_answered_in_the_members_language(tmp_path: Path) -> None:
    outs = run_console(tmp_path / "c.sqlite", b'{"type": "join", "user": "zoe", "locale": "en"}\n'
                       b'{"type": "command", "user": "zoe", "command": "dance"}\n')
    [reply] = of(outs, "reply")
    assert reply["ok"] is False and reply["error"] == "invalid_input"
    assert "dance" in reply["text"] and "help" in reply["text"]


def test_state_survives_a_restart_on_the_same_file(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    accept = b'{"type": "click", "user": "alice", "custom_id": "charter:accept"}\n'
    run_console(db, b'{"type": "join", "user": "alice"}\n' + accept)
    outs = run_console(db, accept, start="2026-12-02T09:00:00+01:00")
    [reply] = of(outs, "reply")
    assert reply["error"] == "conflict"  # accepted yesterday, remembered


async def test_join_sends_the_charter_and_accepting_grants_the_role(sim: Sim) -> None:
    outs = await sim.join("alice", "fr")
    [welcome] = of(outs, "dm", kind="welcome", user="alice")
    assert welcome["components"] == [{"custom_id": "charter:accept", "label": "J'accepte la charte"}]
    assert of(outs, "role") == []  # no member role before the charter
    reply = await sim.click("alice", "charter:accept")
    assert reply["ok"]
    assert of(sim.last, "role", user="alice", added="member")
    [public] = of(sim.last, "post", kind="welcome", channel="welcome")
    assert public["mentions"] == ["alice"] and "@alice" in public["text"]


async def test_closed_dms_become_a_mention_in_the_welcome_channel(sim: Sim) -> None:
    outs = await sim.join("carl", "en", dms_closed=True)
    assert of(outs, "dm") == []
    [fallback] = of(outs, "post", kind="welcome", channel="welcome")
    assert fallback["mentions"] == ["carl"]
    assert any(c["custom_id"] == "charter:accept" for c in fallback["components"])


async def test_a_hostile_name_never_pings_anyone(sim: Sim) -> None:
    await sim.join("eve", "en", name="@everyone <@&123> @here")
    await sim.click("eve", "charter:accept")
    for out in sim.outputs:
        text = out.get("text", "")
        assert "@everyone" not in text and "@here" not in text and "<@&" not in text
        assert set(out.get("mentions", [])) <= {"eve"}


async def test_commit_then_crash_before_delivery_delivers_at_restart(sim: Sim) -> None:
    await sim.join("alice", "en")
    from bot.outbox import post

    async with sim.ctx.db.transaction() as tx:
        await post(tx, sim.ctx, "general", "reminder", "committed, not yet delivered")
    await sim.restart(crash=True)
    assert [o["text"] for o in of(sim.startup, "post", kind="reminder")] == ["committed, not yet delivered"]


NETWORK_TOML = network_toml(ours='locale = "en"')


def test_a_network_config_routes_inputs_by_community_and_outputs_name_it(tmp_path: Path) -> None:
    config = tmp_path / "network.toml"
    config.write_text(NETWORK_TOML, encoding="utf-8")
    lines = [
        b'{"type": "join", "user": "nina", "id": 1}',
        b'{"type": "join", "user": "nina", "community": "quai", "id": 2}',
        b'{"type": "click", "user": "nina", "custom_id": "charter:accept", "community": "quai", "id": 3}',
        b'{"type": "command", "user": "nina", "command": "help", "community": "ours", "id": 4}',
        b'{"type": "command", "user": "nina", "command": "help", "community": "nowhere", "id": 5}',
        b'{"type": "advance", "by": "1d", "id": 6}',
    ]
    outs = run_console(tmp_path / "n.sqlite", b"\n".join(lines) + b"\n", config=config)
    assert [d.get("id") for d in of(outs, "done")] == [1, 2, 3, 4, 5, 6]
    assert all("community" not in o for o in of(outs, "done") + of(outs, "ready"))
    by_line: dict[int, list[dict]] = {}
    current: list[dict] = []
    for o in outs[1:]:
        if o["type"] == "done":
            by_line[o["id"]], current = current, []
        else:
            current.append(o)
    assert {o["community"] for o in by_line[1]} == {"lilas"} and "Les Lilas" in of(by_line[1], "dm")[0]["text"]
    assert {o["community"] for o in by_line[2]} == {"quai"} and "Le Quai" in of(by_line[2], "dm")[0]["text"]
    assert {o["community"] for o in by_line[3]} == {"quai"} and of(by_line[3], "reply")[0]["ok"]
    [never_joined] = of(by_line[4], "reply")
    assert never_joined["community"] == "ours" and never_joined["error"] == "not_eligible"
    assert of(by_line[5], "protocol_error") and "lilas, ours, quai" in by_line[5][0]["text"]


def _lines(*events: dict) -> bytes:
    return b"".join(json.dumps(e).encode() + b"\n" for e in events)


def _onboard(user: str, skills: str | None = None) -> list[dict]:
    events = [{"type": "join", "user": user, "locale": "fr"},
              {"type": "click", "user": user, "custom_id": "charter:accept"}]
    if skills:
        events.append({"type": "command", "user": user, "command": "profile set", "options": {"skills": skills}})
    return events


REQUEST = {"type": "command", "user": "req", "command": "request new",
           "options": {"title": "Fuite sous l'évier", "details": "L'eau coule", "skills": "plomberie"}}


def test_editable_posts_and_dms_carry_a_message_id_and_edits_name_it(tmp_path: Path) -> None:
    """CONSOLE_PROTOCOL.md: `post`/`dm` carry `message` when editable; an `edit` line carries that id, the
    kind, the channel or the user, the new text and the components."""
    outs = run_console(tmp_path / "e.sqlite", _lines(
        *_onboard("ana", "plomberie"), *_onboard("bob", "plomberie"), *_onboard("req"), REQUEST,
        {"type": "click", "user": "ana", "custom_id": "request:claim:1"}))
    [post] = of(outs, "post", kind="request")
    pings = {o["user"]: o for o in of(outs, "dm", kind="helper-ping")}
    assert post["message"] and {o["message"] for o in pings.values()} and post["message"] not in {
        o["message"] for o in pings.values()}
    assert not [o for o in of(outs, "dm") if o["kind"] == "welcome" and "message" in o]  # not editable: no id
    edits = of(outs, "edit")
    [post_edit] = [e for e in edits if e["message"] == post["message"]]
    assert set(post_edit) == {"type", "at", "message", "kind", "channel", "text", "components"}
    assert (post_edit["kind"], post_edit["channel"]) == ("request", "help-requests")
    [bob_edit] = [e for e in edits if e["message"] == pings["bob"]["message"]]
    assert set(bob_edit) == {"type", "at", "message", "kind", "user", "text", "components"}
    assert (bob_edit["kind"], bob_edit["user"]) == ("helper-ping", "bob")
    assert bob_edit["components"][0]["disabled"] is True


def test_a_kill_between_the_claim_and_its_edits_loses_and_repeats_nothing(tmp_path: Path) -> None:
    db = tmp_path / "k.sqlite"
    first = run_console(db, _lines(*_onboard("ana", "plomberie"), *_onboard("bob", "plomberie"), *_onboard("req"),
                                   REQUEST))
    [post] = of(first, "post", kind="request")
    proc = subprocess.run(  # the claim commits; the process dies after delivering its first message
        entraide("console", "--jsonl", "--db", str(db), "--start", START),
        input=_lines({"type": "click", "user": "ana", "custom_id": "request:claim:1"}), capture_output=True,
        timeout=60, env={**os.environ, "ENTRAIDE_FAULT": "outbox:after-send:1"},
    )
    assert proc.returncode == 137
    killed = [json.loads(line) for line in proc.stdout.decode().splitlines() if line.strip()]
    after = run_console(db, _lines({"type": "advance", "by": "1h"}))
    edits = of(killed, "edit") + of(after, "edit")
    assert [e["message"] for e in edits].count(post["message"]) == 1  # edited once, not lost, not repeated
    assert {e["user"] for e in edits if "user" in e} == {"ana", "bob"}
    assert not of(after, "post", kind="request") and not of(after, "dm", kind="helper-ping")
