"""COMMANDS.md's refusals say what is true: a date in the past is called past (not unreadable), and a
request's cancel ("requester, animator") does not tell its helper that helpers may cancel."""
from __future__ import annotations

from tests.harness import Sim


async def test_an_event_in_the_past_is_refused_as_past(sim: Sim) -> None:
    await sim.onboard("ana")
    await sim.roles("ana", add=["animator"])
    past = await sim.command("ana", "event new", title="Apéro", when="2020-01-01T10:00:00+01:00")
    assert past["error"] == "invalid_input" and "déjà passé" in past["text"], past
    assert "ne comprends pas" not in past["text"], past
    moved = await sim.command("ana", "event new", title="Apéro", when="2026-12-05T18:00:00+01:00")
    later = await sim.command("ana", "event edit", id=moved["data"]["event_id"], when="2026-11-30T18:00:00+01:00")
    assert later["error"] == "invalid_input" and "déjà passé" in later["text"], later
    unreadable = await sim.command("ana", "event new", title="Apéro", when="bientôt peut-être")
    assert unreadable["error"] == "invalid_input" and "ne comprends pas" in unreadable["text"], unreadable


async def test_the_helper_is_refused_a_cancel_in_words_that_do_not_name_helpers(sim: Sim) -> None:
    await sim.onboard("rita")
    await sim.onboard("hugo", locale="en", skills="jardinage")
    opened = await sim.command("rita", "request new", title="Haie", skills="jardinage")
    assert (await sim.command("hugo", "request claim", id=opened["data"]["request_id"]))["ok"]
    refused = await sim.command("hugo", "request cancel", id=opened["data"]["request_id"])
    assert refused["error"] == "permission_denied", refused
    assert "helper" not in refused["text"] and "person who asked" in refused["text"], refused
    assert (await sim.command("hugo", "request resolve", id=opened["data"]["request_id"]))["ok"]  # resolve: yes


async def test_a_refusal_before_the_options_are_read_is_in_the_caller_s_language(sim: Sim) -> None:
    await sim.onboard("anna", locale="en")
    await sim.roles("anna", add=["animator"])
    kind = await sim.command("anna", "event new", title="E", when="2026-12-20T10:00:00+01:00", kind="party")
    assert kind["error"] == "invalid_input", kind
    assert kind["text"].startswith("That input isn't valid"), kind
    assert "session, deepening, gathering or shift" in kind["text"], kind
    typo = await sim.command("anna", "mod warn", member="anna", raison_d_etre="x")
    assert typo["error"] == "invalid_input" and typo["text"].startswith("That input"), typo
    not_an_object = await sim.send({"type": "command", "user": "anna", "command": "help", "options": [1]})
    [reply] = [o for o in not_an_object if o["type"] == "reply"]
    assert reply["error"] == "invalid_input" and "object" in reply["text"], reply
    await sim.join("bea", locale="en")  # charter not accepted yet
    button = await sim.click("bea", "nope:nope")
    assert button["error"] == "not_found" and button["text"].startswith("Not found"), button
