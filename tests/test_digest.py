"""The weekly digest: one post on Monday 10:00 that makes the week visible, or nothing at all.

Other areas' rows (requests, thanks, polls) are inserted directly, so these tests only depend on
the shared schema.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.clock import to_epoch
from storage import jobs as jobs_repo
from tests.harness import Sim, config_with, of

NO_POLL = {"motm": {"open_day": 28}}  # keep the member-of-the-month job out of December's first weeks


def ts(iso: str) -> int:
    return to_epoch(datetime.fromisoformat(iso))


def digests(outs: list[dict]) -> list[dict]:
    return of(outs, "post", kind="weekly-digest")


async def member_id(sim: Sim, user: str) -> int:
    row = await sim.ctx.db.fetchone("SELECT id FROM member WHERE platform_id = ?", (user,))
    assert row is not None, user
    return int(row[0])


async def set_member(sim: Sim, user: str, **fields: object) -> None:
    from storage.members import update_fields

    mid = await member_id(sim, user)
    assert sim.engine is not None
    await sim.engine.activity.flush()  # buffered activity would otherwise land after these values
    async with sim.ctx.db.transaction() as tx:
        await update_fields(tx, mid, **fields)


async def skill_id(sim: Sim, name: str) -> int:
    async with sim.ctx.db.transaction() as tx:
        await tx.execute("INSERT OR IGNORE INTO skill (guild_id, key, display) VALUES (?, ?, ?)",
                         (sim.ctx.guild_id, name, name))
    row = await sim.ctx.db.fetchone("SELECT id FROM skill WHERE guild_id = ? AND key = ?", (sim.ctx.guild_id, name))
    return int(row[0])


async def give_skill(sim: Sim, user: str, skill: str, kind: str = "offer") -> None:
    sid, mid = await skill_id(sim, skill), await member_id(sim, user)
    async with sim.ctx.db.transaction() as tx:
        await tx.execute("INSERT OR IGNORE INTO member_skill (member_id, skill_id, kind) VALUES (?, ?, ?)",
                         (mid, sid, kind))


async def add_request(
    sim: Sim, requester: str, title: str, skills: list[str], *, urgent: bool = False, status: str = "open",
    created_at: int | None = None,
) -> int:
    mid = await member_id(sim, requester)
    sids = [await skill_id(sim, s) for s in skills]
    async with sim.ctx.db.transaction() as tx:
        cur = await tx.execute(
            "INSERT INTO request (guild_id, requester_id, title, urgent, status, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (sim.ctx.guild_id, mid, title, int(urgent), status, created_at or sim.ctx.now_ts()),
        )
        rid = int(cur.lastrowid)
        await tx.executemany("INSERT INTO request_skill (request_id, skill_id) VALUES (?, ?)",
                             [(rid, sid) for sid in sids])
    return rid


async def thank(sim: Sim, giver: str, receiver: str, at: int | None = None) -> None:
    async with sim.ctx.db.transaction() as tx:
        await tx.execute("INSERT INTO kudos (guild_id, from_id, to_id, reason, at) VALUES (?, ?, ?, ?, ?)",
                         (sim.ctx.guild_id, await member_id(sim, giver), await member_id(sim, receiver), "merci",
                          at or sim.ctx.now_ts()))


async def add_poll(sim: Sim, month: str, status: str, closes_at: int | None = None, closed_at: int | None = None,
                   winner: str | None = None) -> None:
    winner_id = await member_id(sim, winner) if winner else None
    async with sim.ctx.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO poll (guild_id, month, status, opened_at, closes_at, closed_at, winner_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (sim.ctx.guild_id, month, status, sim.ctx.now_ts(), closes_at, closed_at, winner_id),
        )


async def open_sim(tmp_path: Path, start: str = "2026-12-01T09:00:00+01:00", **sections: dict) -> Sim:
    return await Sim(tmp_path / "digest.sqlite", config=config_with(**{**NO_POLL, **sections}), start=start).open()


async def test_the_digest_shows_the_week_in_one_post_on_monday_at_ten(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("old")
        await set_member(sim, "old", charter_accepted_at=ts("2026-11-01T10:00:00+01:00"))
        await sim.onboard("alice")
        await sim.onboard("bob")
        await sim.onboard("gone")
        await sim.send({"type": "leave", "user": "gone"})
        monday = ts("2026-12-07T10:00:00+01:00")
        day = 86400
        # Seven open requests: urgent first, then oldest; claimed ones never show.
        for n in range(6):
            await add_request(sim, "old", f"Demande {n}", ["jardinage"], created_at=monday - (20 - n) * day)
        urgent = await add_request(sim, "old", "Fuite d'eau @everyone", ["plomberie"], urgent=True,
                                   created_at=monday - day)
        await add_request(sim, "old", "Déjà prise", ["cuisine"], status="claimed", created_at=monday - 30 * day)
        await thank(sim, "old", "alice")
        await thank(sim, "bob", "alice")
        await thank(sim, "alice", "bob")
        await thank(sim, "alice", "old", at=monday - 10 * day)  # last week's: not counted
        await sim.roles("old", add=["animator"])
        assert (await sim.command("old", "remind add", when="2026-12-10T19:00", text="Soirée jeux"))["ok"]
        assert (await sim.command("old", "remind add", when="2026-12-20T19:00", text="Trop loin"))["ok"]
        await add_poll(sim, "2026-12", "open", closes_at=ts("2026-12-11T10:00:00+01:00"))

        outs = await sim.advance(until="2026-12-07T10:05:00+01:00")
        found = digests(outs)
        assert len(found) == 1, outs
        digest = found[0]
        assert digest["channel"] == "general" and digest["at"] == "2026-12-07T10:00:00+01:00"
        text = digest["text"]
        assert digest["mentions"] == ["alice", "bob"]
        assert "@alice" in text and "@bob" in text and "@gone" not in text and "@old" not in text
        assert "7 demandes attendent" in text
        lines = [line for line in text.splitlines() if line.startswith("• ")]
        request_lines = [line for line in lines if "n°" in line]
        assert f"n°{urgent}" in request_lines[0] and "urgent" in request_lines[0]
        assert [line.split("« ")[1].split(" »")[0] for line in request_lines[1:]] == [
            "Demande 0", "Demande 1", "Demande 2", "Demande 3"]
        assert "… et 2 autres" in text and "Déjà prise" not in text
        assert "@everyone" not in text  # titles are neutralized
        assert "3 mercis cette semaine" in text and "alice (2)" in text and "bob" in text
        assert "Soirée jeux" in text and "Trop loin" not in text
        assert "le vote est ouvert jusqu'au vendredi 11 décembre" in text
    finally:
        await sim.close()


async def test_the_digest_is_in_the_community_language(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, community={"locale": "en"})
    try:
        await sim.onboard("alice", locale="fr")
        await sim.onboard("bob", locale="fr")
        await thank(sim, "bob", "alice")
        await add_request(sim, "bob", "Move a sofa", ["déménagement"])
        await add_poll(sim, "2026-11", "closed", closed_at=ts("2026-12-03T10:00:00+01:00"), winner="bob")
        outs = await sim.advance(until="2026-12-07T10:05:00+01:00")
        text = digests(outs)[0]["text"]
        assert "Entraide, the week in brief" in text and "Welcome to our 2 newcomers" in text
        assert "One request still needs a hand" in text and "Move a sofa" in text and "déménagement" in text
        assert "1 thank-you this week, for alice" in text
        assert "Congratulations to bob" in text
    finally:
        await sim.close()


async def test_an_empty_week_posts_nothing_but_still_counts_as_run(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        outs = await sim.advance(until="2026-12-08T00:00:00+01:00")
        assert digests(outs) == []
        assert await jobs_repo.runs_of(sim.ctx.db.reader, "weekly-digest") == ["weekly-digest:2026-W50"]
        # Old news is no news: a member who joined, a poll closed long ago, a far reminder.
        await sim.onboard("alice")
        await add_poll(sim, "2026-10", "closed", closed_at=ts("2026-10-10T10:00:00+02:00"), winner="alice")
        outs = await sim.advance(until="2026-12-14T10:05:00+01:00")
        assert len(digests(outs)) == 1  # alice is this week's newcomer
        outs = await sim.advance(until="2026-12-21T10:05:00+01:00")
        assert digests(outs) == []
    finally:
        await sim.close()


async def test_many_newcomers_are_summed_up(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        for n in range(23):
            await sim.onboard(f"m{n:02d}")
        outs = await sim.advance(until="2026-12-07T10:05:00+01:00")
        digest = digests(outs)[0]
        assert len(digest["mentions"]) == 20 and "3 autres personnes" in digest["text"]
        assert "23 nouveaux membres" in digest["text"]
    finally:
        await sim.close()


async def test_one_digest_per_week_across_a_crash_and_the_digest_day_follows_the_config(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path, schedule={"weekly_digest_day": "fri", "weekly_digest_time": "17:30"})
    try:
        await sim.onboard("alice")
        outs = await sim.advance(until="2026-12-04T17:31:00+01:00")
        assert [d["at"] for d in digests(outs)] == ["2026-12-04T17:30:00+01:00"]
        await sim.restart(crash=True)
        assert digests(sim.startup) == []
        await sim.restart(start="2026-12-04T20:00:00+01:00", crash=True)
        assert digests(sim.startup) == []
        await sim.onboard("bob")
        outs = await sim.advance(until="2026-12-11T18:00:00+01:00")
        found = digests(outs)
        assert len(found) == 1 and found[0]["mentions"] == ["bob"]
    finally:
        await sim.close()


async def test_a_digest_missed_while_down_is_caught_up_within_the_grace(tmp_path: Path) -> None:
    sim = await open_sim(tmp_path)
    try:
        await sim.onboard("alice")
        await sim.restart(start="2026-12-07T13:00:00+01:00", crash=True)
        assert len(digests(sim.startup)) == 1
        await sim.restart(crash=True)
        assert digests(sim.startup) == []
    finally:
        await sim.close()
