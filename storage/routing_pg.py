"""Routing on PostgreSQL in one round trip: the server-side functions `entraide_route` and
`entraide_route_request` (the requester's row and languages read on the server too).

`entraide_route` makes the decision the client's statements make (storage/routing_group.py for up
to GROUP_SKILLS skills, storage/routing_many.py beyond), in one call, from their very text
(translated by storage/dialect.py, each `$n` becoming the function's parameter of that name): the
many-skills statement whole; the group statement's walks one arm at a time, then its ranking by
the keys the walks carry (function_body says why and what it skips), the tests each arm made with
a subplan of its own read once per decision (_read_once). Migrations install it (0290, then 0300 onwards: the
newest holds what `python -m storage.routing_pg` prints); tests/test_routing_pg_function.py checks
that the installed bodies are the ones this module generates (a change to the routing SQL needs a
new migration) and that its choices equal the client statements' and the reference query's on
randomized communities."""
from __future__ import annotations

import re

from storage import members as members_repo
from storage.dialect import translate
from storage.routing_filters import _ELIGIBLE, _RESTED, _SPEAKS
from storage.routing_group import _GROUPS, _OFFER_RESTED, GROUP_SKILLS, GROUP_SQL_ORDERED
from storage.routing_many import MANY_SKILLS_SQL_ORDERED

FUNCTION = "entraide_route"

# The function's parameters, in call order, with the types PostgreSQL infers for the statements'
# parameters (tests check they still agree): the names are RouteParams.as_sql()'s keys.
PARAMETERS: tuple[tuple[str, str], ...] = (
    ("guild_id", "text"), ("request_id", "bigint"), ("requester_id", "bigint"), ("urgent", "boolean"),
    ("limit", "bigint"), ("fair_since", "bigint"), ("fatigue_since", "bigint"), ("fatigue_cap", "bigint"),
    ("community_tz", "text"), ("community_hour", "integer"), ("now", "bigint"), ("languages", "text"),
    ("more_languages", "boolean"), ("lang_1", "text"), ("lang_2", "text"), ("lang_3", "text"),
    ("lang_4", "text"), ("exclude", "text"), ("walk_from", "integer"), ("walk_budget", "bigint"),
    ("night_start", "bigint"), ("night_end", "bigint"),
)

# The member's columns as the function returns them (members_repo._member reads them by position).
COLUMNS = tuple(c.strip() for c in members_repo.MEMBER_COLUMNS.split(","))
_TEXT_COLUMNS = {"guild_id", "platform_id", "handle", "locale", "timezone", "bio", "languages",
                 "last_activity_day"}

REQUEST_FUNCTION = "entraide_route_request"
_ARGUMENTS = ", ".join(f"CAST(:{name} AS {kind})" for name, kind in PARAMETERS)


def _type(column: str) -> str:
    return "text" if column in _TEXT_COLUMNS else "bigint"


CALL_SQL = f"SELECT * FROM {FUNCTION}({_ARGUMENTS})"
REQUEST_CALL_SQL = f"SELECT * FROM {REQUEST_FUNCTION}({_ARGUMENTS})"
# entraide_route_request's last column: what a row is.
REQUESTER, HELPER, LANGUAGES_UNREAD = 0, 1, 2
# Languages the server reads as the client does (storage.routing.route_languages): lower-case codes
# without spaces, as `profile set languages` writes them. Anything else (spaces, capitals, other
# characters) is read by the client, which then routes with entraide_route (one more round trip).
PLAIN_LANGUAGES = "^[a-z0-9,-]*$"


def _body_statement(sql: str) -> str:
    """A client statement as the function runs it: `$n` is the parameter `p_<name>`."""
    t = translate(sql)
    names = t.names or ()
    return re.sub(r"\$(\d+)", lambda m: "p_" + names[int(m.group(1)) - 1], t.sql)


def _cte(sql: str, name: str) -> str:
    """The body of the CTE `name` in one of the client's routing statements."""
    return _cte_with_columns(sql, name)[1]


def _cte_with_columns(sql: str, name: str) -> tuple[str, str]:
    """The column list and the body of the CTE `name` in one of the client's routing statements."""
    found = re.search(rf"^(?:WITH )?{name}\(([^)]*)\) AS MATERIALIZED \(\n(.*?)\n\),?$", sql, re.M | re.S)
    if found is None:
        raise ValueError(f"no CTE {name} in the client's routing statement")
    return found.group(1), found.group(2)


# The composite type of what the walks find, with the keys GROUP_SQL_ORDERED's walks carry to its
# ranking (the walk's number of skills as the share, the member's recent pings, last ping and
# seniority): migration 0304 creates it.
FOUND = "entraide_found"
FOUND_COLUMNS = "id bigint, skills bigint, recent bigint, last_ping bigint, joined_at bigint"

# The eligibility tests that read other rows than the member's, as the function's walks run them.
# Inside a statement each was a subplan that PostgreSQL set up at every execution of every arm,
# and ran for each member read: most of an arm's cost.
# - The members a decision never asks (the requester, the excluded, those already pinged for the
#   request or helping with it) are read once per decision into the array :k_skip.
_SKIPPED = "\n      AND ".join(_ELIGIBLE.split("\n      AND ")[:4])
_SKIP_ARRAY = ("ARRAY(SELECT p_requester_id UNION ALL SELECT value FROM sl_json_ints(p_exclude)\n"
               "UNION ALL SELECT p.helper_id FROM request_ping p WHERE p.request_id = p_request_id "
               "AND p.helper_id IS NOT NULL\n"
               "UNION ALL SELECT h.helper_id FROM request_helper h WHERE h.request_id = p_request_id "
               "AND h.helper_id IS NOT NULL)")
# - The languages routed by are the array :k_langs. A language is one of the member's
#   comma-separated ones exactly when ',' || it || ',' is in ',' || theirs || ',', as the
#   statements test it: the languages routed by are split at commas (route_languages, and
#   entraide_route_request's own reading), so none holds one.
_LANGUAGES = "string_to_array(REPLACE(LOWER(m.languages), ' ', ''), ',') && :k_langs"
_LANGUAGE_ARRAY = ("p_k_langs := ARRAY[p_lang_1, p_lang_2, p_lang_3, p_lang_4];\nIF p_more_languages THEN\n"
                   "p_k_langs := p_k_langs || ARRAY(SELECT l.value FROM sl_json_each(p_languages) l);\nEND IF;\n")
# - Under the fatigue cap: fewer than :fatigue_cap pings since :fatigue_since, that is, no
#   :fatigue_cap-th latest ping after it. A member's four latest pings are kept on their row
#   (member.last_pinged_at, pinged_at_2..4, by triggers; 0301) and on their offers (walk_pinged_at,
#   walk_pinged_at_2..4): for a cap of 1 to 4 (the default is 4) the test reads them instead of
#   counting pings. Walks for other caps keep the statements' count (the function has both).
_MEMBER_RESTED = _RESTED.format(last="m.last_pinged_at", id="m.id")


def _latest_test(last: str, levels: str) -> str:
    kth = f"CASE :fatigue_cap WHEN 1 THEN {last} WHEN 2 THEN {levels}_2 WHEN 3 THEN {levels}_3 ELSE {levels}_4 END"
    return f"NOT COALESCE(({kth}) > :fatigue_since, FALSE)"


def _read_once(body: str, latest: bool) -> str:
    """An arm with the tests above reading the function's arrays (and, `latest`, the latest pings)."""
    if not _SKIPPED.startswith("m.id != :requester_id\n") or ":exclude" not in _SKIPPED \
            or "request_ping p WHERE p.request_id = :request_id" not in _SKIPPED or "request_helper" not in _SKIPPED:
        raise ValueError("the eligibility's first tests are not the ones this function reads once")
    swaps = [(_SKIPPED, "m.id <> ALL(:k_skip)"), (_SPEAKS, _LANGUAGES)]
    if latest:
        swaps.append((_MEMBER_RESTED, _latest_test("m.last_pinged_at", "m.pinged_at")))
    for old, new in swaps:
        if body.count(old) != 1:
            raise ValueError("an arm does not test eligibility as this function expects")
        body = body.replace(old, new)
    if latest and _OFFER_RESTED in body and "FROM member_skill o " in body:
        body = body.replace(_OFFER_RESTED, _latest_test("o.walk_pinged_at", "o.walk_pinged_at"))
    return body


# Each group's key CTE (routing_group._group_key) becomes variables of the function.
_KEYS = {"skill_id": ":k_skill", "lo": ":k_lo", "hi": ":k_hi", "other": ":k_other"}


def _arms(group: tuple[int, ...], latest: bool = False) -> list[str]:
    """A group's arms (never pinged; pinged before the window; inside it, by count of pings there:
    routing_group._window_arms) as statements of their own, as GROUP_SQL_ORDERED has them, the
    group's key read from variables and without their gates (the function runs an arm only when
    the arms before it found fewer than :limit). Each is an array of what it finds (FOUND: the
    member and the keys the walk carries, read from the arm's columns as {name}_walk reads them),
    its eligibility tests those of _read_once."""
    name = "g" + "".join(map(str, group))
    sql = GROUP_SQL_ORDERED
    walk = _cte(sql, f"{name}_walk")
    share = re.match(r"\s*SELECT id, (\d+), recent, last_ping, joined_at FROM \(", walk)
    if share is None or int(share.group(1)) != len(group):
        raise ValueError(f"{name}_walk does not carry its number of skills as the share")
    arms: list[tuple[str, str]] = []
    while re.search(rf"^{name}_a{len(arms) + 1}\(", sql, re.M):
        k = len(arms) + 1
        columns, body = _cte_with_columns(sql, f"{name}_a{k}")
        union = re.search(rf"SELECT id, ([^\n]*) FROM {name}_a{k}\b", walk)
        if union is None or not columns.startswith("id, "):
            raise ValueError(f"{name}_a{k}: its keys are not in {name}_walk")
        keys = [re.sub(r" AS \w+$", "", v) for v in union.group(1).split(", ")[-3:]]
        found = ", ".join(["a.id", str(len(group))] + [v if v in ("0", "NULL") else f"a.{v}" for v in keys])
        if any(v not in ("0", "NULL") and v not in columns.split(", ") for v in keys):
            raise ValueError(f"{name}_a{k}: its keys are not its columns")
        before = r" \+ ".join(rf"\(SELECT COUNT\(\*\) FROM {name}_a{i}\)" for i in range(1, k))
        body, gates = re.subn(rf"\s+AND {before} < :limit", "", body) if k > 1 else (body, 0)
        if gates != (k > 1):
            raise ValueError(f"{name}_a{k}: its gate is not the one this function replaces")
        body = re.sub(rf"\(SELECT (\w+) FROM {name}\)", lambda m: _KEYS[m.group(1)], body)
        if re.search(rf"\b{name}\w*\b|\bwanted\b|\bshape\b", body):
            raise ValueError(f"{name}_a{k} reads another CTE: the function cannot run it alone")
        statement = _body_statement(_read_once(body, latest))
        arms.append(f"ARRAY(SELECT ROW({found})::{FOUND} FROM (\n{statement}\n) a({columns}))")
    if len(arms) < 3 or "walk_pinged_at IS NULL" not in arms[0] or "walk_pinged_at <= p_fair_since" not in arms[1] \
            or any("walk_pinged_at > p_fair_since" not in arm for arm in arms[2:]):
        raise ValueError(f"{name}: its arms are not never pinged, pinged before the window, then inside it")
    return arms


def _ranking(kind: str = "") -> str:
    """GROUP_SQL_ORDERED's ranking (its `candidate` and `best`, and its final SELECT without its
    rank column and its row for more skills) of what the walks found (the variable k_candidates),
    by the keys the walks carry, as the statement ranks them (why it is exact: routing_group's
    docstring; function_body for the walks the function skips)."""
    sql = GROUP_SQL_ORDERED
    union = re.search(r"^candidate\(id, skills, recent, last_ping, joined_at\) AS MATERIALIZED \(\n"
                      r"    SELECT id, MAX\(skills\), MIN\(recent\), MIN\(last_ping\), MIN\(joined_at\) "
                      r"FROM (\(\n\s*SELECT \* FROM g1_walk UNION ALL [^\n]*\) found)\n", sql, re.M)
    more = sql.find("\nUNION ALL\nSELECT NULL, ")
    if union is None or more < 0:
        raise ValueError("GROUP_SQL_ORDERED's candidates are not the ones this function ranks")
    statement = "WITH " + sql[union.start():more].replace(union.group(1), "unnest(:k_candidates) found")
    columns = ", ".join(f"q.{c}" for c in COLUMNS)
    return f"SELECT {columns}{kind} FROM (\n{_body_statement(statement).strip()}\n) q ORDER BY q.rank"


# The groups of two and three skills of GROUP_SQL_ORDERED's walks, the largest first (why:
# function_body); the single skills are walked after them.
_LARGEST_FIRST = tuple(sorted((g for g in _GROUPS if len(g) > 1), key=len, reverse=True))


def _group_table() -> str:
    """_LARGEST_FIRST as arrays the function loops over: each group's size and positions (the
    pair p < q whose offers it reads, and the third skill of three)."""
    def col(values: list[int]) -> str:
        return "'{" + ",".join(map(str, values)) + "}'"
    groups = _LARGEST_FIRST
    return (f"v_sizes int[] := {col([len(g) for g in groups])}; v_ps int[] := {col([g[-2] for g in groups])}; "
            f"v_qs int[] := {col([g[-1] for g in groups])}; "
            f"v_others int[] := {col([g[0] if len(g) == 3 else 0 for g in groups])};")


_ENOUGH = "(SELECT COUNT(DISTINCT c.id) FROM unnest(p_k_candidates) c) >= p_limit"


def function_body(kind: str = "") -> str:
    """The PL/pgSQL body. Up to GROUP_SKILLS skills: the walks of GROUP_SQL_ORDERED, one arm at a
    time (an arm only when the arms before it found fewer than :limit), then its ranking over what
    they found. Each arm is a small statement of its own, so a decision sets up only the arms it
    runs (PostgreSQL set up every arm of all seven walks at each execution of the one statement).

    The best :limit are among the walks (proof in routing_group's docstring); the function skips
    the walks, or the arms of a walk, whose members could only rank after :limit members already
    found, so the best :limit of what it finds (all eligible) are the statement's:
    - the groups of skills are walked the largest first, and those of k skills are not walked once
      :limit members were found by the walks of more: each of these offers more than k of the
      requested skills and ranks before any member offering k (the ranking's first key);
    - a single skill's walk reads its members never pinged and those pinged before the fairness
      window first, for every skill; the third arm (members pinged inside the window, who offer that
      skill alone or are found by a larger group's walk) is read only if fewer than :limit members
      were found so far: every one found so far offers two requested skills or more, or was pinged
      zero times inside the window, and ranks before a member of one skill pinged inside it.
    That arm counts the pings of every member it reaches: a popular skill's walk is often skipped.
    What is found is ranked by the keys the walks carry, as the statement ranks its walks: each of
    the best :limit is found by the walk of its own set of skills (the skips above leave out only
    walks and arms whose members rank after :limit others), with its exact keys; a member found
    only by a walk of fewer skills gets a smaller share than its own, so ranks no better than it
    truly does, below every one of the best :limit (routing_group's docstring).
    More skills: MANY_SKILLS_SQL_ORDERED, whole."""
    many = _body_statement(MANY_SKILLS_SQL_ORDERED).strip()
    if kind:
        many = f"SELECT q.*{kind} FROM (\n{many}\n) q"
    wanted = _body_statement(_cte(GROUP_SQL_ORDERED, "wanted")).strip()
    return f"""
#variable_conflict use_column
DECLARE v_n bigint; v_w bigint[]; v_got {FOUND}[]; p_k_candidates {FOUND}[] := '{{}}';
v_inside int[] := '{{}}'; v_found int[] := '{{}}';
p_k_skill bigint; p_k_lo bigint; p_k_hi bigint; p_k_other bigint; v_g int; v_p int;
p_k_skip bigint[]; p_k_langs text[];
{_group_table()}
BEGIN
SELECT (SELECT COUNT(*) FROM request_skill WHERE request_id = p_request_id), (
SELECT array_agg(wanted.skill_id ORDER BY wanted.pos) FROM (
{wanted}
) wanted(skill_id, offers, pos)),
{_SKIP_ARRAY}
INTO v_n, v_w, p_k_skip;
IF v_n > {GROUP_SKILLS} THEN
RETURN QUERY {many};
RETURN;
END IF;
v_n := COALESCE(cardinality(v_w), 0);
{_LANGUAGE_ARRAY}IF p_fatigue_cap BETWEEN 1 AND 4 THEN
{_walks(True)}ELSE
{_walks(False)}END IF;
RETURN QUERY {_ranking(kind)};
END;
"""


def _walks(latest: bool) -> str:
    """The walks of function_body, their arms testing the fatigue cap by the latest pings or not."""
    single, pair, triple = (_arms(g, latest) for g in ((1,), (1, 2), (1, 2, 3)))

    def chain(arms: list[str], found: str) -> str:
        """v_got ||= each arm in turn while `found` plus what v_got holds is under :limit."""
        steps = [f"IF {found} + cardinality(v_got) < p_limit THEN\nv_got := v_got || {arm};" for arm in arms]
        return "\n".join(steps) + "\n" + "END IF;\n" * len(arms)

    def walk(arms: list[str]) -> str:
        return f"v_got := {arms[0]};\n" + chain(arms[1:], "0")
    return f"""FOR v_g IN 1..cardinality(v_sizes) LOOP
CONTINUE WHEN v_qs[v_g] > v_n;
EXIT WHEN v_g > 1 AND v_sizes[v_g] < v_sizes[v_g - 1] AND cardinality(p_k_candidates) >= p_limit AND {_ENOUGH};
p_k_lo := LEAST(v_w[v_ps[v_g]], v_w[v_qs[v_g]]);
p_k_hi := GREATEST(v_w[v_ps[v_g]], v_w[v_qs[v_g]]);
IF v_sizes[v_g] = 2 THEN
{walk(pair)}
ELSE
p_k_other := v_w[v_others[v_g]];
{walk(triple)}
END IF;
p_k_candidates := p_k_candidates || v_got;
END LOOP;
IF cardinality(p_k_candidates) < p_limit OR NOT {_ENOUGH} THEN
FOR v_p IN 1..v_n LOOP
p_k_skill := v_w[v_p];
v_got := {single[0]};
{chain(single[1:2], "0")}IF cardinality(v_got) < p_limit THEN
v_inside := v_inside || v_p;
v_found := v_found || cardinality(v_got);
END IF;
p_k_candidates := p_k_candidates || v_got;
END LOOP;
IF cardinality(v_inside) > 0 AND (cardinality(p_k_candidates) < p_limit OR NOT {_ENOUGH}) THEN
FOR v_g IN 1..cardinality(v_inside) LOOP
p_k_skill := v_w[v_inside[v_g]];
v_got := '{{}}';
{chain(single[2:], "v_found[v_g]")}p_k_candidates := p_k_candidates || v_got;
END LOOP;
END IF;
END IF;
"""


def request_function_body() -> str:
    """The PL/pgSQL body of entraide_route_request: the requester's row (kind REQUESTER), then the
    helpers entraide_route's body (a block of this one) picks for the requester's languages (kind
    HELPER), read from the requester's row on the server; a row of kind LANGUAGES_UNREAD instead
    when they are not plain."""
    member = ", ".join(f"m.{c}" for c in COLUMNS)
    nulls = ", ".join(f"NULL::{_type(c)}" for c in COLUMNS)
    # entraide_route's body as a block of this one, its rows of kind HELPER: a call of entraide_route
    # from a query had its own executor and function call set up at each decision.
    inner = function_body(f", {HELPER}").replace("\n#variable_conflict use_column\n", "", 1)
    slots = "\n".join(f"p_lang_{i} := langs[{i}];" for i in range(1, 5))
    return f"""
#variable_conflict use_column
DECLARE spoken text; langs text[];
BEGIN
RETURN QUERY SELECT {member}, {REQUESTER} FROM member m WHERE m.id = p_requester_id;
SELECT s.spoken, w.langs,
COALESCE((SELECT json_agg(v ORDER BY i)::text FROM unnest(w.langs) WITH ORDINALITY u(v, i)), '[]')
INTO spoken, langs, p_languages
FROM (SELECT (SELECT m.languages FROM member m WHERE m.id = p_requester_id) AS spoken) s,
LATERAL (SELECT COALESCE(array_agg(x ORDER BY x), '{{}}') AS langs
FROM (SELECT DISTINCT x COLLATE "C" AS x FROM string_to_table(COALESCE(s.spoken, ''), ',') x WHERE x <> '') d) w;
IF spoken !~ '{PLAIN_LANGUAGES}' THEN
RETURN QUERY SELECT {nulls}, {LANGUAGES_UNREAD};
RETURN;
END IF;
p_more_languages := cardinality(langs) > 4;
{slots}
{inner}END;
"""


def function_sql() -> str:
    """CREATE OR REPLACE FUNCTION entraide_route(...) and entraide_route_request(...): what
    migration 0290 holds."""
    params = ", ".join(f"p_{name} {kind}" for name, kind in PARAMETERS)
    returns = ", ".join(f"{c} {_type(c)}" for c in COLUMNS)
    return (f"CREATE OR REPLACE FUNCTION {FUNCTION}({params})\nRETURNS TABLE ({returns})\n"
            f"LANGUAGE plpgsql STABLE AS $route${function_body()}$route$;\n\n"
            f"CREATE OR REPLACE FUNCTION {REQUEST_FUNCTION}({params})\nRETURNS TABLE ({returns}, kind integer)\n"
            f"LANGUAGE plpgsql STABLE AS $route${request_function_body()}$route$;\n")


if __name__ == "__main__":
    print(function_sql(), end="")
