"""Stale rights (issue 15, items 5 and 13): a button in an old DM outlives the membership, not the
right to use it; `request resolve thanks:` follows the same rules as `thanks`."""
from __future__ import annotations

from tests.harness import Sim, config_with, of


async def _open_request(sim: Sim) -> int:
    await sim.onboard("alice")
    await sim.onboard("bob", skills="jardinage")
    reply = await sim.command("alice", "request new", title="Tailler la haie", skills="jardinage")
    assert reply["ok"] and reply["data"]["pinged"] == ["bob"], reply
    return reply["data"]["request_id"]


async def test_a_departed_member_cannot_claim_from_an_old_dm(sim: Sim) -> None:
    request_id = await _open_request(sim)
    [ping] = of(sim.last, "dm", kind="helper-ping", user="bob")
    claim = ping["components"][0]["custom_id"]
    assert claim == f"request:claim:{request_id}"
    await sim.send({"type": "leave", "user": "bob"})
    reply = await sim.click("bob", claim)
    assert not reply["ok"] and reply["error"] == "not_eligible", reply
    assert of(sim.last, "dm", user="alice") == []  # the requester is not told help is coming
    listed = await sim.command("alice", "request list", mine=True)
    assert [r["status"] for r in listed["data"]["requests"]] == ["open"]


async def test_an_old_charter_button_neither_grants_the_role_nor_welcomes_someone_who_left(sim: Sim) -> None:
    outs = await sim.join("carl")
    [welcome] = of(outs, "dm", kind="welcome", user="carl")
    assert welcome["components"][0]["custom_id"] == "charter:accept"
    await sim.send({"type": "leave", "user": "carl"})
    reply = await sim.click("carl", "charter:accept")
    assert not reply["ok"] and reply["error"] == "not_eligible", reply
    assert of(sim.last, "role") == [] and of(sim.last, "post") == []
    await sim.join("carl")  # back: the button works again
    assert (await sim.click("carl", "charter:accept"))["ok"]


async def test_resolve_with_thanks_refuses_a_member_who_left(sim: Sim) -> None:
    request_id = await _open_request(sim)
    await sim.onboard("cleo")
    await sim.send({"type": "leave", "user": "cleo"})
    reply = await sim.command("alice", "request resolve", id=request_id, thanks="cleo")
    assert not reply["ok"] and reply["error"] == "not_found", reply
    assert of(sim.last, "post", kind="thanks") == []
    listed = await sim.command("alice", "request list", mine=True)
    assert [r["status"] for r in listed["data"]["requests"]] == ["open"]  # refused: nothing changed


async def test_resolve_with_thanks_counts_against_the_daily_thanks_limit(tmp_path) -> None:  # noqa: ANN001
    config = config_with(requests={"max_thanks_per_day": 1, "max_new_per_day": 10})
    sim = await Sim(tmp_path / "t.sqlite", config=config).open()
    try:
        first = await _open_request(sim)
        second = (await sim.command("alice", "request new", title="Arroser", skills="jardinage"))["data"]["request_id"]
        assert (await sim.command("alice", "thanks", member="bob", reason="merci"))["ok"]
        reply = await sim.command("alice", "request resolve", id=first, thanks="bob")
        assert not reply["ok"] and reply["error"] == "rate_limited", reply
        assert of(sim.last, "post", kind="thanks") == []
        assert (await sim.command("alice", "request resolve", id=second))["ok"]  # without thanks: fine
    finally:
        await sim.close()
