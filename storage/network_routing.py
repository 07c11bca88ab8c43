"""Who a widened request asks (issue 22): the network round's routing statement and its plain reference.

Nothing here reads a member who did not opt in (member.network = 1): routing reads `network_offer` (0250,
kept by triggers) or filters on the flag in the same statement. The rules are local routing's
(storage/routing.py), with each member's own community's zone and night."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import aiosqlite

from storage import members as members_repo
from storage import routing as routing_repo
from storage.members import Member

_MEMBER_COLUMNS = ", ".join("m." + c.strip() for c in members_repo.MEMBER_COLUMNS.split(","))


@dataclass(frozen=True)
class Place:
    """A community as routing sees it: its guild key, zone, local hour now and default night."""

    guild_id: str
    timezone: str
    hour: int
    night_start: int
    night_end: int


@dataclass(frozen=True)
class NetworkRouteParams:
    """The widened round's parameters; the rules are local routing's (storage/routing.py)."""

    guild_id: str  # the asking community: its own members are never in a network round
    request_id: int
    requester_id: int
    requester_platform_id: str  # the same person elsewhere is not asked to help themselves
    skill_keys: list[str]
    urgent: bool
    limit: int
    fair_since: int
    fatigue_since: int
    fatigue_cap: int
    now: int
    languages: list[str]
    places: Sequence[Place]  # a tuple from bot.services.network_requests.places(): its values are kept
    exclude: tuple[int, ...] = ()
    keys_by_rarity: bool = False  # skill_keys come least offered first (rarest_first): no counting query

    def as_sql(self) -> dict[str, object]:
        langs = self.languages
        slots = routing_repo.LANGUAGE_SLOTS
        return {
            "guild_id": self.guild_id, "request_id": self.request_id, "requester_id": self.requester_id,
            "requester_platform": self.requester_platform_id, "keys": json.dumps(self.skill_keys),
            "urgent": int(self.urgent), "limit": self.limit, "fair_since": self.fair_since,
            "fatigue_since": self.fatigue_since, "fatigue_cap": self.fatigue_cap, "now": self.now,
            "languages": json.dumps(langs), "more_languages": int(len(langs) > slots),
            **{f"lang_{i + 1}": langs[i] if i < len(langs) else None for i in range(slots)},
            "exclude": json.dumps(list(self.exclude)),
            **place_values(self.places)[0],
        }

    def profiles(self) -> list[tuple[tuple[str, int, int, int], list[str]]]:
        return group_places(self.places)


def group_places(places: Sequence[Place]) -> list[tuple[tuple[str, int, int, int], list[str]]]:
    """The places grouped by what routing reads of them (zone, local hour, night): usually one group."""
    groups: dict[tuple[str, int, int, int], list[str]] = {}
    for p in places:
        groups.setdefault((p.timezone, p.hour, p.night_start, p.night_end), []).append(p.guild_id)
    return list(groups.items())


_PLACE_VALUES: dict[int, tuple[Sequence[Place], dict[str, object], int]] = {}


def place_values(places: Sequence[Place]) -> tuple[dict[str, object], int]:
    """The statement's values for the places (:all_guilds, each group's :pg_i, :pt_i…) and the number of
    groups. Worked out once per tuple of places: the service hands the same tuple for the same local
    hours, and grouping 300 places on every decision cost a tenth of it. A list is never kept."""
    held = _PLACE_VALUES.get(id(places))
    if held is not None and held[0] is places:
        return held[1], held[2]
    groups = group_places(places)
    values: dict[str, object] = {"all_guilds": "," + ",".join(p.guild_id for p in places) + ","}
    for i, (profile, guilds) in enumerate(groups):
        for name, value in zip(("pg", "pt", "ph", "pn", "pe"), ("," + ",".join(guilds) + ",", *profile),
                               strict=True):
            values[f"{name}_{i}"] = value
    if isinstance(places, tuple):  # kept alive with its values: its id cannot be reused meanwhile
        if len(_PLACE_VALUES) > 64:
            _PLACE_VALUES.clear()
        _PLACE_VALUES[id(places)] = (places, values, len(groups))
    return values, len(groups)


def _pick(field: str, profiles: int) -> str:
    """The member's community's value of a profile field: bound once when every place shares it, else
    found by the member's guild key in each group's comma-separated list (no join, no table)."""
    cast = "{}" if field == "pt" else "CAST({} AS INTEGER)"  # typed, so PostgreSQL infers every parameter
    if profiles == 1:
        return cast.format(f":{field}_0")
    return "(CASE " + " ".join(f"WHEN instr(:pg_{i}, ',' || m.guild_id || ',') > 0 THEN "
                               + cast.format(f":{field}_{i}") for i in range(profiles)) + " END)"


def _eligible(profiles: int) -> str:
    """Local routing's per-request filters, with each member's own community's zone and night; only the
    network's other communities (:all_guilds, comma-separated)."""
    tz, hour, night_start, night_end = (_pick(f, profiles) for f in ("pt", "ph", "pn", "pe"))
    local_hour = (f"CASE WHEN m.timezone IS NULL OR m.timezone = {tz} THEN {hour} "
                  f"ELSE COALESCE(local_hour(m.timezone, :now), {hour}) END")
    return f"""m.guild_id != :guild_id AND instr(:all_guilds, ',' || m.guild_id || ',') > 0
      AND m.platform_id != :requester_platform AND m.id != :requester_id
      AND m.id NOT IN (SELECT value FROM json_each(:exclude))
      AND NOT EXISTS (SELECT 1 FROM request_ping p WHERE p.request_id = :request_id AND p.helper_id = m.id)
      AND NOT EXISTS (SELECT 1 FROM request_helper h WHERE h.request_id = :request_id AND h.helper_id = m.id)
      AND (CASE WHEN m.last_pinged_at > :fatigue_since THEN (SELECT COUNT(*) FROM request_ping p
                WHERE p.helper_id = m.id AND p.at > :fatigue_since) ELSE 0 END) < :fatigue_cap
      AND (:languages = '[]' OR TRIM(m.languages) = '' OR {routing_repo._SPEAKS})
      AND (:urgent OR NOT EXISTS (
            SELECT 1 FROM (SELECT {local_hour} AS hour,
                CASE WHEN m.quiet_start IS NULL OR m.quiet_end IS NULL THEN {night_start} ELSE m.quiet_start END AS qs,
                CASE WHEN m.quiet_start IS NULL OR m.quiet_end IS NULL THEN {night_end} ELSE m.quiet_end END AS qe) h
            WHERE (h.qs < h.qe AND h.hour >= h.qs AND h.hour < h.qe)
               OR (h.qs > h.qe AND (h.hour >= h.qs OR h.hour < h.qe))))"""


_UNBOUNDED = 1 << 62
_ORDER = "skills DESC, recent ASC, last_ping IS NOT NULL, last_ping ASC, joined_at ASC, id ASC"
_SKILLS = ("(SELECT COUNT(*) FROM network_offer x WHERE x.member_id = m.id "
           "AND x.skill_key IN (SELECT value FROM json_each(:keys)))")
_RECENT = ("CASE WHEN m.last_pinged_at > :fair_since THEN (SELECT COUNT(*) FROM request_ping p "
           "WHERE p.helper_id = m.id AND p.at > :fair_since) ELSE 0 END")


def _walk(name: str, group: tuple[int, ...], profiles: int) -> str:
    """A walk over the members offering every skill of `group` (positions in :keys, least offered first):
    the offers of its least offered skill in fairness order (never pinged, by seniority; pinged before
    the window, least recently first; then inside the window, fewest pings first), read from
    network_offer_walk, each checked for the group's other skills, stopping at :limit eligible members."""
    first, *rest = group
    src = f"network_offer o INDEXED BY network_offer_walk WHERE o.skill_key = json_extract(:keys, '$[{first}]')"
    src += "".join(f" AND EXISTS (SELECT 1 FROM network_offer x WHERE x.member_id = o.member_id "
                   f"AND x.skill_key = json_extract(:keys, '$[{k}]'))" for k in rest)
    return f"""{name}(id) AS MATERIALIZED (
    SELECT m.id FROM (
        SELECT id FROM (SELECT o.member_id AS id FROM {src} AND o.pinged_at IS NULL
            ORDER BY o.joined_at, o.member_id LIMIT {_UNBOUNDED})
        UNION ALL
        SELECT id FROM (SELECT o.member_id AS id FROM {src} AND o.pinged_at <= :fair_since
            ORDER BY o.pinged_at, o.joined_at, o.member_id LIMIT {_UNBOUNDED})
        UNION ALL
        SELECT id FROM (SELECT o.member_id AS id, (SELECT COUNT(*) FROM request_ping p
                WHERE p.helper_id = o.member_id AND p.at > :fair_since) AS recent
            FROM {src} AND o.pinged_at > :fair_since
            ORDER BY recent, o.pinged_at, o.joined_at, o.member_id LIMIT {_UNBOUNDED})) z
    CROSS JOIN member m ON m.id = z.id
    WHERE {_eligible(profiles)}
    LIMIT :limit
)"""


MAX_KEYS = 5
# Up to GROUP_KEYS skills, one walk per set of them (as local routing's GROUP_SQL); more (rare): one walk
# per skill and every offer of all but the most offered one for members offering several.
GROUP_KEYS = 3


def _groups(keys: int) -> list[tuple[int, ...]]:
    return [g for size in range(1, keys + 1) for g in combinations(range(keys), size)]


@lru_cache(maxsize=64)
def network_route_sql(keys: int, profiles: int = 1) -> str:
    """The widened round in one statement. For up to GROUP_KEYS skills, every non-empty set G of them is
    walked: a member M among the best :limit offering exactly G is among the first :limit eligible members
    offering all of G in fairness order (each of those has at least M's share of the skills), so the best
    :limit of the walks' union, ranked exactly, are the answer. Beyond, each skill is walked and members
    offering two or more are read from the offers of every skill but the most offered (`multi`, :pool).
    :keys is ordered least offered first (a walk reads its set's least offered skill)."""
    if keys <= GROUP_KEYS:
        groups = _groups(keys)
        walks = [_walk(f"walk_{i}", g, profiles) for i, g in enumerate(groups)]
        arms = [f"SELECT id FROM walk_{i}" for i in range(len(groups))]
    else:
        walks = [_walk(f"walk_{i}", (i,), profiles) for i in range(keys)]
        arms = [f"SELECT id FROM walk_{i}" for i in range(keys)]
        walks.append(f"""multi(id) AS MATERIALIZED (
    SELECT m.id FROM (SELECT DISTINCT o.member_id AS id FROM network_offer o INDEXED BY network_offer_walk
            WHERE o.skill_key IN (SELECT value FROM json_each(:pool))) c
    CROSS JOIN member m ON m.id = c.id
    WHERE {_SKILLS} >= 2 AND {_eligible(profiles)}
)""")
        arms.append("SELECT id FROM multi")
    return f"""
WITH {",".join(walks)},
candidate(id) AS MATERIALIZED ({" UNION ".join(arms)}),
best(id, skills, recent, last_ping, joined_at) AS MATERIALIZED (
    SELECT * FROM (SELECT m.id, {_SKILLS} AS skills, {_RECENT} AS recent, m.last_pinged_at AS last_ping,
                          m.joined_at FROM candidate c JOIN member m ON m.id = c.id) ranked
    ORDER BY {_ORDER} LIMIT :limit
)
SELECT {_MEMBER_COLUMNS} FROM best JOIN member m ON m.id = best.id
ORDER BY best.skills DESC, best.recent ASC, best.last_ping IS NOT NULL, best.last_ping ASC, best.joined_at ASC,
         best.id ASC
"""


@lru_cache(maxsize=16)
def reference_sql(profiles: int = 1) -> str:
    """The same decision written plainly over every offer (tests and the benchmark's check)."""
    return f"""
WITH matched(member_id, skills) AS (
    SELECT ms.member_id, COUNT(*) FROM skill s JOIN member_skill ms ON ms.skill_id = s.id AND ms.kind = 'offer'
    WHERE s.key IN (SELECT value FROM json_each(:keys)) GROUP BY ms.member_id
)
SELECT {_MEMBER_COLUMNS} FROM (SELECT * FROM (
    SELECT m.id, matched.skills AS skills, {_RECENT} AS recent, m.last_pinged_at AS last_ping, m.joined_at
    FROM matched JOIN member m ON m.id = matched.member_id
    WHERE m.network = 1 AND m.left_at IS NULL AND m.erased = 0 AND m.active = 1 AND m.available = 1
      AND m.charter_accepted_at IS NOT NULL AND {_eligible(profiles)}) ranked
    ORDER BY {_ORDER} LIMIT :limit) best JOIN member m ON m.id = best.id
ORDER BY best.skills DESC, best.recent ASC, best.last_ping IS NOT NULL, best.last_ping ASC, best.joined_at ASC,
         best.id ASC
"""


async def offer_counts(conn: aiosqlite.Connection, keys: list[str]) -> dict[str, int]:
    rows = await conn.execute_fetchall(
        "SELECT k.value, (SELECT COUNT(*) FROM network_offer o WHERE o.skill_key = k.value) FROM json_each(?) k",
        (json.dumps(keys),),
    )
    return {str(r[0]): int(r[1]) for r in rows}


async def rarest_first(conn: aiosqlite.Connection, request_id: int) -> list[str]:
    """A request's skill keys, least offered in the network first (ties by key): the order the walks
    want, read with the keys (one round trip instead of two, docs/SCALING.md)."""
    rows = await conn.execute_fetchall(
        "SELECT s.key, (SELECT COUNT(*) FROM network_offer o WHERE o.skill_key = s.key) AS n FROM request_skill rs "
        "JOIN skill s ON s.id = rs.skill_id WHERE rs.request_id = ? ORDER BY n, s.key", (request_id,))
    return [str(r[0]) for r in rows]


async def route_candidates(conn: aiosqlite.Connection, params: NetworkRouteParams) -> list[Member]:
    """The best network-visible helpers of the other communities for a widened request, best first.
    Any order of the keys gives the same helpers (tested); least offered first is only faster."""
    keys = params.skill_keys[:MAX_KEYS]
    if not keys or not params.places:
        return []
    if len(keys) > 1 and not params.keys_by_rarity:  # each walk reads its set's least offered skill
        counts = await offer_counts(conn, keys)
        keys = sorted(keys, key=lambda k: (counts.get(k, 0), k))
    sql_params = params.as_sql()
    sql_params["keys"] = json.dumps(keys)
    sql_params["pool"] = json.dumps(keys[:-1])
    rows = await conn.execute_fetchall(network_route_sql(len(keys), place_values(params.places)[1]), sql_params)
    return [m for m in map(members_repo._member, rows) if m is not None]


async def route_candidates_reference(conn: aiosqlite.Connection, params: NetworkRouteParams) -> list[Member]:
    sql_params = params.as_sql()
    sql_params["keys"] = json.dumps(params.skill_keys[:MAX_KEYS])
    rows = await conn.execute_fetchall(reference_sql(len(params.profiles())), sql_params)
    return [m for m in map(members_repo._member, rows) if m is not None]


async def count_network_offerers(conn: aiosqlite.Connection, guild_id: str, keys: list[str]) -> int:
    """Network-visible routable members of the other communities offering one of the skills."""
    rows = await conn.execute_fetchall(
        "SELECT COUNT(DISTINCT member_id) FROM network_offer WHERE skill_key IN (SELECT value FROM json_each(?)) "
        "AND guild_id != ?", (json.dumps(keys), guild_id))
    return int(rows[0][0]) if rows else 0
