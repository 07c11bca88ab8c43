"""CONSOLE_PROTOCOL.md's input fields read as typed: a bool is a bool, a list a list, `by` or `until`, every
`id` echoed, a second `join` of someone already there changes nothing. A malformed field is the line's
`protocol_error` and nothing else happens."""
from __future__ import annotations

import json
from pathlib import Path

from tests.harness import of
from tests.test_console_protocol import run_console


def lines(*events: dict) -> bytes:
    return b"".join(json.dumps(e).encode() + b"\n" for e in events)


def test_a_bool_or_list_field_of_the_wrong_type_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    outs = run_console(tmp_path / "c.sqlite", lines(
        {"type": "join", "user": "carl", "dms_closed": "false", "id": "str"},  # was read as true
        {"type": "join", "user": "dora", "dms_closed": False, "id": "ok"},
        {"type": "roles", "user": "dora", "add": "animator", "id": "letters"},  # was 9 one-letter roles
        {"type": "command", "user": "dora", "command": "remind list", "id": "still-member"},
        {"type": "advance", "by": "1h", "until": "2026-12-09T09:00:00+01:00", "id": "both"},
        {"type": "advance", "by": "1m", "id": "after"},
    ))
    dones = {d.get("id"): d for d in of(outs, "done")}
    errors = of(outs, "protocol_error")
    assert len(errors) == 3, errors
    assert "dms_closed" in errors[0]["text"] and "add" in errors[1]["text"] and "until" in errors[2]["text"]
    assert not [o for o in outs if o.get("user") == "carl"], outs  # no welcome: carl never joined
    assert of(outs, "dm", kind="welcome", user="dora")  # DMs open, as false says
    [refused] = of(outs, "reply", user="dora")
    assert refused["error"] == "permission_denied"  # no role was added
    assert dones["after"]["at"] == "2026-12-01T09:01:00+01:00"  # the ambiguous advance moved nothing


def test_every_id_is_echoed_as_given(tmp_path: Path) -> None:
    ids = ["a", 7, 1.5, True, {"scenario": 3, "step": "x"}, ["x", 1]]
    outs = run_console(tmp_path / "c.sqlite", lines(*({"type": "advance", "by": "1m", "id": i} for i in ids)))
    assert [d.get("id") for d in of(outs, "done")] == ids


def test_joining_again_without_leaving_sends_no_second_welcome_and_stays_a_member(tmp_path: Path) -> None:
    outs = run_console(tmp_path / "c.sqlite", lines(
        {"type": "join", "user": "alice", "locale": "en-US"},  # a platform's regional tag: English
        {"type": "click", "user": "alice", "custom_id": "charter:accept"},
        {"type": "advance", "by": "8d"},
        {"type": "join", "user": "alice", "name": "Alice Martin", "id": "again"},
        {"type": "command", "user": "alice", "command": "profile show", "id": "show"},
    ))
    welcomes = of(outs, "dm", kind="welcome", user="alice")
    assert "Welcome" in welcomes[0]["text"]
    assert not [w for w in welcomes if "charter" in str(w.get("components"))][1:], welcomes
    show = [r for r in of(outs, "reply") if r["data"].get("member")]
    assert show and show[0]["ok"] and show[0]["data"]["member"] == "alice", show  # still a member, named by handle
    assert "Alice Martin" in show[0]["text"], show  # renamed: the text reads the new name
