"""Request posts that live (issue 17): the post, the escalation and the helpers' DMs are edited as the
request moves; the thread has a descriptive name and is archived at the end; nothing is posted anew."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.services.request_posts import short_name
from tests.harness import Sim, config_with, of


async def plumbers(sim: Sim, *names: str) -> None:
    for name in names:
        await sim.onboard(name, skills="plomberie")


async def opened(sim: Sim, title: str = "Fuite sous l'évier") -> tuple[int, list[dict[str, Any]]]:
    reply = await sim.command("req", "request new", title=title, details="L'eau coule", skills="plomberie")
    assert reply["ok"], reply
    return reply["data"]["request_id"], sim.last


async def test_a_claim_edits_the_post_and_the_other_helpers_dms(sim: Sim) -> None:
    await plumbers(sim, "ana", "bob")
    await sim.onboard("req")
    request_id, outs = await opened(sim)
    [post] = of(outs, "post", kind="request")
    assert post["message"].startswith("m") and post["thread"] == f"request-{request_id}"
    assert post["thread_name"] == f"#{request_id} · Fuite sous l'évier"
    pings = {d["user"]: d for d in of(outs, "dm", kind="helper-ping")}
    assert set(pings) == {"ana", "bob"} and all(d.get("message") for d in pings.values())

    reply = await sim.click("ana", f"request:claim:{request_id}")
    assert reply["ok"], reply
    edits = of(sim.last, "edit")
    [post_edit] = [e for e in edits if e["message"] == post["message"]]
    assert post_edit["channel"] == "help-requests" and post_edit["kind"] == "request"
    assert post_edit["text"].startswith(post["text"]) and "Prise en charge par ana" in post_edit["text"]
    assert post_edit["components"] == [{**post["components"][0], "disabled": True}]
    [bob_edit] = [e for e in edits if e["message"] == pings["bob"]["message"]]
    assert bob_edit["user"] == "bob" and bob_edit["components"][0]["disabled"] is True
    [ana_edit] = [e for e in edits if e["message"] == pings["ana"]["message"]]
    assert ana_edit["components"] == [] and "Vous vous en occupez" in ana_edit["text"]
    assert not of(sim.last, "post", kind="request")  # edited, never posted again

    reply = await sim.command("req", "request resolve", id=request_id)
    assert reply["ok"], reply
    [done] = [e for e in of(sim.last, "edit") if e["message"] == post["message"]]
    assert "Résolue" in done["text"] and done["components"] == []
    [thread] = of(sim.last, "thread")
    assert thread == {**thread, "channel": "help-requests", "thread": f"request-{request_id}", "archived": True,
                      "resolved": True}


async def test_cancel_and_close_edit_and_archive_too(sim: Sim) -> None:
    await plumbers(sim, "ana")
    await sim.onboard("req")
    await sim.onboard("mod")
    await sim.roles("mod", add=["animator"])
    first, outs = await opened(sim)
    [post] = of(outs, "post", kind="request")
    assert (await sim.command("req", "request cancel", id=first))["ok"]
    [edit] = [e for e in of(sim.last, "edit") if e["message"] == post["message"]]
    assert "Annulée" in edit["text"] and edit["components"] == []
    [ping_edit] = [e for e in of(sim.last, "edit") if e.get("user") == "ana"]
    assert "Annulée" in ping_edit["text"]
    assert of(sim.last, "thread")[0]["archived"] is True and "resolved" not in of(sim.last, "thread")[0]

    second, outs = await opened(sim, "Robinet")
    [post] = of(outs, "post", kind="request")
    assert (await sim.command("mod", "mod close-request", id=second, reason="doublon"))["ok"]
    [edit] = [e for e in of(sim.last, "edit") if e["message"] == post["message"]]
    assert "Fermée" in edit["text"] and edit["components"] == []


async def test_with_room_for_two_helpers_the_button_stays_live_after_one_claim(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "two.sqlite", config_with(requests={"max_helpers": 2})).open()
    try:
        await plumbers(sim, "ana", "bob")
        await sim.onboard("req")
        request_id, outs = await opened(sim)
        [post] = of(outs, "post", kind="request")
        assert (await sim.click("ana", f"request:claim:{request_id}"))["ok"]
        [edit] = [e for e in of(sim.last, "edit") if e["message"] == post["message"]]
        assert "disabled" not in edit["components"][0]
        assert (await sim.click("bob", f"request:claim:{request_id}"))["ok"]
        [edit] = [e for e in of(sim.last, "edit") if e["message"] == post["message"]]
        assert edit["components"][0]["disabled"] is True and "ana, bob" in edit["text"]
    finally:
        await sim.close()


async def test_a_restart_between_the_post_and_its_edit_loses_and_repeats_nothing(sim: Sim) -> None:
    await plumbers(sim, "ana")
    await sim.onboard("req")
    request_id, outs = await opened(sim)
    [post] = of(outs, "post", kind="request")
    async with sim.ctx.db.transaction() as tx:  # the claim commits; the process dies before delivering
        from bot.services.request_posts import request_changed
        from storage import requests as requests_repo

        member = await tx.execute("SELECT id FROM member WHERE platform_id = 'ana'")
        ana_id = (await member.fetchone())[0]
        await requests_repo.claim(tx, request_id, ana_id, sim.ctx.now_ts(), 1)
        await request_changed(tx, sim.ctx, request_id)
    await sim.restart(crash=True)
    edits = of(sim.startup, "edit")
    assert [e["message"] for e in edits].count(post["message"]) == 1
    assert not of(sim.startup, "post", kind="request")
    await sim.advance("1h")
    assert not of(sim.last, "edit")


def test_thread_names_are_cut_between_characters_as_members_see_them() -> None:
    assert short_name("#3 · Fuite\nsous\tl'évier") == "#3 · Fuite sous l'évier"
    family = "👩\u200d👩\u200d👧\u200d👦"
    assert short_name("#4 · " + "a" * 90 + family * 3) == "#4 · " + "a" * 90 + "…"  # never half a family
    assert short_name("#5 · " + "e" * 93 + "e\u0301" * 3) == "#5 · " + "e" * 93 + "…"  # never an e without its accent
    assert short_name("#6 · " + "🌊" * 60) == "#6 · " + "🌊" * 47 + "…"  # 100 units as Discord counts the strictest
    assert len(short_name("x" * 500)) == 100


async def test_in_a_network_each_community_edits_its_own_request_post(tmp_path: Path) -> None:
    """Outbox keys are the community's (ctx.key): the second community's post is found and edited too."""
    from tests.test_network import network_config

    sim = await Sim(tmp_path / "net.sqlite", network_config()).open()
    try:
        for user, skills in (("ana", "plomberie"), ("req", None)):
            for event in ({"type": "join", "user": user, "community": "ours"},
                          {"type": "click", "user": user, "custom_id": "charter:accept", "community": "ours"}):
                await sim.send(event)
            if skills:
                await sim.send({"type": "command", "user": user, "command": "profile set",
                                "options": {"skills": skills}, "community": "ours"})
        outs = await sim.send({"type": "command", "user": "req", "command": "request new", "community": "ours",
                               "options": {"title": "Leak", "details": "Water", "skills": "plomberie"}})
        [post] = of(outs, "post", kind="request")
        request_id = of(outs, "reply")[0]["data"]["request_id"]
        outs = await sim.send({"type": "click", "user": "ana", "custom_id": f"request:claim:{request_id}",
                               "community": "ours"})
        [edit] = of(outs, "edit", message=post["message"])
        assert edit["community"] == "ours" and "Taken on by ana" in edit["text"]
    finally:
        await sim.close()
