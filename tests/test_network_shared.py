"""Network profile, network directory and help across the network (issue 22), on one database with
three communities (tests/network_places.py)."""
from __future__ import annotations

import random

from bot.config import parse_config
from bot.services import network_requests
from storage import network_routing as network_routing_repo
from tests.harness import Sim
from tests.network_places import click, command, messages, network, onboard, place


async def three(sim: Sim, **settings):  # noqa: ANN003, ANN201 - (lilas, pantin, montreuil)
    pantin, montreuil = place(sim, "pantin", "Pantin"), place(sim, "montreuil", "Montreuil")
    network(sim, pantin, montreuil, **settings)
    return sim.ctx, pantin, montreuil


async def test_a_shared_profile_is_found_from_another_place_and_nobody_else_is(sim: Sim) -> None:
    lilas, pantin, montreuil = await three(sim)
    await onboard(pantin, "zoe", skills="plomberie", network=True)
    await onboard(montreuil, "yann", skills="plomberie")  # not opted in
    await onboard(pantin, "xavier", skills="plomberie", network=True, visible=False)  # hidden profile
    await onboard(lilas, "alice")
    reply = await command(lilas, "alice", "directory", skill="Plomberie", network=True)
    assert reply["ok"], reply
    assert reply["data"]["members"] == ["zoe"]
    assert reply["data"]["network"] == [{"member": "zoe", "community": "pantin", "communities": ["Pantin"]}]
    assert "Pantin" in reply["text"] and "yann" not in reply["text"] and "xavier" not in reply["text"]
    local = await command(lilas, "alice", "directory", skill="plomberie")
    assert local["data"]["members"] == []  # without `network`, the caller's community only
    await command(pantin, "zoe", "profile set", network=False)
    assert (await command(lilas, "alice", "directory", skill="plomberie", network=True))["data"]["members"] == []


async def test_a_member_in_two_places_lists_both(sim: Sim) -> None:
    lilas, pantin, montreuil = await three(sim)
    await onboard(pantin, "zoe", skills="vélo", network=True)
    await onboard(montreuil, "zoe")
    await onboard(lilas, "alice")
    reply = await command(lilas, "alice", "directory", skill="vélo", network=True)
    assert reply["data"]["network"] == [
        {"member": "zoe", "community": "pantin", "communities": ["Pantin", "Montreuil"]}]


async def test_an_unmet_need_widened_is_claimed_across_communities_with_both_introduced(sim: Sim) -> None:
    lilas, pantin, montreuil = await three(sim)
    await onboard(pantin, "zoe", skills="plomberie", network=True)
    await onboard(montreuil, "yann", skills="plomberie")  # not opted in: never asked, never named
    await onboard(lilas, "alice")
    opened = await command(lilas, "alice", "request new", title="Fuite sous l'évier", skills="plomberie")
    rid = opened["data"]["request_id"]
    assert opened["data"]["pinged"] == []
    widened = await command(lilas, "alice", "request widen", id=rid)
    assert widened["ok"], widened
    assert widened["data"] == {"request_id": rid, "pinged": ["zoe"]}
    pings = await messages(pantin, "helper-ping")
    assert [p["target"] for p in pings] == ["dm:zoe"]
    assert "Les Lilas" in pings[0]["text"] and "alice" in pings[0]["text"]  # the requester widened it: named
    assert await messages(montreuil, "helper-ping") == []
    assert not (await command(montreuil, "yann", "request claim", id=rid))["ok"]  # not shared: cannot take it
    claimed = await click(pantin, "zoe", f"request:claim:{rid}")
    assert claimed["ok"], claimed
    to_alice = [m for m in await messages(lilas, "request-update") if m["target"] == "dm:alice"]
    to_zoe = [m for m in await messages(pantin, "request-update") if m["target"] == "dm:zoe"]
    assert len(to_alice) == 1 and "Bonne nouvelle : zoe, de la communauté Pantin" in to_alice[0]["text"]
    assert len(to_zoe) == 1 and "Vous aidez alice, de la communauté Les Lilas" in to_zoe[0]["text"]
    assert "<@" not in to_alice[0]["text"] + to_zoe[0]["text"]  # console places: names, not mentions
    elsewhere = [m["text"] for c in (lilas, pantin) for m in await messages(c)]
    assert not any("yann" in text for text in elsewhere)
    again = await command(montreuil, "yann", "request claim", id=rid)
    assert not again["ok"]
    assert not (await command(montreuil, "yann", "request resolve", id=rid))["ok"]  # not its helper
    resolved = await command(pantin, "zoe", "request resolve", id=rid)  # the helper, from their own community
    assert resolved["ok"] and resolved["data"]["status"] == "resolved", resolved


async def test_a_widened_request_is_listed_where_it_was_offered_with_its_community(sim: Sim) -> None:
    lilas, pantin, montreuil = await three(sim)
    await onboard(pantin, "zoe", skills="plomberie", network=True)
    await onboard(montreuil, "yann", skills="plomberie")  # not opted in: not offered it, cannot take it
    await onboard(lilas, "alice")
    await onboard(lilas, "bea")
    rid = (await command(lilas, "alice", "request new", title="Fuite", skills="plomberie"))["data"]["request_id"]
    kept = (await command(lilas, "bea", "request new", title="Étagère", skills="plomberie"))["data"]["request_id"]
    assert (await command(pantin, "zoe", "request list"))["data"]["requests"] == []  # not widened yet
    assert (await command(lilas, "alice", "request widen", id=rid))["ok"]
    listed = await command(pantin, "zoe", "request list")
    assert listed["ok"], listed
    assert listed["data"]["requests"] == [{"id": rid, "title": "Fuite", "status": "open", "skills": ["plomberie"],
                                           "community": "lilas", "community_name": "Les Lilas"}]
    assert "Les Lilas" in listed["text"] and "alice" not in listed["text"]  # where it comes from, not who
    assert [r["id"] for r in (await command(pantin, "zoe", "request list", skill="Plomberie"))["data"]["requests"]] \
        == [rid]
    assert (await command(pantin, "zoe", "request list", skill="vélo"))["data"]["requests"] == []
    assert (await command(pantin, "zoe", "request list", mine=True))["data"]["requests"] == []
    assert (await command(montreuil, "yann", "request list"))["data"]["requests"] == []
    home = await command(lilas, "bea", "request list")  # at home: both, without a community
    assert sorted(r["id"] for r in home["data"]["requests"]) == sorted([rid, kept])
    assert all("community" not in r for r in home["data"]["requests"])
    assert (await command(pantin, "zoe", "request claim", id=rid))["ok"]
    taken = (await command(pantin, "zoe", "request list"))["data"]["requests"]
    assert [(r["id"], r["status"]) for r in taken] == [(rid, "claimed")]


async def test_only_the_requester_or_an_animator_widens(sim: Sim) -> None:
    lilas, pantin, _ = await three(sim)
    await onboard(lilas, "alice")
    await onboard(lilas, "bob")
    rid = (await command(lilas, "alice", "request new", title="Vélo", skills="vélo"))["data"]["request_id"]
    refused = await command(lilas, "bob", "request widen", id=rid)
    assert not refused["ok"] and refused["error"] == "permission_denied"
    unknown = await command(lilas, "alice", "request widen", id=rid + 100)
    assert not unknown["ok"] and unknown["error"] == "not_found"


async def test_a_single_community_has_nobody_to_widen_to(sim: Sim) -> None:
    await sim.onboard("alice")
    rid = (await sim.command("alice", "request new", title="Vélo", skills="vélo"))["data"]["request_id"]
    reply = await sim.command("alice", "request widen", id=rid)
    assert not reply["ok"] and reply["error"] == "conflict"
    assert (await sim.command("alice", "directory", skill="vélo", network=True))["ok"]


async def test_a_request_widened_by_an_animator_does_not_name_a_requester_who_did_not_share(sim: Sim) -> None:
    lilas, pantin, _ = await three(sim)
    await onboard(pantin, "zoe", skills="plomberie", network=True)
    await onboard(lilas, "alice")
    await onboard(lilas, "anim")
    rid = (await command(lilas, "alice", "request new", title="Fuite", skills="plomberie"))["data"]["request_id"]
    assert (await command(lilas, "anim", "request widen", id=rid, roles=("animator",)))["ok"]
    ping = (await messages(pantin, "helper-ping"))[0]["text"]
    assert "alice" not in ping and "Les Lilas" in ping


async def test_network_routing_follows_fatigue_and_quiet_hours(sim: Sim) -> None:
    lilas, pantin, montreuil = await three(sim)
    await onboard(pantin, "zoe", skills="couture", network=True, quiet_hours="08-12")  # asleep at 9:00
    await onboard(montreuil, "yves", skills="couture", network=True)
    await onboard(lilas, "alice")
    rid = (await command(lilas, "alice", "request new", title="Ourlet", skills="couture"))["data"]["request_id"]
    assert (await command(lilas, "alice", "request widen", id=rid))["data"]["pinged"] == ["yves"]


def _params(sim: Sim, request_id: int, requester: int, keys: list[str], places, now: int, **more):  # noqa: ANN001, ANN202
    return network_routing_repo.NetworkRouteParams(
        guild_id="lilas", request_id=request_id, requester_id=requester, requester_platform_id=f"u{requester}",
        skill_keys=keys, urgent=more.get("urgent", False), limit=more.get("limit", 4), fair_since=now - 28 * 86400,
        fatigue_since=now - 14 * 86400, fatigue_cap=4, now=now, languages=more.get("languages", []), places=places)


async def test_the_network_walk_picks_what_the_plain_rules_pick(sim: Sim) -> None:
    """Random networks: the indexed statement and the reference query agree, request after request."""
    rng = random.Random(22)
    lilas = sim.ctx
    pantin = place(sim, "pantin", "Pantin")
    montreuil = place(sim, "montreuil", "Montreuil", parse_config({"community": {"timezone": "America/Montreal"}}))
    network(sim, pantin, montreuil)
    places = network_requests.places(lilas)
    assert len({(p.timezone, p.hour) for p in places}) == 2  # each community's own zone: two groups
    skills = ["a", "b", "c", "d", "e"]
    now = lilas.now_ts()
    async with lilas.db.transaction() as tx:
        for ctx in (lilas, pantin, montreuil):
            for k in skills:
                await tx.execute("INSERT INTO skill (guild_id, key, display) VALUES (?, ?, ?)", (ctx.guild_id, k, k))
        for i in range(240):
            guild = rng.choice(["lilas", "pantin", "montreuil"])
            cur = await tx.execute(
                "INSERT INTO member (guild_id, platform_id, handle, joined_at, charter_accepted_at, languages, "
                "quiet_start, quiet_end, timezone, available) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (guild, f"u{i}", f"u{i}", now - rng.randint(1, 400) * 86400, now - 86400,
                 rng.choice(["", "fr", "en", "fr,en"]), *rng.choice([(None, None), (8, 12), (22, 7)]),
                 rng.choice([None, "America/New_York", "Europe/Paris"]), int(rng.random() > 0.1)))
            member_id = cur.lastrowid
            for k in rng.sample(skills, rng.randint(1, 3)):
                await tx.execute("INSERT INTO member_skill (member_id, skill_id, kind) SELECT ?, id, 'offer' "
                                 "FROM skill WHERE guild_id = ? AND key = ?", (member_id, guild, k))
            if rng.random() < 0.6:
                await tx.execute("UPDATE member SET network = 1 WHERE id = ?", (member_id,))
        for _ in range(60):
            cur = await tx.execute("INSERT INTO request (guild_id, requester_id, title, created_at) "
                                   "VALUES ('lilas', 1, 't', ?)", (now - 86400 * 40,))
            for _ in range(rng.randint(1, 3)):
                await tx.execute("INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, 1, ?)",
                                 (cur.lastrowid, rng.randint(1, 240), now - rng.randint(1, 40) * 86400))
    checked = 0
    for trial in range(60):
        keys = rng.sample(skills, rng.choice([1, 1, 2, 2, 3, 4, 5]))
        async with lilas.db.transaction() as tx:
            cur = await tx.execute("INSERT INTO request (guild_id, requester_id, title, created_at) "
                                   "VALUES ('lilas', 1, 't', ?)", (now,))
            rid = cur.lastrowid
        params = _params(sim, rid, 1, keys, places, now + trial * 3600, urgent=trial % 3 == 0,
                         languages=rng.choice([[], ["fr"], ["en", "de"]]), limit=rng.choice([1, 3, 6]))
        fast = await network_routing_repo.route_candidates(lilas.db.reader, params)
        plain = await network_routing_repo.route_candidates_reference(lilas.db.reader, params)
        assert [m.id for m in fast] == [m.id for m in plain], (trial, keys)
        assert all(m.guild_id != "lilas" for m in fast)
        checked += len(fast)
    assert checked > 40


async def test_network_offers_follow_the_members_flags(sim: Sim) -> None:
    """network_offer (0250) holds exactly the offers of routable network-visible members."""
    lilas, pantin, _ = await three(sim)
    await onboard(pantin, "zoe", skills="plomberie, vélo", network=True)
    await onboard(pantin, "yann", skills="plomberie")
    expected = ("SELECT ms.skill_id, ms.member_id FROM member_skill ms JOIN member m ON m.id = ms.member_id "
                "WHERE ms.kind = 'offer' AND m.network = 1 AND m.left_at IS NULL AND m.erased = 0 AND m.active = 1 "
                "AND m.available = 1 AND m.charter_accepted_at IS NOT NULL ORDER BY 1, 2")
    derived = "SELECT skill_id, member_id FROM network_offer ORDER BY 1, 2"

    async def same() -> int:
        a = [tuple(r) for r in await lilas.db.fetchall(expected)]
        b = [tuple(r) for r in await lilas.db.fetchall(derived)]
        assert a == b
        return len(b)

    assert await same() == 2
    await command(pantin, "zoe", "profile set", remove_skills="vélo")
    assert await same() == 1
    await command(pantin, "zoe", "profile set", available=False)
    assert await same() == 0
    await command(pantin, "zoe", "profile set", available=True)
    await command(pantin, "yann", "profile set", network=True)
    assert await same() == 2
    await command(pantin, "yann", "profile delete", confirm=True)
    assert await same() == 1


async def test_network_events_are_listed_shown_and_joined_from_another_place(sim: Sim) -> None:
    lilas, pantin, montreuil = await three(sim)
    anim = ("animator",)
    await onboard(pantin, "pa")
    await onboard(lilas, "alice")
    await onboard(montreuil, "mo")
    opened = await command(pantin, "pa", "event new", roles=anim, title="Repair café", when="samedi 14h",
                           network=True, capacity=2)
    closed = await command(pantin, "pa", "event new", roles=anim, title="Réunion interne", when="samedi 18h")
    local = await command(lilas, "alice", "event new", roles=anim, title="Apéro", when="vendredi 19h")
    assert opened["ok"] and closed["ok"] and local["ok"], (opened, closed, local)
    shared_id, closed_id = opened["data"]["event_id"], closed["data"]["event_id"]
    listed = await command(lilas, "alice", "event list", network=True)
    assert [(e["title"], e["community"]) for e in listed["data"]["events"]] == [
        ("Apéro", "lilas"), ("Repair café", "pantin")]
    assert "Pantin" in listed["text"] and "Réunion interne" not in listed["text"]
    plain = await command(lilas, "alice", "event list")
    assert [e["title"] for e in plain["data"]["events"]] == ["Apéro"]
    shown = await command(lilas, "alice", "event show", id=shared_id)
    assert shown["ok"] and shown["data"]["title"] == "Repair café"
    assert not (await command(lilas, "alice", "event show", id=closed_id))["ok"]  # not opened: not found
    joined = await click(lilas, "alice", f"event:join:{shared_id}")
    assert joined["ok"], joined
    assert (await command(montreuil, "mo", "event join", id=shared_id))["ok"]
    full = await command(pantin, "pa", "event join", id=shared_id)
    assert not full["ok"] and full["error"] == "conflict"  # two places, taken by the other communities
    assert sorted((await command(pantin, "pa", "event show", id=shared_id))["data"]["participants"]) == ["alice", "mo"]
    assert (await command(lilas, "alice", "event leave", id=shared_id))["ok"]
    assert not (await command(lilas, "alice", "event edit", id=shared_id, roles=anim, title="x"))["ok"]


async def test_network_vitality_side_by_side_for_network_animators_only(sim: Sim) -> None:
    lilas, pantin, montreuil = await three(sim, animators=("netanim",))
    await onboard(pantin, "zoe", skills="plomberie", network=True)
    await onboard(lilas, "alice")
    await onboard(lilas, "netanim")
    rid = (await command(lilas, "alice", "request new", title="Fuite", skills="plomberie, soudure"))["data"][
        "request_id"]
    await command(lilas, "alice", "request widen", id=rid)
    assert (await command(pantin, "zoe", "request claim", id=rid))["ok"]
    refused = await command(lilas, "alice", "vitality", network=True, roles=("animator",))
    assert not refused["ok"] and refused["error"] == "permission_denied"
    assert "[network] animators" in refused["text"]  # a local animator is told why and who may
    plain = await command(lilas, "alice", "vitality", network=True)
    assert not plain["ok"] and plain["error"] == "permission_denied" and "[network]" not in plain["text"]
    local_only = await command(lilas, "netanim", "vitality")  # no local role: the community's view stays closed
    assert not local_only["ok"] and local_only["error"] == "permission_denied"
    elsewhere = await command(montreuil, "netanim", "vitality", network="oui")  # no role, another community
    assert elsewhere["ok"], elsewhere
    reply = await command(lilas, "netanim", "vitality", network=True)
    assert reply["ok"], reply
    assert reply["data"] == elsewhere["data"]
    places = {p["community"]: p for p in reply["data"]["communities"]}
    assert places["lilas"]["members"] == 2 and places["lilas"]["help_received"] == 1
    assert places["pantin"]["help_given"] == 1 and places["montreuil"]["members"] == 0
    assert reply["data"]["totals"]["members"] == 3 and reply["data"]["totals"]["help_given"] == 1
    assert reply["data"]["unmet_skills"] == ["soudure"]  # plomberie is offered in the network
    assert "Pantin" in reply["text"] and "soudure" in reply["text"]


async def test_the_network_digest_is_one_job_of_the_first_community(sim: Sim) -> None:
    from bot.services import network_vitality

    lilas, pantin, montreuil = await three(sim)
    assert [j.name for j in network_vitality.jobs(lilas)] == ["network-digest"]
    assert network_vitality.jobs(pantin) == [] and network_vitality.jobs(montreuil) == []
    await onboard(pantin, "zoe")
    async with lilas.db.transaction() as tx:
        await network_vitality.post_network_digest(tx, lilas, lilas.now())
    posts = await messages(lilas, "network-digest")
    assert len(posts) == 1 and posts[0]["target"] == "channel:animators" and "Pantin" in posts[0]["text"]
    alone = await Sim(sim.db.parent / "alone.sqlite").open()
    try:
        assert network_vitality.jobs(alone.ctx) == []
    finally:
        await alone.close()


async def test_automatic_widening_after_the_local_rounds(sim: Sim) -> None:
    lilas, pantin, _ = await three(sim, auto_widen=True, widen_rounds=1, widen_after="2h")
    await onboard(pantin, "zoe", skills="plomberie", network=True)
    await onboard(lilas, "bob", skills="plomberie", quiet_hours="10-11")
    await onboard(lilas, "alice")
    rid = (await command(lilas, "alice", "request new", title="Fuite", skills="plomberie"))["data"]["request_id"]
    async with lilas.db.transaction() as tx:
        await network_requests.widen_due(tx, lilas, lilas.now())
    assert await messages(pantin, "helper-ping") == []  # a local round just went: not yet
    await sim.advance(by="3h")
    async with lilas.db.transaction() as tx:
        await network_requests.widen_due(tx, lilas, lilas.now())
        await network_requests.widen_due(tx, lilas, lilas.now())  # twice: nothing more
    pings = await messages(pantin, "helper-ping")
    assert [p["target"] for p in pings] == ["dm:zoe"] and "alice" not in pings[0]["text"]
    row = await lilas.db.fetchone("SELECT widened_at, network_rounds FROM request WHERE id = ?", (rid,))
    assert row[0] is not None and row[1] == 1

