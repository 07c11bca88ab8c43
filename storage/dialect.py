"""SQLite statements as PostgreSQL runs them: the repositories keep one SQL text for both engines.

The rewrite is lexical and cached per statement: `?` and `:name` become `$n`; `INSERT OR IGNORE`
becomes `ON CONFLICT DO NOTHING`; `INDEXED BY` goes (PostgreSQL's planner picks its indexes);
SQLite's functions map to PostgreSQL's or to the `sl_*` functions of storage/migrations_pg
(`json_each`, `json_extract`, `instr`, `group_concat`, two-argument `MIN`/`MAX`); `IS NOT x` between
values becomes `IS DISTINCT FROM`; the `user` column is quoted. Text inside quotes is never touched.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_LITERAL = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
_PARAM = re.compile(r"\?|(?<![:\w]):([A-Za-z_]\w*)")
_ID_IN_JSON = re.compile(
    r"(\b[\w.]+)(\s+(?:NOT\s+)?IN\s*\(\s*SELECT\s+value\s+FROM\s+)json_each\(", re.IGNORECASE)
TEXT_IDS = ("platform_id", "guild_id")  # ids kept as text (the platforms' own); every other *_id is a number
_ID_IS_VALUE = re.compile(r"(\b[\w.]*(?<!platform)(?<!guild)_id\s*=\s*)(\w+\.value)\b(?!\s*::)")
_IS_DAY = re.compile(r"\bdate\(([\w.]+)\)\s*=\s*\1\b", re.IGNORECASE)  # SQLite: a real YYYY-MM-DD day
_WORDS = [
    (_IS_DAY, r"sl_is_day(\1)"),
    (re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE), "INSERT INTO"),
    (re.compile(r"\s+INDEXED\s+BY\s+\w+", re.IGNORECASE), ""),
    (re.compile(r"\bLIMIT\s+-1\b", re.IGNORECASE), "LIMIT ALL"),
    (re.compile(r"\s*\bWITHOUT\s+ROWID\b", re.IGNORECASE), ""),
    (re.compile(r"(\b(?:AND|OR|WHERE|ON|BY)\s+|[(,]\s*)\+(?=[A-Za-z_])", re.IGNORECASE), r"\1"),  # SQLite's no-index +
    (re.compile(r"\btemp\.", re.IGNORECASE), "pg_temp."),
    (re.compile(r"\bCROSS\s+JOIN(\s+\w+(?:\s+(?!ON\b)\w+)?\s+ON)\b", re.IGNORECASE), r"JOIN\1"),
    (re.compile(r"\bjson_each\(", re.IGNORECASE), "sl_json_each("),
    (re.compile(r"\bjson_extract\(", re.IGNORECASE), "sl_json_extract("),
    (re.compile(r"\binstr\(", re.IGNORECASE), "strpos("),
    (re.compile(r"\bgroup_concat\(", re.IGNORECASE), "string_agg("),
    (re.compile(r"\bchar\(", re.IGNORECASE), "chr("),
    (re.compile(r"\bIFNULL\(", re.IGNORECASE), "COALESCE("),
    (re.compile(r"\bCOLLATE\s+NOCASE\b", re.IGNORECASE), "COLLATE nocase"),
    (re.compile(r"\bIS\s+NOT\s+(?!NULL\b|TRUE\b|FALSE\b|DISTINCT\b)", re.IGNORECASE), "IS DISTINCT FROM "),
    (re.compile(r"\bIS\s+(?!NOT\b|NULL\b|TRUE\b|FALSE\b|DISTINCT\b)", re.IGNORECASE), "IS NOT DISTINCT FROM "),
    (re.compile(r"(?<![\w\":])user\b(?!\s*\()"), '"user"'),
]
_SCALAR_MINMAX = re.compile(r"\b(MIN|MAX)\(", re.IGNORECASE)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+(\w+)", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_INSERT_OR_REPLACE = re.compile(r"\bINSERT\s+OR\s+REPLACE\b|\bREPLACE\s+INTO\b", re.IGNORECASE)


class DialectError(Exception):
    """A statement this rewrite cannot carry to PostgreSQL: write it portably."""


@dataclass(frozen=True)
class Translated:
    sql: str
    names: tuple[str, ...] | None  # the order of :name parameters, None for positional ?
    count: int  # how many parameters
    insert_table: str | None  # the table an INSERT writes (lastrowid comes from RETURNING id)
    returning: bool  # the statement has its own RETURNING clause


def _split(sql: str) -> list[tuple[bool, str]]:
    """(is_code, text) parts: quoted literals and identifiers are kept apart, untouched."""
    parts, pos = [], 0
    for match in _LITERAL.finditer(sql):
        if match.start() > pos:
            parts.append((True, sql[pos:match.start()]))
        parts.append((False, match.group(0)))
        pos = match.end()
    if pos < len(sql):
        parts.append((True, sql[pos:]))
    return parts


def _id_list(match: re.Match[str]) -> str:
    column = match.group(1).split(".")[-1].lower()
    ints = (column == "id" or column.endswith("_id")) and column not in TEXT_IDS
    return f"{match.group(1)}{match.group(2)}{'sl_json_ints(' if ints else 'json_each('}"


def _scalar_minmax(sql: str) -> str:
    """`MIN(a, b)` (SQLite's scalar form, two or more arguments) is LEAST; `MAX(a, b)` GREATEST."""
    out, pos = [], 0
    for match in _SCALAR_MINMAX.finditer(sql):
        depth, i, comma = 1, match.end(), False
        while i < len(sql) and depth:
            c = sql[i]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif c == "," and depth == 1:
                comma = True
            i += 1
        if comma:
            out.append(sql[pos:match.start()])
            out.append("LEAST(" if match.group(1).upper() == "MIN" else "GREATEST(")
            pos = match.end()
    out.append(sql[pos:])
    return "".join(out)


_SUBQUERY = re.compile(r"(?<!DISTINCT\s)\b(FROM|JOIN)\s*\(\s*(?=SELECT\b|WITH\b|VALUES\b)", re.IGNORECASE)
_NO_ALIAS = re.compile(r"\s*($|\)|,|WHERE\b|GROUP\b|ORDER\b|LIMIT\b|UNION\b|EXCEPT\b|INTERSECT\b|JOIN\b|"
                       r"CROSS\b|INNER\b|LEFT\b|ON\b|HAVING\b|WINDOW\b)", re.IGNORECASE)


def _alias_subqueries(sql: str) -> str:
    """PostgreSQL 15 wants a name on every subquery in FROM; SQLite does not."""
    out, pos, n = [], 0, 0
    for match in _SUBQUERY.finditer(sql):
        depth, i = 1, match.end()
        while i < len(sql) and depth:
            depth += {"(": 1, ")": -1}.get(sql[i], 0)
            i += 1
        if depth == 0 and _NO_ALIAS.match(sql, i):
            n += 1
            out.append(sql[pos:i])
            out.append(f" AS sl_sub{n}")
            pos = i
    out.append(sql[pos:])
    return "".join(out)


@lru_cache(maxsize=4096)
def translate(sql: str) -> Translated:
    if _INSERT_OR_REPLACE.search(sql):
        raise DialectError(f"INSERT OR REPLACE has no PostgreSQL form; use ON CONFLICT ... DO UPDATE: {sql[:80]}")
    ignore = bool(re.search(r"\bINSERT\s+OR\s+IGNORE\b", sql, re.IGNORECASE))
    names: list[str] = []
    positional = 0
    pieces = []
    for is_code, text in _split(sql):
        if not is_code:
            pieces.append(text)
            continue
        text = _ID_IN_JSON.sub(_id_list, text)
        text = _ID_IS_VALUE.sub(r"\1\2::bigint", text)
        for pattern, replacement in _WORDS:
            text = pattern.sub(replacement, text)
        text = _scalar_minmax(text)

        def param(match: re.Match[str]) -> str:
            nonlocal positional
            if match.group(0) == "?":
                positional += 1
                return f"${positional}"
            name = match.group(1)
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        pieces.append(_PARAM.sub(param, text))
    out = _alias_subqueries("".join(pieces).rstrip().rstrip(";"))
    if positional and names:
        raise DialectError(f"a statement mixes ? and :name parameters: {sql[:80]}")
    returning = bool(_RETURNING.search(out))
    if ignore:
        match = _RETURNING.search(out)
        out = (out[:match.start()] + "ON CONFLICT DO NOTHING " + out[match.start():]) if match else (
            out + " ON CONFLICT DO NOTHING")
    insert = _INSERT_INTO.match(sql)
    return Translated(out, tuple(names) if names else None, len(names) or positional,
                      insert.group(1).lower() if insert else None, returning)
