"""Member of the month: nominations, eligibility, secret votes, tie-breaks, role rotation, once a month."""
from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import to_epoch
from bot.export import build_export
from bot.i18n import load_catalogue, placeholders
from storage import jobs as jobs_repo
from storage import members as members_repo
from tests.harness import Sim, config_with, of

OPEN = "2026-12-01T10:00:00+01:00"
CLOSE = "2026-12-08T10:00:00+01:00"
NOVEMBER = "2026-11-15T12:00:00+01:00"


# Helpers ----------------------------------------------------------------------------------------

async def member_id(sim: Sim, user: str) -> int:
    member = await members_repo.by_platform_id(sim.ctx.db.reader, sim.ctx.guild_id, user)
    assert member is not None
    return member.id


async def set_fields(sim: Sim, user: str, **fields: Any) -> None:
    async with sim.ctx.db.transaction() as tx:
        await members_repo.update_fields(tx, await member_id(sim, user), **fields)


async def thank(sim: Sim, to: str, times: int = 1, at: str = NOVEMBER, giver: str | None = None) -> None:
    """Kudos rows written directly (the `thanks` command belongs to the requests area)."""
    to_id = await member_id(sim, to)
    from_id = await member_id(sim, giver) if giver else None
    when = to_epoch(datetime.fromisoformat(at))
    async with sim.ctx.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO kudos (guild_id, from_id, to_id, reason, at) VALUES (?, ?, ?, 'merci', ?)",
            [(sim.ctx.guild_id, from_id, to_id, when)] * times,
        )


async def veteran(sim: Sim, user: str, days_ago: int = 60, locale: str = "fr") -> None:
    """An onboarded member who joined `days_ago` days ago (eligible to vote and nominate)."""
    await sim.onboard(user, locale)
    await set_fields(sim, user, joined_at=sim.ctx.now_ts() - days_ago * 86400)


async def community(sim: Sim, *users: str) -> None:
    for offset, user in enumerate(users):
        await veteran(sim, user, days_ago=100 - offset)  # earlier in the list = longer membership


def ballot_of(outs: list[dict[str, Any]]) -> dict[str, Any]:
    posts = of(outs, "post", kind="motm-poll")
    assert posts, outs
    return posts[-1]


def options_of(post: dict[str, Any]) -> list[str]:
    (component,) = post["components"]
    return [o["value"] for o in component["options"]]


def select_id(post: dict[str, Any]) -> str:
    return post["components"][0]["custom_id"]


async def open_poll(sim: Sim) -> dict[str, Any]:
    outs = await sim.advance(until=OPEN)
    return ballot_of(outs)


async def rows(sim: Sim, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    async with sim.ctx.db.reader.execute(sql, params) as cur:
        return [tuple(r) for r in await cur.fetchall()]


# Nominations ------------------------------------------------------------------------------------

async def test_the_poll_opens_on_the_first_with_last_months_most_thanked(sim: Sim) -> None:
    await community(sim, "ana", "ben", "cleo", "dan", "eve", "fay", "gus", "hal", "ida")
    await thank(sim, "ana", 5)
    await thank(sim, "ben", 4)
    await thank(sim, "cleo", 3)
    await thank(sim, "dan", 3)  # ties with cleo: cleo joined earlier, so she is listed first
    await thank(sim, "eve", 2)
    await thank(sim, "fay", 1)  # sixth: not nominated
    await thank(sim, "gus", 9)  # inactive: not nominable
    await thank(sim, "hal", 9)  # left: not nominable
    await thank(sim, "ida", 9, at="2026-12-01T08:00:00+01:00")  # this month's thanks don't count
    await thank(sim, "ida", 9, at="2026-10-31T23:00:00+01:00")  # nor those of October
    await set_fields(sim, "gus", active=0)
    await sim.send({"type": "leave", "user": "hal"})

    early = await sim.advance(until="2026-12-01T09:59:00+01:00")
    assert of(early, "post", kind="motm-poll") == []
    post = await open_poll(sim)
    assert post["channel"] == "general" and post["at"] == OPEN
    assert options_of(post) == ["ana", "ben", "cleo", "dan", "eve"]
    component = post["components"][0]
    assert component["custom_id"].startswith("motm:vote:") and component["label"]
    assert all(o["label"] == o["value"] for o in component["options"])
    assert sorted(post["mentions"]) == ["ana", "ben", "cleo", "dan", "eve"]
    assert await jobs_repo.has_run(sim.ctx.db.reader, "motm-open:2026-12")


async def test_members_nominate_during_the_first_days_and_the_ballot_is_refreshed(sim: Sim) -> None:
    await community(sim, "ana", "ben", "cleo", "dan")
    await thank(sim, "ana", 2)
    post = await open_poll(sim)
    poll_id = int(select_id(post).rsplit(":", 1)[1])
    assert options_of(post) == ["ana"]

    reply = await sim.command("ben", "motm nominate", member="cleo")
    assert reply["ok"], reply
    assert reply["data"] == {"poll_id": poll_id, "nominee": "cleo"}
    assert not of(sim.last, "post", kind="motm-poll")  # one ballot: edited, never posted again
    [refreshed] = of(sim.last, "edit", message=post["message"])
    assert options_of(refreshed) == ["ana", "cleo"] and refreshed["channel"] == "general"
    assert select_id(refreshed) == select_id(post)
    [told] = of(sim.last, "dm", kind="motm-nominated")  # an edit pings nobody: the nominee hears it here
    assert told["user"] == "cleo"

    # The new nominee can be chosen from the one ballot's select.
    assert (await sim.click("dan", select_id(post), ["cleo"]))["ok"]

    await sim.advance(until="2026-12-04T09:59:00+01:00")
    assert (await sim.command("cleo", "motm nominate", member="dan"))["ok"]
    await sim.advance(until="2026-12-04T10:00:00+01:00")
    late = await sim.command("ana", "motm nominate", member="ben")
    assert late["error"] == "conflict"
    assert (await rows(sim, "SELECT COUNT(*) FROM nomination WHERE nominee_id = ?", await member_id(sim, "ben"))) \
        == [(0,)]


async def test_nomination_refusals(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite", config_with(motm={"max_nominees": 3, "max_nominations_per_day": 2})).open()
    try:
        await community(sim, "ana", "ben", "cleo", "dan", "eve", "gus")
        await sim.onboard("newbie")
        await sim.join("stranger")
        await set_fields(sim, "stranger", joined_at=sim.ctx.now_ts() - 90 * 86400)
        await set_fields(sim, "gus", active=0)
        await thank(sim, "ana", 3)
        await open_poll(sim)

        cases = [
            ("ben", "ben", "conflict"),          # self-nomination
            ("ben", "ana", "conflict"),          # already nominated
            ("ben", "gus", "not_eligible"),      # inactive nominee
            ("ben", "nobody-here", "not_found"),
            ("newbie", "cleo", "not_eligible"),  # joined today
            ("stranger", "cleo", "not_eligible"),  # never accepted the charter
            ("gus", "cleo", "not_eligible"),     # inactive nominator
        ]
        for user, nominee, code in cases:
            reply = await sim.command(user, "motm nominate", member=nominee)
            assert reply["error"] == code, (user, nominee, reply)
            assert of(sim.last, "post") == []
        assert (await sim.command("ben", "motm nominate", member="cleo"))["ok"]
        assert (await sim.command("ben", "motm nominate", member="dan"))["ok"]
        full = await sim.command("cleo", "motm nominate", member="eve")
        assert full["error"] == "conflict"  # three nominees: the ballot is full
        assert (await sim.command("ben", "motm nominate", member="eve"))["error"] == "conflict"
        assert (await rows(sim, "SELECT COUNT(*) FROM nomination"))[0] == (3,)
    finally:
        await sim.close()


async def test_nominations_are_rate_limited(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite", config_with(motm={"max_nominations_per_day": 1})).open()
    try:
        await community(sim, "ana", "ben", "cleo", "dan")
        await thank(sim, "ana")
        await open_poll(sim)
        assert (await sim.command("ben", "motm nominate", member="cleo"))["ok"]
        reply = await sim.command("ben", "motm nominate", member="dan")
        assert reply["error"] == "rate_limited"
        await sim.advance(by="1d")
        assert (await sim.command("ben", "motm nominate", member="dan"))["ok"]
    finally:
        await sim.close()


# Voting -----------------------------------------------------------------------------------------

async def test_voter_eligibility(sim: Sim) -> None:
    await community(sim, "ana", "ben", "cleo", "gus", "lea")
    await thank(sim, "ana", 2)
    await sim.onboard("newbie")
    await sim.join("stranger")
    await set_fields(sim, "stranger", joined_at=sim.ctx.now_ts() - 90 * 86400)
    await set_fields(sim, "gus", active=0)
    post = await open_poll(sim)
    await sim.send({"type": "leave", "user": "lea"})

    for user in ("newbie", "stranger", "gus", "lea"):
        reply = await sim.click(user, select_id(post), ["ana"])
        assert reply["ok"] is False and reply["error"] == "not_eligible", (user, reply)
        assert (await sim.command(user, "motm vote", member="ana"))["error"] == "not_eligible"
    assert await rows(sim, "SELECT COUNT(*) FROM vote") == [(0,)]

    # Seven days of membership is enough: the newcomer may vote a week after joining.
    await sim.advance(until="2026-12-08T09:00:00+01:00")
    assert (await sim.click("newbie", select_id(post), ["ana"]))["ok"]


async def test_self_vote_unknown_poll_and_unknown_nominee(sim: Sim) -> None:
    await community(sim, "ana", "ben", "cleo")
    await thank(sim, "ana", 2)
    await thank(sim, "ben", 1)
    post = await open_poll(sim)
    poll_id = select_id(post).rsplit(":", 1)[1]

    assert (await sim.click("ana", select_id(post), ["ana"]))["error"] == "conflict"
    assert (await sim.command("ana", "motm vote", member="ana"))["error"] == "conflict"
    assert (await sim.command("cleo", "motm vote", member="cleo"))["error"] == "conflict"
    assert (await sim.click("cleo", "motm:vote:999", ["ana"]))["error"] == "not_found"
    assert (await sim.click("cleo", "motm:vote:abc", ["ana"]))["error"] == "not_found"
    assert (await sim.click("cleo", select_id(post), ["cleo2"]))["error"] == "not_found"
    assert (await sim.command("cleo", "motm vote", member="nobody"))["error"] == "not_found"
    assert (await sim.click("cleo", select_id(post), []))["error"] == "invalid_input"
    assert (await sim.click("cleo", select_id(post), ["ana", "ben"]))["error"] == "invalid_input"
    assert await rows(sim, "SELECT COUNT(*) FROM vote") == [(0,)]

    reply = await sim.click("ana", select_id(post), ["ben"])
    assert reply["ok"] and reply["data"] == {"poll_id": int(poll_id), "voted_for": "ben"}


async def test_no_poll_means_not_found_and_a_closed_poll_conflict(sim: Sim) -> None:
    await community(sim, "ana", "ben", "anim")
    await sim.roles("anim", add=["animator"])
    assert (await sim.command("ben", "motm vote", member="ana"))["error"] == "not_found"
    assert (await sim.command("ben", "motm nominate", member="ana"))["error"] == "not_found"
    assert (await sim.command("anim", "motm close"))["error"] == "not_found"
    await thank(sim, "ana")
    post = await open_poll(sim)
    assert (await sim.command("anim", "motm close"))["ok"]
    assert (await sim.click("ben", select_id(post), ["ana"]))["error"] == "conflict"
    assert (await sim.command("ben", "motm vote", member="ana"))["error"] == "conflict"
    assert (await sim.command("anim", "motm close"))["error"] == "conflict"


async def test_a_voter_changes_their_vote_and_is_counted_once(sim: Sim) -> None:
    await community(sim, "ana", "ben", "cleo", "dan")
    await thank(sim, "ana", 3)
    await thank(sim, "ben", 1)
    post = await open_poll(sim)

    first = await sim.click("cleo", select_id(post), ["ana"])
    assert first["ok"] and first["data"]["voted_for"] == "ana"
    again = await sim.command("cleo", "motm vote", member="ben")
    assert again["ok"] and again["data"]["voted_for"] == "ben"
    assert "ben" in again["text"]
    assert (await sim.click("dan", select_id(post), ["ben"]))["ok"]
    assert await rows(sim, "SELECT COUNT(*) FROM vote") == [(2,)]

    outs = await sim.advance(until=CLOSE)
    (result,) = of(outs, "post", kind="motm-result")
    assert result["mentions"] == ["ben"] and "@ben" in result["text"]
    assert "2 votes" in result["text"] and "ana" not in result["text"]  # the winner only, nobody's zero
    (chart,) = result["attachments"]
    assert chart["filename"] == "motm.png" and chart["content_type"] == "image/png"
    assert base64.b64decode(chart["content_base64"])[:4] == b"\x89PNG"


# Secrecy ----------------------------------------------------------------------------------------

async def test_votes_are_secret_before_and_after_the_close(sim: Sim) -> None:
    await community(sim, "ana", "ben", "cleo", "dan", "anim")
    await sim.roles("anim", add=["animator"])
    await thank(sim, "ana", 3)
    await thank(sim, "ben", 2)
    post = await open_poll(sim)
    assert (await sim.click("cleo", select_id(post), ["ana"]))["ok"]
    assert of(sim.last, "post") == [] and of(sim.last, "dm") == []  # a vote is announced nowhere
    dan = await sim.click("dan", select_id(post), ["ben"])
    assert dan["ok"] and "ana" not in dan["text"] and "cleo" not in dan["text"]

    for viewer in ("anim", "ben", "ana"):  # an animator, a nominee, the other nominee
        status = await sim.command(viewer, "motm status")
        assert status["ok"] and status["data"]["votes_cast"] == 2
        assert set(status["data"]) == {"poll_id", "status", "nominees", "votes_cast", "closes_at", "voted"}
        shown = json.dumps(status["data"]) + status["text"]
        assert "cleo" not in shown and "dan" not in shown
    assert (await sim.command("cleo", "motm status"))["data"]["voted"] is True
    assert (await sim.command("ben", "motm status"))["data"]["voted"] is False
    export = json.dumps(await build_export(sim.ctx), ensure_ascii=False)
    assert "cleo" not in export and "dan" not in export

    outs = await sim.advance(until=CLOSE)
    (result,) = of(outs, "post", kind="motm-result")
    assert "cleo" not in result["text"] and "dan" not in result["text"]
    # Once counted, the ballots are gone: only per-nominee totals remain.
    assert await rows(sim, "SELECT COUNT(*) FROM vote") == [(0,)]
    assert sorted(await rows(sim, "SELECT votes FROM nomination")) == [(1,), (1,)]
    closed = await sim.command("anim", "motm status")
    assert closed["data"]["votes_cast"] == 2 and "cleo" not in json.dumps(closed["data"])


# Close: tie-breaks and roles --------------------------------------------------------------------

async def test_ties_go_to_more_thanks_then_longer_membership(sim: Sim) -> None:
    await community(sim, "old", "young", "thanked", "v1", "v2", "v3", "v4", "v5", "v6")
    await thank(sim, "old", 2)
    await thank(sim, "young", 2)
    await thank(sim, "thanked", 2)
    await thank(sim, "thanked", 1, at="2026-11-30T23:30:00+01:00")  # November, community time: 3 thanks
    post = await open_poll(sim)
    for voter, choice in (("v1", "old"), ("v2", "old"), ("v3", "thanked"), ("v4", "thanked")):
        assert (await sim.click(voter, select_id(post), [choice]))["ok"]
    outs = await sim.advance(until=CLOSE)
    (result,) = of(outs, "post", kind="motm-result")
    assert result["mentions"] == ["thanked"]  # 2-2: more thanks in November wins

    # Next month: equal votes and equal thanks → the longer-standing member wins.
    await thank(sim, "old", 1, at="2026-12-15T12:00:00+01:00")
    await thank(sim, "young", 1, at="2026-12-15T12:00:00+01:00")
    await sim.restart(start="2027-01-01T09:00:00+01:00")  # skip the quiet weeks in one step
    post = ballot_of(await sim.advance(until="2027-01-01T10:00:00+01:00"))
    assert options_of(post) == ["old", "young"]  # December's winner ("thanked") had no December thanks
    assert (await sim.click("v5", select_id(post), ["young"]))["ok"]
    assert (await sim.click("v6", select_id(post), ["old"]))["ok"]
    outs = await sim.advance(until="2027-01-08T10:00:00+01:00")
    (result,) = of(outs, "post", kind="motm-result")
    assert result["mentions"] == ["old"]


async def test_the_role_moves_from_last_months_winner_to_the_new_one(sim: Sim) -> None:
    await community(sim, "ana", "ben", "cleo", "dan")
    await thank(sim, "ana", 2)
    await thank(sim, "ben", 1)
    post = await open_poll(sim)
    await sim.click("cleo", select_id(post), ["ana"])
    outs = await sim.advance(until=CLOSE)
    assert of(outs, "role", user="ana", added="member-of-the-month")
    assert "member-of-the-month" in await sim.engine.roles_of("ana")

    # December: ana is thanked the most but, last month's winner, she is not nominable.
    await thank(sim, "ana", 9, at="2026-12-20T12:00:00+01:00")
    await thank(sim, "ben", 1, at="2026-12-20T12:00:00+01:00")
    await thank(sim, "cleo", 1, at="2026-12-20T12:00:00+01:00")
    await sim.restart(start="2027-01-01T09:00:00+01:00")  # skip the quiet weeks in one step
    post = ballot_of(await sim.advance(until="2027-01-01T10:00:00+01:00"))
    assert options_of(post) == ["ben", "cleo"]
    denied = await sim.command("dan", "motm nominate", member="ana")
    assert denied["error"] == "not_eligible"
    await sim.click("dan", select_id(post), ["ben"])
    outs = await sim.advance(until="2027-01-08T10:00:00+01:00")
    assert of(outs, "role", user="ana", removed="member-of-the-month")
    assert of(outs, "role", user="ben", added="member-of-the-month")
    assert "member-of-the-month" not in await sim.engine.roles_of("ana")
    assert "member-of-the-month" in await sim.engine.roles_of("ben")


async def test_a_poll_without_any_vote_has_no_winner(sim: Sim) -> None:
    await community(sim, "ana", "ben")
    await thank(sim, "ana", 2)
    await open_poll(sim)
    outs = await sim.advance(until=CLOSE)
    (result,) = of(outs, "post", kind="motm-result")
    assert result["mentions"] == [] and of(outs, "role") == []
    assert "ana" in result["text"]


# The empty month --------------------------------------------------------------------------------

async def test_the_empty_month_tells_the_animators_and_posts_no_poll(sim: Sim) -> None:
    await community(sim, "ana", "ben", "anim")
    await sim.roles("anim", add=["animator"])
    outs = await sim.advance(until=OPEN)
    assert of(outs, "post", kind="motm-poll") == []
    (notice,) = [o for o in of(outs, "post", channel="animators") if o["kind"].startswith("motm")]
    assert "motm nominate" in notice["text"]
    assert (await sim.command("ben", "motm vote", member="ana"))["error"] == "not_found"
    assert (await sim.command("anim", "motm open"))["error"] == "conflict"
    status = await sim.command("ben", "motm status")
    assert status["data"]["status"] == "nominating" and status["data"]["nominees"] == []

    # The first nomination publishes the ballot; voting starts then.
    reply = await sim.command("ben", "motm nominate", member="ana")
    assert reply["ok"]
    post = ballot_of(sim.last)
    assert options_of(post) == ["ana"] and post["mentions"] == ["ana"]
    assert (await sim.click("ben", select_id(post), ["ana"]))["ok"]


async def test_the_empty_month_without_a_nomination_window_creates_no_poll(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite", config_with(motm={"nomination_days": 0})).open()
    try:
        await community(sim, "ana", "anim")
        await sim.roles("anim", add=["animator"])
        outs = await sim.advance(until=OPEN)
        assert of(outs, "post", kind="motm-poll") == []
        assert [o for o in of(outs, "post", channel="animators") if o["kind"].startswith("motm")]
        assert await rows(sim, "SELECT COUNT(*) FROM poll") == [(0,)]
        assert (await sim.command("anim", "motm open"))["error"] == "conflict"
        assert (await sim.command("ana", "motm status"))["data"] == {"poll_id": None}
        outs = await sim.advance(until="2026-12-09T12:00:00+01:00")
        assert of(outs, "post", kind="motm-result") == []
    finally:
        await sim.close()


async def test_an_empty_poll_closes_quietly_when_its_nomination_window_ends(sim: Sim) -> None:
    await community(sim, "ana", "ben")
    await sim.advance(until=OPEN)
    await sim.advance(until="2026-12-04T09:59:00+01:00")
    assert await rows(sim, "SELECT status FROM poll") == [("nominating",)]
    outs = await sim.advance(until="2026-12-04T10:00:00+01:00")
    assert of(outs, "post", kind="motm-result") == []
    assert await rows(sim, "SELECT status, winner_id FROM poll") == [("closed", None)]
    assert (await sim.command("ben", "motm nominate", member="ana"))["error"] == "conflict"


# Animators: open and close by hand ----------------------------------------------------------------

async def test_animators_open_and_close_by_hand_once_a_month(sim: Sim) -> None:
    await community(sim, "ana", "ben", "anim")
    await sim.roles("anim", add=["animator"])
    await thank(sim, "ana", 2)
    assert (await sim.command("ben", "motm open"))["error"] == "permission_denied"
    opened = await sim.command("anim", "motm open")
    assert opened["ok"] and set(opened["data"]) == {"poll_id"}
    post = ballot_of(sim.last)
    assert select_id(post) == f"motm:vote:{opened['data']['poll_id']}"
    assert (await sim.command("anim", "motm open"))["error"] == "conflict"
    outs = await sim.advance(until=OPEN)  # the job finds this month's poll already open
    assert of(outs, "post", kind="motm-poll") == []

    assert (await sim.command("ben", "motm close"))["error"] == "permission_denied"
    await sim.click("ben", select_id(post), ["ana"])
    closed = await sim.command("anim", "motm close")
    assert closed["ok"] and closed["data"] == {"poll_id": opened["data"]["poll_id"]}
    assert len(of(sim.last, "post", kind="mod-log", channel="mod-log")) == 1
    assert len(of(sim.last, "post", kind="motm-result")) == 1
    outs = await sim.advance(until="2026-12-09T10:00:00+01:00")
    assert of(outs, "post", kind="motm-result") == [] and of(outs, "post", kind="motm-poll") == []
    assert await jobs_repo.has_run(sim.ctx.db.reader, "motm-close:2026-12")
    # Both hand actions are in the audit log and the mod-log channel; the job's runs are not.
    assert await rows(sim, "SELECT action, reason FROM mod_case ORDER BY id") == [
        ("motm-open", "2026-12"), ("motm-close", "2026-12")]


# Restarts ---------------------------------------------------------------------------------------

async def test_open_and_close_happen_once_across_restarts(sim: Sim) -> None:
    await community(sim, "ana", "ben", "cleo")
    await thank(sim, "ana", 2)
    await thank(sim, "ben", 1)
    post = await open_poll(sim)
    assert (await sim.click("cleo", select_id(post), ["ben"]))["ok"]

    await sim.restart(crash=True)
    assert of(sim.startup, "post", kind="motm-poll") == []
    again = await sim.command("cleo", "motm vote", member="ana")
    assert again["ok"] and "ana" in again["text"]  # the earlier vote survived: this is a change
    await sim.advance(until="2026-12-05T12:00:00+01:00")
    await sim.restart()
    outs = await sim.advance(until=CLOSE)
    results = of(outs, "post", kind="motm-result")
    assert len(results) == 1 and results[0]["mentions"] == ["ana"]

    await sim.restart(crash=True)
    outs = sim.startup + await sim.advance(until="2026-12-10T12:00:00+01:00")
    assert of(outs, "post", kind="motm-result") == [] and of(outs, "post", kind="motm-poll") == []
    assert await rows(sim, "SELECT COUNT(*) FROM poll") == [(1,)]


async def test_a_close_missed_while_down_happens_at_start_up(sim: Sim) -> None:
    await community(sim, "ana", "ben", "cleo")
    await thank(sim, "ana", 2)
    post = await open_poll(sim)
    await sim.click("cleo", select_id(post), ["ana"])
    await sim.close()
    await sim.open("2026-12-09T15:00:00+01:00")  # down across the close time
    results = of(sim.startup, "post", kind="motm-result")
    assert len(results) == 1 and results[0]["mentions"] == ["ana"]
    await sim.restart(crash=True)
    assert of(sim.startup, "post", kind="motm-result") == []


# Words ------------------------------------------------------------------------------------------

async def test_english_community_wording(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite", config_with(community={"locale": "en"})).open()
    try:
        await veteran(sim, "ana", locale="en")
        await veteran(sim, "ben", locale="en")
        await thank(sim, "ana", 2)
        post = await open_poll(sim)
        assert "Member of the month" in post["text"] and "motm nominate" in post["text"]
        reply = await sim.click("ben", select_id(post), ["ana"])
        assert reply["text"].startswith("Done: your vote for ana")
        self_vote = await sim.command("ana", "motm vote", member="ana")
        assert "yourself" in self_vote["text"]
        outs = await sim.advance(until=CLOSE)
        assert "Congratulations to @ana, member of the month" in of(outs, "post", kind="motm-result")[0]["text"]
    finally:
        await sim.close()


async def test_french_replies_follow_the_members_locale(sim: Sim) -> None:
    await community(sim, "ana", "ben")
    await thank(sim, "ana", 2)
    post = await open_poll(sim)
    assert "Membre du mois" in post["text"]
    reply = await sim.click("ben", select_id(post), ["ana"])
    assert "votre vote pour ana" in reply["text"]
    await sim.onboard("newbie")
    newbie = await sim.command("newbie", "motm vote", member="ana")
    assert newbie["error"] == "not_eligible" and "7 jours" in newbie["text"]


def test_polls_words_exist_in_both_locales_with_the_same_placeholders() -> None:
    fr, en = load_catalogue("fr"), load_catalogue("en")
    keys = {k for k in fr if k.startswith("polls.")}
    assert keys and keys == {k for k in en if k.startswith("polls.")}
    for key in keys:
        forms_fr = fr[key].values() if isinstance(fr[key], dict) else [fr[key]]
        forms_en = en[key].values() if isinstance(en[key], dict) else [en[key]]
        wanted = set().union(*(placeholders(f) for f in forms_fr))
        assert all(placeholders(f) == wanted for f in [*forms_fr, *forms_en]), key


@pytest.mark.parametrize("user_handle", ["@everyone", "<@&123>"])
async def test_nominee_handles_never_ping(sim: Sim, user_handle: str) -> None:
    await community(sim, "ana", "ben")
    await sim.join("evil", name=user_handle)
    await sim.click("evil", "charter:accept")
    await set_fields(sim, "evil", joined_at=sim.ctx.now_ts() - 90 * 86400)
    await thank(sim, "evil", 3)
    post = await open_poll(sim)
    assert post["mentions"] == ["evil"]
    assert "@everyone" not in post["text"] and "<@&" not in post["text"]
    assert (await sim.command("ana", "motm nominate", member="ben"))["ok"]
    [refreshed] = of(sim.last, "edit", message=post["message"])
    assert user_handle not in refreshed["text"] and "mentions" not in refreshed


async def test_the_ballot_is_one_message_across_three_nominations_and_closes_in_place(sim: Sim) -> None:
    await community(sim, "ana", "ben", "cleo", "dan", "eve")
    await thank(sim, "ana", 2)
    post = await open_poll(sim)
    assert post["message"]
    for nominator, nominee in (("ben", "cleo"), ("cleo", "dan"), ("dan", "eve")):
        assert (await sim.command(nominator, "motm nominate", member=nominee))["ok"]
        assert not of(sim.last, "post", kind="motm-poll")
        [refreshed] = of(sim.last, "edit", message=post["message"])
    assert options_of(refreshed) == ["ana", "cleo", "dan", "eve"]
    await sim.roles("ana", add=["animator"])
    assert (await sim.command("ana", "motm close"))["ok"]
    [closed] = of(sim.last, "edit", message=post["message"])
    assert closed["components"] == [] and "clos" in closed["text"]
    assert of(sim.last, "post", kind="motm-result")


async def test_an_animator_opens_by_hand_after_an_empty_automatic_month_and_recent_thanks_count(sim: Sim) -> None:
    for user in ("anim", "ana", "bea", "cyd"):
        await sim.onboard(user)
    await sim.roles("anim", add=["animator"])
    await sim.advance(by="8d")  # the 1st's automatic poll found no thanks from November and closed empty
    assert (await sim.command("ana", "thanks", member="bea", reason="merci pour le coup de main"))["ok"]
    opened = await sim.command("anim", "motm open")
    assert opened["ok"], opened
    [ballot] = of(sim.last, "post", kind="motm-poll")
    assert [o["value"] for o in ballot["components"][0]["options"]] == ["bea"]
    voted = await sim.command("cyd", "motm vote", member="bea")
    assert voted["ok"] and voted["data"] == {"poll_id": opened["data"]["poll_id"], "voted_for": "bea"}
    again = await sim.command("anim", "motm open")
    assert again["error"] == "conflict"  # a month with a real poll keeps it
    closed = await sim.command("anim", "motm close")
    assert closed["ok"] and of(sim.last, "post", kind="motm-result")
