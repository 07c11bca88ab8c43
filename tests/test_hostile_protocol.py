"""Hostile input through the console contract (issue 15, items 10 and 11): huge and Unicode-digit
ids, non-string lists, duplicate JSON keys, raw control characters in display names, emoji
sequences, over-long lines, NaN ids and far `advance until` dates."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harness import Sim, of
from tests.test_console_protocol import run_console

INTERNAL = "Un souci de mon côté"  # common.error.internal: what a crashing handler answers
EMOJI = ["👩‍💻", "🏳️‍🌈", "👍🏽", "🇫🇷", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "❤️"]


def lines(*events: object) -> bytes:
    return b"".join((e if isinstance(e, bytes) else json.dumps(e).encode()) + b"\n" for e in events)


@pytest.mark.parametrize("bad_id", [2**63, 2**64 + 5, -(2**63) - 1, "²", "١٢"])
async def test_ids_out_of_range_or_in_other_digits_are_invalid_input(sim: Sim, bad_id: object) -> None:
    await sim.onboard("alice")
    reply = await sim.command("alice", "request resolve", id=bad_id)
    assert not reply["ok"] and reply["error"] == "invalid_input", reply
    assert "nombre entier" in reply["text"] and INTERNAL not in reply["text"], reply  # not a crash


@pytest.mark.parametrize("custom_id", ["request:claim:²", "request:claim:١٢", f"request:claim:{2**64}",
                                       "motm:vote:³", "request:resolve:٣"])
async def test_custom_ids_with_unicode_digits_or_huge_numbers_are_not_found(sim: Sim, custom_id: str) -> None:
    await sim.onboard("alice")
    reply = await sim.click("alice", custom_id, ["x"])
    assert not reply["ok"] and reply["error"] in ("not_found", "not_eligible"), reply
    assert INTERNAL not in reply["text"], reply  # not a crash


@pytest.mark.parametrize("items", [[{"x": 1}], [None], ["vélo", 3], [["cuisine"]], [True]])
async def test_a_csv_list_of_non_strings_is_refused_and_changes_nothing(sim: Sim, items: list) -> None:
    await sim.onboard("alice", skills="vélo")
    reply = await sim.command("alice", "profile set", skills=items)
    assert not reply["ok"] and reply["error"] == "invalid_input", reply
    assert (await sim.command("alice", "profile show"))["data"]["skills"] == ["vélo"]


async def test_emoji_sequences_are_accepted_in_text_options_and_display_names(sim: Sim) -> None:
    await sim.join("zoe", name="Zoé 👩‍💻🏳️‍🌈")
    await sim.click("zoe", "charter:accept")
    for emoji in EMOJI:
        reply = await sim.command("zoe", "profile set", bio=f"Je code {emoji}", skills=f"code {emoji}")
        assert reply["ok"], (emoji, reply)
    shown = await sim.command("zoe", "profile show")
    assert EMOJI[-1] in shown["text"]
    assert (await sim.command("zoe", "request new", title="Aide 👩‍💻 🏳️‍🌈", skills="code"))["ok"]
    listed = await sim.command("zoe", "request list")
    assert listed["data"]["requests"][0]["title"] == "Aide 👩‍💻 🏳️‍🌈"


@pytest.mark.parametrize("hostile", ["a\u202eb", "ad\u200dmin", "a\u200b", "a\x00b", "\u200dx", "a\u2066b\u2069",
                                     "x\U000e0067"])
async def test_control_and_bidi_characters_stay_refused(sim: Sim, hostile: str) -> None:
    await sim.onboard("zoe")
    reply = await sim.command("zoe", "profile set", bio=hostile)
    assert not reply["ok"] and reply["error"] == "invalid_input", (hostile, reply)


async def test_a_display_name_with_an_override_or_nul_is_cleaned_before_any_public_post(sim: Sim) -> None:
    outs = await sim.join("mal", name="Mal\u202eroy\x00 👩‍💻")
    await sim.click("mal", "charter:accept")
    await sim.command("mal", "request new", title="Aide", skills="code")
    for output in outs + sim.outputs:
        text = json.dumps(output, ensure_ascii=False)
        assert "\u202e" not in text and "\\u0000" not in text, output
    row = await sim.ctx.db.fetchone("SELECT handle FROM member WHERE platform_id = 'mal'")
    assert row[0] == "Malroy 👩‍💻"


def test_duplicate_keys_are_a_protocol_error_and_change_nothing(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    outs = run_console(db, lines(
        {"type": "join", "user": "alice"},
        {"type": "click", "user": "alice", "custom_id": "charter:accept"},
        {"type": "command", "user": "alice", "command": "profile set", "options": {"bio": "Ma bio"}},
        b'{"type": "command", "user": "alice", "command": "profile delete", "options": '
        b'{"confirm": false, "confirm": true}, "id": "dup"}',
        {"type": "command", "user": "alice", "command": "profile show", "id": "show"},
    ))
    errors = of(outs, "protocol_error")
    assert len(errors) == 1 and "duplicate" in errors[0]["text"]
    [show] = [o for o in of(outs, "reply") if o["data"].get("member")]
    assert "Ma bio" in show["text"]
    assert [d.get("id") for d in of(outs, "done")][-2:] == [None, "show"]


def test_nan_and_infinite_ids_never_make_invalid_json(tmp_path: Path) -> None:
    raw = (b'{"type": "advance", "by": "1h", "id": NaN}\n{"type": "advance", "by": "1h", "id": 1e999}\n'
           b'{"type": "advance", "by": "1h", "id": -Infinity}\n{"type": "advance", "by": "1h", "id": 2.5}\n')
    proc_outs = run_console(tmp_path / "c.sqlite", raw)  # run_console parses every line with json.loads
    for line in proc_outs:
        json.dumps(line, allow_nan=False)  # every output is strict JSON
    assert [d.get("id") for d in of(proc_outs, "done")] == [None, None, None, 2.5]
    assert len(of(proc_outs, "protocol_error")) == 3


def test_a_line_over_one_megabyte_gets_exactly_one_done(tmp_path: Path) -> None:
    huge = json.dumps({"type": "command", "user": "alice", "command": "help", "options": {"x": "a" * 1_500_000},
                       "id": "huge"}).encode()
    outs = run_console(tmp_path / "c.sqlite", huge + b"\n" + lines({"type": "advance", "by": "1h", "id": "after"}))
    dones = of(outs, "done")
    assert len(dones) == 2 and dones[-1]["id"] == "after"
    assert len(of(outs, "protocol_error")) == 1 and "too long" in of(outs, "protocol_error")[0]["text"]


def test_advance_until_is_capped_like_advance_by(tmp_path: Path) -> None:
    outs = run_console(tmp_path / "c.sqlite", lines(
        {"type": "advance", "until": "2199-01-01T00:00:00+01:00", "id": "far"},
        {"type": "advance", "until": "2027-01-01T00:00:00+01:00", "id": "near"},
    ))
    [error] = of(outs, "protocol_error")
    assert "800" in error["text"]
    assert [d["id"] for d in of(outs, "done")] == ["far", "near"]
    assert of(outs, "done")[-1]["at"].startswith("2027-01-01T00:00")


@pytest.mark.sqlite_only("PostgreSQL's schema starts from the 0180 baseline: no database there predates 0101")
async def test_display_names_stored_before_the_fix_are_cleaned_by_migration_0101(tmp_path: Path) -> None:
    from storage.database import open_database

    db = await open_database(tmp_path / "old.sqlite")
    try:
        async with db.transaction() as tx:
            for pid, handle in (("p1", "Mal\u202eroy\x07 👩‍💻"), ("p2", "\u202e\u2066"), ("p3", "Zoé")):
                await tx.execute("INSERT INTO member (guild_id, platform_id, handle, joined_at) VALUES ('g', ?, ?, 0)",
                                 (pid, handle))
            await tx.execute("DELETE FROM schema_migration WHERE version = 101")  # as a file from before it
    finally:
        await db.close()
    db = await open_database(tmp_path / "old.sqlite")
    try:
        rows = await db.fetchall("SELECT platform_id, handle FROM member ORDER BY platform_id")
        assert [tuple(r) for r in rows] == [("p1", "Malroy 👩‍💻"), ("p2", "p2"), ("p3", "Zoé")]
    finally:
        await db.close()
