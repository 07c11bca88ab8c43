"""The animators' "no godparent" alert says the real reason: nobody volunteered, too new, all full, away.

Kept apart from onboarding.py (which pairs people) because it only explains, in words, why the
pairing found nobody; the counts come from one storage query over the volunteers.
"""
from __future__ import annotations

import aiosqlite

from bot.clock import from_epoch
from bot.context import Community
from storage import onboarding as onboarding_repo
from storage.members import Member
from storage.onboarding import PoolRules

DAY = 86_400


async def no_godparent_reason(
    tx: aiosqlite.Connection, ctx: Community, newcomer: Member, rules: PoolRules, locale: str,
) -> str:
    """Why no volunteer could take `newcomer` right now, as one clause (or several, joined by « ; »)."""
    found = await onboarding_repo.volunteer_breakdown(tx, ctx.guild_id, newcomer.id, rules)
    if found.volunteers == 0:
        return ctx.t(locale, "onboarding.no_godparent.nobody")
    clauses = []
    if found.too_new:
        assert found.first_eligible_at is not None
        ready = from_epoch(found.first_eligible_at + ctx.config.onboarding.godparent_min_days * DAY)
        clauses.append(ctx.t(locale, "onboarding.no_godparent.too_new", count=found.too_new,
                             date=ctx.i18n.date(locale, ready)))
    if found.full:
        clauses.append(ctx.t(locale, "onboarding.no_godparent.full", count=found.full, max=rules.max_godchildren))
    if found.away:
        clauses.append(ctx.t(locale, "onboarding.no_godparent.away", count=found.away))
    if found.volunteers > found.too_new + found.full + found.away:
        clauses.append(ctx.t(locale, "onboarding.no_godparent.other"))
    return " ; ".join(clauses) if locale == "fr" else "; ".join(clauses)
