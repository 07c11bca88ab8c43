"""The widened round's shortcuts (docs/SCALING.md, issue 22's scale) give exactly what the plain
computation gives: the places read once per asking community (bot/services/network_requests.places)
against reading every config again, through a day of hours in zones with half-hour offsets and after
a community's config is replaced; the request's keys read least offered first with their counts, and
any order of the keys, against the plain reference query (both engines: make test-pg)."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

from bot.config import parse_config
from bot.services import network_requests
from storage import members as members_repo
from storage import network_routing as routing_repo
from storage import requests as requests_repo
from tests.harness import Sim
from tests.network_places import network, place

ZONES = ("Europe/Paris", "Asia/Kolkata", "America/St_Johns", "Australia/Adelaide", "Pacific/Chatham", "UTC")


async def test_cached_places_are_the_plain_places_hour_after_hour(sim: Sim) -> None:
    others = [place(sim, f"p{i}", f"P{i}", parse_config({"community": {"timezone": zone},
                                                         "requests": {"night_start": 20 + i % 3, "night_end": 6}}))
              for i, zone in enumerate(ZONES * 2)]
    network(sim, *others)
    lilas = sim.ctx
    seen_hours = set()
    for _ in range(4 * 26):  # a day and a bit, a quarter of an hour at a time
        cached = network_requests.places(lilas)
        assert list(cached) == network_requests.places_plain(lilas)
        assert network_requests.places(lilas) == cached
        seen_hours.add(tuple(p.hour for p in cached))
        sim.ctx.clock.set(sim.ctx.now() + timedelta(minutes=15))  # type: ignore[attr-defined]
    assert len(seen_hours) > 24  # the half-hour and 45-minute zones change hour off the hour
    from_first_other = [p.guild_id for p in network_requests.places(others[0])]
    assert from_first_other == [lilas.guild_id, *[o.guild_id for o in others[1:]]]


async def test_a_replaced_config_is_read_again(sim: Sim) -> None:
    pantin = place(sim, "pantin", "Pantin")
    network(sim, pantin)
    lilas = sim.ctx
    assert network_requests.places(lilas)[0].timezone == "Europe/Paris"
    pantin.config = parse_config({"community": {"timezone": "America/Montreal"}, "requests": {"night_start": 21}})
    found = network_requests.places(lilas)
    assert list(found) == network_requests.places_plain(lilas)
    assert (found[0].timezone, found[0].night_start) == ("America/Montreal", 21)


async def _random_network(sim: Sim, rng: random.Random) -> list[str]:
    """Lilas and two other places (one in another zone), 300 members with up to four of eight skills,
    60 % sharing their profile, old pings; skills offered unevenly, so that their order by rarity is not
    alphabetical."""
    lilas = sim.ctx
    pantin = place(sim, "pantin", "Pantin")
    montreuil = place(sim, "montreuil", "Montreuil", parse_config({"community": {"timezone": "America/Montreal"}}))
    network(sim, pantin, montreuil)
    here = lilas.guild_id
    places = (here, "pantin", "montreuil")
    skills = ["a", "b", "c", "d", "e", "f", "g", "h"]
    weights = [1, 8, 3, 12, 2, 6, 1, 4]
    now = lilas.now_ts()
    async with lilas.db.transaction() as tx:
        for ctx in (lilas, pantin, montreuil):
            for k in skills:
                await tx.execute("INSERT INTO skill (guild_id, key, display) VALUES (?, ?, ?)", (ctx.guild_id, k, k))
        homes: list[str] = []
        for i in range(300):
            guild = rng.choice(places)
            if i >= 260:  # the last ones are people already met, present in a second community
                guild = next(g for g in places if g != homes[i - 260])
            homes.append(guild)
            cur = await tx.execute(
                "INSERT INTO member (guild_id, platform_id, handle, joined_at, charter_accepted_at, languages, "
                "quiet_start, quiet_end, timezone, available) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (guild, f"u{i % 260}", f"u{i}", now - rng.randint(1, 400) * 86400, now - 86400,
                 rng.choice(["", "fr", "en", "fr,en"]), *rng.choice([(None, None), (8, 12), (22, 7)]),
                 rng.choice([None, "America/New_York", "Europe/Paris"]), int(rng.random() > 0.1)))
            for k in set(rng.choices(skills, weights, k=rng.randint(1, 4))):
                await tx.execute("INSERT INTO member_skill (member_id, skill_id, kind) SELECT ?, id, 'offer' "
                                 "FROM skill WHERE guild_id = ? AND key = ?", (cur.lastrowid, guild, k))
            if rng.random() < 0.6:
                await tx.execute("UPDATE member SET network = 1 WHERE id = ?", (cur.lastrowid,))
        for _ in range(80):
            cur = await tx.execute("INSERT INTO request (guild_id, requester_id, title, created_at) "
                                   "VALUES (?, 1, 't', ?)", (here, now - 86400 * 40))
            for _ in range(rng.randint(1, 3)):
                await tx.execute("INSERT INTO request_ping (request_id, helper_id, round, at) VALUES (?, ?, 1, ?)",
                                 (cur.lastrowid, rng.randint(1, 300), now - rng.randint(1, 40) * 86400))
    return skills


async def test_keys_least_offered_first_and_in_any_order_pick_what_the_plain_rules_pick(sim: Sim) -> None:
    """The service's parameters (keys least offered first, read with the keys in one query) and the same
    keys in a random order both give the reference query's helpers, request after request."""
    rng = random.Random(2203)
    lilas = sim.ctx
    skills = await _random_network(sim, rng)
    requester = await members_repo.by_id(lilas.db.reader, 1)
    checked = reordered = 0
    for trial in range(40):
        wanted = rng.sample(skills, rng.choice([1, 2, 2, 3, 3, 4, 5]))
        async with lilas.db.transaction() as tx:
            cur = await tx.execute("INSERT INTO request (guild_id, requester_id, title, urgent, created_at) "
                                   "VALUES (?, 1, 't', ?, ?)", (lilas.guild_id, int(trial % 4 == 0), lilas.now_ts()))
            rid = int(cur.lastrowid or 0)
            await tx.executemany("INSERT INTO request_skill (request_id, skill_id) SELECT ?, id FROM skill "
                                 "WHERE guild_id = ? AND key = ?", [(rid, lilas.guild_id, k) for k in wanted])
        request = await requests_repo.by_id(lilas.db.reader, lilas.guild_id, rid)
        params = await network_requests.network_params(lilas.db.reader, lilas, request, requester)
        assert params.keys_by_rarity and sorted(params.skill_keys) == sorted(wanted)
        counts = await routing_repo.offer_counts(lilas.db.reader, params.skill_keys)
        assert params.skill_keys == sorted(wanted, key=lambda k: (counts[k], k))
        reordered += params.skill_keys != sorted(wanted)
        plain = [m.id for m in await routing_repo.route_candidates_reference(lilas.db.reader, params)]
        assert [m.id for m in await routing_repo.route_candidates(lilas.db.reader, params)] == plain, (trial, wanted)
        shuffled = replace(params, skill_keys=rng.sample(params.skill_keys, len(params.skill_keys)))
        assert [m.id for m in await routing_repo.route_candidates(lilas.db.reader, shuffled)] == plain, wanted
        unordered = replace(params, keys_by_rarity=False, skill_keys=sorted(wanted))
        assert [m.id for m in await routing_repo.route_candidates(lilas.db.reader, unordered)] == plain, wanted
        checked += len(plain)
    assert checked > 60 and reordered > 5  # helpers were found, and rarity often differs from the alphabet


async def test_place_values_are_the_plain_grouping(sim: Sim) -> None:
    """The statement's place values, kept per tuple of places, are the grouping of those places; a list
    (which could change) is grouped again every time."""
    others = [place(sim, f"p{i}", f"P{i}", parse_config({"community": {"timezone": zone}}))
              for i, zone in enumerate(ZONES)]
    network(sim, *others)
    found = network_requests.places(sim.ctx)
    values, count = routing_repo.place_values(found)
    groups = routing_repo.group_places(list(found))
    assert count == len(groups) == len(ZONES)  # one group per zone
    assert values["all_guilds"] == "," + ",".join(p.guild_id for p in found) + ","
    for i, ((zone, hour, start, end), guilds) in enumerate(groups):
        assert (values[f"pg_{i}"], values[f"pt_{i}"], values[f"ph_{i}"]) == ("," + ",".join(guilds) + ",", zone, hour)
        assert (values[f"pn_{i}"], values[f"pe_{i}"]) == (start, end)
    assert routing_repo.place_values(found)[0] is values
    as_list = list(found)
    assert routing_repo.place_values(as_list)[0] == values and routing_repo.place_values(as_list)[0] is not values
