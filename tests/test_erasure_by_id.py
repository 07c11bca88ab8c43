"""Erasure touches exactly the erased member's own rows and fields, found by id (issue 15, items 1
and 3): never another member's queued or sent messages because their text happens to contain the
erased handle, and no copy of the erased member's words left behind (sent digests and nudges,
buffered activity, a skill only they typed)."""
from __future__ import annotations

import json
from pathlib import Path

from tests.exports import export_of
from tests.harness import Sim, config_with, of
from tests.nudge_steps import QUIET_REQUESTS, nudges, offer, veteran
from tests.test_digest import add_request, member_id

WEDNESDAY_NUDGES = "2026-12-02T18:00:00+01:00"
SLOW = {"delivery": {"burst": 1, "rate_per_minute": 1}}  # a paced queue: nudges wait a minute each


async def _open(tmp_path: Path, **sections: dict) -> Sim:
    config = config_with(**{"requests": QUIET_REQUESTS, "motm": {"open_day": 28}, **sections})
    return await Sim(tmp_path / "erasure.sqlite", config=config).open()


async def _pending(sim: Sim, skip: tuple[str, ...]) -> dict[int, str]:
    rows = await sim.ctx.db.fetchall("SELECT id, target, payload FROM outbox WHERE status = 'pending' ORDER BY id")
    return {r[0]: r[2] for r in rows if r[1].split(":", 1)[1] not in skip}


async def test_erasing_members_named_like_words_leaves_other_members_queued_nudges_as_they_were(
    tmp_path: Path,
) -> None:
    sim = await _open(tmp_path, **SLOW)
    try:
        helpers = ("bob", "carol", "dave", "de", "nudge")
        for user in ("alice", *helpers):
            await sim.onboard(user)
            await veteran(sim, user)
        for user in helpers:
            await offer(sim, user, "jardinage")
        await add_request(sim, "alice", "Arroser les tomates", ["jardinage"])
        first = await sim.advance(until=WEDNESDAY_NUDGES)
        assert len(nudges(first)) == 1  # the burst; the others wait in the queue
        before = await _pending(sim, skip=("de", "nudge"))
        assert len(before) >= 2 and all("coup de main" in p and "Plus de messages" in p for p in before.values())
        for user in ("nudge", "de"):
            reply = await sim.command(user, "profile delete", confirm=True)
            assert reply["ok"], reply
        assert await _pending(sim, skip=("de", "nudge")) == before
        later = await sim.advance(by="30m")
        delivered = [n for n in nudges(later) if n.get("user") not in ("de", "nudge")]
        assert len(delivered) == len(before)
        assert all("coup de main" in n["text"] and "erased" not in json.dumps(n) for n in delivered)
        assert {c["label"] for n in delivered for c in n["components"]} >= {"Plus de messages"}
    finally:
        await sim.close()


async def test_sent_messages_that_merely_contain_the_handle_stay_in_other_members_exports(sim: Sim) -> None:
    await sim.onboard("ana", bio="Je tricote")
    await sim.onboard("bienvenue")  # a handle that is a word of the welcome texts
    before = await sim.command("ana", "profile export")
    [dm] = of(sim.last, "dm", kind="export")
    kept = export_of(dm["attachments"][0])["data"]["outbox"]
    assert any("bienvenue" in (row["text"] or "").casefold() for row in kept), kept
    assert before["ok"]
    assert (await sim.command("bienvenue", "profile delete", confirm=True))["ok"]
    await sim.command("ana", "profile export")
    [dm] = of(sim.last, "dm", kind="export")
    after = export_of(dm["attachments"][0])["data"]["outbox"]
    assert [r for r in after if r["kind"] != "export"] == [r for r in kept if r["kind"] != "export"]


async def test_erasure_withdraws_the_sent_digest_and_nudges_that_carried_the_members_title(tmp_path: Path) -> None:
    title = "soutien après fausse couche"
    sim = await _open(tmp_path)
    try:
        for user in ("alice", "bob"):
            await sim.onboard(user)
            await veteran(sim, user)
        await offer(sim, "bob", "écoute")
        await add_request(sim, "alice", title, ["écoute"])
        outs = await sim.advance(until="2026-12-07T10:30:00+01:00")  # Wednesday's nudges, Monday's digest
        assert [n for n in nudges(outs, "bob") if title in n["text"]]
        assert [p for p in of(outs, "post", kind="weekly-digest") if title in p["text"]]
        assert (await sim.command("alice", "profile delete", confirm=True))["ok"]
        left = await sim.ctx.db.fetchall("SELECT kind, payload FROM outbox WHERE payload LIKE ?", (f"%{title}%",))
        assert [tuple(r) for r in left] == []
        # Bob's other messages (his welcome, his charter) are still his.
        assert (await sim.ctx.db.fetchone("SELECT COUNT(*) FROM outbox WHERE target = 'dm:bob'"))[0] >= 2
    finally:
        await sim.close()


async def test_activity_buffered_before_the_erasure_is_not_written_onto_the_erased_row(sim: Sim) -> None:
    await sim.onboard("gone")
    assert sim.engine is not None
    await sim.engine.activity.flush()
    me = await member_id(sim, "gone")
    await sim.send({"type": "message", "user": "gone", "channel": "general", "text": "au revoir"})
    assert (await sim.command("gone", "profile delete", confirm=True))["ok"]
    await sim.advance(by="2d")
    await sim.engine.activity.flush()
    row = await sim.ctx.db.fetchone("SELECT last_active_at, last_activity_day FROM member WHERE id = ?", (me,))
    assert tuple(row) == (None, None)
    assert (await sim.ctx.db.fetchone("SELECT COUNT(*) FROM activity_day WHERE member_id = ?", (me,)))[0] == 0


async def test_a_need_only_the_erased_member_typed_is_no_longer_listed(sim: Sim) -> None:
    await sim.onboard("mia", needs="soutien après fausse couche", skills="vélo")
    await sim.onboard("noe", skills="vélo")
    assert (await sim.command("mia", "request new", title="Parler", skills="soutien après fausse couche"))["ok"]
    listed = await sim.command("noe", "skills")
    assert "soutien après fausse couche" in [s["skill"] for s in listed["data"]["skills"]]
    assert (await sim.command("mia", "profile delete", confirm=True))["ok"]
    listed = await sim.command("noe", "skills")
    assert listed["data"]["skills"] == [{"skill": "vélo", "offered": 1, "needed": 0}]
    assert "fausse couche" not in listed["text"]
    hits = await sim.ctx.db.fetchall("SELECT display FROM skill WHERE display LIKE '%fausse couche%'")
    assert hits == []


async def test_helper_pings_still_queued_for_the_erased_members_request_are_withdrawn(tmp_path: Path) -> None:
    title = "Accompagnement chez la gynécologue"
    sim = await _open(tmp_path, **SLOW, requests={"round_after_hours": 1, "helpers_per_round": 3})
    try:
        await sim.onboard("alice")
        for user in ("bob", "carl", "dina", "eve", "fred", "gaby", "hugo"):
            await sim.onboard(user, skills="accompagnement")
        reply = await sim.command("alice", "request new", title=title, skills="accompagnement")
        assert reply["ok"] and len(reply["data"]["pinged"]) == 3, reply
        await sim.advance(until="2026-12-01T10:00:00+01:00")  # round 2 is paced: two of its pings wait
        queued = await sim.ctx.db.fetchall(
            "SELECT id FROM outbox WHERE status = 'pending' AND kind = 'helper-ping' AND payload LIKE ?",
            (f"%{title}%",))
        assert queued, "the slow queue should hold a helper ping"
        assert (await sim.command("alice", "profile delete", confirm=True))["ok"]
        later = await sim.advance(by="1d")
        assert [o for o in later if title in o.get("text", "")] == []
        assert (await sim.ctx.db.fetchall("SELECT id FROM outbox WHERE payload LIKE ?", (f"%{title}%",))) == []
    finally:
        await sim.close()
