"""Routing a help request: who is pinged, in which order, and that it stays one indexed query at scale."""
from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.services import requests as service
from storage import members as members_repo
from storage import requests as requests_repo
from storage import routing as routing_repo
from tests.harness import Sim, config_with, of


@pytest.fixture
async def wide(tmp_path: Path) -> AsyncIterator[Sim]:
    """A community pinging up to 10 helpers a round, so a filter is the only reason not to be pinged."""
    s = await Sim(tmp_path / "c.sqlite", config_with(requests={"helpers_per_round": 10})).open()
    yield s
    await s.close()


async def ask(sim: Sim, user: str = "req", skills: str = "plomberie", urgent: bool = False,
              title: str = "Fuite") -> dict[str, Any]:
    reply = await sim.command(user, "request new", title=title, details="Sous l'évier", skills=skills,
                              urgent=urgent)
    assert reply["ok"], reply
    return reply["data"]


async def animator(sim: Sim, user: str = "boss") -> None:
    await sim.onboard(user)
    await sim.roles(user, add=["animator"])


async def _left(sim: Sim) -> None:
    await sim.send({"type": "leave", "user": "odd"})


async def _inactive(sim: Sim) -> None:
    await animator(sim)
    assert (await sim.command("boss", "mod status", member="odd", active=False))["ok"]


async def _unavailable(sim: Sim) -> None:
    assert (await sim.command("odd", "profile set", available=False))["ok"]


async def _other_skill(sim: Sim) -> None:
    assert (await sim.command("odd", "profile set", skills="cuisine"))["ok"]


async def _needs_not_offers(sim: Sim) -> None:
    assert (await sim.command("odd", "profile set", skills="cuisine", needs="plomberie"))["ok"]


async def _other_language(sim: Sim) -> None:
    assert (await sim.command("odd", "profile set", languages="en"))["ok"]


async def _quiet_now(sim: Sim) -> None:  # it is 09:00 in Paris
    assert (await sim.command("odd", "profile set", quiet_hours="08-12"))["ok"]


async def _quiet_over_midnight_elsewhere(sim: Sim) -> None:  # 09:00 Paris is 03:00 in New York
    assert (await sim.command("odd", "profile set", timezone="America/New_York", quiet_hours="22-07"))["ok"]


async def _nothing(sim: Sim) -> None:
    return None


FILTERS: list[tuple[str, Callable[[Sim], Awaitable[None]], bool]] = [
    ("no filter: both pinged", _nothing, True),
    ("left the server", _left, False),
    ("marked inactive", _inactive, False),
    ("not available", _unavailable, False),
    ("offers another skill", _other_skill, False),
    ("needs the skill, does not offer it", _needs_not_offers, False),
    ("no shared language", _other_language, False),
    ("in quiet hours", _quiet_now, False),
    ("quiet hours across midnight in their timezone", _quiet_over_midnight_elsewhere, False),
]


@pytest.mark.parametrize("label,make_odd,pinged", FILTERS, ids=[f[0] for f in FILTERS])
async def test_each_candidate_filter_on_its_own(
    wide: Sim, label: str, make_odd: Callable[[Sim], Awaitable[None]], pinged: bool
) -> None:
    await wide.onboard("ctrl", skills="plomberie", languages="fr")
    await wide.onboard("odd", skills="plomberie", languages="fr")
    await wide.onboard("req", languages="fr")
    await make_odd(wide)
    data = await ask(wide)
    expected = ["ctrl", "odd"] if pinged else ["ctrl"]
    assert sorted(data["pinged"]) == expected, label
    assert sorted(o["user"] for o in of(wide.last, "dm", kind="helper-ping")) == expected


async def test_the_requester_is_never_pinged_for_their_own_request(wide: Sim) -> None:
    await wide.onboard("ctrl", skills="plomberie")
    await wide.onboard("req", skills="plomberie")
    assert (await ask(wide))["pinged"] == ["ctrl"]


async def test_members_who_have_not_accepted_the_charter_are_not_pinged(wide: Sim) -> None:
    await wide.onboard("ctrl", skills="plomberie")
    await wide.join("newbie")
    # The charter gates `profile set`; an imported profile still gives skills to someone who has not accepted.
    assert (await wide.command("newbie", "profile set", skills="plomberie"))["error"] == "not_eligible"
    from bot.services import profiles
    from storage import members as members_repo

    newbie = await members_repo.by_platform_id(wide.ctx.db.reader, wide.ctx.guild_id, "newbie")
    await profiles.set_profile(wide.ctx, newbie, {"skills": ["plomberie"]})
    await wide.onboard("req")
    assert (await ask(wide))["pinged"] == ["ctrl"]


async def test_languages_only_matter_when_both_sides_have_some(wide: Sim) -> None:
    await wide.onboard("en_only", skills="plomberie", languages="en")
    await wide.onboard("no_lang", skills="plomberie")
    await wide.onboard("bilingual", skills="plomberie", languages="en, FR")
    await wide.onboard("req", languages="fr")
    await wide.onboard("req2")
    assert sorted((await ask(wide))["pinged"]) == ["bilingual", "no_lang"]
    assert sorted((await ask(wide, "req2"))["pinged"]) == ["bilingual", "en_only", "no_lang"]


async def test_a_member_is_pinged_once_per_request_across_rounds(sim: Sim) -> None:
    for name in ("h1", "h2", "h3", "h4", "h5"):
        await sim.onboard(name, skills="plomberie")
    await sim.onboard("req")
    data = await ask(sim)
    assert data["pinged"] == ["h1", "h2", "h3"]
    outs = await sim.advance(by="12h")
    assert sorted(o["user"] for o in of(outs, "dm", kind="helper-ping")) == ["h4", "h5"]
    async with sim.ctx.db.transaction() as tx:
        pings = await requests_repo.pinged_at(tx, data["request_id"])
    assert Counter(helper for helper, _round, _at in pings).most_common(1)[0][1] == 1
    assert [r for _h, r, _a in pings] == [1, 1, 1, 2, 2]


async def test_the_fatigue_cap_spares_helpers_pinged_too_often(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite", config_with(requests={"fatigue_cap": 2, "fatigue_window_days": 7,
                                                                 "helpers_per_round": 1})).open()
    try:
        await sim.onboard("only", skills="plomberie")
        for name in ("r1", "r2", "r3"):
            await sim.onboard(name)
        assert (await ask(sim, "r1"))["pinged"] == ["only"]
        assert (await ask(sim, "r2"))["pinged"] == ["only"]
        assert (await ask(sim, "r3"))["pinged"] == []  # two pings in 7 days: spared
        await sim.advance(by="7d")
        assert (await ask(sim, "r1", title="Encore"))["pinged"] == ["only"]  # the window has passed
    finally:
        await sim.close()


# Quiet hours -----------------------------------------------------------------------------------

@pytest.mark.parametrize("until,timezone,quiet,urgent,pinged", [
    ("2026-12-01T23:00:00+01:00", None, "22-07", False, False),   # late evening, wrapping window
    ("2026-12-02T06:30:00+01:00", None, "22-07", False, False),   # early morning, same window
    ("2026-12-02T07:00:00+01:00", None, "22-07", False, True),    # the end hour is awake again
    ("2026-12-01T21:59:00+01:00", None, "22-07", False, True),
    ("2026-12-01T23:00:00+01:00", None, "22-07", True, True),     # urgent goes through
    ("2026-12-01T10:00:00+01:00", None, "09-17", False, False),   # a daytime window
    ("2026-12-01T18:00:00+01:00", None, "09-17", False, True),
    ("2026-12-01T10:00:00+01:00", "America/New_York", "22-07", False, False),  # 04:00 there
    ("2026-12-01T15:00:00+01:00", "America/New_York", "22-07", False, True),   # 09:00 there
    ("2026-12-01T23:00:00+01:00", "Asia/Tokyo", "22-07", False, True),         # 07:00 there
    ("2026-12-01T14:30:00+01:00", "Asia/Tokyo", "22-07", False, False),        # 22:30 there
])
async def test_quiet_hours_in_the_helpers_own_timezone(
    sim: Sim, until: str, timezone: str | None, quiet: str, urgent: bool, pinged: bool
) -> None:
    profile: dict[str, Any] = {"skills": "plomberie", "quiet_hours": quiet}
    if timezone:
        profile["timezone"] = timezone
    await sim.onboard("night", **profile)
    await sim.onboard("req")
    await sim.advance(until=until)
    assert (await ask(sim, urgent=urgent))["pinged"] == (["night"] if pinged else [])


async def test_quiet_hours_follow_daylight_saving_time(sim: Sim) -> None:
    """22-07 in Paris: 21:30 UTC is 22:30 in winter (quiet) but 23:30 in summer (quiet too); 05:30 UTC
    is 06:30 in winter (quiet) and 07:30 in summer (awake)."""
    await sim.onboard("night", skills="plomberie", quiet_hours="22-07")
    await sim.onboard("req")
    await sim.advance(until="2026-12-02T05:30:00+00:00")
    assert (await ask(sim))["pinged"] == []
    await sim.restart(start="2027-07-01T05:30:00+00:00")  # months later, without running every hour between
    assert (await ask(sim, title="Été"))["pinged"] == ["night"]


# Ordering and fairness -------------------------------------------------------------------------

async def test_more_of_the_requested_skills_comes_first(sim: Sim) -> None:
    for name in ("a", "b", "c"):
        await sim.onboard(name, skills="plomberie")
    await sim.onboard("both", skills="plomberie, électricité")  # joined last, matches two skills
    await sim.onboard("req")
    assert (await ask(sim, skills="plomberie, electricite"))["pinged"] == ["both", "a", "b"]


async def test_ties_go_to_fewest_recent_pings_then_least_recently_pinged_then_seniority(tmp_path: Path) -> None:
    # fixed round sizes: this is about the order (adaptive sizes: tests/test_routing_rules.py)
    sim = await Sim(tmp_path / "c.sqlite", config_with(requests={"helpers_per_round": 1,
                                                                 "adaptive_rounds": False})).open()
    try:
        for name in ("a", "b", "c"):
            await sim.onboard(name, skills="plomberie")
            await sim.advance(by="1m")
        for name in ("r1", "r2", "r3", "r4", "r5"):
            await sim.onboard(name)
        order = []
        for requester in ("r1", "r2", "r3", "r4"):
            data = await ask(sim, requester)
            order += data["pinged"]
            await sim.advance(by="1m")
            assert (await sim.command(requester, "request cancel", id=data["request_id"]))["ok"]  # no more rounds
        # seniority first (nobody pinged yet), then whoever has fewest pings, then the longest unpinged
        assert order == ["a", "b", "c", "a"]
        # 16 days later every ping is outside the fairness window: the least recently pinged goes first
        await sim.restart(start="2026-12-17T09:00:00+01:00")
        assert (await ask(sim, "r5", title="Plus tard"))["pinged"] == ["b"]
    finally:
        await sim.close()


async def test_load_is_spread_evenly_over_many_requests(tmp_path: Path) -> None:
    sim = await Sim(tmp_path / "c.sqlite", config_with(requests={"fatigue_cap": 50, "adaptive_rounds": False})).open()
    try:
        helpers = [f"h{i}" for i in range(9)]
        for name in helpers:
            await sim.onboard(name, skills="jardinage")
        requesters = [f"r{i}" for i in range(6)]
        for name in requesters:
            await sim.onboard(name)
        counts: Counter[str] = Counter()
        for i in range(12):
            counts.update((await ask(sim, requesters[i % 6], skills="jardinage", title=f"Haie {i}"))["pinged"])
            await sim.advance(by="10m")
            if i % 6 == 5:  # free the requesters' open slots
                for r in requesters:
                    listed = (await sim.command(r, "request list", mine=True))["data"]["requests"]
                    for x in listed:
                        assert (await sim.command(r, "request cancel", id=x["id"]))["ok"]
        assert set(counts) == set(helpers)
        assert max(counts.values()) - min(counts.values()) == 0  # 36 pings over 9 helpers: 4 each
    finally:
        await sim.close()


async def _pings_of_a_fixed_story(path: Path) -> list[list[str]]:
    sim = await Sim(path, config_with(requests={"adaptive_rounds": False})).open()
    try:
        for i in range(7):
            await sim.onboard(f"h{i}", skills="couture" if i % 2 else "couture, tricot")
        for name in ("r1", "r2"):
            await sim.onboard(name)
        story = []
        for i in range(4):
            story.append((await ask(sim, ("r1", "r2")[i % 2], skills="couture, tricot", title=f"Ourlet {i}"))["pinged"])
        return story
    finally:
        await sim.close()


async def test_routing_is_deterministic(tmp_path: Path) -> None:
    first = await _pings_of_a_fixed_story(tmp_path / "one.sqlite")
    again = await _pings_of_a_fixed_story(tmp_path / "two.sqlite")
    assert first == again and all(len(p) == 3 for p in first)


# Scale -----------------------------------------------------------------------------------------

@pytest.mark.sqlite_only  # SQLite's statement trace
async def test_routing_in_a_large_community_is_one_indexed_query(sim: Sim) -> None:
    """20,000 members, 4,000 of them plumbers: routing runs one SELECT, never a scan of `member`."""
    ctx = sim.ctx
    now = ctx.now_ts()
    async with ctx.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO member (guild_id, platform_id, handle, joined_at, charter_accepted_at, languages, "
            "quiet_start, quiet_end, timezone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(ctx.guild_id, f"u{i}", f"u{i}", now - i, now, ("fr", "en", "fr,en", "")[i % 4],
              22 if i % 3 == 0 else None, 7 if i % 3 == 0 else None,
              ("Europe/Paris", "America/New_York", None, "Asia/Tokyo")[i % 4]) for i in range(20_000)],
        )
        await tx.execute("INSERT INTO skill (guild_id, key, display) VALUES (?, 'plomberie', 'Plomberie')",
                         (ctx.guild_id,))
        await tx.execute("INSERT INTO skill (guild_id, key, display) VALUES (?, 'cuisine', 'Cuisine')",
                         (ctx.guild_id,))
        await tx.execute(
            "INSERT INTO member_skill (member_id, skill_id, kind) SELECT m.id, s.id, 'offer' FROM member m "
            "JOIN skill s ON s.key = CASE WHEN m.id % 5 = 0 THEN 'plomberie' ELSE 'cuisine' END"
        )
    await sim.onboard("req", languages="fr")
    statements: list[str] = []
    async with ctx.db.transaction() as tx:
        requester = await members_repo.by_platform_id(tx, ctx.guild_id, "req")
        assert requester is not None
        rid = await requests_repo.insert(tx, ctx.guild_id, requester.id, "Fuite", "", False, now)
        skill_ids = await requests_repo.skill_names(tx, [rid])  # warm-up; no skills yet
        assert skill_ids == {rid: []}
        await tx.execute("INSERT INTO request_skill (request_id, skill_id) SELECT ?, id FROM skill "
                         "WHERE key = 'plomberie'", (rid,))
        request = await requests_repo.by_id(tx, ctx.guild_id, rid)
        assert request is not None
        params = service.route_params(ctx, request, requester)
        await tx.set_trace_callback(statements.append)
        helpers = await routing_repo.route_candidates(tx, params)
        await tx.set_trace_callback(None)
        plan = await routing_repo.explain_route(tx, params)
    assert len(helpers) == params.limit == service.candidates_wanted(ctx)  # an adaptive round then takes its share
    assert all(h.language_list in (["fr"], ["fr", "en"], []) for h in helpers)
    assert len(statements) == 1 and statements[0].lstrip().startswith("WITH")
    member_steps = [step for step in plan if " m " in f" {step} " or "member" in step]
    assert member_steps, plan
    assert not any(step.startswith("SCAN") and ("member " in step + " " or step.endswith(" m")) for step in plan), plan
    assert any("member_skill_by_skill" in step for step in plan), plan
