"""Routing on PostgreSQL in one round trip: the server-side functions `entraide_route` and
`entraide_route_request` (the requester's row and languages read on the server too).

`entraide_route` makes the decision the client's statements make (storage/routing_group.py for up
to GROUP_SKILLS skills, storage/routing_many.py beyond), in one call, from their very text
(translated by storage/dialect.py, each `$n` becoming the function's parameter of that name): the
many-skills statement whole; the group statement's walks one arm at a time, then its ranking
(function_body says why and what it skips). Migrations install it (0290, then 0300 onwards: the
newest holds what `python -m storage.routing_pg` prints); tests/test_routing_pg_function.py checks
that the installed bodies are the ones this module generates (a change to the routing SQL needs a
new migration) and that its choices equal the client statements' and the reference query's on
randomized communities."""
from __future__ import annotations

import re

from storage import members as members_repo
from storage.dialect import translate
from storage.routing_filters import _RECENT, _SKILLS
from storage.routing_group import _GROUPS, GROUP_SKILLS, GROUP_SQL_ORDERED
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
    found = re.search(rf"^(?:WITH )?{name}\([^)]*\) AS MATERIALIZED \(\n(.*?)\n\),?$", sql, re.M | re.S)
    if found is None:
        raise ValueError(f"no CTE {name} in the client's routing statement")
    return found.group(1)


# Each group's key CTE (routing_group._group_key) becomes variables of the function.
_KEYS = {"skill_id": ":k_skill", "lo": ":k_lo", "hi": ":k_hi", "other": ":k_other"}


def _arms(group: tuple[int, ...]) -> list[str]:
    """A group's arms (never pinged; pinged before the window; inside it, by count of pings there:
    routing_group._window_arms) as statements of their own, as GROUP_SQL_ORDERED has them, the
    group's key read from variables and without their gates (the function runs an arm only when
    the arms before it found fewer than :limit)."""
    name = "g" + "".join(map(str, group))
    sql = GROUP_SQL_ORDERED
    arms = []
    while re.search(rf"^{name}_a{len(arms) + 1}\(", sql, re.M):
        k = len(arms) + 1
        body = _cte(sql, f"{name}_a{k}")
        before = r" \+ ".join(rf"\(SELECT COUNT\(\*\) FROM {name}_a{i}\)" for i in range(1, k))
        body, gates = re.subn(rf"\s+AND {before} < :limit", "", body) if k > 1 else (body, 0)
        if gates != (k > 1):
            raise ValueError(f"{name}_a{k}: its gate is not the one this function replaces")
        body = re.sub(rf"\(SELECT (\w+) FROM {name}\)", lambda m: _KEYS[m.group(1)], body)
        if re.search(rf"\b{name}\w*\b|\bwanted\b|\bshape\b", body):
            raise ValueError(f"{name}_a{k} reads another CTE: the function cannot run it alone")
        arms.append(_body_statement(body))
    if len(arms) < 3 or "walk_pinged_at IS NULL" not in arms[0] or "walk_pinged_at <= p_fair_since" not in arms[1] \
            or any("walk_pinged_at > p_fair_since" not in arm for arm in arms[2:]):
        raise ValueError(f"{name}: its arms are not never pinged, pinged before the window, then inside it")
    return arms


def _ranking(kind: str = "") -> str:
    """GROUP_SQL_ORDERED's ranking (its `best` and final SELECT), without its rank column, of the
    members the walks found (the variable k_candidates), each ranked by its exact keys (its share
    and recent pings counted, its last ping and seniority read from its row)."""
    sql = GROUP_SQL_ORDERED
    shape = re.search(r"^shape\(n\) AS MATERIALIZED \(.*\),\n", sql, re.M)
    best = sql.index("\nbest(")
    walks = sql[shape.end():best] if shape else ""
    if "candidate(id, skills, recent, last_ping, joined_at) AS MATERIALIZED" not in walks:
        raise ValueError("GROUP_SQL_ORDERED's candidates are not the ones this function ranks")
    candidate = (f"candidate(id, skills, recent, last_ping, joined_at) AS MATERIALIZED (\n"
                 f"    SELECT m.id, {_SKILLS}, {_RECENT}, m.last_pinged_at, m.joined_at\n"
                 f"    FROM (SELECT DISTINCT unnest(:k_candidates) AS id) c JOIN member m ON m.id = c.id\n),")
    statement = sql[:shape.end()] + candidate + sql[best:]  # type: ignore[union-attr]
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


_ENOUGH = "(SELECT COUNT(DISTINCT c) FROM unnest(p_k_candidates) c) >= p_limit"


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
    More skills: MANY_SKILLS_SQL_ORDERED, whole."""
    single, pair, triple = (_arms(g) for g in ((1,), (1, 2), (1, 2, 3)))
    many = _body_statement(MANY_SKILLS_SQL_ORDERED).strip()
    if kind:
        many = f"SELECT q.*{kind} FROM (\n{many}\n) q"
    wanted = _body_statement(_cte(GROUP_SQL_ORDERED, "wanted")).strip()

    def arm(sql: str) -> str:
        return f"ARRAY(SELECT a.id FROM (\n{sql}\n) a)"

    def chain(arms: list[str], found: str) -> str:
        """v_got ||= each arm in turn while `found` plus what v_got holds is under :limit."""
        steps = [f"IF {found} + cardinality(v_got) < p_limit THEN\nv_got := v_got || {arm(sql)};" for sql in arms]
        return "\n".join(steps) + "\n" + "END IF;\n" * len(arms)

    def walk(arms: list[str]) -> str:
        return f"v_got := {arm(arms[0])};\n" + chain(arms[1:], "0")
    return f"""
#variable_conflict use_column
DECLARE v_n bigint; v_w bigint[]; v_got bigint[]; p_k_candidates bigint[] := '{{}}';
v_inside int[] := '{{}}'; v_found int[] := '{{}}';
p_k_skill bigint; p_k_lo bigint; p_k_hi bigint; p_k_other bigint; v_g int; v_p int;
{_group_table()}
BEGIN
SELECT COUNT(*) INTO v_n FROM request_skill WHERE request_id = p_request_id;
IF v_n > {GROUP_SKILLS} THEN
RETURN QUERY {many};
RETURN;
END IF;
SELECT array_agg(wanted.skill_id ORDER BY wanted.pos) INTO v_w FROM (
{wanted}
) wanted(skill_id, offers, pos);
v_n := COALESCE(cardinality(v_w), 0);
FOR v_g IN 1..cardinality(v_sizes) LOOP
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
v_got := {arm(single[0])};
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
RETURN QUERY {_ranking(kind)};
END;
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
SELECT m.languages INTO spoken FROM member m WHERE m.id = p_requester_id;
IF spoken !~ '{PLAIN_LANGUAGES}' THEN
RETURN QUERY SELECT {nulls}, {LANGUAGES_UNREAD};
RETURN;
END IF;
SELECT COALESCE(array_agg(x ORDER BY x), '{{}}') INTO langs
FROM (SELECT DISTINCT x COLLATE "C" AS x FROM string_to_table(COALESCE(spoken, ''), ',') x WHERE x <> '') w;
p_languages := COALESCE((SELECT json_agg(v ORDER BY i)::text FROM unnest(langs) WITH ORDINALITY u(v, i)), '[]');
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
