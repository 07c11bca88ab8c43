"""One skill normalization used everywhere: case, accents and spaces ignored; aliases from the config."""
from __future__ import annotations

import unicodedata

import aiosqlite

from bot.context import Community
from bot.errors import invalid
from storage import skills as skills_repo

MAX_SKILL_LEN = 40


def skill_key(text: str) -> str:
    """The matching form: case-folded, accents stripped, inner spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def display_form(text: str) -> str:
    """How a skill is shown: lower-case (skills are common nouns), accents kept, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", text.strip()).lower().split())


def canonical(ctx: Community, text: str) -> tuple[str, str]:
    """(key, display) for a skill as typed, after aliases; `invalid_input` when out of bounds."""
    display = display_form(text)
    if not 1 <= len(display) <= MAX_SKILL_LEN:
        raise invalid("skills.bad_length", skill=display[:MAX_SKILL_LEN], max=MAX_SKILL_LEN)
    key = skill_key(display)
    aliases = {skill_key(alias): target for alias, target in ctx.config.skills.aliases.items()}
    if key in aliases:
        display = display_form(aliases[key])
        key = skill_key(display)
    if not key:
        raise invalid("skills.bad_length", skill=display, max=MAX_SKILL_LEN)
    return key, display


def canonical_list(ctx: Community, items: list[str], limit: int) -> list[tuple[str, str]]:
    """Deduplicated (key, display) pairs in the order given; more than `limit` is `invalid_input`."""
    seen: dict[str, str] = {}
    for item in items:
        key, display = canonical(ctx, item)
        seen.setdefault(key, display)
    if len(seen) > limit:
        raise invalid("skills.too_many", max=limit)
    return list(seen.items())


async def ensure_skills(tx: aiosqlite.Connection, ctx: Community, pairs: list[tuple[str, str]]) -> list[int]:
    """Skill ids for (key, display) pairs, creating unknown skills (the first display form wins)."""
    return [await skills_repo.ensure(tx, ctx.guild_id, key, display) for key, display in pairs]


async def find_skill_ids(tx: aiosqlite.Connection, ctx: Community, keys: list[str]) -> dict[str, int]:
    return await skills_repo.ids_for_keys(tx, ctx.guild_id, keys)
