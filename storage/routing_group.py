"""Routing for up to GROUP_SKILLS skills (nearly every request): GROUP_SQL, one fairness walk per
set of the requested skills, the best :limit of their union ranked exactly (proof in its docstring)."""
from __future__ import annotations

from storage import members as members_repo
from storage.routing_filters import (
    _ELIGIBLE,
    _ELIGIBLE_LEVELS,
    _MEMBER_COLUMNS,
    _ORDER,
    _RESTED,
    _RESTED_LEVELS,
    _ROUTABLE,
)

# Requests for up to GROUP_SKILLS skills (nearly all) take GROUP_SQL below; more take MANY_SKILLS_SQL.
GROUP_SKILLS = 3
# Every non-empty set of the requested skills, by position (1 = the most offered requested skill).
_GROUPS: tuple[tuple[int, ...], ...] = ((1,), (2,), (3,), (1, 2), (1, 3), (2, 3), (1, 2, 3))


def _group_key(group: tuple[int, ...], ordered: bool = True) -> str:
    """The index key of a group: one skill, or the pair of its two least offered skills (skill_lo <
    skill_hi) plus, for three skills, the third one as a filter. No row: the group is not asked for."""
    if not ordered:
        return _group_key_sqlite(group)
    name = "g" + "".join(map(str, group))
    few = f"(SELECT n FROM shape) <= {GROUP_SKILLS}"
    if len(group) == 1:
        return (f"{name}(skill_id) AS MATERIALIZED (\n    SELECT skill_id FROM wanted "
                f"WHERE pos = {group[0]} AND {few}\n),")
    *others, p, q = group
    other = f"(SELECT skill_id FROM wanted WHERE pos = {others[0]})" if others else "NULL"
    return (f"{name}(lo, hi, other) AS MATERIALIZED (\n"
            f"    SELECT MIN(a.skill_id, b.skill_id), MAX(a.skill_id, b.skill_id), {other}\n"
            f"    FROM wanted a JOIN wanted b ON a.pos = {p} AND b.pos = {q} WHERE {few}\n),")


def _group_key_sqlite(group: tuple[int, ...]) -> str:
    """_group_key for SQLite: read where the walks use it (a scalar subquery SQLite evaluates once), not
    materialized, and `wanted` read by position with no index (+pos): SQLite built an automatic index
    on `wanted`, and a table for each key, each with a page cache of its own, for one to three rows."""
    name = "g" + "".join(map(str, group))
    few = f"(SELECT n FROM shape) <= {GROUP_SKILLS}"
    if len(group) == 1:
        return (f"{name}(skill_id) AS NOT MATERIALIZED (\n    SELECT skill_id FROM wanted "
                f"WHERE +pos = {group[0]} AND {few}\n),")
    *others, p, q = group
    other = f"(SELECT skill_id FROM wanted WHERE +pos = {others[0]})" if others else "NULL"
    return (f"{name}(lo, hi, other) AS NOT MATERIALIZED (\n"
            f"    SELECT MIN(a.skill_id, b.skill_id), MAX(a.skill_id, b.skill_id), {other}\n"
            f"    FROM wanted a JOIN wanted b ON +a.pos = {p} AND +b.pos = {q} WHERE {few}\n),")


def _group_source(group: tuple[int, ...], key: str) -> str:
    """FROM and WHERE reading a group's routable members through its walk index (`key`: the group's
    key CTE; none, nothing is read)."""
    if len(group) == 1:
        return (f"member_skill o INDEXED BY member_skill_offer_walk WHERE o.skill_id = (SELECT skill_id FROM {key}) "
                "AND o.kind = 'offer' AND o.walk_routable = 1")
    source = (f"member_offer_pair o INDEXED BY member_offer_pair_walk WHERE o.skill_lo = (SELECT lo FROM {key}) "
              f"AND o.skill_hi = (SELECT hi FROM {key}) AND o.walk_routable = 1")
    if len(group) == 3:
        source += (" AND EXISTS (SELECT 1 FROM member_skill x WHERE x.member_id = o.member_id "
                   f"AND x.skill_id = (SELECT other FROM {key}) AND x.kind = 'offer')")
    return source


def _window_arms(group: tuple[int, ...], levels: bool = False) -> list[tuple[str, str]]:
    """The arms of the members pinged inside the fairness window, in walk order: (their count of
    pings there, the filter). A single skill's offers carry the member's 2nd to 4th latest pings
    (0301): a member with no 4th ping inside the window has as many pings there as those of their
    four latest inside it, read from the index; the others' count is read, and only for those under
    the fatigue cap. A pair's few offers have no copies: all counted. `levels`: the fatigue cap is
    read from the copies too (_RESTED_LEVELS, SQLite's walks)."""
    count = "(SELECT COUNT(*) FROM request_ping p WHERE p.helper_id = o.member_id AND p.at > :fair_since)"
    if len(group) != 1:
        return [(count, f"o.walk_pinged_at > :fair_since AND {_OFFER_RESTED}")]
    few = "(o.walk_pinged_at_4 IS NULL OR o.walk_pinged_at_4 <= :fair_since)"
    rested = _OFFER_RESTED_LEVELS if levels else _OFFER_RESTED
    return [(_LEVEL, f"o.walk_pinged_at > :fair_since AND {few}"),
            (count, f"o.walk_pinged_at > :fair_since AND o.walk_pinged_at_4 > :fair_since AND {rested}")]


def _group_ctes(group: tuple[int, ...], ordered: bool = False, larger: tuple[tuple[int, ...], ...] = ()) -> str:
    """A group's walk: its first :limit eligible members in fairness order. Never pinged (by
    seniority), then pinged before the fairness window (least recently first), both read in the
    order of the walk index; then, only if those did not give :limit, the members pinged inside the
    window, sorted by their count of pings there (_window_arms: fewer than four, from the index;
    more, counted). `larger`: the groups of more skills, walked first; when their walks found
    :limit members or more, this walk reads nothing (SQLite: _walk_needed)."""
    name = "g" + "".join(map(str, group))
    source = _group_source(group, name)
    if ordered:
        return _group_ctes_ordered(name, source, group)
    window = "".join(f"""
        UNION ALL
        SELECT * FROM (SELECT o.member_id AS id, {recent} AS recent, o.walk_pinged_at AS last_ping,
                o.walk_joined_at AS joined_at FROM {source} AND {where}
            ORDER BY recent, o.walk_pinged_at, o.walk_joined_at, o.member_id LIMIT {_UNBOUNDED})"""
                     for recent, where in _window_arms(group, levels=True))
    return f"""{name}_walk(id, skills, recent, last_ping, joined_at) AS MATERIALIZED (
    SELECT m.id, {len(group)}, z.recent, z.last_ping, z.joined_at FROM (
        SELECT * FROM (SELECT o.member_id AS id, 0 AS recent, o.walk_pinged_at AS last_ping,
                o.walk_joined_at AS joined_at FROM {source} AND o.walk_pinged_at IS NULL
            ORDER BY o.walk_joined_at, o.member_id LIMIT {_UNBOUNDED})
        UNION ALL
        SELECT * FROM (SELECT o.member_id AS id, 0 AS recent, o.walk_pinged_at AS last_ping,
                o.walk_joined_at AS joined_at FROM {source} AND o.walk_pinged_at <= :fair_since
            ORDER BY o.walk_pinged_at, o.walk_joined_at, o.member_id LIMIT {_UNBOUNDED}){window}) z
    CROSS JOIN member m ON m.id = z.id
    WHERE m.guild_id = :guild_id AND {_ROUTABLE} AND {_ELIGIBLE_LEVELS}
    LIMIT {_walk_needed(larger)}
),"""


def _walk_needed(larger: tuple[tuple[int, ...], ...]) -> str:
    """The walk of a group is needed only while the walks of the groups of more skills found fewer
    than :limit members: when they found that many, each of the best :limit offers more skills than
    this group has, and is found by the walk of their own set (GROUP_SQL's docstring), so this walk
    could only add members ranked below them. A constant condition: SQLite tests it before the walk
    reads anything."""
    if not larger:
        return ":limit"
    found = " UNION ".join(f"SELECT id FROM g{''.join(map(str, g))}_walk" for g in larger)
    return f"CASE WHEN (SELECT COUNT(*) FROM ({found})) < :limit THEN :limit ELSE 0 END"


def _group_ctes_ordered(name: str, source: str, group: tuple[int, ...]) -> str:
    """_group_ctes for engines that keep no row order without ORDER BY (PostgreSQL). Each arm is cut
    at :limit eligible members in its own explicit order, which is its walk index's order (the
    index's leading key columns are constant in the scan, so PostgreSQL reads the index in order and
    stops early, as SQLite does); an arm is read only when the arms before it found fewer than
    :limit. The walk is the first :limit of the arms in arm order: the same members as _group_ctes."""
    source = source.replace(" INDEXED BY member_skill_offer_walk", "").replace(" INDEXED BY member_offer_pair_walk", "")
    table, where = source.split(" WHERE ", 1)
    lead = "o.skill_lo, o.skill_hi" if table.startswith("member_offer_pair") else "o.skill_id"
    member = f"JOIN member m ON m.id = o.member_id WHERE m.guild_id = :guild_id AND {_ROUTABLE} AND {_ELIGIBLE}"
    arms = [f"""{name}_a1(id, k1, k2) AS MATERIALIZED (
    SELECT m.id, o.walk_joined_at, o.member_id FROM {table} {member}
      AND {where} AND o.walk_pinged_at IS NULL
    ORDER BY {lead}, o.walk_pinged_at, o.walk_joined_at, o.member_id LIMIT :limit
),""", f"""{name}_a2(id, k1, k2, k3) AS MATERIALIZED (
    SELECT m.id, o.walk_pinged_at, o.walk_joined_at, o.member_id FROM {table} {member}
      AND {where} AND o.walk_pinged_at <= :fair_since AND (SELECT COUNT(*) FROM {name}_a1) < :limit
    ORDER BY {lead}, o.walk_pinged_at, o.walk_joined_at, o.member_id LIMIT :limit
),"""]
    union = [f"SELECT id, 1 AS arm, k1, k2, 0 AS k3, 0 AS k4, 0 AS recent, NULL AS last_ping, k1 AS joined_at "
             f"FROM {name}_a1", f"SELECT id, 2, k1, k2, k3, 0, 0, k1, k2 FROM {name}_a2"]
    for arm, (recent, filter_) in enumerate(_window_arms(group), start=3):
        found = " + ".join(f"(SELECT COUNT(*) FROM {name}_a{k})" for k in range(1, arm))
        arms.append(f"""{name}_a{arm}(id, k1, k2, k3, k4) AS MATERIALIZED (
    SELECT m.id, o.recent, o.walk_pinged_at, o.walk_joined_at, o.member_id FROM (
        SELECT o.member_id, o.walk_pinged_at, o.walk_joined_at, {recent} AS recent
        FROM {source} AND {filter_} AND {found} < :limit
        ORDER BY recent, o.walk_pinged_at, o.walk_joined_at, o.member_id) o {member}
    ORDER BY o.recent, o.walk_pinged_at, o.walk_joined_at, o.member_id LIMIT :limit
),""")
        union.append(f"SELECT id, {arm}, k1, k2, k3, k4, k1, k2, k3 FROM {name}_a{arm}")
    newline = "\n        UNION ALL "
    return "\n".join(arms) + f"""
{name}_walk(id, skills, recent, last_ping, joined_at) AS MATERIALIZED (
    SELECT id, {len(group)}, recent, last_ping, joined_at FROM (
        {newline.join(union)}) w
    ORDER BY arm, k1, k2, k3, k4 LIMIT :limit
),"""


# A member pinged inside the window whose 4th latest ping is not: their count of pings there.
_LEVEL = ("1 + CASE WHEN o.walk_pinged_at_2 > :fair_since THEN 1 ELSE 0 END "
          "+ CASE WHEN o.walk_pinged_at_3 > :fair_since THEN 1 ELSE 0 END")
# Arm 3 reads only offers whose member is under the fatigue cap (the walk's copy of the last ping
# first): among the members pinged inside the fairness window, who are then sorted by their count
# of pings there, those asked most are usually the tired ones, and they are left out before counting.
_OFFER_RESTED = _RESTED.format(last="o.walk_pinged_at", id="o.member_id")
_OFFER_RESTED_LEVELS = _RESTED_LEVELS.format(last="o.walk_pinged_at", p="o.walk_pinged_at_", id="o.member_id")
# A LIMIT keeps each ordered arm a subquery of its own, read in its ORDER BY (never flattened away).
_UNBOUNDED = 1 << 62
_RANK_COLUMN = len(members_repo.MEMBER_COLUMNS.split(",")) + 1
def _walks(groups: tuple[tuple[int, ...], ...], ordered: bool) -> str:
    """The groups' walk CTEs; on SQLite the groups of more skills first, each smaller one needed only
    when those found fewer than :limit members (_walk_needed)."""
    if ordered:
        return chr(10).join(_group_ctes(g, ordered) for g in groups)
    by_size = sorted(groups, key=len, reverse=True)
    return chr(10).join(_group_ctes(g, larger=tuple(h for h in by_size if len(h) > len(g))) for g in by_size)


def _group_sql(groups: tuple[tuple[int, ...], ...], ordered: bool = False, most: int = GROUP_SKILLS) -> str:
    """GROUP_SQL over these groups of skill positions (all of _GROUPS; fewer for a request known to
    have fewer skills: the groups it cannot have would find nobody anyway). A request with more
    than `most` skills gets the last row of NULLs alone (then a statement for more skills runs)."""
    names = ["g" + "".join(map(str, g)) for g in groups]
    return f"""
WITH wanted(skill_id, offers, pos) AS MATERIALIZED (
    SELECT rs.skill_id, s.offer_count, ROW_NUMBER() OVER (ORDER BY s.offer_count DESC, rs.skill_id)
    FROM request_skill rs JOIN skill s ON s.id = rs.skill_id WHERE rs.request_id = :request_id
),
shape(n) AS MATERIALIZED (SELECT COUNT(*) FROM wanted),
{chr(10).join(_group_key(g, ordered) for g in groups)}
{_walks(groups, ordered)}
candidate(id, skills, recent, last_ping, joined_at) AS MATERIALIZED (
    SELECT id, MAX(skills), MIN(recent), MIN(last_ping), MIN(joined_at) FROM (
        {" UNION ALL ".join(f"SELECT * FROM {n}_walk" for n in names)}) found
    GROUP BY id
),
best(id, rank) AS MATERIALIZED (
    SELECT id, ROW_NUMBER() OVER (ORDER BY {_ORDER}) FROM candidate ORDER BY {_ORDER} LIMIT :limit
)
SELECT {_MEMBER_COLUMNS}, best.rank FROM best JOIN member m ON m.id = best.id
UNION ALL
SELECT {", ".join(["NULL"] * (_RANK_COLUMN - 1))}, 0 WHERE (SELECT n FROM shape) > {most}
ORDER BY {_RANK_COLUMN}
"""


GROUP_SQL = _group_sql(_GROUPS)
GROUP_SQL_ORDERED = _group_sql(_GROUPS, ordered=True)
# SQLite sets up a page cache for each materialized CTE of a statement, walks that find nobody
# included (20 pages each, about 4 MB for GROUP_SQL): a request whose number of skills is known
# (storage.routing.route_request reads it with the requester) runs the statement of the groups it
# can have, half of GROUP_SQL's setup for one or two skills. Its count read earlier may be stale
# (skills added since): the row of NULLs then sends routing to GROUP_SQL.
GROUP_SQL_FOR = {n: _group_sql(tuple(g for g in _GROUPS if max(g) <= n), most=n) for n in range(1, GROUP_SKILLS + 1)}
# PostgreSQL sets up every node of a plan at each execution, walks that find nobody included: a
# request with n skills (counted first) runs the statement of the groups it can have.
GROUP_SQL_ORDERED_FOR = {n: _group_sql(tuple(g for g in _GROUPS if max(g) <= n), ordered=True)
                         for n in range(1, GROUP_SKILLS + 1)}
"""Routing in one statement, exact and fast at 100,000 members, for up to GROUP_SKILLS skills.

The order is (share of the requested skills DESC, recent pings ASC, last ping ASC with never first,
joined_at, id); call the last four "fairness order". Take a member M of the best :limit, offering
exactly the requested skills G. Every member offering all of G has at least M's share, so if :limit
eligible members of G came before M in fairness order, all of them would rank before M: M is among
the first :limit eligible members of G in fairness order. So for every non-empty G (one skill: its
offers, member_skill_offer_walk; two: member_offer_pair, 0033; three: the pair of the two least
offered, filtered by the third) a walk takes the first :limit eligible members in fairness order and
stops; the best :limit of the union of the walks, ranked exactly, are the answer. Members with no
ping in the window (0 recent pings) come first, already in index order; the others are sorted only
when a walk reaches them (and only those under the fatigue cap, which the walk would drop anyway).

The union is ranked from what the walks read, without reading a member row or counting again: each
walk carries its group's size as the share, its recent pings (0 in the first two arms, counted in the
third) and the index's copies of the last ping and seniority (equal to the member's, 0032), and a
member found by several walks keeps the largest size. That share is exact for each of the best
:limit (M is in the walk of G, its own set, and in no larger one); a member found only by walks of
smaller sets gets a smaller share than theirs, so ranks no better than they truly do: below every one
of the best :limit, whose keys are exact. With more skills a last row of NULLs says so:
route_candidates then runs MANY_SKILLS_SQL."""
