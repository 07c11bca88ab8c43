"""Help requests as members and animators live them: open, claim, resolve, cancel, close, thanks, escalation."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.commands.registry import Actor
from bot.services import requests as service
from storage import kudos as kudos_repo
from storage import members as members_repo
from storage import requests as requests_repo
from tests.harness import Sim, config_with, of

ZWSP = "\u200b"


async def plumbers(sim: Sim, *names: str, **profile: Any) -> None:
    for name in names:
        await sim.onboard(name, skills="plomberie", **profile)


async def ask(sim: Sim, user: str = "req", **options: Any) -> dict[str, Any]:
    options = {"title": "Fuite sous l'évier", "details": "L'eau coule", "skills": "plomberie", **options}
    return await sim.command(user, "request new", **options)


async def opened(sim: Sim, user: str = "req", **options: Any) -> dict[str, Any]:
    reply = await ask(sim, user, **options)
    assert reply["ok"], reply
    return reply["data"]


async def request_row(sim: Sim, request_id: int) -> requests_repo.Request:
    row = await requests_repo.by_id(sim.ctx.db.reader, sim.ctx.guild_id, request_id)
    assert row is not None
    return row


async def make_animator(sim: Sim, user: str = "boss") -> None:
    await sim.onboard(user)
    await sim.roles(user, add=["animator"])


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
    assert ping["text"].startswith("Hello ann! It's urgent") and ping["components"][0]["label"] == "I'll help"
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
    assert "personne n'offre encore soudure" in reply["text"]
    assert of(sim.last, "post", kind="request")
    [alert] = of(sim.last, "post", kind="escalation")
    assert alert["channel"] == "animators" and "soudure" in alert["text"]
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


# Claim ---------------------------------------------------------------------------------------

async def test_first_claim_wins_the_requester_hears_who_comes_and_the_others_that_it_is_taken(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2", "h3")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    claimed = await sim.click("h2", f"request:claim:{rid}")
    assert claimed["ok"] and claimed["data"] == {"request_id": rid, "helper": "h2"}
    [to_requester] = of(sim.last, "dm", kind="request-update", user="req")
    assert "@h2" in to_requester["text"]
    assert sorted(o["user"] for o in of(sim.last, "dm", kind="request-update") if o["user"] != "req") == ["h1", "h3"]
    again = await sim.command("h1", "request claim", id=rid)
    assert not again["ok"] and again["error"] == "conflict"
    row = await request_row(sim, rid)
    assert row.status == "claimed" and row.claimed_at == sim.ctx.now_ts()


async def test_claiming_your_own_request_is_a_conflict(sim: Sim) -> None:
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    reply = await sim.command("req", "request claim", id=rid)
    assert not reply["ok"] and reply["error"] == "conflict"
    assert (await request_row(sim, rid)).status == "open"


async def test_anyone_may_claim_even_if_not_pinged_and_unknown_ids_are_not_found(sim: Sim) -> None:
    await sim.onboard("req")
    await sim.onboard("kind")
    rid = (await opened(sim, skills="astronomie"))["request_id"]
    assert (await sim.command("kind", "request claim", id=rid))["ok"]
    missing = await sim.command("kind", "request claim", id=rid + 100)
    assert not missing["ok"] and missing["error"] == "not_found"
    bad_button = await sim.click("kind", "request:claim:abc")
    assert not bad_button["ok"] and bad_button["error"] == "not_found"


async def test_two_claims_in_the_same_instant_one_wins(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    engine = sim.engine
    assert engine is not None
    replies = await asyncio.gather(
        engine.click(Actor("h1", "h1"), f"request:claim:{rid}"),
        engine.command(Actor("h2", "h2"), "request claim", {"id": rid}),
    )
    assert sorted((r.ok, r.error) for r in replies) == [(False, "conflict"), (True, None)]
    helpers = await requests_repo.helper_members(sim.ctx.db.reader, rid)
    assert len(helpers) == 1


async def test_max_helpers_lets_several_claim(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite", config_with(requests={"max_helpers": 2})).open()
    try:
        await plumbers(sim, "h1", "h2", "h3")
        await sim.onboard("req")
        rid = (await opened(sim))["request_id"]
        assert (await sim.command("h1", "request claim", id=rid))["ok"]
        assert not of(sim.last, "dm", kind="request-update", user="h3")  # still room: nobody told it is taken
        dup = await sim.command("h1", "request claim", id=rid)
        assert dup["error"] == "conflict"
        assert (await sim.command("h2", "request claim", id=rid))["ok"]
        assert of(sim.last, "dm", kind="request-update", user="h3")
        assert (await sim.command("h3", "request claim", id=rid))["error"] == "conflict"
    finally:
        await sim.close()


# Resolve, cancel, close ------------------------------------------------------------------------

async def test_resolving_with_thanks_posts_kudos_and_counts_as_help_given(sim: Sim) -> None:
    await plumbers(sim, "h1")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    assert (await sim.command("h1", "request claim", id=rid))["ok"]
    await sim.advance(by="3h")
    done = await sim.command("req", "request resolve", id=rid, thanks="h1")
    assert done["ok"] and done["data"] == {"request_id": rid, "status": "resolved"}
    [thanks] = of(sim.last, "post", kind="thanks")
    assert thanks["channel"] == "general" and thanks["mentions"] == ["h1"]
    row = await request_row(sim, rid)
    assert row.status == "resolved" and row.resolved_at == sim.ctx.now_ts() and row.claimed_at < row.resolved_at
    kudos = await kudos_repo.for_request(sim.ctx.db.reader, rid)
    assert len(kudos) == 1
    assert (await sim.command("h1", "profile show"))["data"]["helped"] == 1
    again = await sim.command("req", "request resolve", id=rid)
    assert not again["ok"] and again["error"] == "conflict"


async def test_the_helper_or_an_animator_may_resolve_others_may_not(sim: Sim) -> None:
    await plumbers(sim, "h1")
    await sim.onboard("req")
    await sim.onboard("nosy")
    await make_animator(sim)
    first = (await opened(sim, title="Un"))["request_id"]
    second = (await opened(sim, title="Deux"))["request_id"]
    denied = await sim.command("nosy", "request resolve", id=first)
    assert not denied["ok"] and denied["error"] == "permission_denied"
    assert (await sim.command("h1", "request claim", id=first))["ok"]
    assert (await sim.command("h1", "request resolve", id=first))["ok"]
    assert (await sim.command("boss", "request resolve", id=second))["ok"]
    assert not of(sim.last, "post", kind="thanks")
    missing = await sim.command("req", "request resolve", id=999)
    assert missing["error"] == "not_found"


async def test_thanking_yourself_on_resolve_is_a_conflict_and_changes_nothing(sim: Sim) -> None:
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    reply = await sim.command("req", "request resolve", id=rid, thanks="req")
    assert reply["error"] == "conflict"
    assert (await request_row(sim, rid)).status == "open"


async def test_thanks_to_someone_who_helped_without_claiming_counts_for_them(sim: Sim) -> None:
    await sim.onboard("req")
    await sim.onboard("neighbour")
    rid = (await opened(sim, skills="bricolage"))["request_id"]
    assert (await sim.command("req", "request resolve", id=rid, thanks="neighbour"))["ok"]
    assert (await sim.command("neighbour", "profile show"))["data"]["helped"] == 1


async def test_cancel_tells_the_pinged_helpers(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2")
    await sim.onboard("req")
    await sim.onboard("nosy")
    rid = (await opened(sim))["request_id"]
    denied = await sim.command("nosy", "request cancel", id=rid)
    assert denied["error"] == "permission_denied"
    reply = await sim.command("req", "request cancel", id=rid)
    assert reply["ok"] and reply["data"] == {"request_id": rid, "status": "cancelled"}
    assert sorted(o["user"] for o in of(sim.last, "dm", kind="request-update")) == ["h1", "h2"]
    again = await sim.command("req", "request cancel", id=rid)
    assert again["error"] == "conflict"
    assert (await sim.command("req", "request resolve", id=rid))["error"] == "conflict"
    assert (await sim.command("h1", "request claim", id=rid))["error"] == "conflict"


async def test_an_animator_may_cancel_any_request(sim: Sim) -> None:
    await sim.onboard("req")
    await make_animator(sim)
    rid = (await opened(sim))["request_id"]
    assert (await sim.command("boss", "request cancel", id=rid))["ok"]


async def test_mod_close_request_is_for_animators_and_audited(sim: Sim) -> None:
    await plumbers(sim, "h1")
    await sim.onboard("req")
    await make_animator(sim)
    rid = (await opened(sim, title="Achetez mes montres"))["request_id"]
    refused = await sim.command("req", "mod close-request", id=rid, reason="spam")
    assert not refused["ok"] and refused["error"] == "permission_denied"
    reply = await sim.command("boss", "mod close-request", id=rid, reason="spam @everyone")
    assert reply["ok"] and reply["data"] == {"request_id": rid, "status": "closed"}
    [log] = of(sim.last, "post", kind="mod-log")
    assert "demande fermée" in log["text"] and "close-request" not in log["text"] and "@everyone" not in log["text"]
    assert of(sim.last, "dm", kind="request-update", user="req")
    assert of(sim.last, "dm", kind="request-update", user="h1")
    history = await sim.command("boss", "mod history", member="req")
    assert [c["action"] for c in history["data"]["cases"]] == ["close-request"]
    assert (await sim.command("boss", "mod close-request", id=rid, reason="encore"))["error"] == "conflict"
    assert (await sim.command("boss", "mod close-request", id=rid + 9, reason="?"))["error"] == "not_found"


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


# Thanks --------------------------------------------------------------------------------------

async def test_public_thanks_are_posted_with_the_reason_neutralized(sim: Sim) -> None:
    await sim.onboard("ann")
    await sim.onboard("bob")
    reply = await sim.command("ann", "thanks", member="@bob", reason="pour la soupe @everyone")
    assert reply["ok"] and isinstance(reply["data"]["kudos_id"], int)
    [post] = of(sim.last, "post", kind="thanks")
    assert post["channel"] == "general" and post["mentions"] == ["bob"] and "@bob" in post["text"]
    assert "@everyone" not in post["text"]
    bob = await members_repo.by_platform_id(sim.ctx.db.reader, sim.ctx.guild_id, "bob")
    assert bob is not None and await kudos_repo.count_received(sim.ctx.db.reader, bob.id) == 1


async def test_thanks_refusals(sim: Sim) -> None:
    await sim.onboard("ann")
    await sim.onboard("bob")
    assert (await sim.command("ann", "thanks", member="ann"))["error"] == "conflict"
    assert (await sim.command("ann", "thanks", member="ghost"))["error"] == "not_found"
    assert (await sim.command("ann", "thanks"))["error"] == "invalid_input"
    for _ in range(10):
        assert (await sim.command("ann", "thanks", member="bob"))["ok"]
    eleventh = await sim.command("ann", "thanks", member="bob")
    assert eleventh["error"] == "rate_limited" and not of(sim.last, "post")
    await sim.advance(by="24h")
    assert (await sim.command("ann", "thanks", member="bob"))["ok"]


# Escalation ----------------------------------------------------------------------------------

async def test_unclaimed_requests_get_a_second_round_then_the_animators(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2", "h3", "h4", "h5")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    outs = await sim.advance(by="11h")
    assert not of(outs, "dm", kind="helper-ping")
    outs = await sim.advance(by="1h")
    assert [o["user"] for o in of(outs, "dm", kind="helper-ping")] == ["h4", "h5"]
    assert not of(outs, "post", kind="escalation")
    outs = await sim.advance(by="12h")
    [alert] = of(outs, "post", kind="escalation")
    assert alert["channel"] == "animators" and f"n°{rid}" in alert["text"]
    [told] = of(outs, "dm", kind="request-update", user="req")
    assert "n'est pas oubliée" in told["text"]
    outs = await sim.advance(by="3d")
    assert not of(outs, "post", kind="escalation") and not of(outs, "dm", kind="helper-ping")
    row = await request_row(sim, rid)
    assert row.rounds == 2 and row.escalated_at is not None


async def test_urgent_requests_move_on_after_two_hours(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2", "h3", "h4")
    await sim.onboard("req")
    await opened(sim, urgent=True)
    outs = await sim.advance(by="2h")
    assert [o["user"] for o in of(outs, "dm", kind="helper-ping")] == ["h4"]
    outs = await sim.advance(by="2h")
    assert of(outs, "post", kind="escalation")


async def test_a_claimed_request_is_not_escalated_but_followed_up_once_after_a_week(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2", "h3", "h4")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    assert (await sim.command("h1", "request claim", id=rid))["ok"]
    outs = await sim.advance(by="6d")
    assert not of(outs, "dm", kind="helper-ping") and not of(outs, "post", kind="escalation")
    assert not of(outs, "dm", kind="request-update")
    outs = await sim.advance(by="1d")
    updates = of(outs, "dm", kind="request-update")
    assert sorted(o["user"] for o in updates) == ["h1", "req"]
    assert all(o["components"][0]["custom_id"] == f"request:resolve:{rid}" for o in updates)
    outs = await sim.advance(by="8d")
    assert not of(outs, "dm", kind="request-update")
    reply = await sim.click("req", f"request:resolve:{rid}")
    assert reply["ok"] and reply["data"]["status"] == "resolved"


async def test_a_request_nobody_could_take_is_retried_but_escalated_only_once(sim: Sim) -> None:
    await sim.onboard("req")
    rid = (await opened(sim, skills="soudure"))["request_id"]
    assert of(sim.last, "post", kind="escalation")
    await sim.onboard("welder", skills="soudure")  # joins a few minutes later
    outs = await sim.advance(by="12h")
    assert [o["user"] for o in of(outs, "dm", kind="helper-ping")] == ["welder"]
    outs = await sim.advance(by="2d")
    assert not of(outs, "post", kind="escalation")
    assert (await request_row(sim, rid)).first_ping_at is not None


async def test_the_escalation_job_runs_once_per_hour_even_after_a_restart(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2", "h3", "h4")
    await sim.onboard("req")
    await opened(sim)
    outs = await sim.advance(until="2026-12-01T21:00:00+01:00")
    assert len(of(outs, "dm", kind="helper-ping")) == 1
    await sim.restart(crash=True)
    assert not of(sim.startup, "dm", kind="helper-ping")
    assert len(await requests_repo.pinged_at(sim.ctx.db.reader, 1)) == 4


# Members leaving -----------------------------------------------------------------------------

async def test_a_leaving_requester_cancels_their_requests(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    outs = await sim.send({"type": "leave", "user": "req"})
    assert (await request_row(sim, rid)).status == "cancelled"
    outs = outs + await sim.advance(by="1m")
    assert sorted(o["user"] for o in of(outs, "dm", kind="request-update")) == ["h1", "h2"]


async def test_a_leaving_helper_reopens_the_request_and_routes_it_again(sim: Sim) -> None:
    await plumbers(sim, "h1", "h2", "h3", "h4")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    assert (await sim.command("h2", "request claim", id=rid))["ok"]
    outs = await sim.send({"type": "leave", "user": "h2"})
    outs = outs + await sim.advance(by="1m")
    row = await request_row(sim, rid)
    assert row.status == "open" and await requests_repo.helper_members(sim.ctx.db.reader, rid) == []
    assert of(outs, "dm", kind="request-update", user="req")
    assert [o["user"] for o in of(outs, "dm", kind="helper-ping")] == ["h4"]
    assert (await sim.command("h1", "request claim", id=rid))["ok"]


async def test_on_member_left_works_in_the_callers_transaction(sim: Sim) -> None:
    """The hook other areas call: nothing happens until their transaction commits."""
    await plumbers(sim, "h1")
    await sim.onboard("req")
    rid = (await opened(sim))["request_id"]
    req = await members_repo.by_platform_id(sim.ctx.db.reader, sim.ctx.guild_id, "req")
    assert req is not None
    with pytest.raises(RuntimeError):
        async with sim.ctx.db.transaction() as tx:
            await service.on_member_left(tx, sim.ctx, req)
            raise RuntimeError("the caller fails")
    assert (await request_row(sim, rid)).status == "open"


async def test_a_backlog_of_due_requests_is_worked_through_in_batches(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from bot.services import requests as requests_service

    monkeypatch.setattr(requests_service, "ESCALATION_BATCH", 2)
    # no community night: the 22:00 run may ping (the night rule: tests/test_routing_rules.py)
    sim = await Sim(tmp_path / "c.sqlite", config_with(requests={"night_start": 0, "night_end": 0})).open()
    try:
        await _backlog_in_batches(sim)
    finally:
        await sim.close()


async def _backlog_in_batches(sim: Sim) -> None:
    from bot.services import requests as requests_service

    monkeypatch_batch = requests_service.ESCALATION_BATCH
    assert monkeypatch_batch == 2
    await plumbers(sim, "h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9", "h10", "h11", "h12")
    await sim.onboard("req")
    await sim.onboard("req2")
    for n in range(3):
        assert (await ask(sim, "req" if n < 2 else "req2", title=f"Fuite {n}"))["ok"]
    outs = await sim.advance(until="2026-12-01T21:30:00+01:00")  # 12 h later: all three due at 21:00
    second_round = {o["user"] for o in of(outs, "dm", kind="helper-ping")}
    assert second_round, "the first batch was routed at 21:00"
    rounds = [r[0] for r in await sim.ctx.db.fetchall("SELECT rounds FROM request ORDER BY id")]
    assert rounds == [2, 2, 1]  # two this hour, the third at the next run
    await sim.advance(until="2026-12-01T22:30:00+01:00")
    rounds = [r[0] for r in await sim.ctx.db.fetchall("SELECT rounds FROM request ORDER BY id")]
    assert rounds == [2, 2, 2]
