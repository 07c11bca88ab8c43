"""Member of the month, the close: tie-breaks, the role moving to the new winner, animators opening
and closing by hand, once a month across restarts and downtime."""
from __future__ import annotations

from storage import jobs as jobs_repo
from tests.harness import Sim, of
from tests.poll_steps import CLOSE, OPEN, ballot_of, community, open_poll, options_of, rows, select_id, thank

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


# Animators: open and close by hand --------------------------------------------------------------

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
