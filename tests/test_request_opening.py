"""Help requests opened, as members live it: the post in its thread, the best helpers pinged in their
language (or mentioned when their DMs are closed), nobody matching said honestly, bad input refused,
the limits on open and new requests, and the list of requests."""
from __future__ import annotations

from typing import Any

import pytest

from tests.harness import Sim, of
from tests.request_steps import ask, opened, plumbers, request_row

ZWSP = "\u200b"


# Opening -------------------------------------------------------------------------------------

async def test_a_request_is_posted_in_its_thread_and_the_best_helpers_get_a_claim_button(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2", "h3", "h4")
    await sim.onboard("req")
    reply = await ask(sim, title="Fuite @everyone <@&123>", details="Venez vite @here")
    assert reply["ok"] and reply["data"]["pinged"] == ["h1", "h2", "h3"]
    rid = reply["data"]["request_id"]
    [posted] = of(sim.last, "post", kind="request")
    assert posted["channel"] == "help-requests" and posted["thread"] == f"request-{rid}"
    assert posted["mentions"] == [] and "@everyone" not in posted["text"] and f"@{ZWSP}everyone" in posted["text"]
    assert "@here" not in posted["text"]
    assert {"custom_id": f"request:claim:{rid}", "label": "Je m'en occupe"} in posted["components"]
    pings = of(sim.last, "dm", kind="helper-ping")
    assert [p["user"] for p in pings] == ["h1", "h2", "h3"]
    assert all(any(c["custom_id"] == f"request:claim:{rid}" for c in p["components"]) for p in pings)
    assert all("@everyone" not in p["text"] for p in pings)
    row = await request_row(sim, rid)
    assert (row.status, row.rounds, row.first_ping_at, row.created_at) == ("open", 1, row.created_at, sim.ctx.now_ts())


async def test_helper_pings_speak_the_helpers_language(sim: Sim) -> None:
    await sim.onboard("ann", locale="en", skills="plomberie")
    await sim.onboard("req")
    await opened(sim, urgent=True)
    [ping] = of(sim.last, "dm", kind="helper-ping")
    assert ping["text"].startswith("Hello ann! It's urgent") and ping["components"][0]["label"] == "I'll take it"
    assert "Demande urgente" in of(sim.last, "post", kind="request")[0]["text"]


async def test_a_closed_dm_becomes_a_mention_in_the_requests_thread(sim: Sim) -> None:
    await sim.join("shy", dms_closed=True)
    assert (await sim.click("shy", "charter:accept"))["ok"]
    assert (await sim.command("shy", "profile set", skills="plomberie"))["ok"]
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    [fallback] = [o for o in of(sim.last, "post", kind="helper-ping")]
    assert fallback["channel"] == "help-requests" and fallback["thread"] == f"request-{rid}"
    assert fallback["mentions"] == ["shy"] and fallback["text"].startswith("@shy ")


async def test_nobody_offering_the_skill_is_said_honestly_and_escalated(sim: Sim) -> None:
    await plumbers(sim, "h1")
    await sim.onboard("req")
    reply = await ask(sim, skills="Soudure")
    assert reply["ok"] and reply["data"]["pinged"] == []
    # the glossary's word, as the profile (« Propose : ») and the directory (« Qui propose ») say it
    assert "personne ne propose encore soudure ici" in reply["text"]
    assert of(sim.last, "post", kind="request")
    [alert] = of(sim.last, "post", kind="escalation")
    assert alert["channel"] == "animators" and "Personne ne propose encore soudure" in alert["text"]
    # the unmet skill now exists in the catalogue, offered by nobody (vitality counts it)
    skills = {s["skill"]: s for s in (await sim.command("req", "skills"))["data"]["skills"]}
    assert "soudure" in skills and skills["soudure"]["offered"] == 0


async def test_in_english_nobody_matching_is_said_in_english(sim: Sim) -> None:
    await sim.onboard("req", locale="en")
    reply = await ask(sim, skills="welding")
    assert "nobody here offers welding yet" in reply["text"]


@pytest.mark.parametrize("options,error", [
    ({"title": "x" * 101}, "invalid_input"),
    ({"title": ""}, "invalid_input"),
    ({"details": "y" * 1001}, "invalid_input"),
    ({"skills": ""}, "invalid_input"),
    ({"skills": "a, b, c, d, e, f"}, "invalid_input"),
    ({"urgent": "peut-être"}, "invalid_input"),
])
async def test_bad_input_is_refused_and_changes_nothing(sim: Sim, options: dict[str, Any], error: str) -> None:
    await sim.onboard("req")
    reply = await ask(sim, **options)
    assert not reply["ok"] and reply["error"] == error
    assert not of(sim.last, "post") and not of(sim.last, "dm")
    assert (await sim.command("req", "request list", mine=True))["data"]["requests"] == []


async def test_five_skills_and_exact_lengths_are_accepted(sim: Sim) -> None:
    await sim.onboard("req")
    reply = await ask(sim, title="x" * 100, details="y" * 1000, skills="a, b, c, d, E, é")  # e and é are one
    assert reply["ok"], reply


async def test_at_most_three_open_requests_per_member(sim: Sim) -> None:
    await sim.onboard("req")
    ids = [(await opened(sim, title=f"n°{i}"))["request_id"] for i in range(3)]
    fourth = await ask(sim, title="Une de trop")
    assert not fourth["ok"] and fourth["error"] == "rate_limited" and "3" in fourth["text"]
    assert (await sim.command("req", "request cancel", id=ids[0]))["ok"]
    assert (await ask(sim, title="Maintenant oui"))["ok"]


async def test_at_most_five_new_requests_a_day(sim: Sim) -> None:
    await sim.onboard("req")
    for i in range(5):
        rid = (await opened(sim, title=f"n°{i}"))["request_id"]
        assert (await sim.command("req", "request cancel", id=rid))["ok"]
    sixth = await ask(sim, title="Une de trop")
    assert not sixth["ok"] and sixth["error"] == "rate_limited"
    await sim.advance(by="24h")
    assert (await ask(sim, title="Le lendemain"))["ok"]


# Listing -------------------------------------------------------------------------------------

async def test_request_list_shows_open_and_claimed_by_skill_or_mine(sim: Sim) -> None:
    await plumbers(sim, "h1")
    await sim.onboard("req")
    await sim.onboard("other")
    leak = (await opened(sim, title="Fuite"))["request_id"]
    garden = (await opened(sim, title="Haie", skills="Jardinage"))["request_id"]
    done = (await opened(sim, "other", title="Déjà fait"))["request_id"]
    assert (await sim.command("other", "request resolve", id=done))["ok"]
    assert (await sim.command("h1", "request claim", id=leak))["ok"]
    listed = (await sim.command("h1", "request list"))["data"]["requests"]
    assert [(x["id"], x["status"]) for x in listed] == [(garden, "open"), (leak, "claimed")]
    assert listed[0] == {"id": garden, "title": "Haie", "status": "open", "skills": ["jardinage"]}
    by_skill = (await sim.command("h1", "request list", skill="JARDINAGE"))["data"]["requests"]
    assert [x["id"] for x in by_skill] == [garden]
    assert (await sim.command("h1", "request list", skill="licorne"))["data"]["requests"] == []
    assert (await sim.command("other", "request list", mine=True))["data"]["requests"] == []
    assert len((await sim.command("req", "request list", mine=True))["data"]["requests"]) == 2
