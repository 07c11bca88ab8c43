"""How Python values meet PostgreSQL's types in storage/pg_connection.py, as SQLite's affinity would.

Parameters are fitted to the types PostgreSQL infers for them (an int where a text is expected
becomes its digits), statements PostgreSQL cannot type are typed by their Python values,
`numeric` comes back as int or float (SQLite has no decimals), and status lines become rowcounts."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from storage.dialect import Translated

_STATUS_COUNT = re.compile(r"(\d+)\s*$")


def _numeric(text: str) -> int | float:
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


async def _setup(conn: Any) -> None:
    await conn.set_type_codec("numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text")


def _fit(kind: str) -> Callable[[Any], Any]:
    """How a Python value becomes what a parameter of PostgreSQL type `kind` accepts."""
    if kind in ("int2", "int4", "int8"):
        def to_int(v: Any) -> Any:
            if isinstance(v, bool):
                return int(v)
            if isinstance(v, str) and re.fullmatch(r"-?\d+", v.strip()):
                return int(v)
            if isinstance(v, float) and v.is_integer():
                return int(v)
            return v
        return to_int
    if kind in ("text", "varchar", "bpchar", "name", "unknown"):
        def to_text(v: Any) -> Any:
            if isinstance(v, bool):
                return "1" if v else "0"
            if isinstance(v, int | float):
                return str(v)
            return v
        return to_text
    if kind == "bool":
        return lambda v: bool(v) if isinstance(v, int | float) else v
    if kind in ("float4", "float8", "numeric"):
        return lambda v: float(v) if isinstance(v, int) and not isinstance(v, bool) else v
    return lambda v: v


def _untyped() -> tuple[type[BaseException], ...]:
    import asyncpg

    return (asyncpg.exceptions.IndeterminateDatatypeError, asyncpg.exceptions.UndefinedFunctionError,
            asyncpg.exceptions.DatatypeMismatchError, asyncpg.exceptions.AmbiguousFunctionError)


_TYPED_BY_VALUES: set[str] = set()  # statements whose parameters PostgreSQL types wrongly or not at all


def _arguments(t: Translated, params: Sequence[Any] | dict) -> list[Any]:
    if t.names is not None:
        if not isinstance(params, dict):
            raise TypeError("named parameters need a dict")
        return [params[name] for name in t.names]
    if isinstance(params, dict):
        if t.count:
            raise TypeError("positional parameters need a sequence")
        return []
    args = list(params)
    if len(args) != t.count:
        raise ValueError(f"expected {t.count} parameters, got {len(args)}: {t.sql[:80]}")
    return args


def _cast_for(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, float):
        return "float8"
    return "text"


def _count(status: str | None) -> int:
    match = _STATUS_COUNT.search(status or "")
    if not match or (status or "").startswith("SELECT"):
        return -1 if (status or "").startswith("SELECT") else 0
    return int(match.group(1))
