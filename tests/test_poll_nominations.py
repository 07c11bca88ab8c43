"""Member of the month, nominations: last month's most thanked on the 1st, members nominating during
the first days on one ballot edited in place, the refusals and the daily limit, the empty month."""
from __future__ import annotations

from pathlib import Path

from storage import jobs as jobs_repo
from tests.harness import Sim, config_with, of
from tests.poll_steps import (
    OPEN,
    ballot_of,
    community,
    member_id,
    open_poll,
    options_of,
    rows,
    select_id,
    set_fields,
    thank,
)

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
