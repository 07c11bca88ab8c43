"""Member of the month, voting: who may vote, self-votes and unknown polls or nominees refused, a
changed vote counted once, and votes kept secret before and after the close."""
from __future__ import annotations

import base64
import json

from bot.export import build_export
from tests.harness import Sim, of
from tests.poll_steps import CLOSE, community, open_poll, rows, select_id, set_fields, thank

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
