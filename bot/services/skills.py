"""One skill normalization used everywhere: case, accents, hyphens and spaces ignored; aliases from
the config; mentions, links and symbols refused (they are not skills, and would ping or advertise)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import aiosqlite

from bot.context import Community
from bot.errors import conflict, invalid, not_found
from bot.mentions import neutralize
from bot.services.moderation import record_case
from storage import skills as skills_repo
from storage.members import Member

MAX_SKILL_LEN = 40
#: Read as a space when matching: "aide-aux-devoirs" is "aide aux devoirs".
_SEPARATORS = re.compile(r"[-_‐‑‒–—/·.]+")
#: Not a skill: a mention (@everyone, <@123>, <#1>), a link, or no letter at all.
_JUNK = re.compile(r"@|<[@#:&]|https?:|www\.|discord\.gg|\w+\.(?:com|org|net|fr|io|gg)\b", re.IGNORECASE)


def skill_key(text: str) -> str:
    """The matching form: case-folded, accents stripped, hyphens read as spaces, inner spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_SEPARATORS.sub(" ", stripped).split())


def is_junk(text: str) -> bool:
    """A mention, a link or a string without any letter is refused as a skill."""
    return bool(_JUNK.search(text)) or not any(ch.isalpha() for ch in text)


def display_form(text: str) -> str:
    """How a skill is shown: lower-case (skills are common nouns), accents kept, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", text.strip()).lower().split())


def canonical(ctx: Community, text: str) -> tuple[str, str]:
    """(key, display) for a skill as typed, after aliases; `invalid_input` when out of bounds."""
    display = display_form(text)
    if not 1 <= len(display) <= MAX_SKILL_LEN:
        raise invalid("skills.bad_length", skill=neutralize(display[:MAX_SKILL_LEN]), max=MAX_SKILL_LEN)
    if is_junk(display):
        raise invalid("skills.junk", skill=neutralize(display))
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


# Animators tidy the catalogue: `mod skill merge|rename|remove` (audited, posted to mod-log) ------

@dataclass(frozen=True)
class SkillChange:
    """What a tidy-up did: the skill now standing (or removed) and how many members it touched."""

    skill: str
    members: int


async def _existing(tx: aiosqlite.Connection, ctx: Community, text: str) -> tuple[int, str]:
    """The catalogue's skill for a spelling (junk included: that is what gets cleaned), else `not_found`."""
    key = skill_key(display_form(text))
    aliases = {skill_key(alias): target for alias, target in ctx.config.skills.aliases.items()}
    found = await skills_repo.by_key(tx, ctx.guild_id, key)
    if found is None and key in aliases:
        found = await skills_repo.by_key(tx, ctx.guild_id, skill_key(aliases[key]))
    if found is None:
        raise not_found("skills.unknown", skill=neutralize(display_form(text)[:MAX_SKILL_LEN]))
    return found


async def merge_skills(ctx: Community, animator: Member, skill: str, into: str) -> SkillChange:
    """Every member and request with `skill` gets `into` instead (typos, duplicates, synonyms)."""
    async with ctx.db.transaction() as tx:
        source_id, source = await _existing(tx, ctx, skill)
        target_id, target = await _existing(tx, ctx, into)
        if source_id == target_id:
            raise conflict("skills.same_skill", skill=neutralize(target))
        members = await skills_repo.members_using(tx, [source_id])
        await skills_repo.merge(tx, source_id, target_id)
        await record_case(tx, ctx, animator, "merge", None,
                          ctx.t(ctx.locale, "skills.case_merge", skill=source, into=target, count=members))
    return SkillChange(target, members)


async def rename_skill(ctx: Community, animator: Member, skill: str, to: str) -> SkillChange:
    """A better spelling for one skill; a name another skill already has is a merge, said so."""
    key, display = canonical(ctx, to)
    async with ctx.db.transaction() as tx:
        skill_id, before = await _existing(tx, ctx, skill)
        other = await skills_repo.by_key(tx, ctx.guild_id, key)
        if other is not None and other[0] != skill_id:
            raise conflict("skills.name_taken", skill=neutralize(other[1]))
        members = await skills_repo.members_using(tx, [skill_id])
        await skills_repo.rename(tx, skill_id, key, display)
        await record_case(tx, ctx, animator, "rename", None,
                          ctx.t(ctx.locale, "skills.case_rename", skill=before, to=display, count=members))
    return SkillChange(display, members)


async def remove_skill(ctx: Community, animator: Member, skill: str) -> SkillChange:
    """Junk (`@everyone`, a link, `diy`) leaves every profile and request, and the catalogue."""
    async with ctx.db.transaction() as tx:
        skill_id, display = await _existing(tx, ctx, skill)
        members = await skills_repo.members_using(tx, [skill_id])
        await skills_repo.remove(tx, skill_id)
        await record_case(tx, ctx, animator, "remove", None,
                          ctx.t(ctx.locale, "skills.case_remove", skill=display, count=members))
    return SkillChange(display, members)
