"""Routing on PostgreSQL in one round trip: the server-side functions `entraide_route` and
`entraide_route_request` (the requester's row and languages read on the server too).

On PostgreSQL a routing decision counted the request's skills, then ran the statement made for
that many (storage/routing_group.py), then, for more than GROUP_SKILLS skills, MANY_SKILLS_SQL:
two or three round trips, each a wait for a core on a busy machine. `entraide_route` does the same
in one call: it counts the skills and runs the same statements, their text generated here from the
very SQL the client would have sent (translated by storage/dialect.py, each `$n` becoming the
function's parameter of that name). Migration 0290 (storage/migrations_pg/0290_route_function.sql)
installs it; tests/test_routing_pg_function.py checks that the installed body is the one this module
generates (a change to the routing SQL needs a new migration, `python -m storage.routing_pg` prints
it) and that its choices equal the reference query's on randomized communities."""
from __future__ import annotations

import re

from storage import members as members_repo
from storage.dialect import translate
from storage.routing_group import GROUP_SKILLS, GROUP_SQL_ORDERED_FOR
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


def _group(n: int) -> str:
    """The statement for n skills, without its rank column, in rank order."""
    columns = ", ".join(f"q.{c}" for c in COLUMNS)
    statement = _body_statement(GROUP_SQL_ORDERED_FOR[n]).strip()
    return f"RETURN QUERY SELECT {columns} FROM (\n{statement}\n) q ORDER BY q.rank;"


def function_body() -> str:
    """The PL/pgSQL body: route_candidates' choice of statement, made on the server."""
    branches = []
    for n in range(1, GROUP_SKILLS + 1):
        test = "n <= 1" if n == 1 else f"n = {n}"
        branches.append(f"{'IF' if n == 1 else 'ELSIF'} {test} THEN\n{_group(n)}")
    many = _body_statement(MANY_SKILLS_SQL_ORDERED).strip()
    return ("\n#variable_conflict use_column\nDECLARE n bigint;\nBEGIN\n"
            "SELECT COUNT(*) INTO n FROM request_skill WHERE request_id = p_request_id;\n"
            + "\n".join(branches) + f"\nELSE\nRETURN QUERY {many};\nEND IF;\nEND;\n")


def request_function_body() -> str:
    """The PL/pgSQL body of entraide_route_request: the requester's row (kind REQUESTER), then the
    helpers entraide_route picks for the requester's languages (kind HELPER), read from the
    requester's row on the server; a row of kind LANGUAGES_UNREAD instead when they are not plain."""
    member = ", ".join(f"m.{c}" for c in COLUMNS)
    nulls = ", ".join(f"NULL::{_type(c)}" for c in COLUMNS)
    args = ", ".join(f"p_{name}" for name, _kind in PARAMETERS)
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
RETURN QUERY SELECT r.*, {HELPER} FROM {FUNCTION}({args}) r;
END;
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
